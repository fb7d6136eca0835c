"""The benchmark behind `make bench`: a table on stdout and `bench-results.json`.

    python tests/bench/run.py [--events N] [--repeats R] [--out FILE] [--workdir DIR]

N is the size of the large history (default 1,000,000); the small one has N/10
events and the same chart size (see `tests/bench/generate.py`). Every timing
is the median of R repeats (default 5); every ratio is computed from timings of
the same run, and the two sides of a ratio are measured interleaved (A B A B …)
so that a noisy neighbour on a shared machine slows both alike. The machine's
load average is recorded at the start and end of each section.
Generated files and stores go to a temporary directory (removed afterwards
unless `--keep`) or to `--workdir` (kept). Progress goes to stderr.

The results (nested by section, e.g. `{"load": {"events_per_s": ...}}`):

load     `orgchart load` of each history's JSON file in a subprocess: events/s of
         the large one, peak RSS (os.wait4 of that process) of both
         (peak_rss_ratio = large / small; the charts have the same size).
         Two baselines: `raw` is plain `sqlite3` executemany of the same events'
         JSON text into one unindexed table in one transaction (ratio_to_raw,
         kept for continuity); `same_rows` is plain `sqlite3` writing exactly the
         rows and indexes the load produced (every table of the loaded store, its
         indexes built after the rows, one transaction): ratio_to_same_rows =
         orgchart's events/s / the same-rows events/s. yaml_vs_json loads the
         small history from YAML and from JSON (the same events), interleaved:
         the YAML rate / the JSON rate
append   `OrgChartService.load` of a 10-event file onto a fresh copy of each
         loaded store (ratio = large / small); and of one-event files dated on the
         middle day of each history (`tests/bench/backdated.py`): a rename, a move
         and an appointment recorded today (backdated_<kind>_ms: each one's median over
         the repeats; backdated_ms: the slowest of the three), a rename and an
         appointment recorded on the store's first recorded day, before its latest
         (late_report_ms: the slower one's median), and the first move that stays
         local (`validation.local_move`: no later rule can tell it apart, or only merges
         that place their new units again, so no window replay;
         backdated_local_move_ms, not in backdated_ms),
         each onto a fresh copy, interleaved with the 10-event append;
         backdated_history_ratio = large / small, backdated_vs_head = the large
         history's backdated_ms / its 10-event append
history  `orgchart history U` and `orgchart lineage U` in-process (the text form's data,
         `explain_history` / `explain_lineage`) for a unit with the same number of story
         entries in both histories (the most the small one has that the large one
         matches), interleaved: history_ratio = large / small, lineage_ratio likewise for
         the unit with the most lineage nodes of the small history and a unit of the
         large one with as many
at       `OrgChartService.at` on the query date + its JSON bytes, in-process, after
         one untimed call; the raw baseline reads as many rows from an indexed
         table with plain `sqlite3` (ratio_to_raw = large / raw); small, large and
         raw interleaved, medians of at least 5; each timing starts from a collected
         heap (`gc.collect()`, untimed): the cyclic collector's full passes over all
         the process holds (the bench's objects and the charts of the round before,
         ~45 ms at 10,000 units) fell in whichever call crossed its threshold, mostly
         the small one's, so that history_ratio said nothing; each call still pays
         the passes its own objects cause
diff     `OrgChartService.diff` over the year before the query date, large history
render   what `orgchart render DATE --root U -o FILE.svg` does, in-process (Graphviz
         started, the chart's data, its DOT fed to Graphviz as it is written, the SVG
         written to the file; see `render_svg`), for a
         subtree of about 1,000 units of the large history, after one untimed call;
         the baseline is a `dot -Tsvg` process alone on that call's DOT;
         overhead_ratio = (total - dot) / dot, the share Python adds to Graphviz;
         RENDER_ROUNDS rounds at least (a round is cheap and one render's overhead of
         a few ms moves by as much between rounds), each render then `dot` alone, and
         python_s: the chart's data and DOT text alone (no Graphviz), timed in the
         same rounds: what `dot` must overlap (its start-up and parse) for the
         overhead to vanish
cli      whole-process `orgchart at 2026-04-01` on the seed store versus
         `python -c "import click, sqlite3, json"`, with the package's bytecode
         compiled first (as an installed package has it)
rebuild  `OrgChartService.refresh(force=True)` of the large store versus reading
         and decoding its notification log alone (ratio = decode time / rebuild
         time over the same log: the rebuild rate as a share of the decode rate;
         log_decode_per_s counts log entries, which include the people and
         sources records); the fair floor, interleaved with both: plain sqlite3
         writing the rows and indexes the rebuild wrote (the query tables alone, from
         lists in memory, one transaction): same_rows_s, ratio_to_same_rows = (decode
         + same rows) / rebuild, and ratio_bound = decode / (decode + same rows), the
         highest `ratio` a rebuild that reads the log and writes those rows one after
         the other can reach; forked: how many of the rebuilds replayed in forked
         processes beside their own (one thread and memory for a copy needed)
timeline `orgchart timeline --from D --to D2` in a subprocess on each history over its
         last TIMELINE_STEPS dates with changes (the same number of steps on both),
         interleaved: s_per_step (the large history's wall time / steps),
         small_s_per_step and ratio = large / small (the cost follows the step, not
         the history); and the small history's page in a subprocess: peak_rss_mb
         (os.wait4), page_s and page_steps, over its last --timeline-steps N dates
         (default 500; 0: the whole page, every date with a change: about 14,000
         steps at 100,000 events, hours of Graphviz; the expected time is printed
         before it starts)
serve    `orgchart serve` on the large store: in Chromium (Playwright, Debian's
         /usr/bin/chromium or $ORGCHART_CHROMIUM), a fresh page of the explorer on
         the query date until its first chart is in the page (first_chart_ms: the
         page's `orgchart:first-chart` mark, from the start of the navigation), and
         opening the closed unit with the most units under it, then its child with
         the most (expand_ms: the page's `orgchart:expand` measures, from the click
         to its children in the page), served by uvicorn on 127.0.0.1; and the
         API's `at` (GET /api/at on the whole chart through Starlette's TestClient)
         against the CLI's `at` in-process (`OrgChartService.at` + its JSON bytes),
         interleaved, each from a collected heap (as `at`): at_api_ratio = api / cli;
         client_ms is the test client's own cost, a GET answered with one byte by a bare
         ASGI app through the same kind of TestClient (timed in the same rounds): the
         share of at_api_ms that is the harness, not the app
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import itertools
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench import backdated, gave_up, generate  # noqa: E402

SEED_FILE = ROOT / "seeds" / "alibaba-2026.yaml"
SEED_QUERY = "2026-04-01"
RENDER_UNITS = 1000
#: The fewest interleaved rounds of `render` (each about half a second at the full size).
RENDER_ROUNDS = 15
#: Rough wall-clock minutes per million large-history events with 3 repeats, for the
#: warning: the full size (1,000,000) took 25 minutes with 5 repeats on the 2-CPU machine
#: with no other job on it (docs/bench-results-1m.json), 50-70 with other jobs, most of it
#: the loads of the large history.
MINUTES_PER_MILLION = 15
#: Dates with changes in each timed `timeline --from --to` window.
TIMELINE_STEPS = 20

Results = dict[str, dict[str, Any]]

KEYS: dict[str, tuple[str, ...]] = {
    "load": ("events_per_s", "raw_sqlite_rows_per_s", "ratio_to_raw",
             "same_rows_events_per_s", "ratio_to_same_rows", "peak_rss_mb",
             "small_peak_rss_mb", "rss_ratio", "peak_rss_ratio", "yaml_events_per_s",
             "json_events_per_s", "yaml_vs_json"),
    "append": ("small_ms", "large_ms", "ratio", "backdated_ms", "small_backdated_ms",
               "backdated_rename_ms", "backdated_move_ms", "backdated_appoint_ms",
               "backdated_local_move_ms",
               "backdated_history_ratio", "backdated_vs_head", "late_report_ms",
               "small_late_report_ms", "late_report_history_ratio"),
    "history": ("small_ms", "large_ms", "history_ratio", "entries", "lineage_small_ms",
                "lineage_large_ms", "lineage_ratio", "lineage_nodes"),
    "at": ("small_ms", "large_ms", "history_ratio", "raw_read_ms", "ratio_to_raw", "units"),
    "diff": ("ms", "changes"),
    "render": ("units", "total_s", "dot_only_s", "overhead_ratio", "python_s"),
    "cli": ("at_ms", "baseline_ms", "ratio"),
    "rebuild": ("events_per_s", "log_decode_per_s", "ratio", "same_rows_s",
                "ratio_to_same_rows", "ratio_bound", "forked"),
    "timeline": ("s_per_step", "small_s_per_step", "ratio", "steps", "peak_rss_mb", "page_s",
                 "page_steps"),
    "serve": ("first_chart_ms", "expand_ms", "at_api_ms", "at_cli_ms", "at_api_ratio",
              "client_ms"),
}

_T0 = time.perf_counter()


def progress(message: str) -> None:
    print(f"[bench {time.perf_counter() - _T0:7.1f}s] {message}", file=sys.stderr, flush=True)


# -- helpers ---------------------------------------------------------------------------

def median(xs: list[float]) -> float:
    return float(statistics.median(xs))


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else a / b


def orgchart_cmd() -> list[str]:
    """The `orgchart` console script next to this Python, else `python -m orgchart`."""
    exe = Path(sys.executable).with_name("orgchart")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "orgchart"]


#: Runs its arguments as a child, timed, and writes "wall maxrss status" to the file named
#: first. A child's peak RSS (ru_maxrss) on Linux starts from the RSS of the process it
#: was forked from, and this benchmark's own process grows to gigabytes: so the child is
#: forked from this small launcher, never from the benchmark itself.
_LAUNCHER = (
    "import os, subprocess, sys, time\n"
    "t0 = time.perf_counter()\n"
    "p = subprocess.Popen(sys.argv[2:])\n"
    "_, status, usage = os.wait4(p.pid, 0)\n"
    "wall = time.perf_counter() - t0\n"
    "with open(sys.argv[1], 'w') as f:\n"
    "    f.write(f'{wall} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}')\n"
)


def run_child(cmd: list[str], workdir: Path, stdout: Path | None = None) -> tuple[float, float]:
    """Run `cmd`; return its wall time (s) and peak RSS (MB), as the launcher measured them
    (`_LAUNCHER`: its own start-up is in neither)."""
    out_path = stdout or workdir / "child.out"
    err_path = workdir / "child.err"
    result = workdir / "child.rusage"
    result.unlink(missing_ok=True)
    with out_path.open("wb") as out, err_path.open("wb") as err:
        subprocess.run([sys.executable, "-c", _LAUNCHER, str(result), *cmd], stdout=out,
                       stderr=err, check=False)
    if not result.exists():  # the launcher could not start the command
        tail = err_path.read_text(encoding="utf-8", errors="replace").strip()[-2000:]
        raise RuntimeError(f"{' '.join(cmd)} did not run: {tail}")
    wall_text, maxrss, code = result.read_text(encoding="utf-8").split()
    if int(code) != 0:
        tail = err_path.read_text(encoding="utf-8", errors="replace").strip()[-2000:]
        raise RuntimeError(f"{' '.join(cmd)} exited {code}: {tail}")
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return float(wall_text), int(maxrss) / scale


def store_files(db: Path) -> list[Path]:
    return [db.with_name(db.name + suffix) for suffix in ("", "-wal", "-shm")]


def copy_store(src: Path, dst: Path) -> None:
    """Copy a SQLite store with its -wal/-shm (when present), replacing `dst`.

    The copy is flushed to disk here: otherwise the first commit in the copy
    (inside a timing) would wait for the whole file's dirty pages, a cost that
    grows with the store's size and is not orgchart's.
    """
    remove_store(dst)
    for s, d in zip(store_files(src), store_files(dst), strict=True):
        if s.exists():
            shutil.copyfile(s, d)
            with d.open("rb+") as f:
                os.fsync(f.fileno())


def remove_store(db: Path) -> None:
    for f in store_files(db):
        f.unlink(missing_ok=True)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, value


@contextlib.contextmanager
def section(name: str, results: Results, errors: list[str]) -> Iterator[dict[str, Any]]:
    """A results section with every key present (None until measured); a failure is recorded,
    not raised, so the other sections still run."""
    data: dict[str, Any] = dict.fromkeys(KEYS[name])
    results[name] = data
    progress(f"-- {name}")
    data["loadavg_start"] = round(os.getloadavg()[0], 2)
    try:
        yield data
    except Exception as e:
        errors.append(f"{name}: {type(e).__name__}: {e}")
        progress(f"{name} FAILED: {type(e).__name__}: {e}")
        traceback.print_exc(file=sys.stderr)
    data["loadavg_end"] = round(os.getloadavg()[0], 2)


# -- the measurements ---------------------------------------------------------------

class Bench:
    def __init__(self, events: int, repeats: int, workdir: Path, seed: int,
                 keep_workdir: bool = True, timeline_steps: int = 500,
                 only: frozenset[str] = frozenset()) -> None:
        self.events = events
        # the sections to run, with those they need (the load; render draws at's chart)
        self.only = only | {"at"} if "render" in only else only
        self.timeline_steps = timeline_steps
        self.repeats = repeats
        self.work = workdir
        self.keep_workdir = keep_workdir
        self.seed = seed
        self.results: Results = {}
        self.errors: list[str] = []
        self.notes: list[str] = []
        self.paths: dict[str, Path] = {}
        self.base: dict[str, Path] = {}  # the loaded store of each history
        self.counts: dict[str, int] = {}
        self.large_chart: dict[str, Any] | None = None

    # -- generate ------------------------------------------------------------------

    def generate(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for plan in generate.plans(self.events, self.seed):
            progress(f"generating the {plan.name} history ({plan.events:,} events)")
            s = generate.generate(plan, self.work)
            self.paths[plan.name] = Path(s.path)
            self.paths[f"append-{plan.name}"] = Path(s.append_path)
            self.counts[plan.name] = s.events
            out[plan.name] = {
                "events": s.events, "by_type": dict(sorted(s.by_type.items())),
                "out_of_order": s.out_of_order, "partial_dates": s.partial_dates,
                "live_units": s.live_units, "people": s.people, "sources": s.sources,
                "knowledge_states": s.knowledge_states, "first_day": s.first_day,
                "last_day": s.last_day, "seconds": round(s.seconds, 2),
                "file_mb": round(Path(s.path).stat().st_size / 1e6, 1),
            }
            progress(f"  {s.events:,} events, {s.live_units:,} live units, "
                     f"{s.out_of_order:,} out of order, {s.seconds:.1f}s")
        return out

    # -- load ------------------------------------------------------------------------

    def load(self, data: dict[str, Any]) -> None:
        times: dict[str, list[float]] = {}
        rss: dict[str, list[float]] = {}
        same_rows: list[float] = []
        for i in range(self.repeats):  # interleaved: small, large, same-rows baseline, ...
            for name in ("small", "large"):
                db = self.work / f"{name}-{i}.db"
                remove_store(db)
                progress(f"orgchart load {name} ({i + 1}/{self.repeats})")
                wall, peak = run_child([*orgchart_cmd(), "--db", str(db), "load",
                                        str(self.paths[name])], self.work)
                progress(f"  {wall:.1f}s, peak RSS {peak:.0f} MB")
                times.setdefault(name, []).append(wall)
                rss.setdefault(name, []).append(peak)
                if name in self.base:
                    remove_store(self.base[name])
                self.base[name] = db
            if i == 0:
                rows = StoreRows.read(self.base["large"])
            same_rows.append(rows.write(self.work / "same-rows.db"))
            progress(f"  the same rows with plain sqlite3: {same_rows[-1]:.1f}s")
        data["events_per_s"] = self.counts["large"] / median(times["large"])
        data["small_events_per_s"] = self.counts["small"] / median(times["small"])
        data["peak_rss_mb"] = median(rss["large"])
        data["small_peak_rss_mb"] = median(rss["small"])
        data["rss_ratio"] = ratio(data["peak_rss_mb"], data["small_peak_rss_mb"])
        data["peak_rss_ratio"] = data["rss_ratio"]
        data["same_rows_events_per_s"] = self.counts["large"] / median(same_rows)
        data["ratio_to_same_rows"] = ratio(data["events_per_s"], data["same_rows_events_per_s"])
        data["raw_sqlite_rows_per_s"] = self.raw_insert_rate()
        # as issue 6 defines it: orgchart's load rate as a share of the raw insert rate
        data["ratio_to_raw"] = ratio(data["events_per_s"], data["raw_sqlite_rows_per_s"])
        self.yaml_vs_json(data)

    def yaml_vs_json(self, data: dict[str, Any]) -> None:
        """Load the small history from YAML and from JSON (the same events), interleaved."""
        import yaml

        progress("writing the small history as YAML")
        with self.paths["small"].open(encoding="utf-8") as f:
            doc = json.load(f)
        yaml_path = self.work / "small.yaml"
        with yaml_path.open("w", encoding="utf-8") as f:
            yaml.dump(doc, f, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
                      allow_unicode=True, sort_keys=False, default_flow_style=None, width=1000)
        del doc
        walls: dict[str, list[float]] = {"yaml": [], "json": []}
        for i in range(self.repeats):
            for kind, path in (("yaml", yaml_path), ("json", self.paths["small"])):
                db = self.work / f"small-{kind}.db"
                remove_store(db)
                wall, _ = run_child([*orgchart_cmd(), "--db", str(db), "load", str(path)],
                                    self.work)
                walls[kind].append(wall)
                remove_store(db)
                progress(f"load small from {kind} ({i + 1}/{self.repeats}): {wall:.1f}s")
        for kind in walls:
            data[f"{kind}_events_per_s"] = self.counts["small"] / median(walls[kind])
        data["yaml_vs_json"] = ratio(data["yaml_events_per_s"], data["json_events_per_s"])

    def raw_insert_rate(self) -> float:
        """Rows/s of plain sqlite3 executemany of the large history's events as JSON text."""
        progress("raw sqlite3 baseline: executemany of the same events' JSON text")
        with self.paths["large"].open(encoding="utf-8") as f:
            events = json.load(f)["events"]
        texts = [(json.dumps(ev, ensure_ascii=False),) for ev in events]
        del events
        rates = []
        for _ in range(self.repeats):
            db = self.work / "raw-insert.db"
            remove_store(db)
            conn = sqlite3.connect(db, isolation_level=None)
            conn.execute("pragma journal_mode=wal")
            conn.execute("create table events (seq integer primary key, body text not null)")
            t0 = time.perf_counter()
            conn.execute("begin")
            conn.executemany("insert into events (body) values (?)", texts)
            conn.execute("commit")
            rates.append(len(texts) / (time.perf_counter() - t0))
            conn.close()
            remove_store(db)
        return median(rates)

    # -- append ----------------------------------------------------------------------

    def append(self, data: dict[str, Any]) -> None:
        from orgchart.application.service import OrgChartService

        # untimed: a first append pays the per-process set-up (schema validators, caches)
        warm = self.work / "append-warm.db"
        copy_store(self.base["small"], warm)
        svc = OrgChartService(str(warm))
        try:
            svc.load([str(self.paths["append-small"])])
        finally:
            svc.close()
            remove_store(warm)
        files = {name: self.backdated_files(name) for name in ("small", "large")}
        ms: dict[str, list[float]] = {}
        for i in range(self.repeats):  # interleaved: small, large, small, ...
            for name in ("small", "large"):
                for kind, path, added in [("head", self.paths[f"append-{name}"], 10),
                                          *((k, p, 1) for k, p in files[name].items())]:
                    dt = self.append_once(name, path, added)
                    ms.setdefault(f"{name}-{kind}", []).append(dt * 1000)
                    progress(f"append {kind} to {name} ({i + 1}/{self.repeats}): "
                             f"{dt * 1000:.0f} ms")
        for name in ("small", "large"):
            data[f"{name}_ms"] = median(ms[f"{name}-head"])
            pre = "" if name == "large" else "small_"
            # the slowest kind's median: a median over the kinds would hide one
            data[f"{pre}backdated_ms"] = max(median(ms[f"{name}-{k}"])
                                             for k in ("rename", "move", "appoint"))
            data[f"{pre}late_report_ms"] = max(median(ms[f"{name}-{k}"])
                                               for k in ("late-rename", "late-appoint"))
        for k in ("rename", "move", "appoint", "local-move"):
            data[f"backdated_{k.replace('-', '_')}_ms"] = median(ms[f"large-{k}"])
        data["ratio"] = ratio(data["large_ms"], data["small_ms"])
        data["backdated_history_ratio"] = ratio(data["backdated_ms"], data["small_backdated_ms"])
        data["backdated_vs_head"] = ratio(data["backdated_ms"], data["large_ms"])
        data["late_report_history_ratio"] = ratio(data["late_report_ms"],
                                                  data["small_late_report_ms"])

    def append_once(self, name: str, path: Path, added: int) -> float:
        """Seconds to load `path` onto a fresh copy of the `name` store (it must add
        `added` events)."""
        from orgchart.application.service import OrgChartService

        db = self.work / f"append-{name}.db"
        copy_store(self.base[name], db)
        svc = OrgChartService(str(db))
        try:
            dt, reports = timed(partial(svc.load, [str(path)]))
        finally:
            svc.close()
            remove_store(db)
        got = sum(r.added for r in reports)
        if got != added:
            raise RuntimeError(f"{path.name} added {got} events, not {added}")
        return dt

    def backdated_files(self, name: str) -> dict[str, Path]:
        """The one-event files dated mid-history (`tests/bench/backdated.py`), each checked
        to be accepted by a load into a scratch copy (untimed)."""
        from orgchart.application.service import OrgChartService
        from orgchart.domain.errors import OrgchartError

        def local(path: Path) -> bool:
            from orgchart.adapters.readmodel.state import StoredState
            from orgchart.adapters.readmodel.tables import open_db
            from orgchart.domain.validation import local_move

            db = open_db(str(self.base[name]))
            try:
                found = local_move(StoredState(db), [gave_up.file_move(path)])
            finally:
                db.close()
            return found is not None and found.breach is None and accepts(path)

        def accepts(path: Path) -> bool:
            db = self.work / f"pick-{name}.db"
            copy_store(self.base[name], db)
            svc = OrgChartService(str(db))
            try:
                return sum(r.added for r in svc.load([str(path)])) == 1
            except OrgchartError:
                return False
            finally:
                svc.close()
                remove_store(db)

        base = self.base[name]
        late = backdated.first_recorded(base)
        plan = {"rename": ("rename", None), "move": ("move", None),
                "appoint": ("appoint", None), "late-rename": ("rename", late),
                "late-appoint": ("appoint", late)}
        out = {}
        for key, (kind, recorded) in plan.items():
            progress(f"picking a {key} dated mid-history for {name}")
            out[key] = backdated.pick_valid(backdated.candidates(base, kind, recorded),
                                            accepts, self.work / f"{key}-{name}.json")
        progress(f"the move for {name}: {gave_up.explain(base, out['move'])}")
        out["local-move"] = backdated.pick_valid(
            itertools.chain(backdated.candidates(base, "move"),
                            backdated.candidates(base, "any-move")),
            local, self.work / f"local-move-{name}.json", 5000)
        return out

    # -- history ---------------------------------------------------------------------

    def history(self, data: dict[str, Any]) -> None:
        from orgchart.application import queries
        from orgchart.application.service import OrgChartService

        svcs = {name: OrgChartService(str(self.base[name])) for name in ("small", "large")}
        try:
            story = {name: story_sizes(svc, "history") for name, svc in svcs.items()}
            nodes = {name: story_sizes(svc, "lineage") for name, svc in svcs.items()}
            units, size = same_size(story["small"], story["large"])
            lunits, lsize = same_size(nodes["small"], nodes["large"])
            ms: dict[str, list[float]] = {}
            for i in range(max(15, 3 * self.repeats)):  # interleaved: small, large, ...
                for name, svc in svcs.items():
                    for what, fn, unit in (("history", queries.explain_history, units[name]),
                                           ("lineage", queries.explain_lineage,
                                            lunits[name])):
                        fn(svc.storage, unit)  # untimed: the page cache
                        dt, _ = timed(partial(fn, svc.storage, unit))
                        ms.setdefault(f"{what}-{name}", []).append(dt * 1000)
                progress(f"history {units['small']}/{units['large']} ({size} entries), "
                         f"lineage {lunits['small']}/{lunits['large']} ({lsize} nodes) "
                         f"({i + 1}): {ms['history-small'][-1]:.1f}/"
                         f"{ms['history-large'][-1]:.1f} ms, {ms['lineage-small'][-1]:.1f}/"
                         f"{ms['lineage-large'][-1]:.1f} ms")
        finally:
            for svc in svcs.values():
                svc.close()
        data["small_ms"], data["large_ms"] = median(ms["history-small"]), median(
            ms["history-large"])
        data["history_ratio"] = ratio(data["large_ms"], data["small_ms"])
        data["entries"] = size
        data["lineage_small_ms"] = median(ms["lineage-small"])
        data["lineage_large_ms"] = median(ms["lineage-large"])
        data["lineage_ratio"] = ratio(data["lineage_large_ms"], data["lineage_small_ms"])
        data["lineage_nodes"] = lsize
        data["units"] = {"history": units, "lineage": lunits}

    # -- at --------------------------------------------------------------------------

    def at(self, data: dict[str, Any]) -> None:
        from orgchart.application.service import OrgChartService
        from orgchart.domain.dates import EffDate

        day = EffDate.parse(generate.QUERY_DATE)
        svcs = {name: OrgChartService(str(self.base[name])) for name in ("small", "large")}
        ms: dict[str, list[float]] = {"small": [], "large": [], "raw": []}
        charts: dict[str, dict[str, Any]] = {}
        raw_db = self.work / "raw-read.db"
        try:
            for name, svc in svcs.items():
                charts[name] = svc.at(day)  # untimed: also catches the query tables up
            raw_read = self.raw_reader(charts["large"]["units"], raw_db)
            raw_read()  # untimed: warms the page cache
            for i in range(max(5, self.repeats)):  # interleaved: small, large, raw, ...
                for name, svc in svcs.items():
                    gc.collect()  # untimed: see `at` in the module's docstring
                    dt, (charts[name], _text) = timed(partial(_at_json, svc, day))
                    ms[name].append(dt * 1000)
                gc.collect()
                ms["raw"].append(raw_read() * 1000)
                progress(f"at {generate.QUERY_DATE} ({i + 1}): small {ms['small'][-1]:.1f} ms, "
                         f"large {ms['large'][-1]:.1f} ms, raw read {ms['raw'][-1]:.1f} ms")
        finally:
            for svc in svcs.values():
                svc.close()
            remove_store(raw_db)
        for name in ("small", "large"):
            data[f"{name}_ms"] = median(ms[name])
        data["small_units"] = len(charts["small"]["units"])
        data["units"] = len(charts["large"]["units"])
        self.large_chart = charts["large"]
        data["history_ratio"] = ratio(data["large_ms"], data["small_ms"])
        data["raw_read_ms"] = median(ms["raw"])
        data["ratio_to_raw"] = ratio(data["large_ms"], data["raw_read_ms"])

    def raw_reader(self, units: list[dict[str, Any]], db: Path) -> Callable[[], float]:
        """Plain sqlite3: a function that reads as many rows as the chart has from a
        ten-times larger table, through an index (the same units on ten dates; one date is
        selected), on a fresh connection as `at` opens one; it returns its seconds."""
        remove_store(db)
        conn = sqlite3.connect(db)
        conn.execute("create table units (day text, id text, name text, name_en text, "
                     "kind text, parent text, since text, leaders text)")
        days = [f"{2017 + i}-04-01" for i in range(10)]
        conn.executemany("insert into units values (?, ?, ?, ?, ?, ?, ?, ?)",
                         [(d, u["id"], u["name"], u.get("name_en"), u.get("kind"),
                           u.get("parent"), u.get("since"),
                           json.dumps(u.get("leaders"), ensure_ascii=False))
                          for d in days for u in units])
        conn.execute("create index units_day on units (day)")
        conn.commit()
        conn.close()

        def read() -> float:
            conn = sqlite3.connect(db)
            try:
                t0 = time.perf_counter()
                rows = conn.execute("select id, name, name_en, kind, parent, since, leaders "
                                    "from units where day = ?", [days[-1]]).fetchall()
                dt = time.perf_counter() - t0
            finally:
                conn.close()
            if len(rows) != len(units):
                raise RuntimeError(f"raw read found {len(rows)} rows, not {len(units)}")
            return dt

        return read

    # -- diff ------------------------------------------------------------------------

    def diff(self, data: dict[str, Any]) -> None:
        from orgchart.application.service import OrgChartService
        from orgchart.domain.dates import EffDate

        if not hasattr(OrgChartService, "diff"):
            self.notes.append("diff: OrgChartService.diff does not exist yet; recorded null")
            return
        d1, d2 = EffDate.parse(generate.DIFF_FROM), EffDate.parse(generate.QUERY_DATE)
        svc = OrgChartService(str(self.base["large"]))
        try:
            ms, changes = [], 0
            for _ in range(self.repeats):
                dt, result = timed(lambda: svc.diff(d1, d2))
                ms.append(dt * 1000)
                changes = len(result["changes"])
        finally:
            svc.close()
        data["ms"], data["changes"] = median(ms), changes
        data["from"], data["to"] = generate.DIFF_FROM, generate.QUERY_DATE
        progress(f"diff {d1} {d2}: {median(ms):.0f} ms, {changes:,} changes")

    # -- timeline ----------------------------------------------------------------------

    def timeline(self, data: dict[str, Any]) -> None:
        if shutil.which("dot") is None:
            self.notes.append("timeline: Graphviz `dot` is not installed; recorded null")
            return
        windows = {name: change_days(self.base[name])[-TIMELINE_STEPS:]
                   for name in ("small", "large")}
        per_step: dict[str, list[float]] = {"small": [], "large": []}
        for i in range(self.repeats):  # interleaved: small, large, small, ...
            for name in ("small", "large"):
                days = windows[name]
                wall, _ = run_child([*orgchart_cmd(), "--db", str(self.base[name]), "timeline",
                                     "--from", days[0], "--to", days[-1], "-o",
                                     str(self.work / f"timeline-{name}.html")], self.work)
                per_step[name].append(wall / len(days))
                progress(f"timeline {days[0]}..{days[-1]} on {name} ({i + 1}/"
                         f"{self.repeats}): {wall / len(days):.2f} s/step")
        data["s_per_step"] = median(per_step["large"])
        data["small_s_per_step"] = median(per_step["small"])
        data["ratio"] = ratio(data["s_per_step"], data["small_s_per_step"])
        data["steps"] = len(windows["large"])

        days = change_days(self.base["small"])
        span = days[-self.timeline_steps:] if self.timeline_steps else days
        cmd = [*orgchart_cmd(), "--db", str(self.base["small"]), "timeline", "-o",
               str(self.work / "timeline-page.html")]
        if len(span) < len(days):
            cmd += ["--from", span[0]]
            self.notes.append(f"timeline: the page's peak RSS is over the small history's "
                              f"last {len(span):,} of {len(days):,} dates "
                              f"(--timeline-steps 0 for the whole page)")
        progress(f"timeline page of the small history: {len(span):,} steps, about "
                 f"{len(span) * data['s_per_step'] / 60:.0f} minutes")
        data["page_s"], data["peak_rss_mb"] = run_child(cmd, self.work)
        data["page_steps"] = len(span)
        progress(f"timeline page: {data['page_s']:.0f} s, peak RSS {data['peak_rss_mb']:.0f} MB")

    # -- render ----------------------------------------------------------------------

    def render(self, data: dict[str, Any]) -> None:
        import importlib.util

        from orgchart.application.service import OrgChartService
        from orgchart.domain.dates import EffDate

        dot_exe = shutil.which("dot")
        if importlib.util.find_spec("orgchart.presentation") is None or \
                not hasattr(OrgChartService, "render_data"):
            self.notes.append("render: the `render` command is not there yet; recorded null")
            return
        if dot_exe is None:
            self.notes.append("render: Graphviz `dot` is not installed; recorded null")
            return
        assert self.large_chart is not None
        root, size = subtree_near(self.large_chart["units"], RENDER_UNITS)
        data["root"] = root
        day = EffDate.parse(generate.QUERY_DATE)
        dot_path, svg_path = self.work / "render.dot", self.work / "render.svg"
        totals, dots, pythons = [], [], []
        rounds = max(RENDER_ROUNDS, 3 * self.repeats)
        svc = OrgChartService(str(self.base["large"]))
        try:
            # untimed: imports, the first query; its DOT is what `dot` alone is timed on
            dot_path.write_text(render_svg(svc, day, root, svg_path), encoding="utf-8")
            for i in range(rounds):
                wall, _ = timed(partial(render_svg, svc, day, root, svg_path))
                totals.append(wall)
                wall_dot, _ = run_child([dot_exe, "-Tsvg", "-o", str(self.work / "dot-only.svg"),
                                         str(dot_path)], self.work)
                dots.append(wall_dot)
                pythons.append(timed(partial(render_text, svc, day, root))[0])
                progress(f"render --root {root} ({size:,} units, {i + 1}/{rounds}): "
                         f"{wall:.3f}s; dot alone {wall_dot:.3f}s; data and DOT alone "
                         f"{pythons[-1]:.3f}s")
        finally:
            svc.close()
        data["units"] = size
        data["rounds"] = rounds
        data["python_s"] = median(pythons)
        data["total_s"], data["dot_only_s"] = median(totals), median(dots)
        data["overhead_ratio"] = ratio(data["total_s"] - data["dot_only_s"], data["dot_only_s"])

    # -- cli -------------------------------------------------------------------------

    def cli(self, data: dict[str, Any]) -> None:
        db = self.work / "seed.db"
        remove_store(db)
        run_child([*orgchart_cmd(), "--db", str(db), "load", str(SEED_FILE)], self.work)
        n = max(5, self.repeats)
        # bytecode for the package, as pip writes it for an installed one (an editable install
        # under PYTHONDONTWRITEBYTECODE would compile every module on every start)
        import orgchart

        subprocess.run([sys.executable, "-m", "compileall", "-q", *orgchart.__path__],
                       check=True, capture_output=True)
        at_cmd = [*orgchart_cmd(), "--db", str(db), "at", SEED_QUERY]
        base_cmd = [sys.executable, "-c", "import click, sqlite3, json"]
        run_child(at_cmd, self.work)  # untimed: warms the page cache and the query tables
        run_child(base_cmd, self.work)
        at_ms, base_ms = [], []
        for _ in range(n):  # interleaved
            at_ms.append(run_child(at_cmd, self.work)[0] * 1000)
            base_ms.append(run_child(base_cmd, self.work)[0] * 1000)
        data["at_ms"], data["baseline_ms"] = median(at_ms), median(base_ms)
        data["ratio"] = ratio(data["at_ms"], data["baseline_ms"])
        data["repeats"] = n
        progress(f"orgchart at {SEED_QUERY}: {data['at_ms']:.0f} ms; "
                 f"python baseline {data['baseline_ms']:.0f} ms")
        remove_store(db)

    # -- rebuild ---------------------------------------------------------------------

    def rebuild(self, data: dict[str, Any]) -> None:
        from orgchart.adapters import forked
        from orgchart.adapters.readmodel.tables import P
        from orgchart.adapters.store import EventStore
        from orgchart.application.service import OrgChartService

        db = self.work / "rebuild.db"
        copy_store(self.base["large"], db)
        rebuild_s, decode_s, same_s, entries = [], [], [], 0
        # whether each rebuild could replay in forked processes (`forked.can_fork`, asked
        # by `tables` once the log is read): one thread, memory for a copy
        answers: list[bool] = []
        can_fork = forked.can_fork

        def asked(room: float = 0.0) -> bool:
            answers.append(can_fork(room))
            return answers[-1]
        forked.can_fork = asked  # type: ignore[assignment]
        rows: StoreRows | None = None
        for i in range(self.repeats):  # interleaved: rebuild, decoding, same rows, ...
            svc = OrgChartService(str(db))
            try:
                dt, _ = timed(partial(svc.refresh, force=True))
            finally:
                svc.close()
            rebuild_s.append(dt)
            store = EventStore(str(db))
            try:
                dt_decode, entries = timed(partial(decode_log, store))
            finally:
                store.close()
            decode_s.append(dt_decode)
            if rows is None:  # what the rebuild wrote: the query tables alone
                rows = StoreRows.read(db, prefix=P)
            same_s.append(rows.write(self.work / "rebuild-same-rows.db"))
            progress(f"rebuild ({i + 1}/{self.repeats}): {dt:.1f}s; decoding the log alone "
                     f"({entries:,} entries) {dt_decode:.1f}s; its rows and indexes with "
                     f"plain sqlite3 {same_s[-1]:.1f}s")
        forked.can_fork = can_fork  # type: ignore[assignment]
        remove_store(db)
        data["forked"] = f"{sum(answers)} of {len(answers)}"
        data["events_per_s"] = self.counts["large"] / median(rebuild_s)
        data["log_decode_per_s"] = entries / median(decode_s)
        data["log_entries"] = entries
        # as issue 6 defines it: rebuild rate as a share of the log-decoding rate
        data["ratio"] = ratio(median(decode_s), median(rebuild_s))
        # the fair floor: the log decoded, then the same rows and indexes written by plain
        # sqlite3 (no replay, no Python rows); and the best `ratio` such a floor allows
        data["same_rows_s"] = median(same_s)
        data["ratio_to_same_rows"] = ratio(median(decode_s) + data["same_rows_s"],
                                           median(rebuild_s))
        data["ratio_bound"] = ratio(median(decode_s), median(decode_s) + data["same_rows_s"])

    # -- serve -----------------------------------------------------------------------

    def serve(self, data: dict[str, Any]) -> None:
        if "large" not in self.base:
            raise RuntimeError("no loaded stores (the load step failed)")
        db = str(self.base["large"])
        self.serve_api(db, data)
        why = browser_missing()
        if why is not None:
            self.notes.append(f"serve: {why}; first_chart_ms and expand_ms recorded null")
            return
        self.serve_browser(db, data)

    def serve_api(self, db: str, data: dict[str, Any]) -> None:
        from starlette.testclient import TestClient

        from orgchart.application.service import OrgChartService
        from orgchart.domain.dates import EffDate
        from orgchart.web.app import create_app

        day = EffDate.parse(generate.QUERY_DATE)
        svc = OrgChartService(db)
        api, cli, bare = [], [], []
        try:
            with TestClient(create_app(db)) as client, TestClient(_one_byte_app) as bare_client:
                get_bare = partial(bare_client.get, "/")
                get = partial(client.get, "/api/at", params={"date": generate.QUERY_DATE})
                _, body = _at_json(svc, day)  # untimed: imports, the page cache
                answer = get()
                if answer.status_code != 200 or answer.content != body:
                    raise RuntimeError("GET /api/at is not the text of `at --format json`")
                for i in range(max(3, self.repeats)):  # interleaved
                    gc.collect()  # untimed: as in `at` (a full pass fell in one side's calls)
                    api.append(timed(get)[0] * 1000)
                    gc.collect()
                    cli.append(timed(partial(_at_json, svc, day))[0] * 1000)
                    gc.collect()
                    bare.append(timed(get_bare)[0] * 1000)
                    progress(f"serve: /api/at {api[-1]:.0f} ms, at in-process {cli[-1]:.0f} ms, "
                             f"the client alone {bare[-1]:.1f} ms ({i + 1})")
        finally:
            svc.close()
        data["at_api_ms"], data["at_cli_ms"] = median(api), median(cli)
        data["client_ms"] = median(bare)
        data["at_api_ratio"] = ratio(data["at_api_ms"], data["at_cli_ms"])

    def serve_browser(self, db: str, data: dict[str, Any]) -> None:
        from playwright.sync_api import sync_playwright

        from orgchart.web.app import allowed_hosts, create_app
        from orgchart.web.server import running

        first, expand, opened = [], [], []
        with running(create_app(db, allowed_hosts("127.0.0.1"))) as url, \
                sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
            try:
                for i in range(max(3, self.repeats) + 1):  # the first page warms up
                    ctx = browser.new_context(viewport={"width": 1100, "height": 800})
                    try:
                        page = ctx.new_page()
                        page.goto(f"{url}?date={generate.QUERY_DATE}")
                        page.wait_for_selector("#tree[aria-busy=false]", timeout=60_000)
                        shown = page.evaluate(_FIRST_CHART)
                        took = []
                        for _ in range(2):  # the biggest closed unit, then its biggest child
                            uid, kids = page.evaluate(_BIGGEST_CLOSED)
                            if uid is None:
                                break
                            page.locator(f'li[data-unit="{uid}"] > .node > .toggle').click()
                            page.wait_for_selector(
                                f'li[data-unit="{uid}"][aria-expanded=true] > ul > li',
                                timeout=60_000)
                            took.append(page.evaluate(_LAST_EXPAND % json.dumps(uid)))
                            opened.append(kids)
                    finally:
                        ctx.close()
                    if i:
                        first.append(shown)
                        expand.extend(took)
                    progress(f"serve: first chart {shown:.0f} ms, expand "
                             f"{', '.join(f'{t:.0f}' for t in took)} ms ({i})")
            finally:
                browser.close()
        data["first_chart_ms"] = median(first)
        data["expand_ms"] = median(expand) if expand else None
        data["expanded_units"] = max(opened) if opened else 0

    # -- all -------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        import importlib

        for module in ("orgchart.adapters.eventfile.parse", "orgchart.application.service",
                       "orgchart.adapters.store"):
            importlib.import_module(module)  # now, not inside a timing

        meta: dict[str, Any] = {"events": self.events, "repeats": self.repeats,
                                "seed": self.seed, "query_date": generate.QUERY_DATE,
                                "python": sys.version.split()[0], "cpus": os.cpu_count(),
                                # a temporary directory's name is of no use afterwards
                                "workdir": str(self.work) if self.keep_workdir else None,
                                "loadavg_start": list(os.getloadavg())}
        t0 = time.perf_counter()
        meta["generated"] = self.generate()
        steps: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
            ("load", self.load), ("append", self.append), ("history", self.history),
            ("at", self.at),
            ("diff", self.diff), ("render", self.render), ("cli", self.cli),
            ("rebuild", self.rebuild), ("timeline", self.timeline), ("serve", self.serve)]
        for name, step in steps:
            if self.only and name != "load" and name not in self.only:
                continue
            with section(name, self.results, self.errors) as data:
                needs_base = name in ("append", "history", "at", "diff", "render", "rebuild",
                                      "timeline")
                if needs_base and len(self.base) < 2:
                    raise RuntimeError("no loaded stores (the load step failed)")
                if name in ("render",) and self.large_chart is None:
                    raise RuntimeError("no chart of the large history (the at step failed)")
                step(data)
        meta["seconds"] = round(time.perf_counter() - t0, 1)
        meta["loadavg_end"] = list(os.getloadavg())
        meta["notes"], meta["errors"] = self.notes, self.errors
        return {**self.results, "meta": meta}


