"""The console while a headless `tripleo-tui engine` process holds the lease: every change made
in it (run from the form, pause/resume, cancel, rerun) is handed to that engine and works as
when the engine runs in the console."""

from __future__ import annotations

import os
import sqlite3
import subprocess

import pytest
from textual.widgets import Input

from engine.api.handoff import socket_path
from engine.core import states
from tests.cli.engine_process import lease_pid, start_engine, stop_engine
from tests.tui.conftest import wait_for
from tests.tui.test_executions import RERUN_WORKBOOK, open_form, pane_state
from tripleo_tui.screens.confirm import ConfirmScreen
from tripleo_tui.screens.execution import ExecutionScreen

SLOW = 20.0  # the pane polls another process's engine every few seconds


@pytest.fixture
def engine_elsewhere(tmp_path, no_endpoint):
    """A real headless engine on the test's state file, stopped afterwards."""
    db = tmp_path / "state.sqlite"
    process = start_engine(db)
    yield process
    stop_engine(db)
    process.communicate(timeout=30)


async def test_changes_go_to_the_engine_of_another_process(make_app, engine_elsewhere):
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, app.engine_ready.is_set, "the engine check")
        assert not app.engine_running and app.status.engine == "run by another process"

        form = await open_form(app, pilot, "hello")
        form.query_one("#field-0", Input).value = "elsewhere"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: app.pane("executions").executions, "the new execution")
        (hello,) = app.pane("executions").executions
        await wait_for(pilot, lambda: pane_state(app, hello) == states.SUCCESS, "SUCCESS", SLOW)
        assert (await app.api.get_execution(hello)).output == {"greeting": "Hello, elsewhere!"}

        waiting = await app.start_execution("tripleo.examples.v1.wait_and_echo", {"seconds": 30})
        table = app.pane("executions").table
        table.move_cursor(row=table.get_row_index(waiting), animate=False)
        await pilot.press("p")
        await wait_for(pilot, lambda: pane_state(app, waiting) == states.PAUSED, "PAUSED")
        assert (await app.api.get_execution(waiting)).state == states.PAUSED
        await pilot.press("p")
        await wait_for(pilot, lambda: pane_state(app, waiting) == states.RUNNING, "RUNNING")
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")
        await wait_for(pilot, lambda: pane_state(app, waiting) == states.CANCELLED, "CANCELLED")
        assert (await app.api.get_execution(waiting)).state == states.CANCELLED

        await app.api.create_workbook(RERUN_WORKBOOK)
        failing = await app.start_execution(
            "test.rerun.convert", {}, params={"env": {"number": "seven"}}
        )
        await wait_for(pilot, lambda: pane_state(app, failing) == states.ERROR, "ERROR", SLOW)
        app.open_execution(failing)
        await wait_for(pilot, lambda: isinstance(app.screen, ExecutionScreen), "execution")
        screen = app.screen
        await wait_for(pilot, lambda: screen.tasks, "the tasks", SLOW)
        await wait_for(pilot, lambda: screen.selected_task() is not None, "the task row")
        await (await app.session.engine()).update_execution(failing, env={"number": "7"})
        await pilot.press("R")
        await wait_for(pilot, lambda: pane_state(app, failing) == states.SUCCESS, "SUCCESS", SLOW)
        assert (await app.api.get_execution(failing)).output == {"number": 7}
    assert engine_elsewhere.poll() is None  # it ran everything; the console never took over


async def test_the_console_says_when_another_engine_took_over(make_app, tmp_path):
    """Another engine takes the state file over (as after this console stalled past its lease,
    then died): the console says so plainly, stops serving and running executions, and from
    then on hands its changes to an engine of the state file (here one it starts)."""
    db = tmp_path / "state.sqlite"
    app = make_app()
    try:
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await wait_for(pilot, app.engine_ready.is_set, "the engine")
            assert app.engine_running and os.path.exists(socket_path(db))
            other = subprocess.Popen(["true"])
            other.wait()
            with sqlite3.connect(db) as conn:
                conn.execute("UPDATE engine_lease SET owner = 'other:1:x', pid = ?", (other.pid,))
            said = "another engine took over this state file. This console runs no executions"
            await wait_for(
                pilot,
                lambda: any(said in n.message for n in app._notifications),
                "the console to say so",
                SLOW,
            )
            assert not app.engine_running
            assert app.status.engine == "stopped"
            assert not os.path.exists(socket_path(db))

            hello = await app.start_execution("tripleo.examples.v1.hello", {"name": "later"})
            await wait_for(pilot, lambda: pane_state(app, hello) == states.SUCCESS, "run", SLOW)
            assert lease_pid(db) not in (None, os.getpid(), other.pid)
    finally:
        stop_engine(db)
