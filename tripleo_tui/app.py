"""The tripleo-tui console: five panes (Workbooks, Workflows, Executions, Nodes, Messages) over
one state file, with the engine running in the console's own event loop, or, when another
process holds the engine lease, changes handed to that engine by the backend, as the CLI's are.
With `mistral` (--os-mistral-url, --mistral) the panes show a real Mistral and its engine runs
the workflows; the status bar names it.

Global actions live here; each pane owns its rows and keys. Every worker error ends in
`on_worker_state_changed`: a notification and the status bar, never a traceback on screen.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, TabbedContent, TabPane, TextArea
from textual.worker import Worker, WorkerState

from engine import clouds, sandbox
from engine.api import Backend, EngineBusy, EngineError, states
from tripleo_tui.cli import MistralChoice, open_chosen
from tripleo_tui.commands import ConsoleCommands
from tripleo_tui.idle_gc import IdleCollector
from tripleo_tui.key_first import KeyFirst
from tripleo_tui.messages import (
    ExecutionFinished,
    FilterChanged,
    MarksChanged,
    OpenExecution,
    OpenRunForm,
)
from tripleo_tui.screens.confirm import ConfirmScreen
from tripleo_tui.screens.definition import DefinitionScreen
from tripleo_tui.screens.execution import ExecutionScreen
from tripleo_tui.screens.failure import FailureScreen
from tripleo_tui.screens.help import HelpScreen
from tripleo_tui.screens.quit import HAND_OVER, QUIT, QuitScreen
from tripleo_tui.screens.run_form import RunFormScreen
from tripleo_tui.session import ConsoleSession
from tripleo_tui.type_ahead import TypeAhead
from tripleo_tui.widgets.definition_panes import WorkbooksPane, WorkflowsPane
from tripleo_tui.widgets.executions_pane import ExecutionsPane
from tripleo_tui.widgets.json_view import JsonView
from tripleo_tui.widgets.key_bar import KeyBar
from tripleo_tui.widgets.list_pane import ListPane
from tripleo_tui.widgets.messages_pane import MessagesPane
from tripleo_tui.widgets.nodes_pane import NodesPane
from tripleo_tui.widgets.resource_table import ResourceTable
from tripleo_tui.widgets.status_bar import StatusBar
from tripleo_tui.widgets.title_bar import TitleBar

log = logging.getLogger(__name__)
# The keys bound to a view-opening action somewhere (enter on a row, help, why failed):
# only for these is the binding looked up (active_bindings walks the focus chain).
VIEW_KEYS = frozenset({"enter", "question_mark", "f1", "e"})
COLLECTOR_CHECK_SECONDS = 0.5
ERROR_SHOWN_SECONDS = 30.0  # in the status bar; the log keeps every error
NO_ENDPOINT_SHORT = (
    "No bare-metal endpoint: `tripleo-tui sandbox up`, a stackrc, OS_CLOUD or OS_ENDPOINT"
)

PANES: tuple[tuple[str, str, type[ListPane]], ...] = (
    ("workbooks", "Workbooks", WorkbooksPane),
    ("workflows", "Workflows", WorkflowsPane),
    ("executions", "Executions", ExecutionsPane),
    ("nodes", "Nodes", NodesPane),
    ("messages", "Messages", MessagesPane),
)


class TripleoTuiApp(App[None]):
    TITLE = "tripleo-tui"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {ConsoleCommands}
    AUTO_FOCUS = "#workbooks-table"
    BINDINGS: ClassVar = [
        *(
            Binding(str(number), f"show_pane('{pane}')", title, show=False, id=f"pane-{pane}")
            for number, (pane, title, _) in enumerate(PANES, start=1)
        ),
        Binding("question_mark,f1", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    def __init__(
        self,
        db_path: Path | None = None,
        *,
        reload_workbooks: bool = False,
        ironic_client: Callable[[], Any] = clouds.ironic_client,
        describe_endpoint: Callable[[], str] = clouds.describe,
        sandbox_nodes: int | None = None,
        mistral: MistralChoice | None = None,
    ) -> None:
        """`sandbox_nodes`: bring up the Ironic sandbox with that many demo nodes, in the
        background (installing it first if needed). `mistral`: drive that real Mistral instead
        of the embedded engine."""
        super().__init__()
        if "TEXTUAL_ANIMATIONS" not in os.environ:
            # Nothing slides: over SSH each frame is bytes to send, and a tab's sliding
            # underline drew 25 frames after each pane switch (2 ms each, while keys wait).
            self.animation_level = "none"
        self.sandbox_nodes = sandbox_nodes
        self.sandbox_progress: sandbox.Progress | None = None  # while the sandbox comes up
        self._sandbox_ticker: Timer | None = None  # redraws its elapsed time
        self.db_path = db_path
        self.reload_workbooks = reload_workbooks
        self.mistral = mistral  # None: the embedded engine
        self.describe_endpoint = describe_endpoint
        self.session = ConsoleSession(self, ironic_client, track=self._track)
        # Kept, not queried: queries look at the active screen, which may be a dialog.
        self.panes = {name: pane_class(self.session, id=name) for name, _, pane_class in PANES}
        self.status = StatusBar()
        self.collector = IdleCollector()
        self.type_ahead = TypeAhead(self)
        self.key_first = KeyFirst(self)

    # ---- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with TabbedContent(id="panes"):
            for number, (pane, title, _) in enumerate(PANES, start=1):
                with TabPane(f"{number} {title}", id=f"tab-{pane}"):
                    yield self.panes[pane]
        yield self.status
        yield KeyBar()

    def pane(self, name: str) -> ListPane:
        return self.panes[name]

    def pane_titles(self) -> list[tuple[str, str]]:
        return [(pane, title) for pane, title, _ in PANES]

    # The session's state, read by the palette and tests.
    @property
    def api(self) -> Backend | None:
        return self.session.api

    @property
    def api_ready(self) -> asyncio.Event:
        return self.session.api_ready

    @property
    def engine_ready(self) -> asyncio.Event:
        return self.session.engine_ready

    @property
    def engine_running(self) -> bool:
        return self.session.engine_running

    # ---- start and stop --------------------------------------------------------------------

    async def on_mount(self) -> None:
        clouds.add_endpoint_source(sandbox.ENDPOINT_SOURCE)
        self.collector.start()
        self.set_interval(COLLECTOR_CHECK_SECONDS, self.collector.tick)
        if self.sandbox_nodes is not None:
            self._sandbox_progress(sandbox.Progress(1))
            self._bring_up_sandbox(self.sandbox_nodes)
        self._find_endpoint()
        try:
            self.session.api = await open_chosen(self.db_path, self.reload_workbooks, self.mistral)
        except Exception as error:
            where = "Mistral" if self.mistral else f"the state file {self.db_path}"
            self.show_error(error, f"Cannot open {where}")
            if self.mistral:
                self.status.engine = "Mistral not reachable"
            self.engine_ready.set()
            return
        finally:
            self.api_ready.set()
        for problem in self.session.api.workbook_load_problems:
            self.notify(f"Workbook not loaded: {problem}", severity="warning", timeout=15)
        await self._start_engine()

    async def _start_engine(self) -> None:
        """Run the engine in this event loop, so executions started here make progress."""
        try:
            await self.session.api.start_engine()
        except EngineBusy as error:
            self.status.engine = "run by another process"
            self.notify(
                f"{error}. Changes made here are handed to it; its changes show here every "
                "few seconds.",
                severity="warning",
            )
        except Exception as error:
            self.status.engine = "not running"
            self.show_error(error, "The engine cannot start")
        else:
            self.session.engine_running = True
            self.status.engine = f"Mistral {self.session.api.url}" if self.mistral else "running"
            self._watch_engine()
        finally:
            self.engine_ready.set()

    @work(group="engine", exit_on_error=False)
    async def _watch_engine(self) -> None:
        """The engine here may stop by itself (another engine took the state file over after
        this process stalled, or the disk is full): say so, and from then on act as a console
        whose engine runs elsewhere (changes handed to that engine, panes re-read on a timer)."""
        reason = await self.api.engine_halted()
        self.session.engine_running = False
        self.status.engine = "stopped"
        self.show_error(
            EngineError(
                f"{reason}. This console runs no executions now: its changes go to the engine "
                "that runs the state file (one is started if none runs), and the panes re-read "
                "it every few seconds."
            )
        )

    async def on_unmount(self) -> None:
        self.key_first.answered()
        self.collector.stop()
        if self.api is not None:
            await self.api.close()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self.collector.input_seen()
        if isinstance(event, events.Key) and not event.is_forwarded:
            if self.type_ahead.keep(event):
                return
            if event.key in VIEW_KEYS and self._opens_a_view(event.key):
                self.type_ahead.hold()  # the keys typed next are for the screen it opens
            self.key_first.key_pressed()
        await super().on_event(event)

    def _display(self, screen: Screen, renderable: Any) -> None:
        """(Overrides App's private hook for each screen update: textual is pinned below 9.)"""
        super()._display(screen, renderable)
        if renderable is not None:
            self.key_first.answered()

    def _opens_a_view(self, key: str) -> bool:
        """Whether `key` opens, once acted on, a screen the next keys are for: the help, a
        list row's screen, why an execution failed. (Priority bindings that open a screen
        keep the keys themselves; a question gets none: see push_screen.)"""
        if isinstance(self.focused, Input | TextArea):
            return False  # typed text (enter submits it)
        found = self.screen.active_bindings.get(key)
        if found is None or not found.enabled:
            return False
        node, action = found.node, found.binding.action
        if action == "select_cursor":
            in_a_list = isinstance(node, ResourceTable) and isinstance(node.parent, ListPane)
            return in_a_list and node.row_count > 0
        return action in ("help", "failure")

    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any:
        """Keys typed while `screen` opens go to it once it has its focus; a question (yes/no,
        quit) gets none of the keys typed before it showed."""
        if isinstance(screen, ConfirmScreen | QuitScreen):
            self.type_ahead.discard()
        elif isinstance(screen, Screen):
            self.type_ahead.release_to(screen)
        return super().push_screen(screen, *args, **kwargs)

    @work(thread=True, group="endpoint", exit_on_error=False)
    def _find_endpoint(self) -> None:
        described = self.describe_endpoint()
        ok = described != clouds.NO_ENDPOINT
        self.call_from_thread(self._show_endpoint, described, ok)

    def _show_endpoint(self, described: str, ok: bool) -> None:
        if self.sandbox_progress is not None and not ok:
            return  # the sandbox's progress says more
        self.status.endpoint = described if ok else NO_ENDPOINT_SHORT
        self.status.endpoint_ok = ok

    def on_nodes_pane_endpoint_checked(self, message: NodesPane.EndpointChecked) -> None:
        ok, problem = message.ok, message.problem
        if ok and not self.status.endpoint_ok:  # it came up (e.g. `sandbox up`): say which
            self._find_endpoint()
        if problem == clouds.NO_ENDPOINT:
            self._show_endpoint(problem, False)
        elif problem:
            self.status.endpoint = f"Ironic: {problem}"
        self.status.endpoint_ok = ok

    # ---- the Ironic sandbox ----------------------------------------------------------------

    @work(thread=True, group="sandbox", exit_on_error=False)
    def _bring_up_sandbox(self, nodes: int) -> None:
        """Install (once) and start the sandbox while the console is in use; its steps show in
        the Nodes pane and the status bar."""
        try:
            report = sandbox.up(
                nodes=nodes,
                progress=lambda progress: self.call_from_thread(self._sandbox_progress, progress),
            )
        except Exception as error:
            self.call_from_thread(self._sandbox_done, None, error)
        else:
            self.call_from_thread(self._sandbox_done, report, None)

    def _sandbox_progress(self, progress: sandbox.Progress) -> None:
        if self._sandbox_ticker is None:
            self._sandbox_ticker = self.set_interval(1.0, self._show_sandbox_progress)
        self.sandbox_progress = progress
        self._show_sandbox_progress()

    def _show_sandbox_progress(self) -> None:
        if self.sandbox_progress is not None:
            line = f"Ironic sandbox {self.sandbox_progress.line()}"
            self.status.endpoint = line
            self.status.endpoint_ok = True
            self.panes["nodes"].wait_for(line)

    def _sandbox_done(self, report: sandbox.UpReport | None, error: Exception | None) -> None:
        self.sandbox_progress = None
        self._sandbox_ticker.stop()
        self._sandbox_ticker = None
        if error is not None:
            self.show_error(error, "The Ironic sandbox cannot start")
            self.panes["nodes"].wait_for(f"Nodes unavailable: {error}".splitlines()[0])
            self.status.endpoint_ok = False
            return
        clouds.reset()
        self.notify(f"Ironic sandbox: {report.enroll.summary()}")
        self._find_endpoint()
        self.panes["nodes"].wait_for(None)

    # ---- errors ----------------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.show_error(event.worker.error)

    def show_error(self, error: BaseException, context: str = "") -> None:
        """The one place an error reaches the user: a notification and the status bar."""
        from tripleo_tui.cli import error_message

        log.error("%s", context or "console error", exc_info=error)
        db_path = self.db_path if self.db_path is not None else Path("state.sqlite")
        message = error_message(error, db_path) if isinstance(error, Exception) else str(error)
        message = f"{context}: {message}" if context else message
        self.notify(message, severity="error", timeout=12)
        line = message.splitlines()[0]
        self.status.error = line
        self.set_timer(ERROR_SHOWN_SECONDS, lambda: self._clear_error(line))

    def _clear_error(self, line: str) -> None:
        if self.status.error == line:
            self.status.error = ""

    # ---- panes -----------------------------------------------------------------------------

    def action_show_pane(self, name: str) -> None:
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.screen_stack[0].query_one("#panes", TabbedContent).active = f"tab-{name}"
        self.pane(name).table.focus()
        self._show_pane_status(name)

    @on(TabbedContent.TabActivated, "#panes")
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        name = event.pane.id.removeprefix("tab-")
        self.pane(name).table.focus()
        self._show_pane_status(name)

    def _show_pane_status(self, name: str) -> None:
        self.status.filter_text = self.pane(name).table.filter_text
        self.status.marked = len(self.pane(name).marked)
        self.sub_title = dict(self.pane_titles())[name]

    def on_filter_changed(self, message: FilterChanged) -> None:
        self.status.filter_text = message.text

    def on_marks_changed(self, message: MarksChanged) -> None:
        shown = self.screen_stack[0].query_one("#panes", TabbedContent).active
        if shown == f"tab-{message.pane.id}":
            self.status.marked = message.count

    def on_execution_finished(self, message: ExecutionFinished) -> None:
        # A call, not a message: a message posted to a pane would bubble back up to here.
        said = self.panes["nodes"].execution_finished(message.execution_id, message.state)
        if not said and message.state == "ERROR" and message.execution_id in self.session.started:
            self.run_worker(
                self.session.say_why_failed(message.workflow, message.execution_id),
                exit_on_error=False,
            )

    @work(group="quit", exclusive=True, exit_on_error=False)
    async def action_quit(self) -> None:
        """Quit; with executions running or cron triggers waiting in this process's engine,
        ask first whether a headless engine should take them over."""
        if not self.engine_running or self.mistral:  # Mistral runs on
            self.exit()
            return
        running = [ex for ex in self.known_executions() if not states.is_completed(ex.state)]
        triggers = await self.api.list_cron_triggers()
        if not running and not triggers:
            self.exit()
            return
        named = [f"{ex.workflow_name} ({ex.id[:8]}) {ex.state}" for ex in running] + [
            f"cron trigger {t.name}: {t.workflow_name}, next {t.next_execution_time} UTC"
            for t in triggers
        ]
        waiting = " and ".join(
            f"{count} {noun}{'s' if count != 1 else ''} {verb}"
            for count, noun, verb in (
                (len(running), "execution", "not finished"),
                (len(triggers), "cron trigger", "waiting"),
            )
            if count
        )
        choice = await self.push_screen_wait(
            QuitScreen(f"{waiting}; this console runs them.", named)
        )
        if choice == HAND_OVER:
            from tripleo_tui.engine_command import start_background_engine

            await self.api.stop_engine()  # frees the lease for the headless engine
            self.session.engine_running = False
            start_background_engine(self.api.state_file)
            self.exit(message=f"{waiting}: handed to a headless engine")
        elif choice == QUIT:
            self.exit()

    def action_help(self) -> None:
        self.push_screen(HelpScreen(help_sections()))

    # ---- executions ------------------------------------------------------------------------

    def _track(self, execution: Any) -> None:
        self.panes["executions"].track(execution)

    def on_open_execution(self, message: OpenExecution) -> None:
        self.open_execution(message.execution_id)
        if message.failure:
            self.push_screen(FailureScreen(self.session, message.execution_id))

    def on_open_run_form(self, message: OpenRunForm) -> None:
        self.open_run_form(message.workflow)

    def known_executions(self) -> list[Any]:
        return list(self.panes["executions"].executions.values())

    @work(group="run-form", exit_on_error=False)
    async def open_run_form(self, workflow: str) -> None:
        inputs = await self.api.get_workflow_input(workflow)
        nodes = list(self.panes["nodes"].nodes.values())
        environments = [env.name for env in await self.api.list_environments()]
        form = RunFormScreen(workflow, inputs, nodes=nodes, environments=environments)
        request = await self.push_screen_wait(form)
        if request is None:
            return
        execution_id = await self.start_execution(
            request.workflow,
            request.input,
            params=request.params,
            description=request.description,
        )
        self.action_show_pane("executions")
        table = self.pane("executions").table
        if execution_id in table.rows:
            table.move_cursor(row=table.get_row_index(execution_id), animate=False)

    async def start_execution(
        self,
        workflow: str,
        workflow_input: dict[str, Any],
        *,
        params: dict[str, Any] | None = None,
        description: str = "",
    ) -> str:
        """Start `workflow`; its row appears in Executions at once. Returns its id."""
        execution = await self.session.start_execution(
            workflow, workflow_input, params=params, description=description
        )
        return execution.id

    def open_execution(self, execution_id: str) -> None:
        self.push_screen(ExecutionScreen(self.session, execution_id))


def help_sections() -> list[tuple[str, list[Binding]]]:
    """Every binding, from the classes that declare them (so the help never drifts)."""
    from textual.widgets import DataTable

    palette = Binding("ctrl+p", "command_palette", "Command palette: run, go to, switch")
    open_row = Binding("enter", "select_cursor", "Open: definition, execution, message's run")
    sideways = ("select_cursor", "cursor_left", "cursor_right")  # rows are picked whole
    taken = {binding.key for binding in ResourceTable.BINDINGS}
    navigation = [*ResourceTable.BINDINGS] + [
        binding
        for binding in DataTable.BINDINGS
        if isinstance(binding, Binding)
        and binding.action not in sideways
        and binding.key not in taken
    ]
    return [
        ("Everywhere", [*TripleoTuiApp.BINDINGS, palette]),
        ("Every list", [open_row, *ListPane.BINDINGS, *navigation]),
        ("Workflows", WorkflowsPane.BINDINGS),
        ("Executions", ExecutionsPane.BINDINGS),
        ("Nodes", NodesPane.BINDINGS),
        ("Messages", MessagesPane.BINDINGS),
        ("An execution", [*ExecutionScreen.BINDINGS, *JsonView.BINDINGS]),
        ("Why an execution failed", FailureScreen.BINDINGS),
        ("A definition", DefinitionScreen.BINDINGS),
        ("The run form", RunFormScreen.BINDINGS),
    ]
