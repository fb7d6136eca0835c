"""The rules of a valid history, enforced by replaying events in effective order.

`replay()` walks the events by effective date (same date: append order),
checks every rule of SPEC §2 against the state on that date, and records the
result as valid-time intervals: unit versions, leader tenures and lineage
links. Those intervals are what the query tables store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from orgchart.domain.dates import EffDate
from orgchart.domain.errors import RuleViolation
from orgchart.domain.facts import (
    RENAME_NEEDS,
    Appoint,
    Dissolve,
    Establish,
    Fact,
    Merge,
    Move,
    NewUnit,
    Rename,
    Split,
    StepDown,
    Transfer,
)


@dataclass(slots=True)  # a load holds one per interval: no __dict__ each
class UnitVersion:
    """A unit's name, kind and parent during [valid_from, valid_to)."""

    unit: str
    valid_from: date
    valid_to: date | None
    name: str
    name_en: str | None
    kind: str | None
    parent: str | None
    event: str  # the event that made this version
    rowid: int | None = None  # set when the version came from the query tables (a seed)
    order: int | None = None  # display order among siblings (`order` on establish/rename/move)


@dataclass(slots=True)  # a load holds one per interval: no __dict__ each
class UnitLife:
    """When a unit began and ended, and the events that did it."""

    unit: str
    began: EffDate
    began_event: str
    began_how: str  # establish | split | merge
    ended: EffDate | None = None
    ended_event: str | None = None
    ended_how: str | None = None  # split | merge | dissolve
    rowid: int | None = None


@dataclass(slots=True)  # a load holds one per interval: no __dict__ each
class Tenure:
    """A person holding a role in a unit during [start, end)."""

    unit: str
    role: str
    person: str
    title: str | None
    start: EffDate
    start_event: str
    end: EffDate | None = None
    end_event: str | None = None
    rowid: int | None = None


@dataclass(frozen=True)
class LineageLink:
    """`source` became (part of) `target` through a split or merge event."""

    source: str
    target: str
    how: str  # split | merge | transfer (a function moved; both units continue)
    event: str
    date: EffDate


@dataclass(frozen=True)
class UnitAlias:
    """`alias` names `unit` (from `event`, effective `date`): an alias belongs to one unit
    for good, and is neither another unit's id nor another unit's alias (case-insensitively)."""

    unit: str
    alias: str
    event: str
    date: EffDate


def alias_key(alias: str) -> str:
    """What aliases and ids are compared by: case-insensitively."""
    return alias.casefold()


@dataclass
class Timeline:
    """The replayed history as valid-time intervals."""

    lives: dict[str, UnitLife] = field(default_factory=dict)
    versions: list[UnitVersion] = field(default_factory=list)
    tenures: list[Tenure] = field(default_factory=list)
    links: list[LineageLink] = field(default_factory=list)
    #: versions replaced on the day they were made: no day's chart shows them, but they
    #: say which event made which change (a rename and a move of one unit on one day)
    transient: list[UnitVersion] = field(default_factory=list)
    aliases: list[UnitAlias] = field(default_factory=list)


class _Kept:
    """Intervals a replay makes, appended to a list of the timeline (None: dropped)."""

    def __init__(self, items: list[Any] | None) -> None:
        self.append: Callable[[Any], None] = items.append if items is not None \
            else _drop
        self.keeps = items is not None  # whether what is appended goes anywhere

    def close(self, item: Any) -> None:
        pass

    def flush(self) -> None:
        pass


def _drop(item: Any) -> None:
    pass


class _HandedOn(_Kept):
    """Intervals a replay makes, handed to `out` with their place in the order made: at
    once, or (`closes`) once they have closed, or at the end (`flush`) those still open."""

    def __init__(self, kind: str, out: IntervalOut, closes: bool) -> None:
        super().__init__(None)
        self.keeps = True
        self.kind, self.out, self.closes = kind, out, closes
        self.open: dict[int, tuple[int, Any]] = {}  # id -> (place, item), while open
        self.made = 0
        self.append = self._append

    def _append(self, item: Any) -> None:
        if self.closes:
            self.open[id(item)] = (self.made, item)
        else:
            self.out(self.kind, self.made, item)
        self.made += 1

    def close(self, item: Any) -> None:
        n, _ = self.open.pop(id(item))
        self.out(self.kind, n, item)

    def flush(self) -> None:
        for n, item in self.open.values():
            self.out(self.kind, n, item)
        self.open.clear()


