"""`Forked` runs work in a forked child and says how it ended: nothing, what it raised
(rebuilt in the caller), or that it died; `cancel` stops it. `can_fork` says no while
another thread runs."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from orgchart.adapters.forked import Forked, can_fork

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="this platform cannot fork")


def test_the_work_runs_in_another_process_that_sees_the_callers_memory(tmp_path: Path) -> None:
    seen = {"made": "in the caller, before the fork"}
    out = tmp_path / "out"

    def work() -> None:
        out.write_text(f"{os.getpid()} {seen['made']}")
    child = Forked(work)
    child.result()
    pid, made = out.read_text().split(" ", 1)
    assert int(pid) != os.getpid()
    assert made == "in the caller, before the fork"


def test_what_the_work_raised_is_raised_by_result() -> None:
    def work() -> None:
        raise ValueError("no such unit: 'x'")
    child = Forked(work)
    with pytest.raises(ValueError, match="no such unit: 'x'"):
        child.result()


class Unpicklable(Exception):
    def __init__(self, a: str, b: str) -> None:  # pickled with one argument: not rebuilt
        super().__init__(f"{a} and {b}")


def test_an_error_that_cannot_be_sent_back_is_raised_in_its_words() -> None:
    def work() -> None:
        raise Unpicklable("this", "that")
    child = Forked(work)
    with pytest.raises(RuntimeError, match="this and that"):
        child.result()


def test_a_child_that_dies_without_a_word_is_an_error() -> None:
    def work() -> None:
        os.kill(os.getpid(), signal.SIGKILL)
    child = Forked(work)
    with pytest.raises(RuntimeError, match=r"ended without finishing \(signal 9\)"):
        child.result()


def test_an_exit_without_a_word_is_an_error() -> None:
    def work() -> None:
        os._exit(3)
    child = Forked(work)
    with pytest.raises(RuntimeError, match=r"ended without finishing \(exit code 3\)"):
        child.result()


def test_cancel_stops_a_child_still_working(tmp_path: Path) -> None:
    out = tmp_path / "out"

    def work() -> None:
        time.sleep(30)
        out.write_text("finished")
    child = Forked(work)
    started = time.monotonic()
    child.cancel()
    assert time.monotonic() - started < 10
    assert not out.exists()


def test_no_fork_while_another_thread_runs() -> None:
    if threading.active_count() > 1:
        pytest.skip("the test process already runs other threads")
    assert can_fork() == (os.uname().sysname != "Darwin")
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not can_fork()
    finally:
        stop.set()
        other.join()


def test_no_fork_without_room_for_a_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    if threading.active_count() > 1 or os.uname().sysname == "Darwin":
        pytest.skip("forking is off here whatever the memory")
    from orgchart.adapters import forked

    size = forked.resident_memory()
    assert size > 0 and forked.available_memory() > 0  # Linux: both known
    monkeypatch.setattr(forked, "available_memory", lambda: int(2 * size) + 4096)
    assert forked.can_fork(room=2.0)
    assert not forked.can_fork(room=2.1)
    monkeypatch.setattr(forked, "available_memory", lambda: 0)  # unknown
    assert not forked.can_fork(room=2.0)
    assert forked.can_fork()


def test_a_rebuild_forks_only_with_room(monkeypatch: pytest.MonkeyPatch) -> None:
    """`tables` asks for room for a copy of the process (its `FORK_ROOM`)."""
    from orgchart.adapters import forked
    from orgchart.adapters.readmodel import tables

    asked: list[float] = []

    def can(room: float = 0.0) -> bool:
        asked.append(room)
        return False
    monkeypatch.setattr(forked, "can_fork", can)
    monkeypatch.setattr(tables, "FORK_AT", 0)
    assert tables._replay_aside(None, [], lambda: None, {}) is None  # type: ignore[arg-type, return-value]
    assert asked == [tables.FORK_ROOM] and tables.FORK_ROOM >= 1.5
