"""An in-memory ExecutionData: the real interface the engine implements, fed from lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class MemoryExecutionData:
    """Tasks of one workflow execution (plus sub-executions) held in lists, oldest first."""

    execution_record: dict
    task_records: list[dict] = field(default_factory=list)
    execution_records: list[dict] = field(default_factory=list)
    environment: dict = field(default_factory=dict)
    globals: dict = field(default_factory=dict)

    def task(self, name: str) -> dict | None:
        own = self.execution_record["id"]
        matching = [
            t for t in self.task_records if t["name"] == name and t["workflow_execution_id"] == own
        ]
        return matching[-1] if matching else None

    def task_by_id(self, task_execution_id: str) -> dict | None:
        return next((t for t in self.task_records if t["id"] == task_execution_id), None)

    def tasks(
        self, workflow_execution_id: str | None, recursive: bool, state: str | None, flat: bool
    ) -> list[dict]:
        return [
            t
            for t in self.task_records
            if workflow_execution_id in (None, t["workflow_execution_id"])
            and state in (None, t["state"])
        ]

    def execution(self) -> dict:
        return self.execution_record

    def executions(
        self,
        id: str | None,
        root_execution_id: str | None,
        state: str | None,
        from_time: str | None,
        to_time: str | None,
    ) -> list[dict]:
        return [
            e
            for e in self.execution_records
            if id in (None, e["id"])
            and root_execution_id in (None, e.get("root_execution_id"))
            and state in (None, e.get("state"))
        ]

    def env(self) -> dict:
        return self.environment

    def global_var(self, name: str) -> Any:
        return self.globals.get(name)


def task_record(id: str, name: str, state: str = "SUCCESS", result: Any = None, wf: str = "wf-1"):
    return {
        "id": id,
        "name": name,
        "spec": {"action": "std.noop"},
        "state": state,
        "state_info": None,
        "result": result,
        "published": {},
        "type": "ACTION",
        "workflow_execution_id": wf,
    }