@dataclass
class Seed:
    """The state at the end of the day before a replay window starts.

    Lets a replay cover only the events from some date on: `versions` are the
    units alive then (their current versions), `lives` their lives, `tenures`
    the roles held then; `id_used` and `life_of` answer for units outside the
    window (ids are never reused; error messages say when a unit ended);
    `alias_owner` for aliases given before the window (by `alias_key`): their unit.
    """

    versions: list[UnitVersion]
    lives: list[UnitLife]
    tenures: list[Tenure]
    id_used: Callable[[str], bool]
    life_of: Callable[[str], UnitLife | None]
    alias_owner: Callable[[str], str | None] = lambda key: None


@dataclass
class _Current:
    name: str
    name_en: str | None
    kind: str | None
    parent: str | None
    version: UnitVersion
    order: int | None = None


def effective_order(facts: Iterable[Fact]) -> list[Fact]:
    """Events sorted by effective date, then append position (retractions and annotations,
    which have no effective date, dropped)."""
    return sorted((f for f in facts if f.DATED), key=lambda f: (f.day, f.seq))


#: Where a replay can hand its intervals instead of keeping them (`replay(out=...)`):
#: `out(kind, n, item)`, `kind` the Timeline list the item would be in ("versions",
#: "tenures", "links" or "aliases") or "lives" (a `UnitLife`, its place in the order of
#: `Timeline.lives`), `n` its place there. A version, a tenure or a life is handed on
#: once it has closed (those still open at the end, then); the lists' filters
#: (`shown_on_a_day`, `transient`, `held_a_day`) are then the receiver's to apply.
IntervalOut = Callable[[str, int, Any], None]


def shown_on_a_day(v: UnitVersion) -> bool:
    """Whether a version lasts a day at least (`Timeline.versions`)."""
    return v.valid_to is None or v.valid_to > v.valid_from


def transient(v: UnitVersion) -> bool:
    """Whether a version was replaced on the day it was made (`Timeline.transient`)."""
    return v.valid_to == v.valid_from


def held_a_day(t: Tenure) -> bool:
    """Whether a tenure lasts a day at least (`Timeline.tenures`)."""
    return t.end is None or t.end.day > t.start.day


def replay(facts: Iterable[Fact], seed: Seed | None = None, ordered: bool = False,
           keep: bool = True, out: IntervalOut | None = None) -> Timeline:
    """Replay events (any order; they are sorted, unless `ordered` says they come in
    effective order already, which then reads them one at a time) and return the timeline.
    Unless `keep`, only the rules are checked: the timeline returned is empty; with
    `out`, the intervals and the units' lives are handed to `out` as they close
    (`IntervalOut`), not kept either (the timeline returned is then empty too).

    With a `seed`, the replay starts from that state; the events must then all
    fall on or after the seed's day. Raises RuleViolation naming the first
    event that breaks a rule.
    """
    r = _Replay(seed, keep, out)
    for fact in facts if ordered else effective_order(facts):
        r.apply(fact)
    return r.finish()


def replay_states(facts: Iterable[Fact], counts: Sequence[Callable[[Fact], bool]],
                  out: IntervalOut | None = None, ids: UnitIds | None = None
                  ) -> list[Timeline | RuleViolation]:
    """Replay several states of one history in one pass over its events, which come in
    effective order: state `i` is the events `counts[i]` accepts. The first state's
    timeline is kept (or its intervals handed to `out`), the others' rules only checked
    (`replay(keep=False)`); the unit ids they begin are kept in `ids` (a new `UnitIds` if
    None). Each state's result is its timeline or the RuleViolation that
    stopped it; once the first state fails, the others are not replayed further."""
    if ids is None:  # one index of the unit ids for every state's replay
        ids = UnitIds(len(counts))
    replays = [_Replay(None, True, out, ids.of(0)),
               *(_Replay(None, False, ids=ids.of(i)) for i in range(1, len(counts)))]
    failed: list[RuleViolation | None] = [None] * len(replays)
    live = list(zip(range(len(replays)), replays, counts, strict=True))
    for fact in facts:
        for entry in live:
            i, r, counted = entry
            if counted(fact):
                try:
                    r.apply(fact)
                except RuleViolation as e:
                    failed[i] = e
                    live = [x for x in live if x is not entry]
        if failed[0] is not None:
            break
    return [e if e is not None else r.finish() for r, e in zip(replays, failed, strict=True)]


