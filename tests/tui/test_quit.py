"""`q` with executions running in the console's engine asks first: hand them to a headless
engine (a real `tripleo-tui engine` process) that finishes them, quit anyway, or stay."""

from __future__ import annotations

import asyncio
import os

from engine.api import open_backend, states
from tests.cli.engine_process import lease_pid, stop_engine
from tests.cli.engine_process import wait_for as wait_until
from tests.tui.conftest import wait_for
from tripleo_tui.screens.quit import QuitScreen

WAIT = "tripleo.examples.v1.wait_and_echo"


async def start_waiting(app, pilot, seconds: float) -> str:
    await wait_for(pilot, app.engine_ready.is_set, "the engine")
    assert app.engine_running
    execution_id = await app.start_execution(WAIT, {"seconds": seconds})
    await wait_for(pilot, lambda: execution_id in app.pane("executions").executions, "its row")
    return execution_id


async def test_hand_over_to_a_headless_engine_that_finishes_the_run(make_app, tmp_path):
    db = tmp_path / "state.sqlite"
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        execution_id = await start_waiting(app, pilot, 4)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QuitScreen), "the question")
        assert execution_id[:8] in str(app.screen.query_one("#targets").render())
        await pilot.press("h")
        await pilot.pause()
    assert app.return_code == 0
    try:
        pid = wait_until(lambda: lease_pid(db) not in (None, os.getpid()), what="a new engine")
        assert pid != os.getpid()
        api = await open_backend(db)
        try:
            for _ in range(600):  # read only: this process runs no engine now
                finished = await api.get_execution(execution_id)
                if states.is_completed(finished.state):
                    break
                await asyncio.sleep(0.1)
        finally:
            await api.close()
        assert finished.state == states.SUCCESS
        assert finished.output
    finally:
        stop_engine(db)


async def test_stay_then_quit_anyway(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        execution_id = await start_waiting(app, pilot, 30)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QuitScreen), "the question")
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running and not isinstance(app.screen, QuitScreen)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QuitScreen), "the question again")
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
    api = await open_backend(app.db_path)
    try:
        assert (await api.get_execution(execution_id)).state == states.RUNNING
    finally:
        await api.close()
