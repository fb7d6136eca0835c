"""The event types of `orgchart/v1`, each declared once: one immutable class per type.

A declaration is one of the classes below. It gives the type's name in files
(`TYPE`), the name of its stored class (`STORED`: `OrgHistory.<STORED>`, built
from the declaration in `orgchart.domain.history`), whether it has an effective
date (`DATED`), its own fields with their defaults (a field without a default
is required in a file), the units and people it names, the units it creates,
and, only where a file writes a field in a shape of its own, how (`file_problem`,
`own_from_file`, `own_to_file`, `file_fields`).

Everything else is derived from the declarations in `FACT_TYPES`: reading a
file (`from_file`), the stored classes and the codec (`orgchart.domain.codec`),
the query tables' rows (`from_plain`), the export (`to_file`), the snapshot
import's checks. The other places a type is written are its rule in the replay
(`orgchart.domain.rules`), its sentences (`orgchart.presentation.sentences`)
and its entry in the JSON Schema (`events/orgchart-v1.schema.json`, checked
against these declarations by `tests/unit/test_event_types.py`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from functools import cache, lru_cache
from typing import Any, ClassVar, Self, TypeVar, get_type_hints

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
    aliases: tuple[str, ...] | None = None  # as on `establish`; None when none are given

    def __post_init__(self) -> None:
        # a list read from a file or the store; empty is the same as none (and left out of
        # the stored form, so a new unit without aliases is stored as before they existed)
        if self.aliases is not None:
            object.__setattr__(self, "aliases", tuple(self.aliases) or None)

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in _field_items(self)
                if v is not None}


#: Every declared event type by its name in files, in declaration order.
FACT_TYPES: dict[str, type[Fact]] = {}


@dataclass(frozen=True, kw_only=True)
class Fact:
    """Fields every event has. `seq` is the append position (effective-order tiebreak).

    A subclass that sets `TYPE` declares an event type (see the module docstring).
    """

    TYPE: ClassVar[str] = ""
    STORED: ClassVar[str] = ""  # the stored class, `OrgHistory.<STORED>`: never renamed
    DATED: ClassVar[bool] = True  # has an effective `date` (required in a file)
    #: optional fields added after events of the type were first stored: left out of the
    #: plain (stored, hashed) form while empty, so older events keep their ids and chains
    LATER: ClassVar[frozenset[str]] = frozenset()

    id: str
    date: EffDate | None
    recorded: str
    sources: tuple[str, ...] = ()
    note: str | None = None
    seq: int = field(default=0, compare=False)

    COMMON: ClassVar[tuple[str, ...]] = ("id", "date", "recorded", "sources", "note", "seq")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "TYPE" in cls.__dict__:
            if cls.TYPE in FACT_TYPES:
                raise TypeError(f"event type '{cls.TYPE}' is declared twice")
            FACT_TYPES[cls.TYPE] = cls

    # -- what the event names -------------------------------------------------

    def mentions(self) -> list[str]:
        """Every unit id the event names (for `log --unit` and lineage)."""
        return []

    def creates(self) -> list[str]:
        """The unit ids the event brings into being."""
        return []

    def people_named(self) -> list[str]:
        """The person ids the event names (each must be defined under `people`)."""
        return []

    # -- its forms: in a file, in the store and the query tables ------------------

    @classmethod
    def file_problem(cls, raw: Mapping[str, Any]) -> str | None:
        """What is wrong with the event's file form beyond what the JSON Schema says."""
        return None

    @classmethod
    def file_fields(cls) -> dict[str, bool]:
        """The type's own fields in a file, each with whether it is required."""
        return {f.name: f.required for f in own_fields_of(cls)}

    @classmethod
    def own_from_file(cls, raw: Mapping[str, Any]) -> dict[str, Any]:
        """The own fields, as values, of the event's file form (already schema-checked)."""
        forms = _forms(cls)
        own = {name: raw[name] for name in forms.required}
        for name, default in forms.optional:
            own[name] = raw.get(name, default)
        for name, convert in forms.from_file:
            own[name] = convert(own[name])
        return own

    def own_to_file(self) -> dict[str, Any]:
        """The own fields as a file writes them: optional ones left out when empty."""
        plain = self.own_fields()
        out: dict[str, Any] = {}
        for f in own_fields_of(type(self)):
            value = plain.get(f.name)
            if f.form.to_file is not None:
                value = f.form.to_file(value)
            if f.required or not (value is None or value is False or value == {}):
                out[f.name] = value
        return out

    @classmethod
    def from_file(cls, raw: Mapping[str, Any], **common: Any) -> Self:
        """The event of a file's mapping (already schema-checked), with the common fields."""
        return _make(cls, common, cls.own_from_file(raw))

    @classmethod
    def from_plain(cls, own: Mapping[str, Any], *, keep_plain: bool = False,
                   **common: Any) -> Self:
        """The event of its own fields as plain data (`own_fields()`, the stored form).

        With `keep_plain`, `own_fields()` is seeded from `own` (JSON-decoded data, that
        the caller no longer changes) rather than computed again from the values on its
        first call: each field's plain value is `own`'s where converting it and back
        gives the same data (`_Forms.kept`), else computed as `own_fields()` does."""
        return cls.of_plain(own, {**_COMMON_DEFAULTS, **common}, keep_plain)

    @classmethod
    def of_plain(cls, own: Mapping[str, Any], common: Mapping[str, Any],
                 keep_plain: bool = False) -> Self:
        """`from_plain` with every common field given in `common`, in the order the
        event's fields take (`_COMMON_DEFAULTS`'s, then `id`, `date`, `recorded`): a
        reader making one event per log entry (`codec.fact_of_state`) passes them as one
        dict, without keyword arguments to gather nor defaults to merge."""
        forms = _forms(cls)
        values = {name: own[name] for name in forms.always}
        for name in forms.later:
            values[name] = own.get(name)
        for name, convert in forms.from_plain:
            values[name] = convert(values[name])
        fact = object.__new__(cls)  # as `_make`
        fields = fact.__dict__
        fields.update(common)
        fields.update(values)
        if keep_plain:
            if forms.plain_as_read:  # every value is its own plain form, in order
                fields["_own"] = values
                return fact
            later = cls.LATER
            # what `own_fields()` computes: the values (for most fields the data given),
            # in declaration order, later ones left out while empty ...
            plain = {k: values[k] for k in forms.names if k not in later or values[k] is not None}
            for name, kept in forms.converted:  # ... with those read into another form back
                if name in plain:
                    given = own.get(name)
                    plain[name] = given if kept is _GIVEN_LIST and type(given) is list \
                        and given else _plain(plain[name])
            fields["_own"] = plain
        return fact

    # -- the rest ---------------------------------------------------------------

    @property
    def recorded_day(self) -> dt.date:
        return recorded_day(self.recorded)

    @property
    def day(self) -> dt.date:
        assert self.date is not None, "a retraction has no effective date"
        return self.date.day

    def own_fields(self) -> dict[str, Any]:
        """The type's own fields (everything but the common ones), as plain data (a new dict)."""
        values = self.__dict__
        own = values.get("_own")
        if own is None:  # computed once (the fields never change); not a dataclass field
            forms, later = _forms(type(self)), self.LATER
            own = {k: values[k] for k in forms.names if k not in later or values[k] is not None}
            for name, _ in forms.from_plain:  # the only fields whose values are not plain
                if name in own:  # (tuples, `NewUnit`s): a str, int or bool is its own
                    own[name] = _plain(own[name])
            values["_own"] = own
        return dict(own)

    def plain_fields(self) -> Mapping[str, Any]:
        """`own_fields()` without the copy: the event's own cached mapping, only to read
        (to encode it, say), never to change."""
        own = self.__dict__.get("_own")
        return own if own is not None else self.own_fields()

    def identity(self) -> dict[str, Any]:
        """What the derived id hashes: type, date and own fields."""
        return {"type": self.TYPE, "date": str(self.date) if self.date else None,
                **self.plain_fields()}

    def content(self) -> dict[str, Any]:
        """What must match when an id is already recorded: all but `recorded` and `seq`."""
        return {**self.identity(), "sources": list(self.sources), "note": self.note}

    def label(self) -> str:
        """`(type, date)` as used in error messages."""
        return f"({self.TYPE}, {self.date})" if self.date else f"({self.TYPE})"


