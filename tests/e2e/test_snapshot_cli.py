"""`orgchart import-snapshot`: HR snapshots to a reviewable history, on both back-ends."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from orgchart.cli import cli
from tests.conftest import SEED, Run

Write = Callable[[str, str], str]


def seed_snapshots(tmp_path: Path, fmt: str) -> dict[str, str]:
    """The seed's charts on 2026-03-31 and 2026-04-01 as snapshot files (`at --format`)."""
    seed_db = str(tmp_path / "seed.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", seed_db, "load", str(SEED)], obj={}).exit_code == 0
    out = {}
    for day in ("2026-03-31", "2026-04-01"):
        r = runner.invoke(cli, ["--db", seed_db, "at", day, "--format", fmt], obj={})
        assert r.exit_code == 0, r.output
        path = tmp_path / f"{day}.{fmt}"
        path.write_text(r.stdout, encoding="utf-8")
        out[day] = str(path)
    return out


def comments(text: str) -> str:
    """The comment lines of a planned file as one line of text (they are wrapped)."""
    return " ".join(line.strip()[1:].strip() for line in text.splitlines()
                    if line.strip().startswith("#"))


def changes(result_json: str) -> list[dict[str, Any]]:
    return [{k: v for k, v in c.items() if k != "events"}
            for c in json.loads(result_json)["changes"]]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_seed_round_trip_reports_the_seed_diff_and_proposes_the_split(
        run: Run, tmp_path: Path, fmt: str) -> None:
    snaps = seed_snapshots(tmp_path, fmt)
    r = run("import-snapshot", "2026-03-31", snaps["2026-03-31"], "--apply")
    assert r.exit_code == 0, r.output
    assert "1 snapshot: 12 events planned, 12 new appended" in r.output

    out = tmp_path / "events.yaml"
    r = run("import-snapshot", "2026-04-01", snaps["2026-04-01"], "-o", str(out))
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert "split proposed: search-rec (搜推智能产品事业部) is gone from the snapshot and its " \
           "children moved to new units (creation-algo, merchant-algo, search-algo, user-algo " \
           "to smart-algorithms); platform-users is new under cn-ecommerce, search-rec's " \
           "parent, on the same date" in comments(text)
    assert "  - type: split\n    date: '2026-04-01'\n    unit: search-rec\n" in text
    assert "type: establish" not in text  # the parts come from the split, not from establish
    assert run("load", str(out)).exit_code == 0

    ours = run("diff", "2026-03-31", "2026-04-01", "--format", "json")
    seed_db = str(tmp_path / "seed.db")
    theirs = CliRunner().invoke(cli, ["--db", seed_db, "diff", "2026-03-31", "2026-04-01",
                                      "--format", "json"], obj={})
    assert changes(ours.stdout) == changes(theirs.stdout)
    for day in ("2026-03-31", "2026-04-01"):
        mine = json.loads(run("at", day, "--format", "json").stdout)["units"]
        seed = json.loads(CliRunner().invoke(cli, ["--db", seed_db, "at", day, "--format",
                                                   "json"], obj={}).stdout)["units"]
        strip = ("since",) if fmt == "json" else ("since", "name", "name_en")
        assert [_without(u, strip) for u in mine] == [_without(u, strip) for u in seed]
    # the history now matches the snapshot: importing it again plans nothing
    r = run("import-snapshot", "2026-04-01", snaps["2026-04-01"])
    # (the step's heading names the file, so it wraps wherever the path makes it)
    assert r.exit_code == 0 and "no changes" in comments(r.stdout) and "events: []" in r.stdout


def _without(unit: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    leaders = [{k: v for k, v in x.items() if k not in keys} for x in unit["leaders"]]
    return {**{k: v for k, v in unit.items() if k != "since"}, "leaders": leaders}


HR_JAN = """\ufeffDept ID,Department,Parent ID,Manager,Manager Title
HQ,Acme Corp,,Alice Smith,CEO
ENG,Engineering,HQ,Bob Jones,VP
FE,Frontend,ENG,,
BE,Backend,ENG,张三,Lead
OPS,Operations,HQ,Carol,
SRE,SRE,OPS,,
"""
HR_FEB = """Dept ID\tDepartment\tParent ID\tManager\tManager Title
HQ\tAcme Corp\t\tAlice Smith\tCEO
ENG\tEngineering & Product\tHQ\tBob Jones\tSVP
FE\tFrontend\tPLAT\t\t
BE\tBackend\tPLAT\t张三\tLead
PLAT\tPlatform\tENG\tDan\t
APP\tApps\tENG\t\t
SRE\tSRE\tPLAT\t\t
"""
HR_MAR = """Dept ID,Department,Parent ID,Manager,Manager Title
HQ,Acme Corp,,Alice Smith,CEO
ENG,Engineering & Product,HQ,,
WEB,Web,ENG,Dan,
BE,Backend,ENG,张三,Lead
SRE,SRE,ENG,,
"""


def _series(tmp_path: Path) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "2025-01-31.csv").write_text(HR_JAN, encoding="utf-8")
    (folder / "2025-02-28.tsv").write_text(HR_FEB, encoding="utf-8")
    (folder / "org-20250331.csv").write_text(HR_MAR, encoding="utf-8")
    (folder / "README.md").write_text("monthly exports", encoding="utf-8")
    return folder


