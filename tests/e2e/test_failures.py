"""What goes wrong outside orgchart's control ends in one `Error:` line and exit 1, never a
traceback (issue 17, item 6): unwritable outputs, stdout on a full disk, a `--db` that is not
a readable store, damaged query tables."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from orgchart.application.service import OrgChartService
from tests.conftest import SEED, Run

READS = [["at", "2026-04-01"], ["log"], ["export"], ["history", "search-rec"], ["verify"]]


def orgchart(*args: str, stdout: int | None = subprocess.PIPE,
             wrapper: Sequence[str] = ()) -> tuple[int, str]:
    """The CLI in a child process: (exit code, stderr)."""
    p = subprocess.run([*wrapper, sys.executable, "-m", "orgchart", *args], stdout=stdout,
                       stderr=subprocess.PIPE, text=True, timeout=120, env={**os.environ})
    return p.returncode, p.stderr


def one_error(err: str) -> bool:
    return err.startswith("Error: ") and err.count("\n") == 1 and "Traceback" not in err


# -- outputs ------------------------------------------------------------------------------

def test_an_output_on_a_full_device_is_one_error(seeded: Run) -> None:
    r = seeded("export", "-o", "/dev/full")
    assert (r.exit_code, r.stderr) == (1, "Error: cannot write /dev/full: No space left on "
                                          "device\n")


@pytest.mark.parametrize("args", [["export", "-o"], ["render", "2026-04-01", "-o"],
                                  ["timeline", "-o"], ["lineage", "smart-algorithms", "-o"]])
def test_an_output_in_a_missing_folder_is_one_error(args: list[str], seeded: Run,
                                                    tmp_path: Path) -> None:
    out = tmp_path / "missing" / "out.svg"
    r = seeded(*args, str(out))
    assert (r.exit_code, r.stderr) == (1, f"Error: cannot write {out}: No such file or "
                                          f"directory\n")


@pytest.mark.parametrize("args", [*READS, ["diff", "2026-03-31", "2026-04-01"],
                                  ["at", "2026-04-01", "--format", "json"],
                                  ["render", "2026-04-01", "-o", "-"]])
def test_stdout_on_a_full_device_is_one_error(args: list[str], seeded: Run,
                                              db_path: str) -> None:
    with open("/dev/full", "w") as full:
        code, err = orgchart("--db", db_path, *args, stdout=full.fileno())
    assert (code, err) == (1, "Error: cannot write to stdout: No space left on device\n")


# -- a --db that is not a readable store ----------------------------------------------------

def broken_stores(tmp_path: Path) -> dict[str, str]:
    """SQLite stores that cannot be read, by what is wrong with them."""
    good = tmp_path / "good.db"
    assert orgchart("--db", str(good), "load", str(SEED))[0] == 0
    data = good.read_bytes()
    stores = {"an event file": str(SEED), "a directory": str(tmp_path)}
    (tmp_path / "truncated.db").write_bytes(data[: len(data) // 3])
    stores["a truncated database"] = str(tmp_path / "truncated.db")
    damaged = bytearray(data)
    for i in range(8192, min(len(damaged), 60000), 7):
        damaged[i] ^= 0x5A
    (tmp_path / "damaged.db").write_bytes(bytes(damaged))
    stores["a damaged database"] = str(tmp_path / "damaged.db")
    foreign = sqlite3.connect(tmp_path / "foreign.db")
    foreign.execute("create table stored_events (name text, value text)")
    foreign.execute("insert into stored_events values ('a', 'b')")
    foreign.commit()
    foreign.close()
    stores["another application's database"] = str(tmp_path / "foreign.db")
    return stores


@pytest.mark.parametrize("args", [*READS, ["load", str(SEED)]])
def test_a_db_that_is_no_readable_store_is_one_error(args: list[str], tmp_path: Path) -> None:
    for what, db in broken_stores(tmp_path).items():
        code, err = orgchart("--db", db, *args)
        assert code == 1 and one_error(err) and db in err, (what, err)


def without_root_powers() -> list[str]:
    """What runs a command so that file permissions hold for it (root ignores them)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: permissions cannot be enforced")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-all"]


@pytest.fixture
def read_only_folder() -> Iterator[Path]:
    """A store in a folder that may not be written (mode 0555)."""
    folder = Path(tempfile.mkdtemp(prefix="orgchart-ro-"))
    try:
        folder.chmod(0o755)
        assert orgchart("--db", str(folder / "store.db"), "load", str(SEED))[0] == 0
        for f in folder.iterdir():
            f.chmod(0o644)
        folder.chmod(0o555)
        yield folder
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


@pytest.mark.parametrize("args", [*READS, ["load", str(SEED)]])
def test_a_store_in_a_read_only_folder_is_one_error(args: list[str],
                                                    read_only_folder: Path) -> None:
    db = str(read_only_folder / "store.db")
    code, err = orgchart("--db", db, *args, wrapper=without_root_powers())
    assert code == 1 and one_error(err) and db in err, err


# -- damaged query tables ---------------------------------------------------------------------

@pytest.mark.parametrize("damage", [
    "body = '{\"name\": \"cut sh'", "sources = '[1,'", "type = 'bogus'", "date = '20x'"])
def test_a_damaged_query_table_row_is_one_error(damage: str, seeded: Run, db_path: str) -> None:
    tables = sqlite3.connect(OrgChartService(db_path).cache_path())
    eid = tables.execute("select e.id from oc_events e join oc_event_units u on u.seq = e.seq "
                         "where u.unit = 'search-rec' order by e.seq limit 1").fetchone()[0]
    tables.execute(f"update oc_events set {damage} where id = ?", [eid])
    tables.commit()
    tables.close()
    for args in (["export"], ["history", "search-rec"]):
        r = seeded(*args)
        assert r.exit_code == 1 and r.stderr.startswith(
            f"Error: the query tables are damaged: event '{eid}' cannot be read ("), r.output
        assert r.stderr.endswith("); `orgchart verify` checks them against the log\n")