# -- the declarations ---------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Establish(Fact):
    TYPE: ClassVar[str] = "establish"
    STORED: ClassVar[str] = "UnitEstablished"
    unit: str
    name: str
    name_en: str | None = None
    kind: str | None = None
    parent: str | None = None
    #: other names the unit is known by (short names, old spellings): any command that
    #: takes a unit accepts them; None when the event gives none
    aliases: tuple[str, ...] | None = None
    order: int | None = None  # display order among siblings (lower first); None: by name
    LATER: ClassVar[frozenset[str]] = frozenset({"aliases", "order"})

    def mentions(self) -> list[str]:
        return [self.unit] + ([self.parent] if self.parent else [])

    def creates(self) -> list[str]:
        return [self.unit]


#: The rule that a rename must change something, in words.
RENAME_NEEDS = "a rename needs `name`, `name_en`, `kind`, `order` or `aliases`"


@dataclass(frozen=True, kw_only=True)
class Rename(Fact):
    TYPE: ClassVar[str] = "rename"
    STORED: ClassVar[str] = "UnitRenamed"
    unit: str
    name: str | None = None
    name_en: str | None = None
    kind: str | None = None  # a change of kind (an office becoming an agency); None: unchanged
    aliases: tuple[str, ...] | None = None  # more names the unit is known by (see Establish)
    order: int | None = None  # a new display order among siblings; None: unchanged
    LATER: ClassVar[frozenset[str]] = frozenset({"kind", "aliases", "order"})

    def mentions(self) -> list[str]:
        return [self.unit]

    @classmethod
    def file_problem(cls, raw: Mapping[str, Any]) -> str | None:
        if all(raw.get(k) is None for k in ("name", "name_en", "kind", "order")) \
                and not raw.get("aliases"):
            return RENAME_NEEDS
        return None


