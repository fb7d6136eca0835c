"""`plan_step` on random charts and random snapshots: it always finds valid events that land
exactly on the snapshot (the plan checks itself by replaying with the real rules, so any
failure raises), and planning the snapshot against its own result plans nothing."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orgchart.application.snapshot.plan import plan_step
from orgchart.application.snapshot.read import Leader, Row, Snapshot, check

IDS = [f"u{i}" for i in range(12)]
PEOPLE = ["ann", "bo", "cy"]


@st.composite
def forest(draw: Any, ids: list[str]) -> dict[str, str | None]:
    """A random forest over `ids`: each unit's parent is an earlier unit or none."""
    order = draw(st.permutations(ids))
    return {u: draw(st.sampled_from([None, *order[:i]])) for i, u in enumerate(order)}


@st.composite
def reorganised(draw: Any, before: dict[str, str | None]) -> dict[str, str | None]:
    """A forest like `before` after a reorganisation: some units gone, some new, and the
    children of gone units mostly under new units (splits and merges), others kept in place."""
    gone = {u for u in before if draw(st.integers(0, 3)) == 0}
    new = [u for u in IDS if u not in before][:draw(st.integers(0, 4))]
    ids = [u for u in before if u not in gone] + new
    if not ids:
        ids = [IDS[-1]]
    # children of gone units last, so that new units can take them
    order = sorted(draw(st.permutations(ids)), key=lambda u: before.get(u) in gone)
    out: dict[str, str | None] = {}
    for i, u in enumerate(order):
        earlier = order[:i]
        old = before.get(u)
        if old in earlier and draw(st.integers(0, 4)) > 0:
            out[u] = old
            continue
        fresh = [x for x in earlier if x in new]
        if old in gone and fresh and draw(st.integers(0, 4)) > 0:
            out[u] = draw(st.sampled_from(fresh))
            continue
        sibling = before.get(old) if old is not None else None
        if u in new and draw(st.booleans()):
            parents = [before[g] for g in sorted(gone) if before[g] in earlier]
            if parents:
                out[u] = draw(st.sampled_from(parents))
                continue
        out[u] = draw(st.sampled_from([None, *earlier, *([sibling] if sibling in earlier
                                                         else [])]))
    return out


@st.composite
def chart_and_snapshot(draw: Any) -> tuple[list[dict[str, Any]], Snapshot]:
    before_ids = draw(st.lists(st.sampled_from(IDS), min_size=0, max_size=9, unique=True))
    b = draw(forest(sorted(before_ids)))
    if draw(st.booleans()):
        a = draw(reorganised(b))
    else:
        after_ids = draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=9, unique=True))
        a = draw(forest(sorted(after_ids)))
    chart = []
    for u in _preorder(b):
        leaders: list[dict[str, Any]] = []
        if draw(st.booleans()):
            leaders.append({"person": draw(st.sampled_from(PEOPLE)), "name": "x", "name_en": None,
                            "role": "head", "title": draw(st.sampled_from([None, "CEO"])),
                            "since": "2020"})
        chart.append({"id": u, "name": draw(st.sampled_from([f"N {u}", f"M {u}"])),
                      "name_en": None, "kind": None, "parent": b[u], "since": "2020",
                      "leaders": leaders})
    rows: list[Row] = []
    for u in sorted(a):
        head = draw(st.sampled_from([None, *PEOPLE]))
        heads = (Leader(role="head", person=head, name=head,
                        title=draw(st.sampled_from([None, "CEO"]))),) if head else ()
        rows.append(Row(at=f"s.csv:{len(rows) + 2}", unit=u,
                        name=draw(st.sampled_from([f"N {u}", f"M {u}"])), parent=a[u],
                        leaders=heads))
    return chart, check(Snapshot(path="s.csv", rows=tuple(rows), leaders="head",
                                 has_title=True))


def _preorder(parents: dict[str, str | None]) -> list[str]:
    out: list[str] = []

    def walk(u: str) -> None:
        out.append(u)
        for k in sorted(x for x, p in parents.items() if p == u):
            walk(k)

    for r in sorted(u for u, p in parents.items() if p is None):
        walk(r)
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=chart_and_snapshot(), hints=st.booleans())
def test_plans_land_on_the_snapshot(case: tuple[list[dict[str, Any]], Snapshot],
                                    hints: bool) -> None:
    chart, snap = case
    people = {p: {"name": p} for p in PEOPLE}
    step = plan_step(snap, chart, "2021-05-01", people, hints=hints)  # raises if invalid
    assert not step.people
    # the snapshot as a chart: planning it again plans nothing
    after = [{"id": r.unit, "name": r.name, "name_en": None, "kind": None, "parent": r.parent,
              "leaders": [{"person": x.person, "role": x.role, "title": x.title}
                          for x in r.leaders]} for r in snap.rows]
    assert plan_step(snap, after, "2021-05-02", people).events == []
