"""Keys as vim users expect in lists (j, k, g, G), [ and ] between an execution's tabs, and the
help scrolling at once."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.widgets import TabbedContent

from tests.tui.conftest import wait_for
from tripleo_tui.screens.execution import ExecutionScreen
from tripleo_tui.screens.help import HelpScreen


async def test_j_k_g_G_move_in_a_list(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.pane("workflows").table
        await pilot.press("2")
        await wait_for(pilot, lambda: table.row_count > 3, "workflow rows")
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
        await pilot.press("G")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("g")
        assert table.cursor_row == 0


async def test_brackets_switch_an_executions_tabs(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, app.engine_ready.is_set, "the engine")
        execution_id = await app.start_execution("tripleo.examples.v1.hello", {"name": "x"})
        app.open_execution(execution_id)
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, ExecutionScreen) and app.screen.query("#parts"),
            "the execution",
        )
        parts = app.screen.query_one("#parts", TabbedContent)
        await pilot.press("right_square_bracket")
        assert parts.active == "tab-input"
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert parts.active == "tab-params"


async def test_help_scrolls_at_once(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        await pilot.press("pagedown")
        await pilot.pause()
        assert app.screen.query_one(VerticalScroll).scroll_y > 0
