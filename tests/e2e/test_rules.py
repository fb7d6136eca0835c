"""One test per rule of SPEC §2: the exact one-line error, exit 1, and an unchanged store."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import Run

BASE = """\
format: orgchart/v1
recorded: 2026-01-01
sources:
  s1: {title: Annual report, publisher: ACME}
people:
  ann: {name: Ann}
  bob: {name: Bob}
events:
  - {type: establish, date: 2020-01-01, unit: acme, name: ACME, source: s1}
  - {type: establish, date: 2020-01-01, unit: eng, name: Engineering, parent: acme}
  - {type: establish, date: 2020-01-01, unit: web, name: Web, parent: eng}
  - {type: establish, date: 2020-01-01, unit: ops, name: Ops, parent: acme}
  - {type: appoint, date: 2020-01-01, unit: eng, person: ann, title: CTO}
  - {type: appoint, date: 2020-01-01, unit: ops, person: bob, role: deputy}
  - {type: appoint, date: 2020-01-01, unit: ops, person: ann}
  - {type: appoint, date: 2020-01-01, unit: ops, person: bob}
"""


def bad_file(*events: str, header: str = "format: orgchart/v1\nrecorded: 2026-02-01\nevents:\n"
             ) -> str:
    """A file whose event k (1-based) is on line header_lines + k."""
    return header + "".join(f"  - {e}\n" for e in events)


@pytest.fixture
def based(run: Run, write: Callable[[str, str], str]) -> Run:
    r = run("load", write("base.yaml", BASE))
    assert r.exit_code == 0, r.output
    return run


def rejected(run: Run, path: str, message: str) -> None:
    before = run("export", "--format", "json").stdout
    r = run("load", path)
    assert r.exit_code == 1, r.output
    assert r.stderr == f"Error: {path}:{message}\n"
    assert r.stdout == ""
    assert run("export", "--format", "json").stdout == before


CASES: list[tuple[str, list[str], str | None]] = [
    # structure, ids, dates, references
    ("unknown type", ["{type: establsh, date: 2021, unit: x, name: X}"],
     "4: event 1 (establsh, 2021): unknown event type 'establsh' (did you mean 'establish'?)"),
    ("unknown field", ["{type: establish, date: 2021, unit: x, nmae: X}"],
     "4: event 1 (establish, 2021): unknown field 'nmae' (did you mean 'name'?)"),
    ("missing field", ["{type: rename, date: 2021, name: X}"],
     "4: event 1 (rename, 2021): missing field 'unit'"),
    ("bad id", ["{type: establish, date: 2021, unit: Bad_Id, name: X}"],
     "4: event 1 (establish, 2021): field 'unit': 'Bad_Id' is not a valid id (use lowercase "
     "letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters)"),
    ("bad date", ["{type: rename, date: 2021-13, unit: eng, name: X}"],
     "4: event 1 (rename, 2021-13): '2021-13' is not a valid calendar date"),
    ("date form", ["{type: rename, date: 21-01-01, unit: eng, name: X}"],
     "4: event 1 (rename, 21-01-01): field 'date': '21-01-01' is not a date "
     "(use YYYY-MM-DD, YYYY-MM or YYYY)"),
    ("recorded in the future", ["{type: rename, date: 2021, unit: eng, name: X, "
                                "recorded: 2999-01-01}"],
     "4: event 1 (rename, 2021): recorded date 2999-01-01 is in the future"),
    ("unknown source", ["{type: rename, date: 2021, unit: eng, name: X, source: s11}"],
     "4: event 1 (rename, 2021): source 's11' is not defined under `sources` "
     "(did you mean 's1'?)"),
    ("unknown person", ["{type: appoint, date: 2021, unit: eng, person: anne}"],
     "4: event 1 (appoint, 2021): person 'anne' is not defined under `people` "
     "(did you mean 'ann'?)"),
    ("duplicate event", ["{type: rename, date: 2021, unit: eng, name: X}",
                         "{type: rename, date: 2021, unit: eng, name: X}"],
     "5: event 2 (rename, 2021): duplicates event 1 (same id 'rename-2021-b6c66b3b64')"),
    # establish
    ("unit id reused", ["{type: establish, date: 2021, unit: web, name: Web 2}"],
     "4: event 1 (establish, 2021): unit id 'web' is already used (unit ids are never reused)"),
    ("parent missing", ["{type: establish, date: 2021, unit: x, name: X, parent: nope}"],
     "4: event 1 (establish, 2021): parent 'nope' does not exist on 2021"),
    ("parent not yet", ["{type: establish, date: 2019, unit: x, name: X, parent: acme}"],
     "4: event 1 (establish, 2019): parent 'acme' does not exist on 2019 "
     "(it begins on 2020-01-01)"),
    # rename
    ("rename before it exists", ["{type: rename, date: 2019-05, unit: eng, name: X}"],
     "4: event 1 (rename, 2019-05): unit 'eng' does not exist on 2019-05 "
     "(it begins on 2020-01-01)"),
    ("rename needs a name", ["{type: rename, date: 2021, unit: eng}"],
     "4: event 1 (rename, 2021): a rename needs `name`, `name_en`, `kind`, `order` or `aliases`"),
    # move
    ("move under own descendant", ["{type: move, date: 2021, unit: eng, parent: web}"],
     "4: event 1 (move, 2021): cannot move unit 'eng' under 'web', its own descendant"),
    ("move under itself", ["{type: move, date: 2021, unit: eng, parent: eng}"],
     "4: event 1 (move, 2021): cannot move unit 'eng' under 'eng', its own descendant"),
    ("move after the end", ["{type: dissolve, date: 2021, unit: web}",
                            "{type: move, date: 2022, unit: web, parent: ops}"],
     "5: event 2 (move, 2022): unit 'web' does not exist on 2022 (it ended on 2021, dissolve)"),
    # split
    ("split with one part", ["{type: split, date: 2021, unit: ops, into: [{unit: o1, name: O1}]}"],
     "4: event 1 (split, 2021): a split needs at least two parts (or one with `keep: true`)"),
    ("split leaves a child", ["{type: split, date: 2021, unit: eng, into: [{unit: e1, name: E1}, "
                              "{unit: e2, name: E2}]}"],
     "4: event 1 (split, 2021): children of 'eng' not mapped to a part: web "
     "(add them under `children`)"),
    ("split maps to a non-part", ["{type: split, date: 2021, unit: eng, into: [{unit: e1, name: "
                                  "E1}, {unit: e2, name: E2}], children: {web: ops}}"],
     "4: event 1 (split, 2021): child 'web' is mapped to 'ops', which is not a part of this "
     "split"),
    ("split maps a non-child", ["{type: split, date: 2021, unit: ops, into: [{unit: o1, name: "
                                "O1}, {unit: o2, name: O2}], children: {web: o1}}"],
     "4: event 1 (split, 2021): 'web' is not a child of 'ops' on 2021"),
    ("split reuses an id", ["{type: split, date: 2021, unit: ops, into: [{unit: web, name: W}, "
                            "{unit: o2, name: O2}]}"],
     "4: event 1 (split, 2021): unit id 'web' is already used (unit ids are never reused)"),
    # merge
    ("merge into itself", ["{type: merge, date: 2021, units: [ops, eng], into: ops}"],
     "4: event 1 (merge, 2021): unit 'ops' cannot merge into itself"),
    ("merge into a descendant", ["{type: merge, date: 2021, units: [eng], into: web}"],
     "4: event 1 (merge, 2021): merge target 'web' is a descendant of 'eng', which ends in this "
     "merge"),
    ("merge a missing unit", ["{type: merge, date: 2021, units: [nope], into: ops}"],
     "4: event 1 (merge, 2021): unit 'nope' does not exist on 2021"),
    # dissolve
    ("dissolve with children", ["{type: dissolve, date: 2021, unit: eng}"],
     "4: event 1 (dissolve, 2021): unit 'eng' has children on 2021 (web): `children_to` is "
     "required"),
    ("dissolve children into own subtree", ["{type: dissolve, date: 2021, unit: eng, "
                                            "children_to: web}"],
     "4: event 1 (dissolve, 2021): children_to 'web' is 'eng' or one of its descendants"),
    # appoint / step_down
    ("appoint in a missing unit", ["{type: appoint, date: 2019, unit: eng, person: bob}"],
     "4: event 1 (appoint, 2019): unit 'eng' does not exist on 2019 "
     "(it begins on 2020-01-01)"),
    ("appoint the holder again", ["{type: appoint, date: 2021, unit: eng, person: ann}"],
     "4: event 1 (appoint, 2021): 'ann' already holds role 'head' in unit 'eng' on 2021"),
    ("step down without the role", ["{type: step_down, date: 2021, unit: eng, person: bob}"],
     "4: event 1 (step_down, 2021): 'bob' holds no role in unit 'eng' on 2021"),
    ("step down from a role held by another", ["{type: step_down, date: 2021, unit: eng, "
                                               "person: bob, role: head}"],
     "4: event 1 (step_down, 2021): 'bob' does not hold role 'head' in unit 'eng' on 2021"),
    ("step down from several roles", ["{type: step_down, date: 2021, unit: ops, person: bob}"],
     "4: event 1 (step_down, 2021): 'bob' holds several roles in unit 'ops' on 2021 "
     "(deputy, head): name the `role`"),
    ("roles end with the unit", ["{type: dissolve, date: 2021, unit: ops}",
                                 "{type: step_down, date: 2022, unit: ops, person: bob, "
                                 "role: head}"],
     "5: event 2 (step_down, 2022): unit 'ops' does not exist on 2022 (it ended on 2021, "
     "dissolve)"),
    # transfer
    ("transfer from a unit that does not exist",
     ["{type: transfer, date: 2021, from: nope, to: ops, what: billing}"],
     "4: event 1 (transfer, 2021): transfer source 'nope' does not exist on 2021"),
    ("transfer to a unit that ended",
     ["{type: dissolve, date: 2021, unit: ops}",
      "{type: transfer, date: 2022, from: eng, to: ops, what: billing}"],
     "5: event 2 (transfer, 2022): transfer target 'ops' does not exist on 2022 (it ended on "
     "2021, dissolve)"),
    ("transfer to the same unit", ["{type: transfer, date: 2021, from: eng, to: eng, what: x}"],
     "4: event 1 (transfer, 2021): a transfer needs two units: 'eng' is both `from` and `to`"),
    ("transfer units not a child of from",
     ["{type: transfer, date: 2021, from: acme, to: ops, what: web, units: [web]}"],
     "4: event 1 (transfer, 2021): 'web' is not a child of 'acme' on 2021"),
    ("transfer a unit under its own descendant",
     ["{type: transfer, date: 2021, from: acme, to: web, what: engineering, units: [eng]}"],
     "4: event 1 (transfer, 2021): cannot move unit 'eng' under 'web', its own descendant"),
    ("transfer lists a unit twice",
     ["{type: transfer, date: 2021, from: acme, to: ops, what: x, units: [eng, eng]}"],
     "4: event 1 (transfer, 2021): a unit is listed twice in `units`"),
    # retract
    ("retract an unknown event", ["{type: retract, event: nope, reason: typo}"],
     "4: event 1 (retract): event 'nope' does not exist"),
    ("retract a retraction", ["{type: retract, id: r1, event: establish-2020-01-01-x, "
                              "reason: a}", "{type: retract, event: r1, reason: b}"],
     "4: event 1 (retract): event 'establish-2020-01-01-x' does not exist"),
    ("retraction breaks the history", ["{type: retract, event: e-eng, reason: wrong}"],
     None),  # filled in below: needs the stored id
]


@pytest.mark.parametrize(("events", "message"), [(e, m) for _, e, m in CASES if m],
                         ids=[n for n, _, m in CASES if m])
def test_rule(based: Run, write: Callable[[str, str], str], events: list[str],
              message: str) -> None:
    rejected(based, write("bad.yaml", bad_file(*events)), message)


def cure(event_id: str) -> str:
    """What an error about a stored event the new ones break says to do."""
    return (f"; a stored event cannot be edited: retract it (orgchart retract {event_id} "
            f"--reason …) and record a corrected one, or change the new event")


def stored_id(run: Run, type_: str, unit: str) -> str:
    import json

    rows = json.loads(run("log", "--format", "json").stdout)
    return str(next(r["id"] for r in rows if r["type"] == type_ and r.get("unit") == unit))


def test_retract_breaks_history(based: Run, write: Callable[[str, str], str]) -> None:
    eid = stored_id(based, "establish", "eng")
    web = stored_id(based, "establish", "web")
    rejected(based, write("bad.yaml", bad_file(f"{{type: retract, event: {eid}, reason: x}}")),
             "4: event 1 (retract): makes stored event "
             f"'{web}' (establish, 2020-01-01, recorded 2026-01-01) invalid: "
             f"parent 'eng' does not exist on 2020-01-01{cure(web)}")


def test_retract_a_retraction(based: Run, write: Callable[[str, str], str]) -> None:
    eid = stored_id(based, "appoint", "eng")
    assert based("load", write("r1.yaml", bad_file(
        f"{{type: retract, id: r1, event: {eid}, reason: a}}"))).exit_code == 0
    rejected(based, write("bad.yaml", bad_file("{type: retract, event: r1, reason: b}")),
             "4: event 1 (retract): event 'r1' is a retraction; a retraction cannot be retracted")
    rejected(based, write("bad2.yaml", bad_file(f"{{type: retract, event: {eid}, reason: b}}")),
             f"4: event 1 (retract): event '{eid}' is already retracted by 'r1'")


def test_retract_recorded_before_the_event(based: Run, write: Callable[[str, str], str]) -> None:
    eid = stored_id(based, "appoint", "eng")
    rejected(based, write("bad.yaml", bad_file(
        f"{{type: retract, event: {eid}, reason: a, recorded: 2025-12-31}}")),
        "4: event 1 (retract): a retraction cannot be recorded (2025-12-31) before the event it "
        "retracts (2026-01-01)")


def test_new_event_breaking_a_stored_one(based: Run, write: Callable[[str, str], str]) -> None:
    # a stored 2022 move of ops under web; a new 2021 move of eng under ops creates a cycle
    assert based("load", write("m.yaml", bad_file(
        "{type: move, date: 2022, unit: ops, parent: web}"))).exit_code == 0
    moved = stored_id(based, "move", "ops")
    rejected(based, write("bad.yaml", bad_file("{type: move, date: 2021, unit: web, parent: ops}",
                                                 )),
             "4: event 1 (move, 2021): makes stored event "
             f"'{moved}' (move, 2022, recorded 2026-02-01) invalid: cannot move unit 'ops' "
             f"under 'web', its own descendant{cure(moved)}")


def test_every_knowledge_state_must_be_valid(based: Run,
                                             write: Callable[[str, str], str]) -> None:
    # the rename is recorded on 2026-02-01, the unit it renames only on 2026-02-05
    rejected(based, write("bad.yaml", bad_file(
        "{type: establish, date: 2021, unit: x, name: X, recorded: 2026-02-05}",
        "{type: rename, date: 2022, unit: x, name: Y}")),
        "5: event 2 (rename, 2022): unit 'x' does not exist on 2022 "
        "(in the history as known on 2026-02-01)")


def test_changing_a_recorded_person(based: Run, write: Callable[[str, str], str]) -> None:
    rejected(based, write("bad.yaml", "format: orgchart/v1\npeople:\n  ann: {name: Anne}\n"
                                      "events: []\n"),
             "3: people 'ann': name is already recorded as 'Ann', not 'Anne' (recorded values "
             "cannot change)")


def test_adding_person_fields_is_allowed(based: Run, write: Callable[[str, str], str]) -> None:
    r = based("load", write("ok.yaml", "format: orgchart/v1\npeople:\n"
                                       "  ann: {name: Ann, name_en: Ann E.}\nevents: []\n"))
    assert (r.exit_code, r.stdout) == (0, f"{write('x', '')[:-1]}ok.yaml: 0 new events\n")


def test_same_id_different_content(based: Run, write: Callable[[str, str], str]) -> None:
    assert based("load", write("a.yaml", bad_file(
        "{type: rename, id: ren-1, date: 2021, unit: eng, name: R&D}"))).exit_code == 0
    rejected(based, write("bad.yaml", bad_file(
        "{type: rename, id: ren-1, date: 2021, unit: eng, name: Research}")),
        "4: event 1 (rename, 2021): event id 'ren-1' is already recorded with different "
        "content; history is append-only: retract it and record the corrected event under a "
        "new id")


def test_yaml_syntax_error(based: Run, write: Callable[[str, str], str]) -> None:
    rejected(based, write("bad.yaml", "format: orgchart/v1\nevents:\n  - {type: rename\n"),
             "4: not valid YAML: did not find expected ',' or '}'")


def test_missing_format(based: Run, write: Callable[[str, str], str]) -> None:
    rejected(based, write("bad.yaml", "events: []\n"), "1: `format: orgchart/v1` is required")


def test_first_invalid_file_stops_the_load(based: Run, write: Callable[[str, str], str]) -> None:
    good = write("good.yaml", bad_file("{type: rename, date: 2021, unit: eng, name: R&D}"))
    bad = write("bad.yaml", bad_file("{type: rename, date: 2021, unit: nope, name: X}"))
    later = write("later.yaml", bad_file("{type: rename, date: 2022, unit: ops, name: O}"))
    r = based("load", good, bad, later)
    assert r.exit_code == 1
    assert r.stdout == f"{good}: 1 new event\n"
    assert r.stderr == f"Error: {bad}:4: event 1 (rename, 2021): unit 'nope' does not exist " \
                       f"on 2021\n"
    assert "renamed O" not in based("log").stdout


def test_out_of_order_dates_are_fine(based: Run, write: Callable[[str, str], str]) -> None:
    r = based("load", write("late.yaml", bad_file(
        "{type: establish, date: 2015, unit: old, name: Old}",
        "{type: move, date: 2016, unit: old, parent: null}")))
    assert (r.exit_code, r.stderr) == (0, "")
    assert "Old" in based("at", "2016-06-01").stdout
