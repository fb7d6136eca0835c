"""The read pass of a load makes each event without copies: an entry's `Written` without
the dataclass's `__init__`, a derived id set in place (`set_id`), the own fields read
without a copy (`plain_fields`). Each equals what the plain way makes."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from orgchart.adapters.eventfile.expand import Written, written_event
from orgchart.adapters.eventfile.parse import _to_fact
from orgchart.domain.dates import EffDate
from orgchart.domain.errors import FileError
from orgchart.domain.facts import FACT_TYPES, derive_id, with_id
from tests.unit.test_event_types import CASES


def test_an_entry_as_written_is_the_dataclass_s() -> None:
    for i in (0, 7, 99_999):
        made, plain = written_event({"type": "x"}, i), Written({"type": "x"}, f"event {i + 1}",
                                                               ["events", i], index=i)
        assert made == plain
        assert list(vars(made).items()) == list(vars(plain).items())


def fail(path: Any, message: str) -> FileError:
    return FileError(message)


@pytest.mark.parametrize(("raw", "units"), CASES, ids=[c[0]["type"] for c in CASES])
@pytest.mark.parametrize("given_id", [None, "given-1"])
def test_an_event_with_its_id_set_in_place_is_the_copied_one(
        raw: dict[str, Any], units: list[str], given_id: str | None) -> None:
    raw = {**raw, **({"id": given_id} if given_id else {})}
    made = _to_fact(raw, "2026-01-02", date(2026, 5, 1), fail)
    # the plain way: made with no id, then copied under its id
    cls = FACT_TYPES[raw["type"]]
    src = raw.get("source")
    draft = cls.from_file(raw, id="", date=EffDate.parse(raw["date"]) if "date" in raw
                          else None, recorded=raw.get("recorded", "2026-01-02"),
                          sources=tuple([src] if isinstance(src, str) else src or []),
                          note=raw.get("note"))
    plain = with_id(draft, given_id or derive_id(draft))
    assert made == plain
    assert {k: v for k, v in vars(made).items() if k != "_own"} == \
        {k: v for k, v in vars(plain).items() if k != "_own"}
    assert made.plain_fields() == plain.own_fields() == made.own_fields()
    assert derive_id(made) == derive_id(plain)