#: A unit id's state in one replay (`UnitIds`): never begun, begun and not ended, or ended
#: (`ENDED` + its place among the ends).
UNUSED, OPEN, ENDED = 0, 1, 2


class UnitIds:
    """Every unit id the replays of one pass have begun, and how each replay's unit ended
    if it has (what the rules read of an ended unit: ids are never reused, and an error
    says when and how it ended): one dict for every replay (a load checks the latest
    state and maybe earlier ones in one pass, each beginning mostly the same 280,000 units
    of a million events), each id's row of states one shared tuple per combination."""

    def __init__(self, replays: int) -> None:
        self.rows: dict[str, tuple[int, ...]] = {}
        self._interned: dict[tuple[int, ...], tuple[int, ...]] = {}
        self._end_at: dict[tuple[EffDate, str], int] = {}
        self._ends: list[tuple[EffDate, str]] = []
        self._blank = (UNUSED,) * replays

    def of(self, replay: int) -> UnitIdsOf:
        return UnitIdsOf(self, replay)

    def row(self, unit: str) -> tuple[int, ...] | None:
        """The unit's states, one per replay (None: begun by none)."""
        return self.rows.get(unit)

    def put(self, unit: str, row: tuple[int, ...]) -> None:
        """Keep the unit's states (`row`, one shared tuple per combination)."""
        self.rows[unit] = row

    def state(self, replay: int, unit: str) -> int:
        row = self.row(unit)
        return UNUSED if row is None else row[replay]

    def ended(self, replay: int, unit: str) -> tuple[EffDate, str] | None:
        """When and how the unit ended in that replay (None: not begun, or not ended)."""
        state = self.state(replay, unit)
        return self._ends[state - ENDED] if state >= ENDED else None

    def set(self, replay: int, unit: str, ended: tuple[EffDate, str] | None) -> None:
        """The unit begun in that replay, and ended there (`ended`: when and how) or not."""
        if ended is None:
            state = OPEN
        else:
            state = self._end_at.get(ended, -1)
            if state < 0:
                state = self._end_at[ended] = len(self._ends) + ENDED
                self._ends.append(ended)
        row = self.row(unit) or self._blank
        if row[replay] == state:
            return
        new = (*row[:replay], state, *row[replay + 1:])
        self.put(unit, self._interned.setdefault(new, new))


@dataclass(frozen=True, slots=True)
class UnitIdsOf:
    """One replay's view of `UnitIds`."""

    ids: UnitIds
    replay: int

    def used(self, unit: str) -> bool:
        return self.ids.state(self.replay, unit) != UNUSED

    def ended(self, unit: str) -> tuple[EffDate, str] | None:
        return self.ids.ended(self.replay, unit)

    def begin(self, unit: str) -> None:
        self.ids.set(self.replay, unit, None)

    def end(self, unit: str, d: EffDate, how: str) -> None:
        self.ids.set(self.replay, unit, (d, how))


