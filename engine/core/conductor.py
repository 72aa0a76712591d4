"""The conductor: (execution state, event) -> (changes, commands), with no I/O.

It holds the live executions in memory, applies one event at a time, and reports which objects
changed (for the runtime to commit) and which effects to carry out once they are committed
(run an action, arm a timer). Time comes in with each event and ids from a factory, so a test can
replay any sequence of events exactly.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from engine import limits
from engine.core import events, states
from engine.core.adhoc import prepare_call, resolve_chain
from engine.core.errors import (
    USER_ERRORS,
    EngineError,
    InputError,
    WorkflowError,
    check_workflow_input,
)
from engine.core.flow import Flow
from engine.core.model import ActionExecution, TaskExecution, Timer, WorkflowExecution
from engine.core.scope import EngineData, History, Scopes, source_of
from engine.core.tasks import NAMESPACE, TaskRunner, merge_dicts
from engine.expr import ContextView, ExpressionSyntaxError, compile_value, evaluate


@dataclass(frozen=True, slots=True)
class WorkflowEntry:
    """A stored workflow as the catalog returns it: spec, full name, id, definition text."""

    spec: Any
    name: str
    id: str | None
    text: str


class Catalog(Protocol):
    """Definitions the conductor may need while it runs (sub-workflows, actions)."""

    def workflow(self, name: str) -> WorkflowEntry | None: ...

    def adhoc_action(self, name: str) -> Any | None: ...

    def system_action(self, name: str) -> Any | None: ...


@dataclass(slots=True)
class Outcome:
    """What one event did: objects to commit, timers to delete, effects to carry out after the
    commit, and the object the event created (a started execution or action), if any."""

    changes: list[Any] = field(default_factory=list)
    removed_timers: list[str] = field(default_factory=list)
    commands: list[Any] = field(default_factory=list)
    result: Any = None


def timestamp(now: float) -> str:
    """Mistral's timestamps: UTC, one-second resolution."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(now))


