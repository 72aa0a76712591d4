"""The Executions pane: every workflow execution, live. Rows are keyed by execution id and
changed in place as the engine reports changes; durations of running ones tick each second."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any, ClassVar

from textual import on, work
from textual.binding import Binding
from textual.widgets import DataTable

from engine.core import states
from engine.store import NotFoundError
from tripleo_tui.messages import ExecutionFinished
from tripleo_tui.widgets import cells
from tripleo_tui.widgets.list_pane import ListPane
from tripleo_tui.widgets.resource_table import Column


class ExecutionsPane(ListPane):
    COLUMNS = (
        Column("id", "ID", 8),
        Column("workflow", "Workflow", 30),
        Column("state", "State", 9),
        Column("duration", "Took", 7),
        Column("created", "Created at", 19),
        Column("info", "State info", 30),
        Column("description", "Description", 30),
    )
    BINDINGS: ClassVar = [
        Binding("p", "pause_resume", "Pause/resume", id="pause-resume"),
        Binding("c", "cancel", "Cancel", id="cancel-execution"),
        Binding("y", "copy_id", "Copy id", id="copy-id"),
    ]

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.executions: dict[str, Any] = {}
        self.table.follow_end = True

    def on_mount(self) -> None:
        super().on_mount()
        self.set_interval(1.0, self._tick)

    async def load(self) -> None:
        """Subscribe to the engine's changes, then read every execution, then apply each change
        as it comes: subscribing first means no change can slip in between."""
        stream = self.api.subscribe()
        next_changes = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0)  # the subscription takes its queue on its first step
        try:
            found = await self.api.list_executions(limit=None)
            self.executions = {execution.id: execution for execution in found}
            now = datetime.now(UTC)
            self.table.show({ex.id: self._cells(ex, now) for ex in found})
            self._update_note()
            while True:
                changes = await next_changes
                next_changes = asyncio.ensure_future(anext(stream))
                changed = {c.execution_id for c in changes if c.kind == "execution"}
                for execution_id in changed:
                    try:
                        self.track(await self.api.get_execution(execution_id))
                    except NotFoundError:  # deleted meanwhile
                        self.executions.pop(execution_id, None)
                        self.table.remove(execution_id)
        finally:
            next_changes.cancel()
            await stream.aclose()

    def track(self, execution: Any) -> None:
        """Show a new or changed execution; tell the app when one finishes."""
        before = self.executions.get(execution.id)
        self.executions[execution.id] = execution
        self.table.upsert(execution.id, self._cells(execution, datetime.now(UTC)))
        if states.is_completed(execution.state) and (
            before is None or not states.is_completed(before.state)
        ):
            self.post_message(
                ExecutionFinished(execution.id, execution.workflow_name, execution.state)
            )
        if before is None:
            self._update_note()

    def _cells(self, execution: Any, now: datetime) -> cells.Cells:
        end = execution.updated_at if states.is_completed(execution.state) else None
        return (
            cells.text(execution.id[:8], "dim"),
            cells.text(execution.workflow_name, "bold"),
            cells.state(execution.state),
            cells.duration(execution.created_at, end, now),
            cells.text(execution.created_at),
            cells.text(execution.state_info, "red" if execution.state == states.ERROR else ""),
            cells.text(execution.description),
        )

    def _tick(self) -> None:
        """Durations of unfinished executions grow while they run."""
        now = datetime.now(UTC)
        for execution_id, execution in self.executions.items():
            if not states.is_completed(execution.state) and execution_id in self.table.rows:
                self.table.update_cell(
                    execution_id, "duration", cells.duration(execution.created_at, None, now)
                )

    def _update_note(self) -> None:
        running = sum(1 for ex in self.executions.values() if states.is_running(ex.state))
        self.set_note(
            f"{len(self.executions)} executions, {running} running · enter: open · "
            "p: pause/resume · c: cancel · y: copy id"
        )

    # ---- actions ---------------------------------------------------------------------------

    def _current(self) -> Any | None:
        key = self.table.current_key
        return self.executions.get(key) if key else None

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        self.app.open_execution(event.row_key.value)

    @work(group="execution-action", exit_on_error=False)
    async def action_pause_resume(self) -> None:
        execution = self._current()
        if execution is not None:
            await self.app.pause_or_resume(execution)

    @work(group="execution-action", exit_on_error=False)
    async def action_cancel(self) -> None:
        execution = self._current()
        if execution is not None:
            await self.app.cancel_execution(execution)

    def action_copy_id(self) -> None:
        execution = self._current()
        if execution is not None:
            self.app.copy_to_clipboard(execution.id)
            self.notify(f"Copied {execution.id}")
