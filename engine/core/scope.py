"""What expressions see: layered data contexts over the execution state, and the engine data
that Mistral's functions (`task()`, `execution()`, `env()`, `global()`, ...) read."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import yaml

from engine.core.model import TaskExecution, WorkflowExecution
from engine.expr import ContextView, FunctionError, evaluate

if TYPE_CHECKING:
    from engine.core.conductor import Conductor

EMPTY: Mapping[str, Any] = {}


def source_of(value: Any) -> Any:
    """A compiled value written back as the text it came from (for messages and storage)."""
    if hasattr(value, "source"):
        return value.source
    if isinstance(value, dict):
        return {key: source_of(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [source_of(item) for item in value]
    return value


def task_result(task: TaskExecution) -> Any:
    """`task(x).result`: the accepted results by item index; a list for with-items tasks."""
    found = [ex for ex in task.executions if ex.accepted]
    if len(found) > 1:
        found.sort(key=_index)
    results = [_result_of(ex) for ex in found]
    if task.spec.with_items:
        return results
    return results[0] if len(results) == 1 else results


def _index(execution: Any) -> int:
    return execution.index


def _result_of(execution: Any) -> Any:
    if isinstance(execution, WorkflowExecution):
        return execution.output
    return execution.result


QUERY_LIMIT = 1000  # rows `tasks()` / `executions()` may return


class History(Protocol):
    """Read-only look-ups of stored executions the conductor does not hold in memory, given
    by the runtime (the conductor does no I/O itself). Each skips the executions in `skip`
    (memory has them, newer) and returns at most `limit` Mistral user-model dicts."""

    def execution_tree(self, execution_id: str) -> list[str]:
        """The execution's id and those of all its sub-workflows, at any depth."""

    def tasks(
        self,
        workflow_execution_ids: list[str] | None,
        state: str | None,
        skip_executions: Collection[str],
        limit: int,
    ) -> list[dict]: ...

    def executions(
        self,
        id: str | None,
        root_execution_id: str | None,
        state: str | None,
        from_time: str | None,
        to_time: str | None,
        skip: Collection[str],
        limit: int,
    ) -> list[dict]: ...


def _check_bound(found: list, function: str, what: str) -> None:
    if len(found) > QUERY_LIMIT:
        raise FunctionError(
            f"{function} matched more than {QUERY_LIMIT} {what}; narrow it with a workflow "
            "execution id or a state"
        )


class EngineData:
    """Mistral's custom functions answered from the conductor's state (engine.expr protocol)."""

    __slots__ = ("_conductor", "_execution")

    def __init__(self, conductor: Conductor, execution: WorkflowExecution) -> None:
        self._conductor = conductor
        self._execution = execution

    def task(self, name: str) -> dict | None:
        task = self._execution.last_task(name)
        return None if task is None else task_dict(task)

    def task_by_id(self, task_execution_id: str) -> dict | None:
        task = self._conductor.tasks.get(task_execution_id)
        return None if task is None else task_dict(task)

    def tasks(
        self, workflow_execution_id: str | None, recursive: bool, state: str | None, flat: bool
    ) -> list[dict]:
        """From memory, then the stored executions memory no longer holds (the history)."""
        in_memory = self._conductor.executions
        if workflow_execution_id is None:
            executions = list(in_memory.values())
        else:
            found = in_memory.get(workflow_execution_id)
            executions = [] if found is None else [found]
        if recursive and workflow_execution_id is not None:
            executions = self._with_children(executions)
        result = []
        for execution in executions:
            for task in execution.tasks:
                if state is not None and task.state != state:
                    continue
                if flat and task.spec.workflow and not self._differs_from_children(task):
                    continue
                result.append(task_dict(task))
        _check_bound(result, "tasks()", "task executions")
        history = self._conductor.history
        if history is None or workflow_execution_id in in_memory:
            return result  # memory holds a running execution's whole tree
        wanted = None
        if workflow_execution_id is not None:
            wanted = (
                history.execution_tree(workflow_execution_id)
                if recursive
                else [workflow_execution_id]
            )
        stored = history.tasks(wanted, state, in_memory.keys(), QUERY_LIMIT + 1 - len(result))
        if flat:  # a stored sub-workflow task ended with its sub-workflow, in its state
            stored = [task for task in stored if task["type"] != "WORKFLOW"]
        result.extend(stored)
        _check_bound(result, "tasks()", "task executions")
        return result

    def _with_children(self, executions: list[WorkflowExecution]) -> list[WorkflowExecution]:
        found = []
        pending = list(executions)
        while pending:
            execution = pending.pop(0)
            found.append(execution)
            for task in execution.tasks:
                pending.extend(ex for ex in task.executions if isinstance(ex, WorkflowExecution))
        return found

    @staticmethod
    def _differs_from_children(task: TaskExecution) -> bool:
        return any(
            isinstance(ex, WorkflowExecution) and ex.state != task.state for ex in task.executions
        )

    def execution(self) -> dict:
        return execution_dict(self._execution)

    def executions(
        self,
        id: str | None,
        root_execution_id: str | None,
        state: str | None,
        from_time: str | None,
        to_time: str | None,
    ) -> list[dict]:
        result = []
        in_memory = self._conductor.executions
        for execution in in_memory.values():
            if id is not None and execution.id != id:
                continue
            if root_execution_id is not None and execution.root_id != root_execution_id:
                continue
            if state is not None and execution.state != state:
                continue
            if from_time is not None and execution.created_at < from_time:
                continue
            if to_time is not None and execution.created_at >= to_time:
                continue
            result.append(execution_dict(execution))
        _check_bound(result, "executions()", "workflow executions")
        history = self._conductor.history
        if history is not None:
            limit = QUERY_LIMIT + 1 - len(result)
            result.extend(
                history.executions(
                    id, root_execution_id, state, from_time, to_time, in_memory.keys(), limit
                )
            )
            _check_bound(result, "executions()", "workflow executions")
        return result

    def env(self) -> dict:
        return self._conductor.env_of(self._execution)

    def global_var(self, name: str) -> Any:
        return self._execution.context.get(name)