def story_sizes(svc: Any, what: str) -> dict[str, int]:
    """The number of story entries (`history`) or lineage nodes (`lineage`) of each of the
    200 units most events name."""
    with svc.storage.query_db() as db:  # the busiest units: the long stories
        units = [u for (u,) in db.execute(
            "select unit from oc_event_units group by unit order by count(*) desc, unit "
            "limit 200")]
    fn = svc.history if what == "history" else svc.lineage
    key = "story" if what == "history" else "nodes"
    return {u: len(fn(u)[key]) for u in units}


def same_size(small: dict[str, int], large: dict[str, int]) -> tuple[dict[str, str], int]:
    """A unit of each history with the same size: the largest the small history has that
    the large one has too (else the large one's nearest)."""
    common = set(small.values()) & set(large.values())
    size = max(common) if common else max(small.values())
    u_small = min(u for u, n in small.items() if n == size)
    u_large = min(large, key=lambda u: (abs(large[u] - size), u))
    return {"small": u_small, "large": u_large}, size


def _at_json(svc: Any, day: Any) -> tuple[dict[str, Any], bytes]:
    """`orgchart at DAY --format json` in-process: the chart and the bytes it writes (the
    CLI and `GET /api/at` write the UTF-8 bytes; no text is made on the way)."""
    from orgchart.presentation.formats import chart_json_bytes

    chart: dict[str, Any] = svc.at(day)
    return chart, chart_json_bytes(chart)


