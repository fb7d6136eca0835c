"""Back-dated and late-reported appends: the fast paths equal a full replay.

A random valid history is written to the query tables; then a few new events,
dated anywhere in it and recorded on any day (before the store's latest
recorded day: a late report), are checked against the tables
(`validation.check_new`, which takes the fast paths) and against every
knowledge state replayed in full (`knowledge.check_append`): the same
accept or reject, the same event to blame, the same rule and the same
knowledge state. When accepted, the tables kept up incrementally
(`incremental.apply_events`) equal tables written from a full replay.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import sqlite_utils
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from orgchart.adapters.readmodel import tables
from orgchart.adapters.readmodel.incremental import apply_events
from orgchart.adapters.readmodel.state import StoredState
from orgchart.domain.dates import EffDate
from orgchart.domain.facts import (
    Appoint,
    Dissolve,
    Establish,
    Fact,
    Merge,
    Move,
    NewUnit,
    Rename,
    Retract,
    Split,
    StepDown,
    with_seq,
)
from orgchart.domain.knowledge import Breach, check_append, check_states, known_at
from orgchart.domain.rules import Timeline, replay
from orgchart.domain.validation import LocalMove, check_new, local_move, own_state_only
from tests.unit.test_knowledge_states import PEOPLE, RECORDED, ROLES, START, UNITS, histories


@st.composite
def valid_histories(draw: Any) -> list[Fact]:
    """A history valid in every knowledge state: drawn as `histories()` draws them (units
    sometimes recorded late too, some events with a note, which the tables keep on the rows
    a chart reads), keeping each event only if the history stays valid."""
    drawn = draw(histories())
    facts: list[Fact] = []
    for f in drawn:
        if not isinstance(f, Retract) and draw(st.booleans()):
            f = replace(f, recorded=draw(st.sampled_from(RECORDED)))
        f = replace(f, note=draw(NOTES))
        candidate = [*facts, with_seq(f, len(facts) + 1)]
        if check_states(candidate)[0] is None:
            facts = candidate
    return facts


#: The notes of events: mostly none, some empty (no note either), some.
NOTES = st.sampled_from([None, None, None, "", "as reported", "disputed"])

#: Recorded days of new events: the stored ones (late reports) and a later one.
NEW_RECORDED = [*RECORDED, "2026-05-01"]


@st.composite
def new_events(draw: Any, n: int) -> list[Fact]:
    """One to three events that change only their unit's own state (now and then a move,
    which takes the window replay), anywhere in the history, recorded on any day."""
    out: list[Fact] = []
    for i in range(draw(st.sampled_from([1, 1, 2, 3]))):
        d = EffDate(START + timedelta(days=draw(st.integers(-2, 34))))
        rec = draw(st.sampled_from(NEW_RECORDED))
        unit = draw(st.sampled_from([*UNITS[:2], *UNITS, "nowhere"]))
        kind = draw(st.sampled_from(["rename", "rename", "appoint", "appoint", "step_down",
                                     "move"]))
        common: dict[str, Any] = {"id": f"n{i}", "seq": n + i + 1, "date": d, "recorded": rec,
                                  "note": draw(NOTES)}
        if kind == "rename":
            fields = draw(st.sampled_from([("name",), ("name_en",), ("kind",),
                                           ("name", "kind"), ()]))
            out.append(Rename(unit=unit, **common, **{f: draw(st.sampled_from("ABC"))
                                                      for f in fields}))
        elif kind == "appoint":
            out.append(Appoint(unit=unit, person=draw(st.sampled_from(PEOPLE)),
                               role=draw(st.sampled_from(ROLES)),
                               title=draw(st.sampled_from([None, "CEO"])), **common))
        elif kind == "step_down":
            out.append(StepDown(unit=unit, person=draw(st.sampled_from(PEOPLE)),
                                role=draw(st.sampled_from([None, *ROLES])), **common))
        else:
            out.append(Move(unit=unit, parent=draw(st.sampled_from([None, *UNITS])), **common))
    return out


#: The people of the histories, as recorded (their tenures keep their names).
NAMES = {"p1": {"name": "张伟"}, "p2": {"name": "Pat", "name_en": "Pat Lee"}}


def stored(facts: list[Fact]) -> sqlite_utils.Database:
    """Query tables written from a full replay of `facts` (their latest state)."""
    db = sqlite_utils.Database(memory=True)
    tables.write_all(db, facts, replay(known_at(facts, None)), NAMES, {}, None, len(facts))
    return db


def said(b: Breach | None) -> tuple[Any, ...] | None:
    """What a rejection tells the user: the event to blame, the rule, the stored event it
    breaks, the knowledge state, the unit a hint is about."""
    if b is None:
        return None
    return (b.culprit.id, b.rule, b.broken.id if b.broken else None, b.state, b.missing_unit)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), facts=valid_histories())
def test_fast_paths_equal_a_full_replay_in_every_state(data: st.DataObject,
                                                       facts: list[Fact]) -> None:
    new = data.draw(new_events(len(facts)))
    db = stored(facts)
    expected = check_append(facts, new)
    got = check_new(StoredState(db), new)
    path = "own state" if own_state_only(new) else "window"
    if local_move(StoredState(db), new) is not None:
        path = "local move"
    event(f"{path}: {'rejected' if expected else 'accepted'}")
    if min(f.recorded_day for f in new) < max(f.recorded_day for f in facts):
        event("late report")
    assert said(got) == said(expected), f"new: {new}\nafter: {facts}"
    if expected is not None:
        return
    position = len(facts)
    assert apply_events(db, position, new, {}, {}, None, position + len(new))
    assert tables.dump(db) == tables.dump(stored([*facts, *new])), f"new: {new}\nafter: {facts}"


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), facts=valid_histories())
def test_a_backdated_move_equals_a_full_replay(data: st.DataObject, facts: list[Fact]) -> None:
    """One move dated anywhere in the history (recorded now): `local_move` when no later
    rule can tell, else the window replay; either way as a full replay says."""
    move = Move(id="n0", seq=len(facts) + 1, recorded=NEW_RECORDED[-1],
                date=EffDate(START + timedelta(days=data.draw(st.integers(-2, 34)))),
                unit=data.draw(st.sampled_from(UNITS)),
                parent=data.draw(st.sampled_from([None, *UNITS])), note=data.draw(NOTES))
    db = stored(facts)
    expected = check_append(facts, [move])
    local = local_move(StoredState(db), [move])
    event(f"{'local' if local is not None else 'window'}: "
          f"{'rejected' if expected else 'accepted'}")
    assert said(check_new(StoredState(db), [move])) == said(expected), f"{move}\n{facts}"
    if expected is None:
        assert apply_events(db, len(facts), [move], {}, {}, None, len(facts) + 1)
        assert tables.dump(db) == tables.dump(stored([*facts, move])), f"{move}\n{facts}"


def _day(n: int) -> EffDate:
    return EffDate(START + timedelta(days=n))


def _history(*made: Any) -> list[Fact]:
    """Facts from (class, day, fields) triples, recorded on the first day, in this order."""
    return [cls(id=f"e{i + 1}", seq=i + 1, date=_day(day), recorded=RECORDED[0], **kw)
            for i, (cls, day, kw) in enumerate(made)]


def _kids(full: Timeline, of: set[str], on: date) -> list[str]:
    """The units whose version in a full replay (`full`) sits under one of `of` on day `on`
    (made by then, lasting past it)."""
    return sorted({v.unit for v in [*full.versions, *full.transient]
                   if v.parent in of and v.valid_from <= on
                   and (v.valid_to is None or v.valid_to > on)})


def _below(full: Timeline, unit: str, on: date) -> list[str]:
    """The units under `unit` on day `on`, at any depth (`_kids` of `_kids`)."""
    out: list[str] = []
    level = _kids(full, {unit}, on)
    while level:
        out += level
        level = [k for k in _kids(full, set(level), on) if k not in out]
    return out


def _moved_back(facts: list[Fact], unit: str, parent: str, day: int) -> Breach | None:
    """Check a move of `unit` under `parent` dated `day` against the tables of `facts`; it
    must take the window replay and agree with a full replay. Returns the breach."""
    move = Move(id="n0", seq=len(facts) + 1, recorded=NEW_RECORDED[-1], date=_day(day),
                unit=unit, parent=parent)
    db = stored(facts)
    assert local_move(StoredState(db), [move]) is None
    got = check_new(StoredState(db), [move])
    assert said(got) == said(check_append(facts, [move]))
    return got


def test_a_move_under_a_unit_moved_back_under_it_takes_the_window_replay() -> None:
    # x moves under p on day 10; on day 20 p moved under x: a loop, found by a replay
    facts = _history((Establish, 0, {"unit": "o", "name": "O"}),
                     (Establish, 0, {"unit": "p", "name": "P"}),
                     (Establish, 1, {"unit": "x", "name": "X", "parent": "o"}),
                     (Move, 20, {"unit": "p", "parent": "x"}))
    breach = _moved_back(facts, "x", "p", 10)
    assert breach is not None and breach.broken is not None and breach.broken.id == "e4"


def test_a_part_placed_under_the_moved_unit_takes_the_window_replay() -> None:
    # x moves under p (under g) on day 10; on day 20 g splits, placing a part under x:
    # with x now below g, that part would sit under a unit that ends in the split
    facts = _history((Establish, 0, {"unit": "g", "name": "G"}),
                     (Establish, 0, {"unit": "o", "name": "O"}),
                     (Establish, 1, {"unit": "p", "name": "P", "parent": "g"}),
                     (Establish, 1, {"unit": "x", "name": "X", "parent": "o"}),
                     (Split, 20, {"unit": "g", "children": (("p", "a"),),
                                  "into": (NewUnit(unit="a", name="A"),
                                           NewUnit(unit="b", name="B", parent="x"))}))
    breach = _moved_back(facts, "x", "p", 10)
    assert breach is not None and breach.broken is not None and breach.broken.id == "e5"


def test_a_merge_placing_its_new_unit_by_the_moved_unit_places_it_again() -> None:
    # x moves under p on day 10; on day 20 x merges into a new unit m placed where x was
    # (under p now), m is renamed on day 25 and merges on day 30 into n, placed where m
    # was: both new units are placed again, and nothing else is replayed
    facts = _history((Establish, 0, {"unit": "o", "name": "O"}),
                     (Establish, 0, {"unit": "p", "name": "P"}),
                     (Establish, 1, {"unit": "x", "name": "X", "parent": "o"}),
                     (Merge, 20, {"units": ("x",), "into": "m",
                                  "new_unit": NewUnit(unit="m", name="M")}),
                     (Rename, 25, {"unit": "m", "name": "M2"}),
                     (Merge, 30, {"units": ("m",), "into": "n",
                                  "new_unit": NewUnit(unit="n", name="N")}))
    db = stored(facts)
    move = Move(id="n0", seq=len(facts) + 1, recorded=NEW_RECORDED[-1], date=_day(10),
                unit="x", parent="p")
    local = local_move(StoredState(db), [move])
    assert local is not None and local.breach is None
    assert [(p.unit, p.stored, p.parent) for p in local.placed] == [("m", "o", "p"),
                                                                    ("n", "o", "p")]
    assert check_append(facts, [move]) is None
    assert apply_events(db, len(facts), [move], {}, {}, None, len(facts) + 1)
    assert tables.dump(db) == tables.dump(stored([*facts, move]))


def test_a_merge_whose_walk_up_comes_out_as_stored_stops_there() -> None:
    # x (under o) moves under p, also under o, on day 10; on day 20 x and p merge into m:
    # the walk up from x passes p (which ends) and reaches o, as it did: converged
    facts = _history((Establish, 0, {"unit": "o", "name": "O"}),
                     (Establish, 0, {"unit": "p", "name": "P", "parent": "o"}),
                     (Establish, 1, {"unit": "x", "name": "X", "parent": "o"}),
                     (Merge, 20, {"units": ("x", "p"), "into": "m",
                                  "new_unit": NewUnit(unit="m", name="M")}))
    db = stored(facts)
    move = Move(id="n0", seq=5, recorded=NEW_RECORDED[-1], date=_day(10), unit="x", parent="p")
    local = local_move(StoredState(db), [move])
    assert local is not None and local.breach is None and local.placed == ()
    assert apply_events(db, 4, [move], {}, {}, None, 5)
    assert tables.dump(db) == tables.dump(stored([*facts, move]))


#: Units that merges and splits in `merging_histories` begin.
MERGED = ["m0", "m1", "m2", "m3"]
SPLIT = [f"{m}b" for m in MERGED]


@st.composite
def merging_histories(draw: Any) -> list[Fact]:
    """A valid history (`valid_histories`) with up to four merges into new units placed by
    walking up from their first unit, or splits whose parts go where the unit was, or
    splits that keep their unit and move some of its children to their one part (a later
    one may merge or split an earlier one's new unit), each kept only if the history
    stays valid; now and then a move that same day just before it (of a unit the walk up
    may pass), and a rename of a new unit."""
    facts: list[Fact] = draw(valid_histories())
    everyone = [*UNITS, *MERGED, *SPLIT]
    for new in MERGED[:draw(st.integers(1, 4))]:
        units = draw(st.lists(st.sampled_from(everyone), min_size=1, max_size=2, unique=True))
        made: Merge | Split = Merge(id=f"g{len(facts) + 1}", seq=len(facts) + 1,
                     date=EffDate(START + timedelta(days=draw(st.integers(3, 33)))),
                     recorded=draw(st.sampled_from(RECORDED)), units=tuple(units), into=new,
                     new_unit=NewUnit(unit=new, name=new.upper()))
        how = draw(st.sampled_from(["merge", "split", "keep"]))
        if how == "split":  # a split into two parts placed where the unit was
            made = Split(id=made.id, seq=made.seq, date=made.date, recorded=made.recorded,
                         unit=units[0], into=(NewUnit(unit=new, name=new.upper()),
                                              NewUnit(unit=f"{new}b", name="B")))
        elif how == "keep":  # some of the unit's children (as a replay has them) to a part
            full = replay(known_at(facts, None))
            kids = _kids(full, {units[0]}, made.day)
            moving = draw(st.lists(st.sampled_from(kids), unique=True)) if kids else []
            made = Split(id=made.id, seq=made.seq, date=made.date, recorded=made.recorded,
                         unit=units[0], keep=True, children=tuple((k, new) for k in moving),
                         into=(NewUnit(unit=new, name=new.upper(),  # most often where
                                       parent=draw(st.sampled_from(  # the unit is
                                           [None, None, None, *everyone]))),))
        if draw(st.booleans()):  # a move that same day, before it
            first = Move(id=f"h{len(facts) + 1}", seq=len(facts) + 1, date=made.date,
                         recorded=made.recorded, unit=draw(st.sampled_from(everyone)),
                         parent=draw(st.sampled_from([None, *everyone])))
            if check_states([*facts, first])[0] is None:
                facts = [*facts, first]
                made = replace(made, id=f"g{len(facts) + 1}", seq=len(facts) + 1)
        if check_states([*facts, made])[0] is None:
            facts = [*facts, made]
            if draw(st.booleans()):
                later = Rename(id=f"r{len(facts) + 1}", seq=len(facts) + 1,
                               date=EffDate(made.day + timedelta(days=draw(st.integers(0, 3)))),
                               recorded=RECORDED[-1], unit=new, name="R")
                if check_states([*facts, later])[0] is None:
                    facts = [*facts, later]
    return facts


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), facts=merging_histories())
def test_a_backdated_move_before_merges_equals_a_full_replay(data: st.DataObject,
                                                             facts: list[Fact]) -> None:
    """One move dated anywhere in a history with merges and splits whose new units are
    placed by where a unit was: `local_move` (placing them again) or the window replay; either
    way as a full replay says, and the tables as written from a full replay. Most often
    the move is of a merge's first unit, dated before that merge."""
    merges = [f for f in facts if isinstance(f, Merge | Split)]
    unit = data.draw(st.sampled_from([*UNITS, *MERGED, *SPLIT]))
    day = data.draw(st.integers(-2, 34))
    # the children that merges and dissolves moved under another unit, and when
    ends = {f.id for f in facts if isinstance(f, Merge | Dissolve)}
    full = replay(known_at(facts, None))
    moved = [(v.unit, v.valid_from) for v in [*full.versions, *full.transient]
             if v.event in ends and full.lives[v.unit].began_event != v.event]
    keeps = [f for f in merges if isinstance(f, Split) and f.keep]
    parents: list[str | None] = [None, *UNITS, *MERGED, *SPLIT]
    way = data.draw(st.integers(0, 9 if keeps else 5))
    if way >= 8:  # the split's unit, or its parent then, moved before a split keeping it
        split = data.draw(st.sampled_from(keeps))
        on = split.day - timedelta(days=data.draw(st.integers(0, 6)))
        above = sorted({v.parent for v in [*full.versions, *full.transient]
                        if v.unit == split.unit and v.parent is not None
                        and v.valid_from <= on and (v.valid_to is None or v.valid_to > on)})
        unit = data.draw(st.sampled_from(above)) if above and way == 9 else split.unit
        day = (on - START).days
        parents = [u for u, life in full.lives.items() if u != unit  # under a unit alive
                   and life.began.day <= on and (life.ended is None or life.ended.day > on)
                   ] or parents
    elif way >= 6:  # a unit (most often a child of a split's unit) moved before that split
        split = data.draw(st.sampled_from(keeps))
        on = split.day - timedelta(days=data.draw(st.integers(0, 6)))
        kids = _kids(full, {split.unit}, on)
        unit = data.draw(st.sampled_from(kids)) if kids and way == 6 else unit
        day = (on - START).days
        if way == 7:  # ... or under the split's unit
            parents = [split.unit]
    elif merges and way in (1, 2, 3):
        merge = data.draw(st.sampled_from(merges))
        unit = merge.units[0] if isinstance(merge, Merge) else merge.unit
        day = data.draw(st.integers(min(6, (merge.day - START).days), (merge.day - START).days))
    elif moved and way >= 4:  # a child its parent's merge or dissolve will move ...
        unit, when = data.draw(st.sampled_from(moved))
        day = data.draw(st.integers(min(6, (when - START).days), (when - START).days))
    if moved and way == 5:  # ... under a unit alive then (most often)
        on = START + timedelta(days=day)
        parents = [u for u, life in full.lives.items() if u != unit and life.began.day <= on
                   and (life.ended is None or life.ended.day > on)] or parents
    move = Move(id="n0", seq=len(facts) + 1, recorded=NEW_RECORDED[-1],
                date=EffDate(START + timedelta(days=day)), unit=unit,
                parent=data.draw(st.sampled_from(parents)))
    _equals_a_full_replay(facts, move)


def _equals_a_full_replay(facts: list[Fact], move: Move) -> None:
    """Appending `move` to a store of `facts` accepts or rejects it as a full replay does
    (with the same message), and when accepted writes a full replay's tables; the parts the
    fast path places again are where the tables say (`_kept_placed`, `_merged_inside`)."""
    db = stored(facts)
    expected = check_append(facts, [move])
    local = local_move(StoredState(db), [move])
    path = "window" if local is None else \
        f"local, {len(local.placed)} placed again, {len(local.unmade)} unmade"
    event(f"{path}: {'rejected' if expected else 'accepted'}")
    _kept_placed(local, facts)
    _merged_inside(local, facts, move)
    assert said(check_new(StoredState(db), [move])) == said(expected), f"{move}\n{facts}"
    if expected is None:
        assert apply_events(db, len(facts), [move], {}, {}, None, len(facts) + 1)
        assert tables.dump(db) == tables.dump(stored([*facts, move])), f"{move}\n{facts}"


def _kept_placed(local: LocalMove | None, facts: list[Fact]) -> None:
    """Count (as a hypothesis event) the moves whose parts of a split keeping the moved
    unit (or a unit placed again) are placed again."""
    kept = {f.id for f in facts if isinstance(f, Split) and f.keep}
    if local is not None and any(p.event in kept for p in local.placed):
        event("a part of a split keeping its unit placed again")


def _merged_inside(local: LocalMove | None, facts: list[Fact], move: Move) -> None:
    """Count (as hypothesis events) the moves followed past a later merge of units all
    under the moved unit then (into an existing unit, a new unit named under one or placed
    by walking up), and those that gave up with one there."""
    if local is not None and local.breach is not None:
        return  # the move itself breaks a rule: nothing later is read
    below = set(_below(replay(known_at(facts, None)), move.unit, move.day))
    for f in facts:
        if isinstance(f, Merge) and f.day >= move.day and set(f.units) <= below:
            into = "existing" if f.new_unit is None else \
                "walk" if f.new_unit.parent is None else "named"
            event(f"{'local' if local is not None else 'window'} past a merge inside "
                  f"({into})")


def test_a_move_ended_by_a_merge_or_split_that_ignore_its_parent_stays_local() -> None:
    # x moves under p on day 10; on day 20 it ends in a merge into q, or a split whose
    # parts name their parents: neither reads where x was, so nothing else is replayed
    start = [(Establish, 0, {"unit": "o", "name": "O"}),
             (Establish, 0, {"unit": "p", "name": "P"}),
             (Establish, 0, {"unit": "q", "name": "Q", "parent": "o"}),
             (Establish, 1, {"unit": "x", "name": "X", "parent": "o"}),
             (Rename, 15, {"unit": "x", "name": "X2"})]
    ends = [(Merge, 20, {"units": ("x",), "into": "q"}),
            (Split, 20, {"unit": "x", "into": (NewUnit(unit="a", name="A", parent="q"),
                                               NewUnit(unit="b", name="B", parent="p"))})]
    for end in ends:
        facts = _history(*start, end)
        db = stored(facts)
        move = Move(id="n0", seq=len(facts) + 1, recorded=NEW_RECORDED[-1], date=_day(10),
                    unit="x", parent="p")
        local = local_move(StoredState(db), [move])
        assert local is not None and local.breach is None
        assert check_append(facts, [move]) is None
        assert apply_events(db, len(facts), [move], {}, {}, None, len(facts) + 1)
        assert tables.dump(db) == tables.dump(stored([*facts, move]))


def test_a_split_placing_its_parts_where_the_moved_unit_was_places_them_again() -> None:
    # x moves under p on day 10; on day 20 x splits into a (placed where x was: under p
    # now) and b (named under o): a is placed again, b is not
    facts = _history((Establish, 0, {"unit": "o", "name": "O"}),
                     (Establish, 0, {"unit": "p", "name": "P"}),
                     (Establish, 1, {"unit": "x", "name": "X", "parent": "o"}),
                     (Split, 20, {"unit": "x", "into": (NewUnit(unit="a", name="A"),
                                                        NewUnit(unit="b", name="B",
                                                                parent="o"))}),
                     (Rename, 22, {"unit": "a", "name": "A2"}))
    _moving_x_under_p_places(facts, [("a", "o", "p")])


@st.composite
def parents_ending(draw: Any) -> list[Fact]:
    """A history (`merging_histories`) and then, now and then twice, a unit with children
    ending in a merge (into a new unit placed where it was, or into a unit alive then) or a
    dissolve (its children to a unit alive then), each kept only if the history stays
    valid: its children are moved under another unit."""
    facts: list[Fact] = draw(merging_histories())
    for i in range(draw(st.integers(1, 2))):
        on = START + timedelta(days=draw(st.integers(8, 34)))
        full = replay(known_at(facts, None))
        current = [v for v in [*full.versions, *full.transient]
                   if v.valid_from < on and (v.valid_to is None or v.valid_to >= on)]
        with_kids = sorted({v.parent for v in current if v.parent is not None})
        alive = sorted({v.unit for v in current})
        if not with_kids:
            break
        unit = draw(st.sampled_from(with_kids))
        other = draw(st.sampled_from(alive))
        common: dict[str, Any] = {"id": f"x{i}", "seq": len(facts) + 1, "date": EffDate(on),
                                  "recorded": draw(st.sampled_from(RECORDED))}
        how = draw(st.sampled_from(["new", "into", "dissolve"]))
        end: Fact = Dissolve(unit=unit, children_to=other, **common) if how == "dissolve" \
            else Merge(units=(unit,), into=other, **common) if how == "into" \
            else Merge(units=(unit,), into=f"k{i}", new_unit=NewUnit(unit=f"k{i}", name="K"),
                       **common)
        if check_states([*facts, end])[0] is None:
            facts = [*facts, end]
    return facts


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), facts=parents_ending())
def test_a_backdated_move_of_a_child_a_merge_or_dissolve_moves_equals_a_full_replay(
        data: st.DataObject, facts: list[Fact]) -> None:
    """A move, dated before a merge or a dissolve moves the unit as a child of the unit it
    ends, under a unit alive then: `local_move` (the merge or dissolve no longer moving it,
    when nothing else can tell) or the window replay; either way as a full replay says, and
    the tables as written from a full replay."""
    ends = {f.id for f in facts if isinstance(f, Merge | Dissolve)}
    full = replay(known_at(facts, None))
    moved = [(v.unit, v.valid_from) for v in [*full.versions, *full.transient]
             if v.event in ends and full.lives[v.unit].began_event != v.event]
    if not moved:
        return
    unit, when = data.draw(st.sampled_from(moved))
    day = data.draw(st.integers(max(0, (when - START).days - 12), (when - START).days))
    on = START + timedelta(days=day)
    alive = [u for u, life in full.lives.items() if u != unit and life.began.day <= on
             and (life.ended is None or life.ended.day > on)]
    move = Move(id="n0", seq=len(facts) + 1, recorded=NEW_RECORDED[-1], date=EffDate(on),
                unit=unit, parent=data.draw(st.sampled_from([None, *alive])))
    db = stored(facts)
    expected = check_append(facts, [move])
    local = local_move(StoredState(db), [move])
    path = "window" if local is None else f"local, {len(local.unmade)} unmade"
    event(f"{path}: {'rejected' if expected else 'accepted'}")
    assert said(check_new(StoredState(db), [move])) == said(expected), f"{move}\n{facts}"
    if expected is None:
        assert apply_events(db, len(facts), [move], {}, {}, None, len(facts) + 1)
        assert tables.dump(db) == tables.dump(stored([*facts, move])), f"{move}\n{facts}"


