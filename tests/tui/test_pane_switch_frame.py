"""A pane switch is drawn in one screen update: the pane, its name in the title and its keys in
the key bar come together. Each a frame later showed the old pane's name or keys meanwhile, and
the title's own update laid the whole screen out again (~20 ms while the next key waits)."""

from __future__ import annotations

import asyncio

from rich.console import Console

from tests.tui.conftest import wait_for

SIZE = (120, 40)


def frame_text(update) -> str:
    """The characters an update writes to the terminal (its cursor moves left out)."""
    console = Console(width=SIZE[0], height=SIZE[1], force_terminal=True, color_system=None)
    return "".join(segment.text for segment in console.render(update) if not segment.control)


async def test_a_switch_shows_the_pane_its_name_and_its_keys_in_the_same_update(make_app):
    app = make_app()
    updates: list[str] = []  # what each screen update wrote, in one or more frames
    writing: list[bool] = []
    display = app._display

    def record(screen, frame) -> None:
        display(screen, frame)
        if frame is None:
            return
        if not writing:  # the first frame of an update: its others come before the loop turns
            updates.append("")
            writing.append(True)
            asyncio.get_running_loop().call_soon(writing.clear)
        updates[-1] += frame_text(frame)

    app._display = record
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.pane("workflows").table.row_count, "workflow rows")
        for key, column, title, pane_key in [
            ("4", "Provisioning", "Nodes", "Tag profile"),
            ("2", "Cron (next, UTC)", "Workflows", "r Run"),
            ("4", "Provisioning", "Nodes", "Tag profile"),
            ("1", "Updated at", "Workbooks", "Filter"),
        ]:
            updates.clear()
            await pilot.press(key)
            await pilot.pause()
            switched = next(update for update in updates if column in update)
            assert f"tripleo-tui — {title}" in switched
            assert pane_key in switched


async def test_a_table_has_its_focused_look_only_while_focused(make_app):
    """A pane's table keeps its focused look while its pane is hidden (no restyle on each
    switch); shown again it has the focus, and losing it there restyles it."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        table = app.pane("workflows").table
        await pilot.press("2")
        focused = table.get_component_rich_style("datatable--cursor")
        await pilot.press("4", "2")
        assert app.focused is table
        assert table.get_component_rich_style("datatable--cursor") == focused
        await pilot.press("slash")  # the filter line takes the focus
        await pilot.pause()
        assert app.focused is not table
        assert table.get_component_rich_style("datatable--cursor") != focused
