"""`orgchart serve`: a local, read-only web explorer of a store (Starlette).

A sibling of `orgchart.cli`: an entrypoint that turns requests into calls of
the application service (`orgchart.application.service`, `.browse`) and their
plain-data answers into JSON (the CLI's own JSON text) or HTML (Jinja2
templates, autoescaped). It never runs SQL and never writes the store.
"""
