"""`orgchart add TYPE`: one event from the command line, with one subcommand per type.

The subcommands are not written by hand: each is built from the type's
declaration (`orgchart.domain.facts.FACT_TYPES`, its fields in a file) and the
shape its fields have in the JSON Schema, so a new event type gets its `add`
at once. Each option is a field of the file form:

- text and ids: `--unit fcdo`, `--name-en "…"`; a required field that may be
  null (move's `parent`) takes `''` for null;
- lists: repeat the option (`--units a --units b`, `--alias BEIS --alias "Dept B"`);
- flags: `--keep`;
- whole numbers: `--order 2`;
- new units (split's `into`, merge's new `into`): `unit=ID,name=NAME[,kind=…]`,
  or a JSON object; repeat for a list;
- a mapping (split's `children`): `--children CHILD=PART`, repeated.

The options build the mapping an event file would hold, which goes through
`load`'s own reading and checks (`OrgChartService.add`), or with `--to FILE`
into an event file (`orgchart.application.authoring.add_to_file`).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any

import click

from orgchart.cli.echo import say
from orgchart.domain.errors import OrgchartError

#: The fields every event may have, as options (after the type's own).
COMMON = ("date", "id", "recorded", "source", "note")

TEXT, NULLABLE, FLAG, LIST, MAPPING, NEW_UNITS, UNIT_OR_NEW, INTEGER = (
    "text", "nullable", "flag", "list", "mapping", "new units", "unit or new unit", "integer")


class MissingOption(click.ClickException):
    """A required option not given where nobody can be asked: one line, exit 2."""

    exit_code = 2


def interactive() -> bool:
    """Whether missing options may be asked for (stdin and stdout are a terminal)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


#: Fields whose option is not `--<field>`: a transfer's units (`--to FILE` is the command's
#: own), and `aliases`, given one at a time (`--alias BEIS --alias "Business Dept"`).
_FLAGS = {"from": "--from-unit", "to": "--to-unit", "aliases": "--alias"}


@dataclass(frozen=True)
class FieldOption:
    """One field of an event type's file form, as an option."""

    name: str  # as in the file
    required: bool
    shape: str

    @property
    def flag(self) -> str:
        if self.name in _FLAGS:
            return _FLAGS[self.name]
        return "--" + self.name.replace("_", "-")

    def metavar(self) -> str:
        return {NEW_UNITS: "unit=ID,name=NAME", UNIT_OR_NEW: "ID|unit=ID,name=NAME",
                MAPPING: "KEY=VALUE", FLAG: ""}.get(
                    self.shape, "ALIAS" if self.name == "aliases" else self.name.upper())

    def help(self) -> str:
        need = "required" if self.required else "optional"
        more = {LIST: "; repeat for more", NEW_UNITS: ": a new unit's fields (or a JSON "
                "object); repeat for more", UNIT_OR_NEW: ": a unit id, or a new unit's "
                "fields", MAPPING: ": CHILD=PART; repeat for more", NULLABLE: "; '' for none"}
        return f"`{self.name}` ({need}){more.get(self.shape, '')}."

    def option(self) -> click.Option:
        if self.shape == FLAG:
            return click.Option([self.flag, self.name], is_flag=True, default=False,
                                help=self.help())
        if self.shape == INTEGER:
            return click.Option([self.flag, self.name], type=int, default=None,
                                help=self.help())
        return click.Option([self.flag, self.name], metavar=self.metavar(), default=None,
                            multiple=self.shape in (LIST, NEW_UNITS, MAPPING),
                            help=self.help())

    def value(self, given: Any) -> Any:
        """The file's value of what was given (None: left out)."""
        if self.shape == FLAG:
            return True if given else None
        if self.shape in (LIST, NEW_UNITS, MAPPING):
            if not given:
                return None
            if self.shape == LIST:
                return list(given)
            if self.shape == NEW_UNITS:
                return [_fields(self.flag, v) for v in given]
            pairs: dict[str, Any] = {}
            for v in given:
                pairs.update(_fields(self.flag, v))
            return pairs
        if given is None:
            return None
        if self.shape == NULLABLE and given == "":
            return _NULL
        if self.shape == UNIT_OR_NEW and ("=" in given or given.lstrip().startswith("{")):
            return _fields(self.flag, given)
        return given


_NULL = object()  # a field given as null


