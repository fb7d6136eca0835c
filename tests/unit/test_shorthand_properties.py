"""Tenures and reshuffles are the events they stand for: a property over random sets.

Over a small valid history (three units, one of them dissolved), random runs of
holders of each role are drawn; each holder's appointment and stepping-down is
written, at random, as a tenure, as entries of reshuffle blocks, or by hand
under `events:`, with random titles, roles, sources, notes and `recorded`
forms, and tenures and blocks in random order. The file must load, and give
byte-identical `orgchart export` and `log --format json` to the same events all
written by hand, in the order events/README.md defines: the steppings-down of
tenures and reshuffles, then the file's own events, then their appointments.

The expected events are built here from the rules of the format, not by the
code under test.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orgchart.adapters.eventfile.dump import dump_document
from orgchart.cli import cli
from orgchart.domain.dates import EffDate

Raw = dict[str, Any]
Draw = Callable[[st.SearchStrategy[Any]], Any]

STRUCTURE: list[Raw] = [
    {"type": "establish", "date": "2020-01-01", "unit": "acme", "name": "ACME"},
    {"type": "establish", "date": "2020-01-01", "unit": "eng", "name": "Engineering",
     "parent": "acme"},
    {"type": "establish", "date": "2021-03", "unit": "ops", "name": "Ops", "parent": "acme"},
    {"type": "dissolve", "date": "2024-06-01", "unit": "eng"},
]
#: Each unit's first day and the day it ends (roles may be left on that day, not taken).
LIVES = {"acme": ("2020-01-01", None), "eng": ("2020-01-01", "2024-06-01"),
         "ops": ("2021-03", None)}
#: Effective dates, each on a different day, some of them partial.
DATES = ["2020-01-01", "2020-07", "2021", "2021-03", "2021-03-02", "2022-01-15", "2023",
         "2024-06-01", "2025-02-03"]
#: The holders a role is drawn from: nobody holds two roles in one unit at once, so a
#: stepping-down without `role` is always valid.
HOLDERS = {"head": ["ann", "bob", "cat"], "deputy": ["dan", "eve"]}
PEOPLE = {p: {"name": p.title()} for ps in HOLDERS.values() for p in ps}
SOURCES = {"s1": {"title": "Report"}, "s2": {"title": "Press release"}}
RECORDED = "2026-01-01"  # the file's; an entry may give "2026-01", the same day


def day(text: str) -> Any:
    return EffDate.parse(text).day


def maybe(draw: Draw, values: list[Any]) -> Any:
    """A value of `values`, or `...` (the field is left out)."""
    return draw(st.sampled_from([..., *values]))


def given_fields(**fields: Any) -> Raw:
    return {k: v for k, v in fields.items() if v is not ...}


def common(draw: Draw) -> Raw:
    return given_fields(source=maybe(draw, ["s1", ["s1", "s2"]]),
                        note=maybe(draw, ["a note", None]),
                        recorded=maybe(draw, ["2026-01"]))


def role_field(draw: Draw, role: str) -> Any:
    return role if role != "head" else maybe(draw, ["head"])


class Plan:
    """A file with tenures and reshuffles, and the same events written by hand."""

    def __init__(self) -> None:
        self.tenures: list[tuple[Raw, Raw, Raw | None]] = []  # entry, appoint, step_down
        self.loose: list[Raw] = []  # events for reshuffles or `events:`

    def holders(self, draw: Draw, unit: str, role: str) -> None:
        """A run of holders of one role: each appointed, and maybe stepping down when the
        next one comes, or at the end."""
        first, end = LIVES[unit]
        starts = [d for d in DATES if day(first) <= day(d) and (end is None or day(d) < day(end))]
        ends = [d for d in DATES if end is None or day(d) <= day(end)]
        taken = sorted(draw(st.sets(st.sampled_from(starts), max_size=3)), key=day)
        people: list[str] = []
        for _ in taken:
            people.append(draw(st.sampled_from([p for p in HOLDERS[role]
                                                if not people or p != people[-1]])))
        for i, (start, person) in enumerate(zip(taken, people, strict=True)):
            later = [d for d in ends if day(d) > day(start)]
            to = taken[i + 1] if i + 1 < len(taken) else (draw(st.sampled_from(later))
                                                          if later else None)
            if to is not None and draw(st.booleans()):
                to = None  # the next holder's appointment (or the unit's end) ends it
            self.write(draw, unit, role, person, start, to)

    def write(self, draw: Draw, unit: str, role: str, person: str, start: str,
              to: str | None) -> None:
        how = draw(st.sampled_from(["tenure", "loose"]))
        if how == "tenure":
            own = given_fields(role=role_field(draw, role),
                               title=maybe(draw, ["CEO", "Head", None]), **common(draw))
            entry = {"person": person, "unit": unit, "from": start,
                     **({"to": to} if to else {}), **own}
            appoint = {"type": "appoint", "date": start, "unit": unit, "person": person, **own}
            step_down = {"type": "step_down", "date": to, "unit": unit, "person": person,
                         **{k: v for k, v in own.items() if k != "title"}} if to else None
            self.tenures.append((entry, appoint, step_down))
            return
        self.loose.append(given_fields(type="appoint", date=start, unit=unit, person=person,
                                       role=role_field(draw, role),
                                       title=maybe(draw, ["CTO", None])))
        if to:
            self.loose.append(given_fields(type="step_down", date=to, unit=unit, person=person,
                                           role=role_field(draw, role)))

    def files(self, draw: Draw) -> tuple[Raw, Raw]:
        """The file with tenures and reshuffles, and the same events written by hand."""
        rng = random.Random(draw(st.integers(0, 2**32)))
        by_hand = [*STRUCTURE]
        blocks: list[tuple[Raw, list[Raw], list[Raw]]] = []  # block, its events by kind
        for event in self.loose:
            if draw(st.booleans()):
                by_hand.append({**event, **common(draw)})
                continue
            same_day = [b for b in blocks if b[0]["date"] == event["date"]]
            if same_day and draw(st.booleans()):
                block, leaving, arriving = same_day[0]
            else:
                block = {"date": event["date"], **common(draw)}
                leaving, arriving = [], []
                blocks.append((block, leaving, arriving))
            entry = {k: v for k, v in event.items() if k not in ("type", "date")}
            entry.update(given_fields(source=maybe(draw, ["s2"]),
                                      note=maybe(draw, ["own note", None])))
            block.setdefault(event["type"], []).append(entry)
            shared = {k: v for k, v in block.items() if k in ("source", "note", "recorded")}
            (leaving if event["type"] == "step_down" else arriving).append(
                {"type": event["type"], "date": block["date"], **shared, **entry})
        rank = {"step_down": 0, "appoint": 2}
        by_hand.sort(key=lambda e: (day(e["date"]), rank.get(e["type"], 1)))
        tenures = list(self.tenures)
        rng.shuffle(tenures)
        rng.shuffle(blocks)
        for block, _, _ in blocks:  # the order of a block's keys does not matter
            if "appoint" in block and "step_down" in block and rng.random() < 0.5:
                block["step_down"] = block.pop("step_down")
        head = {"format": "orgchart/v1", "recorded": RECORDED, "sources": SOURCES,
                "people": PEOPLE}
        lists = {"events": by_hand, "tenures": [entry for entry, _, _ in tenures],
                 "reshuffle": [b for b, _, _ in blocks]}
        keys = ["events", "tenures", "reshuffle"]
        rng.shuffle(keys)
        shorthand = {**head, **{k: lists[k] for k in keys if lists[k]}}
        events = [*(step_down for _, _, step_down in tenures if step_down),
                  *(e for _, leaving, _ in blocks for e in leaving),
                  *by_hand,
                  *(appoint for _, appoint, _ in tenures),
                  *(e for _, _, arriving in blocks for e in arriving)]
        return shorthand, {**head, "events": events}


@st.composite
def plans(draw: Draw) -> tuple[Raw, Raw]:
    plan = Plan()
    for unit in LIVES:
        for role in HOLDERS:
            plan.holders(draw, unit, role)
    return plan.files(draw)


def cli_run(db: Path, *args: str) -> tuple[int, str]:
    r = CliRunner().invoke(cli, ["--db", str(db), *args], obj={})
    return r.exit_code, r.output


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(files=plans(), fmt=st.sampled_from(["yaml", "json"]))
def test_tenures_and_reshuffles_load_as_the_events_written_by_hand(files: tuple[Raw, Raw],
                                                                   fmt: str) -> None:
    shorthand, by_hand = files
    with tempfile.TemporaryDirectory(prefix="orgchart-shorthand-") as tmp:
        answers = []
        for name, doc in (("shorthand", shorthand), ("by-hand", by_hand)):
            path = Path(tmp) / f"{name}.{fmt}"
            path.write_text(dump_document(doc, fmt), encoding="utf-8")
            db = Path(tmp) / f"{name}.db"
            n = len(by_hand["events"])
            assert cli_run(db, "load", str(path)) == (0, f"{path}: {n} new events\n")
            answers.append((cli_run(db, "export"), cli_run(db, "log", "--format", "json")))
        assert answers[0] == answers[1]
