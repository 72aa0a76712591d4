"""What the tables draw as focus, theme and size change (their drawn lines are kept across
pane switches), the execution screen fitting its window, and the mouse: rows, tabs and the
keys in the bottom line."""

from __future__ import annotations

import pytest

from tests.tui.conftest import wait_for
from tripleo_tui.screens.definition import DefinitionScreen
from tripleo_tui.screens.execution import ExecutionScreen
from tripleo_tui.screens.help import HelpScreen
from tripleo_tui.widgets.key_bar import KeyBar


def drawn(table, y: int) -> tuple[str, list]:
    """Line `y` of the table as drawn now: its text and the style of each piece."""
    strip = table.render_line(y)
    return strip.text, [segment.style for segment in strip]


async def workflows_table(app, pilot):
    await pilot.press("2")
    table = app.pane("workflows").table
    await wait_for(pilot, lambda: table.row_count >= 3, "workflow rows")
    await pilot.pause()
    return table


async def test_the_cursor_row_follows_the_focus_across_pane_switches(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        table = await workflows_table(app, pilot)
        focused = drawn(table, 1)  # line 0 is the header
        await pilot.press("slash")  # the filter field takes the focus, the table stays shown
        await pilot.pause()
        blurred = drawn(table, 1)
        assert blurred[0] == focused[0]
        assert blurred[1] != focused[1]
        await pilot.press("escape")
        await pilot.pause()
        assert drawn(table, 1) == focused
        await pilot.press("1", "2")  # hidden, then shown again
        await pilot.pause()
        assert app.focused is table
        assert drawn(table, 1) == focused


async def test_a_new_theme_and_a_new_size_are_drawn(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        table = await workflows_table(app, pilot)
        before = drawn(table, 2)
        app.theme = "textual-light"
        await pilot.pause()
        after = drawn(table, 2)
        assert after[0] == before[0]
        assert after[1] != before[1]
        await pilot.resize_terminal(90, 30)
        await wait_for(pilot, lambda: table.size.width < 120, "the new size")
        assert len(drawn(table, 2)[0]) == table.size.width


@pytest.mark.parametrize("size", [(120, 36), (80, 24)])
async def test_the_execution_screen_fits_its_window(make_app, size):
    """No scrollbar of the screen itself: its parts share the height, the key bar last."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, app.engine_ready.is_set, "the engine")
        execution_id = await app.start_execution("tripleo.examples.v1.hello", {"name": "x"})
        app.open_execution(execution_id)
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, ExecutionScreen) and app.screen.tasks,
            "the execution",
        )
        await pilot.pause()
        screen = app.screen
        assert screen.max_scroll_y == 0 and not screen.show_vertical_scrollbar
        keys = screen.query_one(KeyBar)
        assert keys.region.y == size[1] - 1
        shown = keys.render().plain.rstrip()
        assert shown.endswith("? Help  q Quit") and len(shown) <= size[0]
        assert "e Why failed" in shown and "g Task graph" in shown
        assert screen.query_one("#task-detail").region.height >= 3


async def test_clicks_select_rows_and_a_second_click_opens_one(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        table = await workflows_table(app, pilot)
        assert table.cursor_row == 0
        await pilot.click(table, offset=(4, 3))
        assert table.cursor_row == 2
        name = table.current_key
        await pilot.click(table, offset=(4, 3))
        await wait_for(pilot, lambda: isinstance(app.screen, DefinitionScreen), "the definition")
        assert app.screen.resource_name == name


async def test_clicks_on_tabs_and_on_keys_in_the_bottom_line(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.click("#--content-tab-tab-executions")
        await wait_for(pilot, lambda: app.focused is app.pane("executions").table, "executions")
        keys = app.screen.query_one(KeyBar)
        await pilot.pause()
        shown = keys.render().plain
        assert "Pause/resume" in shown and "Run" not in shown
        await pilot.press("2")
        await pilot.pause()
        shown = keys.render().plain
        assert "Run" in shown and "Pause/resume" not in shown

        before = app.collector.last_input
        help_at = shown.index("?")
        await pilot.click(KeyBar, offset=(help_at, 0))
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        assert app.collector.last_input > before  # a click counts as the operator at work