class _Replay:
    def __init__(self, seed: Seed | None = None, keep: bool = True,
                 out: IntervalOut | None = None, ids: UnitIdsOf | None = None) -> None:
        self.tl = Timeline()
        # what no rule reads: kept in the timeline's lists, handed on (`out`) or dropped
        self.versions, self.tenures, self.links, self.aliases = (
            _Kept(getattr(self.tl, kind)) if keep and out is None
            else _HandedOn(kind, out, closes) if keep and out is not None else _Kept(None)
            for kind, closes in (("versions", True), ("tenures", True), ("links", False),
                                 ("aliases", False)))
        self.alive: dict[str, _Current] = {}
        self.children: dict[str, set[str]] = {}
        self.roles: dict[tuple[str, str], Tenure] = {}
        self.unit_roles: dict[str, set[str]] = {}  # unit -> roles held in it
        self.alias_owners: dict[str, str] = {}  # alias_key -> unit, given in this replay
        self.seed = seed
        # the units' lives: kept whole in the timeline; or, by a replay that keeps no lives
        # (it only checks, or hands them on), only what the rules read of them: every id
        # begun, with how it ended if it has (`ids`, maybe shared with other replays), and
        # the lives still open (a load of a million events begins about 280,000 units)
        self.compact = not keep or out is not None
        self.ids = ids if ids is not None else UnitIds(1).of(0)
        self.open_lives: dict[str, UnitLife] = {}
        self.lives: _Kept = _HandedOn("lives", out, True) if keep and out is not None \
            else _Kept(None)
        if seed is not None:
            for life in seed.lives:
                self.keep_life(life)
            for v in seed.versions:
                self.tl.versions.append(v)
                self.alive[v.unit] = _Current(v.name, v.name_en, v.kind, v.parent, v, v.order)
                if v.parent is not None:
                    self.children.setdefault(v.parent, set()).add(v.unit)
            for t in seed.tenures:
                self.tl.tenures.append(t)
                self.hold(t)

    def keep_life(self, life: UnitLife) -> None:
        """Keep a unit's life, begun (and maybe ended) before what this replay reads."""
        if not self.compact:
            self.tl.lives[life.unit] = life
            return
        self.lives.append(life)
        if life.ended is None:
            self.ids.begin(life.unit)
            self.open_lives[life.unit] = life
        else:
            self.ids.end(life.unit, life.ended, life.ended_how or "")
            self.lives.close(life)

    def ended_of(self, unit: str) -> tuple[EffDate, str | None] | None:
        """When and how a unit ended (None: never begun, or not ended)."""
        if self.compact:
            if self.ids.used(unit):
                return self.ids.ended(unit)
            life = None
        else:
            life = self.tl.lives.get(unit)
        if life is None and self.seed is not None:
            life = self.seed.life_of(unit)
        return None if life is None or life.ended is None else (life.ended, life.ended_how)

    # -- state helpers -------------------------------------------------

    def finish(self) -> Timeline:
        self.versions.flush()
        self.tenures.flush()
        self.lives.flush()
        versions = self.tl.versions
        self.tl.versions = [v for v in versions if shown_on_a_day(v)]
        self.tl.transient = [v for v in versions if transient(v)]
        self.tl.tenures = [t for t in self.tl.tenures if held_a_day(t)]
        return self.tl

    def need_alive(self, unit: str, d: EffDate, what: str = "unit") -> _Current:
        cur = self.alive.get(unit)
        if cur is None:
            ended = self.ended_of(unit)
            if ended is not None:
                raise RuleViolation("", f"{what} '{unit}' does not exist on {d} "
                                        f"(it ended on {ended[0]}, {ended[1]})")
            raise RuleViolation("", f"{what} '{unit}' does not exist on {d}", missing_unit=unit)
        return cur

    def need_new_id(self, unit: str) -> None:
        if self.id_used(unit):
            raise RuleViolation("", f"unit id '{unit}' is already used (unit ids are never reused)")
        owner = self.alias_owner(alias_key(unit))
        if owner is not None and owner != unit:
            raise RuleViolation("", f"unit id '{unit}' is already an alias of unit '{owner}' "
                                    f"({_ALIAS_RULE})")

    def alias_owner(self, key: str) -> str | None:
        owner = self.alias_owners.get(key)
        if owner is None and self.seed is not None:
            owner = self.seed.alias_owner(key)
        return owner

    def id_used(self, unit: str) -> bool:
        return (self.ids.used(unit) if self.compact else unit in self.tl.lives) or (
            self.seed is not None and self.seed.id_used(unit))

    def add_aliases(self, unit: str, aliases: Sequence[str] | None, d: EffDate,
                    event: str) -> None:
        for alias in aliases or ():
            key = alias_key(alias)
            if key != unit and self.id_used(key):
                raise RuleViolation("", f"alias '{alias}' of unit '{unit}' is the id of unit "
                                        f"'{key}' ({_ALIAS_RULE})")
            owner = self.alias_owner(key)
            if owner is not None and owner != unit:
                raise RuleViolation("", f"alias '{alias}' of unit '{unit}' is already an "
                                        f"alias of unit '{owner}' ({_ALIAS_RULE})")
            self.alias_owners[key] = unit
            self.aliases.append(UnitAlias(unit, alias, event, d))

    def is_within(self, unit: str, ancestor: str) -> bool:
        """True when `unit` is `ancestor` or one of its descendants."""
        cur: str | None = unit
        for _ in range(len(self.alive) + 2):  # a walk longer than that is in a cycle
            if cur is None:
                return False
            if cur == ancestor:
                return True
            cur = self.alive[cur].parent if cur in self.alive else None
        raise _cycle(unit)

    def set_version(self, unit: str, d: EffDate, event: str, *, name: str, name_en: str | None,
                    kind: str | None, parent: str | None, order: int | None = None) -> None:
        cur = self.alive.get(unit)
        if cur is not None:
            cur.version.valid_to = d.day
            self.versions.close(cur.version)
            old_parent = cur.parent
            if old_parent != parent and old_parent is not None:
                self.children[old_parent].discard(unit)
        else:
            old_parent = None
        if parent is not None and (cur is None or old_parent != parent):
            self.children.setdefault(parent, set()).add(unit)
        v = UnitVersion(unit, d.day, None, name, name_en, kind, parent, event, order=order)
        self.versions.append(v)
        self.alive[unit] = _Current(name, name_en, kind, parent, v, order)

    def reparent(self, unit: str, parent: str | None, d: EffDate, event: str,
                 order: int | None = None) -> None:
        """`unit` under `parent`, keeping its display order unless given another."""
        c = self.alive[unit]
        self.set_version(unit, d, event, name=c.name, name_en=c.name_en, kind=c.kind,
                         parent=parent, order=order if order is not None else c.order)

    def begin(self, new: NewUnit | Establish, parent: str | None, d: EffDate, event: str,
              how: str) -> None:
        if not self.compact:
            self.tl.lives[new.unit] = UnitLife(new.unit, d, event, how)
        else:
            self.ids.begin(new.unit)
            if self.lives.keeps:
                life = self.open_lives[new.unit] = UnitLife(new.unit, d, event, how)
                self.lives.append(life)
        self.set_version(new.unit, d, event, name=new.name, name_en=new.name_en, kind=new.kind,
                         parent=parent, order=new.order if isinstance(new, Establish) else None)

    def end(self, unit: str, d: EffDate, event: str, how: str) -> None:
        cur = self.alive.pop(unit)
        cur.version.valid_to = d.day
        self.versions.close(cur.version)
        if cur.parent is not None:
            self.children[cur.parent].discard(unit)
        self.children.pop(unit, None)
        if not self.compact:
            life = self.tl.lives[unit]
            life.ended, life.ended_event, life.ended_how = d, event, how
        else:
            self.ids.end(unit, d, how)
            if self.lives.keeps:
                life = self.open_lives.pop(unit)
                life.ended, life.ended_event, life.ended_how = d, event, how
                self.lives.close(life)
        for key in [(unit, r) for r in sorted(self.unit_roles.get(unit, ()))]:
            self.close_tenure(key, d, event)

    def hold(self, t: Tenure) -> None:
        self.roles[(t.unit, t.role)] = t
        self.unit_roles.setdefault(t.unit, set()).add(t.role)

    def close_tenure(self, key: tuple[str, str], d: EffDate, event: str) -> None:
        t = self.roles.pop(key)
        roles = self.unit_roles[key[0]]
        roles.discard(key[1])
        if not roles:  # no empty set kept for each unit that ended or has no leader now
            del self.unit_roles[key[0]]
        t.end, t.end_event = d, event
        self.tenures.close(t)

    def kids(self, unit: str) -> list[str]:
        return sorted(self.children.get(unit, ()))

    def need_parent(self, parent: str, d: EffDate) -> None:
        self.need_alive(parent, d, "parent")

    # -- the rules -------------------------------------------------------

    def apply(self, fact: Fact) -> None:
        try:
            self._apply(fact)
        except RuleViolation as e:
            raise RuleViolation(fact.id, e.rule, e.missing_unit) from None

    def _apply(self, fact: Fact) -> None:
        assert fact.date is not None
        d, eid = fact.date, fact.id
        match fact:
            case Establish():
                self.need_new_id(fact.unit)
                if fact.parent is not None:
                    self.need_parent(fact.parent, d)
                self.begin(fact, fact.parent, d, eid, "establish")
                self.add_aliases(fact.unit, fact.aliases, d, eid)
            case Rename():
                cur = self.need_alive(fact.unit, d)
                if (fact.name is None and fact.name_en is None and fact.kind is None
                        and fact.order is None and not fact.aliases):
                    raise RuleViolation("", RENAME_NEEDS)
                name, name_en, kind = renamed((cur.name, cur.name_en, cur.kind), fact)
                self.set_version(fact.unit, d, eid, name=name, name_en=name_en, kind=kind,
                                 parent=cur.parent,
                                 order=fact.order if fact.order is not None else cur.order)
                self.add_aliases(fact.unit, fact.aliases, d, eid)
            case Move():
                self.need_alive(fact.unit, d)
                if fact.parent is not None:
                    self.need_parent(fact.parent, d)
                    if self.is_within(fact.parent, fact.unit):
                        raise RuleViolation("", f"cannot move unit '{fact.unit}' under "
                                                f"'{fact.parent}', its own descendant")
                self.reparent(fact.unit, fact.parent, d, eid, fact.order)
            case Split():
                self._split(fact, d)
            case Merge():
                self._merge(fact, d)
            case Dissolve():
                self.need_alive(fact.unit, d)
                kids = self.kids(fact.unit)
                if kids and fact.children_to is None:
                    raise RuleViolation("", f"unit '{fact.unit}' has children on {d} "
                                            f"({', '.join(kids)}): `children_to` is required")
                if fact.children_to is not None:
                    self.need_alive(fact.children_to, d, "children_to unit")
                    if self.is_within(fact.children_to, fact.unit):
                        raise RuleViolation("", f"children_to '{fact.children_to}' is "
                                                f"'{fact.unit}' or one of its descendants")
                for k in kids:
                    self.reparent(k, fact.children_to, d, eid)
                self.end(fact.unit, d, eid, "dissolve")
            case Appoint():
                self.need_alive(fact.unit, d)
                key = (fact.unit, fact.role)
                held = self.roles.get(key)
                if held is not None:
                    if held.person == fact.person:
                        raise RuleViolation("", f"'{fact.person}' already holds role "
                                                f"'{fact.role}' in unit '{fact.unit}' on {d}")
                    self.close_tenure(key, d, eid)
                t = Tenure(fact.unit, fact.role, fact.person, fact.title, d, eid)
                self.hold(t)
                self.tenures.append(t)
            case StepDown():
                self.need_alive(fact.unit, d)
                if fact.role is not None:
                    held = self.roles.get((fact.unit, fact.role))
                    if held is None or held.person != fact.person:
                        raise RuleViolation("", f"'{fact.person}' does not hold role "
                                                f"'{fact.role}' in unit '{fact.unit}' on {d}")
                    self.close_tenure((fact.unit, fact.role), d, eid)
                else:
                    mine = sorted(r for r in self.unit_roles.get(fact.unit, ())
                                  if self.roles[(fact.unit, r)].person == fact.person)
                    if not mine:
                        raise RuleViolation("", f"'{fact.person}' holds no role in unit "
                                                f"'{fact.unit}' on {d}")
                    if len(mine) > 1:
                        raise RuleViolation("", f"'{fact.person}' holds several roles in unit "
                                                f"'{fact.unit}' on {d} ({', '.join(mine)}): "
                                                f"name the `role`")
                    self.close_tenure((fact.unit, mine[0]), d, eid)
            case Transfer():
                self._transfer(fact, d)
            case _:
                raise AssertionError(f"unexpected event {fact!r}")

    def _split(self, fact: Split, d: EffDate) -> None:
        src = self.need_alive(fact.unit, d)
        if len(fact.into) < 2 and not (fact.keep and len(fact.into) == 1):
            raise RuleViolation("", "a split needs at least two parts (or one with `keep: true`)")
        part_ids = [p.unit for p in fact.into]
        seen: set[str] = set()
        for p in fact.into:
            if p.unit in seen or p.unit == fact.unit:
                raise RuleViolation("", f"part '{p.unit}' is named twice in the split")
            seen.add(p.unit)
            self.need_new_id(p.unit)
            if p.parent is not None and p.parent not in part_ids:
                self.need_parent(p.parent, d)
                if not fact.keep and self.is_within(p.parent, fact.unit):
                    raise RuleViolation("", f"part '{p.unit}' cannot sit under '{p.parent}': "
                                            f"'{fact.unit}' ends in this split")
        kids = self.kids(fact.unit)
        for child, part in fact.children:
            if child not in kids:
                raise RuleViolation("", f"'{child}' is not a child of '{fact.unit}' on {d}")
            if part not in part_ids:
                raise RuleViolation("", f"child '{child}' is mapped to '{part}', "
                                        f"which is not a part of this split")
        mapped = dict(fact.children)
        if not fact.keep:
            unmapped = [k for k in kids if k not in mapped]
            if unmapped:
                raise RuleViolation("", f"children of '{fact.unit}' not mapped to a part: "
                                        f"{', '.join(unmapped)} (add them under `children`)")
        for p in fact.into:
            if p.parent is not None and any(self.is_within(p.parent, c) for c in mapped):
                raise RuleViolation("", f"part '{p.unit}' cannot sit under '{p.parent}', "
                                        f"which moves under a part of this split")
        for p in fact.into:  # parts placed under another part are created after it
            if p.parent is not None and p.parent in part_ids and \
                    part_ids.index(p.parent) >= part_ids.index(p.unit):
                raise RuleViolation("", f"part '{p.unit}' sits under part '{p.parent}', "
                                        f"which must be listed before it")
        for p in fact.into:
            self.begin(p, p.parent if p.parent is not None else src.parent, d, fact.id, "split")
            self.links.append(LineageLink(fact.unit, p.unit, "split", fact.id, d))
        for p in fact.into:  # once every part has begun: an alias may not be a part's id
            self.add_aliases(p.unit, p.aliases, d, fact.id)
        for child, part in fact.children:
            self.reparent(child, part, d, fact.id)
        if not fact.keep:
            self.end(fact.unit, d, fact.id, "split")

    def _merge(self, fact: Merge, d: EffDate) -> None:
        if not fact.units:
            raise RuleViolation("", "a merge needs at least one unit in `units`")
        if len(set(fact.units)) != len(fact.units):
            raise RuleViolation("", "a unit is listed twice in `units`")
        for u in fact.units:
            self.need_alive(u, d)
        ending = set(fact.units)
        if fact.new_unit is None:
            target = fact.into
            if target in ending:
                raise RuleViolation("", f"unit '{target}' cannot merge into itself")
            self.need_alive(target, d, "merge target")
            for u in fact.units:
                if self.is_within(target, u):
                    raise RuleViolation("", f"merge target '{target}' is a descendant of "
                                            f"'{u}', which ends in this merge")
        else:
            new = fact.new_unit
            self.need_new_id(new.unit)
            if new.parent is not None:
                self.need_parent(new.parent, d)
                for u in fact.units:
                    if self.is_within(new.parent, u):
                        raise RuleViolation("", f"new unit '{new.unit}' cannot sit under "
                                                f"'{new.parent}': '{u}' ends in this merge")
                parent: str | None = new.parent
            else:
                parent = merge_default_parent(fact.units, lambda u: self.alive[u].parent,
                                              self.is_within, limit=len(self.alive) + 1)
            self.begin(new, parent, d, fact.id, "merge")
            self.add_aliases(new.unit, new.aliases, d, fact.id)
            target = new.unit
        for u in fact.units:
            self.links.append(LineageLink(u, target, "merge", fact.id, d))
        for u in fact.units:
            for k in self.kids(u):
                if k not in ending:
                    self.reparent(k, target, d, fact.id)
        # end children before parents so the children index stays consistent
        for u in sorted(fact.units, key=lambda x: -self._depth(x)):
            self.end(u, d, fact.id, "merge")

    def _transfer(self, fact: Transfer, d: EffDate) -> None:
        self.need_alive(fact.from_unit, d, "transfer source")
        self.need_alive(fact.to_unit, d, "transfer target")
        if fact.from_unit == fact.to_unit:
            raise RuleViolation("", f"a transfer needs two units: '{fact.from_unit}' is both "
                                    f"`from` and `to`")
        if len(set(fact.units)) != len(fact.units):
            raise RuleViolation("", "a unit is listed twice in `units`")
        kids = self.kids(fact.from_unit)
        for u in fact.units:
            if u not in kids:
                raise RuleViolation("", f"'{u}' is not a child of '{fact.from_unit}' on {d}")
            if self.is_within(fact.to_unit, u):
                raise RuleViolation("", f"cannot move unit '{u}' under '{fact.to_unit}', "
                                        f"its own descendant")
        self.links.append(LineageLink(fact.from_unit, fact.to_unit, "transfer", fact.id, d))
        for u in fact.units:
            self.reparent(u, fact.to_unit, d, fact.id)

    def _depth(self, unit: str) -> int:
        n, cur = 0, self.alive[unit].parent
        while cur is not None and cur in self.alive:
            if n > len(self.alive):
                raise _cycle(unit)
            n, cur = n + 1, self.alive[cur].parent
        return n


