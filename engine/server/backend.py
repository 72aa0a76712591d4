"""What the server asks of the engine: the one place it depends on engine.api.

The server calls the definition, execution, task, action-execution and environment methods of
the api unchanged; this adds the two reads Mistral's API needs and the api does not offer: a
keyset page of executions (marker, sort keys, filters) and a workflow's interface.
"""

from __future__ import annotations

from typing import Any

from engine.api import Api
from engine.store.executions import ExecutionRecord
from engine.store.pages import Page, execution_page


class Backend:
    """The engine's api as the server uses it (methods it does not add pass through)."""

    def __init__(self, api: Api) -> None:
        self.api = api

    def __getattr__(self, name: str) -> Any:
        return getattr(self.api, name)

    async def execution_page(self, page: Page, *, with_output: bool) -> list[ExecutionRecord]:
        return await execution_page(self.api.store, page, with_output=with_output)

    async def sub_executions(self, task_id: str) -> list[ExecutionRecord]:
        """The workflow executions a task started."""
        return await self.api.list_executions(task_execution_id=task_id, limit=None)

    async def workflow_interface(self, id_or_name: str) -> dict[str, Any]:
        """`{"input": [name | {name: default}], "output": [key]}`, as Mistral shows it."""
        spec = await self.api.get_workflow_spec(id_or_name)
        inputs = [p.name if p.required else {p.name: p.default} for p in spec.input]
        return {"input": inputs, "output": list(spec.output)}
