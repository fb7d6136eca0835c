"""The event type declarations (`orgchart.domain.facts`) against everything derived from
them or kept beside them: the JSON Schema, the stored classes, the sentences, and the
forms of an event (file, value, stored) that must convert into each other unchanged."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from eventsourcing.utils import get_topic, resolve_topic

from orgchart.adapters.eventfile.schema import first_error, schema
from orgchart.domain.codec import to_fact, to_stored
from orgchart.domain.dates import EffDate
from orgchart.domain.facts import FACT_TYPES, NewUnit, derive_id, units_in
from orgchart.domain.history import STORED_CLASS, OrgHistory, start_history
from orgchart.presentation.sentences import declared_types

#: Fields every event may have in a file, besides `date` and its type's own fields.
COMMON_FILE_FIELDS = {"type", "id", "source", "note", "recorded"}

#: The stored schema: logs already written name these classes and fields, so they never
#: change (a new event type adds a class; a new field needs a class version and upcasting).
STORED_FIELDS = {
    "UnitEstablished": ["unit", "name", "name_en", "kind", "parent", "aliases", "order"],
    "UnitRenamed": ["unit", "name", "name_en", "kind", "aliases", "order"],
    "UnitMoved": ["unit", "parent", "order"],
    "UnitSplit": ["unit", "into", "children", "keep"],
    "UnitsMerged": ["units", "into", "new_unit"],
    "UnitDissolved": ["unit", "children_to"],
    "LeaderAppointed": ["unit", "person", "role", "title"],
    "LeaderSteppedDown": ["unit", "person", "role"],
    "EventRetracted": ["event", "reason"],
    "EventAnnotated": ["event"],
    "FunctionTransferred": ["from_unit", "to_unit", "what", "function", "units"],
}
RECORDED_FIELDS = ["originator_id", "originator_version", "timestamp", "chain", "event_id",
                   "date", "recorded", "sources", "note"]

#: One event of every declared type as a file writes it (every optional field given where
#: a type has any), and the units it names.
EXAMPLES: dict[str, tuple[dict[str, Any], list[str]]] = {
    "establish": ({"type": "establish", "date": "2025-01", "unit": "a", "name": "甲",
                   "name_en": "A", "kind": "team", "parent": "root",
                   "aliases": ["AT", "A team"], "order": 2}, ["a", "root"]),
    "rename": ({"type": "rename", "date": "2025", "unit": "a", "name_en": "A2",
                "aliases": ["A2T"]}, ["a"]),
    "move": ({"type": "move", "date": "2025-02-03", "unit": "a", "parent": None, "order": 1},
             ["a"]),
    "split": ({"type": "split", "date": "2025-03", "unit": "a",
               "into": [{"unit": "b", "name": "B"},
                        {"unit": "c", "name": "C", "name_en": "Cee", "kind": "team",
                         "parent": "root", "aliases": ["Cee team"]}],
               "children": {"k": "c"}, "keep": True}, ["a", "b", "c", "k"]),
    "merge": ({"type": "merge", "date": "2025-04", "units": ["b", "c"],
               "into": {"unit": "d", "name": "D"}}, ["b", "c", "d"]),
    "dissolve": ({"type": "dissolve", "date": "2025-05", "unit": "d", "children_to": "root"},
                 ["d", "root"]),
    "appoint": ({"type": "appoint", "date": "2025-06", "unit": "root", "person": "p",
                 "role": "cto", "title": "CTO"}, ["root"]),
    "step_down": ({"type": "step_down", "date": "2025-07", "unit": "root", "person": "p",
                   "role": "cto"}, ["root"]),
    "retract": ({"type": "retract", "event": "move-1", "reason": "wrong"}, []),
    "annotate": ({"type": "annotate", "event": "move-1", "note": "it was a Tuesday",
                  "source": ["src"]}, []),
    "transfer": ({"type": "transfer", "date": "2025-08", "from": "root", "to": "a",
                  "what": "climate change", "function": "climate", "units": ["k"]},
                 ["root", "a", "k"]),
}
#: Other file forms, and the units they name.
OTHER_FORMS: list[tuple[dict[str, Any], list[str]]] = [
    ({"type": "merge", "date": "2025-04", "units": ["b"], "into": "root"}, ["b", "root"]),
    ({"type": "split", "date": "2025-03", "unit": "a",
      "into": [{"unit": "b", "name": "B"}, {"unit": "c", "name": "C"}]}, ["a", "b", "c"]),
    ({"type": "establish", "date": "2025", "unit": "a", "name": "甲"}, ["a"]),
    ({"type": "rename", "date": "2025", "unit": "a", "name_en": "A2"}, ["a"]),
]


def event_defs() -> dict[str, str]:
    """Event type -> its `$defs` entry, from the schema's `if type == T then $ref` list."""
    out = {}
    for rule in schema()["$defs"]["event"]["allOf"]:
        t = rule["if"]["properties"]["type"]["const"]
        out[t] = rule["then"]["$ref"].removeprefix("#/$defs/")
    return out


