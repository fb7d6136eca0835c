"""Presentation: plain data to text, JSON, CSV, DOT, Mermaid, SVG and the HTML page."""
