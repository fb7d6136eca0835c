"""The event values of `orgchart/v1`: one immutable class per event type.

These are the plain domain values the rules replay works on. The stored
form of each (past-tense classes inside the `OrgHistory` aggregate) lives in
`orgchart.domain.history`; `orgchart.domain.codec` converts between the two.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field, fields
from functools import cache, lru_cache
from typing import Any, ClassVar, TypeVar

from orgchart.domain.canonical import canonical_json
from orgchart.domain.dates import EffDate


@lru_cache(maxsize=1 << 16)
def recorded_day(recorded: str) -> dt.date:
    """The day of a recorded time: a date form or an ISO timestamp."""
    if len(recorded) > 10 and recorded[10] in "T ":
        return dt.date.fromisoformat(recorded[:10])
    return EffDate.parse(recorded).day


@dataclass(frozen=True, kw_only=True)
class NewUnit:
    """A unit created by a split (a part) or a merge (a new target)."""

    unit: str
    name: str
    name_en: str | None = None
    kind: str | None = None
    parent: str | None = None  # None: the default place (see split and merge)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in _field_items(self) if v is not None}


@dataclass(frozen=True, kw_only=True)
class Fact:
    """Fields every event has. `seq` is the append position (effective-order tiebreak)."""

    TYPE: ClassVar[str] = ""
    id: str
    date: EffDate | None
    recorded: str
    sources: tuple[str, ...] = ()
    note: str | None = None
    seq: int = field(default=0, compare=False)

    COMMON: ClassVar[tuple[str, ...]] = ("id", "date", "recorded", "sources", "note", "seq")

    @property
    def recorded_day(self) -> dt.date:
        return recorded_day(self.recorded)

    @property
    def day(self) -> dt.date:
        assert self.date is not None, "a retraction has no effective date"
        return self.date.day

    def own_fields(self) -> dict[str, Any]:
        """The type's own fields (everything but the common ones), as plain data (a new dict)."""
        own = self.__dict__.get("_own")
        if own is None:  # computed once (the fields never change); not a dataclass field
            names: tuple[str, ...] = _own_names(type(self))  # type: ignore[arg-type]
            own = self.__dict__["_own"] = {k: _plain(getattr(self, k)) for k in names}
        return dict(own)

    def identity(self) -> dict[str, Any]:
        """What the derived id hashes: type, date and own fields."""
        return {"type": self.TYPE, "date": str(self.date) if self.date else None,
                **self.own_fields()}

    def content(self) -> dict[str, Any]:
        """What must match when an id is already recorded: all but `recorded` and `seq`."""
        return {**self.identity(), "sources": list(self.sources), "note": self.note}

    def label(self) -> str:
        """`(type, date)` as used in error messages."""
        return f"({self.TYPE}, {self.date})" if self.date else f"({self.TYPE})"


@dataclass(frozen=True, kw_only=True)
class Establish(Fact):
    TYPE: ClassVar[str] = "establish"
    unit: str
    name: str
    name_en: str | None = None
    kind: str | None = None
    parent: str | None = None


@dataclass(frozen=True, kw_only=True)
class Rename(Fact):
    TYPE: ClassVar[str] = "rename"
    unit: str
    name: str | None = None
    name_en: str | None = None


@dataclass(frozen=True, kw_only=True)
class Move(Fact):
    TYPE: ClassVar[str] = "move"
    unit: str
    parent: str | None


@dataclass(frozen=True, kw_only=True)
class Split(Fact):
    TYPE: ClassVar[str] = "split"
    unit: str
    into: tuple[NewUnit, ...]
    children: tuple[tuple[str, str], ...] = ()
    keep: bool = False


@dataclass(frozen=True, kw_only=True)
class Merge(Fact):
    TYPE: ClassVar[str] = "merge"
    units: tuple[str, ...]
    into: str
    new_unit: NewUnit | None = None  # set when `into` is a new unit


@dataclass(frozen=True, kw_only=True)
class Dissolve(Fact):
    TYPE: ClassVar[str] = "dissolve"
    unit: str
    children_to: str | None = None


@dataclass(frozen=True, kw_only=True)
class Appoint(Fact):
    TYPE: ClassVar[str] = "appoint"
    unit: str
    person: str
    role: str = "head"
    title: str | None = None


@dataclass(frozen=True, kw_only=True)
class StepDown(Fact):
    TYPE: ClassVar[str] = "step_down"
    unit: str
    person: str
    role: str | None = None


@dataclass(frozen=True, kw_only=True)
class Retract(Fact):
    TYPE: ClassVar[str] = "retract"
    event: str
    reason: str


F = TypeVar("F", bound=Fact)

FACT_TYPES: dict[str, type[Fact]] = {
    cls.TYPE: cls
    for cls in (Establish, Rename, Move, Split, Merge, Dissolve, Appoint, StepDown, Retract)
}


def build_fact(type_name: str, own: dict[str, Any], **common: Any) -> Fact:
    """A fact from its stored form: the type, its own fields as plain data, the common fields."""
    cls = FACT_TYPES[type_name]
    own = dict(own)
    if cls is Split:
        own["into"] = tuple(NewUnit(**p) for p in own["into"])
        own["children"] = tuple((c, p) for c, p in own["children"])
    elif cls is Merge:
        own["units"] = tuple(own["units"])
        own["new_unit"] = NewUnit(**own["new_unit"]) if own.get("new_unit") else None
    return cls(**common, **own)


def with_seq(fact: F, seq: int) -> F:
    """`fact` at another append position (what `dataclasses.replace` does, much faster)."""
    return _copy_with(fact, seq=seq)


def with_id(fact: F, event_id: str) -> F:
    """`fact` under another id."""
    return _copy_with(fact, id=event_id)


def _copy_with(fact: F, **changes: Any) -> F:
    # A frozen dataclass without __post_init__: copying its __dict__ is what replace()
    # would build, without re-running __init__ on every field.
    new = object.__new__(type(fact))
    new.__dict__.update(fact.__dict__)
    new.__dict__.update(changes)
    return new


def derive_id(fact: Fact) -> str:
    """A stable id from the type, the date and the event's own fields."""
    digest = hashlib.sha256(canonical_json(fact.identity())).hexdigest()[:10]
    return f"{fact.TYPE}-{fact.date}-{digest}" if fact.date else f"{fact.TYPE}-{digest}"


def units_named(fact: Fact) -> list[str]:
    """Every unit id an event mentions (for `log --unit` and lineage)."""
    match fact:
        case Establish(unit=u, parent=p) | Move(unit=u, parent=p):
            return [u] + ([p] if p else [])
        case Split(unit=u, into=parts, children=children):
            return [u, *(p.unit for p in parts), *(c for c, _ in children)]
        case Merge(units=us, into=t):
            return [*us, t]
        case Dissolve(unit=u, children_to=c):
            return [u] + ([c] if c else [])
        case Rename(unit=u) | Appoint(unit=u) | StepDown(unit=u):
            return [u]
    return []


def _field_items(obj: Any) -> list[tuple[str, Any]]:
    return [(name, getattr(obj, name)) for name in _field_names(type(obj))]  # type: ignore[arg-type]


@cache
def _field_names(cls: Any) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


@cache
def _own_names(cls: Any) -> tuple[str, ...]:
    return tuple(n for n in _field_names(cls) if n not in Fact.COMMON)


def _plain(value: Any) -> Any:
    if isinstance(value, NewUnit):
        return value.to_dict()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value
