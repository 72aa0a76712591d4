"""Our records as Mistral's v2 API resources (mistral/api/controllers/v2/resources.py), and
back: the server (engine.server) writes them, the hand-off client (engine.api.handoff) reads
them.

Mistral sends its JSON-typed fields (`input`, `output`, `params`, `published`, `variables`,
...) as JSON text inside the JSON body, and python-mistralclient reads them that way
(`json.loads(execution.output)`), so these do too. Namespaces are always the default ''.
"""

from __future__ import annotations

import json
from typing import Any

from engine.api.types import (
    ActionExecutionRecord,
    CronTriggerRecord,
    ExecutionRecord,
    TaskRecord,
)
from engine.store.definitions import DEFAULT_PROJECT


def json_text(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def workbook(record: Any) -> dict[str, Any]:
    return {
        "id": record.name,
        "name": record.name,
        "namespace": "",
        "definition": record.definition,
        "tags": list(record.tags),
        "scope": record.scope,
        "project_id": record.project_id,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def workflow(record: Any, interface: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "namespace": record.namespace or "",
        "input": record.input,
        "interface": json_text(interface),
        "definition": record.definition,
        "tags": list(record.tags),
        "scope": record.scope,
        "project_id": record.project_id,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def action(record: Any) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "namespace": "",
        "is_system": record.is_system,
        "input": record.input,
        "description": record.description,
        "tags": list(record.tags),
        "definition": record.definition,
        "scope": record.scope,
        "project_id": record.project_id,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def execution(record: Any) -> dict[str, Any]:
    return {
        "id": record.id,
        "workflow_id": record.workflow_id,
        "workflow_name": record.workflow_name,
        "workflow_namespace": "",
        "description": record.description,
        "tags": [],
        "params": json_text(record.params),
        "task_execution_id": record.task_execution_id,
        "root_execution_id": record.root_execution_id,
        "state": record.state,
        "state_info": record.state_info,
        "input": json_text(record.input),
        "output": json_text(record.output),
        "project_id": DEFAULT_PROJECT,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def task(record: Any) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "type": record.type,
        "workflow_name": record.workflow_name,
        "workflow_namespace": "",
        "workflow_id": None,
        "workflow_execution_id": record.workflow_execution_id,
        "tags": [],
        "state": record.state,
        "state_info": record.state_info,
        "result": json.dumps(record.result),
        "published": json_text(record.published),
        "processed": record.finished_at is not None,
        "project_id": DEFAULT_PROJECT,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "started_at": record.started_at,
        "finished_at": record.finished_at,
    }


def action_execution(record: Any) -> dict[str, Any]:
    return {
        "id": record.id or None,
        "name": record.name,
        "workflow_name": record.workflow_name,
        "workflow_namespace": "",
        "task_name": record.task_name,
        "task_execution_id": record.task_execution_id,
        "state": record.state,
        "state_info": record.state_info,
        "tags": [],
        "description": record.description,
        "accepted": record.accepted,
        "input": json_text(record.input),
        "output": json_text(record.output),
        "params": None,
        "project_id": DEFAULT_PROJECT,
        "created_at": record.created_at or None,
        "updated_at": record.updated_at,
    }


def environment(record: Any) -> dict[str, Any]:
    return {
        "id": record.name,
        "name": record.name,
        "description": record.description,
        "variables": json_text(record.variables),
        "scope": record.scope,
        "project_id": DEFAULT_PROJECT,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def cron_trigger(record: Any) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "workflow_name": record.workflow_name,
        "workflow_id": record.workflow_id,
        "workflow_input": json_text(record.workflow_input),
        "workflow_params": json_text(record.workflow_params),
        "project_id": record.project_id,
        "scope": record.scope,
        "pattern": record.pattern,
        "remaining_executions": record.remaining_executions,
        "first_execution_time": record.first_execution_time,
        "next_execution_time": record.next_execution_time,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


# ---- back to records -------------------------------------------------------------------------


def _loads(text: str | None, default: Any = None) -> Any:
    return default if text is None else json.loads(text)


def execution_record(data: dict[str, Any]) -> ExecutionRecord:
    return ExecutionRecord(
        id=data["id"],
        workflow_id=data.get("workflow_id"),
        workflow_name=data["workflow_name"],
        description=data.get("description") or "",
        task_execution_id=data.get("task_execution_id"),
        root_execution_id=data.get("root_execution_id"),
        state=data["state"],
        state_info=data.get("state_info"),
        input=_loads(data.get("input"), {}),
        output=_loads(data.get("output")),
        params=_loads(data.get("params"), {}),
        created_at=data["created_at"],
        updated_at=data.get("updated_at"),
    )


def task_record(data: dict[str, Any]) -> TaskRecord:
    return TaskRecord(
        id=data["id"],
        name=data["name"],
        workflow_name=data["workflow_name"],
        workflow_execution_id=data["workflow_execution_id"],
        type=data["type"],
        state=data["state"],
        state_info=data.get("state_info"),
        result=_loads(data.get("result")),
        published=_loads(data.get("published"), {}),
        created_at=data["created_at"],
        updated_at=data.get("updated_at"),
        started_at=data.get("started_at"),
        finished_at=data.get("finished_at"),
    )


def action_execution_record(data: dict[str, Any]) -> ActionExecutionRecord:
    return ActionExecutionRecord(
        id=data.get("id") or "",
        name=data["name"],
        workflow_name=data.get("workflow_name"),
        task_name=data.get("task_name"),
        task_execution_id=data.get("task_execution_id"),
        state=data["state"],
        state_info=data.get("state_info"),
        accepted=bool(data.get("accepted")),
        input=_loads(data.get("input"), {}),
        output=_loads(data.get("output")),
        description=data.get("description") or "",
        created_at=data.get("created_at") or "",
        updated_at=data.get("updated_at"),
    )


def cron_trigger_record(data: dict[str, Any]) -> CronTriggerRecord:
    """A trigger from our API's JSON or Mistral's (which may leave out fields it has not set)."""
    return CronTriggerRecord(
        id=data["id"],
        name=data["name"],
        workflow_name=data.get("workflow_name") or "",
        workflow_id=data.get("workflow_id") or "",
        workflow_input=_loads(data.get("workflow_input"), {}),
        workflow_params=_loads(data.get("workflow_params"), {}),
        pattern=data.get("pattern"),
        first_execution_time=data.get("first_execution_time"),
        next_execution_time=data.get("next_execution_time") or "",
        remaining_executions=data.get("remaining_executions"),
        scope=data.get("scope") or "private",
        project_id=data.get("project_id") or "",
        created_at=data.get("created_at") or "",
        updated_at=data.get("updated_at"),
    )
