"""Where a back-dated move's fast path (`validation.local_move`) gave up, for the bench.

`where(history, new)` runs `local_move` under a trace of `orgchart.domain.validation`
and says, when it returned None, which of its steps returned None last (innermost
first, each with its line and the event it was looking at); None when it did not
give up. Its helpers return None only to give up, so the innermost one is the reason.

    python -m tests.bench.gave_up STORE MOVE.json   (a one-move event file, as the
                                                     bench's move-large.json)
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from orgchart.domain import validation
from orgchart.domain.dates import EffDate
from orgchart.domain.facts import Fact, Move


def where(history: validation.HistorySoFar, new: Sequence[Fact]) -> str | None:
    """Why `local_move(history, new)` gave up (its chain of steps returning None), or
    None when it did not."""
    source = validation.__file__
    chain: list[str] = []

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename != source or frame.f_code.co_name.startswith("<"):
            return None  # not validation's, or a comprehension
        if event == "call":
            return trace
        if event == "return":
            if arg is not None:
                chain.clear()
            else:
                f = frame.f_locals.get("f")
                about = f" at {f.id} ({f.TYPE}, {f.day})" if isinstance(f, Fact) else ""
                chain.append(f"{frame.f_code.co_name} line {frame.f_lineno}{about}")
        return trace

    sys.settrace(trace)
    try:
        found = validation.local_move(history, new)
    finally:
        sys.settrace(None)
    return None if found is not None else " <- ".join(chain) or "not a lone move"


def file_move(path: Path) -> Move:
    """The move in a one-move event file (as the bench writes them), recorded after all."""
    ev = json.loads(path.read_text(encoding="utf-8"))["events"][0]
    return Move(id="bench", seq=1 << 40, recorded="9999-12-31",
                date=EffDate.parse(ev["date"]), unit=ev["unit"], parent=ev["parent"])


def explain(store: Path, path: Path) -> str:
    """Where the move in `path` gives up on `store`'s query tables (`where`), or that it
    is followed."""
    from orgchart.adapters.readmodel.state import StoredState
    from orgchart.adapters.readmodel.tables import open_db

    if not store.is_file():
        raise SystemExit(f"no store at {store}")
    db = open_db(str(store))
    try:
        return where(StoredState(db), [file_move(path)]) or "followed (no window replay)"
    finally:
        db.close()


if __name__ == "__main__":
    print(explain(*map(Path, sys.argv[1:3])))
