"""Reading the log: the stored state decoded straight into facts (`EventStore.read`) gives
what the library's own decoding gives (`_read_decoded`), on both back-ends, and entries
this cannot read are left to the library."""

from __future__ import annotations

import pytest

from orgchart.adapters import store as store_module
from orgchart.adapters.store import EventStore, StoredHistory, decode_entry
from orgchart.domain.history import OrgHistory
from tests.conftest import Run


def same(a: StoredHistory, b: StoredHistory) -> None:
    assert (a.version, a.people, a.sources, a.title, a.horizon, a.head) == \
        (b.version, b.people, b.sources, b.title, b.horizon, b.head)
    assert [(type(f), f.seq, f, list(f.own_fields().items())) for f in a.facts] == \
        [(type(f), f.seq, f, list(f.own_fields().items())) for f in b.facts]


@pytest.mark.parametrize("gt", [0, 7])
def test_the_stored_state_read_directly_is_what_the_library_decodes(
        seeded: Run, db_path: str, gt: int) -> None:
    store = EventStore(db_path, create=False)
    try:
        direct, decoded = store.read(gt), store._read_decoded(gt)
    finally:
        store.close()
    assert direct.facts and (gt or (direct.people and direct.title))
    same(direct, decoded)


def test_entries_it_cannot_read_go_to_the_library(seeded: Run, db_path: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry of an unknown class, or with values of another type than its timestamp's,
    is decoded by the library: the result is the same."""
    calls: list[str] = []

    def only_some(h: StoredHistory, topic: str, state: bytes, version: int) -> bool:
        if version % 3 == 0:
            calls.append(topic)
            return False
        return decode_entry(h, topic, state, version)

    store = EventStore(db_path, create=False)
    try:
        decoded = store._read_decoded(0)
        monkeypatch.setattr(store_module, "decode_entry", only_some)
        mixed = store.read()
    finally:
        store.close()
    assert calls
    same(mixed, decoded)


def test_decode_entry_refuses_what_it_does_not_know() -> None:
    h = StoredHistory()
    topic = next(iter(store_module._TOPICS))
    typed = (b'{"timestamp": {"_type_": "datetime_iso", "_data_": "x"}, '
             b'"note": {"_type_": "decimal_str", "_data_": "1"}}')
    assert not decode_entry(h, topic, typed, 1)
    assert not decode_entry(h, "elsewhere:Unknown", b'{"timestamp": {"_type_": "x"}}', 1)
    started = f"{OrgHistory.Started.__module__}:{OrgHistory.Started.__qualname__}"
    assert not decode_entry(h, started, b'{"timestamp": {"_type_": "x"}}', 1)
    assert h == StoredHistory()
