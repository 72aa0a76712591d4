"""ResourceTable on its own with many rows: where rows are drawn and scrolled to, keys that
move to the ends and by pages, clicks far down the list, rows added while the cursor follows
the end."""

from __future__ import annotations

import random

from textual.app import App, ComposeResult

from tripleo_tui.widgets.cells import Cell
from tripleo_tui.widgets.columns import Column
from tripleo_tui.widgets.resource_table import ResourceTable

ROWS = 2_000


def record(number: int) -> tuple[Cell, ...]:
    return (Cell(f"row-{number:04d}"), Cell("x" * (number % 7)))


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ResourceTable([Column("name", "Name", 12), Column("more", "More", 8)], id="table")


async def filled(pilot) -> ResourceTable:
    table = pilot.app.query_one(ResourceTable)
    table.show({f"k{number}": record(number) for number in range(ROWS)})
    await table.filled.wait()
    await pilot.pause()
    return table


def top_row(table: ResourceTable) -> int:
    return int(table.scroll_y)


async def test_rows_are_placed_one_line_each_below_the_header():
    async with TableApp().run_test(size=(40, 12)) as pilot:
        table = await filled(pilot)
        assert table.row_count == ROWS
        assert table.rows_in_order()[:3] == ["k0", "k1", "k2"]
        for index in (0, 1, 999, ROWS - 1):
            region = table._get_row_region(index)
            assert (region.y, region.height) == (index + table.header_height, 1)
        assert table._get_row_region(ROWS).area == 0  # no such row
        assert table.virtual_size.height == ROWS + table.header_height


async def test_end_page_up_a_click_far_down_and_home():
    async with TableApp().run_test(size=(40, 12)) as pilot:
        table = await filled(pilot)
        table.focus()
        await pilot.press("end")
        assert table.cursor_row == ROWS - 1
        assert table.current_key == f"k{ROWS - 1}"
        visible = table.scrollable_content_region.height - table.header_height
        assert top_row(table) == ROWS - visible
        await pilot.press("pageup")
        assert ROWS - 1 - visible <= table.cursor_row < ROWS - 1
        assert top_row(table) <= table.cursor_row < top_row(table) + visible
        target = top_row(table) + 2
        await pilot.click(table, offset=(2, 2 + table.header_height))
        assert table.cursor_row == target
        assert table.current_key == f"k{target}"
        line = table.render_line(2 + table.header_height).text
        assert f"row-{target:04d}" in line
        await pilot.press("home")
        assert (table.cursor_row, top_row(table)) == (0, 0)


async def test_rows_added_at_the_end_keep_the_cursor_and_view_on_the_last_one():
    async with TableApp().run_test(size=(40, 12)) as pilot:
        table = await filled(pilot)
        table.follow_end = True
        table.focus()
        await pilot.press("end")
        for number in range(ROWS, ROWS + 5):
            table.upsert(f"k{number}", record(number))
            await pilot.pause()
        assert table.current_key == f"k{ROWS + 4}"
        visible = table.scrollable_content_region.height - table.header_height
        assert top_row(table) == ROWS + 5 - visible
        table.upsert(f"k{ROWS + 4}", (Cell("renamed"), Cell("")))
        await pilot.pause()
        assert "renamed" in table.render_line(visible - 1 + table.header_height).text


async def test_a_refill_reuses_rows_but_not_one_changed_while_filtered_out():
    async with TableApp().run_test(size=(40, 12)) as pilot:
        table = await filled(pilot)
        unchanged = table._lines["k6"]
        table.set_filter("row-0001")
        await table.filled.wait()
        assert table.rows_in_order() == ["k1"]
        table.upsert("k5", (Cell("changed"), Cell("")))
        table.remove("k7")
        table.set_filter("")
        await table.filled.wait()
        await pilot.pause()
        assert table.row_count == ROWS - 1 and "k7" not in table.rows
        assert table.cell("k5", "name").plain == "changed"
        assert "changed" in table.render_line(table.header_height + 5).text
        assert table._lines["k6"] is unchanged  # drawn once, added again


async def test_rows_added_one_by_one_land_where_a_sort_puts_them_in_a_tree():
    """New rows are placed in the kept order instead of sorting every row again: the same
    order as a sort, with ties (stable), children under their parent (a top row), and a child
    that comes before its parent moved under it once the parent comes."""
    rng = random.Random(7)
    new = [f"k{number}" for number in range(ROWS, ROWS + 300)]
    tops = [key for key in new if rng.random() < 0.5]
    async with TableApp().run_test(size=(40, 12)) as pilot:
        table = await filled(pilot)
        table.parent_of = lambda cells: cells[1].plain or None
        table.set_order(lambda cells: int(cells[0].plain.removeprefix("row-")), reverse=True)
        table.unfold("k1")
        placed = []
        place = table._place
        table._place = lambda key: placed.append(place(key)) or placed[-1]
        for number, key in enumerate(new):
            parent = None if key in tops else rng.choice(["k1", f"k{rng.randrange(9)}", *tops])
            newest = f"row-{ROWS + number // 3}"  # ties by three; some among the oldest
            name = newest if rng.random() < 0.8 else f"row-{rng.randrange(9)}"
            table.upsert(key, (Cell(name), Cell(parent or "")))
            if key in tops:
                table.unfold(key)
        assert placed.count(True) > 150  # most without a sort
        kept = table.shown_keys()
        assert len(kept) > ROWS + 100
        table._order = None  # a sort from scratch
        assert table.shown_keys() == kept
        await pilot.pause()
        assert table.rows_in_order() == kept


async def test_rows_moved_down_by_a_new_top_row_are_drawn_and_clicked_where_they_are_now():
    """A row's drawing is kept by its key, not its place: after new rows on top, each line
    shows the row now there, and a click picks that row (not the one drawn there before)."""
    async with TableApp().run_test(size=(40, 12)) as pilot:
        table = await filled(pilot)
        table.set_order(lambda cells: cells[0].plain, reverse=True)  # newest first
        table.focus()
        await pilot.press("home")  # drawn once with k1999 on top
        for number in (ROWS, ROWS + 1):
            table.upsert(f"k{number}", record(number))
            await pilot.pause()
        top = table.header_height
        lines = [table.render_line(top + row).text for row in range(4)]
        assert [line.split()[0] for line in lines] == [
            "row-2001",
            "row-2000",
            "row-1999",
            "row-1998",
        ]
        await pilot.click(table, offset=(2, top + 3))
        assert table.current_key == "k1998"
