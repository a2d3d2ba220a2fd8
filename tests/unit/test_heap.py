"""settle_heap: what start-up built is frozen out of later collections, and the young are collected less often."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from mesh.heap import YOUNG_THRESHOLD, settle_heap


@pytest.fixture
def restored_collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("restored_collector")
def test_the_heap_built_before_it_is_frozen_and_young_collections_come_less_often() -> None:
    gc.unfreeze()
    built_at_start_up = [[] for _ in range(1000)]  # lists: objects the collector tracks
    middle, old = gc.get_threshold()[1:]

    settle_heap()

    assert gc.get_freeze_count() >= len(built_at_start_up)
    assert gc.get_threshold() == (YOUNG_THRESHOLD, middle, old)


@pytest.mark.usefixtures("restored_collector")
def test_cycles_made_after_it_are_still_collected() -> None:
    settle_heap()

    class Node:
        pass

    node = Node()
    node.self = node  # type: ignore[attr-defined]
    gone = weakref.ref(node)
    del node
    gc.collect()

    assert gone() is None
