"""The console's panes on a real state file: workbooks, workflows, filter, definitions, help."""

from __future__ import annotations

from textual.widgets import Input

from tests.tui.conftest import wait_for
from tripleo_tui.screens.definition import DefinitionScreen
from tripleo_tui.screens.help import HelpScreen
from tripleo_tui.widgets.status_bar import StatusBar


def shown(app, pane: str) -> list[str]:
    table = app.pane(pane).table
    return [table.cell(key, "name").plain for key in table.rows_in_order()]


async def test_workbooks_pane_lists_the_bundled_workbook(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: shown(app, "workbooks"), "workbook rows")
        assert "tripleo.examples.v1" in shown(app, "workbooks")
        assert app.focused is app.pane("workbooks").table


async def test_number_keys_switch_panes_and_focus_their_table(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        for key, pane in [
            ("2", "workflows"),
            ("4", "nodes"),
            ("3", "executions"),
            ("1", "workbooks"),
        ]:
            await pilot.press(key)
            assert app.query_one("#panes").active == f"tab-{pane}"
            assert app.focused is app.pane(pane).table
        await pilot.press("5")
        assert app.query_one("#panes").active == "tab-messages"


async def test_workflows_filter_keeps_matching_rows_and_esc_clears(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: len(shown(app, "workflows")) >= 2, "workflow rows")
        every = shown(app, "workflows")
        await pilot.press("slash", *"wait", "enter")
        await wait_for(
            pilot,
            lambda: shown(app, "workflows") == ["tripleo.examples.v1.wait_and_echo"],
            "filtered rows",
        )
        assert app.query_one(StatusBar).filter_text == "wait"
        assert app.focused is app.pane("workflows").table
        await pilot.press("escape")  # from the table, esc clears the filter too
        await wait_for(pilot, lambda: shown(app, "workflows") == every, "all rows back")
        assert app.query_one(StatusBar).filter_text == ""
        assert not app.pane("workflows").filter_input.has_class("-active")


async def test_filter_with_no_match_shows_no_rows(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: shown(app, "workbooks"), "workbook rows")
        await pilot.press("slash", *"no-such-thing")
        await wait_for(pilot, lambda: shown(app, "workbooks") == [], "no rows")
        assert isinstance(app.focused, Input)


async def test_enter_shows_a_workbook_definition_and_esc_goes_back(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: shown(app, "workbooks"), "workbook rows")
        await pilot.press("slash", *"examples", "enter")
        await wait_for(pilot, lambda: len(shown(app, "workbooks")) == 1, "one workbook")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DefinitionScreen), "definition")
        assert app.screen.resource_name == "tripleo.examples.v1"
        assert "version: '2.0'" in app.screen.definition or "version:" in app.screen.definition
        await pilot.press("y")
        assert app.clipboard == app.screen.definition
        await pilot.press("escape")
        assert not isinstance(app.screen, DefinitionScreen)


async def test_workflow_definition_lists_its_inputs(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: shown(app, "workflows"), "workflow rows")
        await pilot.press("slash", *"wait_and_echo", "enter", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DefinitionScreen), "definition")
        assert [param.name for param in app.screen.params] == ["seconds", "message"]


async def test_help_lists_every_pane_binding(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        titles = [title for title, _ in app.screen.sections]
        assert titles[:5] == ["Everywhere", "Every list", "Workflows", "Executions", "Nodes"]
        keys = {
            key
            for _, bindings in app.screen.sections
            for binding in bindings
            for key in binding.key.split(",")
        }
        assert {"1", "5", "slash", "space", "t", "m", "v", "R", "p", "c", "y", "ctrl+p"} <= keys
        issue_12 = {"e", "g", "G", "j", "k", "s", "f", "w", "d", "M", "P", "i", "ctrl+r"}
        assert issue_12 | {"left_square_bracket", "right_square_bracket"} <= keys
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_status_bar_says_when_there_is_no_bare_metal_endpoint(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        bar = app.query_one(StatusBar)
        await wait_for(pilot, lambda: "No bare-metal endpoint" in bar.endpoint, "endpoint text")
        assert not bar.endpoint_ok
        await pilot.press("4")
        note = app.pane("nodes").query_one(".note")
        await wait_for(pilot, lambda: "Nodes unavailable" in str(note.render()), "nodes note")


async def test_quit_key_exits(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
