"""Adapters: the event store (eventsourcing on SQLite or PostgreSQL), the query
tables (the read model) and the event-file reader."""
