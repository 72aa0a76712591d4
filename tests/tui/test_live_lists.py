"""The `/` filter's line shows what is typed; notes count what the filter shows; definitions
changed behind the console's back appear without a key; ctrl+r is in the key bar."""

from __future__ import annotations

import asyncio

from tests.cli.engine_process import cli_command
from tests.tui.conftest import wait_for
from tripleo_tui.widgets.definition_panes import READ_AGAIN_SECONDS
from tripleo_tui.widgets.key_bar import KeyBar

NEW_WORKBOOK = (
    "version: '2.0'\nname: test.appears\nworkflows:\n  later:\n    tasks:\n"
    "      one:\n        action: std.noop\n"
)


def note(pane) -> str:
    return str(pane.query_one(".note").render())


async def test_filter_line_shows_its_text_and_the_note_counts_what_is_shown(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.pane("workflows")
        await pilot.press("2")
        await wait_for(pilot, lambda: pane.table.row_count, "workflow rows")
        total = len(pane.table.model)
        assert note(pane).startswith(f"{total} workflows")
        await pilot.press("slash", *"wait_and")
        await pilot.pause()
        assert pane.filter_input.has_focus
        assert pane.filter_input.content_region.height == 1  # the text row is drawn
        assert "wait_and" in pane.filter_input.render_line(0).text
        shown = len(pane.table.shown_keys())
        assert 0 < shown < total
        assert note(pane).startswith(f"{shown} of {total} workflow")
        assert "Reload" in KeyBar.render(app.screen.query_one(KeyBar)).plain


async def cli(app, *args: str) -> None:
    """`tripleo-tui --db <the console's state file> ...` in another process."""
    process = await asyncio.create_subprocess_exec(
        *cli_command(app.db_path, *args), stdout=asyncio.subprocess.DEVNULL
    )
    assert await process.wait() == 0


async def test_a_workbook_stored_by_the_cli_appears_without_a_key(make_app, tmp_path):
    assert READ_AGAIN_SECONDS <= 2  # the "within 2 s"
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.pane("workbooks").table.row_count, "workbook rows")
        (tmp_path / "appears.yaml").write_text(NEW_WORKBOOK)
        await cli(app, "workbook-create", str(tmp_path / "appears.yaml"))
        await wait_for(
            pilot,
            lambda: (
                "test.appears.later" in app.pane("workflows").table.model
                and "test.appears" in app.pane("workbooks").table.model
            ),
            "the new definitions",
            timeout=READ_AGAIN_SECONDS + 3,
        )
        await cli(app, "workbook-delete", "test.appears")
        await wait_for(
            pilot,
            lambda: "test.appears" not in app.pane("workbooks").table.model,
            "the workbook gone",
            timeout=READ_AGAIN_SECONDS + 3,
        )


async def test_the_key_bar_drops_keys_to_fit_but_keeps_help_and_quit(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        line = KeyBar.render(app.screen.query_one(KeyBar)).plain.rstrip()
        assert line.endswith("? Help  q Quit") and len(line) <= 80
        assert "space Mark" in line and "Reload" not in line
        await pilot.resize_terminal(200, 40)
        await pilot.pause()
        wide = KeyBar.render(app.screen.query_one(KeyBar)).plain
        assert "Reload" in wide and "v Provide" in wide and "palette" in wide
