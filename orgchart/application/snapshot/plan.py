"""The events that turn the chart on a date into a snapshot: a pure function.

`plan_step(snapshot, chart_units, day, ...)` compares a checked `Snapshot`
with the chart on `day` (the `units` of `orgchart at --format json`) and
returns the events, all dated `day`, that make the chart equal the snapshot:

* structure: `establish`, `move`, `dissolve` (with `children_to` when all of
  a vanished unit's children moved to one existing unit), and — as proposals
  with a comment giving the evidence — `split` (a vanished unit whose children
  moved to new units; new units that appeared under its parent on the same
  date count as parts too) and `merge` (vanished units whose children moved
  to one new unit). Many-to-many changes stay plain events, with a note.
* names: `rename` (name, and English name and kind when the snapshot has the column).
* leaders: `appoint` and `step_down` for the roles the snapshot describes.

The structural events are ordered by a small scheduler over a model of the
tree, so that every event is valid when it is replayed in file order; a
proposal that cannot be made valid falls back to plain events. The result is
checked by replaying it with the real rules (`orgchart.domain.rules`) on
a copy of the chart: the plan is valid and lands exactly on the snapshot, or
this module has a bug and says so.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orgchart.application.snapshot.people import People, add_to_index, name_index, person_for
from orgchart.application.snapshot.read import Snapshot, SnapshotError
from orgchart.domain.dates import EffDate
from orgchart.domain.errors import OrgchartError, RuleViolation
from orgchart.domain.facts import FACT_TYPES, Fact
from orgchart.domain.rules import merge_default_parent, replay

Event = dict[str, Any]
Roles = dict[str, tuple[str, str | None]]  # role -> (person, title)


@dataclass
class Planned:
    """One planned event and the comment lines that explain it in the output file."""

    event: Event
    comments: list[str] = field(default_factory=list)


@dataclass
class StepPlan:
    """The events for one snapshot, the people entries they need, and notes for the reader."""

    day: str
    path: str
    events: list[Planned]
    people: dict[str, dict[str, str]]
    notes: list[str]

    def created_units(self) -> set[str]:
        """Unit ids the plan brings into being (their ids are used from now on)."""
        return units_created(p.event for p in self.events)


@dataclass
class _Unit:
    name: str
    name_en: str | None
    kind: str | None
    parent: str | None
    leaders: Roles
    at: str = ""


# -- the plan ------------------------------------------------------------------------------


def plan_step(snap: Snapshot, chart_units: Sequence[Mapping[str, Any]], day: str,
              people: People | None = None, used_units: Set[str] = frozenset(),
              source: str | None = None, hints: bool = True) -> StepPlan:
    """The events (dated `day`) that turn the chart `chart_units` into `snap`.

    `people` is the store's people (id -> name, name_en), used to find the id of
    a head named by name; `used_units` every unit id the history already uses
    (ids are never reused); `source` a source id to cite on every event;
    `hints=False` plans no split/merge/children_to proposals.
    """
    EffDate.parse(day)  # a bad date is the caller's bug
    before = _before(chart_units)
    after, additions, notes = _after(snap, people or {})
    new = [u for u in after if u not in before]
    reused = [u for u in new if u in used_units]
    if reused:
        raise SnapshotError("\n".join(
            f"{after[u].at}: unit '{u}' is not in the chart on {day}, but its id is already "
            f"used in the history (unit ids are never reused: give the new unit another id)"
            for u in reused))
    ctx = _Ctx(snap, day, before, after, source)
    events = ctx.structure(hints) + ctx.renames() + ctx.leaders()
    problem = _check(ctx, events)
    if problem is not None and hints:
        ctx = _Ctx(snap, day, before, after, source)
        events = ctx.structure(False) + ctx.renames() + ctx.leaders()
        problem = _check(ctx, events)
    if problem is not None:  # pragma: no cover - a bug in this module
        raise OrgchartError(f"import-snapshot planned invalid events for {snap.path} "
                            f"({problem}); please report this")
    return StepPlan(day=day, path=snap.path, events=events, people=additions,
                    notes=notes + ctx.notes)


def _before(chart_units: Sequence[Mapping[str, Any]]) -> dict[str, _Unit]:
    out: dict[str, _Unit] = {}
    for u in chart_units:
        leaders: Roles = {x["role"]: (x["person"], x.get("title")) for x in u.get("leaders") or []}
        out[u["id"]] = _Unit(u["name"], u.get("name_en"), u.get("kind"), u.get("parent"), leaders)
    return out


def _after(snap: Snapshot, people: People) -> tuple[dict[str, _Unit], dict[str, dict[str, str]],
                                                    list[str]]:
    """The snapshot's units with person ids resolved; the people entries to add; notes."""
    registry: dict[str, dict[str, str]] = {k: dict(v) for k, v in people.items()}
    additions: dict[str, dict[str, str]] = {}
    notes: list[str] = []
    problems: list[str] = []
    unnamed: list[str] = []
    index = name_index(registry)
    out: dict[str, _Unit] = {}
    for row in snap.rows:
        roles: Roles = {}
        for ld in row.leaders:
            pid = ld.person if ld.person is not None else person_for(
                ld.name or "", _Both(registry, additions), index)
            if ld.role in roles:
                problems.append(f"{row.at}: unit '{row.unit}' names two people for role "
                                f"'{ld.role}'")
                continue
            roles[ld.role] = (pid, ld.title)
            known = registry.get(pid) or additions.get(pid)
            if known is None:
                entry = {"name": ld.name or pid}
                if ld.name_en:
                    entry["name_en"] = ld.name_en
                additions[pid] = entry
                add_to_index(index, pid, entry)
                if not ld.name:
                    unnamed.append(pid)
                continue
            if ld.name and ld.name not in (known.get("name"), known.get("name_en")):
                notes.append(f"person '{pid}' ({row.at}) is '{ld.name}' in the snapshot but "
                             f"'{known.get('name')}' in the history (recorded names are kept)")
            if ld.name_en and "name_en" not in known:
                known["name_en"] = ld.name_en
                additions[pid] = {**known}
        out[row.unit] = _Unit(row.name, row.name_en, row.kind, row.parent, roles, row.at)
    if problems:
        raise SnapshotError("\n".join(problems))
    if unnamed:
        notes.insert(0, f"the snapshot gives only the ids of {_names(unnamed)}: "
                        f"{'its id stands' if len(unnamed) == 1 else 'their ids stand'} in as "
                        f"the name under `people`; write the real names there before loading")
    return out, additions, notes