#: In the explorer's page: when the first chart was in it (ms from the navigation start).
_FIRST_CHART = "performance.getEntriesByName('orgchart:first-chart')[0].startTime"
#: The closed unit with the most units under it, and how many: [id, count] ([null, 0]).
_BIGGEST_CLOSED = """() => {
    let best = [null, 0];
    for (const li of document.querySelectorAll('li[aria-expanded=false]')) {
        const n = parseInt(li.querySelector('.count').textContent, 10);
        if (n > best[1]) best = [li.dataset.unit, n];
    }
    return best;
}"""
#: How long the last opening of unit %s took (ms).
_LAST_EXPAND = ("performance.getEntriesByName('orgchart:expand')"
                ".filter(e => e.detail === %s).at(-1).duration")


def chromium_path() -> str:
    return os.environ.get("ORGCHART_CHROMIUM", "/usr/bin/chromium")


def browser_missing() -> str | None:
    """Why the explorer cannot be measured in Chromium here (None: it can)."""
    import importlib.util

    if importlib.util.find_spec("playwright") is None:
        return "the Python package `playwright` is not installed"
    if not os.access(chromium_path(), os.X_OK):
        return f"no Chromium at {chromium_path()}"
    return None


def change_days(db: Path) -> list[str]:
    """The dates with changes of a loaded store (what `orgchart timeline` makes steps of),
    read from its query tables with plain `sqlite3`."""
    import sqlite3

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute("select distinct day from oc_events where day is not null and "
                           "type != 'retract' and retracted_by is null order by day")
        return [str(d) for (d,) in rows]
    finally:
        con.close()