def test_a_unit_placed_under_the_moved_unit_is_followed_too() -> None:
    # x moves under p on day 10; y begins under x on day 12 (so the walk up from y passes
    # x now), and on day 20 y and x merge into m, placed by walking up from y: under p
    facts = _history((Establish, 0, {"unit": "o", "name": "O"}),
                     (Establish, 0, {"unit": "p", "name": "P"}),
                     (Establish, 1, {"unit": "x", "name": "X", "parent": "o"}),
                     (Establish, 12, {"unit": "y", "name": "Y", "parent": "x"}),
                     (Merge, 20, {"units": ("y", "x"), "into": "m",
                                  "new_unit": NewUnit(unit="m", name="M")}))
    _moving_x_under_p_places(facts, [("m", "o", "p")])


def test_a_merge_after_a_move_that_day_walks_up_from_where_that_move_left_its_units() -> None:
    # x moves under p (under y) on day 10; on day 20 y moves under q, then x and y merge
    # into m, placed by walking up from x: past p and y (both in the merge's subtree) to
    # where y is just before the merge, q (the tables' day before says o)
    facts = _history((Establish, 0, {"unit": "o", "name": "O"}),
                     (Establish, 0, {"unit": "q", "name": "Q"}),
                     (Establish, 0, {"unit": "y", "name": "Y", "parent": "o"}),
                     (Establish, 0, {"unit": "p", "name": "P", "parent": "y"}),
                     (Establish, 1, {"unit": "x", "name": "X", "parent": "o"}),
                     (Move, 20, {"unit": "y", "parent": "q"}),
                     (Merge, 20, {"units": ("x", "y"), "into": "m",
                                  "new_unit": NewUnit(unit="m", name="M")}))
    _moving_x_under_p_places(facts, [("m", "o", "q")])