class _Both(Mapping[str, Mapping[str, str]]):
    """The recorded people and the ones this snapshot adds, as one mapping (no copy)."""

    def __init__(self, a: Mapping[str, Mapping[str, str]],
                 b: Mapping[str, Mapping[str, str]]) -> None:
        self.a, self.b = a, b

    def __getitem__(self, key: str) -> Mapping[str, str]:
        return self.b[key] if key in self.b else self.a[key]

    def __contains__(self, key: object) -> bool:
        return key in self.a or key in self.b

    def __iter__(self) -> Iterator[str]:
        yield from self.a
        yield from (k for k in self.b if k not in self.a)

    def __len__(self) -> int:
        return len(self.a) + sum(1 for k in self.b if k not in self.a)


# -- the tree model the scheduler works on --------------------------------------------------


class _Tree:
    """Which units are alive and their parents, as the planned events run."""

    def __init__(self, units: Mapping[str, _Unit]) -> None:
        self.parent: dict[str, str | None] = {u: x.parent for u, x in units.items()}
        self.kids: dict[str, set[str]] = {u: set() for u in units}
        for u, p in self.parent.items():
            if p is not None:
                self.kids[p].add(u)

    def alive(self, unit: str | None) -> bool:
        return unit is None or unit in self.parent

    def within(self, unit: str | None, ancestor: str) -> bool:
        """`unit` is `ancestor` or one of its descendants."""
        cur = unit
        while cur is not None:
            if cur == ancestor:
                return True
            cur = self.parent.get(cur)
        return False

    def children(self, unit: str) -> list[str]:
        return sorted(self.kids.get(unit, ()))

    def add(self, unit: str, parent: str | None) -> None:
        self.parent[unit] = parent
        self.kids[unit] = set()
        if parent is not None:
            self.kids[parent].add(unit)

    def place(self, unit: str, parent: str | None) -> None:
        old = self.parent[unit]
        if old is not None:
            self.kids[old].discard(unit)
        self.parent[unit] = parent
        if parent is not None:
            self.kids[parent].add(unit)

    def remove(self, unit: str) -> None:
        old = self.parent.pop(unit)
        if old is not None:
            self.kids[old].discard(unit)
        self.kids.pop(unit, None)


