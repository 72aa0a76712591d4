"""The console's typed service object: the backend once it is open, whether this process runs
the engine, and the changes the engine makes (start, pause or resume, cancel, rerun).

The app makes one and gives it to every pane and screen, so they call it instead of methods
on an untyped `self.app`. Engine writes wait until the engine question is settled (run here,
or another process's), so a hand-off never races the start of our own engine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual.app import App

from engine.api import Backend, ExecutionRecord, states
from tripleo_tui.screens.confirm import ConfirmScreen


class ConsoleSession:
    def __init__(
        self,
        app: App[Any],
        ironic_client: Callable[[], Any],
        track: Callable[[ExecutionRecord], None],
    ) -> None:
        self.app = app  # Textual's own API only: notify, push_screen_wait
        self.ironic_client = ironic_client  # blocking; called in a thread
        self._track = track  # shows a new or changed execution at once
        self.api: Backend | None = None
        self.api_ready = asyncio.Event()  # set once the state file is open (or failed to)
        self.engine_ready = asyncio.Event()  # set once the engine runs here, or cannot
        self.engine_running = False  # False: another process runs it, or none could start

    async def opened(self) -> Backend | None:
        """The backend once open; None if it could not be opened."""
        await self.api_ready.wait()
        return self.api

    async def engine(self) -> Backend:
        """The backend, for a change the engine makes (here, or handed to another process)."""
        await self.engine_ready.wait()
        return self.api

    async def start_execution(
        self,
        workflow: str,
        workflow_input: dict[str, Any],
        *,
        params: dict[str, Any] | None = None,
        description: str = "",
    ) -> ExecutionRecord:
        api = await self.engine()
        execution = await api.start_execution(workflow, workflow_input, params or {}, description)
        self._track(execution)
        self.app.notify(f"Started {workflow} ({execution.id[:8]})")
        return execution

    async def pause_or_resume(self, execution: Any) -> None:
        if states.is_completed(execution.state):
            self.app.notify(f"{execution.workflow_name} is {execution.state}", severity="warning")
            return
        new_state = states.RUNNING if execution.state == states.PAUSED else states.PAUSED
        api = await self.engine()
        self._changed(await api.update_execution(execution.id, state=new_state))

    async def cancel_execution(self, execution: Any) -> None:
        """Cancel after the user confirms (call it from a worker: it waits for the dialog)."""
        if states.is_completed(execution.state):
            self.app.notify(
                f"{execution.workflow_name} is already {execution.state}", severity="warning"
            )
            return
        confirmed = await self.app.push_screen_wait(
            ConfirmScreen("Cancel this execution?", [f"{execution.workflow_name} ({execution.id})"])
        )
        if confirmed:
            api = await self.engine()
            changed = await api.update_execution(
                execution.id, state=states.CANCELLED, state_info="Cancelled from the console"
            )
            self._changed(changed)

    async def rerun_task(self, task_id: str) -> None:
        api = await self.engine()
        await api.rerun_task(task_id)

    def _changed(self, execution: ExecutionRecord) -> None:
        self._track(execution)
        self.app.notify(f"{execution.workflow_name} ({execution.id[:8]}): {execution.state}")