@dataclass(frozen=True, kw_only=True)
class Move(Fact):
    TYPE: ClassVar[str] = "move"
    STORED: ClassVar[str] = "UnitMoved"
    unit: str
    parent: str | None  # required: `null` makes the unit a root
    order: int | None = None  # a new display order among its new siblings; None: unchanged
    LATER: ClassVar[frozenset[str]] = frozenset({"order"})

    def mentions(self) -> list[str]:
        return [self.unit] + ([self.parent] if self.parent else [])


@dataclass(frozen=True, kw_only=True)
class Split(Fact):
    TYPE: ClassVar[str] = "split"
    STORED: ClassVar[str] = "UnitSplit"
    unit: str
    into: tuple[NewUnit, ...]
    children: tuple[tuple[str, str], ...] = ()  # (child, part); a mapping in a file
    keep: bool = False

    def mentions(self) -> list[str]:
        return [self.unit, *(p.unit for p in self.into), *(c for c, _ in self.children)]

    def creates(self) -> list[str]:
        return [p.unit for p in self.into]


@dataclass(frozen=True, kw_only=True)
class Merge(Fact):
    TYPE: ClassVar[str] = "merge"
    STORED: ClassVar[str] = "UnitsMerged"
    units: tuple[str, ...]
    into: str
    new_unit: NewUnit | None = None  # set when `into` is a new unit

    def mentions(self) -> list[str]:
        return [*self.units, self.into]

    def creates(self) -> list[str]:
        return [self.new_unit.unit] if self.new_unit else []

    # In a file, `into` is an existing unit's id or a new unit ({unit, name, ...}).

    @classmethod
    def file_fields(cls) -> dict[str, bool]:
        return {"units": True, "into": True}

    @classmethod
    def own_from_file(cls, raw: Mapping[str, Any]) -> dict[str, Any]:
        into = raw["into"]
        new = NewUnit(**into) if isinstance(into, Mapping) else None
        return {"units": tuple(raw["units"]), "into": new.unit if new else into,
                "new_unit": new}

    def own_to_file(self) -> dict[str, Any]:
        return {"units": list(self.units),
                "into": self.new_unit.to_dict() if self.new_unit else self.into}