class _Item:
    """A pending structural change. `sugar` items are proposals that can fall back."""

    sugar = False
    key: tuple[int, int, str] = (0, 0, "")

    def ready(self, tree: _Tree) -> bool:
        raise NotImplementedError

    def apply(self, tree: _Tree) -> Planned:
        raise NotImplementedError

    def fallback(self, tree: _Tree) -> list[_Item]:
        raise NotImplementedError


class _Ctx:
    def __init__(self, snap: Snapshot, day: str, before: dict[str, _Unit],
                 after: dict[str, _Unit], source: str | None) -> None:
        self.snap, self.day, self.before, self.after, self.source = (snap, day, before, after,
                                                                     source)
        self.name = Path(snap.path).name
        self.notes: list[str] = []
        self.order = _preorder(after)
        self.pre = {u: i for i, u in enumerate(self.order)}
        self.depth = {u: _depth(before, u) for u in before}

    # -- helpers --

    def target(self, unit: str) -> str | None:
        """The unit's parent in the snapshot."""
        return self.after[unit].parent

    def event(self, type_: str, **fields: Any) -> Event:
        ev: Event = {"type": type_, "date": self.day}
        ev.update({k: v for k, v in fields.items() if v is not None})
        if self.source is not None:
            ev["source"] = self.source
        return ev

    def new_unit(self, unit: str, parent: str | None) -> Event:
        a = self.after[unit]
        out: Event = {"unit": unit, "name": a.name}
        if self.snap.has_name_en and a.name_en:
            out["name_en"] = a.name_en
        if self.snap.has_kind and a.kind:
            out["kind"] = a.kind
        if parent is not None:
            out["parent"] = parent
        return out

    def label(self, unit: str) -> str:
        u = self.before.get(unit) or self.after.get(unit)
        return f"{unit} ({u.name})" if u is not None else unit

    # -- structure --

    def structure(self, hints: bool) -> list[Planned]:
        before, after = self.before, self.after
        gone = [u for u in before if u not in after]
        new = {u for u in after if u not in before}
        items: list[_Item] = []
        consumed: set[str] = set()  # units placed by a proposal, not by their own move
        created: set[str] = set()  # new units created by a proposal
        ended: set[str] = set()  # vanished units ended by a proposal
        if hints:
            for item in self.proposals(gone, new):
                items.append(item)
                consumed |= item.moves
                created |= item.creates
                ended |= item.ends
        for u in self.order:
            if u in new and u not in created:
                items.append(_Establish(self, u))
            elif u not in new and u not in consumed and before[u].parent != after[u].parent:
                items.append(_Move(self, u))
        items += [_Dissolve(self, g, None) for g in gone if g not in ended]
        return _schedule(items, _Tree(before))

    def proposals(self, gone: list[str], new: set[str]) -> list[_Sugar]:
        """Split, merge and children_to proposals from where the vanished units' children went."""
        after, before = self.after, self.before
        survivors = {g: [c for c in _kids(before, g) if c in after] for g in gone}
        # components of vanished and new units linked by a child that moved from one to the other
        link: dict[str, str] = {}

        def find(x: str) -> str:
            while link.get(x, x) != x:
                x = link[x]
            return x

        edges = [(g, self.target(c)) for g in gone for c in survivors[g]
                 if self.target(c) in new]
        for g, n in edges:
            assert n is not None
            link.setdefault(g, g)
            link.setdefault(n, n)
            link[find(g)] = find(n)
        groups: dict[str, tuple[list[str], list[str]]] = {}
        for x in link:
            olds, news = groups.setdefault(find(x), ([], []))
            (olds if x in before else news).append(x)
        linked = set(link)
        # new units with no moved children, under the parent of exactly one vanished unit
        # whose children went to new units: parts of its split
        lone: dict[str, list[str]] = {}
        for u in self.order:
            if u in new and u not in linked and after[u].parent is not None:
                lone.setdefault(after[u].parent or "", []).append(u)
        claim: dict[str, list[str]] = {}
        for olds, _news in groups.values():
            if len(olds) == 1 and before[olds[0]].parent is not None:
                claim.setdefault(before[olds[0]].parent or "", []).append(olds[0])
        out: list[_Sugar] = []
        for olds, news in groups.values():
            olds.sort(key=lambda u: list(before).index(u))
            news.sort(key=lambda u: self.pre[u])
            if len(olds) == 1:
                g = olds[0]
                pg = before[g].parent
                extra = lone.get(pg, []) if pg is not None and claim.get(pg) == [g] else []
                parts = sorted([*news, *extra], key=lambda u: self.pre[u])
                if len(parts) >= 2 and all(after[p].parent is not None or pg is None
                                           for p in parts):
                    out.append(_SplitItem(self, g, parts, extra, survivors[g]))
                    continue
                if len(news) == 1:
                    m = _MergeItem.make(self, olds, news[0], survivors)
                    if m is not None:
                        out.append(m)
                        continue
            elif len(news) == 1:
                m = _MergeItem.make(self, olds, news[0], survivors)
                if m is not None:
                    out.append(m)
                    continue
            self.notes.append(
                f"{_names(olds)} {'is' if len(olds) == 1 else 'are'} gone and {_names(news)} "
                f"{'is' if len(news) == 1 else 'are'} new, with the children of the old units "
                f"spread over the new ones: no single split or merge fits, so this is written "
                f"as establish, move and dissolve events (edit them into a split or merge if "
                f"that is what happened)")
        for g in gone:
            if g in linked or not survivors[g]:
                continue
            targets = {self.target(c) for c in survivors[g]}
            if len(targets) == 1:
                t = next(iter(targets))
                if t is not None and t in before:
                    out.append(_DissolveTo(self, g, t, survivors[g]))
        return out

    # -- names and leaders --

    def renames(self) -> list[Planned]:
        out: list[Planned] = []
        for u in self.order:
            b, a = self.before.get(u), self.after[u]
            if b is None:
                continue
            name = a.name if a.name != b.name else None
            name_en = None
            if self.snap.has_name_en:
                if a.name_en and a.name_en != b.name_en:
                    name_en = a.name_en
                elif not a.name_en and b.name_en:
                    self.notes.append(f"{u} ({a.at}) has no English name in the snapshot but "
                                      f"'{b.name_en}' in the history: no event removes a name, "
                                      f"so it stays")
            kind = None
            if self.snap.has_kind and a.kind != b.kind:
                if a.kind:  # a rename may carry the unit's new kind
                    kind = a.kind
                else:
                    self.notes.append(f"{u} ({a.at}) has no kind in the snapshot but "
                                      f"'{b.kind}' in the history: no event removes a kind, "
                                      f"so it stays")
            if name is not None or name_en is not None or kind is not None:
                out.append(Planned(self.event("rename", unit=u, name=name, name_en=name_en,
                                              kind=kind)))
        return out

    def described(self, roles: Iterable[str]) -> list[str]:
        if self.snap.leaders == "none":
            return []
        keep = [r for r in roles if self.snap.leaders == "all" or r == "head"]
        return sorted(set(keep), key=lambda r: (r != "head", r))

    def leaders(self) -> list[Planned]:
        out: list[Planned] = []
        for u in self.order:
            b = self.before.get(u)
            held: Roles = b.leaders if b is not None else {}
            want = self.after[u].leaders
            for role in self.described([*held, *want]):
                old, now = held.get(role), want.get(role)
                if now is None:
                    if old is not None:
                        out.append(Planned(self.step_down(u, old[0], role, held)))
                    continue
                person, title = now
                if old is not None and old[0] == person:
                    if not self.snap.has_title or old[1] == title:
                        continue
                    out.append(Planned(self.step_down(u, person, role, held), [
                        f"{person}'s title as {role} of {u} changes from '{old[1] or ''}' to "
                        f"'{title or ''}': recorded as stepping down and a new appointment"]))
                out.append(Planned(self.event(
                    "appoint", unit=u, person=person, role=role if role != "head" else None,
                    title=title if self.snap.has_title else None)))
        return out

    def step_down(self, unit: str, person: str, role: str, held: Roles) -> Event:
        several = sum(1 for p, _ in held.values() if p == person) > 1
        return self.event("step_down", unit=unit, person=person,
                          role=role if role != "head" or several else None)


