"""Contrast in a 256-colour terminal: the parts the default theme draws dark on dark (the off
switch's knob, an unchecked selection mark, the scrollbars) stay visible once the colours are
reduced to the 256-colour palette."""

from __future__ import annotations

from pathlib import Path

from rich.color import Color as RichColor
from rich.color import ColorSystem
from textual.app import App, ComposeResult
from textual.color import Color
from textual.containers import VerticalScroll
from textual.widgets import SelectionList, Static, Switch

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


async def test_dark_parts_stay_visible_in_256_colours():
    app = Widgets()
    async with app.run_test(size=(60, 12)) as pilot:
        await pilot.pause()
        switch = app.query_one(Switch)
        knob = switch.get_component_styles("switch--slider")
        assert difference(knob.color, knob.background) >= MIN_DIFFERENCE
        selection = app.query_one(SelectionList)
        mark = selection.get_component_styles("selection-list--button")
        assert difference(mark.color, mark.background) >= MIN_DIFFERENCE
        wide = app.query_one("#wide").styles
        assert difference(wide.scrollbar_color, wide.scrollbar_background) >= MIN_DIFFERENCE