def test_units_above_the_new_place_are_followed_where_they_move() -> None:
    # x moves under p on day 10; p moves under q on day 15 (the walk up from x passes q
    # now) or a split keeping u moves p, its child, to its part n (the walk passes n);
    # on day 18 q (or n, b, a) moves under x: a loop now, which only a replay finds
    start: list[tuple[type[Fact], int, dict[str, Any]]] = [
        (Establish, 0, {"unit": "o", "name": "O"}),
        (Establish, 0, {"unit": "q", "name": "Q"}),
        (Establish, 0, {"unit": "u", "name": "U"}),
        (Establish, 0, {"unit": "p", "name": "P", "parent": "u"}),
        (Establish, 1, {"unit": "x", "name": "X", "parent": "o"})]
    above: list[list[tuple[type[Fact], int, dict[str, Any]]]] = [
             [(Move, 15, {"unit": "p", "parent": "q"}),
              (Move, 18, {"unit": "q", "parent": "x"})],
             [(Split, 15, {"unit": "u", "keep": True, "children": (("p", "n"),),
                           "into": (NewUnit(unit="n", name="N"),)}),
              (Move, 18, {"unit": "n", "parent": "x"})],
             # q's parent a moved under b earlier on day 15: the walk passes b too
             [(Establish, 0, {"unit": "a", "name": "A"}),
              (Establish, 0, {"unit": "b", "name": "B"}),
              (Move, 0, {"unit": "q", "parent": "a"}),
              (Move, 15, {"unit": "a", "parent": "b"}),
              (Move, 15, {"unit": "p", "parent": "q"}),
              (Move, 18, {"unit": "b", "parent": "x"})],
             # q sits under a: the walk passes a too
             [(Establish, 0, {"unit": "a", "name": "A"}),
              (Move, 0, {"unit": "q", "parent": "a"}),
              (Move, 15, {"unit": "p", "parent": "q"}),
              (Move, 18, {"unit": "a", "parent": "x"})]]
    for later in above:
        got = _moved_back(_history(*start, *later), "x", "p", 10)
        assert got is not None and got.culprit.id == "n0"