def test_the_schema_has_exactly_the_declared_event_types() -> None:
    enum = schema()["$defs"]["event"]["properties"]["type"]["enum"]
    assert sorted(enum) == sorted(FACT_TYPES)
    assert len(enum) == len(set(enum))
    assert event_defs() == {t: t for t in FACT_TYPES}


@pytest.mark.parametrize("type_name", list(FACT_TYPES))
def test_the_schema_entry_of_a_type_has_its_declared_fields(type_name: str) -> None:
    cls = FACT_TYPES[type_name]
    entry = schema()["$defs"][type_name]
    declared = cls.file_fields()
    dated = {"date"} if cls.DATED else set()
    assert entry["additionalProperties"] is False
    assert set(entry["properties"]) == COMMON_FILE_FIELDS | dated | set(declared)
    assert set(entry["required"]) == {"type"} | dated | {f for f, req in declared.items() if req}


def test_the_schema_new_unit_is_the_declared_one() -> None:
    entry = schema()["$defs"]["new_unit"]
    fields = dataclasses.fields(NewUnit)
    assert list(entry["properties"]) == [f.name for f in fields]
    assert set(entry["required"]) == {f.name for f in fields
                                      if f.default is dataclasses.MISSING}


def test_every_declared_type_has_its_own_words() -> None:
    assert sorted(declared_types()) == sorted(FACT_TYPES)


def test_the_stored_classes_keep_their_names_fields_and_topics() -> None:
    stored = {cls.STORED: STORED_CLASS[cls] for cls in FACT_TYPES.values()}
    for name, fields in STORED_FIELDS.items():
        cls = stored[name]
        assert getattr(OrgHistory, name) is cls
        assert get_topic(cls) == f"orgchart.domain.history:OrgHistory.{name}"
        assert resolve_topic(get_topic(cls)) is cls
        assert issubclass(cls, OrgHistory.Recorded)
        assert [f.name for f in dataclasses.fields(cls)] == RECORDED_FIELDS + fields
    assert set(STORED_FIELDS) == set(stored)


def test_every_declared_type_has_an_example() -> None:
    assert sorted(EXAMPLES) == sorted(FACT_TYPES)


CASES: list[tuple[dict[str, Any], list[str]]] = [*EXAMPLES.values(), *OTHER_FORMS]


@pytest.mark.parametrize(("raw", "units"), CASES, ids=[c[0]["type"] for c in CASES])
def test_an_event_reads_and_writes_back_unchanged(raw: dict[str, Any], units: list[str]) -> None:
    assert first_error(raw, raw["type"]) is None  # the example is a valid file event
    cls = FACT_TYPES[raw["type"]]
    assert cls.file_problem(raw) is None
    day = EffDate.parse(raw["date"]) if "date" in raw else None
    common: dict[str, Any] = {"id": "x-1", "date": day, "recorded": "2026-01-01",
                              "sources": ("src",), "note": "n", "seq": 7}
    fact = cls.from_file(raw, **common)
    assert fact == cls(**common, **cls.own_from_file(raw))  # as the dataclass would build it
    own_in_file = {k: v for k, v in raw.items() if k not in COMMON_FILE_FIELDS | {"date"}}
    assert fact.own_to_file() == own_in_file
    assert cls.from_plain(fact.own_fields(), **common) == fact
    stored_class, fields = to_stored(fact)
    assert stored_class is STORED_CLASS[cls]
    back = to_fact(start_history().record(stored_class, **fields), 7)
    assert back == fact and back is not None and back.seq == 7
    assert fact.mentions() == units
    assert units_in(raw["type"], {"id": "x-1", **fact.own_fields()}) == units


def test_an_annotation_needs_a_note_or_a_source() -> None:
    annotate = FACT_TYPES["annotate"]
    assert annotate.file_problem({"type": "annotate", "event": "e"}) \
        == "an annotation needs `note` and/or `source`"
    assert annotate.file_problem({"type": "annotate", "event": "e", "note": "n"}) is None
    assert annotate.file_problem({"type": "annotate", "event": "e", "source": "s"}) is None