def _chart(run: Run, day: str) -> list[tuple[str, str, str | None, list[str]]]:
    units = json.loads(run("at", day, "--format", "json").stdout)["units"]
    return sorted((u["id"], u["name"], u["parent"],
                   [f"{x['name']} ({x['title']})" for x in u["leaders"]]) for u in units)


def test_series_builds_a_history_matching_every_snapshot(run: Run, tmp_path: Path) -> None:
    r = run("import-snapshot", "--series", str(_series(tmp_path)), "--apply")
    assert r.exit_code == 0, r.output
    assert "3 snapshots" in r.output
    assert _chart(run, "2025-01-31") == [
        ("be", "Backend", "eng", ["张三 (Lead)"]), ("eng", "Engineering", "hq",
                                                   ["Bob Jones (VP)"]),
        ("fe", "Frontend", "eng", []), ("hq", "Acme Corp", None, ["Alice Smith (CEO)"]),
        ("ops", "Operations", "hq", ["Carol (None)"]), ("sre", "SRE", "ops", [])]
    assert _chart(run, "2025-02-28") == [
        ("app", "Apps", "eng", []), ("be", "Backend", "plat", ["张三 (Lead)"]),
        ("eng", "Engineering & Product", "hq", ["Bob Jones (SVP)"]),
        ("fe", "Frontend", "plat", []), ("hq", "Acme Corp", None, ["Alice Smith (CEO)"]),
        ("plat", "Platform", "eng", ["Dan (None)"]), ("sre", "SRE", "plat", [])]
    assert _chart(run, "2025-03-31") == [
        ("be", "Backend", "eng", ["张三 (Lead)"]), ("eng", "Engineering & Product", "hq", []),
        ("hq", "Acme Corp", None, ["Alice Smith (CEO)"]), ("sre", "SRE", "eng", []),
        ("web", "Web", "eng", ["Dan (None)"])]
    # one person per name across the snapshots; CJK names get a stable hashed id
    people = json.loads(run("export", "--format", "json").stdout)["people"]
    assert sorted(people) == sorted(["alice-smith", "bob-jones", "carol", "dan",
                                     next(p for p in people if p.startswith("p-"))])
    log = json.loads(run("log", "--format", "json").stdout)
    merge = [e for e in log if e["type"] == "merge"]
    assert [(e["units"], e["into"]) for e in merge] == [(["ops"], "plat")]
    assert run("verify").exit_code == 0


