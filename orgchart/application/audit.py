"""`verify`: the log's order and hash chain, its snapshots, an expected head, and the query
tables against a fresh replay."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from orgchart.adapters.readmodel import tables
from orgchart.application.storage import Storage
from orgchart.domain.errors import EmptyStore, OrgchartError

if TYPE_CHECKING:
    from orgchart.adapters.store import StoredHistory

#: What a chain head looks like (a SHA-256 in lowercase hex).
HEAD = re.compile(r"[0-9a-f]{64}")


def verify(storage: Storage, expect: str | None = None) -> str:
    """Check the log (order, hash chain), its snapshots, that it holds the `expect`ed head
    (one published earlier), and that the query tables equal a fresh replay. Returns the
    report: a line saying what holds, and the log's chain head."""
    import sqlite_utils

    from orgchart.domain.knowledge import known_at
    from orgchart.domain.rules import replay

    if expect is not None and not HEAD.fullmatch(expect.strip().lower()):
        raise OrgchartError(f"--expect takes a chain head as `orgchart verify` prints it "
                            f"(64 hexadecimal digits), not {expect!r}")
    h = storage.store().audit()
    if h.version == 0:
        raise EmptyStore(storage.empty_message())
    heads = chain_heads(h)
    expected_at = None if expect is None else _find_head(heads, expect.strip().lower())
    check_snapshots(storage, heads)
    try:
        replay(known_at(h.facts, None))
    except OrgchartError as e:
        raise OrgchartError(f"the log does not replay: {e}") from None
    scratch = sqlite_utils.Database(memory=True)
    storage.refresh(scratch, h)
    live = storage.open_tables()
    try:
        have = tables.position(live)
        if have > h.version:
            raise OrgchartError(f"the log is broken after log entry {h.version}: the query "
                                f"tables were built from {have} entries "
                                f"(entries were removed from the end)")
        built_on = tables.chain_head(live) if have > 0 else None
        if built_on is not None and built_on != heads[have]:
            raise OrgchartError(f"the log is broken at or before log entry {have}: the query "
                                f"tables were built from a different log (it was edited and "
                                f"its chain recomputed, or replaced)")
        if have < h.version:  # behind (e.g. a writer was killed): catch up
            storage.refresh(live, h)
        mine, fresh = tables.dump(live), tables.dump(scratch)
        if tables.position(live) != h.version or mine != fresh:
            bad = next((t for t in tables.TABLES if mine.get(t) != fresh.get(t)), "meta")
            raise OrgchartError(f"the query tables do not match a replay of the log "
                                f"(table {bad} differs; `orgchart rebuild` rebuilds them)")
    finally:
        live.close()
    anchored = ("" if expected_at is None else
                f"; the expected head is log entry {expected_at}, "
                f"the history up to it is unchanged")
    return (f"ok: {len(h.facts)} events in {h.version} log entries; hash chain intact; "
            f"query tables match a replay from scratch{anchored}\n"
            f"head: {heads[h.version]}")


def chain_heads(h: StoredHistory) -> list[str]:
    """The chain head after each log entry (index: the entry's version; 0 and the `Started`
    entry: the all-zero start)."""
    from orgchart.domain.history import GENESIS, OrgHistory

    heads = [GENESIS]
    for ev in h.events:
        heads.append(ev.chain if isinstance(ev, OrgHistory.Chained) else heads[-1])
    return heads


def _find_head(heads: list[str], expect: str) -> int:
    """The log entry whose chain head is `expect`; fail if the log holds none."""
    for version, head in enumerate(heads):
        if version and head == expect:
            return version
    raise OrgchartError(f"the expected head {expect} is not in the log: the history up to "
                        f"it was changed (or it is another store's head)")


def check_snapshots(storage: Storage, heads: list[str]) -> None:
    """Each stored snapshot must be of a log entry that exists and carry its chain head."""
    for version, head in storage.store().snapshot_heads():
        if version >= len(heads) or version < 1:
            raise OrgchartError(f"the snapshots are broken: one claims log entry {version}, "
                                f"but the log holds {len(heads) - 1} entries")
        if head != heads[version]:
            raise OrgchartError(f"the snapshots are broken: the snapshot of log entry "
                                f"{version} does not carry that entry's chain head (edited)")