def _fields(flag: str, text: str) -> dict[str, Any]:
    """`unit=a,name=B` or a JSON object as a mapping; an error names the option."""
    if text.lstrip().startswith("{"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as e:
            raise OrgchartError(f"{flag}: not a JSON object ({e.msg})") from None
        if not isinstance(value, dict):
            raise OrgchartError(f"{flag}: not a JSON object")
        return value
    out: dict[str, Any] = {}
    for part in text.split(","):
        key, eq, val = part.partition("=")
        if not eq or not key.strip():
            raise OrgchartError(f"{flag}: '{text}' is not KEY=VALUE pairs separated by ',' "
                                f"(write a value with ',' as a JSON object)")
        out[key.strip()] = val.strip()
    return out


def _shape(prop: dict[str, Any], definitions: dict[str, Any]) -> str:
    """How a field's value is given on the command line, from its JSON Schema."""
    if prop.get("type") == "boolean":
        return FLAG
    if "$ref" in prop:  # a shared definition (`order`): its own shape
        prop = definitions[prop["$ref"].removeprefix("#/$defs/")]
    if "integer" in (prop.get("type") or ()):
        return INTEGER
    if prop.get("type") == "array":
        return NEW_UNITS if prop.get("items", {}).get("$ref", "").endswith("/new_unit") \
            else LIST
    if prop.get("type") == "object":
        return MAPPING
    options = prop.get("oneOf", [])
    if any(o.get("$ref", "").endswith("/new_unit") for o in options):
        return UNIT_OR_NEW
    if any(o.get("type") == "null" for o in options):
        return NULLABLE
    return TEXT


def field_options(type_name: str) -> list[FieldOption]:
    """The type's own file fields as options, in declaration order."""
    from orgchart.adapters.eventfile.schema import schema
    from orgchart.domain.facts import FACT_TYPES

    definitions = schema()["$defs"]
    props = definitions[type_name]["properties"]
    return [FieldOption(name, required, _shape(props[name], definitions))
            for name, required in FACT_TYPES[type_name].file_fields().items()]


def example(type_name: str) -> str:
    """A command line that adds an event of the type, from its required fields."""
    from orgchart.domain.facts import FACT_TYPES

    samples = {TEXT: "{upper}", NULLABLE: "{upper}", LIST: "{upper}", INTEGER: "N",
               NEW_UNITS: "unit=ID,name=NAME", UNIT_OR_NEW: "ID", MAPPING: "KEY=VALUE"}
    words = [f"orgchart add {type_name}"]
    for f in field_options(type_name):
        if f.required:
            words.append(f"{f.flag} {samples[f.shape].format(upper=f.name.upper())}")
    if FACT_TYPES[type_name].DATED:
        words.append("--date 2026-04-01")
    return " ".join(words) + " --source SOURCE"


def build_document(type_name: str, own: dict[str, Any], common: dict[str, Any],
                   refs: dict[str, Any]) -> dict[str, Any]:
    """The mapping an event file with just this event (and its new person and source)
    would hold."""
    raw: dict[str, Any] = {"type": type_name}
    if common.get("date") is not None:
        raw["date"] = common["date"]
    for name, value in own.items():
        if value is not None:
            raw[name] = None if value is _NULL else value
    for name in ("id", "recorded", "note"):
        if common.get(name) is not None:
            raw[name] = common[name]
    sources = list(common.get("source") or ())
    if sources:
        raw["source"] = sources[0] if len(sources) == 1 else sources
    doc: dict[str, Any] = {"format": "orgchart/v1"}
    if any(refs[k] is not None for k in ("source_title", "source_publisher", "source_date",
                                          "source_url")):
        if not sources:
            raise OrgchartError("--source-title and the other --source-… options describe "
                                "a new source: name its id with --source")
        entry = {k: refs[f"source_{k}"] for k in ("title", "publisher", "date", "url")
                 if refs[f"source_{k}"] is not None}
        doc["sources"] = {sources[0]: entry}
    if refs["person_name"] is not None or refs["person_name_en"] is not None:
        person = raw.get("person")
        if not isinstance(person, str):
            raise OrgchartError(f"--person-name defines the person of an event: "
                                f"`{type_name}` names no --person")
        entry = {k: refs[f"person_{k}"] for k in ("name", "name_en")
                 if refs[f"person_{k}"] is not None}
        doc["people"] = {person: entry}
    doc["events"] = [raw]
    return doc


def _ask(f: FieldOption | str) -> Any:
    """A required option's value from the terminal, or a one-line error (exit 2)."""
    flag = f.flag if isinstance(f, FieldOption) else f"--{f}"
    if not interactive():
        raise MissingOption(f"missing option {flag} (it is required; a terminal would "
                            f"be asked for it)")
    answer = click.prompt(flag.lstrip("-").replace("-", " "), type=str)
    if isinstance(f, FieldOption) and f.shape in (LIST, NEW_UNITS, MAPPING):
        return (answer,)
    return answer


REF_OPTIONS = (
    ("person_name", "--person-name", "The person's name: defines --person on the fly."),
    ("person_name_en", "--person-name-en", "The person's name in English (optional)."),
    ("source_title", "--source-title", "Defines the (first) --source on the fly: its title."),
    ("source_publisher", "--source-publisher", "The new source's publisher (optional)."),
    ("source_date", "--source-date", "The new source's date (optional)."),
    ("source_url", "--source-url", "The new source's address (optional)."),
)


def make_command(type_name: str) -> click.Command:
    from orgchart.domain.facts import FACT_TYPES

    own = field_options(type_name)
    dated = FACT_TYPES[type_name].DATED
    params: list[click.Parameter] = [f.option() for f in own]
    if dated:
        params.append(click.Option(["--date"], metavar="DATE", default=None,
                                   help="The effective date, YYYY[-MM[-DD]] (required)."))
    params += [
        click.Option(["--id"], metavar="ID", default=None,
                     help="The event's id (optional: derived from its content)."),
        click.Option(["--recorded"], metavar="DATE", default=None,
                     help="When the fact became known (optional: now)."),
        click.Option(["--source"], metavar="ID", multiple=True,
                     help="A source id it cites; repeat for more."),
        click.Option(["--note"], metavar="TEXT", default=None, help="A note (optional)."),
    ]
    has_person = any(f.name == "person" for f in own)
    params += [click.Option([flag, name], metavar="TEXT", default=None, help=text)
               for name, flag, text in REF_OPTIONS if has_person or name.startswith("source")]
    params.append(click.Option(["--to", "to_file"], metavar="FILE", default=None,
                               help="Add the event to this YAML event file (created when "
                                    "missing; comments and layout kept) instead of the "
                                    "store."))

    @click.pass_context
    def run(ctx: click.Context, /, **given: Any) -> None:
        for f in own:
            if f.required and given[f.name] in (None, ()):
                given[f.name] = _ask(f)
        if dated and given["date"] is None:
            given["date"] = _ask("date")
        values = {f.name: f.value(given[f.name]) for f in own}
        refs = {name: given.get(name) for name, _, _ in REF_OPTIONS}
        doc = build_document(type_name, values, {k: given[k] for k in COMMON if k in given},
                             refs)
        _store_or_file(ctx, doc, given["to_file"])

    return click.Command(
        type_name, callback=run, params=params,
        help=f"Add one `{type_name}` event (its options are the fields of the file "
             f"form; see events/README.md).\n\nExample: {example(type_name)}",
        short_help=f"Add one {type_name} event.")


def _store_or_file(ctx: click.Context, doc: dict[str, Any], to_file: str | None) -> None:
    from orgchart.cli.main import service

    if to_file is None:
        added = service(ctx).add(doc, "add")
        say(added.event_id if added.new else f"{added.event_id} (already recorded)")
        return
    from orgchart.application.authoring import add_to_file
    from orgchart.application.commands import utcnow
    from orgchart.cli.output import write_file

    addition = add_to_file(to_file, doc, utcnow())
    write_file(to_file, addition.text)
    say(addition.event_id)


class AddGroup(click.Group):
    """`add`'s subcommands, one per declared event type, built when asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        from orgchart.domain.facts import FACT_TYPES

        return list(FACT_TYPES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        from orgchart.domain.facts import FACT_TYPES

        return make_command(cmd_name) if cmd_name in FACT_TYPES else None


add_group = AddGroup(
    "add", help="Add one event of TYPE to the store (or with --to, to an event file), "
                "checked exactly as `load` checks a file; prints its id.\n\n"
                "Missing required options are asked for on a terminal.\n\n"
                "Example: orgchart add appoint --unit fcdo --person david-lammy "
                "--person-name \"David Lammy\" --title \"Foreign Secretary\" "
                "--date 2024-07-05 --source govuk")
