"""The quick check of an event's schema (`quickcheck`) against the compiled validator:
it may leave an event to the validator, never let through one the validator refuses,
and it answers as the validator does for every field it tests itself."""

from __future__ import annotations

from functools import cache
from itertools import product
from typing import Any

import fastjsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orgchart.adapters.eventfile import schema as schema_module
from orgchart.adapters.eventfile.quickcheck import _Compiler, quick_check
from orgchart.adapters.eventfile.schema import event_types, fast_check, first_error, schema

NEW_UNITS = [{"unit": "u1", "name": "N"}, {"unit": "u2", "name": "N", "parent": None},
             {"unit": "u3", "name": "N", "parent": "p1", "name_en": None},
             {"unit": "U", "name": "N"}, {"unit": "u4"}, {"unit": "u5", "name": ""},
             {"unit": "u6", "name": "N", "parent": "P"}, {"unit": "u7", "name": "N", "x": 1},
             {"unit": "u8", "name": "N", "kind": 3}]
VALUES: list[Any] = [
    "a1", "unit-2", "a.b_c", "A", "", "-x", "x" * 64, "x" * 65, "a1\n", "2020", "2020-01",
    "2020-01-02", "2020-1", "2020-01-02\n", "20201", "text", "t" * 1000, "t" * 1001,
    "n" * 10_000, "n" * 10_001, "3", "-12", None, 3, 0, 2.5, True, False, [], ["a1"],
    ["a1", "b2"], ["A"], ["a1", 3], [None], ("a1",), {}, {"a1": "b2"}, *NEW_UNITS,
    {"a1": "b2", "c3": "d4"}, {"A": "b2"}, {"a1": "B"}, {"a1": 3}, {"a1": None},
    {"x" * 65: "a1"}, {"a1": "x" * 65}, {"a1": ["b2"]},
    [NEW_UNITS[0]], [NEW_UNITS[0], NEW_UNITS[1]], [NEW_UNITS[3]], [NEW_UNITS[6]],
    ["establish"], "establish", "appoint"]


def valid(type_name: str, instance: Any) -> bool:
    try:
        fast_check(type_name)(instance)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def quick_fields(type_name: str) -> set[str]:
    """The fields whose values the quick check tests itself."""
    compiler = _Compiler(schema()["$defs"], fast_check(type_name).__globals__["REGEX_PATTERNS"])
    props = schema()["$defs"][type_name]["properties"]
    return {name for name, p in props.items() if compiler.compile(p) is not None}


@cache
def base_event(type_name: str) -> dict[str, Any]:
    """A valid event of the type: its required fields, each with a value that fits."""
    entry = schema()["$defs"][type_name]
    required = [r for r in entry["required"] if r not in ("type", "date")]
    choices = ["a1", ["a1", "b2"], NEW_UNITS[0], [NEW_UNITS[0], NEW_UNITS[1]], "N"]
    for values in product(choices, repeat=len(required)):
        dated = {"date": "2020-01-02"} if "date" in entry["properties"] else {}
        doc = {"type": type_name, **dated, **dict(zip(required, values, strict=True))}
        if valid(type_name, doc):
            return doc
    raise AssertionError(f"no valid {type_name} event")


@st.composite
def instances(draw: st.DrawFn) -> tuple[str, Any]:
    t = draw(st.sampled_from(event_types()))
    props = list(schema()["$defs"][t]["properties"])
    doc = dict(base_event(t))
    for _ in range(draw(st.integers(0, 3))):
        doc[draw(st.sampled_from([*props, "extra", "Type"]))] = draw(st.sampled_from(VALUES))
    if draw(st.integers(0, 5)) == 0:
        doc.pop(draw(st.sampled_from(sorted(doc))))
    if draw(st.integers(0, 19)) == 0:
        return t, draw(st.sampled_from([None, [], "x", [doc]]))
    return t, doc


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_the_quick_check_lets_through_only_what_the_validator_accepts(
        case: tuple[str, Any]) -> None:
    t, instance = case
    quick = quick_check(t)(instance)
    if quick:
        assert valid(t, instance)
    if not isinstance(instance, dict) or instance.keys() <= quick_fields(t):
        assert quick == valid(t, instance)


def test_every_field_of_the_common_events_is_tested_quickly() -> None:
    # a field left to the validator makes its events as slow as before
    for t in ("establish", "rename", "move", "merge", "dissolve", "appoint", "step_down"):
        assert quick_fields(t) >= {"type", "date", "id", "source", "note", "recorded",
                                    "unit"} & set(schema()["$defs"][t]["properties"])


def test_a_valid_event_needs_no_compiled_validator(monkeypatch: pytest.MonkeyPatch) -> None:
    event = {"type": "appoint", "date": "2020-01", "unit": "u1", "person": "p1",
             "source": "s1", "role": "head"}
    quick_check("appoint")  # made first: it reads the validator's expressions

    def refused(definition: str | None) -> Any:
        raise AssertionError(f"the compiled validator was asked about {definition}")

    monkeypatch.setattr(schema_module, "fast_check", refused)
    assert first_error(event, "appoint") is None


@pytest.mark.parametrize("event", [
    {"type": "appoint", "date": "2020-01", "unit": "u1", "person": "p1", "source": ["S"]},
    {"type": "appoint", "date": "2020-01\n", "unit": "u1", "person": "p1"},
    {"type": "appoint", "date": "2020-01", "unit": "u1", "person": "p1", "extra": 1},
    {"type": "appoint", "date": "2020-01", "unit": "u1", "person": "p1", "role": ""},
    {"type": "appoint", "date": "2020-01", "unit": "u1"},
])
def test_an_invalid_event_is_still_explained(event: dict[str, Any]) -> None:
    assert not quick_check("appoint")(event)
    assert first_error(event, "appoint") is not None


@pytest.mark.parametrize("type_name", event_types())
def test_the_file_validator_holds_each_entry_validators_expressions(type_name: str) -> None:
    # quick_check reads the file validator's (one compile, not one per event type)
    whole = fast_check(None).__globals__["REGEX_PATTERNS"]
    for pattern, regex in fast_check(type_name).__globals__.get("REGEX_PATTERNS", {}).items():
        assert (whole[pattern].pattern, whole[pattern].flags) == (regex.pattern, regex.flags)
