"""Every `-o FILE` replaces FILE in one step: a failed write leaves the previous file
intact and no temporary file behind (issue 17, item 4), on both back-ends."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Run

SIZE_LIMIT = 1024  # bytes the child may write into one file (`ulimit -f`) once it opens
# a file in the output folder (so that reading the store is not limited)
LIMITED_CLI = f"""
import os, resource, sys
folder = os.path.realpath(sys.argv[1])
def limit_output(event, args):
    if event == "open" and isinstance(args[0], str) and args[0].startswith(folder):
        resource.setrlimit(resource.RLIMIT_FSIZE, ({SIZE_LIMIT}, {SIZE_LIMIT}))
sys.addaudithook(limit_output)
from orgchart.cli import cli
cli(sys.argv[2:], obj={{}})
"""
PREVIOUS = "the previous file, which must survive a failed write\n" * 100


def snapshot(tmp_path: Path) -> str:
    """An HR snapshot where every unit is new (its import plans many events)."""
    path = tmp_path / "snapshot.csv"
    path.write_text("id,name,parent\n" + "".join(f"unit-{i},Unit {i},\n" for i in range(30)),
                    encoding="utf-8")
    return str(path)


COMMANDS = {  # the command, and the suffix of its output file
    "export": (["export", "-o"], "yaml"),
    "render": (["render", "2026-04-01", "-o"], "svg"),
    "timeline": (["timeline", "-o"], "html"),
    "lineage": (["lineage", "smart-algorithms", "-o"], "svg"),
    "import-snapshot": (["import-snapshot", "2026-04-02", "{snapshot}", "-o"], "yaml"),
}


def command(name: str, tmp_path: Path, out: Path) -> list[str]:
    args, _ = COMMANDS[name]
    return [a.replace("{snapshot}", snapshot(tmp_path)) for a in args] + [str(out)]


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_write_that_fails_midway_leaves_the_previous_file(
        name: str, seeded: Run, db_path: str, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / f"result.{COMMANDS[name][1]}"
    args = command(name, tmp_path, out)
    r = seeded(*args)  # unlimited: the output is larger than the limit below
    assert r.exit_code == 0, r.output
    assert out.stat().st_size > 2 * SIZE_LIMIT

    out.write_text(PREVIOUS, encoding="utf-8")
    p = subprocess.run([sys.executable, "-c", LIMITED_CLI, str(folder), "--db", db_path, *args],
                       capture_output=True, text=True, timeout=120, env={**os.environ})
    assert (p.returncode, p.stderr) == (1, f"Error: cannot write {out}: File too large\n")
    assert out.read_text(encoding="utf-8") == PREVIOUS
    assert [f.name for f in folder.iterdir()] == [out.name]


def test_a_written_file_gets_the_usual_mode_and_keeps_an_existing_one(
        seeded: Run, tmp_path: Path) -> None:
    out = tmp_path / "history.yaml"
    assert seeded("export", "-o", str(out)).exit_code == 0
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask
    out.chmod(0o640)
    assert seeded("export", "-o", str(out)).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert out.read_text(encoding="utf-8").startswith("format: orgchart/v1")


def test_a_symlinked_output_replaces_the_file_it_names(seeded: Run, tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_text(PREVIOUS, encoding="utf-8")
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    assert seeded("export", "-o", str(link)).exit_code == 0
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8").startswith("format: orgchart/v1")