def test_merges_inside_the_moved_subtree_are_followed() -> None:
    # x moves under p (under g) on day 10; on day 20 a merges into b (both under x), on
    # day 22 c (under b now) and q into m named under b, on day 24 m into n, placed by
    # walking up from m: under b, as stored. None reads what the move changed: followed,
    # nothing placed again; but each new unit is under x, so when g moves under n on day
    # 26 (a loop now) the window replay finds it
    facts = _history((Establish, 0, {"unit": "o", "name": "O"}),
                     (Establish, 0, {"unit": "g", "name": "G"}),
                     (Establish, 0, {"unit": "q", "name": "Q"}),
                     (Establish, 0, {"unit": "p", "name": "P", "parent": "g"}),
                     (Establish, 1, {"unit": "x", "name": "X", "parent": "o"}),
                     (Establish, 1, {"unit": "a", "name": "A", "parent": "x"}),
                     (Establish, 1, {"unit": "b", "name": "B", "parent": "x"}),
                     (Establish, 1, {"unit": "c", "name": "C", "parent": "a"}),
                     (Merge, 20, {"units": ("a",), "into": "b"}),
                     (Merge, 22, {"units": ("c", "q"), "into": "m",
                                  "new_unit": NewUnit(unit="m", name="M", parent="b")}),
                     (Merge, 24, {"units": ("m",), "into": "n",
                                  "new_unit": NewUnit(unit="n", name="N")}))
    _moving_x_under_p_places(facts, [])
    loop = Move(id="e12", seq=12, date=_day(26), recorded=RECORDED[0], unit="g", parent="n")
    got = _moved_back([*facts, loop], "x", "p", 10)
    assert got is not None and got.broken is not None and got.broken.id == "e12"


