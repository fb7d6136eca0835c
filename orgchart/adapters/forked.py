"""Running one piece of work in a forked process while the caller does another.

Threads take turns on the interpreter (`orgchart.adapters.meanwhile`); a forked child
runs beside the caller on another core. It starts with the caller's memory as it was at
the fork (pages are copied only as either side writes to them), so nothing is handed
over; what it makes it leaves in a file, and only how it ended comes back: nothing, or
what it raised.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any


def can_fork(room: float = 0.0) -> bool:
    """Whether a child can be forked safely here: the platform forks (not Windows; not
    macOS, whose system libraries may not survive a fork) and this process runs one
    thread (a fork copies the calling thread alone: a lock that another thread held
    would stay held in the child for ever). With `room`, also the memory available is at
    least `room` times this process's resident size (a child that reads the caller's
    objects copies their pages: Python writes a count into each object it reads); where
    that cannot be known, no."""
    if not (hasattr(os, "fork") and sys.platform != "darwin"
            and threading.active_count() == 1):
        return False
    return room <= 0 or available_memory() >= room * resident_memory()


def available_memory() -> int:
    """Bytes of memory available to start new work without swapping (Linux's
    `MemAvailable`; 0 where unknown)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def resident_memory() -> int:
    """Bytes of this process's memory resident now (Linux; 0 where unknown)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


class Forked:
    """`work()` run in a forked child process while the caller goes on; `result()`
    waits for it and raises what it raised. Only where `can_fork()`."""

    def __init__(self, work: Callable[[], None]) -> None:
        context = multiprocessing.get_context("fork")
        self._outcome, sent = context.Pipe(duplex=False)
        self._process = context.Process(target=_run, args=(work, sent), daemon=False,
                                        name="orgchart-forked")
        self._process.start()
        sent.close()  # the child's end: once the child is gone, reading ends (EOFError)

    def result(self) -> None:
        """Wait until the work is done; raise what it raised, or an error if the child
        ended without a word (killed, or out of memory)."""
        outcome: Any = None
        try:
            outcome = pickle.loads(self._outcome.recv_bytes())
            said = True
        except EOFError:
            said = False
        finally:
            self._process.join()
            self._outcome.close()
        if not said:
            outcome = RuntimeError(f"the forked helper process ended without finishing "
                                   f"({_ending(self._process)})")
        if outcome is not None:
            raise outcome

    def cancel(self) -> None:
        """Stop the child if it is still working (the caller gave up on it)."""
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._outcome.close()


def _run(work: Callable[[], None], outcome: Connection) -> None:
    """In the child: do the work and say how it ended (unless the caller is gone)."""
    said: BaseException | None = None
    try:
        work()
    except BaseException as e:
        said = e
    try:
        outcome.send_bytes(_sendable(said))
    except OSError:  # the caller is gone (killed): nobody to tell
        pass
    finally:
        outcome.close()


def _sendable(said: BaseException | None) -> bytes:
    """`said` pickled, or if it cannot be rebuilt from that, its words in a RuntimeError."""
    try:
        sent = pickle.dumps(said)
        pickle.loads(sent)
        return sent
    except Exception:
        return pickle.dumps(RuntimeError(f"{type(said).__name__}: {said}"))


def _ending(process: multiprocessing.process.BaseProcess) -> str:
    code = process.exitcode
    if code is not None and code < 0:
        return f"signal {-code}"
    return f"exit code {code}"