@dataclass(frozen=True, kw_only=True)
class Dissolve(Fact):
    TYPE: ClassVar[str] = "dissolve"
    STORED: ClassVar[str] = "UnitDissolved"
    unit: str
    children_to: str | None = None

    def mentions(self) -> list[str]:
        return [self.unit] + ([self.children_to] if self.children_to else [])


@dataclass(frozen=True, kw_only=True)
class Appoint(Fact):
    TYPE: ClassVar[str] = "appoint"
    STORED: ClassVar[str] = "LeaderAppointed"
    unit: str
    person: str
    role: str = "head"
    title: str | None = None

    def mentions(self) -> list[str]:
        return [self.unit]

    def people_named(self) -> list[str]:
        return [self.person]


@dataclass(frozen=True, kw_only=True)
class StepDown(Fact):
    TYPE: ClassVar[str] = "step_down"
    STORED: ClassVar[str] = "LeaderSteppedDown"
    unit: str
    person: str
    role: str | None = None

    def mentions(self) -> list[str]:
        return [self.unit]

    def people_named(self) -> list[str]:
        return [self.person]


@dataclass(frozen=True, kw_only=True)
class Retract(Fact):
    TYPE: ClassVar[str] = "retract"
    STORED: ClassVar[str] = "EventRetracted"
    DATED: ClassVar[bool] = False
    event: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class Annotate(Fact):
    """A `note` and/or `sources` added to an event already recorded (`event`, its id).

    Like a retraction it has no effective date: it changes no chart, only what is
    shown with the event it annotates, from its recorded time on (a retraction of
    the annotation takes it back). The note and sources are the common fields;
    being the annotation's content, they count in its derived id, so two
    different annotations of one event get two ids.
    """

    TYPE: ClassVar[str] = "annotate"
    STORED: ClassVar[str] = "EventAnnotated"
    DATED: ClassVar[bool] = False
    event: str

    @classmethod
    def file_problem(cls, raw: Mapping[str, Any]) -> str | None:
        if raw.get("note") is None and not raw.get("source"):
            return "an annotation needs `note` and/or `source`"
        return None

    def plain_fields(self) -> Mapping[str, Any]:
        """`own_fields()` without the copy: the event's own cached mapping, only to read
        (to encode it, say), never to change."""
        own = self.__dict__.get("_own")
        return own if own is not None else self.own_fields()

    def identity(self) -> dict[str, Any]:
        return {**super().identity(), "sources": list(self.sources), "note": self.note}


# -- transfer: a function moves between two units that both continue ----------------


@dataclass(frozen=True, kw_only=True)
class Transfer(Fact):
    """A function or responsibility (`what`) moves from one unit to another; both continue.

    In a file the two units are `from` and `to` (Python keywords, hence the stored
    `from_unit` and `to_unit`); `function` is the optional id of the function (the
    event's own `id` is taken); `units` are children of `from` that move under `to`.
    """

    TYPE: ClassVar[str] = "transfer"
    STORED: ClassVar[str] = "FunctionTransferred"
    from_unit: str
    to_unit: str
    what: str
    function: str | None = None
    units: tuple[str, ...] = ()

    def mentions(self) -> list[str]:
        return [self.from_unit, self.to_unit, *self.units]

    @classmethod
    def file_fields(cls) -> dict[str, bool]:
        return {"from": True, "to": True, "what": True, "function": False, "units": False}

    @classmethod
    def own_from_file(cls, raw: Mapping[str, Any]) -> dict[str, Any]:
        return {"from_unit": raw["from"], "to_unit": raw["to"], "what": raw["what"],
                "function": raw.get("function"), "units": tuple(raw.get("units") or ())}

    def own_to_file(self) -> dict[str, Any]:
        out: dict[str, Any] = {"from": self.from_unit, "to": self.to_unit, "what": self.what}
        if self.function is not None:
            out["function"] = self.function
        if self.units:
            out["units"] = list(self.units)
        return out


# -- derived from the declarations ------------------------------------------------------

F = TypeVar("F", bound=Fact)