#: A unit's name fields: (name, name_en, kind).
Names = tuple[str, str | None, str | None]


def renamed(before: Names, fact: Rename) -> Names:
    """A unit's name fields after `fact`: each field it gives, the others as `before`."""
    name, name_en, kind = before
    return (fact.name or name, fact.name_en if fact.name_en is not None else name_en,
            fact.kind if fact.kind is not None else kind)


@dataclass(frozen=True)
class UnitEnd:
    """How a unit's life ended: on `date`, by event `event` at append position `seq`."""

    date: EffDate
    seq: int
    event: str
    how: str


def replay_unit(unit: str, facts: Iterable[Fact], seed: Seed, end: UnitEnd | None) -> Timeline:
    """Replay events that read and change only `unit`'s own state (its names, its leaders)
    from `seed` (the unit as it stood at the end of some day), ending the unit where `end`
    falls among them in effective order, as the full replay would.

    The rules of a rename, an appointment and a step-down read nothing but the unit's
    life, names and leaders, and no other rule reads names or leaders, so these events
    succeed or fail here exactly as in a replay of the whole history.
    """
    r = _Replay(seed)
    ended = end is None
    for fact in effective_order(facts):
        if not ended and end is not None and (end.date.day, end.seq) < (fact.day, fact.seq):
            r.end(unit, end.date, end.event, end.how)
            ended = True
        r.apply(fact)
    if not ended and end is not None:
        r.end(unit, end.date, end.event, end.how)
    return r.finish()


