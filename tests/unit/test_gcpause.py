"""`paused_gc(promote=True)`: what the block keeps goes to the oldest generation without a
collection; the caller's garbage is still collected, its frozen objects stay frozen, a
pause it made is kept, and a block that fails promotes nothing."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from orgchart.adapters.gcpause import paused_gc


class Node:
    """A container the collector tracks (and which can hold a cycle)."""

    def __init__(self) -> None:
        self.other: object = None


def generation_of(obj: object) -> int | None:
    """Which generation the collector holds `obj` in (None: in none of them)."""
    for gen in range(3):
        if any(o is obj for o in gc.get_objects(generation=gen)):
            return gen
    return None


@pytest.fixture(autouse=True)
def collector_running() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    gc.collect()
    try:
        yield
    finally:
        if not was:
            gc.disable()


def test_what_the_block_keeps_is_in_the_oldest_generation_and_was_not_collected() -> None:
    before = gc.get_stats()
    with paused_gc(promote=True):
        kept = [{"leaders": [Node()]} for _ in range(3000)]  # over the young threshold
    after = gc.get_stats()
    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert generation_of(kept) == 2 and generation_of(kept[-1]["leaders"][0]) == 2
    # one young collection at the start (the caller's objects), none of what it kept
    assert [a["collections"] - b["collections"] for a, b in zip(after, before, strict=True)] \
        == [1, 0, 0]


def test_without_promote_the_block_keeps_young_objects() -> None:
    with paused_gc():
        kept = Node()
    assert generation_of(kept) == 0 and gc.isenabled()


def test_the_callers_garbage_is_collected_first() -> None:
    a, b = Node(), Node()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    del a, b
    with paused_gc(promote=True):
        pass
    assert gone() is None


def test_frozen_objects_stay_frozen() -> None:
    frozen = Node()
    gc.freeze()
    try:
        count = gc.get_freeze_count()
        with paused_gc(promote=True):
            kept = Node()
        assert gc.get_freeze_count() == count and generation_of(frozen) is None
        assert generation_of(kept) == 0  # not promoted: that would have unfrozen `frozen`
    finally:
        gc.unfreeze()


def test_a_block_that_fails_promotes_nothing() -> None:
    kept: list[Node] = []
    with pytest.raises(ValueError), paused_gc(promote=True):
        kept.append(Node())
        raise ValueError
    assert generation_of(kept[0]) == 0 and gc.isenabled()


def test_a_callers_pause_is_kept_and_nothing_promoted() -> None:
    gc.disable()
    try:
        with paused_gc(promote=True):
            kept = Node()
        assert not gc.isenabled() and generation_of(kept) == 0
    finally:
        gc.enable()