# -- plain structural changes -----------------------------------------------------------------


class _Establish(_Item):
    def __init__(self, ctx: _Ctx, unit: str) -> None:
        self.ctx, self.unit = ctx, unit
        self.key = (0, ctx.pre[unit], unit)

    def ready(self, tree: _Tree) -> bool:
        return tree.alive(self.ctx.target(self.unit))

    def apply(self, tree: _Tree) -> Planned:
        parent = self.ctx.target(self.unit)
        tree.add(self.unit, parent)
        return Planned(self.ctx.event("establish", **self.ctx.new_unit(self.unit, parent)))


class _Move(_Item):
    def __init__(self, ctx: _Ctx, unit: str) -> None:
        self.ctx, self.unit = ctx, unit
        self.key = (0, ctx.pre[unit], unit)

    def ready(self, tree: _Tree) -> bool:
        p = self.ctx.target(self.unit)
        return p is None or (tree.alive(p) and not tree.within(p, self.unit))

    def apply(self, tree: _Tree) -> Planned:
        p = self.ctx.target(self.unit)
        tree.place(self.unit, p)
        ev = self.ctx.event("move", unit=self.unit)
        ev["parent"] = p  # null makes it a root
        return Planned(ev)


class _Dissolve(_Item):
    def __init__(self, ctx: _Ctx, unit: str, comment: str | None) -> None:
        self.ctx, self.unit, self.comment = ctx, unit, comment
        self.key = (1, -ctx.depth[unit], unit)

    def ready(self, tree: _Tree) -> bool:
        return not tree.children(self.unit)

    def apply(self, tree: _Tree) -> Planned:
        tree.remove(self.unit)
        return Planned(self.ctx.event("dissolve", unit=self.unit),
                       [self.comment] if self.comment else [])


