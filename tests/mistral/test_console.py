"""The console (through Textual's Pilot) on a real Mistral 23 (the `mistral_sandbox` fixture):
its workbooks listed, a workflow run from the generated form to SUCCESS with its output shown,
a running execution cancelled, and the Messages pane saying why it is empty; and `tripleo-tui`
itself, in tmux, opened on that Mistral by $OS_MISTRAL_URL.

The sandbox's executions are shared with other tests, so each test looks for its own rows."""

from __future__ import annotations

import subprocess
import uuid

import pytest
from textual.widgets import Input, Static, TabbedContent

from engine.api import states
from engine.api.mistral import MistralBackend
from tests.tui.conftest import wait_for
from tests.tui.test_tmux import quit_console, start_console, wait_for_screen
from tripleo_tui.app import TripleoTuiApp
from tripleo_tui.cli import MistralChoice
from tripleo_tui.screens.confirm import ConfirmScreen
from tripleo_tui.screens.execution import ExecutionScreen
from tripleo_tui.screens.run_form import RunFormScreen
from tripleo_tui.widgets.json_view import JsonView

WORKBOOK = """\
version: '2.0'
name: {name}
workflows:
  hello:
    input: [who]
    tasks:
      say:
        action: std.echo output=<% "hi " + $.who %>
        publish:
          said: <% task().result %>
  sleeper:
    tasks:
      nap:
        action: std.sleep seconds=60
"""
TIMEOUT = 60.0


@pytest.fixture
async def workbook(mistral_sandbox):
    name = f"peer_tui_{uuid.uuid4().hex[:8]}"
    async with await MistralBackend.open(mistral_sandbox) as backend:
        await backend.create_workbook(WORKBOOK.format(name=name))
        yield name
        await backend.delete_workbook(name)


@pytest.fixture
def app(tmp_path, no_endpoint, mistral_sandbox) -> TripleoTuiApp:
    return TripleoTuiApp(tmp_path / "state.sqlite", mistral=MistralChoice(mistral_sandbox))


def ours(app, workflow: str) -> list:
    return [ex for ex in app.pane("executions").executions.values() if ex.workflow_name == workflow]


async def test_workbooks_listed_and_a_run_from_the_form_shows_its_output(
    app, workbook, mistral_sandbox
):
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        workbooks = app.pane("workbooks")
        await wait_for(pilot, lambda: workbook in workbooks.table.model, "our workbook", TIMEOUT)
        assert app.status.engine == f"Mistral {mistral_sandbox}"

        await pilot.press("2")
        await wait_for(pilot, lambda: app.pane("workflows").table.row_count, "workflow rows")
        await pilot.press("slash", *f"{workbook}.hello", "enter", "r")
        await wait_for(pilot, lambda: isinstance(app.screen, RunFormScreen), "the run form")
        form = app.screen
        await wait_for(pilot, lambda: form.query("#field-0"), "the form's fields", TIMEOUT)
        form.query_one("#field-0", Input).value = "tester"
        await pilot.press("ctrl+r")
        workflow = f"{workbook}.hello"
        await wait_for(pilot, lambda: ours(app, workflow), "the new execution", TIMEOUT)
        assert app.query_one("#panes", TabbedContent).active == "tab-executions"
        (execution,) = ours(app, workflow)
        done = lambda: ours(app, workflow)[0].state == states.SUCCESS  # noqa: E731
        await wait_for(pilot, done, "SUCCESS through polling", TIMEOUT)

        app.open_execution(execution.id)
        await wait_for(pilot, lambda: isinstance(app.screen, ExecutionScreen), "execution")
        screen = app.screen
        await wait_for(pilot, lambda: screen.tasks, "the tasks", TIMEOUT)
        assert [task.name for task in screen.tasks.values()] == ["say"]
        screen.query_one("#parts", TabbedContent).active = "tab-output"
        output = screen.query_one("#output", JsonView)
        await wait_for(pilot, lambda: output.value == {"said": "hi tester"}, "output", TIMEOUT)


async def test_cancel_a_running_execution(app, workbook):
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.engine_ready.is_set(), "the backend", TIMEOUT)
        execution_id = await app.start_execution(f"{workbook}.sleeper", {})
        await pilot.press("3")
        table = app.pane("executions").table
        shown = lambda: execution_id in table.rows_in_order()  # noqa: E731
        await wait_for(pilot, shown, "the row", TIMEOUT)
        table.move_cursor(row=table.get_row_index(execution_id))
        await wait_for(pilot, lambda: table.current_key == execution_id, "the cursor on it")
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")
        cancelled = lambda: table.model[execution_id].state == states.CANCELLED  # noqa: E731
        await wait_for(pilot, cancelled, "CANCELLED", TIMEOUT)
        assert (await app.api.get_execution(execution_id)).state == states.CANCELLED


async def test_the_messages_pane_says_why_it_is_empty(app):
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("5")
        note = app.pane("messages").query_one(".note", Static)
        await wait_for(pilot, lambda: "Zaqar" in str(note.render()), "the reason", TIMEOUT)


async def test_tripleo_tui_opens_on_the_mistral_of_os_mistral_url(
    tmp_path, workbook, mistral_sandbox
):
    session = start_console(tmp_path, 160, 40, {"OS_MISTRAL_URL": mistral_sandbox})
    try:
        wait_for_screen(session, workbook, f"Mistral {mistral_sandbox}", timeout=TIMEOUT)
        assert quit_console(session, tmp_path) == "0"
        assert not (tmp_path / "state.sqlite").exists()  # Mistral holds everything
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
