"""The engine service: feeds events to the conductor, commits what changed, then acts.

One loop task drives the conductor. Each turn it takes every event waiting (action results,
timer firings, API requests), applies them, writes all the changed rows in ONE transaction, and
only then replies to callers, starts actions, arms timers and tells subscribers. So nothing is
seen or done before it is durable, and a burst of results costs one commit (group commit).
The events are applied in the conductor's own thread: a turn evaluating many slow expressions
(each bounded by engine.expr.budget, but ten of them take seconds) leaves the event loop free to
answer requests, and the conductor's memory is changed only there, one call at a time.

Exactly one engine runs per state file: it holds a lease row with a heartbeat (engine.store.lease),
and every write it makes is fenced by that lease: once another engine has taken over, nothing
more commits, no action starts, and the engine stops at once (`lease_lost` is set). On start it
rebuilds the unfinished executions, re-arms their timers, and re-runs an action that was in
flight only if re-running it is safe; otherwise that action fails with a clear message.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from engine.actions import (
    DEFAULT_REGISTRY,
    ActionContext,
    ActionRegistry,
    ExecutionInfo,
    run_descriptor,
)
from engine.actions.pools import DaemonPool
from engine.callers import CALLER, Caller
from engine.core import events, states
from engine.core.conductor import Conductor
from engine.core.errors import EngineError, InputError
from engine.core.model import ActionExecution, TaskExecution, Timer, WorkflowExecution
from engine.runtime.catalog import StoreCatalog
from engine.runtime.give_way import GiveWay
from engine.runtime.scheduler import CronScheduler
from engine.store import NotFoundError, Store
from engine.store.definitions import find_workflow
from engine.store.executions import find_environment
from engine.store.history import StoreHistory
from engine.store.journal import (
    SpecParser,
    journal_rows,
    load_trees,
    running_standalone_actions,
    write_journal,
)
from engine.store.lease import (
    Heartbeat,
    LeaseLost,
    acquire_lease,
    evict_stalled_holder,
    lease_holder,
    new_owner,
    release_lease,
    require_lease,
)

LOG = logging.getLogger(__name__)

INTERRUPTED = "Action execution was interrupted by an engine restart; the task is not safe-rerun"
# Commands carried out between two yields to the event loop: a with-items task of 1,000 items
# starts 1,000 actions at once, and the screen sharing the loop must not wait for all of them.
DISPATCH_SLICE = 100
# Actions that change nothing outside the engine: re-run after a restart like safe-rerun ones.
IDEMPOTENT_ACTIONS = frozenset({"std.noop", "std.echo", "std.sleep", "std.test_dict", "std.fail"})


class EngineBusy(EngineError):
    """Another live engine holds this state file."""


class EngineStopped(EngineError):
    """The engine is not running (stopped, or it lost its lease)."""


@dataclass(frozen=True, slots=True)
class Change:
    """One committed change, as subscribers (the console, CLI watchers) receive it."""

    kind: str  # "execution", "task" or "action"
    id: str
    name: str
    state: str
    state_info: str | None
    execution_id: str | None  # the workflow execution it belongs to (itself for "execution")
    root_execution_id: str | None


def _changes(objects: Iterable[Any]) -> list[Change]:
    found = []
    for obj in objects:
        kind = type(obj)
        if kind is WorkflowExecution:
            found.append(
                Change(
                    "execution",
                    obj.id,
                    obj.workflow_name,
                    obj.state,
                    obj.state_info,
                    obj.id,
                    obj.root_id or obj.id,
                )
            )
        elif kind is TaskExecution:
            execution = obj.execution
            found.append(
                Change(
                    "task",
                    obj.id,
                    obj.name,
                    obj.state,
                    obj.state_info,
                    execution.id,
                    execution.root_id or execution.id,
                )
            )
        elif kind is ActionExecution:
            execution = obj.task.execution if obj.task is not None else None
            found.append(
                Change(
                    "action",
                    obj.id,
                    obj.name,
                    obj.state,
                    obj.state_info,
                    execution.id if execution else None,
                    (execution.root_id or execution.id) if execution else None,
                )
            )
    return found


class _Entry(NamedTuple):
    """An event waiting for the conductor."""

    event: Any
    future: asyncio.Future | None = None  # None: nobody waits for it
    tree: str | None = None  # the root execution it acts on, brought back if forgotten
    key: str | None = None  # another process's request: recorded with the changes it made


Write = Callable[[sqlite3.Connection], None]  # a store write that commits with a turn


@dataclass(frozen=True, slots=True)
class _WithWrite:
    """An event (None: none) and a write that commits with its changes, even if refused."""

    event: Any
    write: Write


@dataclass(slots=True)
class _Turn:
    """One batch of events applied in memory, waiting for its commit."""

    batch: list[_Entry]
    rows: Any = None
    writes: list[Write] = field(default_factory=list)
    commands: list[Any] = field(default_factory=list)
    replies: list[tuple[asyncio.Future, Any]] = field(default_factory=list)
    refusals: list[tuple[asyncio.Future, Exception]] = field(default_factory=list)
    ended: list[str] = field(default_factory=list)
    finished_roots: list[WorkflowExecution] = field(default_factory=list)
    finished_actions: list[str] = field(default_factory=list)  # stand-alone (run-action) ones
    changes: list[Change] = field(default_factory=list)


class Engine:
    """The asyncio service around the conductor. `await start()`, then submit events."""

    def __init__(
        self,
        store: Store,
        *,
        registry: ActionRegistry = DEFAULT_REGISTRY,
        clock: Callable[[], float] = time.time,
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self.store = store
        self.catalog = StoreCatalog(store, registry)
        self.clock = clock
        self.history = StoreHistory(store.path)
        self.conductor = Conductor(self.catalog, new_id, self.history)
        self._conductor_thread = DaemonPool("engine-conductor", 1)
        self.owner = new_owner()
        self._heartbeat: Heartbeat | None = None
        self.lease_lost = asyncio.Event()  # set once another engine took over: this one stopped
        self.halted = asyncio.Event()  # set when the engine stopped by itself (`halt_reason`)
        self.halt_reason = ""
        self._inbox: list[_Entry] = []
        self._wake = asyncio.Event()
        self.give_way = GiveWay()
        self._inflight: dict[str, asyncio.Task] = {}
        self._timer_handles: dict[str, asyncio.TimerHandle] = {}
        self._subscribers: set[asyncio.Queue] = set()
        self._waiters: dict[str, list[asyncio.Future]] = {}
        # The caller each running root execution acts as (engine.callers); memory only.
        self._callers: dict[str, Caller] = {}
        self._loop_task: asyncio.Task | None = None
        self._parse_spec = SpecParser()
        self.cron = CronScheduler(self)
        self.running = False

    # ---- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Take the lease, fence the store with it, recover unfinished executions, start the
        loop."""
        stale = await lease_holder(self.store)
        await asyncio.to_thread(evict_stalled_holder, stale, self.clock())
        acquired_at = time.monotonic()
        holder = await self.store.write(acquire_lease, self.owner, self.clock())
        if holder is not None:
            raise EngineBusy(
                f"Another engine (pid {holder.pid} on {holder.host}) is running on this state "
                "file; stop it first, or use it"
            )
        self.running = True
        self.store.fence(functools.partial(require_lease, owner=self.owner))
        loop = asyncio.get_running_loop()
        self._heartbeat = Heartbeat(
            self.store.path,
            self.owner,
            lambda reason: loop.call_soon_threadsafe(self._lease_lost, reason),
        )
        self._heartbeat.start(acquired_at)
        try:
            await self.catalog.refresh()
            self.catalog.refresh_system_actions()
            await self._recover()
        except BaseException:
            await self.stop()
            raise
        self._loop_task = asyncio.create_task(self._run(), name="engine-loop")
        self.cron.start()

    async def stop(self) -> None:
        """Finish the current turn, stop, release the lease. Actions still in flight are
        abandoned; the next start deals with them (re-run if safe, else failed)."""
        if not self.running:
            return
        self.running = False
        await self.cron.stop()
        for task in list(self._inflight.values()):
            task.cancel()
        for handle in self._timer_handles.values():
            handle.cancel()
        self._timer_handles.clear()
        self._wake.set()
        if self._loop_task is not None:
            await asyncio.gather(self._loop_task, return_exceptions=True)
        await asyncio.gather(*self._inflight.values(), return_exceptions=True)
        self._inflight.clear()
        for entry in self._inbox:
            if entry.future is not None and not entry.future.done():
                entry.future.set_exception(EngineStopped("The engine stopped"))
        self._inbox.clear()
        for queue in self._subscribers:
            queue.put_nowait(None)  # no more changes
        self._conductor_thread.shutdown(wait=False)
        self.history.close()
        if self._heartbeat is not None:
            await asyncio.to_thread(self._heartbeat.stop)
        try:
            if not self.lease_lost.is_set():
                await self.store.write(release_lease, self.owner)
        except LeaseLost:
            pass
        finally:
            self.store.fence(None)

    def _lease_lost(self, reason: str) -> None:
        """Another engine may be running executions now: do nothing more, at once."""
        if self.lease_lost.is_set():
            return
        LOG.error("This engine lost its lease (%s); it stops at once", reason)
        self.lease_lost.set()
        self._halt(f"The engine stopped at once: {reason}")
        if self.running:
            asyncio.create_task(self.stop())

    # ---- events in --------------------------------------------------------------------------

    def post(self, event: Any) -> None:
        """Queue an event nobody waits for (an action result, a timer)."""
        self._inbox.append(_Entry(event))
        self._wake.set()

    async def submit(
        self,
        event: Any,
        tree: str | None = None,
        key: str | None = None,
        *,
        also_write: Write | None = None,
    ) -> Any:
        """Apply an event and wait until its changes are committed; return what it created.

        `tree`: the root execution the event acts on, brought back into memory first if it
        was forgotten (finished). `key`: the idempotency key of the request it carries out,
        committed with its changes (engine.store.requests). `also_write(conn)` commits in the
        same transaction, even when the conductor refuses the event (with event None, it is all
        there is). Raises the conductor's EngineError (bad input, invalid state change)
        unchanged.
        """
        if also_write is not None:
            event = _WithWrite(event, also_write)
        (result,) = await self.submit_together([event], tree, key)
        return result

    async def submit_together(
        self, changes: list[Any], tree: str | None = None, key: str | None = None
    ) -> list[Any]:
        """`submit` for the events of one request: applied in one turn, so committed together
        with the key (recorded with the last)."""
        if not self.running:
            raise EngineStopped("The engine is not running")
        loop = asyncio.get_running_loop()
        futures = [loop.create_future() for _ in changes]
        for number, (event, future) in enumerate(zip(changes, futures, strict=True), start=1):
            last = number == len(changes)
            self._inbox.append(_Entry(event, future, tree, key if last else None))
        self._wake.set()
        return list(await asyncio.gather(*futures))

    async def prepare_start(
        self,
        workflow: str,
        input: dict[str, Any],
        params: dict[str, Any],
        description: str = "",
        execution_id: str | None = None,
        caller: Caller | None = None,
    ) -> events.StartWorkflow:
        """The event that starts `workflow` (a name or id) as the definitions stand now; a
        named environment in `params` is replaced by its variables."""
        await self.catalog.refresh()
        record = await find_workflow(self.store, workflow)
        entry = self.catalog.workflow(record.name) if record is not None else None
        if entry is None:
            raise NotFoundError(f"Workflow '{workflow}' not found")
        params = dict(params)
        env = params.get("env")
        if isinstance(env, str):
            stored = await find_environment(self.store, env)
            if stored is None:
                raise InputError(f"Environment is not found: {env}")
            params["env"] = stored.variables
        return events.StartWorkflow(
            entry.spec,
            entry.name,
            entry.text,
            dict(input),
            params,
            description,
            entry.id,
            execution_id=execution_id,
            caller=caller,
        )

    async def subscribe(self) -> AsyncIterator[list[Change]]:
        """Committed changes, one list per engine turn, until the caller stops iterating or
        the engine stops."""
        queue: asyncio.Queue[list[Change] | None] = asyncio.Queue()
        self._subscribers.add(queue)
        try:
            while self.running or not queue.empty():
                changes = await queue.get()
                if changes is None:
                    return
                yield changes
        finally:
            self._subscribers.discard(queue)

    def watch(self, object_id: str) -> asyncio.Future:
        """A future set once the execution or action execution `object_id` has ended (or the
        execution is PAUSED) and that is committed. Watch first, then read the state file: no
        end can slip in between."""
        future = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(object_id, []).append(future)
        return future

    def unwatch(self, object_id: str, future: asyncio.Future) -> None:
        waiting = self._waiters.get(object_id)
        if waiting is not None and future in waiting:
            waiting.remove(future)
            if not waiting:
                del self._waiters[object_id]

    # ---- the loop ---------------------------------------------------------------------------

    async def _run(self) -> None:
        """Apply a batch in memory while the previous batch is being committed, then wait for
        that commit before submitting this one: CPU and disk overlap, and everything that
        arrives during a commit goes into the next transaction (group commit)."""
        committing: asyncio.Task | None = None
        while self.running:
            if not self._inbox:
                await self._wake.wait()
                self._wake.clear()
                continue
            await self.give_way.wait()
            batch, self._inbox = self._inbox, []
            try:
                turn = await self._conducted(self._apply, batch)
            except Exception as error:  # a bug: memory can no longer be trusted
                self._fail_stop(batch, error)
                break
            for future, error in turn.refusals:
                if not future.done():
                    future.set_exception(error)
            if committing is not None and not await committing:
                self._fail_stop(batch, EngineStopped("an earlier change was not recorded"))
                break
            committing = asyncio.create_task(self._commit(turn))
        if committing is not None:
            await committing

    def _fail_stop(self, batch: list[_Entry], error: Exception) -> None:
        """The state file could not be written (or a bug): memory and file may differ now, so
        the engine stops; the next start recovers from the file."""
        if isinstance(error, LeaseLost):
            self._lease_lost(str(error))
        LOG.error("The engine stops: it could not record its changes: %s", error)
        stopped = EngineStopped(f"The engine stopped: it could not record its changes ({error})")
        self._halt(str(stopped))
        for entry in batch:
            if entry.future is not None and not entry.future.done():
                entry.future.set_exception(stopped)
        if self.running:
            asyncio.create_task(self.stop())

    def _halt(self, reason: str) -> None:
        if not self.halted.is_set():
            self.halt_reason = reason
            self.halted.set()

    def _conducted(self, function: Callable[..., Any], *args: Any) -> Awaitable[Any]:
        """`function(*args)` in the conductor's thread, after whatever it is doing now."""
        return asyncio.wrap_future(self._conductor_thread.submit(function, *args))

    def _apply(self, batch: list[_Entry]) -> _Turn:
        """Feed the events to the conductor; snapshot what must be written and announced.
        Runs in the conductor's thread, so it leaves the futures to the loop."""
        changed: dict[int, Any] = {}
        removed: list[str] = []
        turn = _Turn(batch)
        keys = []
        for event, future, tree, key in batch:
            self.give_way.wait_in_thread()
            if type(event) is _WithWrite:
                turn.writes.append(event.write)
                event = event.event
                if event is None:
                    turn.replies.append((future, None))
                    continue
            try:
                if tree is not None and tree not in self.conductor.executions:
                    self.conductor.adopt(*self.history.trees([tree], self._parse_spec))
                outcome = self.conductor.handle(event, self.clock())
            except EngineError as error:
                if future is not None:
                    turn.refusals.append((future, error))
                continue
            except Exception as error:
                LOG.exception("The engine failed to apply %s", type(event).__name__)
                if future is not None:
                    turn.refusals.append((future, error))
                continue
            caller = getattr(event, "caller", None)
            if caller is not None:  # a start, rerun or resume: its root acts as the caller
                self._callers[tree or outcome.result.id] = caller
            for obj in outcome.changes:
                changed[id(obj)] = obj
            removed.extend(outcome.removed_timers)
            turn.commands.extend(outcome.commands)
            if future is not None:
                turn.replies.append((future, outcome.result))
            if key is not None:
                keys.append((key, getattr(outcome.result, "id", None), self.clock()))
        if removed:
            gone = set(removed)
            for key, obj in list(changed.items()):
                if type(obj) is Timer and obj.id in gone:
                    del changed[key]
        if changed or removed or keys:
            turn.rows = journal_rows(changed.values(), removed, keys)
        for obj in changed.values():
            if type(obj) is WorkflowExecution and obj.state == states.PAUSED:
                turn.ended.append(obj.id)  # what waiters wait for: ended, or paused
            elif type(obj) is not Timer and states.is_completed(obj.state):
                turn.ended.append(obj.id)
                if type(obj) is WorkflowExecution and obj.root_id is None:
                    turn.finished_roots.append(obj)
                elif type(obj) is ActionExecution and obj.task is None:
                    turn.finished_actions.append(obj.id)
        if self._subscribers and changed:
            turn.changes = _changes(changed.values())
        return turn

    async def _commit(self, turn: _Turn) -> bool:
        """Write the turn, then act on it: replies, actions, timers, announcements."""
        if turn.rows is not None or turn.writes:
            try:
                batches = [] if turn.rows is None else [turn.rows]
                await self.store.write(write_journal, batches, turn.writes)
            except Exception as error:
                self._fail_stop(turn.batch, error)
                return False
        for future, result in turn.replies:
            if not future.done():
                future.set_result(result)
        for number, command in enumerate(turn.commands, start=1):
            self._carry_out(command)
            if number % DISPATCH_SLICE == 0:
                await asyncio.sleep(0)
                await self.give_way.wait()
        if self._waiters:
            for object_id in turn.ended:
                for future in self._waiters.pop(object_id, ()):
                    if not future.done():
                        future.set_result(None)
        if turn.changes:
            for queue in self._subscribers:
                queue.put_nowait(turn.changes)
        if turn.finished_roots or turn.finished_actions:
            await self._conducted(
                self._forget_finished, turn.finished_roots, turn.finished_actions, self._busy()
            )
        return True

    def _carry_out(self, command: Any) -> None:
        kind = type(command)
        if kind is events.RunAction:
            self._inflight[command.action_id] = asyncio.create_task(self._run_action(command))
        elif kind is events.ArmTimer:
            delay = max(0.0, command.due - self.clock())
            self._timer_handles[command.timer_id] = asyncio.get_running_loop().call_later(
                delay, self._timer_fired, command.timer_id
            )
        elif kind is events.DisarmTimer:
            handle = self._timer_handles.pop(command.timer_id, None)
            if handle is not None:
                handle.cancel()
        elif kind is events.CancelAction:
            task = self._inflight.pop(command.action_id, None)
            if task is not None:
                task.cancel()

    def _timer_fired(self, timer_id: str) -> None:
        self._timer_handles.pop(timer_id, None)
        self.post(events.TimerFired(timer_id))

    async def _run_action(self, command: events.RunAction) -> None:
        try:
            if not self._heartbeat.fresh:  # the process stalled: another engine may run it
                self._lease_lost("its lease was not renewed in time (the process stalled)")
                return
            descriptor = self.catalog.system_action(command.name)
            if descriptor is None:
                self.post(
                    events.ActionFinished(
                        command.action_id,
                        error=f"Failed to find action [action_name={command.name}]",
                    )
                )
                return
            CALLER.set(self._caller_of(command))  # this task and its threads
            context = ActionContext(
                ExecutionInfo(
                    workflow_execution_id=command.execution_id,
                    task_id=command.task_id,
                    action_execution_id=command.action_id,
                    workflow_name=command.workflow_name,
                    callback_url=f"/v2/action_executions/{command.action_id}",
                ),
                store=self.store,
                timeout=command.timeout,
            )
            outcome = await run_descriptor(descriptor, command.input, context)
        except asyncio.CancelledError:
            return
        finally:
            self._inflight.pop(command.action_id, None)
        if outcome.pending:
            self.post(events.ActionPending(command.action_id))
        else:
            self.post(
                events.ActionFinished(
                    command.action_id, outcome.data, outcome.error, outcome.cancelled
                )
            )

    def _caller_of(self, command: events.RunAction) -> Caller | None:
        """Whom the action acts as: the caller of its root execution, or of the run-action."""
        if command.execution_id is None:
            return self._callers.get(command.action_id)
        execution = self.conductor.executions.get(command.execution_id)
        if execution is None:
            return None
        return self._callers.get(execution.root_id or execution.id)

    def _busy(self) -> set[str]:
        """The root executions with an action in flight."""
        busy = set()
        for action_id in self._inflight:
            action = self.conductor.actions.get(action_id)
            if action is not None and action.task is not None:
                execution = action.task.execution
                busy.add(execution.root_id or execution.id)
        return busy

    def _forget_finished(
        self, roots: list[WorkflowExecution], actions: list[str], busy: set[str]
    ) -> None:
        """Drop finished root executions with nothing in flight, and finished stand-alone
        actions, from memory (in the conductor's thread)."""
        for execution in roots:
            if execution.id not in busy and states.is_completed(execution.state):
                self.conductor.forget(execution.id)
                self._callers.pop(execution.id, None)
        for action_id in actions:
            self.conductor.actions.pop(action_id, None)
            self._callers.pop(action_id, None)

    async def forget(self, root_id: str) -> None:
        """Drop a finished execution tree from memory (it stays in the state file)."""
        await self._conducted(self.conductor.forget, root_id)

    # ---- recovery ---------------------------------------------------------------------------

    async def _recover(self) -> None:
        executions, timers = await self.store.write(load_trees, None, self._parse_spec)
        standalone = await self.store.write(running_standalone_actions)
        await self._conducted(self.conductor.adopt, executions, timers, standalone)
        for timer in timers:
            self._carry_out(events.ArmTimer(timer.id, timer.due))
        interrupted = [
            action
            for execution in executions
            for task in execution.tasks
            for action in task.executions
            if isinstance(action, ActionExecution)
        ] + standalone
        for action in interrupted:
            if action.state != states.RUNNING or not action.is_sync:
                continue
            if action.safe_rerun or action.run_name in IDEMPOTENT_ACTIONS:
                self._carry_out(self._run_command(action))
            else:
                self.post(events.ActionFinished(action.id, error=INTERRUPTED))
        if executions or standalone:
            LOG.info(
                "Recovered %d execution(s) and %d stand-alone action(s)",
                len(executions),
                len(standalone),
            )

    @staticmethod
    def _run_command(action: ActionExecution) -> events.RunAction:
        task = action.task
        return events.RunAction(
            action_id=action.id,
            name=action.run_name,
            input=action.run_input if action.run_input is not None else action.input,
            execution_id=task.execution.id if task else None,
            task_id=task.id if task else None,
            workflow_name=task.execution.workflow_name if task else None,
            timeout=task.runtime.get("timeout") if task else None,
        )
