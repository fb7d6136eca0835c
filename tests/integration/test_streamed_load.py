"""A load into an empty store reads its events as a stream and never holds them all.

The file's events are read one at a time (a JSON file in chunks, `jsonstream`)
into a scratch file on disk (`orgchart.adapters.scratch`), and every pass of
the load (the knowledge states' replays, the log's entries, the query tables'
rows) reads them back one at a time: a load of a million events must not hold a
million event values, nor the file's text. And a bad event deep in such a file
is still named by its file and line, with nothing written.
"""

from __future__ import annotations

import gc
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from orgchart.cli.main import cli
from orgchart.domain.errors import FileError
from orgchart.domain.facts import Fact
from tests.unit.test_knowledge_states import histories

pytestmark = pytest.mark.slow

EVENTS = 3000


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.bench.generate import generate, plans

    _, large = plans(EVENTS, seed=3)
    return Path(generate(large, tmp_path_factory.mktemp("history")).path)


def live_facts() -> int:
    """How many event values exist right now."""
    return sum(1 for o in gc.get_objects() if isinstance(o, Fact))


def load(db: Path, path: Path) -> Any:
    return CliRunner().invoke(cli, ["--db", str(db), "load", str(path)], obj={})


def test_a_load_holds_neither_the_events_nor_the_text(history: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from orgchart.adapters import store
    from orgchart.adapters.eventfile import jsonstream
    from orgchart.domain import rules

    seen: dict[str, int] = {"buffer": 0}
    more = jsonstream.JsonStream._more

    def measured_more(self: jsonstream.JsonStream) -> bool:
        got = more(self)
        seen["buffer"] = max(seen["buffer"], len(self.buf))
        return got

    finish = rules._Replay.finish

    def counted_finish(self: Any) -> Any:  # the end of a replay: what is held then
        seen["replay"] = max(seen.get("replay", 0), live_facts())
        return finish(self)

    insert = store._insert

    def counted_insert(recorder: Any, stored: Any) -> Any:
        assert not isinstance(stored, list | tuple)  # the entries are made as written
        seen["append"] = live_facts()
        return insert(recorder, stored)

    monkeypatch.setattr(jsonstream, "CHUNK", 4096)
    monkeypatch.setattr(jsonstream.JsonStream, "_more", measured_more)
    monkeypatch.setattr(rules._Replay, "finish", counted_finish)
    monkeypatch.setattr(store, "_insert", counted_insert)
    before = live_facts()  # (what other tests left behind)
    r = load(tmp_path / "s.db", history)
    assert r.exit_code == 0, r.output
    assert r.stdout == f"{history}: {EVENTS} new events\n"
    # a few values in flight, never the file's 3,000 (the old load held every one)
    assert seen["replay"] - before < 50 and seen["append"] - before < 50, (seen, before)
    # the text is read a chunk at a time: never more than the largest value (`people`)
    # and a chunk or two, far less than the file
    assert 0 < seen["buffer"] < history.stat().st_size / 4, seen


def test_a_streamed_load_writes_what_a_whole_reading_writes(history: Path,
                                                          tmp_path: Path) -> None:
    """The same file read whole (its events as one list) loads the same history."""
    from orgchart.adapters.eventfile.parse import parse_file

    now = datetime(2026, 11, 1, tzinfo=UTC)
    streamed, whole = parse_file(str(history), now, scratch=True), parse_file(str(history), now)
    try:
        assert streamed.facts == [] and streamed.scratch is not None
        assert list(streamed.scratch) == whole.facts
        assert [f.seq for f in streamed.scratch] == list(range(EVENTS))
        assert (streamed.people, streamed.sources, streamed.title) == \
            (whole.people, whole.sources, whole.title)
    finally:
        if streamed.scratch is not None:
            streamed.scratch.close()


def events_of(path: Path) -> tuple[dict[str, Any], list[str]]:
    """The file's top-level mapping (its `events` emptied) and each event's line, as the
    generator writes them (one per line)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    doc = json.loads("\n".join(lines))
    return doc, lines


def with_event(path: Path, out: Path, index: int, event: dict[str, Any]) -> int:
    """`path` with event `index` replaced by `event`, written to `out`; its line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    at = [i for i, line in enumerate(lines) if line.startswith('  {"type"')][index]
    lines[at] = "  " + json.dumps(event, ensure_ascii=False) + ("," if
                                                                  lines[at].endswith(",") else "")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return at + 1


@pytest.mark.parametrize("case", ["unknown field", "rule", "duplicate id"])
def test_a_bad_event_deep_in_the_file_is_named_and_nothing_is_written(
        case: str, history: Path, tmp_path: Path) -> None:
    from orgchart.adapters.eventfile.parse import parse_file

    deep = EVENTS - 300
    bad = tmp_path / "bad.json"
    if case == "unknown field":
        line = with_event(history, bad, deep, {"type": "rename", "date": "2024-05-01",
                                               "unit": "x", "name": "X", "colour": "red"})
        expected = f"{bad}:{line}: event {deep + 1} (rename, 2024-05-01): unknown field 'colour'"
    elif case == "rule":
        line = with_event(history, bad, deep, {"type": "rename", "date": "2024-05-01",
                                               "unit": "no-such-unit", "name": "X"})
        expected = (f"{bad}:{line}: event {deep + 1} (rename, 2024-05-01): unit "
                    f"'no-such-unit' does not exist on 2024-05-01")
    else:
        with_event(history, tmp_path / "first.json", 10,
                   {"type": "rename", "date": "2024-05-01", "unit": "x", "name": "X", "id": "r-1"})
        line = with_event(tmp_path / "first.json", bad, deep,
                          {"type": "rename", "date": "2024-05-02", "unit": "x", "name": "Y",
                           "id": "r-1"})
        expected = (f"{bad}:{line}: event {deep + 1} (rename, 2024-05-02): duplicates event 11 "
                    f"(same id 'r-1')")
    if case != "rule":  # the file read whole says the same
        with pytest.raises(FileError) as e:
            parse_file(str(bad), datetime.now(UTC))
        assert str(e.value) == expected
    db = tmp_path / "s.db"
    r = load(db, bad)
    assert (r.exit_code, r.stderr) == (1, f"Error: {expected}\n")
    # nothing written: the store has no history
    r = CliRunner().invoke(cli, ["--db", str(db), "log"], obj={})
    assert "new events" not in r.output
    from orgchart.adapters.store import EventStore

    assert not db.exists() or EventStore(str(db), create=False).version() == 0


@settings(max_examples=300, deadline=None)
@given(facts=histories())
def test_the_check_on_disk_equals_the_check_of_a_list(facts: list[Fact]) -> None:
    """`check_states` of the events kept on disk (each pass read back from there, the
    intervals written there as they close) equals it of the same events as a list."""
    from orgchart.adapters.scratch import LoadScratch
    from orgchart.domain.knowledge import check_states

    expected, tl = check_states(facts)
    kept = LoadScratch()
    try:
        for f in facts:
            kept.add(f)
        kept.finish()
        kept.first = 1  # the histories' positions start at 1
        breach, replayed = check_states(kept)
        if expected is None:
            assert breach is None and tl is not None and replayed is not None
            on_disk = kept.timeline(replayed)
            # the lives, in the replay's order, each found by its unit too
            assert list(on_disk.lives.values()) == list(tl.lives.values())
            assert list(on_disk.lives) == list(tl.lives) and len(on_disk.lives) == len(tl.lives)
            for unit, life in tl.lives.items():
                assert on_disk.lives[unit] == life
            # each version with what its row cites of its unit's life, read together
            assert list(on_disk.versions_began()) == [
                (v, (tl.lives[v.unit].began.text, tl.lives[v.unit].began.iso,
                     tl.lives[v.unit].began_event)) for v in tl.versions]
            for kind in ("versions", "transient", "tenures", "links", "aliases"):
                assert list(getattr(on_disk, kind)) == getattr(tl, kind), kind
        else:
            assert breach is not None and replayed is None
            assert (breach.culprit.id, breach.rule, breach.state, breach.missing_unit) == \
                (expected.culprit.id, expected.rule, expected.state, expected.missing_unit)
            assert (breach.broken.id if breach.broken else None) == \
                (expected.broken.id if expected.broken else None)
    finally:
        kept.close()


def test_a_full_temporary_folder_is_one_line(history: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The scratch file cannot be written (no room): one sentence, nothing written."""
    from orgchart.adapters import scratch

    made = scratch.LoadScratch.__init__

    def small(self: scratch.LoadScratch) -> None:
        made(self)
        self.conn.execute("pragma max_page_count = 20")  # a folder with 80 KB left

    monkeypatch.setattr(scratch.LoadScratch, "__init__", small)
    db = tmp_path / "s.db"
    r = load(db, history)
    assert (r.exit_code, r.stderr) == (
        1, "Error: cannot keep the file's events in the temporary folder (database or disk "
           "is full): free some space there, or name a folder with room in TMPDIR\n")
    from orgchart.adapters.store import EventStore

    assert not db.exists() or EventStore(str(db), create=False).version() == 0


@settings(max_examples=200, deadline=None)
@given(steps=st.lists(st.tuples(st.integers(0, 2), st.sampled_from(["a", "b", "c", "d", "e"]),
                                st.sampled_from([None, "x", "y"])), max_size=60),
       bits=st.sampled_from([8, 64, 1 << 23]), batch=st.integers(1, 4))
def test_unit_ids_kept_on_disk_are_those_kept_in_memory(
        steps: list[tuple[int, str, str | None]], bits: int, batch: int) -> None:
    """`KeptUnitIds` (the ids no replay has open on disk, looked for there when a filter says
    they may be: small filters and batches here, so that it often says so wrongly) answers
    as `UnitIds` does, after each step."""
    from orgchart.adapters.scratch import KeptUnitIds, LoadScratch
    from orgchart.domain.dates import EffDate
    from orgchart.domain.rules import UnitIds

    kept = LoadScratch()
    try:
        kept.finish()
        plain, disk = UnitIds(3), KeptUnitIds(kept, 3, bits, batch)
        units = ["a", "b", "c", "d", "e"]
        for replay, unit, how in steps:
            ended = None if how is None else (EffDate.parse("2020-01-0" + str(len(how))), how)
            plain.set(replay, unit, ended)
            disk.set(replay, unit, ended)
            for r in range(3):
                assert [disk.state(r, u) for u in units] == [plain.state(r, u) for u in units]
                assert [disk.ended(r, u) for u in units] == [plain.ended(r, u) for u in units]
    finally:
        kept.close()