def test_two_annotations_of_one_event_get_two_derived_ids() -> None:
    """An annotation's note and sources are its content: they count in its derived id."""
    annotate = FACT_TYPES["annotate"]

    def make(note: str | None, sources: tuple[str, ...] = ()) -> str:
        return derive_id(annotate.from_file({"event": "e"}, id="", date=None,
                                            recorded="2026", note=note, sources=sources))

    ids = {make("a"), make("b"), make(None, ("s",)), make("a", ("s",))}
    assert len(ids) == 4 and all(i.startswith("annotate-") for i in ids)
    assert make("a") == make("a")


def test_a_default_is_written_out_when_it_is_not_empty() -> None:
    raw = {"type": "appoint", "date": "2025-06", "unit": "root", "person": "p"}
    fact = FACT_TYPES["appoint"].from_file(raw, id="x", date=None, recorded="2026-01-01")
    assert fact.own_to_file() == {"unit": "root", "person": "p", "role": "head"}


def test_a_rename_needs_a_name() -> None:
    rename = FACT_TYPES["rename"]
    assert rename.file_problem({"type": "rename", "date": "2025", "unit": "a"}) \
        == "a rename needs `name`, `name_en`, `kind`, `order` or `aliases`"


def test_a_rename_without_kind_keeps_the_id_it_had_before_kind_existed() -> None:
    """`kind` was added to `rename` later: left out while empty, so ids and chains of
    renames stored before it stay the same."""
    rename = FACT_TYPES["rename"]
    plain = rename.from_file({"unit": "a", "name": "B"}, id="", date=None, recorded="2026")
    assert plain.identity() == {"type": "rename", "date": None, "unit": "a", "name": "B",
                                "name_en": None}
    old = rename.from_plain({"unit": "a", "name": "B", "name_en": None}, id="", date=None,
                            recorded="2026")
    assert getattr(old, "kind") is None  # noqa: B009 (Fact has no `kind`; Rename has)
    kinded = rename.from_file({"unit": "a", "kind": "agency"}, id="", date=None,
                              recorded="2026")
    assert kinded.own_fields() == {"unit": "a", "name": None, "name_en": None,
                                   "kind": "agency"}
    assert kinded.own_to_file() == {"unit": "a", "kind": "agency"}


@pytest.mark.parametrize("type_name", ["establish", "rename"])
def test_an_event_without_aliases_keeps_the_id_it_had_before_aliases_existed(
        type_name: str) -> None:
    """`aliases` was added to `establish` and `rename` later: left out of the stored and
    hashed form while empty (an empty list is the same as none), so ids and chains of the
    events stored before it stay the same."""
    from orgchart.domain.facts import derive_id

    cls = FACT_TYPES[type_name]
    raw = {"type": type_name, "date": "2025", "unit": "a", "name": "B"}
    day = EffDate.parse("2025")
    plain = cls.from_file(raw, id="", date=day, recorded="2026")
    empty = cls.from_file({**raw, "aliases": []}, id="", date=day, recorded="2026")
    assert "aliases" not in plain.own_fields() and empty.own_fields() == plain.own_fields()
    assert derive_id(empty) == derive_id(plain)
    # the ids these events had before `aliases` existed (computed with the code before it)
    assert derive_id(plain) == {"establish": "establish-2025-0670ab0d06",
                                "rename": "rename-2025-56e1db0df7"}[type_name]
    _, fields = to_stored(plain)
    assert "aliases" not in fields
    old = cls.from_plain(plain.own_fields(), id="", date=day,
                         recorded="2026")
    assert getattr(old, "aliases") is None  # noqa: B009 (Fact has no `aliases`)
    named = cls.from_file({**raw, "aliases": ["BB", "Bee"]}, id="", date=day,
                          recorded="2026")
    assert named.own_fields()["aliases"] == ["BB", "Bee"]
    assert named.own_to_file()["aliases"] == ["BB", "Bee"]
    assert derive_id(named) != derive_id(plain)


SPLIT_ID = "split-2025-e58243cc8b"