# -- proposals -----------------------------------------------------------------------------------


class _Sugar(_Item):
    """A proposal: the units it places (instead of their moves), creates and ends."""

    sugar = True
    moves: set[str]
    creates: set[str]
    ends: set[str]
    ctx: _Ctx

    def fallback(self, tree: _Tree) -> list[_Item]:
        out: list[_Item] = [_Establish(self.ctx, u) for u in sorted(self.creates)]
        out += [_Move(self.ctx, u) for u in sorted(self.moves)
                if tree.parent.get(u) != self.ctx.target(u)]
        out += [_Dissolve(self.ctx, g, None) for g in sorted(self.ends)]
        return out


class _SplitItem(_Sugar):
    def __init__(self, ctx: _Ctx, unit: str, parts: list[str], extra: list[str],
                 survivors: list[str]) -> None:
        self.ctx, self.unit, self.parts, self.extra = ctx, unit, parts, extra
        self.moves = {c for c in survivors if ctx.target(c) in parts}
        self.creates, self.ends = set(parts), {unit}
        self.key = (0, min(ctx.pre[p] for p in parts), unit)

    def ready(self, tree: _Tree) -> bool:
        ctx, g = self.ctx, self.unit
        kids = tree.children(g)
        if any(k not in ctx.after or ctx.target(k) not in self.parts for k in kids):
            return False
        for p in self.parts:
            sp = ctx.target(p)
            if sp == tree.parent[g] or sp in self.parts:
                continue
            if sp is None or not tree.alive(sp) or tree.within(sp, g) \
                    or any(tree.within(sp, k) for k in kids):
                return False
        return True

    def apply(self, tree: _Tree) -> Planned:
        ctx, g = self.ctx, self.unit
        kids = tree.children(g)
        gp = tree.parent[g]
        into = []
        for p in self.parts:
            sp = ctx.target(p)
            into.append(ctx.new_unit(p, sp if sp != gp else None))
            tree.add(p, sp)
        for k in kids:
            tree.place(k, ctx.target(k))
        tree.remove(g)
        by_part: dict[str, list[str]] = {}
        for k in kids:
            by_part.setdefault(ctx.target(k) or "", []).append(k)
        moved = "; ".join(f"{_names(ks)} to {p}" for p, ks in by_part.items())
        why = f"split proposed: {ctx.label(g)} is gone from the snapshot"
        if kids:
            why += f" and its children moved to new units ({moved})"
        if self.extra:
            why += (f"; {_names(self.extra)} {'is' if len(self.extra) == 1 else 'are'} new under "
                    f"{gp}, {g}'s parent, on the same date")
        why += (". Edit this event, or replace it with establish and dissolve events, if it was "
                "not a split.")
        ev = ctx.event("split", unit=g, into=into,
                       children={k: ctx.target(k) for k in kids} or None)
        ev["note"] = f"Inferred by import-snapshot from {ctx.name}: {g} is gone" + (
            f", its children moved to {_names(sorted({ctx.target(k) or '' for k in kids}))}"
            if kids else "") + (f"; {_names(self.extra)} appeared beside it" if self.extra else "")
        return Planned(ev, [why])