class Conductor:
    """Runs workflows in memory, one event at a time.

    It owns the executions and the events; each workflow's state changes here. Two
    collaborators it owns do the rest: `flow` (engine.core.flow) decides what runs after a
    task, `runner` (engine.core.tasks) takes one task from start to end (policies, actions,
    items, publish), changing only that task and its actions.
    """

    def __init__(
        self, catalog: Catalog, new_id: Callable[[], str], history: History | None = None
    ) -> None:
        self.catalog = catalog
        self.history = history  # stored executions for tasks() / executions(); None: memory only
        self.new_id = new_id
        self.executions: dict[str, WorkflowExecution] = {}
        self.tasks: dict[str, TaskExecution] = {}
        self.actions: dict[str, ActionExecution] = {}
        self.timers: dict[str, Timer] = {}
        self.timers_by_task: dict[str, set[str]] = {}
        self.scopes = Scopes(self)
        self.flow = Flow(self)
        self.runner = TaskRunner(self)
        self.now = 0.0
        self.stamp = ""
        self._outcome = Outcome()
        self._deferred: list[tuple[Callable[[Any], None], Any]] = []
        self._changed: dict[int, Any] = {}
        self._handlers: dict[type, Callable[[Any], Any]] = {
            events.StartWorkflow: self._on_start,
            events.RunStandaloneAction: self._on_run_action,
            events.ActionFinished: self._on_action_finished,
            events.ActionPending: self._on_action_pending,
            events.ActionStateChanged: self._on_action_state,
            events.TimerFired: self._on_timer,
            events.PauseWorkflow: self._on_pause,
            events.ResumeWorkflow: self._on_resume,
            events.StopWorkflow: self._on_stop,
            events.RerunTask: self._on_rerun,
            events.UpdateExecution: self._on_update_execution,
        }

    # ---- the one entry point --------------------------------------------------------------

    def handle(self, event: Any, now: float) -> Outcome:
        """Apply `event` at time `now` (seconds since the epoch).

        Raises EngineError subclasses for requests the state does not allow (unknown id, bad
        input, invalid state change); nothing is changed then.
        """
        self.now = now
        self.stamp = timestamp(now)
        self._outcome = outcome = Outcome()
        self._changed = {}
        outcome.result = self._handlers[type(event)](event)
        while self._deferred:
            step, argument = self._deferred.pop(0)
            step(argument)
        outcome.changes = list(self._changed.values())
        return outcome

    # ---- bookkeeping ------------------------------------------------------------------------

    def touch(self, obj: Any) -> None:
        if not isinstance(obj, Timer):
            obj.updated_at = self.stamp
        self._changed[id(obj)] = obj

    def _command(self, command: Any) -> None:
        self._outcome.commands.append(command)

    def register_task(self, task: TaskExecution) -> None:
        execution = task.execution
        execution.tasks.append(task)
        execution.tasks_by_name.setdefault(task.name, []).append(task)
        self.tasks[task.id] = task

    def env_of(self, execution: WorkflowExecution) -> dict[str, Any]:
        """The environment: the root execution's, for sub-workflows too."""
        root = self.executions.get(execution.root_id) if execution.root_id else execution
        return (root or execution).params.get("env") or {}

    def _execution(self, execution_id: str) -> WorkflowExecution:
        found = self.executions.get(execution_id)
        if found is None:
            raise WorkflowError(f"Workflow execution not found [id={execution_id}]")
        return found

    def _set_workflow_state(
        self, execution: WorkflowExecution, state: str, info: str | None = None
    ) -> None:
        if not states.can_move(states.WORKFLOW_TRANSITIONS, execution.state, state):
            raise WorkflowError(
                f"Can't change workflow execution state from {execution.state} to {state}. "
                f"[workflow={execution.workflow_name}, execution_id={execution.id}]"
            )
        execution.state = state
        execution.state_info = info
        execution.accepted = states.is_completed(state)
        self.touch(execution)

    def set_task_state(
        self, task: TaskExecution, state: str, info: str | None, force: bool = False
    ) -> None:
        old = task.state
        if not force:
            states.check_move(states.TASK_TRANSITIONS, old, state, f"task '{task.name}'")
        task.state = state
        task.state_info = info
        was_done, done = old in states.COMPLETED, state in states.COMPLETED
        if done:
            task.finished_at = self.stamp
        if was_done != done:
            task.execution.incomplete += 1 if was_done else -1
            if not done:
                task.finished_at = None
        self.touch(task)

    def set_action_state(self, action: ActionExecution, state: str) -> None:
        states.check_move(states.ACTION_TRANSITIONS, action.state, state, "action execution")
        action.state = state
        self.touch(action)

    def run(self, action: ActionExecution) -> None:
        task = action.task
        self._command(
            events.RunAction(
                action_id=action.id,
                name=action.run_name,
                input=action.run_input if action.run_input is not None else action.input,
                execution_id=task.execution.id if task else None,
                task_id=task.id if task else None,
                workflow_name=task.execution.workflow_name if task else None,
                timeout=task.runtime.get("timeout") if task else None,
            )
        )

    # ---- timers -----------------------------------------------------------------------------

    def arm(self, task: TaskExecution, kind: str, delay: float, data: dict | None = None) -> None:
        timer = Timer(self.new_id(), task.execution.id, task.id, kind, self.now + delay, data or {})
        self.timers[timer.id] = timer
        self.timers_by_task.setdefault(task.id, set()).add(timer.id)
        self.touch(timer)
        self._command(events.ArmTimer(timer.id, timer.due))

    def _remove_timer(self, timer_id: str) -> None:
        timer = self.timers.pop(timer_id, None)
        if timer is None:
            return
        owned = self.timers_by_task.get(timer.task_id)
        if owned is not None:
            owned.discard(timer_id)
            if not owned:
                del self.timers_by_task[timer.task_id]
        self._changed.pop(id(timer), None)
        self._outcome.removed_timers.append(timer_id)
        self._command(events.DisarmTimer(timer_id))

    def disarm_task_timers(self, task: TaskExecution) -> None:
        for timer_id in list(self.timers_by_task.get(task.id, ())):
            self._remove_timer(timer_id)

    def _on_timer(self, event: events.TimerFired) -> None:
        timer = self.timers.get(event.timer_id)
        if timer is not None:
            self.fire(timer)

    def fire(self, timer: Timer) -> None:
        task = self.tasks.get(timer.task_id)
        if task is None or states.is_completed(task.execution.state):
            self._remove_timer(timer.id)
            return
        execution = task.execution
        if execution.state == states.PAUSED:
            execution.backlog.append({"kind": "timer", "id": timer.id})
            self.touch(execution)
            return
        self._remove_timer(timer.id)
        if timer.kind == "continue":
            if task.state == states.RUNNING_DELAYED:
                self.runner.continue_task(task)
        elif timer.kind == "complete":
            if task.state == states.RUNNING_DELAYED:
                self._guarded_complete(task, timer.data["state"], timer.data["state_info"])
        elif timer.kind == "timeout" and not states.is_completed(task.state):
            task.runtime["timed_out"] = True
            self._cancel_task_work(task, None)
            timeout = timer.data["timeout"]
            self._guarded_complete(task, states.ERROR, f"Task timed out [timeout(s)={timeout}].")

    def _guarded_complete(self, task: TaskExecution, state: str, info: str | None) -> None:
        try:
            self.runner.complete_task(task, state, info)
        except USER_ERRORS as error:
            self.force_fail_task(
                task,
                f"Failed to complete task [error={error}, wf={task.execution.workflow_name}, "
                f"task={task.name}]",
            )

    # ---- starting ---------------------------------------------------------------------------

    def _on_start(self, event: events.StartWorkflow) -> WorkflowExecution:
        check_input_size(event.input, "workflow")
        return self.start_workflow(
            event.spec,
            event.workflow_name,
            event.spec_text,
            dict(event.input),
            dict(event.params),
            event.description,
            event.workflow_id,
            execution_id=event.execution_id,
        )

    def start_workflow(
        self,
        spec: Any,
        name: str,
        text: str,
        given: dict[str, Any],
        params: dict[str, Any],
        description: str,
        workflow_id: str | None,
        parent: TaskExecution | None = None,
        index: int = 0,
        execution_id: str | None = None,
    ) -> WorkflowExecution:
        """Check the input, create the execution, evaluate `vars`, start the first tasks.

        Every check runs before anything is registered, so a refused start changes nothing.
        """
        check_workflow_input(spec, given)
        if spec.type == "reverse" and params.get("task_name") not in spec.tasks:
            raise WorkflowError(
                f"Invalid task name [wf_spec={spec.name}, task_name={params.get('task_name')}]"
            )
        for param in spec.input:
            if not param.required and param.name not in given:
                given[param.name] = param.default
        if execution_id in self.executions:
            raise WorkflowError(f"Execution id {execution_id} is already used")
        execution_id = execution_id or self.new_id()
        root_id = None
        if parent is None:
            params["env"] = prepared_env(params)
            params.setdefault("namespace", NAMESPACE)
        else:
            root_id = parent.execution.root_id or parent.execution.id
        execution = WorkflowExecution(
            id=execution_id,
            workflow_name=name,
            workflow_id=workflow_id,
            spec=spec,
            spec_text=text,
            input=given,
            params=params,
            context={"__execution": {"id": execution_id}},
            description=description,
            created_at=self.stamp,
            parent_task_id=parent.id if parent else None,
            root_id=root_id,
            index=index,
        )
        if spec.vars:
            view = ContextView(
                {"__env": self.env_of(execution)},
                execution.context,
                execution.input,
                execution_data=EngineData(self, execution),
            )
            execution.context = merge_dicts(dict(execution.context), evaluate(spec.vars, view))
        self.executions[execution.id] = execution
        if parent is not None:
            parent.executions.append(execution)
        self._set_workflow_state(execution, states.RUNNING)
        self.flow.dispatch(execution, self.flow.start_nexts(execution))
        self.flow.check_and_complete(execution)
        return execution

    def _on_run_action(self, event: events.RunStandaloneAction) -> ActionExecution:
        """`run-action`: an action outside any workflow; its result is kept as a row."""
        check_input_size(event.input, "action")
        if self.catalog.adhoc_action(event.name) is not None:
            chain, _ = resolve_chain(event.name, self.catalog.adhoc_action)
            call = prepare_call(chain, event.input, {}, evaluate)
            base, base_input, outputs = call.base, call.input, call.outputs
            missing = f"Failed to find base action [action_name={base} namespace={NAMESPACE}] "
        else:
            base, base_input, outputs = event.name, dict(event.input), ()
            missing = f"Failed to find action [action_name={base}, namespace={NAMESPACE}]"
        descriptor = self.catalog.system_action(base)
        if descriptor is None:
            raise EngineError(missing)
        descriptor.check_input(base_input)
        return self.runner.new_action(
            event.name,
            dict(event.input),
            None,
            0,
            False,
            base,
            base_input,
            outputs,
            event.description,
        )

    # ---- results ----------------------------------------------------------------------------

    def _on_action_finished(self, event: events.ActionFinished) -> None:
        action = self.actions.get(event.action_id)
        if action is None or states.is_completed(action.state):
            return
        self.runner.finish_action(action, event.data, event.error, event.cancelled)
        task = action.task
        if task is None:
            return
        try:
            self.runner.execution_finished(task, action)
        except USER_ERRORS as error:
            self._completion_failed(task, action.name, error)

    def _completion_failed(self, task: TaskExecution, action_name: str, error: Exception) -> None:
        self.force_fail_task(
            task,
            f"Failed to handle action completion [error={error}, "
            f"wf={task.execution.workflow_name}, task={task.name}, action={action_name}]",
        )

    def _on_action_pending(self, event: events.ActionPending) -> None:
        """An asynchronous action started; its result will come through the API."""
        action = self.actions.get(event.action_id)
        if action is not None and action.is_sync:
            action.is_sync = False
            self.touch(action)

    def _on_action_state(self, event: events.ActionStateChanged) -> None:
        action = self.actions.get(event.action_id)
        if action is None:
            raise WorkflowError(f"Action execution not found [id={event.action_id}]")
        if event.state == states.PAUSED and action.is_sync:
            raise WorkflowError(
                "Transition to the PAUSED state is only supported for asynchronous action "
                "execution."
            )
        if not states.can_move(states.ACTION_TRANSITIONS, action.state, event.state):
            raise WorkflowError(f"Invalid state transition from {action.state} to {event.state}.")
        self.set_action_state(action, event.state)
        task = action.task
        if task is None or states.is_completed(task.state):
            return
        execution = task.execution
        if event.state == states.PAUSED:
            if task.state == states.RUNNING:
                self.set_task_state(task, states.PAUSED, None)
            self.pause(execution, None)
        elif event.state == states.RUNNING:
            if task.state == states.PAUSED and not self._has_paused_children(task):
                self.set_task_state(task, states.RUNNING, None)
            if not any(t.state == states.PAUSED for t in execution.tasks):
                self._resume(execution, None)

    def _child_finished(self, child: WorkflowExecution) -> None:
        task = self.tasks.get(child.parent_task_id or "")
        if task is None:
            return
        try:
            self.runner.execution_finished(task, child)
        except USER_ERRORS as error:
            self._completion_failed(task, child.workflow_name, error)

    # ---- ending -----------------------------------------------------------------------------

    def succeed(
        self, execution: WorkflowExecution, context: dict[str, Any], msg: str | None = None
    ) -> None:
        """`output` evaluated on the final context; without one, the final context itself."""
        spec = execution.spec
        output = {}
        if spec.output:
            output = evaluate(spec.output, self.scopes.workflow_view(execution, context))
        self._set_workflow_state(execution, states.SUCCESS, msg)
        execution.output = output or context
        self._ended(execution)

    def fail(self, execution: WorkflowExecution, context: dict[str, Any], msg: str | None) -> None:
        """Output = {'result': msg} plus output-on-error (or, without it, the final context),
        as Mistral 23's _fail_workflow does."""
        if states.is_completed(execution.state):
            return
        spec = execution.spec
        extra: Any = {}
        try:
            if spec.output_on_error:
                extra = evaluate(
                    spec.output_on_error, self.scopes.workflow_view(execution, context)
                )
            extra = extra or context
        except USER_ERRORS as error:
            msg = (
                "Failed to evaluate expression in output-on-error! (output-on-error: "
                f"'{source_of(spec.output_on_error)}', exception: '{error}' Cause: '{msg}'"
            )
        self._set_workflow_state(execution, states.ERROR, msg)
        execution.output = merge_dicts({"result": msg}, dict(extra))
        self._ended(execution)

    def cancel(self, execution: WorkflowExecution, msg: str | None) -> None:
        if states.is_completed(execution.state):
            return
        self._set_workflow_state(execution, states.CANCELLED, msg)
        execution.output = {"result": msg}
        for task in execution.tasks:
            if not states.is_completed(task.state):
                self._cancel_task_work(task, msg)
                execution.join_tasks.pop(task.name, None)
                self.set_task_state(task, states.CANCELLED, task.state_info)
        self._ended(execution)

    def _cancel_task_work(self, task: TaskExecution, msg: str | None) -> None:
        """Stop what a task has in flight: its actions and sub-workflows, and its timers."""
        self.disarm_task_timers(task)
        for execution in task.executions:
            if states.is_completed(execution.state):
                continue
            if isinstance(execution, WorkflowExecution):
                self.cancel(execution, msg)
            else:
                self.set_action_state(execution, states.CANCELLED)
                execution.output = {"result": msg}
                self._command(events.CancelAction(execution.id))

    def _ended(self, execution: WorkflowExecution) -> None:
        for task in execution.tasks:
            self.disarm_task_timers(task)
        if execution.parent_task_id:
            self._deferred.append((self._child_finished, execution))

    def stop(self, execution: WorkflowExecution, state: str, msg: str | None) -> None:
        """End the workflow now: `fail` / `succeed` commands and execution-update -s."""
        if state == states.CANCELLED:
            self.cancel(execution, msg)
            return
        if not states.can_move(states.WORKFLOW_TRANSITIONS, execution.state, state):
            raise WorkflowError(
                f"Can't change workflow execution state from {execution.state} to {state}. "
                f"[workflow={execution.workflow_name}, execution_id={execution.id}]"
            )
        context = self.flow.final_context(execution)
        if state == states.SUCCESS:
            self.succeed(execution, context, msg)
        else:
            self.fail(execution, context, msg)

    def force_fail_task(self, task: TaskExecution, msg: str) -> None:
        """Fail a task and its workflow without on-error handling (Mistral's force_fail_task):
        for errors in the workflow text itself (expressions, publish, policies)."""
        self.set_task_state(task, states.ERROR, msg, force=True)
        self.disarm_task_timers(task)
        execution = task.execution
        if execution.join_tasks.get(task.name) is task:
            del execution.join_tasks[task.name]
        if not states.is_completed(execution.state):
            self.fail(execution, self.flow.final_context(execution), msg)

    # ---- pause, resume, stop, rerun ---------------------------------------------------------

    def _on_pause(self, event: events.PauseWorkflow) -> None:
        self.pause(self._execution(event.execution_id), event.msg)

    def pause(self, execution: WorkflowExecution, msg: str | None) -> None:
        """Pause sub-workflows first, then this one; running actions finish, nothing new starts."""
        for task in execution.tasks:
            for child in task.executions:
                if isinstance(child, WorkflowExecution) and not states.is_completed(child.state):
                    self.pause(child, msg)
        if execution.state == states.PAUSED:
            return
        self._set_workflow_state(execution, states.PAUSED, msg)
        parent_task = self.tasks.get(execution.parent_task_id or "")
        if parent_task is not None and not states.is_completed(parent_task.state):
            if parent_task.state == states.RUNNING:
                self.set_task_state(parent_task, states.PAUSED, None)
            if parent_task.execution.state == states.RUNNING:
                self.pause(parent_task.execution, msg)

    def _on_resume(self, event: events.ResumeWorkflow) -> None:
        execution = self._execution(event.execution_id)
        if event.env:
            self._update_env(execution, event.env)
        self._resume(execution, None)

    def _resume(self, execution: WorkflowExecution, parent_resuming: bool | None) -> None:
        """Resume sub-workflows, then run what waited: pause-before tasks, tasks that ended
        while paused, the backlog, more with-items items."""
        if execution.state not in (states.PAUSED, states.IDLE):
            return
        for task in execution.tasks:
            for child in task.executions:
                if isinstance(child, WorkflowExecution) and not states.is_completed(child.state):
                    self._resume(child, True)
        self._set_workflow_state(execution, states.RUNNING, None)
        nexts = []
        ended_meanwhile = []
        for task in list(execution.tasks):
            if task.state == states.IDLE and not task.spec.join:
                self.runner.continue_task(task)
            elif states.is_completed(task.state) and not task.processed:
                task.processed = True
                self.touch(task)
                ended_meanwhile.append(task)
                try:
                    nexts.extend(n for n in self.flow.next_after(task) if n.kind != "pause")
                except USER_ERRORS as error:
                    self._completion_failed(task, task.name, error)
            elif task.state == states.PAUSED and not self._has_paused_children(task):
                self.set_task_state(task, states.RUNNING, None)
            if task.state == states.RUNNING and task.spec.with_items:
                progress = task.runtime.get("with_items")
                if progress and (progress["redo"] or progress["next"] < progress["count"]):
                    self.runner.schedule_items(task)
        self.flow.dispatch(execution, nexts)
        for task in ended_meanwhile:
            self.flow.refresh_joins(task)
        self.flow.check_and_complete(execution)
        parent_task = self.tasks.get(execution.parent_task_id or "")
        if parent_task is not None and not parent_resuming:
            if parent_task.state == states.PAUSED and not self._has_paused_children(parent_task):
                self.set_task_state(parent_task, states.RUNNING, None)
            parent = parent_task.execution
            if parent.state == states.PAUSED and not any(
                t.state == states.PAUSED for t in parent.tasks
            ):
                self._resume(parent, None)

    @staticmethod
    def _has_paused_children(task: TaskExecution) -> bool:
        return any(child.state == states.PAUSED for child in task.executions)

    def _on_stop(self, event: events.StopWorkflow) -> None:
        execution = self._execution(event.execution_id)
        if event.state not in states.COMPLETED:
            raise WorkflowError(
                f"Invalid workflow execution state [wf_ex_id={execution.id}, "
                f"wf_name={execution.workflow_name}, state={event.state}]"
            )
        self.stop(execution, event.state, event.msg)

    def _on_update_execution(self, event: events.UpdateExecution) -> None:
        execution = self._execution(event.execution_id)
        if event.env:
            self._update_env(execution, event.env)  # refused before anything changed
        if event.description is not None:
            execution.description = event.description
            self.touch(execution)

    def _update_env(self, execution: WorkflowExecution, env: dict[str, Any]) -> None:
        if execution.state not in (states.IDLE, states.PAUSED, states.ERROR):
            raise WorkflowError(
                "Updating env to workflow execution is only permitted if it is in IDLE, "
                "PAUSED, or ERROR state."
            )
        root = self.executions.get(execution.root_id) if execution.root_id else execution
        root = root or execution
        root.params["env"] = merge_dicts(dict(root.params.get("env") or {}), env)
        self.touch(root)

    def _on_rerun(self, event: events.RerunTask) -> None:
        task = self.tasks.get(event.task_id)
        if task is None:
            raise WorkflowError(f"Task execution not found [id={event.task_id}]")
        if task.state != states.ERROR:
            raise WorkflowError(
                "The current task execution must be in ERROR for rerun. Only updating task to "
                "rerun is supported."
            )
        if event.skip:
            self._skip(task)
            return
        if not task.spec.with_items and not event.reset:
            raise WorkflowError("Only with-items task has the option to not reset.")
        execution = task.execution
        if execution.state == states.PAUSED:
            return
        if event.env:
            self._update_env(execution, event.env)
        self._reopen(execution)
        triggered_by = task.runtime.get("triggered_by")
        task.runtime = {"triggered_by": triggered_by} if triggered_by else {}
        task.items = task.action = None
        for child in task.executions:
            if child.accepted and (event.reset or child.state != states.SUCCESS):
                child.accepted = False
                self.touch(child)
        task.processed = False
        task.next_tasks = []
        task.error_handled = False
        self.set_task_state(task, states.RUNNING, None)
        task.started_at = self.stamp
        try:
            if task.spec.with_items and not event.reset:
                count = len(next(iter(self.runner.item_values(task).values()), []))
                task.runtime["with_items"] = {
                    "count": count,
                    "next": count,
                    "redo": [],
                    "running": 0,
                    "done": 0,
                    "errors": 0,
                    "cancels": 0,
                }
                self.runner.recount_items(task)
            if self.runner.before_start(task):
                self.runner.schedule(task)
        except USER_ERRORS as error:
            self.runner.run_failed(task, error)

    def _skip(self, task: TaskExecution) -> None:
        """Skip a failed task (Mistral 16+): SKIPPED, publish-on-skip, then on-skip; the
        workflow goes on as if the task had ended well."""
        execution = task.execution
        if execution.state == states.PAUSED:
            return
        self._reopen(execution)
        self.set_task_state(task, states.SKIPPED, None)
        try:
            self.runner.publish(task)
            nexts = self.flow.next_after(task)
        except USER_ERRORS as error:
            self.runner.run_failed(task, error)
            return
        task.next_tasks = [(n.name, n.event) for n in nexts if n.kind == "task"]
        task.error_handled = False
        task.processed = True
        self.touch(task)
        self.flow.dispatch(execution, nexts)
        self.flow.refresh_joins(task)
        self.flow.check_and_complete(execution)

    def _reopen(self, execution: WorkflowExecution) -> None:
        """A rerun makes the workflow, its parent tasks and their workflows RUNNING again."""
        if execution.state != states.RUNNING:
            self._set_workflow_state(execution, states.RUNNING, None)
            execution.output = None
        parent_task = self.tasks.get(execution.parent_task_id or "")
        if parent_task is None:
            return
        if execution.accepted:
            execution.accepted = False
        if parent_task.state != states.RUNNING:
            self.set_task_state(parent_task, states.RUNNING, None)
            parent_task.processed = False
            parent_task.next_tasks = []
            parent_task.error_handled = False
        if parent_task.spec.with_items:
            self.runner.recount_items(parent_task)
        self._reopen(parent_task.execution)

    # ---- memory -----------------------------------------------------------------------------

    def forget(self, root_id: str) -> None:
        """Drop a finished execution tree from memory (it stays in the state file)."""
        pending = [self.executions.get(root_id)]
        while pending:
            execution = pending.pop()
            if execution is None:
                continue
            self.executions.pop(execution.id, None)
            for task in execution.tasks:
                self.tasks.pop(task.id, None)
                for timer_id in self.timers_by_task.pop(task.id, ()):
                    self.timers.pop(timer_id, None)
                for child in task.executions:
                    if isinstance(child, WorkflowExecution):
                        pending.append(child)
                    else:
                        self.actions.pop(child.id, None)

    def adopt(
        self,
        executions: list[WorkflowExecution],
        timers: list[Timer],
        standalone: Iterable[ActionExecution] = (),
    ) -> None:
        """Take over executions rebuilt from the state file (their tasks and actions linked),
        and running stand-alone actions."""
        for execution in executions:
            self.executions[execution.id] = execution
            for task in execution.tasks:
                self.tasks[task.id] = task
                for child in task.executions:
                    if isinstance(child, ActionExecution):
                        self.actions[child.id] = child
        for timer in timers:
            self.timers[timer.id] = timer
            self.timers_by_task.setdefault(timer.task_id, set()).add(timer.id)
        for action in standalone:
            self.actions[action.id] = action


def check_input_size(given: dict[str, Any], what: str) -> None:
    """Refuse an input larger than limits.MAX_INPUT_SIZE, measured as JSON."""
    size = len(json.dumps(given, default=str).encode())
    if size > limits.MAX_INPUT_SIZE:
        raise InputError(
            f"The {what} input is {size} bytes, over the limit of {limits.MAX_INPUT_SIZE} bytes"
        )


def prepared_env(params: dict[str, Any]) -> dict[str, Any]:
    """The execution's environment dict, its expressions evaluated unless evaluate_env is false.

    A named environment must already be resolved to its variables by the caller.
    """
    env = params.get("env") or {}
    if not isinstance(env, dict):
        raise InputError(f"Unexpected value type for environment [env={env}, type={type(env)}]")
    if not env or params.get("evaluate_env", True) is False:
        return env
    try:
        return evaluate(compile_value(env), {"__env": env})
    except ExpressionSyntaxError as error:
        raise InputError(f"Invalid expression in the environment: {error}") from None
