"""A time and memory budget for each evaluation, enforced by a watchdog thread.

Expressions run on the engine's event loop inside code we do not own (yaql's evaluator, the
Python that Jinja compiles templates to), often with no hook between two steps: a nested Jinja
`for` loop calls no function at all. So the evaluating thread only registers itself, and a
watchdog thread looks every few milliseconds: when an evaluation has used more CPU time than
its limit (its thread's own CPU clock, so that a loaded machine does not fail a quick
expression), or the process grew past the memory bound during it, the watchdog raises an
exception inside the evaluating thread (CPython's `PyThreadState_SetAsyncExc`, delivered
between two bytecodes).
A single long call in C cannot be stopped this way; the operations that allocate much in one
call (repetition, powers, format widths) are checked before they run (engine.expr.operators).
"""

from __future__ import annotations

import ctypes
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from engine import limits

_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


class ExpressionLimitError(Exception):
    """An evaluation exceeded one of engine.limits; the message names the limit."""


class _Interrupted(BaseException):
    """Raised by the watchdog inside the evaluation; a BaseException, so the evaluators'
    `except Exception` handlers cannot swallow it."""


class _Evaluation:
    """One running evaluation. What it has used is counted from the watchdog's first look at
    it (at most a tick late), so registering costs no system call."""

    __slots__ = (
        "thread_id",
        "time_limit",
        "cpu_clock",
        "cpu_at_start",
        "resident_at_start",
        "exceeded",
    )

    def __init__(self, thread_id: int, time_limit: float) -> None:
        self.thread_id = thread_id
        self.time_limit = time_limit
        self.cpu_clock = 0
        self.cpu_at_start: float | None = None
        self.resident_at_start = 0
        self.exceeded: str | None = None


_lock = threading.Lock()  # orders unregistering against the watchdog's raising
_running: dict[int, _Evaluation] = {}  # thread id -> its evaluation
_wake = threading.Event()  # set while the watchdog is needed
_watchdog: threading.Thread | None = None
_statm: int | None = None  # /proc/self/statm, open for the life of the process


def run_bounded(function: Callable[..., Any], *args: Any, time_limit: float, **kwargs: Any) -> Any:
    """`function(*args, **kwargs)`, stopped with ExpressionLimitError past the budget.

    A nested call runs within the budget of the outer one.
    """
    thread_id = threading.get_ident()
    if thread_id in _running:
        return function(*args, **kwargs)
    evaluation = _Evaluation(thread_id, time_limit)
    _running[thread_id] = evaluation  # no lock: one store under the GIL (removal takes it)
    if not _wake.is_set():
        _wake_watchdog()
    try:
        return function(*args, **kwargs)
    except _Interrupted:
        pass  # evaluation.exceeded says why
    finally:
        # The watchdog may have raised just before we unregister, and the exception may
        # arrive at any bytecode until it is withdrawn: retry until both are done.
        while True:
            try:
                with _lock:
                    _running.pop(thread_id, None)
                if evaluation.exceeded:
                    _raise_in(thread_id, None)
                break
            except _Interrupted:
                pass
    raise ExpressionLimitError(evaluation.exceeded)


def _wake_watchdog() -> None:
    global _watchdog
    _wake.set()
    if _watchdog is None or not _watchdog.is_alive():  # first use, or a forked child
        _watchdog = threading.Thread(target=_watch, name="expression-watchdog", daemon=True)
        _watchdog.start()


def _watch() -> None:
    """Look at the running evaluations every tick; sleep when there have been none a while."""
    idle_ticks = 0
    while True:
        _wake.wait()
        time.sleep(limits.WATCHDOG_TICK)
        with _lock:
            running = list(_running.values())  # still registered while we hold the lock
            if not running:
                idle_ticks += 1
                if idle_ticks * limits.WATCHDOG_TICK >= 1.0:
                    idle_ticks = 0
                    _wake.clear()
                    if _running:  # registered meanwhile, having seen the event still set
                        _wake.set()
                continue
            idle_ticks = 0
            _look(running, _resident_bytes())


def _look(running: list[_Evaluation], resident: int) -> None:
    for evaluation in running:
        if evaluation.cpu_at_start is None:
            evaluation.cpu_clock = time.pthread_getcpuclockid(evaluation.thread_id)
            evaluation.cpu_at_start = time.clock_gettime(evaluation.cpu_clock)
            evaluation.resident_at_start = resident
            continue
        used = time.clock_gettime(evaluation.cpu_clock) - evaluation.cpu_at_start
        if used > evaluation.time_limit:
            evaluation.exceeded = (
                f"the expression exceeded the CPU time limit of {evaluation.time_limit:g} s"
            )
        elif resident - evaluation.resident_at_start > limits.EXPRESSION_MEMORY_LIMIT:
            evaluation.exceeded = (
                "the expression exceeded the memory limit of "
                f"{limits.EXPRESSION_MEMORY_LIMIT >> 20} MiB"
            )
        else:
            continue
        # Raised again at each tick while it runs, in case some handler swallowed it.
        _raise_in(evaluation.thread_id, _Interrupted)


def _raise_in(thread_id: int, exception: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exception) if exception else None
    )


def _resident_bytes() -> int:
    """The process's resident size now (not its peak), read cheaply from /proc."""
    global _statm
    if _statm is None:
        _statm = os.open("/proc/self/statm", os.O_RDONLY)
    return int(os.pread(_statm, 64, 0).split()[1]) * _PAGE_SIZE
