"""Keys as vim users expect in lists (j, k, g, G), [ and ] between an execution's tabs, the
help scrolling at once, and no key lost while a screen opens."""

from __future__ import annotations

from textual import events
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


def type_fast(app, *keys: str) -> None:
    """As a terminal delivers them: no waiting between keys."""
    for key in keys:
        app.post_message(events.Key(key, None))


async def test_keys_typed_while_a_screen_opens_reach_it(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, app.engine_ready.is_set, "the engine")
        execution_id = await app.start_execution("tripleo.examples.v1.hello", {"name": "x"})
        await pilot.press("3")
        table = app.pane("executions").table
        await wait_for(pilot, lambda: table.current_key == execution_id, "the row")

        type_fast(app, "enter", "right_square_bracket", "right_square_bracket")
        await wait_for(pilot, lambda: app.screen.query("ExecutionScreen #parts"), "the execution")
        parts = app.screen.query_one("#parts", TabbedContent)
        await wait_for(pilot, lambda: parts.active == "tab-output", "two tabs on: its output")
        await pilot.press("escape")

        type_fast(app, "question_mark", "pagedown")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        scroll = app.screen.query_one(VerticalScroll)
        await wait_for(pilot, lambda: scroll.scroll_y > 0, "the help a page down")
        await pilot.press("escape")

        await pilot.press("slash")
        type_fast(app, "e", "enter")  # text, not Why failed; enter in the filter opens nothing
        await wait_for(pilot, lambda: table.has_focus, "the filter submitted")
        assert app.pane("executions").filter_input.value == "e"
        assert not app.type_ahead.holding and len(app.screen_stack) == 1
