"""Hand-off: a process that does not run the engine asks the live engine to make a change.

Exactly one engine runs per state file (it holds the lease). Another process (a CLI command)
writes a request row (engine.store.requests) naming a backend method and its JSON arguments;
the live engine notices at once (it polls `PRAGMA data_version`, which moves whenever another
connection commits), runs the method on its own backend, and writes the result or the error
back into the row. The caller reads it, deletes the row, and carries on as if it had called
the method itself. Requests from a caller that gave up expire unanswered, so a later engine
never runs a forgotten request.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import subprocess
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from engine.api.types import (
    ActionExecutionRecord,
    AlreadyExistsError,
    ConflictError,
    EngineError,
    ExecutionRecord,
    HandoffError,
    InputError,
    NotFoundError,
    StoreError,
    TaskRecord,
    WorkflowError,
    states,
)
from engine.store import log_path
from engine.store import requests as rows
from engine.store.requests import DONE, FAILED, PENDING, STOPPED_MESSAGE

if TYPE_CHECKING:
    from engine.api.embedded import EmbeddedBackend

LOG = logging.getLogger(__name__)

# The backend methods another process may hand over, and the record type each one returns.
HANDED_OFF: dict[str, type | None] = {
    "start_execution": ExecutionRecord,
    "update_execution": ExecutionRecord,
    "delete_execution": None,
    "rerun_task": TaskRecord,
    "update_action_execution": ActionExecutionRecord,
    "run_action": ActionExecutionRecord,
}

# Errors that cross the hand-off as themselves (their message is meant for the user).
KNOWN_ERRORS: dict[str, type[Exception]] = {
    error.__name__: error
    for error in (
        NotFoundError,
        AlreadyExistsError,
        ConflictError,
        StoreError,
        InputError,
        WorkflowError,
        EngineError,
        HandoffError,
        ValueError,
    )
}

POLL_INTERVAL = 0.05  # the engine looks for new requests this often
ANSWER_POLL_INTERVAL = 0.02  # the caller looks for its answer this often
LIVENESS_EVERY = 1.0  # the caller checks this often that an engine is still there


def error_type(error: Exception) -> str:
    """The name the caller raises the error as: its nearest known class, else its own name."""
    names = [cls.__name__ for cls in type(error).__mro__]
    return next((name for name in names if name in KNOWN_ERRORS), names[0])


# ---- the engine's side ---------------------------------------------------------------------


class RequestServer:
    """Runs the requests other processes leave for this process's engine."""

    def __init__(self, api: EmbeddedBackend, poll_interval: float = POLL_INTERVAL) -> None:
        self.api = api
        self.poll_interval = poll_interval
        self._loop: asyncio.Task | None = None
        self._running: set[asyncio.Task] = set()

    @property
    def busy(self) -> bool:
        """Whether a request is being run (some run long: a synchronous run-action)."""
        return bool(self._running)

    async def start(self) -> None:
        await self.api.store.write(rows.clean_requests, time.time())
        self._loop = asyncio.create_task(self._serve(), name="engine-requests")

    async def stop(self) -> None:
        """Stop looking for requests; those still running are cancelled and answered."""
        tasks = [task for task in (self._loop, *self._running) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._loop = None

    async def _serve(self) -> None:
        seen = None
        while True:
            try:
                seen = await self._take_new(seen)
            except Exception:
                LOG.exception("Cannot read the requests of other processes")
            await asyncio.sleep(self.poll_interval)

    async def _take_new(self, seen: int | None) -> int:
        """Start every new request, if the file changed since version `seen`."""
        version = await rows.data_version(self.api.store)
        if version != seen and await rows.any_pending(self.api.store):
            for request in await self.api.store.write(rows.take_requests, time.time()):
                task = asyncio.create_task(self._answer(*request))
                self._running.add(task)
                task.add_done_callback(self._running.discard)
        return version

    async def _answer(self, request_id: int, method: str, arguments: str) -> None:
        result, error = None, None
        LOG.info("Request %d from another process: %s", request_id, method)
        try:
            if method not in HANDED_OFF:
                raise HandoffError(f"The engine does not take '{method}' requests")
            value = await getattr(self.api, method)(**json.loads(arguments))
            result = json.dumps(None if value is None else dataclasses.asdict(value), default=str)
        except asyncio.CancelledError:
            error = HandoffError(STOPPED_MESSAGE)
        except (EngineError, StoreError, ValueError) as known:
            error = known
        except Exception as unexpected:
            LOG.exception("Request %d (%s) failed", request_id, method)
            error = unexpected
        answer = None if error is None else (error_type(error), str(error))
        await self.api.store.write(rows.finish_request, request_id, result, answer, time.time())


# ---- the caller's side ---------------------------------------------------------------------


class EngineClient:
    """EmbeddedBackend methods that need the engine, called from a process that does not run it.

    `start_engine` starts a headless engine process for this state file (used when none is
    live) and returns it, so a failed start is noticed at once.
    """

    def __init__(self, api: EmbeddedBackend, start_engine: Callable[[], subprocess.Popen]) -> None:
        self.api = api
        self._start_engine = start_engine
        self._started: subprocess.Popen | None = None
        self._log = log_path(api.store.path)

    async def call(self, method: str, **arguments: Any) -> Any:
        """Run `api.<method>(**arguments)` in the live engine (started if none is) and return
        what it returned."""
        request_id = await self.api.store.write(
            rows.insert_request, method, json.dumps(arguments), time.time()
        )
        try:
            state, result, error_type, error = await self._answer(request_id)
        except BaseException:
            await asyncio.shield(self.api.store.write(rows.withdraw_request, request_id))
            raise
        await self.api.store.write(rows.delete_request, request_id)
        if state == FAILED:
            known = KNOWN_ERRORS.get(error_type)
            if known is not None:
                raise known(error)
            raise HandoffError(f"The engine failed: {error_type}: {error} (details in {self._log})")
        record_type = HANDED_OFF[method]
        return None if record_type is None else record_type(**json.loads(result))

    async def _answer(self, request_id: int) -> tuple[str, str | None, str | None, str | None]:
        next_check = 0.0
        deadline = time.monotonic() + rows.PICKUP_TIMEOUT
        while True:
            answer = await rows.answer_of(self.api.store, request_id)
            now = time.monotonic()
            if answer is None or (
                answer[0] == PENDING
                and now > deadline
                and await self.api.store.write(rows.withdraw_request, request_id)
            ):
                raise HandoffError(
                    f"No engine took the request within {rows.PICKUP_TIMEOUT:g} s; nothing "
                    f"was changed; see {self._log}"
                )
            if answer[0] in (DONE, FAILED):
                return answer
            if now >= next_check:
                next_check = now + LIVENESS_EVERY
                await self._check_engine(waiting_for_pickup=answer[0] == PENDING)
            await asyncio.sleep(ANSWER_POLL_INTERVAL)

    async def _check_engine(self, waiting_for_pickup: bool) -> None:
        """Start an engine if none is live; fail if the one that took the request is gone."""
        if await self.api.live_engine() is not None:
            return
        if not waiting_for_pickup:
            raise HandoffError(
                f"The engine stopped before it finished the request; see {self._log}"
            )
        self._start_unless_starting()

    async def wait_execution(self, execution_id: str) -> ExecutionRecord:
        """Wait until the execution has ended, starting an engine again if the one running it
        stops (it picks the execution up from the state file)."""
        next_check = 0.0
        while True:
            execution = await self.api.get_execution(execution_id)
            if states.is_completed(execution.state):
                return execution
            now = time.monotonic()
            if now >= next_check and execution.state != states.PAUSED:
                next_check = now + LIVENESS_EVERY
                if await self.api.live_engine() is None:
                    self._start_unless_starting()
            await asyncio.sleep(POLL_INTERVAL * 2)

    def _start_unless_starting(self) -> None:
        """Start a headless engine, unless the last one started here is still starting.

        One that exited with an error will not do better the next time: that is reported.
        (Exit code 0: it found another engine live then, so a new start is worth it.)
        """
        started = self._started
        if started is not None and started.poll() is None:
            return
        if started is not None and started.returncode != 0:
            self._started = None
            raise HandoffError(
                f"The engine could not start (exit code {started.returncode}); see {self._log}"
            )
        self._started = self._start_engine()
        LOG.info("Started a headless engine (pid %d)", self._started.pid)
