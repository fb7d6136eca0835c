"""What each event type says, in every text form: one class per declared event type.

An event type is declared once, in `orgchart.domain.facts`; its words are
here, all together, in a subclass of `Sentences` that names the declaration
(`fact = Dissolve`). A text form asks `sentences_of(type)` and never tests a
type name itself. The forms:

* `log_line`: the `log` text, with ids (`search-rec split into a, b`);
* `sentence`, `occasion`: `diff`, `history` and `lineage`, with names, from
  the point of view of the unit being described;
* `story_began`, `story_ended`: a `history` entry for a unit the event began
  or ended; `lineage_began`, `lineage_ended`: the same in a `lineage`;
* `page_line`: the `timeline` page.

The base class says something plain for a type with no words of its own.
Pure functions of plain data (the dicts of the queries), like the text forms.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Protocol

from orgchart.domain.facts import (
    Annotate,
    Appoint,
    Dissolve,
    Establish,
    Fact,
    Merge,
    Move,
    Rename,
    Retract,
    Split,
    StepDown,
    Transfer,
)
from orgchart.presentation.names import label

Event = Mapping[str, Any]


class Namer(Protocol):
    """Names of units and people as they were on a day (`explain_text.Words`)."""

    def name(self, unit: str | None, day: str | None = None) -> str: ...

    def names(self, units: list[str], day: str | None = None) -> str: ...

    def full(self, unit: str | None, day: str | None = None) -> str: ...

    def fulls(self, units: list[str], day: str | None = None) -> str: ...

    def person(self, pid: str | None) -> str: ...

    def as_named(self, unit: str | None, day: str) -> str: ...

    def event(self, event_id: str) -> dict[str, Any]: ...

    def sentence(self, event_id: str, subject: str | None = None, dated: bool = True) -> str: ...


class PageNames(Protocol):
    """Names of units around a step of the `timeline` page, and of people."""

    def unit(self, uid: str | None, when: str = "before") -> str: ...

    def person(self, pid: str | None) -> str: ...


_BY_TYPE: dict[str, Sentences] = {}


def sentences_of(type_name: str) -> Sentences:
    """The words of an event type (plain ones for a type without its own)."""
    return _BY_TYPE.get(type_name, _PLAIN)


def declared_types() -> list[str]:
    """The event types that have words of their own."""
    return list(_BY_TYPE)


class Sentences:
    """The words of one event type; a subclass sets `fact` to the type's declaration."""

    fact: ClassVar[type[Fact] | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        assert cls.fact is not None, f"{cls.__name__} names no event type"
        _BY_TYPE[cls.fact.TYPE] = cls()

    def log_line(self, e: Event) -> str:
        """The `log` summary of the event, with ids."""
        return str(e["type"])

    def sentence(self, e: Event, w: Namer, subject: str | None, at: str) -> str:
        """What the event did, from `subject`'s point of view (None: neutrally);
        `at` is the date after the verb (" 2026-04-01") or ""."""
        return f"{e['type']}{at}"

    def occasion(self, e: Event, w: Namer) -> str:
        """Why a unit changed parent in the event ("when … split into …"), or ""."""
        return ""

    def story_began(self, entry: Event, w: Namer, named: str, day: str) -> str:
        """A `history` entry for the unit the event began; `named` is its name, kind and
        place ("搜推 (Search), business unit, under 电商")."""
        return f"began as {named}"

    def story_ended(self, entry: Event, w: Namer, unit: str, day: str) -> str:
        """A `history` entry for the unit the event ended."""
        return "ended"

    def lineage_began(self, node: Event) -> str:
        """How a `lineage` unit with no ancestors began."""
        return f"created {node['began']} ({node['began_how']})"

    def lineage_ended(self, node: Event) -> str:
        """Why a `lineage` unit that ended has no descendants."""
        return f"nothing: it ended {node['ended']}"

    def page_line(self, r: Event, names: PageNames) -> str:
        """The event as a line of the `timeline` page."""
        return str(r["type"])


_PLAIN = Sentences()


def _new_unit_label(part: Event) -> str:
    """A unit as an event creates it (`{unit, name, name_en}`): its display name."""
    return label(str(part.get("name") or part.get("unit")), part.get("name_en"))


def _merge_target(e: Event) -> str:
    return str(e["new_unit"]["unit"] if e.get("new_unit") else e["into"])


class EstablishSentences(Sentences):
    fact = Establish

    def log_line(self, e: Event) -> str:
        s = f"{e['unit']} established as {e['name']}"
        return s + (f" under {e['parent']}" if e.get("parent") else " (a root)") + _order(e)

    def sentence(self, e: Event, w: Namer, subject: str | None, at: str) -> str:
        day = e["day"]
        where = f" under {w.name(e['parent'], day)}" if e.get("parent") \
            else " as a top-level unit"
        if subject == e["unit"]:  # "established 2004-06 as OLD NAME under …"
            return f"established{at}{w.as_named(subject, day)}{where}"
        return f"{w.name(e['unit'], day)} established{at}{where}"

    def story_began(self, entry: Event, w: Namer, named: str, day: str) -> str:
        return f"established as {named}"

    def lineage_began(self, node: Event) -> str:
        return f"established {node['began']}"

    def page_line(self, r: Event, names: PageNames) -> str:
        where = f" under {names.unit(r['parent'], 'after')}" if r.get("parent") else \
            " as a top unit"
        kind = f" ({r['kind']})" if r.get("kind") else ""
        return f"{_new_unit_label(r)} established{where}{kind}"


class RenameSentences(Sentences):
    fact = Rename

    def log_line(self, e: Event) -> str:
        names = ", ".join(x for x in (e.get("name"), e.get("name_en")) if x)
        if not names:
            what = became(e["kind"]) if e.get("kind") else "placed"
            return f"{e['unit']} {what}{_order(e)}"
        return (f"{e['unit']} renamed {names}" + (f", {became(e['kind'])}" if e.get("kind")
                                                  else "") + _order(e))

    def sentence(self, e: Event, w: Namer, subject: str | None, at: str) -> str:
        who = "" if subject == e["unit"] else f"{w.name(e['unit'], e['day'])} "
        if not e.get("name") and not e.get("name_en"):
            if not e.get("kind"):  # only a new display order
                return f"{who}placed{at}{_order(e)}"
            return f"{who}{became(e['kind'])}{at}"
        to = label(e.get("name"), e.get("name_en")) if e.get("name") \
            else f"{e.get('name_en')} (in English)"
        kind = f" and {became(e['kind'])}" if e.get("kind") else ""
        return f"{who}renamed{at} to {to}{kind}"

    def page_line(self, r: Event, names: PageNames) -> str:
        new = ", ".join(str(x) for x in (r.get("name"), r.get("name_en")) if x)
        if not new:
            what = became(r["kind"]) if r.get("kind") else "placed"
            return f"{names.unit(r.get('unit'))} {what}{_order(r)}"
        kind = f" and {became(r['kind'])}" if r.get("kind") else ""
        return f"{names.unit(r.get('unit'))} renamed {new}{kind}"


def _order(e: Event) -> str:
    """` (order N)` for an event that sets a unit's display order among its siblings."""
    return f" (order {e['order']})" if e.get("order") is not None else ""


def link_kind(link: Mapping[str, Any]) -> str:
    """A lineage link's kind as drawn: `spin-off` for a split that kept its unit (`keep`),
    else its `how` (split, merge, transfer)."""
    return "spin-off" if link.get("keep") else str(link["how"])


def became(kind: str) -> str:
    """A change of kind in words: "became an executive agency"."""
    article = ("an " if kind[:1].lower() in "aeiou" else "a ") if kind[:1].isascii() else ""
    return f"became {article}{kind}"


class MoveSentences(Sentences):
    fact = Move

    def log_line(self, e: Event) -> str:
        moved = f"{e['unit']} moved under {e['parent']}" if e["parent"] else \
            f"{e['unit']} made a root"
        return moved + _order(e)

    def sentence(self, e: Event, w: Namer, subject: str | None, at: str) -> str:
        who = "" if subject == e["unit"] else f"{w.name(e['unit'], e['day'])} "
        if e.get("parent") is None:
            return f"{who}made a top-level unit{at}"
        return f"{who}moved{at} under {w.name(e['parent'], e['day'])}"

    def page_line(self, r: Event, names: PageNames) -> str:
        unit = names.unit(r.get("unit"))
        if r.get("parent"):
            return f"{unit} moved under {names.unit(r['parent'], 'after')}"
        return f"{unit} became a top unit"


class SplitSentences(Sentences):
    fact = Split

    def log_line(self, e: Event) -> str:
        parts = ", ".join(p["unit"] for p in e["into"])
        return f"{e['unit']} split into {parts}" + (" (kept)" if e.get("keep") else "")

    def sentence(self, e: Event, w: Namer, subject: str | None, at: str) -> str:
        day, src = e["day"], e["unit"]
        parts = [p["unit"] for p in e["into"]]
        kept = bool(e.get("keep"))
        mapping = {child: part for child, part in e.get("children") or []}
        if subject == src:
            return f"spun off {w.names(parts, day)}{at}" if kept \
                else f"split{at} into {w.names(parts, day)}"
        if subject in parts:
            if kept:
                return f"spun off{at}{w.as_named(subject, day)} from {w.name(src, day)}"
            # the same words for every part: each is named, as it was then, in the list
            return f"created{at} by the split of {w.name(src, day)} into {w.names(parts, day)}"
        if subject in mapping:
            return f"moved{at} to {w.name(mapping[subject], day)} {self.occasion(e, w)}"
        if kept:
            return f"{w.name(src, day)} spun off {w.names(parts, day)}{at}"
        return f"{w.name(src, day)} split{at} into {w.names(parts, day)}"

    def occasion(self, e: Event, w: Namer) -> str:
        day = e["day"]
        how = "spun off" if e.get("keep") else "split into"
        parts = [p["unit"] for p in e["into"]]
        return f"when {w.name(e['unit'], day)} {how} {w.names(parts, day)}"

    def story_began(self, entry: Event, w: Namer, named: str, day: str) -> str:
        ev = w.event(entry["event"])
        if ev.get("keep"):
            return f"spun off from {w.names(entry['from'], day)} as {named}"
        parts = [p["unit"] for p in ev["into"]]
        return (f"created as {named}, by the split of {w.names(entry['from'], day)} "
                f"into {w.names(parts, day)}")

    def story_ended(self, entry: Event, w: Namer, unit: str, day: str) -> str:
        return f"split into {w.fulls(entry['into'], day)}"

    def page_line(self, r: Event, names: PageNames) -> str:
        parts = ", ".join(_new_unit_label(p) for p in r.get("into") or [])
        verb = "spun off" if r.get("keep") else "split into"
        return f"{names.unit(r.get('unit'))} {verb} {parts}"


class MergeSentences(Sentences):
    fact = Merge

    def log_line(self, e: Event) -> str:
        return f"{', '.join(e['units'])} merged into {e['into']}"

    def sentence(self, e: Event, w: Namer, subject: str | None, at: str) -> str:
        day, units = e["day"], list(e["units"])
        target = _merge_target(e)
        new = bool(e.get("new_unit"))
        if subject in units:
            others = [u for u in units if u != subject]
            also = f" together with {w.names(others, day)}" if others else ""
            return f"merged{at} into {'new unit ' if new else ''}{w.name(target, day)}{also}"
        if subject == target:
            if new:
                return f"created{at}{w.as_named(subject, day)} by merging {w.names(units, day)}"
            return f"absorbed {w.names(units, day)}{at}"
        if subject is not None:
            return f"moved{at} to {w.name(target, day)} {self.occasion(e, w)}"
        return (f"{w.names(units, day)} merged{at} into {'new unit ' if new else ''}"
                f"{w.name(target, day)}")

    def occasion(self, e: Event, w: Namer) -> str:
        day = e["day"]
        return f"when {w.names(list(e['units']), day)} merged into {w.name(_merge_target(e), day)}"

    def story_began(self, entry: Event, w: Namer, named: str, day: str) -> str:
        return f"created as {named}, by merging {w.names(entry['from'], day)}"

    def story_ended(self, entry: Event, w: Namer, unit: str, day: str) -> str:
        return w.sentence(entry["event"], unit, dated=False)

    def page_line(self, r: Event, names: PageNames) -> str:
        merged = ", ".join(names.unit(u) for u in r.get("units") or [])
        into = r.get("into")
        target = _new_unit_label(into) if isinstance(into, Mapping) else names.unit(into, "after")
        return f"{merged} merged into {target}"


class DissolveSentences(Sentences):
    fact = Dissolve

    def log_line(self, e: Event) -> str:
        s = f"{e['unit']} dissolved"
        return s + (f", children to {e['children_to']}" if e.get("children_to") else "")

    def sentence(self, e: Event, w: Namer, subject: str | None, at: str) -> str:
        day = e["day"]
        heir: str | None = e.get("children_to")
        if subject is not None and subject != e["unit"] and heir is not None:
            return f"moved{at} to {w.name(heir, day)} {self.occasion(e, w)}"
        who = "" if subject == e["unit"] else f"{w.name(e['unit'], day)} "
        rest = f", its units going to {w.name(heir, day)}" if heir else ""
        return f"{who}dissolved{at}{rest}"

    def occasion(self, e: Event, w: Namer) -> str:
        return f"when {w.name(e['unit'], e['day'])} was dissolved"

    def story_ended(self, entry: Event, w: Namer, unit: str, day: str) -> str:
        to = f", its units going to {w.name(entry['children_to'], day)}" \
            if entry.get("children_to") else ""
        return f"dissolved{to}"

    def lineage_ended(self, node: Event) -> str:
        return f"nothing: it was dissolved {node['ended']}"

    def page_line(self, r: Event, names: PageNames) -> str:
        s = f"{names.unit(r.get('unit'))} dissolved"
        if r.get("children_to"):
            s += f"; its units moved to {names.unit(r['children_to'])}"
        return s


class AppointSentences(Sentences):
    fact = Appoint

    def log_line(self, e: Event) -> str:
        s = f"{e['person']} appointed {e['role']} of {e['unit']}"
        return s + (f" ({e['title']})" if e.get("title") else "")

    def sentence(self, e: Event, w: Namer, subject: str | None, at: str) -> str:
        title = f" ({e['title']})" if e.get("title") else ""
        where = "" if subject == e["unit"] else f" of {w.name(e['unit'], e['day'])}"
        return f"{w.person(e['person'])} appointed {e.get('role') or 'head'}{where}{title}{at}"

    def page_line(self, r: Event, names: PageNames) -> str:
        what = r.get("title") or r.get("role") or "head"
        where = names.unit(r["unit"], "after")
        return f"{names.person(r.get('person'))} appointed {what} of {where}"


class StepDownSentences(Sentences):
    fact = StepDown

    def log_line(self, e: Event) -> str:
        role = f" as {e['role']}" if e.get("role") else ""
        return f"{e['person']} stepped down{role} from {e['unit']}"

    def sentence(self, e: Event, w: Namer, subject: str | None, at: str) -> str:
        role = f" as {e['role']}" if e.get("role") else ""
        where = "" if subject == e["unit"] else f" in {w.name(e['unit'], e['day'])}"
        return f"{w.person(e['person'])} stepped down{role}{where}{at}"

    def page_line(self, r: Event, names: PageNames) -> str:
        what = f" as {r['role']}" if r.get("role") else ""
        unit = names.unit(r.get("unit"))
        return f"{names.person(r.get('person'))} stepped down{what} from {unit}"


class RetractSentences(Sentences):
    fact = Retract

    def log_line(self, e: Event) -> str:
        return f"retracts {e['event']}: {e['reason']}"


class AnnotateSentences(Sentences):
    fact = Annotate

    def log_line(self, e: Event) -> str:
        return f"annotates {e['event']}"


def recorded_on(recorded: str) -> str:
    """The day of a recorded time (an ISO timestamp, or a date as written)."""
    return recorded[:10] if len(recorded) > 10 else recorded


def annotation_line(a: Event) -> str:
    """An annotation (`{recorded, note, sources}`) beside the event it annotates, as a
    correction: "corrected on 2026-11-15: the merger took effect on 2 September" (the
    caller cites its sources)."""
    when = recorded_on(str(a["recorded"]))
    return f"corrected on {when}: {a['note']}" if a.get("note") else f"sources added on {when}"


def retraction_line(r: Event) -> str:
    """A retracted event (as `log` gives it, with its retraction's `reason`) as a correction:
    "retracted on 2026-11-30: appoint-… (2025, appoint: …): wrong year"."""
    when = recorded_on(str(r.get("retraction_recorded") or r.get("retracted_on") or ""))
    what = f"{r['id']} ({r['date']}, {r['type']}: {sentences_of(r['type']).log_line(r)})"
    return f"retracted on {when}: {what}" + (f": {r['reason']}" if r.get("reason") else "")


# -- transfer ----------------------------------------------------------------------------


class TransferSentences(Sentences):
    fact = Transfer

    def log_line(self, e: Event) -> str:
        units = f" (with {', '.join(e['units'])})" if e.get("units") else ""
        return f"{e['what']} transferred from {e['from_unit']} to {e['to_unit']}{units}"

    def sentence(self, e: Event, w: Namer, subject: str | None, at: str) -> str:
        day, src, dst = e["day"], e["from_unit"], e["to_unit"]
        units = list(e.get("units") or [])
        with_units = f", with {w.names(units, day)}" if units else ""
        if subject == src:
            return f"transferred {e['what']}{at} to {w.name(dst, day)}{with_units}"
        if subject == dst:
            return f"took over {e['what']}{at} from {w.name(src, day)}{with_units}"
        if subject is not None:
            return f"moved{at} to {w.name(dst, day)} {self.occasion(e, w)}"
        return (f"{e['what']} transferred{at} from {w.name(src, day)} to "
                f"{w.name(dst, day)}{with_units}")

    def occasion(self, e: Event, w: Namer) -> str:
        return f"with {e['what']}"

    def page_line(self, r: Event, names: PageNames) -> str:
        units = r.get("units") or []
        went = f", with {', '.join(names.unit(u) for u in units)}" if units else ""
        return (f"{r['what']} transferred from {names.unit(r.get('from_unit'))} to "
                f"{names.unit(r.get('to_unit'), 'after')}{went}")
