"""Knowledge states: what the history was on day K of recording (transaction time).

Each distinct recorded day is a knowledge state: the events recorded up to
the end of that day, less those retracted by then. Every state must be a
valid history on its own. Retractions and annotations have no effective date:
they are never replayed (an annotation changes no chart, only what is shown
with the event it annotates, while it counts).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Protocol

from orgchart.domain.errors import RuleViolation
from orgchart.domain.facts import Annotate, Appoint, Fact, Rename, Retract, StepDown
from orgchart.domain.rules import (
    IntervalOut,
    Timeline,
    UnitIds,
    effective_order,
    replay,
    replay_states,
)


def counts_at(recorded: date, retracted: date | None, k: date | None) -> bool:
    """Whether an event recorded on day `recorded` (and retracted on `retracted`, if ever)
    is known at the end of day `k`: recorded by then and not retracted by then (`k` None:
    the latest state). The query tables' form is `orgchart.adapters.readmodel.intervals`."""
    if k is None:
        return retracted is None
    return recorded <= k and (retracted is None or retracted > k)


def retraction_days(facts: Iterable[Fact]) -> dict[str, date]:
    """The day each retracted event was retracted on, by its id."""
    return {f.event: f.recorded_day for f in facts if isinstance(f, Retract)}


def known_at(facts: Sequence[Fact], k: date | None) -> list[Fact]:
    """The dated events (those a replay reads) that count at the end of day `k` (None:
    everything)."""
    days = retraction_days(facts)
    if k is None:  # what `counts_at` says then, without each event's recorded day
        return [f for f in facts if f.DATED and f.id not in days]
    retracted = days.get
    return [f for f in facts if f.DATED and counts_at(f.recorded_day, retracted(f.id), k)]


def annotations_at(facts: Sequence[Fact], k: date | None) -> dict[str, list[Annotate]]:
    """The annotations that count at the end of day `k` (None: the latest state), by the
    id of the event each annotates, in append order."""
    retracted = retraction_days(facts).get
    out: dict[str, list[Annotate]] = {}
    for f in facts:
        if isinstance(f, Annotate) and counts_at(f.recorded_day, retracted(f.id), k):
            out.setdefault(f.event, []).append(f)
    return out


def timeline_at(facts: Sequence[Fact], k: date | None) -> Timeline:
    return replay(known_at(facts, k))


@dataclass
class Breach:
    """Why a set of new events cannot be appended."""

    culprit: Fact  # the new event to blame
    rule: str
    broken: Fact | None = None  # a stored event the new ones make invalid
    state: date | None = None  # the knowledge state that failed (None: the latest)
    missing_unit: str | None = None  # a unit named but not alive then (a hint may follow)


Lookup = Callable[[str], "tuple[Fact, str | None] | None"]


def check_retractions(stored: Sequence[Fact], new: Sequence[Fact]) -> Breach | None:
    """The rules of `retract` and `annotate`, which need no replay."""
    by_id = {f.id: f for f in stored}
    retracted_by = {f.event: f.id for f in stored if isinstance(f, Retract)}

    def lookup(event_id: str) -> tuple[Fact, str | None] | None:
        f = by_id.get(event_id)
        return (f, retracted_by.get(event_id)) if f is not None else None

    return check_retractions_with(lookup, new)


def check_retractions_with(lookup: Lookup, new: Sequence[Fact]) -> Breach | None:
    """The rules of `retract` and `annotate`, finding stored events (and who retracted
    them) by id. An annotation names an event that exists, is neither a retraction nor
    an annotation, is not retracted (before it, in the new events) and was not recorded
    after it."""
    new_by_id = {f.id: f for f in new}
    claimed: dict[str, str] = {}
    for f in new:
        if not isinstance(f, (Retract, Annotate)):
            continue
        found = lookup(f.event)
        target, by = found if found is not None else (new_by_id.get(f.event), None)
        if target is None:
            return Breach(f, f"event '{f.event}' does not exist")
        by = by or claimed.get(f.event)
        if isinstance(f, Annotate):
            breach = _annotation_breach(f, target, by)
            if breach is not None:
                return breach
            continue
        if isinstance(target, Retract):
            return Breach(f, f"event '{f.event}' is a retraction; a retraction cannot be retracted")
        if by is not None:
            return Breach(f, f"event '{f.event}' is already retracted by '{by}'")
        if f.recorded_day < target.recorded_day:
            return Breach(f, f"a retraction cannot be recorded ({f.recorded_day}) before the "
                             f"event it retracts ({target.recorded_day})")
        claimed[f.event] = f.id
    return None


def _annotation_breach(f: Annotate, target: Fact, retracted_by: str | None) -> Breach | None:
    if isinstance(target, Retract):
        return Breach(f, f"event '{f.event}' is a retraction; a retraction cannot be "
                         f"annotated (its reason says why)")
    if isinstance(target, Annotate):
        return Breach(f, f"event '{f.event}' is an annotation; annotate the event it "
                         f"annotates ('{target.event}') instead")
    if retracted_by is not None:
        return Breach(f, f"event '{f.event}' is retracted by '{retracted_by}'; a retracted "
                         f"event cannot be annotated")
    if f.recorded_day < target.recorded_day:
        return Breach(f, f"an annotation cannot be recorded ({f.recorded_day}) before the "
                         f"event it annotates ({target.recorded_day})")
    return None


