"""Which store a `--db` value names: a SQLite path or a `postgresql://` URL.

Kept apart from `orgchart.adapters.store` so that read-only commands can resolve the
store without importing the `eventsourcing` library.
"""

from __future__ import annotations

import os

DEFAULT_DB = "orgchart.db"


def resolve_db(db: str | None) -> str:
    return db or os.environ.get("ORGCHART_DB") or DEFAULT_DB


def is_postgres(db: str) -> bool:
    return db.startswith(("postgresql://", "postgres://"))


def store_env(db: str) -> dict[str, str]:
    """Library settings for a SQLite path or a `postgresql://` URL."""
    if not is_postgres(db):
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": db,
                "SQLITE_LOCK_TIMEOUT": "30"}
    from urllib.parse import parse_qs, unquote, urlparse

    u = urlparse(db)
    query = parse_qs(u.query)
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": unquote(u.path.lstrip("/")) or "postgres",
        "POSTGRES_HOST": u.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(u.port or 5432),
        "POSTGRES_USER": unquote(u.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(u.password or ""),
        "POSTGRES_LOCK_TIMEOUT": "30",
        "POSTGRES_CONNECT_TIMEOUT": "10",
        "POSTGRES_POOL_SIZE": "2",
        "POSTGRES_MAX_OVERFLOW": "2",
        # Append through the library's server-side insert function: one plain statement.
        # Its default path sends the events in psycopg's pipeline mode, which deadlocks
        # on a large append (~18,000 events or more: the server waits for the rest of
        # the message, the client for the results), with either psycopg implementation.
        "POSTGRES_ENABLE_DB_FUNCTIONS": "y",
    }
    if "schema" in query:
        env["POSTGRES_SCHEMA"] = query["schema"][0]
    return env


def safe_db_label(db: str) -> str:
    """The store's name for messages, without a password."""
    if not is_postgres(db):
        return db
    from urllib.parse import urlparse

    u = urlparse(db)
    if u.password:
        return db.replace(f":{u.password}@", ":***@")
    return db


def not_a_store(db: str) -> str:
    """The one line a read command says on a database that holds no orgchart log."""
    return (f"{safe_db_label(db)} is not an orgchart store (it has no orgchart event log); "
            f"`orgchart load FILE.yaml` makes one")


def empty_store(db: str) -> str:
    """The one line a read command says on a store that holds no events (or, on
    PostgreSQL, whose schema holds no orgchart log yet)."""
    return (f"the store {safe_db_label(db)} holds no events yet: "
            f"load some with `orgchart load FILE.yaml`")