def test_what_a_unit_held_before_it_came_under_the_moved_unit_tells_nothing() -> None:
    # x moves under p (under g) on day 10; on day 15 z begins under r, then r moves under
    # x (z with it): before that, nothing under r was in x's subtree, so the move is
    # followed. A part placed under r on day 20 by a split keeping s (which names neither
    # r nor x) is in the subtree, and when g moves under it on day 25 (a loop now) the
    # window replay finds it
    start = [(Establish, 0, {"unit": "g", "name": "G"}),
             (Establish, 0, {"unit": "o", "name": "O"}),
             (Establish, 0, {"unit": "r", "name": "R"}),
             (Establish, 0, {"unit": "s", "name": "S"}),
             (Establish, 1, {"unit": "p", "name": "P", "parent": "g"}),
             (Establish, 1, {"unit": "x", "name": "X", "parent": "o"}),
             (Establish, 15, {"unit": "z", "name": "Z", "parent": "r"}),
             (Move, 15, {"unit": "r", "parent": "x"})]
    _moving_x_under_p_places(_history(*start), [])
    later = [(Split, 20, {"unit": "s", "keep": True,
                          "into": (NewUnit(unit="b", name="B", parent="r"),)}),
             (Move, 25, {"unit": "g", "parent": "b"})]
    got = _moved_back(_history(*start, *later), "x", "p", 10)
    assert got is not None and got.broken is not None and got.broken.id == "e10"