def check_append(stored: Sequence[Fact], new: Sequence[Fact]) -> Breach | None:
    """Check that every knowledge state stays valid once `new` is appended.

    `stored` must itself be valid; states before the earliest recorded day of
    the new events are unchanged and are not replayed again.
    """
    if not new:
        return None
    breach = check_retractions(stored, new)
    if breach is not None:
        return breach
    facts = [*stored, *new]
    first = min(f.recorded_day for f in new)
    days = sorted({f.recorded_day for f in facts if f.recorded_day >= first})
    # the latest state first: its error is the one a user expects to see
    for k in [None, *reversed(days[:-1])]:
        breach = check_state(facts, new, k)
        if breach is not None:
            return breach
    return None


def check_state(facts: Sequence[Fact], new: Sequence[Fact], k: date | None) -> Breach | None:
    """Replay the knowledge state `k` of `facts` (stored and `new` events) in full."""
    try:
        timeline_at(facts, k)
    except RuleViolation as e:
        return blame(known_at(facts, k), new, e, k)
    return None


def blame(counted: Sequence[Fact], new: Sequence[Fact], e: RuleViolation,
          k: date | None = None) -> Breach:
    """Which new event to name for a violation found while replaying `counted` events."""
    by_id = {f.id: f for f in [*counted, *new]}
    failing = by_id[e.event_id]
    if failing.id in {f.id for f in new}:
        return Breach(failing, e.rule, None, k, e.missing_unit)
    # a stored event broke: blame the last new event before it in effective order,
    # else a new retraction, else the first new event
    ids = {f.id for f in counted}
    before = [f for f in new if f.id in ids and f.DATED
              and (f.day, f.seq) <= (failing.day, failing.seq)]
    if before:
        culprit = max(before, key=lambda f: (f.day, f.seq))
    else:
        retractions = [f for f in new if isinstance(f, Retract)]
        culprit = retractions[0] if retractions else new[0]
    return Breach(culprit, e.rule, failing, k, e.missing_unit)


class History(Protocol):
    """A whole history to check with `check_states` (a load into an empty store), read in
    the passes the check makes: a list of events (`ListHistory`), or the events of a load
    kept on disk (`orgchart.adapters.scratch`), so that no pass holds them all."""

    def undated(self) -> list[Fact]:
        """The retractions and annotations, in append order."""

    def find(self, event_id: str) -> Fact | None:
        """The event with this id (None: there is none)."""

    def recorded_days(self) -> list[date]:
        """Every recorded day, sorted (each a knowledge state)."""

    def counted(self, k: date | None, retracted: Mapping[str, date]) -> Iterator[Fact]:
        """The dated events that count at the end of day `k` (None: the latest state),
        `retracted` holding the day each retracted event was retracted on, in effective
        order (`rules.effective_order`)."""

    def arrived(self, after: date, upto: date | None) -> Iterator[Fact]:
        """The dated events recorded after day `after` and (unless None) on or before
        `upto`."""

    def by_role(self, unit: str, role: str) -> Sequence[Fact]:
        """The appointments to `role` in `unit` and the steppings-down from it that name it."""

    def by_person(self, unit: str, person: str) -> Sequence[Fact]:
        """The steppings-down of `person` in `unit` that name no role."""

    def everything(self) -> Sequence[Fact]:
        """Every event, in append order (only to explain a breach)."""

    @property
    def intervals(self) -> IntervalOut | None:
        """Where the latest state's replay hands its intervals (`rules.IntervalOut`); None:
        into the timeline `check_states` returns."""

    def unit_ids(self, replays: int) -> UnitIds:
        """Where the replays of `replays` states keep the unit ids they begin (`UnitIds`)."""


class ListHistory:
    """`History` of a list of events."""

    def __init__(self, facts: Sequence[Fact]) -> None:
        self.facts = facts
        self._by_id: dict[str, Fact] | None = None
        self._roles: dict[tuple[str, str], list[Fact]] | None = None
        self._persons: dict[tuple[str, str], list[Fact]] = {}

    def undated(self) -> list[Fact]:
        return [f for f in self.facts if not f.DATED]

    def find(self, event_id: str) -> Fact | None:
        if self._by_id is None:
            self._by_id = {f.id: f for f in self.facts}
        return self._by_id.get(event_id)

    def recorded_days(self) -> list[date]:
        return sorted({f.recorded_day for f in self.facts})

    def counted(self, k: date | None, retracted: Mapping[str, date]) -> Iterator[Fact]:
        get = retracted.get
        return iter(effective_order(f for f in self.facts
                                    if f.DATED and counts_at(f.recorded_day, get(f.id), k)))

    def arrived(self, after: date, upto: date | None) -> Iterator[Fact]:
        return (f for f in self.facts if f.DATED and f.recorded_day > after
                and (upto is None or f.recorded_day <= upto))

    def _index(self) -> dict[tuple[str, str], list[Fact]]:
        if self._roles is None:
            self._roles = {}
            for f in self.facts:
                if isinstance(f, Appoint) or (isinstance(f, StepDown) and f.role is not None):
                    assert f.role is not None
                    self._roles.setdefault((f.unit, f.role), []).append(f)
                elif isinstance(f, StepDown):
                    self._persons.setdefault((f.unit, f.person), []).append(f)
        return self._roles

    def by_role(self, unit: str, role: str) -> Sequence[Fact]:
        return self._index().get((unit, role), ())

    def by_person(self, unit: str, person: str) -> Sequence[Fact]:
        self._index()
        return self._persons.get((unit, person), ())

    def everything(self) -> Sequence[Fact]:
        return self.facts

    @property
    def intervals(self) -> IntervalOut | None:
        return None

    def unit_ids(self, replays: int) -> UnitIds:
        return UnitIds(replays)


