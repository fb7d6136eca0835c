"""`verify`: the log's order and hash chain, and the query tables against a fresh replay."""

from __future__ import annotations

from orgchart.adapters.readmodel import tables
from orgchart.application.storage import Storage
from orgchart.domain.errors import EmptyStore, OrgchartError


def verify(storage: Storage) -> str:
    """Check the log (order, hash chain) and that the query tables equal a fresh replay."""
    import sqlite_utils

    from orgchart.domain.knowledge import known_at
    from orgchart.domain.rules import replay

    h = storage.store().audit()
    if h.version == 0:
        raise EmptyStore(storage.empty_message())
    try:
        replay(known_at(h.facts, None))
    except OrgchartError as e:
        raise OrgchartError(f"the log does not replay: {e}") from None
    scratch = sqlite_utils.Database(memory=True)
    storage.refresh(scratch, h)
    live = storage.open_tables()
    if tables.position(live) < h.version:  # behind (e.g. a writer was killed): catch up
        storage.refresh(live, h)
    try:
        if tables.position(live) > h.version:
            raise OrgchartError(f"the log is broken after log entry {h.version}: the query "
                                f"tables were built from {tables.position(live)} entries "
                                f"(entries were removed from the end)")
        mine, fresh = tables.dump(live), tables.dump(scratch)
        if tables.position(live) != h.version or mine != fresh:
            bad = next((t for t in tables.TABLES if mine.get(t) != fresh.get(t)), "meta")
            raise OrgchartError(f"the query tables do not match a replay of the log "
                                f"(table {bad} differs; run any query to rebuild them)")
    finally:
        live.close()
    return (f"ok: {len(h.facts)} events in {h.version} log entries; hash chain intact; "
            f"query tables match a replay from scratch")
