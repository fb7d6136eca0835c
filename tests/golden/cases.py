"""What the golden comparison runs: every command, every format, on two histories.

`record.py` writes each command's output under `tests/golden/<history>/`
(outputs over 64 KB are kept as their SHA-256); `test_golden.py` runs the
same commands and compares byte for byte. Nothing a user sees may change
without re-recording on purpose (`python tests/golden/record.py`).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from orgchart.cli import cli

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SEED = ROOT / "seeds" / "alibaba-2026.yaml"
BIG = 64 * 1024  # outputs larger than this are kept as a digest


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]


def seed_cases() -> list[Case]:
    c: list[Case] = []
    for d in ("2025", "2026-03-31", "2026-04-01", "today"):
        for fmt in ("tree", "json", "csv", "dot", "mermaid"):
            c.append(Case(f"at-{d}-{fmt}", ("at", d, "--format", fmt)))
    c += [
        Case("at-root", ("at", "2026-04-01", "--root", "cn-ecommerce")),
        Case("at-depth", ("at", "2026-04-01", "--depth", "1", "--format", "json")),
        Case("at-known", ("at", "2026-04-01", "--known-at", "2026-04-02")),
        Case("at-known-early", ("at", "2026-04-01", "--known-at", "2020")),
        Case("at-unknown-root", ("at", "2026-04-01", "--root", "nope")),
        Case("diff-text", ("diff", "2026-03-31", "2026-04-01")),
        Case("diff-json", ("diff", "2026-03-31", "2026-04-01", "--format", "json")),
        Case("diff-rev", ("diff", "2026-04-01", "2025")),
        Case("diff-root", ("diff", "2025", "2026-04-01", "--root", "cn-ecommerce")),
        Case("log-text", ("log",)),
        Case("log-json", ("log", "--format", "json")),
        Case("log-unit", ("log", "--unit", "search-rec", "--from", "2025", "--to", "2026")),
        Case("render-dot", ("render", "2026-04-01", "--format", "dot", "-o", "-")),
        Case("render-since", ("render", "2026-04-01", "--since", "2026-03-31",
                              "--format", "dot", "-o", "-")),
        Case("render-rev", ("render", "2025", "--since", "2026-04-01",
                            "--format", "dot", "-o", "-")),
        Case("export-yaml", ("export",)),
        Case("export-json", ("export", "--format", "json")),
        Case("verify", ("verify",)),
        Case("timeline", ("timeline", "-o", "-")),
        Case("timeline-root", ("timeline", "-o", "-", "--root", "cn-ecommerce",
                               "--from", "2025")),
    ]
    for unit in ("search-rec", "smart-algorithms", "future-innovation", "alibaba", "ath",
                 "nope"):
        c += [Case(f"history-{unit}", ("history", unit)),
              Case(f"history-{unit}-json", ("history", unit, "--format", "json")),
              Case(f"lineage-{unit}", ("lineage", unit)),
              Case(f"lineage-{unit}-json", ("lineage", unit, "--format", "json")),
              Case(f"lineage-{unit}-dot", ("lineage", unit, "-o", "LINEAGE.dot"))]
    return c


def big_cases(units: list[str]) -> list[Case]:
    c: list[Case] = []
    for d in ("2000", "2015-06", "2026-04-01"):
        for fmt in ("tree", "json", "csv", "dot", "mermaid"):
            c.append(Case(f"at-{d}-{fmt}", ("at", d, "--format", fmt)))
    c += [
        Case("at-known", ("at", "2026-04-01", "--known-at", "2026-06-30", "--format", "json")),
        Case("at-known-tree", ("at", "2020-01-01", "--known-at", "2026-07-31")),
        Case("diff-text", ("diff", "2025-04-01", "2026-04-01")),
        Case("diff-json", ("diff", "2025-04-01", "2026-04-01", "--format", "json")),
        Case("diff-long", ("diff", "2000", "2026-04-01")),
        Case("diff-known", ("diff", "2010", "2026-04-01", "--known-at", "2026-06-30")),
        Case("log-text", ("log",)),
        Case("log-json", ("log", "--format", "json", "--from", "2020", "--to", "2021")),
        Case("render-since", ("render", "2026-04-01", "--since", "2025-04-01",
                              "--format", "dot", "-o", "-")),
        Case("export-yaml", ("export",)),
        Case("export-json", ("export", "--format", "json")),
        Case("verify", ("verify",)),
        Case("timeline", ("timeline", "-o", "-", "--from", "2025-10", "--to", "2026-03-31")),
    ]
    for unit in units:
        c += [Case(f"history-{unit}", ("history", unit)),
              Case(f"history-{unit}-json", ("history", unit, "--format", "json")),
              Case(f"lineage-{unit}", ("lineage", unit)),
              Case(f"lineage-{unit}-json", ("lineage", unit, "--format", "json")),
              Case(f"lineage-{unit}-dot", ("lineage", unit, "-o", "LINEAGE.dot"))]
    return c


def big_history(workdir: Path) -> Path:
    """The generated 10,000-event history (deterministic), written once into `workdir`."""
    target = workdir / "large.json"
    if not target.exists():
        subprocess.run([sys.executable, str(ROOT / "tests" / "bench" / "generate.py"),
                        "--events", "10000", "--only", "large", "--outdir", str(workdir)],
                       check=True, capture_output=True)
    return target


def busy_units(db: str, n: int = 4) -> list[str]:
    """The units named by the most events (ties by id): stable, interesting stories."""
    r = CliRunner().invoke(cli, ["--db", db, "log", "--format", "json"], obj={})
    counts: dict[str, int] = {}
    for row in json.loads(r.output):
        named = [row["unit"]] if isinstance(row.get("unit"), str) else []
        for u in named + list(row.get("units") or []):
            counts[u] = counts.get(u, 0) + 1
    return [u for u, _ in sorted(counts.items(), key=lambda x: (-x[1], x[0]))[:n]]


def run_case(db: str, case: Case, workdir: Path) -> bytes:
    """The command's stdout, stderr and exit code, as one byte string."""
    args = list(case.args)
    drawn = None
    if "LINEAGE.dot" in args:
        drawn = workdir / f"{case.name}.dot"
        args[args.index("LINEAGE.dot")] = str(drawn)
    r = CliRunner().invoke(cli, ["--db", db, *args], obj={})
    out = r.stdout_bytes.replace(str(workdir).encode(), b"WORKDIR")
    if drawn is not None and drawn.exists():
        out += b"\n--- drawn ---\n" + drawn.read_bytes()
    err = r.stderr_bytes.replace(str(workdir).encode(), b"WORKDIR")
    if "today" in case.args:  # the date of the run is not part of what is compared
        today = date.today().isoformat().encode()
        out, err = out.replace(today, b"TODAY"), err.replace(today, b"TODAY")
    return out + b"\n--- stderr ---\n" + err + f"\n--- exit {r.exit_code} ---\n".encode()


def expected_form(output: bytes) -> bytes:
    if len(output) > BIG:
        return f"sha256 {hashlib.sha256(output).hexdigest()} ({len(output)} bytes)\n".encode()
    return output


def load(db: str, path: Path) -> bytes:
    r = CliRunner().invoke(cli, ["--db", db, "load", "--quiet", str(path)], obj={})
    assert r.exit_code == 0, r.output
    return r.stdout_bytes.replace(str(path.parent).encode(), b"DIR")


def histories(workdir: Path) -> Iterator[tuple[str, str, list[Case]]]:
    """(name, store path, cases) for the seed and the generated history."""
    os.environ["ORGCHART_CACHE"] = str(workdir / "cache")
    seed_db = str(workdir / "seed.db")
    load(seed_db, SEED)
    yield "seed", seed_db, seed_cases()
    big_db = str(workdir / "big.db")
    load(big_db, big_history(workdir))
    yield "gen10k", big_db, big_cases(busy_units(big_db))
