"""Workflows and their tasks: validation, task-defaults, and the graph computed once."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

from engine.lang.checker import Checker, child, describe, suggestion
from engine.lang.loader import Mapping, Position
from engine.lang.spec import (
    ENGINE_COMMANDS,
    Clause,
    Policies,
    Retry,
    Target,
    TaskSpec,
    WithItem,
    WorkflowSpec,
)

WORKFLOW_KEYS = (
    "version",
    "type",
    "description",
    "tags",
    "input",
    "output",
    "output-on-error",
    "vars",
    "task-defaults",
    "tasks",
)
CLAUSE_KEYS = ("on-success", "on-error", "on-complete", "on-skip")
POLICY_KEYS = (
    "retry",
    "wait-before",
    "wait-after",
    "timeout",
    "pause-before",
    "concurrency",
    "fail-on",
)
COMMON_TASK_KEYS = (
    "description",
    "action",
    "workflow",
    "input",
    "publish",
    "publish-on-error",
    "publish-on-skip",
    "with-items",
    "keep-result",
    "target",
    "safe-rerun",
    "tags",
    *POLICY_KEYS,
)
DIRECT_ONLY_KEYS = (*CLAUSE_KEYS, "join")
REVERSE_ONLY_KEYS = ("requires",)
TASK_KEYS = {
    "direct": frozenset(COMMON_TASK_KEYS + DIRECT_ONLY_KEYS),
    "reverse": frozenset(COMMON_TASK_KEYS + REVERSE_ONLY_KEYS),
}
DEFAULT_KEYS = {
    "direct": frozenset((*POLICY_KEYS, "safe-rerun", *CLAUSE_KEYS)),
    "reverse": frozenset((*POLICY_KEYS, "safe-rerun", "requires")),
}
COUNT_POLICIES = ("wait-before", "wait-after", "timeout", "concurrency")
SWITCH_POLICIES = ("pause-before", "fail-on")
RETRY_KEYS = ("count", "delay", "break-on", "continue-on")
PUBLISH_SCOPES = ("branch", "global", "atomic")
COMMAND_PARAMS = {"noop": (), "fail": ("msg",), "succeed": ("msg",), "pause": ("msg",)}
WITH_ITEMS = re.compile(r"\s*([\w-]+)\s+in\s+(.+?)\s*\Z", re.S)
EXPRESSION_START = {"<%": "%>", "{{": "}}"}


@dataclass(slots=True)
class _Defaults:
    """Parsed `task-defaults`, applied to each task (a task's own value wins)."""

    clauses: dict[str, Clause] = field(default_factory=dict)
    policies: dict[str, Any] = field(default_factory=dict)
    safe_rerun: Any = None
    requires: tuple[str, ...] = ()


class WorkflowParser:
    """Parses one workflow body; problems go to the shared Checker."""

    def __init__(self, checker: Checker, name: str, path: str) -> None:
        self.checker = checker
        self.name = name
        self.path = path
        self.type = "direct"
        self.task_names: frozenset[str] = frozenset()

    def parse(self, data: Mapping, definition: str) -> WorkflowSpec:
        check, path = self.checker, self.path
        check.known_keys(data, WORKFLOW_KEYS, path, f"workflow {self.name!r}")
        if "version" in data:
            check_version(check, data, path)
        workflow_type = data.get("type", "direct")
        if workflow_type in ("direct", "reverse"):
            self.type = workflow_type
        else:
            check.report(
                data.value_position("type"),
                child(path, "type"),
                f"type must be 'direct' or 'reverse', not {describe(workflow_type)}",
            )
        tasks_data = self._tasks_mapping(data)
        self.task_names = frozenset(key for key in tasks_data if isinstance(key, str))
        defaults = self._defaults(data)
        tasks: dict[str, TaskSpec] = {}
        tasks_path = child(path, "tasks")
        for name, body in tasks_data.items():
            where = tasks_data.key_position(name)
            if not isinstance(name, str) or not name:
                check.report(where, tasks_path, f"task names must be strings, not {name!r}")
                continue
            task = self._task(name, body, child(tasks_path, name), tasks_data, defaults)
            if task is not None:
                tasks[name] = task
        spec = WorkflowSpec(
            name=self.name,
            type=self.type,
            description=check.text_value(data, "description", path),
            tags=check.names(data, "tags", path, single=False),
            input=check.input_params(data, path),
            output=self._compiled_mapping(data, "output"),
            output_on_error=self._compiled_mapping(data, "output-on-error"),
            vars=self._compiled_mapping(data, "vars"),
            tasks=tasks,
            definition=definition,
        )
        if self.type == "direct":
            return self._direct_graph(spec, data, tasks_data)
        return self._reverse_graph(spec, tasks_data)

    # -- workflow-level pieces ---------------------------------------------------------------

    def _tasks_mapping(self, data: Mapping) -> Mapping:
        check, path = self.checker, child(self.path, "tasks")
        tasks = data.get("tasks")
        if "tasks" not in data:
            check.report(data.position, self.path, f"workflow {self.name!r} has no tasks")
        elif not isinstance(tasks, Mapping):
            check.report(
                data.value_position("tasks"),
                path,
                f"tasks must be a mapping of task names to tasks, not {describe(tasks)}",
            )
        elif not tasks:
            check.report(data.value_position("tasks"), path, "tasks must not be empty")
        else:
            return tasks
        empty = Mapping()
        empty.position, empty.key_positions, empty.value_positions = data.position, {}, {}
        return empty

    def _compiled_mapping(self, data: Mapping, key: str) -> dict[str, Any]:
        value = data.get(key)
        if value is None:
            return {}
        where, path = data.value_position(key), child(self.path, key)
        if self.checker.mapping(value, path, where, key) is None:
            return {}
        return self.checker.compile(value, path, where)

    def _defaults(self, data: Mapping) -> _Defaults:
        defaults = _Defaults()
        if "task-defaults" not in data:
            return defaults
        check, path = self.checker, child(self.path, "task-defaults")
        body = check.mapping(
            data["task-defaults"], path, data.value_position("task-defaults"), "task-defaults"
        )
        if body is None:
            return defaults
        self._known_task_keys(body, DEFAULT_KEYS[self.type], path, "task-defaults")
        for key in CLAUSE_KEYS:
            if key in body and self.type == "direct":
                clause = self._clause(body, key, path)
                if clause is not None:
                    defaults.clauses[key] = clause
        defaults.policies = self._policies(body, path)
        if "safe-rerun" in body:
            defaults.safe_rerun = self._switch(body, "safe-rerun", path)
        if "requires" in body and self.type == "reverse":
            defaults.requires = self._requires(body, path)
        return defaults

    def _known_task_keys(self, body: Mapping, allowed: frozenset[str], path: str, what: str):
        other = "reverse" if self.type == "direct" else "direct"
        for key in body:
            if key in allowed:
                continue
            if key in TASK_KEYS[other] or key in DEFAULT_KEYS[other]:
                message = f"{key} is only valid in {other} workflows (this one is {self.type})"
            else:
                message = f"unknown key {key!r} in {what}{suggestion(str(key), allowed)}"
            self.checker.report(body.key_position(key), child(path, key), message)

    # -- tasks ---------------------------------------------------------------------------------

    def _task(
        self, name: str, body: Any, path: str, tasks: Mapping, defaults: _Defaults
    ) -> TaskSpec | None:
        check = self.checker
        if not isinstance(body, Mapping) or not body:
            check.report(
                tasks.value_position(name),
                path,
                f"task {name!r} must be a non-empty mapping, not {describe(body)}",
            )
            return None
        self._known_task_keys(body, TASK_KEYS[self.type], path, f"task {name!r}")
        action, workflow, task_input = self._runnable(body, path)
        policies = {**defaults.policies, **self._policies(body, path)}
        direct = self.type == "direct"
        clauses = {
            key: self._clause(body, key, path) for key in CLAUSE_KEYS if direct and key in body
        }
        for key, default in defaults.clauses.items():
            clauses[key] = _merge_default_clause(clauses.get(key), default, name)
        requires = self._requires(body, path) if not direct and "requires" in body else ()
        requires += tuple(
            required
            for required in defaults.requires
            if required != name and required not in requires
        )
        return TaskSpec(
            name=name,
            description=check.text_value(body, "description", path),
            action=action,
            workflow=workflow,
            input=task_input,
            publish=self._publish(body, "publish", path),
            publish_on_error=self._publish(body, "publish-on-error", path),
            publish_on_skip=self._publish(body, "publish-on-skip", path),
            with_items=self._with_items(body, path),
            keep_result=self._switch(body, "keep-result", path, default=True),
            target=self._target(body, path),
            safe_rerun=(
                self._switch(body, "safe-rerun", path)
                if "safe-rerun" in body
                else (defaults.safe_rerun if defaults.safe_rerun is not None else False)
            ),
            policies=Policies(**policies),
            on_success=clauses.get("on-success"),
            on_error=clauses.get("on-error"),
            on_complete=clauses.get("on-complete"),
            on_skip=clauses.get("on-skip"),
            join=self._join(body, path) if direct else None,
            requires=requires,
            tags=check.names(body, "tags", path, single=False),
        )

    def _runnable(self, body: Mapping, path: str) -> tuple[Any, Any, Any]:
        """(action, workflow, input) with the inline parameters merged into the input."""
        check = self.checker
        if "action" in body and "workflow" in body:
            check.report(
                body.key_position("workflow"),
                path,
                "a task runs an action or a workflow, not both: remove one of them",
            )
        action = workflow = None
        params: dict[str, Any] = {}
        if "action" in body:
            action, params = self._command(body, "action", path)
        elif "workflow" in body:
            workflow, params = self._command(body, "workflow", path)
        else:
            action = "std.noop"
        if "input" not in body:
            return action, workflow, params
        where, input_path = body.value_position("input"), child(path, "input")
        raw = body["input"]
        if isinstance(raw, Mapping):
            # Mistral merges the inline parameters over `input:` (merge_dicts, overwrite).
            return action, workflow, {**check.compile(raw, input_path, where), **params}
        compiled = check.expression(
            raw,
            input_path,
            where,
            f"input must be a mapping or an expression, not {describe(raw)}",
        )
        if compiled is not None and params:
            check.report(
                where,
                input_path,
                "an input expression cannot be combined with inline parameters "
                f"({', '.join(params)}): move them into the expression",
            )
        return action, workflow, compiled

    def _command(self, body: Mapping, key: str, path: str) -> tuple[Any, dict[str, Any]]:
        check = self.checker
        value, where, here = body[key], body.value_position(key), child(path, key)
        if not isinstance(value, str) or not value.strip():
            what = "an action name" if key == "action" else "a workflow name"
            check.report(where, here, f"{key} must be {what}, not {describe(value)}")
            return None, {}
        text = value.strip()
        opener = text[:2]
        if opener not in EXPRESSION_START:
            parsed = check.inline_command(text, here, where)
            return parsed if parsed is not None else (None, {})
        # A dynamic name: `<% $.action %> k=v ...`
        end = text.find(EXPRESSION_START[opener]) + 2
        if end < 2:
            end = len(text)
        params = check.inline_params(text[end:], here, where)
        return check.compile_text(text[:end], here, where), params or {}

    def _publish(self, body: Mapping, key: str, path: str) -> dict[str, Any]:
        if key not in body:
            return {}
        where, here = body.value_position(key), child(path, key)
        if self.checker.mapping(body[key], here, where, key) is None:
            return {}
        return self.checker.compile(body[key], here, where)

    def _with_items(self, body: Mapping, path: str) -> tuple[WithItem, ...]:
        if "with-items" not in body:
            return ()
        check = self.checker
        raw, where = body["with-items"], body.value_position("with-items")
        here = child(path, "with-items")
        entries = [(raw, where, here)] if isinstance(raw, str) else None
        if isinstance(raw, list) and raw:
            entries = [(item, raw.item_position(i), f"{here}[{i}]") for i, item in enumerate(raw)]
        if entries is None:
            check.report(
                where,
                here,
                f"with-items must be 'var in <% $.list %>' or a list of such, not {describe(raw)}",
            )
            return ()
        items: list[WithItem] = []
        for text, item_where, item_path in entries:
            item = self._with_item(text, item_where, item_path)
            if item is None:
                continue
            if any(known.var == item.var for known in items):
                check.report(item_where, item_path, f"with-items names {item.var!r} twice")
            items.append(item)
        return tuple(items)

    def _with_item(self, text: Any, where: Position, path: str) -> WithItem | None:
        check = self.checker
        match = WITH_ITEMS.match(text) if isinstance(text, str) else None
        if match is None:
            check.report(
                where,
                path,
                f"with-items must look like 'var in <% $.list %>' or 'var in [1, 2]', "
                f"not {describe(text)}",
            )
            return None
        var, source = match.groups()
        if source.startswith("["):
            try:
                values = json.loads(source)
            except ValueError as error:
                check.report(where, path, f"with-items list {source!r} is not valid JSON: {error}")
                return None
            return WithItem(var, values)
        compiled = check.expression(
            source,
            path,
            where,
            f"with-items source {source!r} must be an expression like <% $.list %> or a JSON list",
        )
        return WithItem(var, compiled) if compiled is not None else None

    def _target(self, body: Mapping, path: str) -> Any:
        if "target" not in body:
            return None
        value, where, here = body["target"], body.value_position("target"), child(path, "target")
        if not isinstance(value, str) or not value:
            self.checker.report(where, here, f"target must be a string, not {describe(value)}")
            return None
        return self.checker.compile_text(value, here, where)

    def _join(self, body: Mapping, path: str) -> str | int | None:
        if "join" not in body:
            return None
        value = body["join"]
        if value == "all":
            return "all"
        if value == "one":
            return 1
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value or None  # Mistral reads join: 0 as "no join"
        self.checker.report(
            body.value_position("join"),
            child(path, "join"),
            f"join must be 'all', 'one' or a positive integer, not {describe(value)}",
        )
        return None

    def _requires(self, body: Mapping, path: str) -> tuple[str, ...]:
        names = self.checker.names(body, "requires", path, single=True)
        value, here = body["requires"], child(path, "requires")
        for index, name in enumerate(names):
            if name in self.task_names:
                continue
            if isinstance(value, list):
                where, item_path = value.item_position(value.index(name)), f"{here}[{index}]"
            else:
                where, item_path = body.value_position("requires"), here
            self.checker.report(
                where,
                item_path,
                f"requires refers to unknown task {name!r}{suggestion(name, self.task_names)}",
            )
        return tuple(name for name in names if name in self.task_names)

    # -- policies ------------------------------------------------------------------------------

    def _policies(self, body: Mapping, path: str) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if "retry" in body:
            found["retry"] = self._retry(body, path)
        for key in COUNT_POLICIES:
            if key in body:
                found[key.replace("-", "_")] = self._count(
                    body[key], key, child(path, key), body.value_position(key)
                )
        for key in SWITCH_POLICIES:
            if key in body:
                found[key.replace("-", "_")] = self._switch(body, key, path)
        return found

    def _count(self, value: Any, key: str, path: str, where: Position) -> Any:
        """An integer >= 0 or an expression (policies, retry count and delay)."""
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        return self.checker.expression(
            value,
            path,
            where,
            f"{key} must be an integer >= 0 or an expression, not {describe(value)}",
        )

    def _switch(self, body: Mapping, key: str, path: str, default: Any = None) -> Any:
        """true/false or an expression (pause-before, keep-result, safe-rerun, fail-on)."""
        if key not in body:
            return default
        value, where, here = body[key], body.value_position(key), child(path, key)
        if isinstance(value, bool):
            return value
        compiled = self.checker.expression(
            value, here, where, f"{key} must be true, false or an expression, not {describe(value)}"
        )
        return default if compiled is None else compiled

    def _retry(self, body: Mapping, path: str) -> Retry | None:
        check = self.checker
        raw, where, here = body["retry"], body.value_position("retry"), child(path, "retry")
        if isinstance(raw, str):
            values = check.inline_params(raw, here, where)
            if values is None:
                return None
            positions = dict.fromkeys(values, where)
        elif isinstance(raw, Mapping):
            values, positions = raw, raw.value_positions
        else:
            check.report(
                where,
                here,
                "retry must be a mapping with count and delay, or one line like "
                f"'count=5 delay=1', not {describe(raw)}",
            )
            return None
        for key in values:
            if key not in RETRY_KEYS:
                check.report(
                    raw.key_position(key) if isinstance(raw, Mapping) else where,
                    child(here, key),
                    f"unknown key {key!r} in retry{suggestion(str(key), RETRY_KEYS)}",
                )
        missing = [key for key in ("count", "delay") if key not in values]
        if missing:
            check.report(body.key_position("retry"), here, f"retry needs {' and '.join(missing)}")
            return None
        conditions = {
            key: check.expression(
                values[key],
                child(here, key),
                positions[key],
                f"retry {key} must be an expression, not {describe(values[key])}",
            )
            for key in ("break-on", "continue-on")
            if key in values
        }
        return Retry(
            count=self._count(values["count"], "count", child(here, "count"), positions["count"]),
            delay=self._count(values["delay"], "delay", child(here, "delay"), positions["delay"]),
            break_on=conditions.get("break-on"),
            continue_on=conditions.get("continue-on"),
        )

    # -- on-success / on-error / on-complete -------------------------------------------------

    def _clause(self, body: Mapping, key: str, path: str) -> Clause | None:
        check = self.checker
        value, where, here = body[key], body.value_position(key), child(path, key)
        if isinstance(value, Mapping) and value and set(value) <= {"publish", "next"}:
            publish = self._clause_publish(value, key, here)
            targets = (
                self._targets(value["next"], key, child(here, "next"), value.value_position("next"))
                if "next" in value
                else ()
            )
            return Clause(targets, **publish)
        if isinstance(value, Mapping) and len(value) > 1:
            allowed = ("publish", "next")
            for name in value:
                if name not in allowed:
                    check.report(
                        value.key_position(name),
                        child(here, name),
                        f"unknown key {name!r} in {key}{suggestion(str(name), allowed)}",
                    )
            return None
        return Clause(self._targets(value, key, here, where))

    def _clause_publish(self, clause: Mapping, key: str, path: str) -> dict[str, Any]:
        if "publish" not in clause:
            return {}
        check = self.checker
        here, where = child(path, "publish"), clause.value_position("publish")
        body = check.mapping(clause["publish"], here, where, f"{key} publish")
        if body is None:
            return {}
        check.known_keys(body, PUBLISH_SCOPES, here, f"{key} publish")
        result: dict[str, Any] = {}
        for scope, field_name in zip(
            PUBLISH_SCOPES, ("publish", "publish_global", "atomic"), strict=True
        ):
            result[field_name] = {}
            if scope in body:
                scope_path, scope_where = child(here, scope), body.value_position(scope)
                if check.mapping(body[scope], scope_path, scope_where, f"publish {scope}"):
                    result[field_name] = check.compile(body[scope], scope_path, scope_where)
        return result

    def _targets(self, value: Any, key: str, path: str, where: Position) -> tuple[Target, ...]:
        if isinstance(value, str) or (isinstance(value, Mapping) and len(value) == 1):
            target = self._target_item(value, key, path, where)
            return (target,) if target else ()
        if isinstance(value, list) and value:
            found = (
                self._target_item(item, key, f"{path}[{index}]", value.item_position(index))
                for index, item in enumerate(value)
            )
            return tuple(target for target in found if target is not None)
        self.checker.report(
            where,
            path,
            f"{key} must be a task name, a list of task names and '{{task: <% condition %>}}' "
            f"entries, or a mapping with publish and next, not {describe(value)}",
        )
        return ()

    def _target_item(self, item: Any, key: str, path: str, where: Position) -> Target | None:
        check = self.checker
        condition = None
        if isinstance(item, Mapping) and len(item) == 1:
            text, raw_condition = next(iter(item.items()))
            condition = check.expression(
                raw_condition,
                path,
                item.value_position(text),
                f"the condition of {text!r} must be an expression like <% ... %>, "
                f"not {describe(raw_condition)}",
            )
        else:
            text = item
        if not isinstance(text, str) or not text.strip():
            check.report(
                where,
                path,
                f"{key} entries must be a task name or a one-key '{{task: <% condition %>}}' "
                f"mapping, not {describe(item)}",
            )
            return None
        parsed = check.inline_command(text, path, where)
        if parsed is None:
            return None
        name, params = parsed
        is_command = name in ENGINE_COMMANDS and name not in self.task_names
        if not is_command and name not in self.task_names:
            check.report(
                where,
                path,
                f"{key} refers to unknown task {name!r}{suggestion(name, self.task_names)}",
            )
            return None
        if is_command:
            for param in params:
                if param not in COMMAND_PARAMS[name]:
                    takes = "no parameters" if name == "noop" else "only msg"
                    check.report(
                        where, path, f"engine command {name!r} takes {takes}, not {param!r}"
                    )
        return Target(name, condition, params, is_command)

    # -- graph ---------------------------------------------------------------------------------

    def _direct_graph(self, spec: WorkflowSpec, data: Mapping, tasks: Mapping) -> WorkflowSpec:
        outbound: dict[str, tuple[str, ...]] = {}
        inbound: dict[str, list[str]] = {name: [] for name in spec.tasks}
        for name, task in spec.tasks.items():
            names = dict.fromkeys(
                target.name
                for clause in (task.on_success, task.on_error, task.on_complete, task.on_skip)
                if clause is not None
                for target in clause.targets
                if not target.is_command
            )
            outbound[name] = tuple(names)
            for target in names:
                if target in inbound:
                    inbound[target].append(name)
        start = tuple(name for name, sources in inbound.items() if not sources)
        if spec.tasks and not start and len(spec.tasks) == len(tasks):
            self.checker.report(
                data.key_position("tasks"),
                child(self.path, "tasks"),
                "a direct workflow needs a start task (one that no on-success, on-error or "
                "on-complete leads to), but every task is the target of another",
            )
        join_sources: dict[str, frozenset[str]] = {}
        for name, task in spec.tasks.items():
            if task.join is None:
                continue
            sources = inbound[name]
            join_sources[name] = frozenset(sources)
            needed = 1 if task.join == "all" else task.join
            if len(sources) < needed:
                found = ", ".join(sources) if sources else "none"
                self.checker.report(
                    tasks[name].value_position("join"),
                    child(child(self.path, "tasks"), name) + ".join",
                    f"join: {task.join} needs at least {needed} inbound "
                    f"task{'s' if needed > 1 else ''}, found {len(sources)} ({found})",
                )
        return replace(
            spec,
            start_tasks=start,
            inbound={name: tuple(sources) for name, sources in inbound.items()},
            outbound=outbound,
            join_sources=join_sources,
        )

    def _reverse_graph(self, spec: WorkflowSpec, tasks: Mapping) -> WorkflowSpec:
        """Order every task after its requirements; report a cycle of `requires`."""
        order: list[str] = []
        state: dict[str, int] = {}  # 1: being visited, 2: done
        for root in spec.tasks:
            if root in state:
                continue
            trail = [root]
            stack = [(root, iter(spec.tasks[root].requires))]
            state[root] = 1
            while stack:
                name, pending = stack[-1]
                required = next(pending, None)
                if required is None:
                    stack.pop()
                    trail.pop()
                    state[name] = 2
                    order.append(name)
                elif required not in state and required in spec.tasks:
                    state[required] = 1
                    trail.append(required)
                    stack.append((required, iter(spec.tasks[required].requires)))
                elif state.get(required) == 1:
                    cycle = trail[trail.index(required) :] + [required]
                    self._report_cycle(cycle, tasks)
        return replace(spec, order=tuple(order))

    def _report_cycle(self, cycle: list[str], tasks: Mapping) -> None:
        first = cycle[0]
        body = tasks.get(first)
        where = body.key_position("requires") if isinstance(body, Mapping) else tasks.position
        self.checker.report(
            where,
            child(child(self.path, "tasks"), first) + ".requires",
            f"requires forms a cycle: {' -> '.join(cycle)}",
        )


def _merge_default_clause(own: Clause | None, default: Clause, task: str) -> Clause | None:
    """Mistral: the task's own targets win; else the default targets, never the task itself."""
    if own is not None and own.targets:
        return own
    inherited = tuple(target for target in default.targets if target.name != task)
    if own is not None:
        return replace(own, targets=inherited)
    return Clause(inherited) if inherited else None


def check_version(check: Checker, data: Mapping, path: str) -> None:
    """`version` must be 2.0 (Mistral accepts '2.0', 2.0 and anything whose float is 2.0)."""
    here = child(path, "version")
    if "version" not in data:
        check.report(data.position, here, "version is required: add version: '2.0'")
        return
    value = data["version"]
    try:
        supported = not isinstance(value, bool) and float(value) == 2.0
    except (TypeError, ValueError):
        supported = False
    if not supported:
        check.report(
            data.value_position("version"),
            here,
            f"unsupported version {value!r}: only '2.0' is supported",
        )
