"""The store writes each log entry without the library's event object (`EntryWriter`):
a property that the entries are byte for byte what `OrgHistory.record` and the library's
mapper make (so the library reads them back), and the history moves on the same way."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orgchart.adapters.store import EntryWriter, OrgChartApp
from orgchart.domain.codec import to_stored
from orgchart.domain.dates import EffDate
from orgchart.domain.facts import FACT_TYPES
from orgchart.domain.history import OrgHistory, start_history
from tests.unit.test_event_types import CASES

Entry = tuple[type[OrgHistory.Chained], dict[str, Any]]

#: any text, control characters, quotes, backslashes and non-ASCII included
TEXT = st.text(max_size=12)


def _retexted(value: Any, draw: Callable[..., Any]) -> Any:
    """`value` (an example's file form) with each string replaced by a random one, unless
    it is a key or a date."""
    if isinstance(value, str):
        return draw(TEXT)
    if isinstance(value, list):
        return [_retexted(v, draw) for v in value]
    if isinstance(value, dict):
        return {k: v if k in ("type", "date") else _retexted(v, draw) for k, v in value.items()}
    return value


@st.composite
def entries(draw: Callable[..., Any]) -> Entry:
    kind = draw(st.sampled_from(["fact", "fact", "fact", "person", "source", "title",
                                 "horizon"]))
    if kind == "person":
        return OrgHistory.PersonRecorded, {"person": draw(TEXT),
                                           "fields": draw(st.dictionaries(TEXT, TEXT))}
    if kind == "source":
        return OrgHistory.SourceRecorded, {"source": draw(TEXT),
                                           "fields": draw(st.dictionaries(TEXT, TEXT))}
    if kind == "title":
        return OrgHistory.TitleRecorded, {"title": draw(TEXT)}
    if kind == "horizon":
        return OrgHistory.HorizonRecorded, {"covers_to": draw(TEXT)}
    raw = _retexted(draw(st.sampled_from(CASES))[0], draw)
    cls = FACT_TYPES[raw["type"]]
    fact = cls.from_file(raw, id=draw(TEXT),
                         date=EffDate.parse(raw["date"]) if "date" in raw else None,
                         recorded=draw(TEXT), sources=tuple(draw(st.lists(TEXT, max_size=3))),
                         note=draw(st.none() | TEXT))
    cls_, fields = to_stored(fact)
    if draw(st.booleans()):  # in another order (the writer then reads them one by one)
        fields = dict(draw(st.permutations(list(fields.items()))))
    return cls_, fields


def clock() -> Callable[[], datetime]:
    """A clock that moves on by a microsecond at each call."""
    ticks: Iterator[int] = iter(range(10**9))
    start = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    return lambda: start + timedelta(microseconds=next(ticks))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(entries(), min_size=1, max_size=12))
def test_the_entries_are_what_the_library_makes(written: list[Entry]) -> None:
    mapper = OrgChartApp().mapper
    agg = start_history()
    list(agg.collect_events())
    library, direct = agg, copy.deepcopy(agg)
    with mock.patch.object(OrgHistory.Chained, "create_timestamp", staticmethod(clock())):
        made = [mapper.to_stored_event(library.record(cls, **fields)) for cls, fields in written]
    with mock.patch.object(OrgHistory.Chained, "create_timestamp", staticmethod(clock())):
        writer = EntryWriter(mapper, direct)
        ours = [writer.entry(cls, fields) for cls, fields in written]
    assert ours == made
    assert [mapper.to_domain_event(s) for s in ours] == [mapper.to_domain_event(s) for s in made]
    assert (direct.version, direct.chain_head, direct.modified_on) == \
        (library.version, library.chain_head, library.modified_on)


def test_fields_the_class_lacks_or_needs_are_refused_as_the_library_refuses_them() -> None:
    mapper = OrgChartApp().mapper
    for fields in ({"title": "t", "colour": "red"}, {}):
        with pytest.raises(TypeError):
            start_history().record(OrgHistory.TitleRecorded, **fields)
        agg = start_history()
        with pytest.raises(TypeError):
            EntryWriter(mapper, agg).entry(OrgHistory.TitleRecorded, fields)
        assert agg.version == 1  # nothing applied


@settings(max_examples=500, deadline=None)
@given(st.datetimes(timezones=st.just(UTC)))
def test_a_utc_time_is_written_as_isoformat_writes_it(t: datetime) -> None:
    from orgchart.adapters.store import _utc_iso

    assert _utc_iso(t) == t.isoformat()
    assert _utc_iso(t.replace(microsecond=0)) == t.replace(microsecond=0).isoformat()