class _MergeItem(_Sugar):
    def __init__(self, ctx: _Ctx, units: list[str], target: str,
                 survivors: Mapping[str, list[str]]) -> None:
        self.ctx, self.units, self.target_unit = ctx, units, target
        self.moves = {c for g in units for c in survivors[g] if ctx.target(c) == target}
        self.creates, self.ends = {target}, set(units)
        self.key = (0, ctx.pre[target], target)

    @classmethod
    def make(cls, ctx: _Ctx, units: list[str], target: str,
             survivors: Mapping[str, list[str]]) -> _MergeItem | None:
        """The merge, with `units` ordered so the new unit lands where the snapshot has it;
        None if the merge cannot put it there (a new root beside a non-root unit)."""
        if ctx.target(target) is None:
            roots = [g for g in units if _default_parent(ctx.before, [g, *units]) is None]
            if not roots:
                return None
            units = [roots[0], *(g for g in units if g != roots[0])]
        return cls(ctx, units, target, survivors)

    def ready(self, tree: _Tree) -> bool:
        ctx = self.ctx
        for g in self.units:
            for k in tree.children(g):
                if k not in self.units and (k not in ctx.after
                                            or ctx.target(k) != self.target_unit):
                    return False
        sp = ctx.target(self.target_unit)
        if sp is None or sp == _default_parent_tree(tree, self.units):
            return sp is not None or _default_parent_tree(tree, self.units) is None
        return tree.alive(sp) and not any(tree.within(sp, g) for g in self.units)

    def apply(self, tree: _Tree) -> Planned:
        ctx, n = self.ctx, self.target_unit
        sp = ctx.target(n)
        default = _default_parent_tree(tree, self.units)
        moved = [(k, g) for g in self.units for k in tree.children(g) if k not in self.units]
        tree.add(n, sp)
        for k, _g in moved:
            tree.place(k, n)
        for g in sorted(self.units, key=lambda u: -ctx.depth[u]):
            tree.remove(g)
        ev = ctx.event("merge", units=list(self.units),
                       into=ctx.new_unit(n, sp if sp != default else None))
        olds = _names(self.units)
        if len(self.units) == 1:
            why = (f"merge proposed: {ctx.label(self.units[0])} is gone from the snapshot and "
                   f"its children ({_names([k for k, _ in moved])}) moved to the new unit {n}, "
                   f"which looks like its successor")
        else:
            why = (f"merge proposed: {olds} are gone from the snapshot and their children moved "
                   f"to the new unit {n} (" +
                   ", ".join(f"{k} from {g}" for k, g in moved) + ")")
        why += (". Edit this event, or replace it with establish and dissolve events, if it was "
                "not a merge.")
        ev["note"] = (f"Inferred by import-snapshot from {ctx.name}: {olds} gone, "
                      f"children moved to {n}")
        return Planned(ev, [why])


