"""Validating new events against the history recorded so far, without replaying all of it.

New events change the timeline only from their earliest effective date `d0`
on (or, for a retraction, from the retracted event's date; an annotation, or a
retraction of one, changes no timeline). So the replay
starts from the state at the end of the day before `d0` (a `Seed`) and covers
only the counted events effective on or after `d0`: its cost follows the size
of the chart and the number of events in that window, not the length of the
history. Whoever keeps the history so far (the query tables,
`orgchart.adapters.readmodel.state`) supplies it through `HistorySoFar`.

Events that change only their unit's own state (renames, appointments, step-downs:
`OWN_STATE`) replay no window at all: each is replayed on its unit alone
(`unit_windows`), in every knowledge state it enters. A single back-dated move that
no later rule can tell apart (`local_move`) is checked from the units it involves; when
the moved unit later merges into a new unit placed by walking up from it, the new unit's
place is found again and followed in turn, until a place comes out as it was stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Protocol

from orgchart.domain.errors import RuleViolation
from orgchart.domain.facts import (
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
from orgchart.domain.knowledge import (
    Breach,
    blame,
    check_append,
    check_retractions_with,
    check_state,
)
from orgchart.domain.rules import (
    Seed,
    Timeline,
    UnitEnd,
    ends_apart_from_parent,
    merge_default_parent,
    reads_children,
    replay,
    replay_unit,
)


class HistorySoFar(Protocol):
    """What validation reads from the history recorded so far (its latest knowledge state)."""

    def fact(self, event_id: str) -> tuple[Fact, str | None] | None:
        """The recorded event with this id, and the id of its retraction if any."""

    def last_recorded_day(self) -> date | None:
        """The latest recorded day of any event (None: no events yet)."""

    def all_facts(self) -> list[Fact]:
        """Every recorded event, in append order."""

    def counted_from(self, d0: date) -> list[Fact]:
        """The events that count now and take effect on or after `d0`, in effective order."""

    def seed(self, d0: date) -> Seed:
        """The state at the end of the day before `d0`."""

    def state_key(self) -> object | None:
        """What identifies this history exactly (a store and its log position and chain
        hash), for keeping a window replay until the tables are updated; None: nothing."""

    def units_seed(self, units: set[str], day: date) -> Seed:
        """`unit_seed` of several units together."""

    def unit_seed(self, unit: str, day: date) -> Seed:
        """`unit` alone as it stood at the end of `day`: its version and leaders then, its
        life if it had begun (its end kept only if it ended by then)."""

    def unit_end(self, unit: str, after: date) -> UnitEnd | None:
        """How `unit` ended, if it was alive at the end of `after` and ended later."""

    def leader_events(self, unit: str, after: date) -> list[Fact]:
        """The appointments and step-downs in `unit` that count now and take effect after
        `after`, in effective order."""

    def recorded_days_from(self, first: date) -> list[date]:
        """The distinct recorded days of stored events, from `first` on."""

    def ancestors(self, unit: str, day: date) -> list[str]:
        """The units above `unit` at the end of `day`, nearest first."""

    def descendants(self, unit: str, day: date) -> set[str]:
        """The units below `unit` at the end of `day`."""

    def descendants_during(self, unit: str, day: date) -> set[str]:
        """The units that may be below `unit` at some point of `day`: through every link of
        that day (those alive at its start or end, those ending on it, those made and
        replaced on it). A superset of `descendants` on the day before and on `day`."""

    def next_parent_change(self, unit: str, after: date) -> tuple[date, str, str] | None:
        """After day `after`, the first change of `unit` that is not a rename: its day, the
        event and what it was (`version <type>` for a version that event made, `end <how>`
        for the unit's end); None: none."""

    def made_on(self, unit: str, day: date) -> set[str]:
        """The ids of the events that made a version of `unit` (lasting or not) on `day`."""

    def structure_between(self, units: set[str], after: date,
                          until: date | None) -> list[Fact]:
        """The counted events other than renames, appointments and step-downs, effective
        after `after` (up to the end of `until`), that name one of `units`."""

    def placed_under_between(self, units: set[str], after: date,
                             until: date | None) -> set[str]:
        """The ids of the events other than renames, appointments and step-downs,
        effective after `after` (up to the end of `until`), that made a version of a unit
        under one of `units`."""

    def made_version(self, unit: str, event: str) -> tuple[str | None, bool] | None:
        """The parent of the version of `unit` that `event` made, and whether it lasted past
        its first day (False: another change of the unit replaced it that day); None: no
        such version."""

    def leader_events_known(self, unit: str, k: date) -> list[Fact]:
        """Every appointment and step-down in `unit` that counts in the state known at the
        end of day `k`, in effective order."""

    def others_changed_after(self, units: set[str], k: date) -> bool:
        """Whether an event naming one of `units`, other than a rename, an appointment or
        a step-down, was recorded or retracted after day `k` (their lives may then differ
        between the state known on `k` and the latest)."""


@dataclass(frozen=True)
class Window:
    """A replay of the dates some new events change: from `start` on, `facts` gave
    `timeline` (seeded with the state the day before)."""

    start: date
    timeline: Timeline
    facts: list[Fact]


def window_start(history: HistorySoFar, new: Sequence[Fact]) -> date | None:
    """The earliest effective date the new events change (None: they change no timeline)."""
    days = [f.day for f in new if f.DATED]
    new_days = {f.id: f.day for f in new if f.DATED}
    for f in new:
        if not isinstance(f, Retract):
            continue
        if f.event in new_days:
            days.append(new_days[f.event])
            continue
        found = history.fact(f.event)
        if found is not None and found[0].date is not None:
            days.append(found[0].day)
    return min(days) if days else None


def _dropped(new: Sequence[Fact]) -> set[str]:
    """The events the new retractions retract."""
    return {f.event for f in new if isinstance(f, Retract)}


def _stored_from(history: HistorySoFar, d0: date, dropped: set[str]) -> list[Fact]:
    """The stored events that still count, effective on or after `d0`."""
    return [f for f in history.counted_from(d0) if f.id not in dropped]


def replay_window(history: HistorySoFar, new: Sequence[Fact]) -> Window | None:
    """Replay the window the new events change; None when they change no timeline.

    Raises RuleViolation for the first event (stored or new) that breaks a rule.
    """
    key = history.state_key()
    memo = (key, tuple((f.id, f.seq) for f in new)) if key is not None else None
    if memo is not None and memo in _WINDOWS:
        return _WINDOWS.pop(memo)
    d0 = window_start(history, new)
    if d0 is None:
        return None
    dropped = _dropped(new)
    facts = [*_stored_from(history, d0, dropped),
             *(f for f in new if f.DATED and f.id not in dropped)]
    window = Window(d0, replay(facts, history.seed(d0)), facts)
    if memo is not None:
        while len(_WINDOWS) >= _KEEP:
            del _WINDOWS[next(iter(_WINDOWS))]
        _WINDOWS[memo] = window
    return window


#: Window replays that validated new events, kept for the table update that follows
#: (which would otherwise replay the same window again), by the history's state and the
#: new events' ids and positions; each is taken out when used.
_WINDOWS: dict[tuple[object, tuple[tuple[str, int], ...]], Window] = {}
_KEEP = 2


#: The event types that change only their unit's own state, which no rule of another
#: unit reads: a rename (no rule reads names or kinds), an appointment and a step-down
#: (a unit's leaders are read only by its own later appointments and step-downs).
#: A rename that gives aliases is not one of them (the rule that an alias is no other
#: unit's id or alias reads every unit's aliases), nor one that gives an `order` (which
#: its later versions carry on: the window replay writes them).
OWN_STATE = (Rename, Appoint, StepDown)


def own_state_only(new: Sequence[Fact]) -> bool:
    """Whether every new event changes only its unit's own state (`OWN_STATE`)."""
    return bool(new) and all(
        isinstance(f, OWN_STATE)
        and not (isinstance(f, Rename) and (f.aliases or f.order is not None)) for f in new)


@dataclass(frozen=True)
class UnitWindow:
    """New events of one unit replayed on their own from the end of day `start`: one
    rename, or the unit's appointments and step-downs (`leaders`), with the unit's stored
    ones after `start`."""

    unit: str
    start: date
    facts: list[Fact]
    leaders: bool


def unit_windows(new: Sequence[Fact]) -> list[UnitWindow]:
    """The unit windows of new events that change only their unit's own state (renames
    in effective order: each one's window starts from the rows the earlier ones wrote)."""
    out: list[UnitWindow] = []
    leaders: dict[str, list[Fact]] = {}
    for f in sorted(new, key=lambda f: (f.day, f.seq)):
        if isinstance(f, Rename):
            out.append(UnitWindow(f.unit, f.day, [f], False))
        elif isinstance(f, Appoint | StepDown):
            leaders.setdefault(f.unit, []).append(f)
    out += [UnitWindow(u, min(f.day for f in fs), fs, True) for u, fs in leaders.items()]
    return out


def window_stored(history: HistorySoFar, w: UnitWindow) -> list[Fact]:
    """The stored events a unit window replays again (the unit's later leader events)."""
    return history.leader_events(w.unit, w.start) if w.leaders else []


def replay_unit_window(history: HistorySoFar, w: UnitWindow, stored: list[Fact]) -> Timeline:
    """Replay a unit window with its stored events (`window_stored`): the unit from the
    end of `w.start` on. Raises RuleViolation as `replay` does."""
    return replay_unit(w.unit, [*stored, *w.facts], history.unit_seed(w.unit, w.start),
                       history.unit_end(w.unit, w.start))


def check_own_state(history: HistorySoFar, new: Sequence[Fact], k: date | None = None,
                    earlier: bool = False) -> Breach | None:
    """`check_new` for events that change only their unit's own state, in knowledge state
    `k` (None: the latest): each unit window is replayed on its own, and the first event
    (in effective order) that fails in any of them is the one a replay of the whole
    history would fail at.

    `earlier`: state `k` is older than the latest, whose check passed, and differs from it
    on the new events' units by renames, appointments and step-downs only, so the units'
    lives are the same in both: a rename passes there too, and a unit's leaders are
    replayed from its beginning with the leader events that count in state `k`.
    """
    first: tuple[tuple[date, int], RuleViolation, list[Fact]] | None = None
    for w in unit_windows(new):
        if earlier and not w.leaders:
            continue
        try:
            if earlier:
                assert k is not None
                stored = history.leader_events_known(w.unit, k)
                seed = history.unit_seed(w.unit, w.start)
                seed = replace(seed, tenures=[])
                replay_unit(w.unit, [*stored, *w.facts], seed, history.unit_end(w.unit, w.start))
            else:
                stored = window_stored(history, w)
                replay_unit_window(history, w, stored)
        except RuleViolation as e:
            failing = next(f for f in [*stored, *w.facts] if f.id == e.event_id)
            if first is None or (failing.day, failing.seq) < first[0]:
                first = ((failing.day, failing.seq), e, stored)
    if first is None:
        return None
    _, violation, stored = first
    return blame([*stored, *new], new, violation, k)


def _check_own_states(history: HistorySoFar, new: Sequence[Fact],
                      last: date | None) -> Breach | None:
    """Every knowledge state that `new` (changing only their units' own states) is in,
    the latest first. A state whose stored events differ from the latest on a unit the
    new events name by more than renames, appointments and step-downs is replayed in
    full; any other is decided by its unit windows."""
    first = min(f.recorded_day for f in new)
    stored_days = history.recorded_days_from(first) if last is not None and first < last \
        else []
    days = sorted({*stored_days, *(f.recorded_day for f in new)})
    units = {f.unit for f in new if isinstance(f, OWN_STATE)}
    every: list[Fact] | None = None
    for k in [None, *reversed(days[:-1])]:
        subset = [f for f in new if k is None or f.recorded_day <= k]
        if k is None or last is None or k >= last:
            breach = check_own_state(history, subset, k)
        elif not history.others_changed_after(units, k):
            breach = check_own_state(history, subset, k, earlier=True)
        else:
            every = every if every is not None else [*history.all_facts(), *new]
            breach = check_state(every, new, k)
        if breach is not None:
            return breach
    return None


@dataclass(frozen=True)
class Placed:
    """A unit that a merge or a split (`event`, on `day`) began under `parent` rather than
    under `stored` (its stored parent), because a back-dated move changed where the walk up
    from a merging unit leads (`merge_default_parent`) or the parent of the unit split."""

    unit: str
    event: str
    day: date
    parent: str | None
    stored: str | None


@dataclass(frozen=True)
class Unmade:
    """A version of `unit` that a merge or a dissolve (`event`, on `day`) made by moving
    the children of the unit it ends, which `unit` no longer is because of a back-dated
    move: without it, `unit` stays under `parent`."""

    unit: str
    event: str
    day: date
    parent: str | None


@dataclass(frozen=True)
class LocalMove:
    """A back-dated move checked from the units it involves: its own rules at its date
    (`breach`), else the moved unit replayed on its own (`timeline`), the new units of
    later merges placed elsewhere because of it (`placed`), and the versions later merges
    and dissolves no longer make (`unmade`), each in effective order."""

    fact: Move
    timeline: Timeline | None
    breach: Breach | None
    placed: tuple[Placed, ...] = ()
    unmade: tuple[Unmade, ...] = ()


def local_move(history: HistorySoFar, new: Sequence[Fact]) -> LocalMove | None:
    """One move that no later rule can tell from the history without it, else None (the
    window replay decides).

    A move of X from O to P on day D changes X's parent until X's next change that is not
    a rename (D1). Its own rules read X, P and P's ancestors on D. Later, only events that
    read the children of O or P, or walk up from a unit in X's subtree (naming it, or
    placing a unit under it), can tell the difference; if there are none up to D1, and X
    changes there by a move or ends without reading its parent (`ends_apart_from_parent`),
    everything else replays as before. If X's next change is a merge or a dissolve of its
    stored parent moving it as a child (`_unmade`), it no longer is that unit's child: that
    version is not made, and X is followed on from there (its stored parent now the one the
    merge or dissolve gave it). If X ends in a merge whose new unit M is placed by
    walking up from X's subtree, M's place is found again (`_placed_again`): as stored,
    nothing else changes; else M's parent differs from then on and M is followed the same
    way (its next change, the events that could tell, how it ends); so are the parts of a
    split keeping X that name no parent (`_kept_split`). Events that change the
    units above X's new place are followed (`_scan`, `_lifted`), and so are merges
    walking up past units moved earlier that day (`_merge_place`) and merges of units in
    X's subtree that change none above it (`_follows`; a new unit placed by walking up
    from one is placed again, `_walked_into`).
    """
    if len(new) != 1 or not isinstance(new[0], Move) or new[0].order is not None:
        return None  # a move with an `order`: its later versions carry it on (window replay)
    m = new[0]
    d = m.day
    units = {m.unit, *([m.parent, *history.ancestors(m.parent, d)] if m.parent else [])}
    seed = history.units_seed(units, d)
    try:
        tl = replay([m], seed)
    except RuleViolation as e:
        return LocalMove(m, None, blame([m], new, e))
    (was,) = [v for v in [*tl.versions, *tl.transient] if v.rowid is not None
              and v.unit == m.unit]
    placed: list[Placed] = []
    unmade: list[Unmade] = []
    # each unit whose parent differs: from the end of `after` on (but for event `skip`)
    todo = [(m.unit, was.parent, m.parent, d, d, "")]
    while todo:
        unit, stored, parent, d, after, skip = todo.pop(0)
        change = history.next_parent_change(unit, d)
        as_child = change is not None and change[2] in ("version merge", "version dissolve")
        if change is not None and change[2] != "version move" \
                and not change[2].startswith("end ") and not as_child:
            return None
        parents = {p for p in (stored, parent) if p is not None}
        until = change[0] if change else None
        scanned = _scan(history, unit, parent, parents, d, after, until,
                        {skip, change[1] if change else ""})
        if scanned is None:
            return None
        below, found, parts = scanned
        for p in parts:  # a split keeping `unit`: its parts that name no parent
            if p.parent != p.stored:
                placed.append(p)
                todo.append((p.unit, p.stored, p.parent, p.day, p.day - timedelta(days=1),
                             p.event))
        ending = found.get(change[1]) if change else None
        if as_child:
            assert change is not None
            if ending is None:
                return None
            gone = _unmade(history, ending, unit, stored, parent, below)
            if gone is None:
                return None
            unmade.append(Unmade(unit, ending.id, ending.day, parent))
            if gone != parent:  # else it is where the merge or dissolve put it: converged
                todo.append((unit, gone, parent, ending.day, ending.day - timedelta(days=1),
                             ending.id))
            continue
        if change is None or not change[2].startswith("end "):
            continue
        if ending is None:
            return None
        if ends_apart_from_parent(ending, unit, below):
            continue
        again = _placed_again(history, ending, unit, parent, stored)
        if again is None:
            return None
        for p in again:
            if p.parent != p.stored:  # else the walk comes out where it did: converged
                placed.append(p)
                todo.append((p.unit, p.stored, p.parent, p.day, p.day - timedelta(days=1),
                             p.event))
    return LocalMove(m, tl, None, tuple(placed), tuple(unmade))


def _scan(history: HistorySoFar, unit: str, parent: str | None, parents: set[str], d: date,
          after: date, until: date | None,
          skip: set[str]) -> tuple[set[str], dict[str, Fact], list[Placed]] | None:
    """The later events that could tell where `unit` is, from the end of `after` up to the
    end of `until`, while it sits under `parent` rather than its stored parent (`parents`:
    both): the units whose walk up passes `unit` (`below`: its subtree, as it grows), the
    events of `skip` found on the way, and the parts of splits keeping `unit` placed where
    it now is (`_kept_split`). None: an event may come out differently (the window replay
    decides).

    Events that read the children of either parent, or split a unit of `below` (but for
    splits keeping it), may; the others that name a unit of `below` (`_follows`) come out
    as stored, and grow `below` by the units they place in it (and every unit under one of
    those at any point of that day: a later event that day may walk up from it while it is
    there, though no version says so at the day's end). Every event that placed a
    unit under one of `below` once it was there must be one of these (`_placed_unread`).
    The units above `unit` now (`up`: `parent` and its
    ancestors on day `d`) grow by those an event that changes one of them may put
    there (`_lifted`), and their later events are read too.
    """
    up = {parent, *history.ancestors(parent, d)} if parent is not None else set()
    # from the end of day `d`, its end state; from within it, any unit under `unit` then
    below = {unit, *(history.descendants(unit, d) if after >= d
                     else history.descendants_during(unit, d))}
    joined: list[tuple[Fact | None, set[str]]] = [(None, set(below))]  # after what, which
    found: dict[str, Fact] = {}
    handled: set[str] = set()
    parts: list[Placed] = []
    pending = history.structure_between(below | parents | up, after, until)
    seen = {f.id for f in pending}
    while pending:
        f = pending.pop(0)
        if f.id in skip:
            found[f.id] = f
            continue
        if _changes(f) & up and not _targets(f) & below:
            chain = _lifted(history, f, parent, parents)  # the units above `unit` now
            if chain is None:
                return None
            handled.add(f.id)
            chain -= up
            up |= chain
            pending = _with_later(history, pending, chain, f, until, seen)
            continue
        if isinstance(f, Split) and f.keep and f.unit in below:
            kept = _kept_split(history, f, unit, parent, below, until)
            if kept is None:
                return None
            roots, again = kept
            parts += again
        else:
            follows = _follows(f, below, parents, up)
            if follows is not None and isinstance(f, Merge) \
                    and not ends_apart_from_parent(f, unit, below):
                follows = _walked_into(history, f, unit, parent, below)
            if follows is None:
                return None
            roots = follows
        handled.add(f.id)
        grown: set[str] = set()
        for r in roots:  # a unit under `r` only for part of that day may be read then
            grown |= {r, *history.descendants_during(r, f.day)}
        grown -= below
        if grown:
            below |= grown
            joined.append((f, grown))
            pending = _with_later(history, pending, grown, f, until, seen)
    if any(_placed_unread(history, units, f, after, until, handled | skip)
           for f, units in joined):
        return None
    return below, found, parts


def _placed_unread(history: HistorySoFar, units: set[str], since: Fact | None, after: date,
                   until: date | None, read: set[str]) -> bool:
    """Whether an event other than those `read` placed a unit under one of `units` after
    event `since` (which took them into the moved subtree; None: from the end of `after`)
    up to the end of `until`. Before `since` they were outside the subtree: what was placed
    under them then (still there) came in with them."""
    if since is None:
        return bool(history.placed_under_between(units, after, until) - read)
    for event in history.placed_under_between(units, since.day - timedelta(days=1),
                                              until) - read:
        made = history.fact(event)
        if made is None or (made[0].day, made[0].seq) > (since.day, since.seq):
            return True
    return False


def _with_later(history: HistorySoFar, pending: list[Fact], units: set[str], f: Fact,
                until: date | None, seen: set[str]) -> list[Fact]:
    """`pending` with the structural events of `units` after `f` (up to `until`) not yet
    `seen` (which takes them in), in effective order."""
    later = [g for g in history.structure_between(units, f.day - timedelta(days=1), until)
             if g.id not in seen and (g.day, g.seq) > (f.day, f.seq)]
    seen |= {g.id for g in later}
    return sorted([*pending, *later], key=lambda g: (g.day, g.seq))


def _changes(f: Fact) -> set[str]:
    """The units whose parent event `f` may change (or that it ends)."""
    match f:
        case Move():
            return {f.unit}
        case Merge():
            return set(f.units)
        case Dissolve():
            return {f.unit}
        case Split():
            return {f.unit, *(c for c, _ in f.children)} if not f.keep \
                else {c for c, _ in f.children}
        case Transfer():
            return set(f.units)
    return set()


def _targets(f: Fact) -> set[str]:
    """The units event `f` names, its new units' named parents among them."""
    out = set(f.mentions())
    if isinstance(f, Merge) and f.new_unit is not None and f.new_unit.parent is not None:
        out.add(f.new_unit.parent)
    if isinstance(f, Split):
        out |= {p.parent for p in f.into if p.parent is not None}
    return out


def _lifted(history: HistorySoFar, f: Fact, parent: str | None,
            parents: set[str]) -> set[str] | None:
    """Event `f` changes units above a unit now under `parent` (and names no unit of its
    subtree, so no walk of its rules passes the unit): the units that may be above it
    just after `f`. None: `f` may come out differently (it reads the children of the
    unit's parent before or now, but for a split keeping its unit, which moves only the
    children it names), or an earlier event that day names one of them.

    Those units: `parent` and its ancestors the day before, the units `f` names and
    their ancestors the day before. With no earlier event that day naming one, those are
    the units above `f`'s units when it happens; later events that change one of them
    name one, and are followed in turn.
    """
    if set(reads_children(f)) & parents and not (isinstance(f, Split) and f.keep):
        return None
    before = f.day - timedelta(days=1)
    chain = {*([parent, *history.ancestors(parent, before)] if parent is not None else [])}
    for n in _targets(f):
        chain |= {n, *history.ancestors(n, before)}
    if any(g.seq < f.seq for g in history.structure_between(chain, before, f.day)):
        return None
    return chain


def _follows(f: Fact, below: set[str], parents: set[str], up: set[str]) -> set[str] | None:
    """Whether event `f` comes out the same whether a unit (whose subtree is `below`) sits
    under its stored parent or under another (`parents`: both; `up`: the other and its
    ancestors): the units it places in `below` (its subtree comes too); None: it may not.

    It must not read either parent's children, change a unit of `up` (the walk up from
    `below` would change), nor be another kind of event naming a unit of `below` or `up`
    (a split, a transfer). A walk up from a unit of `below` (a move, a dissolve or a merge
    checking that a unit does not end up under itself or under a unit it ends) passes
    `up` now: it must not look for a unit there. It would have found one above the old
    place only in a history that was not valid. A merge puts its units' children under
    its target or new unit, placed as stored, but for a new unit placed by walking up
    from a first unit in `below` (the caller places it again: `_walked_into`).

    A split that keeps its unit (or ends one outside `up` and either parent) reads the
    children of its unit only for those it moves to its parts: it comes out the same when
    it moves none of `below` or `up` and places no part in `below` (whatever walks up from
    a part's parent then passes neither).
    """
    if isinstance(f, Split) and f.unit not in below \
            and (f.keep or f.unit not in up | parents):
        if {c for c, _ in f.children} & (below | up) \
                or any(p.parent in below for p in f.into):
            return None
        return set()
    if set(reads_children(f)) & parents:
        return None
    named = set(f.mentions())
    if not named & (below | up):
        return set()
    match f:
        case Establish():
            return {f.unit} if f.parent in below else set()
        case Move():
            if f.unit in up:
                return None
            return {f.unit} if f.parent in below else set()
        case Dissolve():
            if f.unit in up:
                return None
            return {f.unit, f.children_to} if f.children_to in below else set()
        case Merge():
            if set(f.units) & up:
                return None
            place = f.into if f.new_unit is None else f.new_unit.parent
            return {f.into} if place in below else set()
    return None


def _walked_into(history: HistorySoFar, f: Merge, unit: str, parent: str | None,
                 below: set[str]) -> set[str] | None:
    """Merge `f` (which `_follows`, and which does not end `unit`) places its new unit by
    walking up from its first unit, in `below`: that walk may pass `unit`, so it is done
    again with `unit` under `parent` (`_merge_place`). The units it places in `below` (its
    new unit, if its place is there); None: the place differs from the stored one, or is
    not found here (the window replay decides)."""
    again = _merge_place(history, f, unit, parent)
    if again is None or again.parent != again.stored:
        return None
    return {again.unit} if again.parent in below else set()


def _kept_split(history: HistorySoFar, f: Split, unit: str, parent: str | None,
                below: set[str], until: date | None) -> tuple[set[str], list[Placed]] | None:
    """Split `f` keeps a unit of `below` (the subtree of `unit`, which sits under `parent`
    rather than its stored parent): the units it places in `below`, and, when it keeps
    `unit` itself, its parts that name no parent, placed under `parent` (each part's
    version must last past that day); None: not found here (the window replay decides).

    Its rules read the kept unit's children (all in `below`), whether its parts' named
    parents are alive, and whether a walk up from one passes a child it moves (all in
    `below`, so the walk finds it, or not, before it leaves `below`): the same either way.
    Only where its parts that name no parent go may differ: under the kept unit's parent,
    which the move changed only for `unit`, up to its next change (`until`: a split that
    day may come after it, left to the window replay).
    """
    named = {p.unit for p in f.into if p.parent is not None and p.parent in below}
    if f.unit != unit:  # its parent is as stored: its parts go where they went
        return named | {p.unit for p in f.into if p.parent is None}, []
    if until is not None and f.day >= until:
        return None
    out: list[Placed] = []
    for part in f.into:
        if part.parent is None:
            made = history.made_version(part.unit, f.id)
            if made is None or not made[1]:
                return None
            out.append(Placed(part.unit, f.id, f.day, parent, made[0]))
    return named, out


def _unmade(history: HistorySoFar, f: Fact, unit: str, stored: str | None,
            parent: str | None, below: set[str]) -> str | None:
    """Where merge or dissolve `f` put `unit` as a child of the unit it ends (`stored`, its
    parent in the tables), when `unit` sits under `parent` instead: `f` then leaves it
    there, and reads nothing else that differs (it names no unit of `unit`'s subtree
    `below`, and `parent` lives on through it). None: not found here (the window replay
    decides).

    The version `f` made must last past its day, and be the only one of `unit` that day
    (else another change that day would come out differently without it).
    """
    if not isinstance(f, Merge | Dissolve) or stored is None \
            or parent in reads_children(f) or stored not in reads_children(f):
        return None
    named = {*f.mentions(), *([f.new_unit.parent] if isinstance(f, Merge) and f.new_unit
                              and f.new_unit.parent else [])}
    if named & below:
        return None
    made = history.made_version(unit, f.id)
    if made is None or not made[1] or history.made_on(unit, f.day) != {f.id}:
        return None
    return made[0]  # never None: a merge or a dissolve moves children under a unit


def _placed_again(history: HistorySoFar, f: Fact, unit: str, parent: str | None,
                  stored: str | None) -> list[Placed] | None:
    """The new units that event `f`, which ends `unit`, places by where `unit` was, when
    `unit` sits under `parent` rather than `stored` (where the tables say); None: not
    found here (the window replay decides). A split: its parts that name no parent go
    under `parent` (each part's version must last past that day); a merge: `_merge_place`.
    """
    if isinstance(f, Split) and not f.keep and f.unit == unit:
        out: list[Placed] = []
        for part in f.into:
            if part.parent is None:
                made = history.made_version(part.unit, f.id)
                if made is None or not made[1] or made[0] != stored:
                    return None
                out.append(Placed(part.unit, f.id, f.day, parent, stored))
        return out
    one = _merge_place(history, f, unit, parent)
    return None if one is None else [one]


def _merge_place(history: HistorySoFar, f: Fact, unit: str,
                 parent: str | None) -> Placed | None:
    """Where merge `f`, which ends `unit` (or a unit in its subtree) and places its new
    unit by walking up from its first unit, places it when `unit` sits under `parent`
    (rather than where the tables say); None: not found here (the window replay decides).

    The walk reads the parents of the merging units and their ancestors, and of `parent`
    and its ancestors, as they stood just before `f`: as the day before (all alive then),
    then that day's earlier moves of any of them (`_moved_before`; each new parent and its
    ancestors join the walk the same way). No other event that day may change any of them
    (one that reads their children, or a move after `f`); the new unit's version must last
    past that day.
    """
    if not isinstance(f, Merge) or f.new_unit is None or f.new_unit.parent is not None:
        return None
    before = f.day - timedelta(days=1)
    parent_of: dict[str, str | None] = {}
    moves = _moved_before(history, f, [*f.units, *([parent] if parent is not None else [])],
                          parent_of)
    if moves is None or unit in {g.unit for g in moves}:
        return None
    for g in moves:  # in effective order: a later move of the same unit wins
        parent_of[g.unit] = g.parent
    parent_of[unit] = parent
    group = set(parent_of)
    if group - {v.unit for v in history.units_seed(group, before).versions}:
        return None  # a unit that began that day: its place is not the day before's

    def is_within(u: str, ancestor: str) -> bool:
        cur: str | None = u
        for _ in range(len(parent_of) + 2):
            if cur is None:
                return False
            if cur == ancestor:
                return True
            cur = parent_of.get(cur)
        return True  # a loop: never a place

    made = history.made_version(f.new_unit.unit, f.id)
    if made is None or not made[1]:
        return None
    try:
        where = merge_default_parent(f.units, parent_of.get, is_within,
                                     limit=len(parent_of) + 1)
    except RuleViolation:  # parent links that loop: the window replay says so
        return None
    return Placed(f.new_unit.unit, f.id, f.day, where, made[0])


def _moved_before(history: HistorySoFar, f: Fact, starts: list[str],
                  parent_of: dict[str, str | None]) -> list[Move] | None:
    """The moves effective on `f`'s day before `f` of the units the walks up from `starts`
    pass just before `f` (in effective order), filling `parent_of` with those units'
    parents the day before (each move's new parent and its ancestors join the walks);
    None: another event that day changes one of them (it reads their children, or moves
    one after `f`).
    """
    before = f.day - timedelta(days=1)
    todo = list(starts)
    seen: set[str] = set()
    moves: dict[str, Move] = {}
    while todo:
        for start in todo:
            ups = [start, *history.ancestors(start, before)]
            for a, b in zip(ups, [*ups[1:], None], strict=True):
                parent_of.setdefault(a, b)
        todo = []
        group = set(parent_of)
        for g in history.structure_between(group, before, f.day):
            if g.id == f.id or g.id in seen:
                continue
            seen.add(g.id)
            if set(reads_children(g)) & group:
                return None
            if isinstance(g, Move) and g.unit in group:
                if g.seq > f.seq:
                    return None
                moves[g.id] = g
                if g.parent is not None and g.parent not in parent_of:
                    todo.append(g.parent)
    return sorted(moves.values(), key=lambda g: g.seq)


def check_new(history: HistorySoFar, new: Sequence[Fact]) -> Breach | None:
    """Would the history stay valid, in every knowledge state, with `new` appended?

    When the new events are recorded no earlier than anything stored (the
    usual case), only the latest knowledge state changes and a window replay
    decides. Otherwise (importing old reporting), every knowledge state from
    the earliest new recorded day on is replayed in full.
    """
    if not new:
        return None
    breach = check_retractions_with(history.fact, new)
    if breach is not None:
        return breach
    last = history.last_recorded_day()
    if own_state_only(new):  # no replay of the rest of the history
        return _check_own_states(history, new, last)
    late = last is not None and min(f.recorded_day for f in new) < last
    move = None if late else local_move(history, new)
    if move is not None:
        return move.breach
    if late:
        return check_append(history.all_facts(), new)
    # the new events may span several recorded days: each is a knowledge state
    days = sorted({f.recorded_day for f in new})
    for k in [None, *reversed(days[:-1])]:
        subset = [f for f in new if k is None or f.recorded_day <= k]
        try:
            replay_window(history, subset)
        except RuleViolation as e:
            d0 = window_start(history, subset)
            dropped = _dropped(subset)
            counted = _stored_from(history, d0, dropped) if d0 else []
            return blame([*counted, *(f for f in subset if f.id not in dropped)], subset, e, k)
    return None
