"""`orgchart serve` as a user runs it: a process that listens on 127.0.0.1, says where,
answers, and stops on Ctrl+C; clear errors for an empty store and a port in use."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.conftest import ROOT, SEED, Run


def orgchart(db: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "orgchart", "--db", str(db), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_serve_listens_on_loopback_answers_and_stops(tmp_path: Path) -> None:
    db = tmp_path / "seed.db"
    loaded = orgchart(db, "load", str(SEED))
    assert loaded.wait(60) == 0
    proc = orgchart(db, "serve", "--port", "0")
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith(f"orgchart: exploring {db} at http://127.0.0.1:"), first
        assert first.rstrip().endswith("(read-only; Ctrl+C to stop)")
        url = first.split(" at ", 1)[1].split(" ", 1)[0]
        with urllib.request.urlopen(url + "api/span", timeout=10) as r:
            assert json.load(r)["first"] == "1999-01-01"
            assert "default-src 'self'" in r.headers["content-security-policy"]
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert out.strip() == "orgchart: stopped"


def test_serve_an_empty_store_is_an_error(run: Run, db_path: str) -> None:
    r = run("serve")
    assert r.exit_code == 1
    assert "holds no events yet" in r.output


def test_serve_on_a_port_in_use_is_an_error(seeded: Run) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        r = seeded("serve", "--port", str(port))
    assert r.exit_code == 1
    assert r.output.startswith(f"Error: cannot listen on 127.0.0.1:{port}: "), r.output
