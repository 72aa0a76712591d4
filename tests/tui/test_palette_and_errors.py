"""The command palette (run a workflow, go to an execution, switch pane), and errors from the
engine shown as notifications while the console keeps running."""

from __future__ import annotations

from textual.command import CommandPalette

from engine.api import ExecutionFilter
from tests.tui.conftest import wait_for
from tripleo_tui.screens.execution import ExecutionScreen
from tripleo_tui.screens.run_form import RunFormScreen


async def palette(app, pilot, text: str) -> None:
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
    await pilot.press(*text)
    await pilot.pause(0.3)  # the palette searches as you type
    await pilot.press("enter")


async def test_palette_runs_a_workflow_switches_panes_and_opens_executions(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.engine_ready.is_set(), "the engine")
        await palette(app, pilot, "Show Nodes")
        await wait_for(pilot, lambda: app.screen.query_one("#panes").active == "tab-nodes", "nodes")

        await palette(app, pilot, "Run wait_and_echo")
        await wait_for(pilot, lambda: isinstance(app.screen, RunFormScreen), "the run form")
        assert app.screen.workflow == "tripleo.examples.v1.wait_and_echo"
        await pilot.press("escape")

        execution_id = await app.start_execution("tripleo.examples.v1.hello", {})
        await palette(app, pilot, execution_id[:8])  # an execution is found by its id
        await wait_for(pilot, lambda: isinstance(app.screen, ExecutionScreen), "the execution")
        assert app.screen.execution_id == execution_id


async def test_an_engine_error_is_a_notification_and_the_console_goes_on(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: app.pane("workflows").table.row_count, "workflows")
        await pilot.press("slash", *"hello", "enter", "r")
        await wait_for(pilot, lambda: isinstance(app.screen, RunFormScreen), "the run form")
        await app.api.delete_workbook("tripleo.examples.v1")  # gone while the form is open
        await pilot.press("ctrl+r")
        messages = lambda: [n.message for n in app._notifications]  # noqa: E731
        gone = "tripleo.examples.v1.hello"
        await wait_for(pilot, lambda: any(gone in m for m in messages()), "the error")
        assert app.is_running
        assert gone in app.status.error
        assert await app.api.list_executions(ExecutionFilter(limit=None)) == []
        await pilot.press("3")  # still answering keys
        assert app.screen.query_one("#panes").active == "tab-executions"
