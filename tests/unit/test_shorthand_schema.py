"""The JSON Schema entries of `tenures:` and `reshuffle:` against the event types they
stand for: every field an entry passes on to an event is that event type's field, by
`$ref`, so the two cannot drift apart."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from orgchart.adapters.eventfile.schema import first_error, schema
from orgchart.domain.facts import FACT_TYPES

#: The fields every event passes on from a tenure or a reshuffle, besides its own.
PASSED_ON = {"source", "note", "recorded"}


def refs(entry: dict[str, Any]) -> dict[str, str]:
    return {name: prop["$ref"] for name, prop in entry["properties"].items() if "$ref" in prop}


def own(type_name: str) -> dict[str, bool]:
    return FACT_TYPES[type_name].file_fields()


def test_a_tenure_has_the_fields_of_an_appointment() -> None:
    entry = schema()["$defs"]["tenure"]
    assert entry["additionalProperties"] is False
    fields = {**own("appoint"), **dict.fromkeys(PASSED_ON, False)}
    assert refs(entry) == {"from": "#/$defs/appoint/properties/date",
                           "to": "#/$defs/step_down/properties/date",
                           **{f: f"#/$defs/appoint/properties/{f}" for f in fields}}
    assert set(entry["required"]) == {"from", *(f for f, req in fields.items() if req)}
    assert all(prop.get("description") for prop in entry["properties"].values())


@pytest.mark.parametrize("kind", ["appoint", "step_down"])
def test_a_reshuffle_entry_has_the_fields_of_its_event(kind: str) -> None:
    entry = schema()["$defs"][f"reshuffle_{kind}"]
    assert entry["additionalProperties"] is False
    fields = {**own(kind), "source": False, "note": False}
    assert refs(entry) == {f: f"#/$defs/{kind}/properties/{f}" for f in fields}
    assert set(entry["required"]) == {f for f, req in fields.items() if req}
    block = schema()["$defs"]["reshuffle"]["properties"][kind]
    assert block["items"] == {"$ref": f"#/$defs/reshuffle_{kind}"}


def test_a_reshuffle_block_has_a_date_and_the_fields_it_passes_on() -> None:
    block = schema()["$defs"]["reshuffle"]
    assert block["additionalProperties"] is False and block["required"] == ["date"]
    assert refs(block) == {f: f"#/$defs/appoint/properties/{f}"
                           for f in ["date", *sorted(PASSED_ON)]}
    assert set(block["properties"]) == {"date", *PASSED_ON, "appoint", "step_down"}


def test_the_top_level_lists() -> None:
    top = schema()["properties"]
    assert top["tenures"]["items"] == {"$ref": "#/$defs/tenure"}
    assert top["reshuffle"]["items"] == {"$ref": "#/$defs/reshuffle"}
    assert schema()["required"] == ["format"]
    Draft202012Validator.check_schema(schema())
    assert first_error({"format": "orgchart/v1"}) is not None  # events, tenures or reshuffle
    for key in ("events", "tenures", "reshuffle"):
        assert first_error({"format": "orgchart/v1", key: []}) is None


VALID = {"format": "orgchart/v1",
         "tenures": [{"person": "p", "unit": "u", "from": "2020", "to": "2021-02-03",
                      "role": "cto", "title": None, "source": ["s"], "note": "n",
                      "recorded": "2026"}],
         "reshuffle": [{"date": "2021-05", "source": "s", "note": None, "recorded": "2026",
                        "step_down": [{"unit": "u", "person": "p", "role": "cto",
                                       "source": "s2", "note": "x"}],
                        "appoint": [{"unit": "u", "person": "q", "role": "head",
                                     "title": "CEO", "source": ["s", "s2"], "note": None}]}]}


@pytest.mark.parametrize(("change", "path"), [
    ({"tenures": [{"person": "p", "unit": "u", "from": "20-1"}]}, ["tenures", 0, "from"]),
    ({"tenures": [{"person": "P", "unit": "u", "from": "2020"}]}, ["tenures", 0, "person"]),
    ({"tenures": [{"person": "p", "unit": "u", "from": "2020", "role": ""}]},
     ["tenures", 0, "role"]),
    ({"reshuffle": [{"date": "2020", "appoint": [{"unit": "u", "person": "p", "x": 1}]}]},
     ["reshuffle", 0, "appoint", 0]),
    ({"reshuffle": [{"date": "2020", "step_down": [{"unit": "u", "person": "p",
                                                    "title": "T"}]}]},
     ["reshuffle", 0, "step_down", 0]),
    ({"events": None, "tenures": None}, ["events"]),
])
def test_the_referenced_fields_check_what_the_events_check(change: dict[str, Any],
                                                           path: list[Any]) -> None:
    assert first_error(VALID) is None
    assert first_error({**VALID, "events": []}) is None
    err = first_error({**VALID, **change})
    assert err is not None and list(err.absolute_path) == path