def test_a_unit_under_the_moved_unit_for_part_of_a_day_is_in_its_subtree() -> None:
    # d (under x) moves to the top on day 5; on day 20 y merges into d, so y's child b is
    # under d until, that same day, b and d merge into n2, placed by walking up from b:
    # past d to x before, to the top now. b was under d only that day (a transient
    # version): it is in d's subtree all the same, so the walk is done again (here the
    # window replay decides, as y's merge that day read its children) and n2 goes to the
    # top, as in a full replay
    facts = _history((Establish, 0, {"unit": "x", "name": "X"}),
                     (Establish, 0, {"unit": "y", "name": "Y", "parent": "x"}),
                     (Establish, 0, {"unit": "a", "name": "A"}),
                     (Establish, 0, {"unit": "b", "name": "B", "parent": "y"}),
                     (Establish, 0, {"unit": "c", "name": "C"}),
                     (Establish, 0, {"unit": "d", "name": "D", "parent": "x"}),
                     (Merge, 20, {"units": ("y",), "into": "d"}),
                     (Move, 12, {"unit": "y", "parent": None}),
                     (Merge, 20, {"units": ("b", "d"), "into": "n2",
                                  "new_unit": NewUnit(unit="n2", name="N")}))
    move = Move(id="m0", seq=len(facts) + 1, recorded=NEW_RECORDED[-1], date=_day(5),
                unit="d", parent=None)
    db = stored(facts)
    assert check_new(StoredState(db), [move]) is None and check_append(facts, [move]) is None
    local = local_move(StoredState(db), [move])
    assert apply_events(db, len(facts), [move], {}, {}, None, len(facts) + 1)
    assert [r[6] for r in tables.dump(db)["versions"] if r[0] == "n2"] == [None]
    assert tables.dump(db) == tables.dump(stored([*facts, move]))
    assert local is None