def build_fact(type_name: str, own: Mapping[str, Any], **common: Any) -> Fact:
    """A fact from its stored form: the type, its own fields as plain data, the common fields."""
    return FACT_TYPES[type_name].from_plain(own, **common)


def units_named(fact: Fact) -> list[str]:
    """Every unit id an event mentions (for `log --unit` and lineage)."""
    return fact.mentions()


def units_in(type_name: str, own: Mapping[str, Any]) -> list[str]:
    """Every unit id an event of `type_name` mentions, from its own fields as plain data
    (other keys of `own` are ignored)."""
    return FACT_TYPES[type_name].from_plain(own, id="", date=None, recorded="").mentions()


def with_seq(fact: F, seq: int) -> F:
    """`fact` at another append position (what `dataclasses.replace` does, much faster)."""
    return _copy_with(fact, seq=seq)


def with_id(fact: F, event_id: str) -> F:
    """`fact` under another id."""
    return _copy_with(fact, id=event_id)


def set_id(fact: Fact, event_id: str) -> None:
    """Give a just-made event (`from_file`, that no one else holds yet) its id, in place:
    the value `with_id` would copy it into, without the copy (a load makes one per
    event). The id is no part of what `own_fields` or `identity` cache."""
    fact.__dict__["id"] = event_id


def _copy_with(fact: F, **changes: Any) -> F:
    # A frozen dataclass without __post_init__: copying its __dict__ is what replace()
    # would build, without re-running __init__ on every field. The fields are set one by
    # one in their order, so the copy's __dict__ shares its keys with every other event of
    # its type as __init__'s does (280 bytes instead of 464: a load holds every event).
    new = object.__new__(type(fact))
    setattr_ = object.__setattr__
    for k, v in fact.__dict__.items():
        setattr_(new, k, changes.pop(k) if k in changes else v)
    for k, v in changes.items():
        setattr_(new, k, v)
    return new


def derive_id(fact: Fact) -> str:
    """A stable id from the type, the date and the event's own fields."""
    digest = hashlib.sha256(canonical_json(fact.identity())).hexdigest()[:10]
    return f"{fact.TYPE}-{fact.date}-{digest}" if fact.date else f"{fact.TYPE}-{digest}"


# -- the forms of a field's value ----------------------------------------------------------


@dataclass(frozen=True)
class ValueForm:
    """How a field of one value type is written: stored, as plain data, in a file.

    `from_plain` turns the plain (stored, JSON) value into the field's value,
    `from_file` a file's value, `to_file` the plain value into a file's; None
    where the value is written as it is.
    """

    stored: str  # the annotation of the field on the stored class
    from_plain: Callable[[Any], Any] | None = None
    from_file: Callable[[Any], Any] | None = None
    to_file: Callable[[Any], Any] | None = None


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)  # a file's 3.0 is the integer 3


def _new_units(parts: Any) -> tuple[NewUnit, ...]:
    return tuple(NewUnit(**p) for p in parts)


def _new_unit_or_none(value: Any) -> NewUnit | None:
    return NewUnit(**value) if value else None


def _names_or_none(value: Any) -> tuple[str, ...] | None:
    return tuple(value) if value else None  # an empty list is the same as none


def _pairs(pairs: Any) -> tuple[tuple[str, str], ...]:
    return tuple((a, b) for a, b in pairs)


def _pairs_of_mapping(mapping: Any) -> tuple[tuple[str, str], ...]:
    return tuple(mapping.items()) if mapping else ()


#: The value types an event's own field may have, by type annotation.
VALUE_FORMS: dict[Any, ValueForm] = {
    str: ValueForm("str"),
    str | None: ValueForm("str | None"),
    bool: ValueForm("bool"),
    int | None: ValueForm("int | None", None, _int_or_none),
    tuple[str, ...]: ValueForm("list[str]", tuple, tuple),
    # a LATER list (`aliases`): None, never empty, so that leaving it out changes nothing
    tuple[str, ...] | None: ValueForm("list[str] | None", _names_or_none, _names_or_none),
    NewUnit | None: ValueForm("dict[str, Any] | None", _new_unit_or_none, _new_unit_or_none),
    tuple[NewUnit, ...]: ValueForm("list[dict[str, Any]]", _new_units, _new_units),
    # a mapping (child -> part) in a file; a list of pairs in the store
    tuple[tuple[str, str], ...]: ValueForm("list[list[str]]", _pairs, _pairs_of_mapping, dict),
}