async def _one_byte_app(scope: MutableMapping[str, Any],
                        receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
                        send: Callable[[MutableMapping[str, Any]], Awaitable[None]]) -> None:
    """A bare ASGI app answering every request with one byte: the test client's own cost."""
    if scope["type"] == "lifespan":  # the client's `with` starts and stops it, as orgchart's
        while True:
            message = await receive()
            kind = message["type"].rsplit(".", 1)[-1]
            await send({"type": f"lifespan.{kind}.complete"})
            if kind == "shutdown":
                return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"x"})


def render_svg(svc: Any, day: Any, root: str, out: Path) -> str:
    """In-process, what `orgchart render DAY --root ROOT -o OUT` does (`orgchart.cli.render`):
    Graphviz started, the chart's data, its DOT fed to Graphviz as it is written, the SVG
    written to `out`. Returns the DOT."""
    from orgchart.presentation import draw, graph

    with draw.Drawing("svg") as drawing:  # as the command: Graphviz starts first
        data = svc.render_data(day, None, root, None, None)
        dot: str = drawing.feed(graph.chart_dot_lines(data["chart"], data["delta"]))
        with out.open("wb") as f:
            drawing.into(f)
    return dot


def render_text(svc: Any, day: Any, root: str) -> str:
    """What `render_svg` makes in Python: the chart's data and its DOT text, no Graphviz."""
    from orgchart.presentation import graph

    data = svc.render_data(day, None, root, None, None)
    return "\n".join(graph.chart_dot_lines(data["chart"], data["delta"]))


