"""Full garbage collections wait for the operator to stop typing, unless long overdue."""

from __future__ import annotations

import gc
import time

import pytest

from tripleo_tui.idle_gc import DUE, IDLE_SECONDS, NEVER, OVERDUE, IdleCollector


@pytest.fixture
def collector():
    collector = IdleCollector()
    before = gc.get_threshold()
    collector.start()
    yield collector
    collector.stop()
    assert gc.get_threshold() == before


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
