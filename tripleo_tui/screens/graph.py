"""The task graph of an execution (`g` on the execution screen): its workflow's tasks and
transitions, each task coloured by its state in this execution; read again each second while
the execution runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Static

from engine.api import states
from tripleo_tui.task_graph import draw
from tripleo_tui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from engine.api import WorkflowGraph
    from tripleo_tui.session import ConsoleSession

REFRESH_SECONDS = 1.0


class GraphScreen(Screen):
    BINDINGS: ClassVar = [Binding("escape,g", "app.pop_screen", "Back", id="back")]
    DEFAULT_CSS = """
    GraphScreen #graph-scroll { height: 1fr; padding: 0 1; }
    GraphScreen #graph { width: auto; }
    """

    def __init__(self, session: ConsoleSession, execution: Any) -> None:
        super().__init__()
        self.session = session
        self.execution = execution
        self.graph: WorkflowGraph | None = None
        self.sub_title = f"Task graph of execution {execution.id[:8]}"

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="graph-scroll"):
            yield Static("reading…", id="graph")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#graph-scroll").focus()
        self.load()
        self.set_interval(REFRESH_SECONDS, self._tick)

    def _tick(self) -> None:
        if self.graph is not None and not states.is_completed(self.execution.state):
            self.load()

    @work(group="graph", exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        api = self.session.api
        if self.graph is None:
            self.graph = await api.get_workflow_graph(
                self.execution.workflow_id or self.execution.workflow_name
            )
        self.execution = await api.get_execution(self.execution.id)
        tasks = await api.list_tasks(self.execution.id, limit=None)
        task_states = {task.name: task.state for task in tasks}  # the latest run of each
        self.query_one("#graph", Static).update(draw(self.graph, task_states))
