"""Drawing: charts and lineage as Graphviz DOT or Mermaid text, and Graphviz to draw them."""