def test_a_merge_inside_the_moved_subtree_that_reads_what_the_move_changed_is_not() -> None:
    # x moves under p (under g, o under r) on day 10; on day 20 a (under x) merges with g
    # into b (under x: under g now, a loop), or with r into a new unit placed by walking
    # up from a (past x, under r before, to r's parent; now x, under p, stops the walk):
    # the window replay decides
    start = [(Establish, 0, {"unit": "r", "name": "R"}),
             (Establish, 0, {"unit": "o", "name": "O", "parent": "r"}),
             (Establish, 0, {"unit": "g", "name": "G"}),
             (Establish, 0, {"unit": "p", "name": "P", "parent": "g"}),
             (Establish, 1, {"unit": "x", "name": "X", "parent": "o"}),
             (Establish, 1, {"unit": "a", "name": "A", "parent": "x"}),
             (Establish, 1, {"unit": "b", "name": "B", "parent": "x"})]
    into_b = _history(*start, (Merge, 20, {"units": ("a", "g"), "into": "b"}))
    got = _moved_back(into_b, "x", "p", 10)
    assert got is not None and got.broken is not None and got.broken.id == "e8"
    walked = _history(*start, (Merge, 20, {"units": ("a", "r"), "into": "m",
                                           "new_unit": NewUnit(unit="m", name="M")}))
    assert _moved_back(walked, "x", "p", 10) is None


def test_a_part_placed_under_the_moved_unit_by_a_split_keeping_its_unit_is_followed() -> None:
    # x moves under p on day 10; on day 15 a split keeping o (x's parent before) places
    # its part n under x; on day 20 n and x merge into m, placed by walking up from n:
    # past x to p now
    facts = _history((Establish, 0, {"unit": "o", "name": "O"}),
                     (Establish, 0, {"unit": "p", "name": "P"}),
                     (Establish, 1, {"unit": "x", "name": "X", "parent": "o"}),
                     (Split, 15, {"unit": "o", "keep": True,
                                  "into": (NewUnit(unit="n", name="N", parent="x"),)}),
                     (Merge, 20, {"units": ("n", "x"), "into": "m",
                                  "new_unit": NewUnit(unit="m", name="M")}))
    assert _moved_back(facts, "x", "p", 10) is None


def test_the_parts_of_a_split_keeping_the_moved_unit_go_where_it_now_is() -> None:
    # x moves under p on day 10; on day 15 a split keeping x moves its child c to part n,
    # placed where x is (under p now), and part k under x; on day 18 a split keeping c
    # places j where c is (under n, as stored); n is renamed, then merges into m, placed
    # where n was (under p now): n and m are placed again, k and j are not
    facts = _history((Establish, 0, {"unit": "o", "name": "O"}),
                     (Establish, 0, {"unit": "p", "name": "P"}),
                     (Establish, 1, {"unit": "x", "name": "X", "parent": "o"}),
                     (Establish, 1, {"unit": "c", "name": "C", "parent": "x"}),
                     (Split, 15, {"unit": "x", "keep": True, "children": (("c", "n"),),
                                  "into": (NewUnit(unit="n", name="N"),
                                           NewUnit(unit="k", name="K", parent="x"))}),
                     (Split, 18, {"unit": "c", "keep": True,
                                  "into": (NewUnit(unit="j", name="J"),)}),
                     (Rename, 20, {"unit": "n", "name": "N2"}),
                     (Merge, 25, {"units": ("n",), "into": "m",
                                  "new_unit": NewUnit(unit="m", name="M")}))
    _moving_x_under_p_places(facts, [("n", "o", "p"), ("m", "o", "p")])


def _moving_x_under_p_places(facts: list[Fact], placed: list[tuple[str, str, str]]) -> None:
    """A move of x under p on day 10 is local, places again exactly `placed` (unit, stored
    parent, parent now), is accepted, and leaves the tables a full replay leaves."""
    db = stored(facts)
    move = Move(id="n0", seq=len(facts) + 1, recorded=NEW_RECORDED[-1], date=_day(10),
                unit="x", parent="p")
    local = local_move(StoredState(db), [move])
    assert local is not None and local.breach is None
    assert [(p.unit, p.stored, p.parent) for p in local.placed] == placed
    assert check_append(facts, [move]) is None
    assert apply_events(db, len(facts), [move], {}, {}, None, len(facts) + 1)
    assert tables.dump(db) == tables.dump(stored([*facts, move]))


#: A small chart's units: `x` is the one moved back in `crowded_histories`.
CROWD = ["x", "y", "a", "b", "c", "d"]


