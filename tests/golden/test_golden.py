"""Every command's output on the seed and on a generated 10,000-event history is
byte-identical to what was recorded (`tests/golden/record.py`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.golden.cases import (
    HERE,
    SEED,
    Case,
    expected_form,
    histories,
    load,
    run_case,
    seed_cases,
)


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, list[Case], Path]]:
    work = tmp_path_factory.mktemp("golden")
    return [(name, db, cases, work) for name, db, cases in histories(work)]


def test_outputs_are_unchanged(stores: list[tuple[str, str, list[Case], Path]]) -> None:
    differ = []
    for name, db, cases, work in stores:
        recorded = {p.stem for p in (HERE / name).glob("*.out")}
        assert recorded == {c.name for c in cases}, f"{name}: cases differ from the recording"
        for case in cases:
            want = (HERE / name / f"{case.name}.out").read_bytes()
            if expected_form(run_case(db, case, work)) != want:
                differ.append(f"{name}/{case.name}")
    assert not differ, f"outputs changed: {', '.join(differ)}"


def test_a_store_written_before_the_change_still_answers_the_same(tmp_path: Path) -> None:
    """A SQLite store made by the released code (stored event topics, query tables), the
    seed loaded again (it has gained events since: they are appended to the old log)."""
    import shutil

    db = tmp_path / "old.db"
    shutil.copy(HERE / "seed-store-2026-11.db", db)
    load(str(db), SEED)
    wanted = ("at-2026-04-01-tree", "diff-text", "history-search-rec")
    for case in (c for c in seed_cases() if c.name in wanted):
        want = (HERE / "seed" / f"{case.name}.out").read_bytes()
        assert run_case(str(db), case, tmp_path) == want
    # the chain is the old one with the new events after it (a fresh load puts them in file
    # order, so its head differs): verify finds it intact
    verify = next(c for c in seed_cases() if c.name == "verify")
    assert run_case(str(db), verify, tmp_path).startswith(
        b"ok: 16 events in 22 log entries; hash chain intact; query tables match a replay")
