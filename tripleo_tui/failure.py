"""Why an execution failed, in full: the chain from the workflow down to the deepest failed task
and its action execution, each with its own state info, and the action's input and result
(where Ironic's HTTP error or a YAQL error's deciding part is). Secrets are masked.

Shown by the error view (screens/failure.py) and summed up in a toast (`headline`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import yaml

from engine.api import Backend, ExecutionFilter, states
from engine.masking import execution_secrets, mask_record

FAILED = (states.ERROR, states.CANCELLED)
NO_VALUE = object()


@dataclass(frozen=True)
class Link:
    """One step of the chain: a workflow execution, a task or an action execution."""

    kind: str  # "workflow", "task" or "action"
    name: str
    id: str
    state: str
    state_info: str | None
    input: Any = NO_VALUE
    result: Any = NO_VALUE


async def failure_chain(api: Backend, execution_id: str) -> list[Link]:
    """From the execution down: at each level the last failed task, into its sub-workflow or
    its last failed action execution."""
    execution = await api.get_execution(execution_id)
    secrets = await execution_secrets(execution, api.get_execution)
    chain: list[Link] = []
    while execution is not None:
        execution = mask_record(execution, secrets)
        chain.append(
            Link(
                "workflow",
                execution.workflow_name,
                execution.id,
                execution.state,
                execution.state_info,
                input=execution.input,
            )
        )
        execution = await _descend(api, execution.id, secrets, chain)
    return chain


async def _descend(api: Backend, execution_id: str, secrets, chain: list[Link]) -> Any:
    """Add the last failed task (and its action) to `chain`; the failed sub-execution, if any."""
    tasks = [
        task for task in await api.list_tasks(execution_id, limit=None) if task.state in FAILED
    ]
    if not tasks:
        return None
    task = mask_record(
        max(tasks, key=lambda task: task.finished_at or task.updated_at or ""), secrets
    )
    chain.append(Link("task", task.name, task.id, task.state, task.state_info, result=task.result))
    if task.type == "WORKFLOW":
        subs = await api.list_executions(ExecutionFilter(task_execution_id=task.id, limit=None))
        failed = [sub for sub in subs if sub.state in FAILED]
        return failed[-1] if failed else None
    actions = [
        action
        for action in await api.list_action_executions(task.id, limit=None)
        if action.state in FAILED
    ]
    if actions:
        action = mask_record(actions[-1], secrets)
        chain.append(
            Link(
                "action",
                action.name,
                action.id,
                action.state,
                action.state_info,
                input=action.input,
                result=action.output,
            )
        )
    return None


def headline(chain: list[Link]) -> str:
    """`task <name>: <first line of the deepest reason>`, for a toast."""
    tasks = [link for link in chain if link.kind == "task"]
    reason = next((link.state_info for link in reversed(chain) if link.state_info), "")
    first_line = (reason or "no reason recorded").strip().splitlines()[0]
    return f"task {tasks[-1].name}: {first_line}" if tasks else first_line


def as_yaml(value: Any) -> str:
    """A value as block YAML (null, true, quoted strings), never a Python repr."""
    plain = json.loads(json.dumps(value, default=str))
    return yaml.safe_dump(plain, sort_keys=False, allow_unicode=True, width=10_000).rstrip()


def report(chain: list[Link]) -> str:
    """The chain as plain text: what the error view shows and `y` copies. A link above the
    last shows only its own part of the state info (Mistral repeats the levels below in it);
    a task's result shows when nothing follows it and it says more than its state info."""
    parts = []
    for depth, link in enumerate(chain):
        info = (link.state_info or "").strip()
        if link is not chain[-1]:
            info = info.split("\n\n")[0]
        lines = [f"{link.kind} {link.name}  {link.state}  ({link.id})"]
        if info:
            lines += ["state info:", _indent(info)]
        for title, value in (("input:", link.input), ("result:", link.result)):
            if value is NO_VALUE or value in (None, {}, []):
                continue
            if link.kind == "task" and (link is not chain[-1] or _says(value) == info):
                continue
            lines += [title, _indent(as_yaml(value))]
        parts.append(_indent("\n".join(lines), "  " * depth))
    return "\n\n".join(parts)


def _says(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _indent(text: str, prefix: str = "  ") -> str:
    return "\n".join(f"{prefix}{line}" for line in text.splitlines())
