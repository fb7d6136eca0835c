"""HR snapshots to events: `orgchart import-snapshot`.

A snapshot is an export of an organisation's structure on one date, one row
per unit (id, name, parent, head). `read` turns a CSV, TSV, XLSX or JSON file
into checked `Snapshot` rows; `plan` compares a snapshot with the chart on its
date and returns the events that turn one into the other (a pure function);
`render` writes them as a commented `orgchart/v1` file; `importer` runs a
snapshot or a series of them against a store.
"""
