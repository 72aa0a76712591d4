"""The Messages pane: what workflows posted to queues (TripleO's zaqar messages), newest last.

Queues live in the state file (engine.store.queues), read as the CLI's queue commands read them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.binding import Binding
from textual.widgets import DataTable

from engine.api import EngineError
from tripleo_tui.changes import follow_changes
from tripleo_tui.messages import OpenExecution
from tripleo_tui.widgets import cells
from tripleo_tui.widgets.columns import Column
from tripleo_tui.widgets.list_pane import ListPane

REREAD_SECONDS = 5.0

if TYPE_CHECKING:
    from tripleo_tui.session import ConsoleSession


class MessagesPane(ListPane):
    COLUMNS = (  # as a log reads; the message before the type, so it keeps the room at 80
        Column("posted", "Posted at", 19, min_width=0),
        Column("status", "Status", 8),
        Column("message", "Message", 40, grow=True, min_width=10),
        Column("type", "Type", 32, grow=True, min_width=12),
        Column("queue", "Queue", 10, grow=True, min_width=0),
        Column("execution", "Execution", 9, min_width=0),
    )
    BINDINGS: ClassVar = [Binding("y", "copy", "Copy message", id="copy-message")]

    def __init__(self, session: ConsoleSession, *, id: str) -> None:
        super().__init__(session, id=id)
        self._last_seen: dict[str, str] = {}  # queue -> id of the last message read
        self.table.follow_end = True

    async def load(self) -> None:
        """Read new messages when a task changes (workflows post from tasks), and every few
        seconds for messages other processes post."""
        await self.session.engine_ready.wait()
        async with follow_changes(self.api, self.session.engine_running) as feed:
            try:
                await self._read_new()
            except EngineError as unavailable:  # a backend without queues says why
                self.set_note(str(unavailable))
                return
            while True:
                changes = await feed.next(REREAD_SECONDS)
                if changes is None or any(change.kind == "task" for change in changes):
                    await self._read_new()

    async def _read_new(self) -> None:
        for queue in await self.api.list_queues():
            after = self._last_seen.get(queue.name)
            for message in await self.api.list_messages(queue.name, after=after):
                self.table.upsert(message.id, message)
                self._last_seen[queue.name] = message.id
        self.update_note()

    def update_note(self) -> None:
        self.set_note(f"{self.counted('messages')} · enter: open the execution · y: copy")

    @property
    def messages(self) -> dict[str, Any]:
        return self.table.model

    def render_row(self, message: Any) -> cells.Cells:
        """A MessageRecord: the store reads type, status, message and execution from the body."""
        return (
            cells.text(message.created_at),
            cells.state(message.status),
            cells.text(message.message),
            cells.text(message.type),
            cells.text(message.queue_name),
            cells.text((message.execution_id or "")[:8], "dim"),
        )

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        message = self.messages.get(event.row_key.value)
        if message is not None and message.execution_id:
            self.post_message(OpenExecution(message.execution_id))
        else:
            self.app.type_ahead.release()  # nothing opens: the keys typed are the list's

    def action_copy(self) -> None:
        key = self.table.current_key
        if key in self.messages:
            text = cells.compact_json(self.messages[key].body)
            self.app.copy_to_clipboard(text)
            self.notify(f"Copied {len(text)} characters")
