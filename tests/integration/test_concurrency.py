"""Concurrent writers in real processes, and a loader killed mid-load, on both back-ends."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from orgchart.adapters.store import EventStore
from orgchart.application.service import OrgChartService

BASE = """\
format: orgchart/v1
recorded: 2026-01-01
people:
  ann: {name: Ann}
events:
  - {type: establish, date: 2020-01-01, unit: root, name: Root}
  - {type: establish, date: 2020-01-01, unit: x, name: X, parent: root}
"""

# Start every process at the same moment, then run the CLI.
LAUNCH = ("import sys, time; t = float(sys.argv[1]); time.sleep(max(0.0, t - time.time())); "
          "from orgchart.cli import cli; cli(sys.argv[2:], obj={})")


def launch(db: str, start_at: float, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", LAUNCH, str(start_at), "--db", db, *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ})


def finish(p: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = p.communicate(timeout=240)
    return p.returncode, out, err


def event_count(db: str) -> int:
    store = EventStore(db)
    try:
        return len(store.read().facts)
    finally:
        store.close()


@pytest.fixture
def base(db_path: str, write: Callable[[str, str], str]) -> str:
    OrgChartService(db_path).load([write("base.yaml", BASE)])
    return db_path


def test_eight_writers_all_succeed(base: str, write: Callable[[str, str], str]) -> None:
    files = [write(f"w{i}.yaml", "format: orgchart/v1\nevents:\n" + "".join(
        f"  - {{type: establish, date: 2021-0{1 + i % 9}-01, unit: w{i}-{k}, name: W{i}.{k}, "
        f"parent: root}}\n" for k in range(5))) for i in range(8)]
    start = time.time() + 3.0
    procs = [launch(base, start, "load", f) for f in files]
    results = [finish(p) for p in procs]
    for (code, out, err), f in zip(results, files, strict=True):
        assert (code, err) == (0, ""), err
        assert out == f"{f}: 5 new events\n"
    assert event_count(base) == 2 + 8 * 5
    svc = OrgChartService(base)
    chart = svc.at(__import__("orgchart.domain.dates").domain.dates.EffDate.parse("2022"))
    assert len(chart["units"]) == 2 + 8 * 5
    assert svc.verify().startswith("ok: 42 events")


def test_conflicting_writers_one_wins(base: str, write: Callable[[str, str], str]) -> None:
    # each is valid alone; together the unit is dissolved while a child is added under it
    a = write("a.yaml", "format: orgchart/v1\nevents:\n"
                        "  - {type: dissolve, date: 2021-01-01, unit: x}\n")
    b = write("b.yaml", "format: orgchart/v1\nevents:\n"
                        "  - {type: establish, date: 2022-01-01, unit: y, name: Y, parent: x}\n")
    start = time.time() + 3.0
    results = [finish(p) for p in (launch(base, start, "load", a), launch(base, start, "load", b))]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 1], results
    loser_err = next(err for code, _, err in results if code == 1)
    assert loser_err.startswith("Error: ") and loser_err.count("\n") == 1
    assert ("does not exist on 2022-01-01" in loser_err
            or "has children on 2021-01-01 (y): `children_to` is required" in loser_err)
    assert event_count(base) == 3
    assert OrgChartService(base).verify().startswith("ok: 3 events")


def test_unrelated_concurrent_append_is_retried(base: str,
                                                write: Callable[[str, str], str]) -> None:
    mine = write("mine.yaml", "format: orgchart/v1\nevents:\n"
                              "  - {type: rename, date: 2021-01-01, unit: x, name: X2}\n")
    theirs = write("theirs.yaml", "format: orgchart/v1\nevents:\n"
                                  "  - {type: establish, date: 2021, unit: z, name: Z}\n")
    svc, other = OrgChartService(base), OrgChartService(base)
    store = svc.store()
    real_read, reads = store.read, []

    def racing_read(gt: int = 0) -> object:
        h = real_read(gt)
        reads.append(h.version)
        if len(reads) == 1:
            other.load([theirs])  # lands between our read and our append
        return h

    store.read = racing_read  # type: ignore[method-assign,assignment]
    [report] = svc.load([mine])
    assert report.added == 1
    assert reads[1] > reads[0]  # the first append conflicted: re-read and re-validated
    assert event_count(base) == 4


def big_file(n: int, tag: str) -> str:
    lines = ["format: orgchart/v1", "events:",
             f"  - {{type: establish, date: 2021-01-01, unit: {tag}, name: Big {tag}}}"]
    for i in range(n - 1):
        lines.append(f"  - {{type: establish, date: 2021-01-01, unit: {tag}-{i}, "
                     f"name: Big {i}, parent: {tag}}}")
    return "\n".join(lines) + "\n"


def test_killed_loader_writes_all_or_nothing(base: str, write: Callable[[str, str], str],
                                             tmp_path: Path) -> None:
    """SIGKILL a loader at random moments: each file lands whole or not at all."""
    n, kills = 2000, 6
    t0 = time.time()
    p = launch(str(tmp_path / "timing.db"), 0, "load", write("timing.yaml", big_file(n, "t")))
    assert finish(p)[0] == 0
    duration = time.time() - t0
    rng = random.Random(1234)
    total, outcomes = 2, []
    for k in range(kills):
        p = launch(base, 0, "load", write(f"big{k}.yaml", big_file(n, f"b{k}")))
        time.sleep(rng.uniform(0.3, 1.1) * duration)
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=60)
        count = event_count(base) - total
        assert count in (0, n), f"partial load: {count} of {n} events"
        total += count
        outcomes.append(count)
        assert OrgChartService(base).verify().startswith(f"ok: {total} events")
    assert 0 in outcomes, "no kill landed before the commit: the test proved nothing"
    print(json.dumps({"kills": kills, "outcomes": outcomes, "load_seconds": round(duration, 2)}))
