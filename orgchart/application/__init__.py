"""The application service: commands (load, retract) and queries, in plain data."""
