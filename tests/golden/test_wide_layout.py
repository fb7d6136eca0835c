"""`--layout wide` writes, byte for byte, the DOT that `render` and `at --format dot` wrote
before the compact layout became the default.

`tests/golden/wide/<history>/<case>.out` are the golden outputs of the DOT cases as they
were recorded then (kept apart from `seed/` and `gen10k/`, which `record.py` rewrites),
re-recorded only for changes meant for both layouts (siblings in the order people read,
spin-offs drawn as "spun off"); each case runs again here with `--layout wide` added.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.golden.cases import HERE, Case, expected_form, histories, run_case

WIDE = HERE / "wide"


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, list[Case], Path]]:
    work = tmp_path_factory.mktemp("wide")
    return [(name, db, cases, work) for name, db, cases in histories(work)]


def test_wide_layout_is_the_dot_of_before(
        stores: list[tuple[str, str, list[Case], Path]]) -> None:
    checked, differ = [], []
    for name, db, cases, work in stores:
        frozen = {p.stem for p in (WIDE / name).glob("*.out")}
        for case in (c for c in cases if c.name in frozen):
            wide = Case(case.name, (*case.args, "--layout", "wide"))
            want = (WIDE / name / f"{case.name}.out").read_bytes()
            checked.append(f"{name}/{case.name}")
            if expected_form(run_case(db, wide, work)) != want:
                differ.append(f"{name}/{case.name}")
    assert len(checked) == 11, checked  # every frozen file has its case
    assert not differ, f"--layout wide changed: {', '.join(differ)}"
