"""Pausing Python's cyclic garbage collector during bulk work.

A load or a rebuild allocates millions of small objects that live until it
ends and form no reference cycles; each automatic collection would walk them
all again (about a fifth of a 100,000-event load). Reference counting still
frees everything as usual meanwhile.

A query's answer (`paused_gc(promote=True)`: `at`'s chart) is made of such
objects too, and then handed back: the first young collection after the pause
would walk every one of them (a cache miss for each dict and each value it
holds: ~6 ms of `at`'s ~75 at 10,000 units), find them all alive and keep them,
and a middle one later would walk them again. They are moved to the oldest
generation instead, without a pass (`promoted`).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc(promote: bool = False) -> Iterator[None]:
    """The collector paused meanwhile (when it runs: a caller's pause is kept). With
    `promote`, what the block made and kept, which must form no reference cycles, is
    moved to the oldest generation when it ends normally (see `promoted`); what the
    caller made before it is first collected as young (`gc.collect(0)`: what its next
    automatic collection would do), so that its garbage is not kept for a full one."""
    was_enabled = gc.isenabled()
    if not was_enabled:
        yield
        return
    if promote:
        gc.collect(0)
    gc.disable()
    try:
        yield
        if promote:
            promoted()
    finally:
        gc.enable()


def promoted() -> None:
    """Move every object the collector tracks in its young generations to the oldest, at
    no cost per object (`gc.freeze` then `gc.unfreeze`: two list splices). Left undone
    when something is frozen already (`gc.freeze` by the application): unfreezing would
    release that too."""
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()

