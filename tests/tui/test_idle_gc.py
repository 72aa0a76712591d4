"""Full garbage collections wait for the operator to stop typing, unless long overdue; what
survives one is frozen, so the next walks only the objects made since."""

from __future__ import annotations

import gc
import time
import weakref

import pytest

from tripleo_tui.idle_gc import DEEP_SECONDS, DUE, IDLE_SECONDS, NEVER, OVERDUE, IdleCollector


@pytest.fixture
def collector():
    collector = IdleCollector()
    before = gc.get_threshold()
    gc.unfreeze()
    collector.start()
    yield collector
    collector.stop()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0  # automatic passes see every object again


def young_passes(count: int) -> None:
    """`count` collections of the young generations, each one counting toward a full pass."""
    gc.collect()
    for _ in range(count):
        gc.collect(1)


def test_automatic_full_passes_are_off_while_it_runs(collector):
    assert gc.get_threshold()[2] == NEVER


def test_a_due_pass_runs_once_the_operator_is_idle(collector):
    young_passes(DUE)
    collector.input_seen()
    assert not collector.tick()
    assert gc.get_count()[2] >= DUE
    collector.last_input = time.monotonic() - IDLE_SECONDS
    assert collector.tick()
    assert gc.get_count()[2] == 0


def test_nothing_runs_when_no_pass_is_due(collector):
    young_passes(DUE - 2)
    collector.last_input = time.monotonic() - IDLE_SECONDS
    assert not collector.tick()


def test_an_overdue_pass_runs_even_while_keys_come(collector):
    young_passes(OVERDUE)
    collector.input_seen()
    assert collector.tick()
    assert gc.get_count()[2] == 0


def test_no_pass_while_a_key_waits_for_its_screen(collector):
    young_passes(OVERDUE)
    gc.disable()  # as tripleo_tui.key_first does
    try:
        assert not collector.tick()
    finally:
        gc.enable()
    assert collector.tick()


def test_a_due_pass_runs_right_after_a_keys_answer(collector):
    young_passes(DUE)
    collector.input_seen()
    assert not collector.tick()  # keys keep coming, not overdue yet
    assert collector.key_answered()
    assert gc.get_count()[2] == 0
    young_passes(DUE - 2)
    assert not collector.key_answered()  # none due


class Cycle:
    """Garbage only a full pass can free: it refers to itself."""

    def __init__(self) -> None:
        self.me = self


def frozen_garbage() -> weakref.ref:
    """A cycle frozen while alive (as the rows are once loaded), then dropped."""
    cycle = Cycle()
    gc.freeze()
    return weakref.ref(cycle)


def test_a_pass_freezes_what_survives_it(collector):
    young_passes(OVERDUE)
    collector.input_seen()
    assert collector.tick()
    assert gc.get_freeze_count() > 0


def test_a_pass_leaves_frozen_objects_alone_within_a_minute_of_a_deep_one(collector):
    gone = frozen_garbage()
    young_passes(DUE)
    collector.last_input = time.monotonic() - IDLE_SECONDS
    collector.last_deep = time.monotonic()
    assert collector.tick()
    assert gone() is not None


def test_a_deep_pass_frees_frozen_garbage_while_the_operator_is_idle(collector):
    gone = frozen_garbage()
    young_passes(DUE)
    collector.last_input = time.monotonic() - IDLE_SECONDS
    collector.last_deep = time.monotonic() - DEEP_SECONDS
    assert collector.tick()
    assert gone() is None
    assert gc.get_freeze_count() > 0  # frozen again after it


def test_no_deep_pass_while_keys_come(collector):
    gone = frozen_garbage()
    young_passes(OVERDUE)
    collector.input_seen()
    collector.last_deep = time.monotonic() - DEEP_SECONDS
    assert collector.tick()
    assert gone() is not None
