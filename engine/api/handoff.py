"""Hand-off: a process that does not run the engine asks the live engine to make a change.

Exactly one engine runs per state file (it holds the lease). It serves Mistral's v2 REST API
(engine.server) on a unix socket beside the state file, made mode 0600 before it listens: the
same protocol every Mistral client speaks, so our CLI is one more client. A command sends its
write there and gets the record (or the error, with its type in a header) back as if it had
called the method itself; waiting for an execution's end is one long poll, not a loop of reads.
With no live engine, the caller starts a headless one and sends the request once it listens;
a request that never reached an engine changed nothing. While it starts that engine, the
caller holds the start lock, so of many commands racing for an engine one starts it.
Every change goes with a new idempotency key that the engine commits with the change
(engine.store.requests): when the engine stops before it answers, the key in the state file
says whether the change was made, and the command reports what is there instead of failing or
sending it again. A request that starts actions carries this process's own cloud
(engine.target_cloud), so the engine acts on the cloud of the command that asked.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import http.client
import json
import logging
import os
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.api import mistral_json
from engine.api.types import (
    AlreadyExistsError,
    ConflictError,
    EngineError,
    ExecutionRecord,
    HandoffError,
    InputError,
    NotFoundError,
    StoreError,
    WorkflowError,
    states,
)
from engine.clouds import CloudsError
from engine.store import log_path
from engine.store.lease import LEASE_TIMEOUT, LeaseHolder, try_start_lock
from engine.store.requests import made_request
from engine.target_cloud import caller_headers

if TYPE_CHECKING:
    from engine.api.embedded import EmbeddedBackend

LOG = logging.getLogger(__name__)

ERROR_TYPE_HEADER = "X-Tripleo-Tui-Error"  # ours: the error's class, so it crosses as itself
KEY_HEADER = "Idempotency-Key"  # a change's key (the IETF draft's name); creates use the new id
WAIT_PATH = "/tripleo-tui/v1/executions/{}/wait"  # ours, beside /v2: the long poll
CONNECT_TIMEOUT = 30.0  # no engine listening by then: the request is given up, unsent
LONG_POLL = 30.0  # seconds one wait request may last
# How often the caller tries again to reach an engine it did not start (one it started says
# when it serves: see EngineClient._until_ready).
RETRY_EVERY = 0.05
# The methods that start actions: their requests carry this process's cloud (a resume too).
ACTING = frozenset({"start_execution", "rerun_task", "run_action"})

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


def error_type(error: Exception) -> str:
    """The name the caller raises the error as: its nearest known class, else its own name."""
    names = [cls.__name__ for cls in type(error).__mro__]
    return next((name for name in names if name in KNOWN_ERRORS), names[0])


def socket_path(state_file: Path) -> str:
    """Where the live engine of a state file listens: `<file>.sock` beside it, or in the temp
    folder when that path is too long for a unix socket address (about 100 bytes)."""
    beside = f"{Path(state_file).resolve()}.sock"
    if len(beside.encode()) < 100:
        return beside
    digest = hashlib.sha256(beside.encode()).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), f"tripleo-tui-{digest}.sock")


# ---- the backend methods a caller hands off, as Mistral v2 requests ----------------------


def _request(method: str, args: dict[str, Any]) -> tuple[str, str, Any, Callable | None]:
    """(HTTP method, path, JSON body, reader of the answer) for a backend method call."""
    if method == "start_execution":
        body = {
            "workflow_name": args["workflow"],
            "input": args.get("input") or {},
            "params": args.get("params") or {},
            "description": args.get("description") or "",
            "id": args.get("id"),  # the idempotency key: that execution is returned if stored
        }
        return "POST", "/v2/executions", body, mistral_json.execution_record
    if method == "update_execution":
        body = {key: args.get(key) for key in ("state", "state_info", "description")}
        if args.get("env"):
            body["params"] = {"env": args["env"]}
        path = f"/v2/executions/{args['execution_id']}"
        return "PUT", path, body, mistral_json.execution_record
    if method == "delete_execution":
        return "DELETE", f"/v2/executions/{args['execution_id']}", None, None
    if method == "rerun_task":
        state = states.SKIPPED if args.get("skip") else states.RUNNING
        body = {"state": state, "reset": args.get("reset", True), "env": args.get("env")}
        return "PUT", f"/v2/tasks/{args['task_id']}", body, mistral_json.task_record
    if method == "update_action_execution":
        body = {"state": args["state"], "output": json.dumps(args.get("output"))}
        path = f"/v2/action_executions/{args['action_id']}"
        return "PUT", path, body, mistral_json.action_execution_record
    if method == "delete_action_execution":
        return "DELETE", f"/v2/action_executions/{args['action_id']}", None, None
    if method == "run_action":
        body = {
            "name": args["name"],
            "input": args.get("input") or {},
            "params": {
                "save_result": args.get("save_result", False),
                "run_sync": args.get("run_sync", False),
            },
            "description": args.get("description") or "",
        }
        return "POST", "/v2/action_executions", body, mistral_json.action_execution_record
    if method == "create_cron_trigger":
        body = {
            "name": args["name"],
            "workflow_name": args["workflow"],
            "workflow_input": json.dumps(args.get("workflow_input") or {}),
            "workflow_params": json.dumps(args.get("workflow_params") or {}),
            "pattern": args.get("pattern"),
            "first_execution_time": args.get("first_time"),
            "remaining_executions": args.get("count"),
        }
        return "POST", "/v2/cron_triggers", body, mistral_json.cron_trigger_record
    raise HandoffError(f"The engine does not take '{method}' requests")


class _UnixConnection(http.client.HTTPConnection):
    """http.client over a unix socket (the standard library's HTTP, a different address)."""

    def __init__(self, path: str) -> None:
        super().__init__("localhost")
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


class _NotListening(Exception):
    """No engine accepted the connection: the request was not sent."""


class EngineGone(HandoffError):
    """The engine went away before it answered (the change may or may not have been made).
    `took`: the engine that held the lease when the request was sent, if one did."""

    def __init__(self, message: str, took: LeaseHolder | None = None) -> None:
        super().__init__(message)
        self.took = took


class AnswerLost(EngineGone):
    """The engine that took a request stopped before it answered, and what it did is not
    known (no idempotency key, or nothing stored under it)."""


class NoEngineAnswered(HandoffError):
    """No engine listened in time: the request was not sent, nothing was changed."""


def _exchange(
    path: str, verb: str, url: str, body: Any, headers: dict[str, str] | None = None
) -> tuple[int, str | None, bytes]:
    """One request, blocking (run in a thread): (status, error type header, body)."""
    connection = _UnixConnection(path)
    try:
        try:
            connection.connect()
        except (FileNotFoundError, ConnectionRefusedError) as error:
            raise _NotListening(str(error)) from None
        data = None if body is None else json.dumps(body)
        headers = {"Content-Type": "application/json", **(headers or {})}
        connection.request(verb, url, body=data, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader(ERROR_TYPE_HEADER), response.read()
    finally:
        connection.close()


# ---- the caller's side ---------------------------------------------------------------------


class EngineClient:
    """EmbeddedBackend methods that need the engine, called from a process that does not run it.

    `start_engine` starts a headless engine process for this state file (used when none is
    live) and returns it, so a failed start is noticed at once. While it starts, this client
    holds the start lock: other processes wait for that engine instead of starting their own.
    """

    def __init__(self, api: EmbeddedBackend, start_engine: Callable[[], subprocess.Popen]) -> None:
        self.api = api
        self._start_engine = start_engine
        self._started: subprocess.Popen | None = None
        self._start_lock: int | None = None
        self._log = log_path(api.store.path)
        self.socket = socket_path(api.store.path)

    async def call(self, method: str, **arguments: Any) -> Any:
        """Run `api.<method>(**arguments)` in the live engine (started if none is) and return
        what it returned."""
        key = str(uuid.uuid4())
        if method == "start_execution":  # a create's key is the new execution's id
            key = arguments["id"] = arguments.get("id") or key
        verb, url, body, read = _request(method, arguments)
        acting = method in ACTING or arguments.get("state") == states.RUNNING  # a resume
        try:
            cloud = await asyncio.to_thread(caller_headers) if acting else {}
        except CloudsError as error:
            raise HandoffError(f"{error}; nothing was changed") from None
        try:
            status, kind, data = await self._send(verb, url, body, {KEY_HEADER: key, **cloud})
        except EngineGone as gone:
            return await self._look_up(method, arguments, key, gone.took)
        finally:
            self._release_start_lock()
        if 200 <= status < 300:
            return read(json.loads(data)) if read is not None else None
        try:
            message = json.loads(data).get("faultstring") or data.decode()
        except ValueError:
            message = data.decode(errors="replace")
        known = KNOWN_ERRORS.get(kind or "")
        if known is not None:
            raise known(message)
        raise HandoffError(f"The engine failed: {status} {message} (details in {self._log})")

    async def _send(
        self, verb: str, url: str, body: Any, headers: dict[str, str] | None = None
    ) -> tuple[int, str | None, bytes]:
        """Send once an engine listens, starting one if none is live; an engine that goes away
        before it answers is reported (the change may or may not have been made)."""
        deadline = time.monotonic() + CONNECT_TIMEOUT
        while True:
            live = await self.api.live_engine()
            try:
                return await asyncio.to_thread(_exchange, self.socket, verb, url, body, headers)
            except _NotListening:
                if time.monotonic() > deadline:
                    raise NoEngineAnswered(
                        f"No engine answered at {self.socket} within {CONNECT_TIMEOUT:g} s; "
                        f"nothing was changed; see {self._log}"
                    ) from None
                if live is None:
                    await self._start_unless_starting()
                else:
                    self._engine_is_live()
                await self._until_ready(deadline)
            except (OSError, http.client.HTTPException) as error:
                raise EngineGone(
                    f"The engine stopped before it finished the request ({error}); see {self._log}",
                    live,
                ) from None

    async def _until_ready(self, deadline: float) -> None:
        """Wait until the engine started here says it serves (a line on its stdout, a pipe; its
        end if the engine exited), rather than polling; else (one started elsewhere, or an
        engine that cannot say) for RETRY_EVERY."""
        pipe = self._started.stdout if self._started is not None else None
        if pipe is None or pipe.closed:
            await asyncio.sleep(RETRY_EVERY)
            return
        loop = asyncio.get_running_loop()
        said = loop.create_future()
        loop.add_reader(pipe.fileno(), lambda: said.done() or said.set_result(None))
        try:
            await asyncio.wait_for(said, max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            return  # the next try finds whether it listens
        finally:
            loop.remove_reader(pipe.fileno())
        pipe.close()  # it said all it will say

    async def _look_up(
        self, method: str, arguments: dict[str, Any], key: str, took: LeaseHolder | None
    ) -> Any:
        """The engine took the request and went away before it answered: whether it made the
        change is read from the state file by the request's key (never sent again). Not made
        yet, it is looked for again once that engine can no longer write (gone, or replaced)."""
        made = await self._made(method, key)
        if made is None:
            if not await self._until_engine_gone(took):
                raise AnswerLost(
                    "The engine stopped answering before it finished the request; it may "
                    f"still make the change; see {self._log}"
                )
            made = await self._made(method, key)
        if made is None:
            raise AnswerLost(
                "The engine stopped before it finished the request; nothing was changed; "
                f"see {self._log}"
            )
        if method == "start_execution":
            return made
        if method == "update_execution":
            return await self.api.get_execution(arguments["execution_id"])
        if method == "rerun_task":
            return await self.api.get_task(arguments["task_id"])
        if method == "update_action_execution":
            return await self.api.get_action_execution(arguments["action_id"])
        if method == "create_cron_trigger":
            return await self.api.get_cron_trigger(arguments["name"])
        if method == "run_action":
            if made["object_id"] is None:  # not saved: its result is not known
                raise AnswerLost(
                    f"The engine stopped before it answered; the action {arguments['name']} "
                    f"was started, but its result was not saved; see {self._log}"
                )
            return await self.api.get_action_execution(made["object_id"])
        return None  # delete_execution, delete_action_execution

    async def _made(self, method: str, key: str) -> Any:
        """What is stored under a request's key (the execution, for a create), or None."""
        if method == "start_execution":
            with contextlib.suppress(NotFoundError):
                return await self.api.get_execution(key)
            return None
        return await made_request(self.api.store, key)

    async def _until_engine_gone(self, took: LeaseHolder | None) -> bool:
        """Wait until the engine that took the request (else the one live now) is gone or
        replaced (a new one cannot finish the old one's request); False if it still runs after
        LEASE_TIMEOUT (it may still make the change)."""
        took = took or await self.api.live_engine()
        deadline = time.monotonic() + LEASE_TIMEOUT
        while took is not None:
            live = await self.api.live_engine()
            if live is None or live.owner != took.owner:
                return True
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(RETRY_EVERY)
        return True

    async def wait_execution(self, execution_id: str) -> ExecutionRecord:
        """Wait until the execution has ended or is PAUSED (long polls), starting an engine
        again if the one running it stops (it picks the execution up from the state file)."""
        url = f"{WAIT_PATH.format(execution_id)}?timeout={LONG_POLL:g}"
        try:
            while True:
                try:
                    execution = await self._wait_once(url)
                except (EngineGone, NoEngineAnswered):  # the next engine picks the execution up
                    execution = await self.api.get_execution(execution_id)
                    settled = states.is_settled(execution.state)
                    if not settled and await self.api.live_engine() is None:
                        await self._start_unless_starting()
                    await asyncio.sleep(RETRY_EVERY)
                if states.is_settled(execution.state):
                    return execution
        finally:
            self._release_start_lock()

    async def _wait_once(self, url: str) -> ExecutionRecord:
        status, kind, data = await self._send("GET", url, None)
        if status != 200:
            known = KNOWN_ERRORS.get(kind or "", HandoffError)
            raise known(json.loads(data).get("faultstring"))
        return mistral_json.execution_record(json.loads(data))

    async def _start_unless_starting(self) -> None:
        """Start a headless engine, unless one is starting: the last one started here, or one
        another process is starting (it holds the start lock).

        One that exited with an error will not do better the next time: that is reported.
        (Exit code 0: it found another engine live then, so a new start is worth it.)
        """
        started = self._started
        if started is not None and started.poll() is None:
            return
        self._release_start_lock()
        if started is not None and started.returncode != 0:
            self._started = None
            reason = _start_failure(started)
            said = f": {reason}" if reason else f" (exit code {started.returncode})"
            raise HandoffError(f"The engine could not start{said}; see {self._log}")
        lock = try_start_lock(self.api.store.path)
        if lock is None:
            return
        self._start_lock = lock
        if await self.api.live_engine() is not None:  # one started since we looked
            self._release_start_lock()
            return
        self._started = self._start_engine()
        LOG.info("Started a headless engine (pid %d)", self._started.pid)

    def _engine_is_live(self) -> None:
        """An engine is live: the start lock is no longer needed, and one we started that has
        exited since is reaped (an exited child is no zombie lease holder)."""
        self._release_start_lock()
        if self._started is not None and self._started.poll() is not None:
            self._started = None

    def _release_start_lock(self) -> None:
        if self._start_lock is not None:
            os.close(self._start_lock)
            self._start_lock = None


def _start_failure(process: subprocess.Popen) -> str | None:
    """The one-line reason a headless engine gave for exiting before it served (its last
    `ERROR:` line, on the stderr pipe `start_background_engine` gives it), if it gave one."""
    if process.stderr is None:
        return None
    said = []
    descriptor = process.stderr.fileno()
    os.set_blocking(descriptor, False)  # a child of the engine could still hold the pipe
    with contextlib.suppress(BlockingIOError):
        while chunk := os.read(descriptor, 65536):
            said.append(chunk)
    errors = [
        line.removeprefix("ERROR: ")
        for line in b"".join(said).decode(errors="replace").splitlines()
        if line.startswith("ERROR: ")
    ]
    return errors[-1] if errors else None
