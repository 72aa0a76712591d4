"""Contrast in a 256-colour terminal: the parts the default theme draws dark on dark (the
switch's knob, selection marks, the scrollbars) and the table's cursor stay visible once the
colours are reduced to the 256-colour palette, in each state of their widget (off/on, hovered,
focused; highlighted, selected; a scrollbar hovered or dragged; the cursor with and without
the focus)."""

from __future__ import annotations

from pathlib import Path

from rich.color import Color as RichColor
from rich.color import ColorSystem
from textual.app import App, ComposeResult
from textual.color import Color
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Input, SelectionList, Static, Switch

import tripleo_tui.app

MIN_DIFFERENCE = 0.25  # in brightness (0 black .. 1 white), after the reduction to 256 colours


def in_256(color: Color) -> Color:
    reduced = RichColor.from_rgb(*color.rgb).downgrade(ColorSystem.EIGHT_BIT)
    return Color(*reduced.get_truecolor())


def difference(foreground: Color, background: Color) -> float:
    shown = background + foreground  # alpha blended, as drawn
    return abs(in_256(shown).brightness - in_256(background).brightness)


class Widgets(App):
    """The console's stylesheet over the widgets in question."""

    CSS_PATH = Path(tripleo_tui.app.__file__).parent / "app.tcss"

    def compose(self) -> ComposeResult:
        yield Switch(value=False)
        yield SelectionList[str](("a", "a"), ("b", "b", True))
        with VerticalScroll(id="wide"):
            yield Static("x" * 300, expand=False, shrink=False)
        yield DataTable()
        yield Input()


async def test_dark_parts_stay_visible_in_256_colours_in_every_state():
    app = Widgets()
    found: dict[str, float] = {}
    async with app.run_test(size=(60, 20)) as pilot:
        switch = app.query_one(Switch)
        for state in ("off", "off hovered", "off focused", "on focused", "on"):
            switch.value = state.startswith("on")
            await pilot.hover(Switch if "hovered" in state else DataTable)
            (switch if "focused" in state else app.query_one(Input)).focus()
            await pilot.pause()
            knob = switch.get_component_styles("switch--slider")
            found[f"switch {state}"] = difference(knob.color, knob.background)

        selection = app.query_one(SelectionList)
        for part in ("", "-highlighted", "-selected", "-selected-highlighted"):
            mark = selection.get_component_styles(f"selection-list--button{part}")
            found[f"selection mark{part}"] = difference(mark.color, mark.background)

        wide = app.query_one("#wide").styles
        for state in ("color", "color_hover", "color_active"):
            thumb = getattr(wide, f"scrollbar_{state}")
            track = getattr(wide, f"scrollbar_background{state.removeprefix('color')}")
            found[f"scrollbar {state}"] = difference(thumb, track)

        table = app.query_one(DataTable)
        table.add_columns("a", "b")
        table.add_rows([("1", "2"), ("3", "4")])
        for state, focused in (("focused", table), ("blurred", app.query_one(Input))):
            focused.focus()
            await pilot.pause()
            cursor = table.get_component_styles("datatable--cursor")
            found[f"table cursor {state}"] = difference(
                cursor.color, table.styles.background + cursor.background
            )
    faint = {part: round(value, 2) for part, value in found.items() if value < MIN_DIFFERENCE}
    assert not faint, f"too faint in 256 colours: {faint}"
    assert len(found) == 14
