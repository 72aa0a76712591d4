"""The Executions pane: every workflow execution, live. Rows are keyed by execution id and
changed in place as the engine reports changes; durations of running ones tick each second.
Sub-workflow executions are folded under their root execution (right unfolds, left folds);
`space` marks executions for `d` to delete them together."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.binding import Binding
from textual.widgets import DataTable

from engine.api import ExecutionFilter, ExecutionSummary, NotFoundError, states
from engine.masking import mask_text
from tripleo_tui.changes import follow_changes
from tripleo_tui.messages import ExecutionFinished, OpenExecution
from tripleo_tui.screens.confirm import ConfirmScreen
from tripleo_tui.widgets import cells
from tripleo_tui.widgets.columns import Column
from tripleo_tui.widgets.list_pane import MARK_ALL_BINDINGS, MARK_BINDING, ListPane
from tripleo_tui.widgets.resource_table import MANY_GONE, ResourceTable

POLL_SECONDS = 3.0  # when another process runs the engine
POLL_NEWEST = 200
QUICK_STATES = (states.RUNNING, states.ERROR, states.SUCCESS, None)  # `f` cycles; None: all


def _took(execution: ExecutionSummary) -> float:
    """Seconds from creation to the end (to now while unfinished), for the duration sort."""
    began = cells.parse_time(execution.created_at)
    ended = cells.parse_time(execution.finished_at) or datetime.now(UTC)
    return (ended - began).total_seconds() if began else 0.0


# How each column sorts, and whether the largest comes first (the newest, the longest); `s`
# goes through them in this order.
SORTS: dict[str, tuple[Callable[[ExecutionSummary], Any], bool]] = {
    "created": (lambda ex: ex.created_at, True),
    "id": (lambda ex: ex.id, False),
    "workflow": (lambda ex: ex.workflow_name, False),
    "state": (lambda ex: ex.state, False),
    "duration": (_took, True),
    "info": (lambda ex: ex.state_info or "", False),
    "description": (lambda ex: ex.description, False),
}

if TYPE_CHECKING:
    from tripleo_tui.session import ConsoleSession


def _why_not_deleted(execution: ExecutionSummary) -> str | None:
    if not states.is_completed(execution.state):
        return f"{execution.workflow_name} is {execution.state}; cancel it first"
    if execution.task_execution_id:
        return f"{execution.workflow_name} is a sub-workflow; delete its parent execution"
    return None


class ExecutionsPane(ListPane):
    COLUMNS = (
        Column("mark", " ", 2),  # marked (*), and folded (▸) or unfolded (▾) sub-executions
        Column("id", "ID", 8),
        Column("workflow", "Workflow", 40, grow=True, min_width=16),
        Column("state", "State", 9),
        Column("duration", "Took", 6),
        Column("info", "State info", 24, grow=True, min_width=10),
        Column("created", "Created at", 19, min_width=0),
        Column("description", "Description", 20, grow=True, min_width=0),
    )
    BINDINGS: ClassVar = [
        Binding("p", "pause_resume", "Pause/resume", id="pause-resume"),
        Binding("c", "cancel", "Cancel", id="cancel-execution"),
        Binding("e", "failure", "Why failed", id="show-failure"),
        Binding("y", "copy_id", "Copy id", id="copy-id"),
        Binding("s", "sort", "Sort", id="sort-executions"),
        Binding("f", "quick_filter", "State filter", id="state-filter"),
        Binding("w", "workflow_filter", "Workflow filter", id="workflow-filter"),
        Binding("d", "delete", "Delete", id="delete-execution"),
        MARK_BINDING,
        *MARK_ALL_BINDINGS,
    ]

    def __init__(self, session: ConsoleSession, *, id: str) -> None:
        super().__init__(session, id=id)
        self._unfinished: set[str] = set()
        self.sort_column = "created"
        self.quick_state: str | None = None
        self.quick_workflow: str | None = None
        self._sort_by("created")
        self.table.parent_of = lambda execution: execution.root_execution_id

    @property
    def executions(self) -> dict[str, ExecutionSummary]:
        return self.table.model

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick)

    async def load(self) -> None:
        """Read every execution, then follow the engine's changes as they come.

        The list is read while the engine starts (the first rows show sooner); what could change
        before the subscription, the unfinished executions and the newest ones, is read again
        once subscribed. With the engine in another process, those are re-read on a timer.
        """
        found = await self.api.list_execution_summaries(ExecutionFilter(limit=None))
        self._unfinished = {ex.id for ex in found if not states.is_completed(ex.state)}
        self.table.show({ex.id: ex for ex in found})
        self.update_note()
        self.run_worker(self._freeze_when_filled(), group="freeze")
        await self.session.engine_ready.wait()
        async with follow_changes(self.api, self.session.engine_running) as feed:
            await self._poll()
            while True:
                changes = await feed.next(None if feed.live else POLL_SECONDS)
                if changes is None:
                    await self._poll()
                    continue
                for execution_id in {c.execution_id for c in changes if c.kind == "execution"}:
                    await self._reread(execution_id)

    async def _freeze_when_filled(self) -> None:
        """Once the rows are in, move every object so far out of the garbage collector's
        reach: with 10,000 rows its full passes took 100-200 ms, right in the middle of a key
        press. Those objects live as long as the console (rows are freed by refcount)."""
        await self.table.filled.wait()
        gc.freeze()

    async def _reread(self, execution_id: str) -> None:
        try:
            self.track(await self.api.get_execution(execution_id))
        except NotFoundError:  # deleted meanwhile
            self._forget([execution_id])

    async def _poll(self) -> None:
        """Without a change stream: the newest executions and every unfinished one."""
        newest = await self.api.list_execution_summaries(
            ExecutionFilter(limit=POLL_NEWEST, newest_first=True)
        )
        for record in reversed(newest):
            self.track(record)
        for execution_id in self._unfinished - {record.id for record in newest}:
            await self._reread(execution_id)

    def track(self, record: Any) -> None:
        """Show a new or changed execution; tell the app when one finishes."""
        execution = ExecutionSummary.of(record)
        before = self.executions.get(execution.id)
        self.table.upsert(execution.id, execution)
        if states.is_completed(execution.state):
            self._unfinished.discard(execution.id)
            if before is None or not states.is_completed(before.state):
                self.post_message(
                    ExecutionFinished(execution.id, execution.workflow_name, execution.state)
                )
        else:
            self._unfinished.add(execution.id)
        if before is None or before.state != execution.state:
            self.update_note()

    def render_row(self, execution: ExecutionSummary) -> cells.Cells:
        return (
            self._marks(execution.id),
            cells.text(execution.id[:8], "dim"),
            cells.text(self._indent(execution.id) + execution.workflow_name, "bold"),
            cells.state(execution.state),
            cells.duration(execution.created_at, execution.finished_at, datetime.now(UTC)),
            cells.text(
                mask_text(execution.state_info), "red" if execution.state == states.ERROR else ""
            ),
            cells.text(execution.created_at),
            cells.text(execution.description),
        )

    def _marks(self, execution_id: str) -> cells.Cell:
        mark = self.mark_cell(execution_id).plain or " "
        fold = " "
        if self.table.children_of(execution_id):
            fold = "▾" if execution_id in self.table.unfolded else "▸"
        return cells.Cell(mark + fold, "bold cyan")

    def _indent(self, execution_id: str) -> str:
        return "↳ " if self.table.parent_key(execution_id) is not None else ""

    def search_text(self, execution: ExecutionSummary) -> str:
        return " ".join(
            (
                execution.id,
                execution.workflow_name,
                execution.state,
                execution.created_at,
                execution.state_info or "",
                execution.description,
                mask_text(execution.input_text),  # a filter must not find a password
            )
        )

    def _tick(self) -> None:
        """Durations of unfinished executions grow while they run."""
        for execution_id in self._unfinished:
            self.table.redraw(execution_id)

    def update_note(self) -> None:
        unfinished = (self.executions.get(key) for key in self._unfinished)
        running = sum(1 for ex in unfinished if ex is not None and states.is_running(ex.state))
        label = next(column.label for column in self.COLUMNS if column.key == self.sort_column)
        arrow = "↓" if SORTS[self.sort_column][1] else "↑"
        only = " ".join(filter(None, (self.quick_state, self.quick_workflow)))
        shown = f" · only {only}" if only else ""
        self.set_note(
            f"{self.counted('executions')}, {running} running{shown} · sorted by {label} {arrow}"
            " · s: sort · f: state · w: workflow · d: delete · enter: open · e: why failed"
        )

    # ---- order and quick filter ------------------------------------------------------------

    def _sort_by(self, column: str) -> None:
        key, newest_first = SORTS[column]
        self.sort_column = column
        self.table.set_order(key, reverse=newest_first)

    def action_sort(self) -> None:
        """The next column's order (created, newest first, is the default); a click on a
        column's header sorts by it."""
        keys = list(SORTS)
        self._sort_by(keys[(keys.index(self.sort_column) + 1) % len(keys)])
        self.update_note()

    @on(ResourceTable.HeaderClicked)
    def _sort_by_clicked(self, event: ResourceTable.HeaderClicked) -> None:
        event.stop()
        if event.column in SORTS:
            self._sort_by(event.column)
            self.update_note()

    def action_quick_filter(self) -> None:
        """Only RUNNING, ERROR or SUCCESS executions, then all again."""
        at = QUICK_STATES.index(self.quick_state)
        self.quick_state = QUICK_STATES[(at + 1) % len(QUICK_STATES)]
        self._filter_quickly()

    def action_workflow_filter(self) -> None:
        """Only the executions of the workflow under the cursor, then all again."""
        current = self._current()
        if self.quick_workflow is None and current is None:
            return
        self.quick_workflow = None if self.quick_workflow else current.workflow_name
        self._filter_quickly()

    def _filter_quickly(self) -> None:
        state, workflow = self.quick_state, self.quick_workflow
        self.table.row_filter = (
            None
            if state is None and workflow is None
            else lambda ex: state in (None, ex.state) and workflow in (None, ex.workflow_name)
        )
        self.table.refill()
        self.update_note()

    # ---- actions ---------------------------------------------------------------------------

    def _current(self) -> ExecutionSummary | None:
        key = self.table.current_key
        return self.executions.get(key) if key else None

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        execution = self.executions.get(event.row_key.value)
        failed = execution is not None and execution.state == states.ERROR
        self.post_message(OpenExecution(event.row_key.value, failure=failed))

    def action_failure(self) -> None:
        execution = self._current()
        if execution is not None:
            self.post_message(OpenExecution(execution.id, failure=True))
        else:
            self.app.type_ahead.release()  # nothing opens: the keys typed are the list's

    @work(group="execution-action", exit_on_error=False)
    async def action_pause_resume(self) -> None:
        execution = self._current()
        if execution is not None:
            await self.session.pause_or_resume(execution)

    @work(group="execution-action", exit_on_error=False)
    async def action_cancel(self) -> None:
        execution = self._current()
        if execution is not None:
            await self.session.cancel_execution(execution)

    @work(group="execution-action", exit_on_error=False)
    async def action_delete(self) -> None:
        """Delete the marked executions that are finished (else the one under the cursor) with
        their sub-executions, after a confirmation that counts and names them."""
        targets = self.targets()
        refusals = [why for why in map(_why_not_deleted, targets) if why]
        chosen = [execution for execution in targets if not _why_not_deleted(execution)]
        if not chosen:
            if refusals:
                more = f" (and {len(refusals) - 1} more)" if len(refusals) > 1 else ""
                self.notify(f"Not deleted: {refusals[0]}{more}", severity="warning", markup=False)
            return
        question = (
            "Delete 1 finished execution and its tasks?"
            if len(chosen) == 1
            else f"Delete {len(chosen)} finished executions and their tasks?"
        )
        if refusals:
            question += f" ({len(refusals)} marked left: unfinished or sub-workflows)"
        named = [f"{ex.id[:8]} {ex.workflow_name} ({ex.state})" for ex in chosen]
        if not await self.app.push_screen_wait(ConfirmScreen(question, named)):
            return
        for execution in chosen:
            with contextlib.suppress(NotFoundError):  # deleted meanwhile: gone all the same
                await self.api.delete_execution(execution.id)
        self._forget([execution.id for execution in chosen])
        self.notify(
            f"Deleted execution {chosen[0].id[:8]}"
            if len(chosen) == 1
            else f"Deleted {len(chosen)} executions"
        )

    def _forget(self, execution_ids: list[str]) -> None:
        """Take deleted executions and their sub-executions off the list."""
        gone = {*execution_ids}
        for execution_id in execution_ids:
            gone.update(self.table.children_of(execution_id))
        self._unfinished -= gone
        if len(gone) > MANY_GONE:
            self.table.show({key: ex for key, ex in self.executions.items() if key not in gone})
        else:
            for key in gone:
                self.table.remove(key)
        if self.marked & gone:
            self.set_marks(self.marked - gone)
        self.update_note()

    def action_copy_id(self) -> None:
        execution = self._current()
        if execution is not None:
            self.app.copy_to_clipboard(execution.id)
            self.notify(f"Copied {execution.id}")
