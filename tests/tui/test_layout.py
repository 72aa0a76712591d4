"""Columns share the table's width: names get the room their values need, the least important
columns are cut first (to their minimum, or out of sight), a cut value ends with an ellipsis,
and the table fits the window instead of scrolling sideways, at 80, 120 and 200 columns."""

from __future__ import annotations

import pytest

from tests.tui.conftest import wait_for
from tripleo_tui.widgets.columns import GAP, Column, share_width

COLUMNS = (
    Column("id", "ID", 8),
    Column("name", "Name", 20, grow=True, min_width=10),
    Column("info", "Info", 20, grow=True, min_width=6),
    Column("when", "When", 19, min_width=0),
)


def total(widths: tuple[int, ...]) -> int:
    shown = [width for width in widths if width]
    return sum(shown) + len(GAP) * len(shown)


def test_with_room_every_column_is_as_wide_as_its_longest_value():
    widths = share_width(COLUMNS, [8, 45, 12, 19], available=200)
    assert widths == (8, 45, 12, 19)  # the name is not cut at its usual 20
    assert share_width(COLUMNS, None, available=200) == (8, 20, 20, 19)  # no rows yet
    assert share_width(COLUMNS, [8, 0, 0, 19], available=200) == (8, 4, 4, 19)  # all empty


def test_too_narrow_growing_columns_go_back_to_their_usual_width_the_last_first():
    widths = share_width(COLUMNS, [8, 45, 300, 19], available=110)
    assert widths == (8, 45, 30, 19) and total(widths) == 110  # info gives way, not the name
    widths = share_width(COLUMNS, [8, 45, 300, 19], available=90)
    assert widths == (8, 35, 20, 19) and total(widths) == 90


def test_narrower_still_the_least_important_are_cut_to_their_minimum_or_hidden():
    widths = share_width(COLUMNS, [8, 45, 300, 19], available=60)
    assert widths == (8, 26, 20, 0) and total(widths) == 60  # `when` hid; room back to the name
    widths = share_width(COLUMNS, [8, 45, 300, 19], available=30)
    assert widths == (8, 10, 6, 0)  # all at their minimum: the rest scrolls sideways


def row_texts(table) -> list[str]:
    return ["".join(segment.text for segment in table.render_line(y)) for y in range(8)]


@pytest.mark.parametrize("width", [80, 120, 200])
async def test_the_executions_table_fits_the_window_and_names_get_the_room(make_app, width):
    app = make_app()
    long_name = "tripleo.examples.v1.wait_and_echo"
    async with app.run_test(size=(width, 30)) as pilot:
        await wait_for(pilot, lambda: app.api is not None and app.engine_ready.is_set(), "api")
        execution_id = await app.start_execution(
            long_name, {"seconds": 600, "message": "done " * 60}, description="a long run " * 8
        )
        await pilot.press("3")
        table = app.pane("executions").table
        await wait_for(pilot, lambda: execution_id in table.rows, "the row")
        await pilot.pause(0.2)
        assert table.virtual_size.width <= table.scrollable_content_region.width
        lines = row_texts(table)
        names = [line for line in lines if "tripleo.examples" in line]
        if width == 80:  # the name gets what is left once the others are at their minimum
            assert "tripleo.examples.v1.wait_and_…" in names[0]
        else:
            assert long_name in names[0]

        why = "why: " + "no room " * 30
        await app.api.update_execution(execution_id, state="ERROR", state_info=why)
        await wait_for(pilot, lambda: "why: no" in " ".join(row_texts(table)), "the info")
        line = next(line for line in row_texts(table) if "why: no" in line)
        assert "…" in line.split("why: no")[1]  # cut, with an ellipsis
        header = row_texts(table)[0]  # a long state info takes the room the others leave
        assert ("Description" in header) == (width == 200)
        assert ("Created at" in header) == (width >= 120)


async def test_a_resized_window_shares_the_width_again(make_app):
    app = make_app()
    async with app.run_test(size=(200, 30)) as pilot:
        await wait_for(pilot, lambda: app.api is not None and app.api_ready.is_set(), "the api")
        await pilot.press("2")
        table = app.pane("workflows").table
        await wait_for(pilot, lambda: table.row_count, "the workflows")
        assert "Namespace" in row_texts(table)[0]
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: "Namespace" not in row_texts(table)[0], "a narrower table")
        assert table.virtual_size.width <= table.scrollable_content_region.width
        await pilot.resize_terminal(200, 30)
        await wait_for(pilot, lambda: "Namespace" in row_texts(table)[0], "the width back")
