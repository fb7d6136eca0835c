"""Running one piece of work in a thread of its own while the caller does another.

Worth it only while the caller waits on something that lets go of the interpreter
(SQLite building an index does): Python code in both threads takes turns.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Meanwhile(Generic[T]):
    """`make()` run in a thread of its own while the caller goes on (worth it while the
    caller waits on something that lets go of the interpreter, e.g. SQLite's work)."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._made: list[T] = []
        self._failed: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, args=(make,), daemon=True,
                                        name="orgchart-meanwhile")
        self._thread.start()

    def _run(self, make: Callable[[], T]) -> None:
        try:
            self._made.append(make())
        except BaseException as e:  # raised again in the caller's thread
            self._failed.append(e)

    def result(self) -> T:
        """What `make()` returned, once it has (what it raised, raised here)."""
        self._thread.join()
        if self._failed:
            raise self._failed[0]
        return self._made[0]
