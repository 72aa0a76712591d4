"""Cron triggers in the console: the Workflows pane's "Cron (next, UTC)" column, the workflow's
definition screen listing them, and `q` asking before the triggers lose their engine."""

from __future__ import annotations

import os

from engine.api import open_backend
from tests.cli.engine_process import lease_pid, stop_engine
from tests.cli.engine_process import wait_for as wait_until
from tests.tui.conftest import wait_for
from tripleo_tui.screens.definition import DefinitionScreen
from tripleo_tui.screens.quit import QuitScreen
from tripleo_tui.widgets.definition_panes import READ_AGAIN_SECONDS

HELLO = "tripleo.examples.v1.hello"


def cron_cell(table, key: str) -> str:
    """The Cron column of the row of `key`, as the table draws it now."""
    header = table.render_line(0).text
    start, end = header.index("Cron (next, UTC)"), header.index("Tags")  # the next column
    line = table.render_line(table.get_row_index(key) + table.header_height).text
    return line[start:end].strip()


async def nightly(app, pilot, **given) -> None:
    await wait_for(pilot, app.engine_ready.is_set, "the engine")
    await app.api.create_cron_trigger(
        "nightly",
        HELLO,
        {"name": "Ann"},
        pattern="0 2 * * *",
        **given,
    )


async def test_the_workflows_pane_shows_the_next_time_and_the_definition_lists_triggers(
    make_app,
):
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("2")
        table = app.pane("workflows").table
        await wait_for(pilot, lambda: HELLO in table.rows, "the workflow rows")
        assert cron_cell(table, HELLO) == ""  # no trigger yet

        await nightly(app, pilot)
        trigger = await app.api.get_cron_trigger("nightly")
        await app.api.create_cron_trigger("hourly", HELLO, {"name": "Bo"}, pattern="0 * * * *")
        hourly = await app.api.get_cron_trigger("hourly")
        soonest = min(trigger.next_execution_time, hourly.next_execution_time)[:16]
        await wait_for(
            pilot,
            lambda: cron_cell(table, HELLO) == f"{soonest} +1",
            "the soonest next time and the count of the others",
            timeout=READ_AGAIN_SECONDS + 5,
        )
        other = "tripleo.examples.v1.wait_and_echo"
        assert cron_cell(table, other) == ""

        table.move_cursor(row=table.get_row_index(HELLO), animate=False)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DefinitionScreen), "the definition")
        await pilot.pause()
        shown = app.screen.query_one("#triggers")
        listed = "\n".join(shown.render_line(y).text for y in range(shown.size.height))
        assert "nightly" in listed and "0 2 * * *" in listed and "hourly" in listed
        assert trigger.next_execution_time in listed
        assert '"name": "Ann"' in listed


async def test_quit_with_a_trigger_hands_it_to_a_headless_engine(make_app, tmp_path):
    db = tmp_path / "state.sqlite"
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await nightly(app, pilot)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QuitScreen), "the question")
        assert "1 cron trigger waiting" in str(app.screen.query_one("#question").render())
        assert "cron trigger nightly" in str(app.screen.query_one("#targets").render())
        await pilot.press("h")
        await pilot.pause()
    assert app.return_code == 0
    try:
        wait_until(lambda: lease_pid(db) not in (None, os.getpid()), what="a headless engine")
        api = await open_backend(db)
        try:
            assert [t.name for t in await api.list_cron_triggers()] == ["nightly"]
        finally:
            await api.close()
    finally:
        stop_engine(db)


async def test_quit_without_triggers_or_runs_asks_nothing(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, app.engine_ready.is_set, "the engine")
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