class StoreRows:
    """Every row and index of a loaded SQLite store, to write again with plain sqlite3:
    the fair floor for a load (the same bytes and indexes, none of orgchart's work)."""

    def __init__(self, tables: list[tuple[str, str, list[tuple[Any, ...]]]],
                 indexes: list[str]) -> None:
        self.tables = tables  # (name, create statement, rows)
        self.indexes = indexes

    @classmethod
    def read(cls, db: Path, prefix: str = "") -> StoreRows:
        """The rows and indexes of the tables of `db` whose names start with `prefix`."""
        conn = sqlite3.connect(db)
        try:
            master = conn.execute("select type, name, sql from sqlite_master "
                                  "where sql is not null and name not like 'sqlite_%' "
                                  "and substr(tbl_name, 1, ?) = ?",
                                  [len(prefix), prefix]).fetchall()
            tables = [(name, sql, conn.execute(f'select * from "{name}"').fetchall())
                      for kind, name, sql in master if kind == "table"]
            indexes = [sql for kind, _name, sql in master if kind == "index"]
        finally:
            conn.close()
        return cls(tables, indexes)

    def write(self, db: Path) -> float:
        """Seconds to write every row, then build every index, in one transaction."""
        remove_store(db)
        conn = sqlite3.connect(db, isolation_level=None)
        try:
            conn.execute("pragma journal_mode=wal")
            t0 = time.perf_counter()
            conn.execute("begin")
            for _name, create, rows in self.tables:
                conn.execute(create)
                if rows:
                    marks = ", ".join("?" * len(rows[0]))
                    conn.executemany(f'insert into "{_name}" values ({marks})', rows)
            for create in self.indexes:
                conn.execute(create)
            conn.execute("commit")
            return time.perf_counter() - t0
        finally:
            conn.close()
            remove_store(db)