def reads_children(fact: Fact) -> list[str]:
    """The units whose children an event's rules read (`_Replay.kids`): the unit a split
    or a dissolve ends, the units a merge ends, a transfer's source."""
    match fact:
        case Split() | Dissolve():
            return [fact.unit]
        case Merge():
            return list(fact.units)
        case Transfer():
            return [fact.from_unit]
    return []


def ends_apart_from_parent(fact: Fact, unit: str, below: set[str]) -> bool:
    """Whether `fact`, which ends `unit`, does so without reading the parent of `unit` (whose
    subtree is `below`): a dissolve; a merge whose new unit's place is not found by walking
    up from `unit` (`merge_default_parent`); a split whose parts all name their parent."""
    match fact:
        case Dissolve():
            return True
        case Merge():
            return fact.new_unit is None or fact.new_unit.parent is not None \
                or fact.units[0] not in below
        case Split():
            return all(p.parent is not None for p in fact.into)
    return False


def merge_default_parent(units: Sequence[str], parent_of: Callable[[str], str | None],
                         is_within: Callable[[str, str], bool],
                         limit: int | None = None) -> str | None:
    """Where a merge puts its new unit when the event names no parent: the first listed
    unit's parent, or its nearest ancestor that lives on outside every merging unit's
    subtree (else the new unit would sit under a unit that moves under it). A walk
    longer than `limit` steps means the parent links loop: an error, never a hang."""
    parent = parent_of(units[0])
    steps = 0
    while parent is not None and any(is_within(parent, u) for u in units):
        steps += 1
        if limit is not None and steps > limit:
            raise _cycle(units[0])
        parent = parent_of(parent)
    return parent


_ALIAS_RULE = "an alias may not be another unit's id or alias"


def _cycle(unit: str) -> RuleViolation:
    """A state whose parent links loop (a corrupt store): an error, never an endless walk."""
    return RuleViolation("", f"the parents above unit '{unit}' form a cycle "
                             f"(the stored state is inconsistent)")
