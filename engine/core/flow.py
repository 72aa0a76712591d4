"""Which tasks run next: direct-workflow transitions, engine commands, joins, reverse-workflow
requirements, and the workflow's final context: the Conductor's `flow`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.core import states
from engine.core.context import merge_outbound
from engine.core.errors import USER_ERRORS
from engine.core.model import TaskExecution, WorkflowExecution
from engine.expr import evaluate

if TYPE_CHECKING:
    from engine.core.conductor import Conductor

TASK = "task"
STATE_COMMANDS = {"fail": states.ERROR, "succeed": states.SUCCESS, "pause": states.PAUSED}


@dataclass(slots=True)
class Next:
    """One decision of a completed task: run a task, or an engine command with its `msg`."""

    kind: str  # TASK, "noop", "fail", "succeed" or "pause"
    name: str
    source: TaskExecution | None = None
    event: str | None = None  # on-success, on-error, on-complete
    msg: Any = None
    context: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)

    @property
    def handles_error(self) -> bool:
        return self.event == "on-error"

    def record(self) -> dict[str, Any]:
        """What the backlog of a paused workflow stores; contexts come back from `source`."""
        return {
            "kind": self.kind,
            "name": self.name,
            "source": None if self.source is None else self.source.id,
            "event": self.event,
            "msg": self.msg,
        }


def rearranged(nexts: list[Next]) -> list[Next]:
    """Mistral's dispatch order: noops dropped; nothing after fail/succeed; after pause, the
    rest is kept for the backlog; fail/succeed first in the list is all that runs."""
    kept = [n for n in nexts if n.kind != "noop"]
    for position, item in enumerate(kept):
        if item.kind in STATE_COMMANDS:
            if position == 0 and item.kind != "pause":
                return [item]
            return kept if item.kind == "pause" else kept[: position + 1]
    return kept


class Flow:
    """Transitions and joins of the conductor's executions; graph facts cached per spec."""

    def __init__(self, conductor: Conductor) -> None:
        self.conductor = conductor
        self._graph_cache: dict[Any, Any] = {}

    # ---- what follows a completed task ----------------------------------------------------

    def next_after(self, task: TaskExecution) -> list[Next]:
        execution = task.execution
        if states.is_completed(execution.state):
            return []
        if execution.spec.type == "reverse":
            return self._reverse_next(task)
        state = task.state
        spec = task.spec
        context = task.outbound()
        versions = task.outbound_versions()
        view = self.conductor.scopes.task_view(task, context=context)
        found: list[Next] = []

        def follow(clause: Any, event: str) -> None:
            for target in clause.targets:
                if target.condition is not None and not evaluate(target.condition, view):
                    continue
                params = evaluate(target.params, view) if target.params else {}
                kind = target.name if target.is_command else TASK
                found.append(
                    Next(kind, target.name, task, event, params.get("msg"), context, versions)
                )

        if state == states.ERROR and spec.on_error:
            follow(spec.on_error, "on-error")
        if state == states.SUCCESS and spec.on_success:
            follow(spec.on_success, "on-success")
        if state in (states.SUCCESS, states.ERROR) and spec.on_complete:
            follow(spec.on_complete, "on-complete")
        if state == states.SKIPPED and spec.on_skip:
            follow(spec.on_skip, "on-skip")
        return found

    def start_nexts(self, execution: WorkflowExecution) -> list[Next]:
        spec = execution.spec
        if spec.type == "reverse":
            target = execution.params["task_name"]
            return [
                Next(TASK, name)
                for name in spec.reverse_order(target)
                if not spec.tasks[name].requires
            ]
        return [Next(TASK, name) for name in spec.start_tasks]

    def _reverse_next(self, task: TaskExecution) -> list[Next]:
        """Tasks on the way to the target whose requirements all succeeded by now."""
        if task.state != states.SUCCESS:
            return []
        execution = task.execution
        needed = self._reverse_needed(execution)
        found = []
        for name in self._dependents(execution.spec).get(task.name, ()):
            if name not in needed or execution.tasks_by_name.get(name):
                continue
            required = [execution.last_task(r) for r in execution.spec.tasks[name].requires]
            if all(r is not None and r.state == states.SUCCESS for r in required):
                merged = merge_outbound([(r.outbound(), r.outbound_versions()) for r in required])
                source = required[0] if len(required) == 1 else None
                found.append(Next(TASK, name, source, "on-success", None, *merged))
        return found

    def _reverse_needed(self, execution: WorkflowExecution) -> frozenset[str]:
        target = execution.params["task_name"]
        return self._cached(
            execution.spec,
            ("needed", target),
            lambda: frozenset(execution.spec.reverse_order(target)),
        )

    def _cached(self, spec: Any, key: Any, compute: Any) -> Any:
        """Graph facts computed once per spec. The cache keeps the spec alive, so its id is
        never reused by another spec while the entry exists."""
        entry = self._graph_cache.get((id(spec), key))
        if entry is None:
            entry = (spec, compute())
            self._graph_cache[(id(spec), key)] = entry
        return entry[1]

    def _dependents(self, spec: Any) -> dict[str, tuple[str, ...]]:

        def compute() -> dict[str, tuple[str, ...]]:
            collected: dict[str, list[str]] = {}
            for name in spec.order or spec.tasks:
                for required in spec.tasks[name].requires:
                    collected.setdefault(required, []).append(name)
            return {name: tuple(names) for name, names in collected.items()}

        return self._cached(spec, "dependents", compute)

    # ---- dispatching decisions ------------------------------------------------------------

    def dispatch(self, execution: WorkflowExecution, nexts: list[Next]) -> None:
        if execution.backlog and execution.state != states.PAUSED:
            held, execution.backlog = execution.backlog, []
            self.conductor.touch(execution)
            self._replay_backlog(execution, held)
        for item in rearranged(nexts):
            if states.is_completed(execution.state):
                break
            if execution.state == states.PAUSED:
                execution.backlog.append(item.record())
                self.conductor.touch(execution)
                continue
            if item.kind == TASK:
                self._run_next(execution, item)
            elif item.kind == "pause":
                self.conductor.pause(execution, item.msg)
            else:
                self.conductor.stop(execution, STATE_COMMANDS[item.kind], item.msg)

    def _replay_backlog(self, execution: WorkflowExecution, held: list[dict]) -> None:
        nexts = []
        for record in held:
            if record["kind"] == "timer":
                timer = self.conductor.timers.get(record["id"])
                if timer is not None:
                    self.conductor.fire(timer)
                continue
            source = self.conductor.tasks.get(record["source"]) if record["source"] else None
            context = source.outbound() if source else {}
            versions = source.outbound_versions() if source else {}
            nexts.append(
                Next(
                    record["kind"],
                    record["name"],
                    source,
                    record["event"],
                    record["msg"],
                    context,
                    versions,
                )
            )
        self.dispatch(execution, nexts)

    def _run_next(self, execution: WorkflowExecution, item: Next) -> None:
        spec = execution.spec.tasks[item.name]
        triggered_by = (
            [{"task_id": item.source.id, "event": item.event}] if item.source is not None else []
        )
        if spec.join:
            self._arrive_at_join(execution, spec, item, triggered_by)
            return
        ref = item.source.id if item.source is not None else None
        task = self.conductor.runner.create_task(
            execution, spec, item.context, item.versions, ref, triggered_by
        )
        self.conductor.runner.start_task(task)

    # ---- joins ------------------------------------------------------------------------------

    def _arrive_at_join(
        self, execution: WorkflowExecution, spec: Any, item: Next, triggered_by: list
    ) -> None:
        join = execution.join_tasks.get(spec.name)
        started = join is not None and join.state != states.WAITING
        if started and item.source.name in join.runtime["arrived"]:
            join = None  # an inbound task ran again (a loop): the join's next round
        created = join is None
        if created:
            join = self.conductor.runner.create_task(
                execution, spec, {}, {}, None, [], state=states.WAITING
            )
            join.runtime["arrived"] = {}
            execution.join_tasks[spec.name] = join
        if join.state != states.WAITING:
            return  # it already started (join: one or N): a late branch changes nothing
        join.runtime["arrived"][item.source.name] = item.source.id
        join.runtime.setdefault("triggered_by", []).extend(triggered_by)
        if created:
            # Branches that ended before the join existed may already make it impossible.
            self._evaluate_join(join)
            return
        inbound = execution.spec.inbound[spec.name]
        needed = len(inbound) if spec.join == "all" else spec.join
        if len(join.runtime["arrived"]) >= needed:
            self._join_ready(join)
        else:
            self._update_join_info(join, inbound)

    def _update_join_info(self, join: TaskExecution, inbound: tuple[str, ...]) -> None:
        arrived = join.runtime["arrived"]
        failed = join.runtime.get("failed", ())
        blocked = [name for name in inbound if name not in arrived and name not in failed]
        join.state_info = f"Blocked by tasks: {blocked}"
        self.conductor.touch(join)

    def _join_ready(self, join: TaskExecution) -> None:
        self._take_arrived_context(join)
        join.state_info = None
        self.conductor.runner.start_task(join)

    def _take_arrived_context(self, join: TaskExecution) -> None:
        """The join's inbound context: the arrived branches' outbound contexts merged. Also
        for a failed join, so the workflow's final context keeps what they published."""
        upstream = [self.conductor.tasks[task_id] for task_id in join.runtime["arrived"].values()]
        join.in_context, join.in_versions = merge_outbound(
            [(task.outbound(), task.outbound_versions()) for task in upstream]
        )
        join.in_context_ref = None
        join.context_stored = False

    def refresh_joins(self, task: TaskExecution) -> None:
        """Re-check the waiting joins a completed task could have led to but did not."""
        execution = task.execution
        if not execution.join_tasks:
            return
        triggered = {name for name, _ in task.next_tasks}
        for name in self._joins_reachable(execution.spec, task.name):
            join = execution.join_tasks.get(name)
            if join is not None and join.state == states.WAITING and name not in triggered:
                self._evaluate_join(join)

    def _evaluate_join(self, join: TaskExecution) -> None:
        """Mistral's join logic: each inbound task either arrived, may still arrive, or cannot."""
        execution = join.execution
        inbound = execution.spec.inbound[join.name]
        arrived = join.runtime["arrived"]
        failed = []
        for name in inbound:
            if name in arrived:
                continue
            last = execution.last_task(name)
            if last is None:
                if not self._route_possible(execution, name, set()):
                    failed.append(name)
            elif states.is_completed(last.state) and join.name not in dict(last.next_tasks):
                failed.append(name)
        join.runtime["failed"] = failed
        spec = join.spec
        needed = len(inbound) if spec.join == "all" else spec.join
        if len(arrived) >= needed:
            self._join_ready(join)
        elif len(failed) > len(inbound) - needed:
            self._take_arrived_context(join)
            self.conductor.runner.complete_task(join, states.ERROR, f"Failed by tasks: {failed}")
        else:
            self._update_join_info(join, inbound)

    def _route_possible(self, execution: WorkflowExecution, name: str, seen: set[str]) -> bool:
        """Whether task `name`, not run yet, can still be reached (Mistral's _possible_route)."""
        seen.add(name)
        inbound = execution.spec.inbound.get(name, ())
        if not inbound:
            return True
        for upstream in inbound:
            last = execution.last_task(upstream)
            if last is None:
                if upstream not in seen and self._route_possible(execution, upstream, seen):
                    return True
            elif not states.is_completed(last.state) or name in dict(last.next_tasks):
                return True
        return False

    def _joins_reachable(self, spec: Any, name: str) -> tuple[str, ...]:
        """Join tasks downstream of `name`, stopping at the first join on each path."""

        def compute() -> tuple[str, ...]:
            result: list[str] = []
            seen = {name}
            pending = list(spec.outbound.get(name, ()))
            while pending:
                current = pending.pop()
                if current in seen or current not in spec.tasks:
                    continue
                seen.add(current)
                if spec.tasks[current].join:
                    result.append(current)
                else:
                    pending.extend(spec.outbound.get(current, ()))
            return tuple(result)

        return self._cached(spec, ("joins", name), compute)

    # ---- the end ----------------------------------------------------------------------------

    def final_context(self, execution: WorkflowExecution) -> dict[str, Any]:
        """The merged outbound contexts of the tasks that ended a branch (Mistral's final
        context); for a reverse workflow, the target task's outbound context."""
        if execution.spec.type == "reverse":
            target = execution.last_task(execution.params.get("task_name", ""))
            return dict(target.outbound()) if target is not None else {}
        ends = [
            (task.outbound(), task.outbound_versions())
            for task in execution.tasks
            if states.is_completed(task.state) and not task.next_tasks
        ]
        return dict(merge_outbound(ends)[0])

    def _errors_handled(self, execution: WorkflowExecution) -> bool:
        if execution.spec.type == "reverse":
            return not any(task.state == states.ERROR for task in execution.tasks)
        return all(task.error_handled for task in execution.tasks if task.state == states.ERROR)

    def _failure_message(self, execution: WorkflowExecution) -> str:
        """`Failure caused by error in tasks: t1 ...` listing each unhandled failed task and
        its failed actions or sub-workflows (Mistral's _build_fail_info_message)."""
        failed = sorted(
            (
                task
                for task in execution.tasks
                if task.state == states.ERROR
                and (execution.spec.type == "reverse" or not task.error_handled)
            ),
            key=lambda task: task.name,
        )
        text = "Failure caused by error in tasks: {}\n".format(", ".join(t.name for t in failed))
        for task in failed:
            text += f"\n  {task.name} [task_ex_id={task.id}] -> {task.state_info}\n"
            actions = [ex for ex in task.executions if not isinstance(ex, WorkflowExecution)]
            children = [ex for ex in task.executions if isinstance(ex, WorkflowExecution)]
            for position, action in enumerate(actions):
                if action.state == states.ERROR:
                    result = (action.output or {}).get("result", "Unknown")
                    text += f"    [action_ex_id={action.id}, idx={position}]: {result}\n"
            for position, child in enumerate(children):
                if child.state == states.ERROR:
                    result = (child.output or {}).get("result", "Unknown")
                    text += f"    [wf_ex_id={child.id}, idx={position}]: {result}\n"
        return text

    def check_and_complete(self, execution: WorkflowExecution) -> None:
        """End the workflow once no task is left unfinished."""
        if execution.state != states.RUNNING or execution.incomplete > 0:
            return
        cancelled = sorted(task.name for task in execution.tasks if task.state == states.CANCELLED)
        if cancelled:
            self.conductor.cancel(execution, "Cancelled tasks: " + ", ".join(cancelled))
            return
        context = self.final_context(execution)
        if self._errors_handled(execution):
            try:
                self.conductor.succeed(execution, context)
            except USER_ERRORS as error:
                self.conductor.fail(
                    execution,
                    context,
                    f"Failed to check and complete [wf_ex_id={execution.id}, "
                    f"wf_name={execution.workflow_name}]: {error}",
                )
        else:
            self.conductor.fail(execution, context, self._failure_message(execution))
