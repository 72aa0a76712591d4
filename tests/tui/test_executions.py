"""Executions through the console on a real state file with the engine in the app's loop:
run from the generated form, watch it live, open its output, pause/resume, rerun a failed task."""

from __future__ import annotations

from textual.widgets import Input, TabbedContent

from engine.api import ExecutionFilter, states
from tests.tui.conftest import wait_for
from tripleo_tui.screens.confirm import ConfirmScreen
from tripleo_tui.screens.execution import ExecutionScreen
from tripleo_tui.screens.failure import FailureScreen
from tripleo_tui.screens.run_form import RunFormScreen
from tripleo_tui.widgets.json_view import JsonTree, JsonView

RERUN_WORKBOOK = """\
version: '2.0'
name: test.rerun
workflows:
  convert:
    tasks:
      parse:
        action: std.echo output=<% int(env().number) %>
        publish:
          number: <% task().result %>
    output:
      number: <% $.number %>
"""


def pane_state(app, execution_id: str) -> str | None:
    execution = app.pane("executions").executions.get(execution_id)
    return execution.state if execution else None


def state_cell(app, execution_id: str) -> str:
    return app.pane("executions").table.cell(execution_id, "state").plain


async def open_form(app, pilot, workflow: str) -> RunFormScreen:
    await pilot.press("2")
    await wait_for(pilot, lambda: app.pane("workflows").table.row_count, "workflow rows")
    await pilot.press("slash", *workflow, "enter", "r")
    await wait_for(pilot, lambda: isinstance(app.screen, RunFormScreen), "the run form")
    assert app.screen.workflow.endswith(workflow)
    return app.screen


async def test_run_from_the_form_reaches_success_and_shows_its_output(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        form = await open_form(app, pilot, "hello")
        form.query_one("#field-0", Input).value = "tester"
        form.query_one("#description", Input).value = "from the form"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: app.pane("executions").executions, "the new execution")
        panes = app.query_one("#panes", TabbedContent)
        await wait_for(pilot, lambda: panes.active == "tab-executions", "the Executions pane")
        (execution_id,) = app.pane("executions").executions
        await wait_for(pilot, lambda: pane_state(app, execution_id) == states.SUCCESS, "SUCCESS")
        await wait_for(pilot, lambda: state_cell(app, execution_id) == "SUCCESS", "SUCCESS cell")
        assert app.pane("executions").table.current_key == execution_id
        stored = await app.api.get_execution(execution_id)
        assert stored.input == {"name": "tester"} and stored.description == "from the form"

        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ExecutionScreen), "execution")
        screen = app.screen
        await wait_for(pilot, lambda: screen.tasks, "the tasks")
        assert [task.name for task in screen.tasks.values()] == ["greet"]
        screen.query_one("#parts", TabbedContent).active = "tab-output"
        output = screen.query_one("#output", JsonView)
        await wait_for(pilot, lambda: output.value == {"greeting": "Hello, tester!"}, "output")
        tree = output.query_one(JsonTree)
        tree.focus()
        tree.move_cursor(tree.root.children[0])
        await pilot.press("y")
        assert app.clipboard == "Hello, tester!"
        await pilot.press("t")  # raw JSON
        assert '"greeting": "Hello, tester!"' in output.query_one("#raw").text
        await pilot.press("escape")
        assert not isinstance(app.screen, ExecutionScreen)


async def test_an_invalid_field_runs_nothing(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        form = await open_form(app, pilot, "wait_and_echo")
        message = form.query_one("#field-1", Input)
        message.value = ""  # emptied, it says what it stands for
        await pilot.pause()
        assert "empty: the default (done waiting)" in message.render_line(0).text
        form.query_one("#field-0", Input).value = "soon"
        await pilot.press("ctrl+r")
        assert isinstance(app.screen, RunFormScreen)
        assert "not a number" in str(form.query_one("#error-0").render())
        assert await app.api.list_executions(ExecutionFilter(limit=None)) == []
        form.query_one("#field-0", Input).value = "0"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: app.pane("executions").executions, "the execution")
        (execution,) = await app.api.list_executions(ExecutionFilter(limit=None))
        assert execution.input == {"seconds": 0, "message": "done waiting"}


async def test_pause_and_resume_from_the_executions_pane(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.api is not None and app.api_ready.is_set(), "the api")
        execution_id = await app.start_execution(
            "tripleo.examples.v1.wait_and_echo", {"seconds": 1.5}
        )
        await pilot.press("3")
        table = app.pane("executions").table
        await wait_for(pilot, lambda: table.current_key == execution_id, "the row")
        await pilot.press("p")
        await wait_for(pilot, lambda: pane_state(app, execution_id) == states.PAUSED, "PAUSED")
        assert state_cell(app, execution_id) == "PAUSED"
        await pilot.pause(2.0)  # the sleep ends; nothing new is scheduled while paused
        assert (await app.api.get_execution(execution_id)).state == states.PAUSED
        await pilot.press("p")
        await wait_for(pilot, lambda: pane_state(app, execution_id) == states.SUCCESS, "SUCCESS")
        output = (await app.api.get_execution(execution_id)).output
        assert output == {"message": "done waiting"}


async def test_cancel_asks_first(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.api_ready.is_set(), "the api")
        execution_id = await app.start_execution(
            "tripleo.examples.v1.wait_and_echo", {"seconds": 30}
        )
        await pilot.press("3")
        await wait_for(pilot, lambda: app.pane("executions").table.current_key, "the row")
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        assert execution_id in app.screen.targets[0]
        await pilot.press("n")
        assert (await app.api.get_execution(execution_id)).state == states.RUNNING
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")
        cancelled = lambda: pane_state(app, execution_id) == states.CANCELLED  # noqa: E731
        await wait_for(pilot, cancelled, "CANCELLED")


async def test_rerun_a_failed_task(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.api_ready.is_set(), "the api")
        await app.api.create_workbook(RERUN_WORKBOOK)
        execution_id = await app.start_execution(
            "test.rerun.convert", {}, params={"env": {"number": "seven"}}
        )
        await wait_for(pilot, lambda: pane_state(app, execution_id) == states.ERROR, "ERROR")
        await pilot.press("3", "enter")  # on an ERROR row: why it failed, over the execution
        await wait_for(pilot, lambda: isinstance(app.screen, FailureScreen), "why it failed")
        await pilot.press("escape")
        assert isinstance(app.screen, ExecutionScreen)
        screen = app.screen
        await wait_for(pilot, lambda: screen.selected_task() is not None, "the task row")
        assert screen.selected_task().state == states.ERROR
        await app.api.update_execution(execution_id, env={"number": "7"})
        await pilot.press("R")
        await wait_for(pilot, lambda: pane_state(app, execution_id) == states.SUCCESS, "SUCCESS")
        await wait_for(
            pilot, lambda: screen.query_one("#output", JsonView).value == {"number": 7}, "output"
        )
        await wait_for(pilot, lambda: screen.selected_task().state == states.SUCCESS, "task")