def test_series_to_a_file_is_reviewable_and_loads(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "history.yaml"
    r = run("import-snapshot", "--series", str(_series(tmp_path)), "-o", str(out))
    assert r.exit_code == 0, r.output
    assert f"wrote {out}" in r.stderr
    text = out.read_text(encoding="utf-8")
    assert text.count("# --- 2025-") == 3
    assert "merge proposed: ops (Operations) is gone from the snapshot" in comments(text)
    assert "title as head of eng changes from 'VP' to 'SVP'" in comments(text)
    assert run("at", "2025-01-31").exit_code == 1  # -o writes nothing to the store
    r = run("load", str(out))
    assert r.exit_code == 0 and "new events" in r.output


def test_merge_of_two_units_into_a_new_one_is_proposed(run: Run, write: Write) -> None:
    before = write("2024-01-01.csv", "id,name,parent\nhq,HQ,\na,A,hq\nb,B,hq\na1,A1,a\nb1,B1,b\n")
    after = write("2024-06-01.csv", "id,name,parent\nhq,HQ,\nab,AB,hq\na1,A1,ab\nb1,B1,ab\n")
    assert run("import-snapshot", "2024-01-01", before, "--apply").exit_code == 0
    r = run("import-snapshot", "2024-06-01", after)
    assert r.exit_code == 0, r.output
    assert "merge proposed: a, b are gone from the snapshot and their children moved to the " \
           "new unit ab (a1 from a, b1 from b)" in comments(r.stdout)
    assert "  - type: merge\n    date: '2024-06-01'\n    units:\n    - a\n    - b\n    into:\n" \
           "      unit: ab\n" in r.stdout


def test_children_moved_to_an_existing_unit_dissolve_with_children_to(run: Run,
                                                                       write: Write) -> None:
    before = write("a.csv", "id,name,parent\nhq,HQ,\na,A,hq\nb,B,hq\na1,A1,a\na2,A2,a\n")
    after = write("b.csv", "id,name,parent\nhq,HQ,\nb,B,hq\na1,A1,b\na2,A2,b\n")
    assert run("import-snapshot", "2024-01-01", before, "--apply").exit_code == 0
    r = run("import-snapshot", "2024-02-01", after)
    assert "  - type: dissolve\n    date: '2024-02-01'\n    unit: a\n    children_to: b\n" \
        in r.stdout
    assert "type: move" not in r.stdout


def test_source_is_cited_on_every_event(run: Run, write: Write) -> None:
    snap = write("s.csv", "id,name,parent,head\nhq,HQ,,Ann\n")
    r = run("import-snapshot", "2024-01-01", snap, "--source", "HR export, January 2024",
            "--apply")
    assert r.exit_code == 0, r.output
    doc = json.loads(run("export", "--format", "json").stdout)
    [(sid, entry)] = doc["sources"].items()
    assert entry["title"] == "HR export, January 2024" and sid == "hr-export-january-2024"
    assert {e.get("source") for e in doc["events"]} == {sid}


# -- bad snapshots and bad steps: a clear error, and nothing written -------------------------


BAD = {
    "duplicate": ("id,name,parent\na,A,\nb,B,a\na,A2,\n", ":4: unit 'a' is listed twice"),
    "unknown-parent": ("id,name,parent\na,A,\nb,B,zz\n",
                       ":3: parent 'zz' of unit 'b' is not a unit in this snapshot"),
    "cycle": ("id,name,parent\na,A,c\nb,B,a\nc,C,b\n", ":2: units a → c → b → a form a cycle"),
    "own-parent": ("id,name,parent\na,A,\nb,B,b\n", ":3: unit 'b' is its own parent"),
    "empty-name": ("id,name,parent\na,A,\nb,,a\n", ":3: unit 'b' has an empty name"),
    "ragged": ("id,name,parent\na,A,\nb,B,a,x\n", ":3: 4 fields, but the header has 3"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_snapshot_writes_no_file(run: Run, write: Write, tmp_path: Path,
                                     case: str) -> None:
    text, message = BAD[case]
    path = write(f"{case}.csv", text)
    out = tmp_path / "events.yaml"
    r = run("import-snapshot", "2024-01-01", path, "-o", str(out))
    assert r.exit_code == 1
    assert f"Error: {path}{message}" in r.stderr
    assert r.stdout == ""
    assert not out.exists()


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_snapshot_leaves_the_store_unchanged(seeded: Run, write: Write, case: str) -> None:
    before = seeded("export").stdout
    text, message = BAD[case]
    path = write(f"{case}.csv", text)
    r = seeded("import-snapshot", "2026-05-01", path, "--apply")
    assert r.exit_code == 1 and message in r.stderr
    assert seeded("export").stdout == before


def test_one_bad_snapshot_in_a_series_stops_it_all(run: Run, tmp_path: Path) -> None:
    folder = _series(tmp_path)
    (folder / "2025-04-30.csv").write_text("id,name,parent\nhq,HQ,\nhq,Again,\n",
                                           encoding="utf-8")
    r = run("import-snapshot", "--series", str(folder), "--apply")
    assert r.exit_code == 1 and "2025-04-30.csv:3: unit 'hq' is listed twice" in r.stderr
    assert "holds no events" in run("at", "2025-01-31").stderr


def test_a_reused_unit_id_is_named_with_its_row(run: Run, write: Write) -> None:
    first = write("a.csv", "id,name,parent\nhq,HQ,\nx,X,hq\n")
    assert run("import-snapshot", "2024-01-01", first, "--apply").exit_code == 0
    assert run("import-snapshot", "2024-02-01", write("b.csv", "id,name,parent\nhq,HQ,\n"),
               "--apply").exit_code == 0
    before = run("export").stdout
    path = write("c.csv", "id,name,parent\nhq,HQ,\nx,X again,hq\n")
    r = run("import-snapshot", "2024-03-01", path, "--apply")
    assert r.exit_code == 1
    assert f"{path}:3: unit 'x' is not in the chart on 2024-03-01, but its id is already used" \
        in r.stderr
    assert run("export").stdout == before


def test_a_step_that_breaks_later_history_is_rejected(seeded: Run, write: Write,
                                                      tmp_path: Path) -> None:
    """Removing search-rec before its recorded split would break the split."""
    before = seeded("export").stdout
    snap = write("old.json", seeded("at", "2025-06-01", "--format", "json").stdout.replace(
        '"id": "search-rec"', '"id": "search-rec-x"').replace('"parent": "search-rec"',
                                                               '"parent": "search-rec-x"'))
    out = tmp_path / "events.yaml"
    r = seeded("import-snapshot", "2025-06-01", snap, "-o", str(out))
    assert r.exit_code == 1
    assert f"Error: {snap}: the events planned for 2025-06-01 cannot be recorded: event" \
        in r.stderr
    assert not out.exists()
    assert seeded("export").stdout == before


def test_series_file_names_need_dates(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "latest.csv").write_text("id,name\na,A\n", encoding="utf-8")
    r = run("import-snapshot", "--series", str(folder))
    assert r.exit_code == 1 and "latest.csv: no date in the file name" in r.stderr


@pytest.mark.parametrize("args", [
    [],
    ["2024-01-01"],
    ["2024-01-01", "x.csv", "--series", "."],
    ["2024-01-01", "x.csv", "--apply", "-o", "y.yaml"],
])
def test_misused_command_line_exits_2(run: Run, args: list[str]) -> None:
    assert run("import-snapshot", *args).exit_code == 2
