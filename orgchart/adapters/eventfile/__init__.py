"""Event files (`orgchart/v1`): parsing with file:line errors, and export."""