@dataclass(frozen=True)
class OwnField:
    """One of a type's own fields: its name, whether a file must give it, its default."""

    name: str
    required: bool
    default: Any
    form: ValueForm


def own_fields_of(cls: type[Fact]) -> tuple[OwnField, ...]:
    """The declared own fields of an event type, in declaration order."""
    return _forms(cls).fields


@dataclass(frozen=True)
class _Forms:
    """An event type's own fields, and the same arranged for reading values fast."""

    fields: tuple[OwnField, ...]
    names: tuple[str, ...]
    required: tuple[str, ...]
    optional: tuple[tuple[str, Any], ...]  # (name, default)
    from_plain: tuple[tuple[str, Callable[[Any], Any]], ...]
    from_file: tuple[tuple[str, Callable[[Any], Any]], ...]
    #: the fields read into another form than the plain data given (`from_plain`), each
    #: with how `from_plain(keep_plain=True)` finds its plain value: as given when that is
    #: a non-empty list (one read as a tuple: it comes back as the same list; an empty one
    #: may be read as None), else computed. A field read as given is its own plain value
    #: (`_plain` of JSON data is itself: JSON gives no tuples or `NewUnit`s).
    converted: tuple[tuple[str, object], ...]
    always: tuple[str, ...]  # the names not in LATER (always stored), in order
    later: tuple[str, ...]  # those in LATER
    #: the values read from plain data are that data, in declaration order (no field is
    #: converted, none is LATER): `from_plain(keep_plain=True)` keeps them as they are
    plain_as_read: bool


_GIVEN_LIST, _COMPUTED = object(), object()


def _kept(form: ValueForm) -> object:
    return _GIVEN_LIST if form.from_plain is tuple or form.from_plain is _names_or_none \
        else _COMPUTED


_FORMS: dict[type[Fact], _Forms] = {}


def _forms(cls: type[Fact]) -> _Forms:
    forms = _FORMS.get(cls)
    if forms is None:
        hints = get_type_hints(cls)
        own: list[OwnField] = []
        for f in fields(cls):
            if f.name not in Fact.COMMON:
                required = f.default is MISSING and f.default_factory is MISSING
                own.append(OwnField(f.name, required, None if required else f.default,
                                    VALUE_FORMS[hints[f.name]]))
        forms = _FORMS[cls] = _Forms(
            tuple(own), tuple(f.name for f in own), tuple(f.name for f in own if f.required),
            tuple((f.name, f.default) for f in own if not f.required),
            tuple((f.name, f.form.from_plain) for f in own if f.form.from_plain),
            tuple((f.name, f.form.from_file) for f in own if f.form.from_file),
            tuple((f.name, _kept(f.form)) for f in own if f.form.from_plain),
            tuple(f.name for f in own if f.name not in cls.LATER),
            tuple(f.name for f in own if f.name in cls.LATER),
            not cls.LATER and not any(f.form.from_plain for f in own))
    return forms


_COMMON_DEFAULTS = {"sources": (), "note": None, "seq": 0}


def _make(cls: type[F], common: Mapping[str, Any], own: Mapping[str, Any]) -> F:
    """`cls(**common, **own)` for values already checked, without the frozen dataclass's
    __init__ (which sets each field through object.__setattr__): loads build an event
    value per event. `common` needs `id`, `date` and `recorded`."""
    fact = object.__new__(cls)
    values = fact.__dict__
    values.update(_COMMON_DEFAULTS)
    values.update(common)
    values.update(own)
    return fact


def _field_items(obj: Any) -> list[tuple[str, Any]]:
    return [(name, getattr(obj, name)) for name in _field_names(type(obj))]  # type: ignore[arg-type]


@cache
def _field_names(cls: Any) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def _plain(value: Any) -> Any:
    if isinstance(value, NewUnit):
        return value.to_dict()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value