def test_a_new_unit_without_aliases_is_stored_as_before() -> None:
    """A split's or merge's new unit may carry `aliases` too: left out while empty, so
    splits and merges stored before it keep their ids and chains."""
    from orgchart.domain.facts import derive_id

    plain = NewUnit(unit="b", name="B")
    assert plain.to_dict() == {"unit": "b", "name": "B"}
    assert NewUnit(unit="b", name="B", aliases=[]) == plain  # type: ignore[arg-type]
    named = NewUnit(unit="b", name="B", aliases=["BB"])  # type: ignore[arg-type]
    assert named.aliases == ("BB",) and named.to_dict()["aliases"] == ["BB"]
    split = FACT_TYPES["split"]
    raw: dict[str, Any] = {"unit": "a", "into": [{"unit": "b", "name": "B"},
                                                {"unit": "c", "name": "C"}]}
    day = EffDate.parse("2025")
    fact = split.from_file(raw, id="", date=day, recorded="2026")
    # the id this split had before new units could have aliases (computed with that code)
    assert derive_id(fact) == SPLIT_ID
    with_empty = split.from_file({**raw, "into": [{**raw["into"][0], "aliases": []},
                                                  raw["into"][1]]},
                                 id="", date=day, recorded="2026")
    assert derive_id(with_empty) == SPLIT_ID


#: Ids derived before `order` existed (the same events without it must keep them).
IDS_BEFORE_ORDER = [
    ("establish", {"unit": "a", "name": "A", "parent": "r"}, "establish-2025-01-02-dc4fd8f819"),
    ("rename", {"unit": "a", "name": "B"}, "rename-2025-01-02-99494c917e"),
    ("move", {"unit": "a", "parent": "r"}, "move-2025-01-02-bc624d84b6"),
]


@pytest.mark.parametrize(("type_name", "raw", "old_id"), IDS_BEFORE_ORDER)
def test_an_event_without_order_keeps_the_id_it_had_before_order_existed(
        type_name: str, raw: dict[str, Any], old_id: str) -> None:
    cls = FACT_TYPES[type_name]
    day = EffDate.parse("2025-01-02")
    fact = cls.from_file(raw, id="", date=day, recorded="2026-01-01")
    assert derive_id(fact) == old_id
    assert "order" not in fact.own_fields() and "order" not in fact.own_to_file()
    stored = cls.from_plain(fact.own_fields(), id=old_id, date=day, recorded="2026-01-01")
    assert getattr(stored, "order") is None  # noqa: B009 (Fact has no `order`)
    ordered = cls.from_file({**raw, "order": 3.0}, id="", date=day, recorded="2026-01-01")
    assert derive_id(ordered) != old_id
    assert ordered.own_to_file()["order"] == 3 and type(ordered.own_to_file()["order"]) is int


#: Stored forms that read to the same event as a plainer one (what an older or other
#: writer might have stored): empty alias lists, a new unit's empty values written out.
ODD_STORED: list[tuple[str, dict[str, Any]]] = [
    ("establish", {"unit": "a", "name": "A", "name_en": None, "kind": None, "parent": None,
                   "aliases": [], "order": None}),
    ("rename", {"unit": "a", "name": "B", "name_en": None, "kind": None, "aliases": None,
                "order": None}),
    ("split", {"unit": "a", "into": [{"unit": "b", "name": "B", "kind": None, "aliases": []}],
               "children": [["k", "b"]], "keep": False}),
    ("merge", {"units": ["b"], "into": "root", "new_unit": {"unit": "d", "name": "D",
                                                            "parent": None}}),
]


@pytest.mark.parametrize(("type_name", "own"), [
    *((raw["type"], None) for raw, _ in CASES), *ODD_STORED])
def test_the_plain_fields_kept_on_reading_are_those_computed(
        type_name: str, own: dict[str, Any] | None) -> None:
    """An event read from the store keeps its stored fields as `own_fields()`
    (`keep_plain`): the same data, in the same order, as computing them from the values."""
    from orgchart.domain.codec import fact_of_state

    cls = FACT_TYPES[type_name]
    if own is None:
        raw = next(r for r, _ in CASES if r["type"] == type_name)
        own = cls.from_file(raw, id="x-1", date=None, recorded="2026").own_fields()
    state = {"event_id": "x-1", "date": "2025", "recorded": "2026", "sources": [],
             "note": None, **{k: None for k in cls.LATER}, **own}
    kept = fact_of_state(cls, state, 3)
    assert "_own" in kept.__dict__  # seeded
    computed = cls.from_plain(state, id="x-1", date=EffDate.parse("2025"), recorded="2026")
    assert "_own" not in computed.__dict__
    assert kept == computed
    assert list(kept.own_fields().items()) == list(computed.own_fields().items())


def test_no_own_field_is_named_as_a_common_stored_field() -> None:
    """`fact_of_state` reads an event's own fields by name from its whole stored state."""
    from orgchart.domain.codec import _STORED_COMMON
    from orgchart.domain.facts import own_fields_of

    for cls in FACT_TYPES.values():
        assert not {f.name for f in own_fields_of(cls)} & _STORED_COMMON, cls.TYPE