def decode_log(store: Any, page: int = 1000) -> int:
    """Read every notification of the store's log in pages and decode each; return the count."""
    app = store.app
    start, count = 1, 0
    while True:
        notes = app.recorder.select_notifications(start=start, limit=page)
        for n in notes:
            app.mapper.to_domain_event(n)
        count += len(notes)
        if len(notes) < page:
            return count
        start = notes[-1].id + 1


def subtree_near(units: list[dict[str, Any]], want: int) -> tuple[str, int]:
    """The unit whose subtree (itself and everything under it) is closest to `want` units."""
    kids: dict[str | None, list[str]] = {}
    for u in units:
        kids.setdefault(u["parent"], []).append(u["id"])
    size: dict[str, int] = {}
    for u in reversed(units):  # depth-first order: every unit comes after its parent
        size[u["id"]] = 1 + sum(size[k] for k in kids.get(u["id"], []))
    best = min(size, key=lambda x: (abs(size[x] - want), x))
    return best, size[best]


# -- output ----------------------------------------------------------------------------

def fmt(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(results: dict[str, Any]) -> str:
    rows = [(f"{name}.{key}", fmt(value)) for name in KEYS
            for key, value in results.get(name, {}).items()]
    width = max(len(r[0]) for r in rows)
    lines = [f"{'metric':<{width}}  value", f"{'-' * width}  {'-' * 12}"]
    lines += [f"{k:<{width}}  {v:>12}" for k, v in rows]
    meta = results.get("meta", {})
    for note in meta.get("notes", []):
        lines.append(f"note: {note}")
    for err in meta.get("errors", []):
        lines.append(f"ERROR: {err}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--events", type=int, default=1_000_000,
                    help="events in the large history; the small one has a tenth "
                         "(default 1,000,000)")
    ap.add_argument("--repeats", type=int, default=5, help="repeats per timing (median)")
    ap.add_argument("--out", type=Path, default=Path("bench-results.json"),
                    help="where to write the results (default ./bench-results.json)")
    ap.add_argument("--workdir", type=Path, default=None,
                    help="where generated files and stores go (kept); default a temporary "
                         "directory, removed afterwards")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeline-steps", type=int, default=500,
                    help="measure the timeline page's peak RSS over the small history's last "
                         "N dates with changes (default 500; 0: the whole page, hours at the "
                         "default size)")
    ap.add_argument("--only", default="",
                    help="comma-separated sections to run, e.g. 'at,render' (the load always "
                         "runs: the others need its stores); default all of them")
    args = ap.parse_args(argv)
    if args.events < 200 or args.repeats < 1:
        ap.error("--events must be at least 200 and --repeats at least 1")
    if args.events >= 500_000:
        minutes = MINUTES_PER_MILLION * args.events / 1e6 * args.repeats / 3
        progress(f"warning: {args.events:,} events with {args.repeats} repeat(s) takes "
                 f"{minutes:.0f} minutes or more on a quiet 2-core machine (twice that with "
                 f"other jobs on it) and about 2 GB of memory")
    temp = args.workdir is None
    work = Path(tempfile.mkdtemp(prefix="orgchart-bench-")) if temp else args.workdir
    work.mkdir(parents=True, exist_ok=True)
    progress(f"working in {work}")
    try:
        results = Bench(args.events, args.repeats, work, args.seed,
                        keep_workdir=not temp or args.keep,
                        timeline_steps=args.timeline_steps,
                        only=frozenset(filter(None, args.only.split(",")))).run()
    finally:
        if temp and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n",
                        encoding="utf-8")
    sys.stdout.write(table(results))
    progress(f"wrote {args.out}")
    return 1 if results["meta"]["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