def check_states(facts: Sequence[Fact] | History) -> tuple[Breach | None, Timeline | None]:
    """Check every knowledge state of a whole history (a load into an empty store): a list
    of events, or a `History`.

    Returns the first breach, or None and the latest state's timeline (with its intervals
    handed to `History.intervals` if it takes them). The
    latest state is replayed in full; each earlier state is replayed only when
    it is not simply the next later (already valid) state less events nothing
    else in it depends on (`_Mentions.removable`), which is the usual shape of late
    reporting. States are checked latest first, as `check_append` does. Each pass
    reads the events one at a time, in the order it needs (`History`).
    """
    h: History = ListHistory(facts) if isinstance(facts, Sequence) else facts
    undated = h.undated()

    def lookup(event_id: str) -> tuple[Fact, str | None] | None:
        f = h.find(event_id)
        return (f, None) if f is not None else None

    breach = check_retractions_with(lookup, undated)
    if breach is not None:
        return breach, None
    retracted = retraction_days(undated)
    mentions = _Mentions(h, retracted)
    replayed: list[date] = []  # the earlier states to replay in full, latest first
    later: date | None = None  # the next later state (None: the latest)
    for k in reversed(h.recorded_days()[:-1]):
        # the state at `k` is the later one less the events recorded after `k` (`arrived`),
        # unless an event it counts is retracted by the later one
        kept = not any(k < day <= (later or day) and target is not None and target.DATED
                       and target.recorded_day <= k
                       for day, target in ((d, h.find(i)) for i, d in retracted.items()))
        if not kept or not all(mentions.removable(f, k) for f in h.arrived(k, later)
                               if counts_at(f.recorded_day, retracted.get(f.id), later)):
            replayed.append(k)
        later = k
    # the latest state and those earlier ones in one pass over the events, each read once
    get = retracted.get
    states: list[date | None] = [None, *replayed]
    results = replay_states(
        h.counted(None, {}),
        [partial(_counts, get, k) if k is not None else partial(_counts_latest, get)
         for k in states], out=h.intervals, ids=h.unit_ids(len(states)))
    for state, result in zip(states, results, strict=True):  # the latest state's error first
        if isinstance(result, RuleViolation):
            return blame(list(h.counted(state, retracted)), h.everything(), result, state), None
    tl = results[0]
    assert isinstance(tl, Timeline)
    return None, tl


def _counts(retracted: Callable[[str], date | None], k: date | None, f: Fact) -> bool:
    return counts_at(f.recorded_day, retracted(f.id), k)


def _counts_latest(retracted: Callable[[str], date | None], f: Fact) -> bool:
    """`_counts` of the latest state (`k` None), without the recorded day it reads not."""
    return retracted(f.id) is None


class _Mentions:
    """Which events name a leader's (unit, role), or step a person down without a role.

    Backs `removable`. Dropping a rename cannot break a valid history: no rule
    reads names. Dropping an appointment changes only who holds its (unit,
    role), which a remaining event reads only if it steps down from that role,
    steps its holder down without naming the role, or appoints someone who
    already held it.
    """

    def __init__(self, history: History, retracted_on: Mapping[str, date]) -> None:
        self.history = history
        self.retracted_on = retracted_on

    def counts(self, f: Fact, k: date) -> bool:
        return counts_at(f.recorded_day, self.retracted_on.get(f.id), k)

    def removable(self, f: Fact, k: date) -> bool:
        """Whether the state at `k` stays valid without `f`, given it is valid with it."""
        if isinstance(f, Rename):
            return True
        if not isinstance(f, Appoint):
            return False
        same_role = [g for g in self.history.by_role(f.unit, f.role)
                     if g is not f and (g.id, g.seq) != (f.id, f.seq) and self.counts(g, k)]
        persons = [g.person for g in same_role if isinstance(g, Appoint)]
        if len(persons) < len(same_role) or len(set(persons)) < len(persons):
            return False  # a step-down from the role, or someone appointed to it twice
        return not any(self.counts(g, k) for p in {f.person, *persons}
                       for g in self.history.by_person(f.unit, p))