class _DissolveTo(_Sugar):
    def __init__(self, ctx: _Ctx, unit: str, to: str, survivors: list[str]) -> None:
        self.ctx, self.unit, self.to = ctx, unit, to
        self.moves, self.creates, self.ends = set(survivors), set(), {unit}
        self.key = (1, -ctx.depth[unit], unit)

    def ready(self, tree: _Tree) -> bool:
        kids = tree.children(self.unit)
        return tree.alive(self.to) and not tree.within(self.to, self.unit) and all(
            k in self.ctx.after and self.ctx.target(k) == self.to for k in kids)

    def apply(self, tree: _Tree) -> Planned:
        ctx, g = self.ctx, self.unit
        kids = tree.children(g)
        for k in kids:
            tree.place(k, self.to)
        tree.remove(g)
        if not kids:
            return Planned(ctx.event("dissolve", unit=g))
        ev = ctx.event("dissolve", unit=g, children_to=self.to)
        return Planned(ev, [f"{ctx.label(g)} is gone from the snapshot and its children "
                            f"({_names(kids)}) now sit under {self.to} (if {self.to} absorbed "
                            f"it, make this a merge: units: [{g}], into: {self.to})"])


# -- scheduling ---------------------------------------------------------------------------------


def _schedule(items: list[_Item], tree: _Tree) -> list[Planned]:
    """Run the first ready item, again and again; when none is, a proposal falls back."""
    pending = sorted(items, key=lambda i: i.key)
    out: list[Planned] = []
    while pending:
        for i, item in enumerate(pending):
            if item.ready(tree):
                out.append(item.apply(tree))
                del pending[i]
                break
        else:
            j = next((i for i, item in enumerate(pending) if item.sugar), None)
            if j is None:  # pragma: no cover - plain items in this order are always ready
                raise OrgchartError("import-snapshot could not order the structural changes; "
                                    "please report this")
            pending = sorted(pending[:j] + pending[j + 1:] + pending[j].fallback(tree),
                             key=lambda i: i.key)
    return out


# -- checking the plan with the real rules --------------------------------------------------


def _fact(ev: Mapping[str, Any], seq: int = 0, d: EffDate | None = None) -> Fact:
    """A planned event (in file form) as an event value."""
    return FACT_TYPES[ev["type"]].from_file(ev, id=f"e{seq}", date=d, recorded="2000-01-01",
                                            seq=seq)


