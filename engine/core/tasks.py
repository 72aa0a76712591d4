"""Running one task: policies, its action or sub-workflow (one per item for with-items), its
completion, publish, retry: the Conductor's `runner`.

Texts and the order of steps follow Mistral's engine/tasks.py and engine/policies.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from engine.core import states
from engine.core.adhoc import AdHocCall, prepare_call, resolve_chain, transform_output
from engine.core.errors import USER_ERRORS, EngineError, InputError
from engine.core.model import ActionExecution, TaskExecution, WorkflowExecution
from engine.expr import EXPRESSION_TYPES, ContextView, contains_expression, evaluate

if TYPE_CHECKING:
    from engine.core.conductor import Conductor

NAMESPACE = ""  # Mistral's default namespace, shown in its "Failed to find" texts


class ActionNotFound(EngineError):
    """A task names an action that neither the workbook nor the registry has."""


def _is_expression(value: Any) -> bool:
    return isinstance(value, EXPRESSION_TYPES)


def _policy_error(policy: str, problem: str) -> EngineError:
    return EngineError(
        f"Invalid data type in {policy}: {problem}. Value(s) can be shown after YAQL "
        "evaluating. If you use YAQL here, please correct it."
    )


def _integer(value: Any, policy: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _policy_error(policy, f"{value!r} is not of type 'integer'")
    if value < 0:
        raise _policy_error(policy, f"{value!r} is less than the minimum of 0")
    return value


class TaskRunner:
    """Takes one task of the conductor's executions from start to end."""

    def __init__(self, conductor: Conductor) -> None:
        self.conductor = conductor

    # ---- creating and starting ------------------------------------------------------------

    def create_task(
        self,
        execution: WorkflowExecution,
        spec: Any,
        context: dict[str, Any],
        versions: dict[str, int],
        ref: str | None,
        triggered_by: list,
        state: str = states.IDLE,
    ) -> TaskExecution:
        execution.task_seq += 1
        task = TaskExecution(
            id=self.conductor.new_id(),
            name=spec.name,
            execution=execution,
            spec=spec,
            in_context=context,
            in_versions=versions,
            in_context_ref=ref,
            state=state,
            created_at=self.conductor.stamp,
            seq=execution.task_seq,
        )
        if triggered_by:
            task.runtime["triggered_by"] = list(triggered_by)
        self.conductor.register_task(task)
        execution.incomplete += 1
        self.conductor.touch(task)
        return task

    def start_task(self, task: TaskExecution) -> None:
        """First run: RUNNING, then the before-start policies, then the action(s)."""
        try:
            self.conductor.set_task_state(task, states.RUNNING, task.state_info)
            task.started_at = self.conductor.stamp
            if self.before_start(task):
                self.schedule(task)
        except USER_ERRORS as error:
            self.run_failed(task, error)

    def continue_task(self, task: TaskExecution) -> None:
        """Run again after a delay (wait-before, retry) or a resume: no policies this time."""
        try:
            self.conductor.set_task_state(task, states.RUNNING, None)
            task.processed = False
            self.schedule(task)
        except USER_ERRORS as error:
            self.run_failed(task, error)

    def run_failed(self, task: TaskExecution, error: Exception) -> None:
        self.conductor.force_fail_task(
            task,
            f"Failed to run task [error={error}, wf={task.execution.workflow_name}, "
            f"task={task.name}]",
        )

    def before_start(self, task: TaskExecution) -> bool:
        """pause-before, wait-before, timeout, concurrency; False if the task must not run now."""
        policies = task.spec.policies
        if policies.pause_before is not None and self._evaluated(task, policies.pause_before):
            self.conductor.set_task_state(task, states.IDLE, "Set by 'pause-before' policy")
            self.conductor.pause(task.execution, None)
        if policies.wait_before is not None and task.state != states.IDLE:
            delay = self._policy_int(task, policies.wait_before, "WaitBeforePolicy")
            if delay > 0 and not task.runtime.get("wait_before_done"):
                task.runtime["wait_before_done"] = True
                self.conductor.set_task_state(
                    task, states.RUNNING_DELAYED, f"Delayed by 'wait-before' policy [delay={delay}]"
                )
                self.conductor.arm(task, "continue", delay)
        if policies.timeout is not None:
            timeout = self._policy_int(task, policies.timeout, "TimeoutPolicy")
            if timeout > 0:
                task.runtime["timeout"] = timeout
                self.conductor.arm(task, "timeout", timeout, {"timeout": timeout})
        if policies.concurrency is not None:
            concurrency = self._policy_int(task, policies.concurrency, "ConcurrencyPolicy")
            if concurrency > 0:
                task.runtime["concurrency"] = concurrency
        return task.state == states.RUNNING

    def _evaluated(self, task: TaskExecution, value: Any) -> Any:
        """A policy value, evaluated in the task's context when it holds an expression."""
        if not contains_expression(value):
            return value
        return evaluate(value, self.conductor.scopes.task_view(task))

    @staticmethod
    def _evaluated_in(view: ContextView, value: Any) -> Any:
        return evaluate(value, view) if contains_expression(value) else value

    def _policy_int(self, task: TaskExecution, value: Any, policy: str) -> int:
        return _integer(self._evaluated(task, value), policy)

    # ---- scheduling actions and sub-workflows ----------------------------------------------

    def schedule(self, task: TaskExecution) -> None:
        if task.spec.with_items:
            self.schedule_items(task)
            return
        view = self.conductor.scopes.task_view(task)
        given = self._task_input(task, view)
        if task.spec.workflow:
            try:
                self._start_child(task, given, 0, view)
            except USER_ERRORS as error:
                self.complete_task(task, states.ERROR, str(error))
            return
        action = self._resolve_action(task, view)
        try:
            self._launch(task, action, given, 0, view)
        except USER_ERRORS as error:
            self.complete_task(task, states.ERROR, str(error))

    def _task_input(self, task: TaskExecution, view: Mapping[str, Any]) -> dict:
        spec = task.spec
        given = evaluate(spec.input, view) if spec.input else {}
        if not isinstance(given, dict):
            raise InputError(
                f"Wrong dynamic input for task: {task.name}. Dict type is expected. "
                f"Actual type: {type(given)}. Actual value: {given}"
            )
        if isinstance(spec.action, str):
            defaults = self.conductor.env_of(task.execution).get("__actions", {}).get(spec.action)
            if defaults:
                given = {**defaults, **given}
        return given

    def _action_name(self, task: TaskExecution, view: Mapping[str, Any]) -> str:
        name = task.spec.action
        if _is_expression(name):
            name = evaluate(name, view)
        return name or "std.noop"

    def _resolve_action(self, task: TaskExecution, view: Mapping[str, Any]) -> tuple:
        """('adhoc', full name, chain) or ('system', name, descriptor), workbook names first."""
        name = self._action_name(task, view)
        workbook = task.execution.workbook_name
        candidates = [f"{workbook}.{name}", name] if workbook else [name]
        for candidate in candidates:
            if self.conductor.catalog.adhoc_action(candidate) is not None:
                chain, _ = resolve_chain(candidate, self._adhoc_lookup(workbook))
                return ("adhoc", candidate, chain)
            descriptor = self.conductor.catalog.system_action(candidate)
            if descriptor is not None:
                return ("system", candidate, descriptor)
        raise ActionNotFound(f"Failed to find action [action_name={name}, namespace={NAMESPACE}]")

    def _adhoc_lookup(self, workbook: str | None) -> Any:
        def lookup(name: str) -> Any:
            if workbook:
                found = self.conductor.catalog.adhoc_action(f"{workbook}.{name}")
                if found is not None:
                    return found
            return self.conductor.catalog.adhoc_action(name)

        return lookup

    def _launch(
        self,
        task: TaskExecution,
        action: tuple,
        given: dict,
        index: int,
        view: ContextView,
    ) -> None:
        """Check the input and create the action execution; the runtime runs it after commit."""
        kind, name, found = action
        outputs: tuple = ()
        if kind == "adhoc":
            data = ContextView(
                self.conductor.scopes.env_layer(task.execution),
                task.in_context,
                task.execution.context,
            )
            call = prepare_call(found, given, data, evaluate)
            descriptor = self.conductor.catalog.system_action(call.base)
            if descriptor is None:
                raise EngineError(
                    f"Failed to find base action [action_name={call.base} namespace={NAMESPACE}] "
                )
            run_name, run_input, outputs = call.base, call.input, call.outputs
        else:
            descriptor, run_name, run_input = found, name, given
        descriptor.check_input(run_input)
        safe_rerun = self._evaluated(task, task.spec.safe_rerun)
        self.new_action(name, given, task, index, bool(safe_rerun), run_name, run_input, outputs)

    def new_action(
        self,
        name: str,
        given: dict,
        task: TaskExecution | None,
        index: int,
        safe_rerun: bool,
        run_name: str,
        run_input: dict,
        outputs: tuple = (),
        description: str = "",
    ) -> ActionExecution:
        action = ActionExecution(
            id=self.conductor.new_id(),
            name=name,
            task=task,
            input=given,
            state=states.RUNNING,
            index=index,
            safe_rerun=safe_rerun,
            description=description,
            created_at=self.conductor.stamp,
            run_name=run_name,
            run_input=run_input,
            adhoc_outputs=outputs,
        )
        self.conductor.actions[action.id] = action
        if task is not None:
            task.executions.append(action)
        self.conductor.touch(action)
        self.conductor.run(action)
        return action

    def _start_child(self, task: TaskExecution, given: dict, index: int, view: ContextView) -> None:
        """Start the task's sub-workflow; undeclared input keys become its params."""
        name = task.spec.workflow
        if _is_expression(name):
            name = evaluate(name, view)
        execution = task.execution
        workbook = execution.workbook_name
        entry = (self.conductor.catalog.workflow(f"{workbook}.{name}") if workbook else None) or (
            self.conductor.catalog.workflow(name)
        )
        if entry is None:
            raise EngineError(f"Failed to find workflow [name={name}] [namespace={NAMESPACE}]")
        declared = {param.name for param in entry.spec.input}
        params: dict[str, Any] = {
            "root_execution_id": execution.root_id or execution.id,
            "task_execution_id": task.id,
            "index": index,
            "namespace": NAMESPACE,
        }
        child_input = {}
        for key, value in given.items():
            if key in declared:
                child_input[key] = value
            else:
                params[key] = value
        self.conductor.start_workflow(
            entry.spec,
            entry.name,
            entry.text,
            child_input,
            params,
            "sub-workflow execution",
            entry.id,
            parent=task,
            index=index,
        )

    # ---- with-items -------------------------------------------------------------------------

    def item_values(self, task: TaskExecution) -> dict[str, list]:
        """Each with-items variable's list, evaluated once per run of the task."""
        if task.items is not None:
            return task.items
        view = self.conductor.scopes.task_view(task)
        evaluated = {item.var: evaluate(item.source, view) for item in task.spec.with_items}
        values: dict[str, list] = {}
        length = -1
        for var, items in evaluated.items():
            if not isinstance(items, Iterable):
                raise InputError(
                    f"Wrong input format for: {values}. Iterable type is expected for each value."
                )
            values[var] = list(items)
            if length < 0:
                length = len(values[var])
            elif len(values[var]) != length:
                raise InputError(
                    f"Wrong input format for: {evaluated}. All arrays must have the same length."
                )
        task.items = values
        return values

    def schedule_items(self, task: TaskExecution) -> None:
        values = self.item_values(task)
        progress = task.runtime.get("with_items")
        if progress is None:
            count = len(next(iter(values.values()))) if values else 0
            progress = {"count": count, "next": 0, "redo": [], "running": 0, "done": 0}
            progress["errors"] = progress["cancels"] = 0
            task.runtime["with_items"] = progress
        if progress["count"] == 0:
            self.complete_task(task, states.SUCCESS, None)
            return
        indexes = self._next_items(task, progress)
        if not indexes:
            return
        views = []
        for index in indexes:
            item = {var: items[index] for var, items in values.items()}
            view = self.conductor.scopes.task_view(task, item)
            views.append((index, view, self._task_input(task, view)))
        try:
            fixed = task.action
            if fixed is None and not task.spec.workflow and not _is_expression(task.spec.action):
                fixed = task.action = self._resolve_action(task, views[0][1])
            for index, view, given in views:
                if task.spec.workflow:
                    progress["running"] += 1
                    self._start_child(task, given, index, view)
                else:
                    action = fixed or self._resolve_action(task, view)
                    progress["running"] += 1
                    self._launch(task, action, given, index, view)
        except ActionNotFound as error:
            # As for a task without with-items: the workflow fails, on-error does not run.
            self.run_failed(task, error)
        except USER_ERRORS as error:
            self.complete_task(task, states.ERROR, str(error))

    def _next_items(self, task: TaskExecution, progress: dict) -> list[int]:
        """The item indexes to start now: items to redo first, then new ones, up to the
        concurrency limit. Counters only; no scan of the task's executions."""
        concurrency = task.runtime.get("concurrency")
        room = progress["count"] if not concurrency else concurrency - progress["running"]
        chosen: list[int] = []
        redo = progress["redo"]
        while redo and len(chosen) < room:
            chosen.append(redo.pop(0))
        while progress["next"] < progress["count"] and len(chosen) < room:
            chosen.append(progress["next"])
            progress["next"] += 1
        return chosen

    def _item_finished(self, task: TaskExecution, execution: Any) -> None:
        progress = task.runtime["with_items"]
        progress["running"] -= 1
        progress["done"] += 1
        if execution.state == states.ERROR:
            progress["errors"] += 1
        elif execution.state == states.CANCELLED:
            progress["cancels"] += 1
        self.conductor.touch(task)
        if progress["cancels"]:
            self.complete_task(task, states.CANCELLED, "One or more actions was cancelled.")
        elif progress["done"] >= progress["count"] and progress["running"] <= 0:
            if progress["errors"]:
                self.complete_task(task, states.ERROR, "One or more actions had failed.")
            else:
                self.complete_task(task, states.SUCCESS, None)
        elif (
            task.execution.state == states.RUNNING
            and task.state == states.RUNNING
            and (progress["redo"] or progress["next"] < progress["count"])
        ):
            self.schedule_items(task)

    def recount_items(self, task: TaskExecution) -> None:
        """Rebuild the with-items counters from the executions (on rerun --resume only)."""
        progress = task.runtime.get("with_items")
        if progress is None:
            return
        accepted = {ex.index for ex in task.executions if ex.accepted}
        running = [
            ex for ex in task.executions if not ex.accepted and not states.is_completed(ex.state)
        ]
        progress["running"] = len(running)
        progress["done"] = len(accepted)
        progress["errors"] = sum(
            1 for ex in task.executions if ex.accepted and ex.state == states.ERROR
        )
        progress["cancels"] = sum(
            1 for ex in task.executions if ex.accepted and ex.state == states.CANCELLED
        )
        busy = accepted | {ex.index for ex in running}
        progress["redo"] = [i for i in range(progress["count"]) if i not in busy]
        progress["next"] = progress["count"]

    # ---- results ------------------------------------------------------------------------

    def execution_finished(self, task: TaskExecution, execution: Any) -> None:
        """An action or sub-workflow of `task` ended (its state and output are set)."""
        if task.state not in (states.RUNNING, states.PAUSED):
            return  # a late result: the task already ended or waits for a retry
        if task.spec.with_items:
            self._item_finished(task, execution)
            return
        if execution.state == states.SUCCESS:
            info = None
        else:
            result = (execution.output or {}).get("result")
            info = str(result) if result else None
        self.complete_task(task, execution.state, info)

    def finish_action(
        self, action: ActionExecution, data: Any, error: Any, cancelled: bool
    ) -> None:
        if cancelled:
            state, result = states.CANCELLED, error
        elif error is not None:
            state, result = states.ERROR, error
        else:
            state, result = states.SUCCESS, data
            if action.adhoc_outputs:
                try:
                    call = AdHocCall(action.run_name, action.run_input or {}, action.adhoc_outputs)
                    result = transform_output(call, data, evaluate)
                except USER_ERRORS as exc:
                    state, result = (
                        states.ERROR,
                        (f"Failed to evaluate the output of ad-hoc action {action.name}: {exc}"),
                    )
        self.conductor.set_action_state(action, state)
        action.output = {"result": result}
        action.accepted = True

    # ---- completion ---------------------------------------------------------------------

    def complete_task(self, task: TaskExecution, state: str, state_info: str | None) -> None:
        """Set the end state, publish, apply after-completion policies, then route onwards."""
        if states.is_completed(task.state):
            return
        self.conductor.set_task_state(task, state, state_info)
        self.publish(task)
        if not self._evaluated(task, task.spec.keep_result):
            for action in task.executions:
                if isinstance(action, ActionExecution):
                    action.output = {}
                    self.conductor.touch(action)
        self._after_complete(task)
        if task.state == states.RUNNING_DELAYED:
            return
        self.conductor.disarm_task_timers(task)
        nexts = self.conductor.flow.next_after(task)
        task.next_tasks = [(n.name, n.event) for n in nexts if n.kind == "task"]
        if task.state == states.ERROR:
            task.error_handled = any(n.handles_error for n in nexts)
        self.conductor.touch(task)
        execution = task.execution
        if execution.state == states.PAUSED:
            return
        task.processed = True
        self.conductor.flow.dispatch(execution, nexts)
        self.conductor.flow.refresh_joins(task)
        self.conductor.flow.check_and_complete(execution)

    def publish(self, task: TaskExecution) -> None:
        """Branch variables into the task, global ones into the workflow context. Mistral 23's
        precedence for a key: the task's publish / publish-on-error, then the on-success /
        on-error clause's publish, then on-complete's (each only adds keys not set before)."""
        spec = task.spec
        on_complete = spec.on_complete
        if task.state == states.SUCCESS:
            branch, clause = spec.publish, spec.on_success
        elif task.state == states.ERROR:
            branch, clause = spec.publish_on_error, spec.on_error
        elif task.state == states.SKIPPED:
            branch, clause, on_complete = spec.publish_on_skip, spec.on_skip, None
        else:
            return
        branch = dict(branch or {})
        global_: dict[str, Any] = {}
        for source in (clause, on_complete):
            if source is not None:
                branch = {**(source.publish or {}), **branch}
                global_ = {**(source.publish_global or {}), **global_}
        if not branch and not global_:
            return
        view = self.conductor.scopes.task_view(task)
        if branch:
            task.published = evaluate(branch, view)
        if global_:
            execution = task.execution
            execution.context = merge_dicts(dict(execution.context), evaluate(global_, view))
            self.conductor.touch(execution)

    def _after_complete(self, task: TaskExecution) -> None:
        """fail-on, wait-after, then retry (Mistral's policy order)."""
        policies = task.spec.policies
        if policies.fail_on is not None and task.state == states.SUCCESS:
            view = self.conductor.scopes.task_view(task, context=task.outbound())
            if self._evaluated_in(view, policies.fail_on):
                # A policy's verdict, not a transition of the task's own run.
                self.conductor.set_task_state(
                    task, states.ERROR, "Failed by 'fail-on' policy", force=True
                )
        if policies.wait_after is not None and not task.runtime.get("wait_after_done"):
            delay = self._policy_int(task, policies.wait_after, "WaitAfterPolicy")
            if delay > 0:
                task.runtime["wait_after_done"] = True
                end = {"state": task.state, "state_info": task.state_info}
                self.conductor.set_task_state(
                    task, states.RUNNING_DELAYED, f"Delayed by 'wait-after' policy [delay={delay}]"
                )
                self.conductor.arm(task, "complete", delay, end)
                return
        if policies.retry is not None and not task.runtime.get("timed_out"):
            self._retry(task, policies.retry)

    def _retry(self, task: TaskExecution, retry: Any) -> None:
        """Mistral's RetryPolicy: total runs <= count + 1; when count runs out the task keeps
        its state, even while continue-on still holds."""
        count = self._policy_int(task, retry.count, "RetryPolicy")
        delay = self._policy_int(task, retry.delay, "RetryPolicy")
        if count == 0:
            return
        view = self.conductor.scopes.task_view(task, context=task.outbound())
        continue_on = evaluate(retry.continue_on, view) if retry.continue_on is not None else None
        break_on = evaluate(retry.break_on, view) if retry.break_on is not None else None
        if task.state not in (states.SUCCESS, states.ERROR):
            return
        done = task.runtime.get("retry_no", 0)
        if done >= count:
            return
        if task.state == states.SUCCESS and retry.continue_on is None:
            return
        if retry.continue_on is not None and not continue_on:
            return
        if task.state == states.ERROR and break_on:
            return
        for execution in task.executions:
            if execution.accepted:
                execution.accepted = False
                self.conductor.touch(execution)
        task.runtime["retry_no"] = done + 1
        task.runtime.pop("with_items", None)
        task.items = task.action = None
        self.conductor.set_task_state(
            task, states.RUNNING_DELAYED, f"Delayed by 'retry' policy [delay={delay}]"
        )
        self.conductor.arm(task, "continue", delay)


def merge_dicts(left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    """Mistral's merge_dicts: nested dicts merged, other values replaced. `left` is changed."""
    for key, value in right.items():
        current = left.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            left[key] = merge_dicts(dict(current), value)
        else:
            left[key] = value
    return left