def task_dict(task: TaskExecution) -> dict[str, Any]:
    """Mistral's task model as `task()` returns it."""
    spec = task.spec
    return {
        "id": task.id,
        "name": task.name,
        "spec": {
            "name": spec.name,
            "workflow" if spec.workflow else "action": source_of(spec.workflow or spec.action),
        },
        "state": task.state,
        "state_info": task.state_info,
        "result": task_result(task),
        "published": task.published,
        "type": task.type,
        "workflow_execution_id": task.execution.id,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
    }


def execution_dict(execution: WorkflowExecution) -> dict[str, Any]:
    """Mistral's execution model as `execution()` returns it."""
    return {
        "id": execution.id,
        "name": execution.workflow_name,
        "spec": spec_dict(execution),
        "input": execution.input,
        "params": execution.params,
        "created_at": execution.created_at,
        "updated_at": execution.updated_at,
        "root_execution_id": execution.root_id,
    }


_SPEC_DICTS: dict[int, tuple[str, dict]] = {}


def spec_dict(execution: WorkflowExecution) -> dict[str, Any]:
    """The workflow definition as a dict (Mistral's `spec`), parsed once per definition text."""
    key = id(execution.spec)
    cached = _SPEC_DICTS.get(key)
    if cached is None or cached[0] != execution.spec_text:
        loaded = yaml.safe_load(execution.spec_text) or {}
        body = loaded.get(execution.spec.name, {}) if isinstance(loaded, dict) else {}
        cached = (execution.spec_text, {"name": execution.spec.name, "version": "2.0", **body})
        _SPEC_DICTS[key] = cached
    return cached[1]


class Scopes:
    """Builds the context views of one execution for its tasks and its output."""

    def __init__(self, conductor: Conductor) -> None:
        self._conductor = conductor

    def data(self, execution: WorkflowExecution) -> EngineData:
        return EngineData(self._conductor, execution)

    def env_layer(self, execution: WorkflowExecution) -> Mapping[str, Any]:
        env = self._conductor.env_of(execution)
        return {"__env": env}

    def task_view(
        self,
        task: TaskExecution,
        extra: Mapping[str, Any] = EMPTY,
        context: Mapping[str, Any] | None = None,
    ) -> ContextView:
        """A task's view: its id and name, env, its context (inbound, or outbound for
        publish-time evaluations), the workflow context and input, then `extra` (an item's
        variables: as in Mistral 23, a published variable of the same name wins)."""
        execution = task.execution
        return ContextView(
            {"__task_execution": {"id": task.id, "name": task.name}},
            self.env_layer(execution),
            task.in_context if context is None else context,
            execution.context,
            execution.input,
            extra,
            execution_data=self.data(execution),
        )

    def workflow_view(
        self, execution: WorkflowExecution, context: Mapping[str, Any] = EMPTY
    ) -> ContextView:
        """The view for `vars`, `output` and `output-on-error`."""
        return ContextView(
            context,
            self.env_layer(execution),
            execution.context,
            execution.input,
            execution_data=self.data(execution),
        )


def evaluate_value(value: Any, view: Mapping[str, Any]) -> Any:
    """Evaluate every expression inside `value` (dicts and lists are walked)."""
    return evaluate(value, view)
