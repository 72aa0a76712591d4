"""Worker threads for blocking actions: one bounded pool per service, so eight calls hanging on
a silent Ironic leave the HTTP and Heat pools free, and daemon threads, so a hung call never
keeps the process from exiting (asyncio's default executor is joined at exit: SIGTERM waited
for every hung call)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

from engine import limits

# Which pool an action's calls go to, by the start of its name; everything else goes to "other".
POOL_BY_PREFIX = (
    ("ironic.", "ironic"),
    ("tripleo.baremetal.", "ironic"),
    ("heat.", "heat"),
    ("std.http", "http"),
)


class DaemonPool(Executor):
    """At most ``size`` daemon threads taking calls from one queue. A thread starts when more
    calls wait than threads are free, so calls hanging in some threads never hold up a new
    one while the pool has room."""

    def __init__(self, name: str, size: int) -> None:
        self.name = name
        self.size = size
        self._calls: queue.SimpleQueue = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._waiting = 0  # calls not yet taken by a thread
        self._busy = 0  # threads running a call
        self._lock = threading.Lock()
        self._shut_down = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        with self._lock:
            if self._shut_down:
                raise RuntimeError(f"The {self.name} threads have been shut down")
            self._waiting += 1
            free = len(self._threads) - self._busy
            if self._waiting > free and len(self._threads) < self.size:
                thread = threading.Thread(
                    target=self._work, name=f"{self.name}-{len(self._threads)}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
            self._calls.put((future, fn, args, kwargs))  # before a shutdown's end marks
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """The threads end once the calls already queued are done (`cancel_futures` is not
        supported: nothing queued is dropped)."""
        with self._lock:
            self._shut_down = True
            threads = list(self._threads)
        for _ in threads:
            self._calls.put(None)
        if wait:
            for thread in threads:
                thread.join()

    def _work(self) -> None:
        while (call := self._calls.get()) is not None:
            future, fn, args, kwargs = call
            with self._lock:
                self._waiting -= 1
                self._busy += 1
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn(*args, **kwargs))
                except BaseException as error:
                    future.set_exception(error)
            del call, future, fn, args, kwargs  # drop the result before waiting for the next
            with self._lock:
                self._busy -= 1


_pools: dict[str, DaemonPool] = {}
_pools_lock = threading.Lock()


def pool_name(action_name: str) -> str:
    for prefix, name in POOL_BY_PREFIX:
        if action_name.startswith(prefix):
            return name
    return "other"


def pool_for(action_name: str) -> DaemonPool:
    """The pool the blocking action ``action_name`` runs in (made on first use)."""
    name = pool_name(action_name)
    with _pools_lock:
        if name not in _pools:
            _pools[name] = DaemonPool(f"actions-{name}", limits.current().workers)
        return _pools[name]