def _check(ctx: _Ctx, planned: list[Planned]) -> str | None:
    """None if the plan replays on the chart and lands on the snapshot; else what is wrong."""
    d = EffDate.parse(ctx.day)
    facts: list[Fact] = []
    for uid in _preorder(ctx.before):
        u = ctx.before[uid]
        facts.append(_fact({"type": "establish", "unit": uid, "name": u.name,
                            "name_en": u.name_en, "kind": u.kind, "parent": u.parent},
                           len(facts) + 1, d))
        for role, (person, title) in u.leaders.items():
            facts.append(_fact({"type": "appoint", "unit": uid, "person": person, "role": role,
                                "title": title}, len(facts) + 1, d))
    base = len(facts)
    facts += [_fact(p.event, len(facts) + 1 + i, d) for i, p in enumerate(planned)]
    try:
        tl = replay(facts)
    except RuleViolation as e:
        n = int(e.event_id[1:]) - base if e.event_id else 0
        return f"event {n}: {e.rule}"
    got = {v.unit: (v.name, v.name_en, v.kind, v.parent) for v in tl.versions
           if v.valid_to is None}
    roles = {(t.unit, t.role): (t.person, t.title) for t in tl.tenures if t.end is None}
    want: dict[str, tuple[str, str | None, str | None, str | None]] = {}
    want_roles: dict[tuple[str, str], tuple[str, str | None]] = {}
    for uid, a in ctx.after.items():
        b = ctx.before.get(uid)
        name_en = a.name_en if ctx.snap.has_name_en and a.name_en else (
            b.name_en if b is not None else None)
        kind = a.kind if ctx.snap.has_kind and a.kind else (b.kind if b is not None else None)
        want[uid] = (a.name, name_en, kind, a.parent)
        described = set(ctx.described([*a.leaders, *(b.leaders if b else {})]))
        for role, held in (b.leaders if b else {}).items():
            if role not in described:
                want_roles[(uid, role)] = held
        for role, (person, title) in a.leaders.items():
            if role in described:
                old = b.leaders.get(role) if b else None
                keep_title = not ctx.snap.has_title and old is not None and old[0] == person
                want_roles[(uid, role)] = (person, old[1] if keep_title and old else
                                           title if ctx.snap.has_title else None)
    if got != want:
        diff = sorted(set(got.items()) ^ set(want.items()))[:3]
        return f"the result differs from the snapshot: {diff}"
    if roles != want_roles:
        diff2 = sorted(set(roles.items()) ^ set(want_roles.items()))[:3]
        return f"the leaders differ from the snapshot: {diff2}"
    return None


# -- small helpers -------------------------------------------------------------------------------


def _kids(units: Mapping[str, _Unit], unit: str) -> list[str]:
    return sorted(u for u, x in units.items() if x.parent == unit)


def _depth(units: Mapping[str, _Unit], unit: str) -> int:
    n, cur = 0, units[unit].parent
    while cur is not None and cur in units:
        n, cur = n + 1, units[cur].parent
    return n


def _preorder(units: Mapping[str, _Unit]) -> list[str]:
    kids: dict[str | None, list[str]] = {}
    for u, x in units.items():
        kids.setdefault(x.parent, []).append(u)
    out: list[str] = []
    todo = sorted(kids.get(None, []), reverse=True)
    while todo:
        u = todo.pop()
        out.append(u)
        todo.extend(sorted(kids.get(u, []), reverse=True))
    return out


def _default_parent(units: Mapping[str, _Unit], order: list[str]) -> str | None:
    """Where a merge of `order` puts its new unit by default, in the chart `units`."""
    return _default_parent_tree(_Tree(units), order)


def _default_parent_tree(tree: _Tree, order: list[str]) -> str | None:
    """Where a merge of `order` puts its new unit by default (the rules' own function)."""
    return merge_default_parent(order, tree.parent.get, tree.within)


def _names(units: Iterable[str]) -> str:
    return ", ".join(units)


def wrap_comment(text: str, indent: str = "") -> list[str]:
    """A comment as `# ...` lines of at most ~96 characters."""
    flat = " ".join(text.split())
    return [f"{indent}# {line}" for line in textwrap.wrap(flat, 96 - len(indent),
                                                          break_on_hyphens=False)] or [
        f"{indent}#"]


def units_created(events: Iterable[Mapping[str, Any]]) -> set[str]:
    """Every unit id these events (in file form) bring into being."""
    return {u for e in events for u in _fact(e).creates()}