@st.composite
def crowded_histories(draw: Any, keeps: bool = False, inside: bool = False) -> list[Fact]:
    """A small chart (`CROWD`, each under an earlier one or none; with `inside`, most often
    under `x`) and then up to eight
    events on a few days (so that several fall on one day): moves, splits that keep their
    unit (most often `x`; with `keeps`, most of the events, of `x` or a unit under it)
    and move some of its children to their one part, merges into a new unit placed by
    walking up from their first unit (most often `x`), merges of units under `x` (with
    `inside`, most of the events) into one of them, `x`, or a new unit placed among them
    (named or by walking up), later splits and dissolves, each kept only if the history
    stays valid."""
    facts: list[Fact] = []

    def add(f: Fact) -> None:
        nonlocal facts
        if check_states([*facts, f])[0] is None:
            facts = [*facts, f]

    for i, u in enumerate(CROWD):
        add(Establish(id=f"c{i}", seq=len(facts) + 1, date=_day(0), recorded=RECORDED[0],
                      unit=u, name=u.upper(),
                      parent=draw(st.sampled_from([None, *CROWD[:i],
                                                   *(["x", "x"][:i] if inside else [])]))))
    made = [f"n{i}" for i in range(8)]
    for i in range(draw(st.integers(1, 8))):
        on = _day(draw(st.sampled_from([12, 20, 20, 20, 26])))
        common: dict[str, Any] = {"id": f"k{i}", "seq": len(facts) + 1, "date": on,
                                  "recorded": RECORDED[0]}
        alive = [*CROWD, *made[:i]]
        unit = draw(st.sampled_from(["y", *alive]))
        how = draw(st.sampled_from(["move", "move", "keep", "merge", "merge", "inside",
                                    "split", "dissolve", *(["keep"] * 5 if keeps else []),
                                    *(["inside"] * 6 if inside else [])]))
        if how == "move":  # most often under `x` or of a new unit
            add(Move(unit=draw(st.sampled_from([unit, *made[:i]])) if i else unit,
                     parent=draw(st.sampled_from([None, "x", *alive])), **common))
        elif how == "keep":  # most often of `x` (moved back) or of a unit under it
            full = replay(known_at(facts, None))
            under_x = _kids(full, {"x"}, on.day)
            unit = draw(st.sampled_from(["x", unit, unit, *(["x", *under_x] if keeps else [])]))
            kids = _kids(full, {unit}, on.day)
            moving = draw(st.lists(st.sampled_from(kids), unique=True)) if kids else []
            add(Split(unit=unit, keep=True, children=tuple((k, made[i]) for k in moving),
                      into=(NewUnit(unit=made[i], name="N",
                                    parent=draw(st.sampled_from(
                                        [None, None, "x", *alive,
                                         *([None] * 8 if keeps else [])]))),),
                      **common))
        elif how in ("merge", "inside"):  # "inside": of units under `x`, most often into
            under = _below(replay(known_at(facts, None)), "x", on.day) \
                if how == "inside" else []  # one of them or a new unit placed among them
            first = draw(st.sampled_from(under or ["x", "x", unit, *made[:i]]))
            others = draw(st.lists(st.sampled_from([*under, *under, "y", "y", *alive]),
                                   min_size=0 if under else 1, max_size=1))
            into = draw(st.sampled_from([made[i], *under, *under, "x", unit]
                                        if under else [made[i]]))
            if draw(st.booleans()):  # a move that day just before it, most often of `y`
                add(Move(unit=draw(st.sampled_from([*others, *others, *alive])),
                         parent=draw(st.sampled_from([None, *alive])), **common))
                common = {**common, "id": f"k{i}m", "seq": len(facts) + 1}
            named = draw(st.sampled_from([None, None, *under, *alive])) if under else None
            add(Merge(units=tuple(dict.fromkeys([first, *others])), into=into,
                      new_unit=NewUnit(unit=made[i], name="N", parent=named)
                      if into == made[i] else None, **common))
        elif how == "split":
            add(Split(unit=unit, into=(NewUnit(unit=made[i], name="N"),
                                       NewUnit(unit=f"{made[i]}b", name="B")), **common))
        else:
            add(Dissolve(unit=unit, children_to=draw(st.sampled_from([None, *alive])),
                         **common))
    return facts


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), facts=crowded_histories())
def test_a_backdated_move_in_a_crowded_chart_equals_a_full_replay(data: st.DataObject,
                                                                  facts: list[Fact]) -> None:
    """A move of `x` (most often) dated before the crowded days of `crowded_histories`, under
    a unit alive then: `local_move` or the window replay; either way as a full replay says,
    and the tables as written from a full replay. This is where the walk up from a merging
    unit meets moves made earlier that day, the units above the new place move, and splits
    keep the old or new parent while moving some of its other children."""
    _moved_in_a_crowd(data, facts)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), facts=crowded_histories(inside=True))
def test_a_backdated_move_before_merges_inside_its_subtree_equals_a_full_replay(
        data: st.DataObject, facts: list[Fact]) -> None:
    """As in a crowded chart, with most events merging units under `x` (the unit most often
    moved) into one of them, `x`, or a new unit placed among them: `local_move` follows
    those that read nothing the move changes (a new unit placed by walking up from them
    is placed again), else the window replay decides; either way as a full replay says."""
    _moved_in_a_crowd(data, facts)


def _moved_in_a_crowd(data: st.DataObject, facts: list[Fact]) -> None:
    """A move of `x` (most often) on day 5, 10 or 12, most often under `y` or a child of
    it, checked against a full replay (`_equals_a_full_replay`)."""
    unit = data.draw(st.sampled_from(["x", "x", "x", *CROWD]))
    on = _day(data.draw(st.sampled_from([5, 10, 12])))
    full = replay(known_at(facts, None))
    below_y = _kids(full, {"y"}, on.day)
    # most often under `y` or a child of it: a merge of x and y then walks up past y
    move = Move(id="m0", seq=len(facts) + 1, recorded=NEW_RECORDED[-1], date=on, unit=unit,
                parent=data.draw(st.sampled_from([None, "y", "y", *below_y, *below_y,
                                                  *CROWD])))
    _equals_a_full_replay(facts, move)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), facts=crowded_histories(keeps=True))
def test_a_backdated_move_before_splits_keeping_its_unit_equals_a_full_replay(
        data: st.DataObject, facts: list[Fact]) -> None:
    """A move of `x` (or of its parent) dated before the crowded days of a chart whose
    events mostly split `x` or a unit under it, keeping it, under a unit alive then:
    `local_move` (the parts that name no parent placed again where `x` now is) or the
    window replay; either way as a full replay says, and the tables as written from a full
    replay."""
    on = _day(data.draw(st.sampled_from([5, 10, 12])))
    full = replay(known_at(facts, None))
    now = [v for v in [*full.versions, *full.transient]
           if v.valid_from <= on.day and (v.valid_to is None or v.valid_to > on.day)]
    above = [v.parent for v in now if v.unit == "x" and v.parent is not None]
    unit = data.draw(st.sampled_from(["x", "x", "x", *above]))
    move = Move(id="m0", seq=len(facts) + 1, recorded=NEW_RECORDED[-1], date=on, unit=unit,
                parent=data.draw(st.sampled_from([None, *sorted({v.unit for v in now})])))
    _equals_a_full_replay(facts, move)
