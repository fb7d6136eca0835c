"""The JSON Schema of `orgchart/v1` (kept in `events/`) and readable errors from it."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from orgchart.adapters.eventfile.brief import TOO_DEEP, TooDeep, brief, cut, guarded
from orgchart.adapters.eventfile.quickcheck import quick_check
from orgchart.domain.hints import did_you_mean

ID_RULE = "use lowercase letters, digits, '.', '_' and '-', starting with a letter or digit, " \
          "at most 64 characters"


@cache
def schema() -> dict[str, Any]:
    here = resources.files("orgchart.adapters.eventfile")
    text = here.joinpath("orgchart-v1.schema.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def validator(definition: str | None = None) -> Draft202012Validator:
    """A validator for the whole file, or for one `$defs` entry (e.g. an event type)."""
    s = schema()
    if definition is None:
        return Draft202012Validator(s)
    return Draft202012Validator({"$ref": f"#/$defs/{definition}", "$defs": s["$defs"]})


def event_types() -> list[str]:
    return list(schema()["$defs"]["event"]["properties"]["type"]["enum"])


@cache
def fast_check(definition: str | None) -> Callable[[Any], Any]:
    """A compiled validator for the file or one `$defs` entry: fast, silent on why."""
    import fastjsonschema

    # without `$id`, every `$ref` resolves inside this document: never over the network
    local = {k: v for k, v in schema().items() if k not in ("$id", "$schema")}
    target = local if definition is None else {"$ref": f"#/$defs/{definition}",
                                               "$defs": local["$defs"]}

    def no_remote(uri: str) -> Any:
        raise ValueError(f"the orgchart/v1 schema refers to {uri}; only local refs are allowed")

    return fastjsonschema.compile(  # type: ignore[no-any-return]
        target, handlers={"http": no_remote, "https": no_remote})


def first_error(instance: Any, definition: str | None = None) -> ValidationError | None:
    """The most relevant error, deepest first, in a stable order.

    Valid events (nearly all of them) pass a quick check (`quickcheck`), else a
    compiled validator (fastjsonschema); only an invalid one is explained with
    `jsonschema`'s detailed errors, on a copy whose values show only their beginning
    in that library's messages (`guarded`).
    """
    import fastjsonschema

    if definition is not None and quick_check(definition)(instance):
        return None
    try:
        fast_check(definition)(instance)
        return None
    except fastjsonschema.JsonSchemaException:
        pass
    try:
        instance = guarded(instance)
    except TooDeep as e:
        return ValidationError(str(e), validator="maxDepth", path=e.path)
    errors: list[ValidationError] = sorted(
        validator(definition).iter_errors(instance),
        key=lambda e: (-len(e.absolute_path), [str(p) for p in e.absolute_path]))
    if not errors:  # the two validators disagree: refuse rather than let it through
        return ValidationError("does not match the orgchart/v1 schema", validator="schema")
    return errors[0]


def error_path(error: ValidationError) -> list[str | int]:
    """Where the error is: the path of the failing value, and for an unknown field the
    field itself (so that its line is reported, not its mapping's)."""
    path: list[str | int] = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        extra = [k for k in error.instance if k not in allowed]
        if extra:
            path.append(str(extra[0]))
    return path


def _flow_comma_hint(mapping: dict[str, Any], extra: str) -> str:
    """`{title: A, B}` reads `B` as a key without a value: in a flow mapping ', ' ends a
    value. The cure, when the unknown field looks like the rest of the value before it."""
    keys = list(mapping)
    at = keys.index(extra)
    if mapping[extra] is not None or at == 0:
        return ""
    before = keys[at - 1]
    if not isinstance(mapping[before], str):
        return ""
    return (f" (inside {{…}}, ', ' ends a value: quote it, "
            f"{before}: \"{cut(mapping[before])}, {cut(extra)}\")")


def explain(error: ValidationError) -> str:
    """One sentence for a schema error."""
    path = [cut(str(p)) for p in error.absolute_path]
    where = f"field '{path[-1]}'" if path and not path[-1].isdigit() else "value"
    if path and path[-1].isdigit() and len(path) > 1:
        where = f"item {int(path[-1]) + 1} of '{path[-2]}'"
    v = error.validator
    if v == "maxDepth":
        return TOO_DEEP
    if v == "additionalProperties":
        props = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        allowed = list(props)
        extra = [k for k in error.instance if k not in allowed] \
            if isinstance(error.instance, dict) else []
        name = cut(str(extra[0])) if extra else "?"
        hint = did_you_mean(name, allowed)
        if not hint and extra and isinstance(error.instance, dict):
            hint = _flow_comma_hint(error.instance, extra[0])
        return f"unknown field '{name}'{hint}"
    if v == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else error.message
        return f"missing field '{missing}'"
    if v == "pattern":
        value = cut(str(error.instance))
        if "[a-z0-9]" in str(error.validator_value):
            return f"{where}: '{value}' is not a valid id ({ID_RULE})"
        return f"{where}: '{value}' is not a date (use YYYY-MM-DD, YYYY-MM or YYYY)"
    if v == "type":
        want = error.validator_value
        want_s = " or ".join(want) if isinstance(want, list) else want
        word = {"boolean": "true or false", "array": "a list", "object": "a mapping",
                "string": "text"}.get(str(want_s), str(want_s))
        return f"{where} must be {word}"
    if v == "const":
        return f"{where} must be '{error.validator_value}'"
    if v == "minLength":
        return f"{where} must not be empty"
    if v == "maxLength":
        return (f"{where} is too long: {len(str(error.instance)):,} characters "
                f"(at most {error.validator_value:,})")
    if v == "minItems":
        return f"{where} needs at least {error.validator_value} item(s)"
    if v == "oneOf":
        return f"{where} has the wrong shape: {brief(error.instance)}"
    if v == "propertyNames":
        return f"'{cut(str(error.instance))}' is not a valid id ({ID_RULE})"
    return f"{where}: {error.message}"
