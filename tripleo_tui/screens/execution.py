"""One execution: its summary, tasks (state, timing, published, result), input, output and
sub-workflow executions. Refreshed in place each second until it completes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static, TabbedContent, TabPane

from engine.api import Backend, ExecutionFilter, states
from engine.masking import execution_secrets, mask_record
from tripleo_tui.changes import follow_changes
from tripleo_tui.messages import OpenExecution
from tripleo_tui.screens.failure import FailureScreen
from tripleo_tui.screens.graph import GraphScreen
from tripleo_tui.widgets import cells
from tripleo_tui.widgets.columns import Column
from tripleo_tui.widgets.json_view import JsonView
from tripleo_tui.widgets.key_bar import KeyBar
from tripleo_tui.widgets.resource_table import ResourceTable

if TYPE_CHECKING:
    from tripleo_tui.session import ConsoleSession

REFRESH_SECONDS = 1.0

TASK_COLUMNS = (
    Column("name", "Task", 30, grow=True, min_width=12),
    Column("state", "State", 9),
    Column("took", "Took", 6),
    Column("retries", "Retries", 7),
    Column("info", "State info", 30, grow=True, min_width=10),
    Column("started", "Started at", 19, min_width=0),
)
SUB_COLUMNS = (
    Column("id", "ID", 8),
    Column("workflow", "Workflow", 40, grow=True, min_width=16),
    Column("state", "State", 9),
    Column("took", "Took", 6),
    Column("info", "State info", 30, grow=True, min_width=10),
)


def summary(execution: Any, now: datetime) -> Table:
    end = execution.updated_at if states.is_completed(execution.state) else None
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row("Workflow", Text(execution.workflow_name, style="bold"))
    grid.add_row(
        "State",
        Text.assemble(
            cells.state(execution.state).as_text(),
            f"  took {cells.duration(execution.created_at, end, now).plain}",
        ),
    )
    grid.add_row("ID", execution.id)
    grid.add_row("Created at", execution.created_at or "")
    if execution.state_info:
        grid.add_row("State info", Text(execution.state_info, style="red"))
    if execution.description:
        grid.add_row("Description", execution.description)
    return grid


def task_cells(task: Any) -> cells.Cells:
    end = task.finished_at or (task.updated_at if states.is_completed(task.state) else None)
    return (
        cells.text(task.name, "bold"),
        cells.state(task.state),
        cells.duration(task.started_at or task.created_at, end, datetime.now(UTC)),
        cells.text(task.retries or None),
        cells.text(task.state_info, "red" if task.state == states.ERROR else ""),
        cells.text(task.started_at),
    )


def sub_cells(execution: Any) -> cells.Cells:
    end = execution.updated_at if states.is_completed(execution.state) else None
    return (
        cells.text(execution.id[:8], "dim"),
        cells.text(execution.workflow_name, "bold"),
        cells.state(execution.state),
        cells.duration(execution.created_at, end, datetime.now(UTC)),
        cells.text(execution.state_info),
    )


class ExecutionScreen(Screen):
    BINDINGS: ClassVar = [  # the most used first: a narrow key bar drops the last
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("e", "failure", "Why failed", id="show-failure"),
        Binding("p", "pause_resume", "Pause/resume", id="pause-resume"),
        Binding("c", "cancel", "Cancel", id="cancel-execution"),
        Binding("R", "rerun", "Rerun task", id="rerun-task"),
        Binding("g", "graph", "Task graph", id="task-graph", priority=True),
        Binding("y", "copy", "Copy", id="copy"),
        Binding("right_square_bracket", "next_tab(1)", "Next tab", id="next-tab"),
        Binding("left_square_bracket", "next_tab(-1)", "Previous tab", show=False, id="prev-tab"),
    ]
    DEFAULT_CSS = """
    ExecutionScreen #summary { height: auto; max-height: 50%; padding: 0 1; overflow-y: auto; }
    ExecutionScreen #parts { height: 1fr; }
    ExecutionScreen #tasks-table { height: 1fr; min-height: 4; }
    ExecutionScreen #task-detail { height: 1fr; border-top: solid $primary; }
    """

    def __init__(self, session: ConsoleSession, execution_id: str) -> None:
        super().__init__()
        self.session = session
        self.execution_id = execution_id
        self.execution: Any = None
        self.tasks: dict[str, Any] = {}
        self.subs: list[Any] = []
        self.sub_title = f"Execution {execution_id}"
        self._task_shown: tuple[str, str] | None = None  # (task id, state) in the detail view

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("loading…", id="summary")
        with TabbedContent(id="parts"):
            with TabPane("Tasks", id="tab-tasks"), Vertical():
                yield ResourceTable(TASK_COLUMNS, render=task_cells, id="tasks-table")
                yield JsonView({}, id="task-detail")
            with TabPane("Input", id="tab-input"):
                yield JsonView({}, id="input")
            with TabPane("Output", id="tab-output"):
                yield JsonView({}, id="output")
            with TabPane("Sub-executions", id="tab-subs"):
                yield ResourceTable(SUB_COLUMNS, render=sub_cells, id="subs-table")
            with TabPane("Params", id="tab-params"):
                yield JsonView({}, id="params")
        yield KeyBar()

    @property
    def api(self) -> Backend:
        return self.session.api

    def on_mount(self) -> None:
        self.query_one("#tasks-table").focus()
        self.run_worker(self._follow(), group="follow", exit_on_error=False)
        self.set_interval(REFRESH_SECONDS, self._tick)

    async def _follow(self) -> None:
        """Read the execution again whenever the engine reports a change under it (each second
        while it runs, when another process runs the engine)."""
        await self.session.engine_ready.wait()
        async with follow_changes(self.api, self.session.engine_running) as feed:
            self.refresh_execution()
            while True:
                changes = await feed.next(None if feed.live else REFRESH_SECONDS)
                if changes is None:
                    if self.execution is None or not states.is_completed(self.execution.state):
                        self.refresh_execution()
                elif any(self._concerns(change) for change in changes):
                    self.refresh_execution()

    def _concerns(self, change: Any) -> bool:
        ours = {self.execution_id, getattr(self.execution, "root_execution_id", None)}
        return change.execution_id in ours or change.root_execution_id in ours

    def _tick(self) -> None:
        """Running durations grow."""
        if self.execution is None or states.is_completed(self.execution.state):
            return
        self.query_one("#summary", Static).update(summary(self.execution, datetime.now(UTC)))
        table = self.query_one("#tasks-table", ResourceTable)
        for task in self.tasks.values():
            if not states.is_completed(task.state):
                table.redraw(task.id)

    @work(group="refresh", exclusive=True, exit_on_error=False)
    async def refresh_execution(self) -> None:
        execution = await self.api.get_execution(self.execution_id)
        tasks = await self.api.list_tasks(self.execution_id, limit=None)
        subs = []
        for task in tasks:
            if task.type == "WORKFLOW":
                subs += await self.api.list_executions(
                    ExecutionFilter(task_execution_id=task.id, limit=None)
                )
        secrets = await execution_secrets(execution, self.api.get_execution)
        self.show(
            mask_record(execution, secrets),
            [mask_record(task, secrets) for task in tasks],
            [mask_record(sub, secrets) for sub in subs],
        )
        self._show_task_detail()

    def show(self, execution: Any, tasks: list[Any], subs: list[Any]) -> None:
        now = datetime.now(UTC)
        self.execution = execution
        self.tasks = {task.id: task for task in tasks}
        self.query_one("#summary", Static).update(summary(execution, now))
        self.query_one("#tasks-table", ResourceTable).show({task.id: task for task in tasks})
        self.query_one("#input", JsonView).show(execution.input)
        self.query_one("#output", JsonView).show(execution.output)
        self.query_one("#params", JsonView).show(execution.params)
        self.subs = subs
        self.query_one("#subs-table", ResourceTable).show({ex.id: ex for ex in subs})
        tab = self.query_one("#parts", TabbedContent).get_tab("tab-subs")
        label = f"Sub-executions ({len(subs)})"
        if tab.label.plain != label:
            tab.label = label

    # ---- the selected task ---------------------------------------------------------------

    def selected_task(self) -> Any | None:
        key = self.query_one("#tasks-table", ResourceTable).current_key
        return self.tasks.get(key) if key else None

    @on(DataTable.RowHighlighted, "#tasks-table")
    def _task_highlighted(self) -> None:
        self._show_task_detail()

    def _show_task_detail(self) -> None:
        task = self.selected_task()
        if task is None or self._task_shown == (task.id, task.state):
            return
        self._task_shown = (task.id, task.state)
        self.query_one("#task-detail", JsonView).show(
            {
                "task": task.name,
                "state": task.state,
                "state_info": task.state_info,
                "published": task.published,
                "result": task.result,
            }
        )

    @on(DataTable.RowSelected, "#subs-table")
    def _open_sub(self, event: DataTable.RowSelected) -> None:
        self.post_message(OpenExecution(event.row_key.value))

    # ---- actions ---------------------------------------------------------------------------

    @work(group="execution-action", exit_on_error=False)
    async def action_pause_resume(self) -> None:
        if self.execution is not None:
            await self.session.pause_or_resume(self.execution)
            self.refresh_execution()

    @work(group="execution-action", exit_on_error=False)
    async def action_cancel(self) -> None:
        if self.execution is not None:
            await self.session.cancel_execution(self.execution)
            self.refresh_execution()

    @work(group="execution-action", exit_on_error=False)
    async def action_rerun(self) -> None:
        task = self.selected_task()
        if task is None:
            self.notify("Select a task in the Tasks tab first", severity="warning")
            return
        if task.state != states.ERROR:
            self.notify(
                f"Only a failed task can be rerun; {task.name} is {task.state}", severity="warning"
            )
            return
        await self.session.rerun_task(task.id)
        self.notify(f"Rerunning task {task.name}")
        self.refresh_execution()

    def action_next_tab(self, step: int) -> None:
        parts = self.query_one("#parts", TabbedContent)
        ids = [pane.id for pane in parts.query(TabPane)]
        parts.active = ids[(ids.index(parts.active) + step) % len(ids)]
        self.call_after_refresh(self._focus_tab)

    def _focus_tab(self) -> None:
        """The active tab's table or tree takes the focus once shown (a pane that takes the
        focus makes its tab active: done at once, two quick `]` ended on the first)."""
        parts = self.query_one("#parts", TabbedContent)
        focusable = parts.active_pane.query("ResourceTable, JsonTree")
        if focusable:
            focusable.first().focus()

    def action_failure(self) -> None:
        self.app.push_screen(FailureScreen(self.session, self.execution_id))

    def action_graph(self) -> None:
        if self.execution is not None:
            self.app.push_screen(GraphScreen(self.session, self.execution))

    def action_copy(self) -> None:
        """The focused JSON view's selected value, else the selected row's id."""
        focused = self.focused
        view = next(
            (
                node
                for node in (focused.ancestors_with_self if focused else [])
                if isinstance(node, JsonView)
            ),
            None,
        )
        if view is not None:
            view.action_copy()
            return
        text = self.execution_id
        if isinstance(focused, ResourceTable) and focused.current_key:
            text = focused.current_key
        self.app.copy_to_clipboard(text)
        self.notify(f"Copied {text}")
