"""The Executions pane's order, quick filters and deletion: newest first, `s` cycles the sort
column (a header click picks one), `f` cycles RUNNING/ERROR/SUCCESS/all and `w` shows only the
workflow under the cursor (the note says which), `d` deletes finished executions after a
confirmation (the marked ones, or the one under the cursor); an execution's task list shows
each task's duration and retries."""

from __future__ import annotations

import pytest

from engine.api import NotFoundError, states
from tests.tui.conftest import wait_for
from tripleo_tui.messages import OpenExecution
from tripleo_tui.screens.confirm import ConfirmScreen
from tripleo_tui.screens.execution import ExecutionScreen
from tripleo_tui.widgets.resource_table import ResourceTable

WORKBOOK = """\
version: '2.0'
name: test.order
workflows:
  ok:
    tasks:
      done:
        action: std.noop
  fails:
    tasks:
      broken:
        action: std.fail
  waits:
    tasks:
      wait:
        action: std.sleep seconds=60
"""


async def start_in_turn(app, pilot, *names: str) -> list[str]:
    """Run test.order's workflows one second apart (created_at counts whole seconds)."""
    await wait_for(pilot, lambda: app.api is not None and app.api_ready.is_set(), "the api")
    await app.api.create_workbook(WORKBOOK)
    started = []
    for name in names:
        started.append(await app.start_execution(f"test.order.{name}", {}))
        await pilot.pause(1.05)
    return started


def note(app) -> str:
    return str(app.pane("executions").query_one(".note").render())


async def test_newest_first_then_sorted_by_each_column_and_filtered_by_state(make_app):
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        started = await start_in_turn(app, pilot, "ok", "fails", "waits")
        ok, fails, waits = started
        await pilot.press("3")
        pane = app.pane("executions")
        table = pane.table
        await wait_for(pilot, lambda: table.row_count == 3, "three rows")
        await wait_for(
            pilot,
            lambda: (
                [pane.executions[key].state for key in started]
                == [states.SUCCESS, states.ERROR, states.RUNNING]
            ),
            "their states",
        )
        assert table.rows_in_order() == [waits, fails, ok]
        assert table.current_key == waits
        assert "sorted by Created at ↓" in note(app)

        await pilot.press("s", "s")  # id, then workflow name
        assert "sorted by Workflow ↑" in note(app)
        assert table.rows_in_order() == [fails, ok, waits]
        assert table.current_key == waits  # the cursor stays on its row
        await pilot.press("s")
        assert "sorted by State ↑" in note(app)
        assert table.rows_in_order() == [fails, waits, ok]  # ERROR, RUNNING, SUCCESS
        await pilot.press(*"s" * 4)  # took, state info, description, then created again
        assert table.rows_in_order() == [waits, fails, ok]

        await pilot.click("#executions-table", offset=(table.column_x("workflow") + 2, 0))
        assert "sorted by Workflow ↑" in note(app)
        assert table.rows_in_order() == [fails, ok, waits]
        await pilot.click("#executions-table", offset=(table.column_x("created") + 2, 0))
        assert "sorted by Created at ↓" in note(app)
        assert table.rows_in_order() == [waits, fails, ok]

        await pilot.press("f")
        assert "only RUNNING" in note(app) and "1 of 3 executions" in note(app)
        await wait_for(pilot, lambda: table.rows_in_order() == [waits], "the running one")
        await pilot.press("f")
        await wait_for(pilot, lambda: table.rows_in_order() == [fails], "the failed one")
        await pilot.press("f")
        await wait_for(pilot, lambda: table.rows_in_order() == [ok], "the successful one")
        await pilot.press("f")
        assert "only" not in note(app)
        await wait_for(pilot, lambda: table.row_count == 3, "all again")
        assert table.rows_in_order() == [waits, fails, ok]

        assert table.current_key == ok  # the cursor kept its row through the filters
        await pilot.press("g")
        newest = await app.start_execution("test.order.ok", {})
        await wait_for(pilot, lambda: newest in table.rows, "the new row")
        assert table.rows_in_order()[0] == newest  # on top, and the cursor on top follows it
        assert table.current_key == newest


async def test_d_deletes_a_finished_execution_after_a_confirmation_and_refuses_a_running_one(
    make_app,
):
    app = make_app()
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        ok, waits = await start_in_turn(app, pilot, "ok", "waits")
        await pilot.press("3")
        pane = app.pane("executions")
        table = pane.table
        await wait_for(pilot, lambda: table.row_count == 2, "two rows")
        await wait_for(pilot, lambda: pane.executions[ok].state == states.SUCCESS, "SUCCESS")
        assert table.current_key == waits

        await pilot.press("d")
        refusal = "Not deleted: test.order.waits is RUNNING; cancel it first"
        await wait_for(
            pilot, lambda: refusal in [n.message for n in app._notifications], "the refusal"
        )
        assert not isinstance(app.screen, ConfirmScreen)

        await pilot.press("j", "d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        assert app.screen.question == "Delete 1 finished execution and its tasks?"
        assert app.screen.targets == [f"{ok[:8]} test.order.ok (SUCCESS)"]
        await pilot.press("n")
        assert (await app.api.get_execution(ok)).state == states.SUCCESS  # still there

        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: ok not in table.rows, "the row gone")
        with pytest.raises(NotFoundError):
            await app.api.get_execution(ok)
        assert note(app).startswith("1 execution, 1 running")


async def test_w_shows_only_the_workflow_under_the_cursor_with_the_state_filter_too(make_app):
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        started = await start_in_turn(app, pilot, "ok", "fails", "ok")
        first_ok, fails, last_ok = started
        pane = app.pane("executions")
        table = pane.table
        await pilot.press("3")
        await wait_for(pilot, lambda: table.row_count == 3, "three rows")
        await wait_for(pilot, lambda: pane.executions[fails].state == states.ERROR, "ERROR")
        assert table.current_key == last_ok

        await pilot.press("w")
        await wait_for(pilot, lambda: table.rows_in_order() == [last_ok, first_ok], "the oks")
        assert "2 of 3 executions" in note(app) and "only test.order.ok" in note(app)
        await pilot.press("f", "f")  # and ERROR: none of them
        await wait_for(pilot, lambda: table.row_count == 0, "no row")
        assert "only ERROR test.order.ok" in note(app)
        await pilot.press("w")  # every workflow, still only ERROR
        await wait_for(pilot, lambda: table.rows_in_order() == [fails], "the failed one")
        await pilot.press("f", "f")
        await wait_for(pilot, lambda: table.row_count == 3, "all again")
        assert "only" not in note(app)


RETRY_WORKBOOK = """\
version: '2.0'
name: test.retry
workflows:
  flaky:
    tasks:
      try_twice:
        action: std.fail
        retry:
          count: 2
          delay: 0
"""


async def test_the_task_list_shows_how_long_a_task_took_and_its_retries(make_app):
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: app.api is not None and app.api_ready.is_set(), "the api")
        await app.api.create_workbook(RETRY_WORKBOOK)
        execution_id = await app.start_execution("test.retry.flaky", {})
        pane = app.pane("executions")
        await pilot.press("3")
        await wait_for(
            pilot,
            lambda: getattr(pane.executions.get(execution_id), "state", None) == states.ERROR,
            "ERROR",
        )
        (task,) = await app.api.list_tasks(execution_id)
        assert task.retries == 2
        app.post_message(OpenExecution(execution_id))
        await wait_for(pilot, lambda: isinstance(app.screen, ExecutionScreen), "the execution")
        table = app.screen.query_one("#tasks-table", ResourceTable)
        await wait_for(pilot, lambda: table.row_count == 1, "the task row")
        (key,) = table.rows_in_order()
        assert table.cell(key, "retries").plain == "2"
        assert table.cell(key, "took").plain.endswith("s")


async def test_space_marks_executions_and_d_deletes_the_marked_finished_ones(make_app):
    app = make_app()
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        started = await start_in_turn(app, pilot, "ok", "fails", "waits", "ok")
        first_ok, fails, waits, last_ok = started
        await pilot.press("3")
        pane = app.pane("executions")
        table = pane.table
        await wait_for(pilot, lambda: table.row_count == 4, "four rows")
        await wait_for(pilot, lambda: pane.executions[last_ok].state == states.SUCCESS, "done")
        assert table.rows_in_order() == [last_ok, waits, fails, first_ok]

        await pilot.press("space", "space", "down", "space")  # all but fails
        assert pane.marked == {last_ok, waits, first_ok}
        assert table.cell(waits, "mark").plain.startswith("*")
        assert app.status.marked == 3
        await pilot.press("2")
        assert app.status.marked == 0  # the Workflows pane has none
        await pilot.press("3")
        assert app.status.marked == 3

        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        assert app.screen.question == (
            "Delete 2 finished executions and their tasks?"
            " (1 marked left: unfinished or sub-workflows)"
        )
        assert app.screen.targets == [
            f"{last_ok[:8]} test.order.ok (SUCCESS)",
            f"{first_ok[:8]} test.order.ok (SUCCESS)",
        ]
        await pilot.press("y")
        await wait_for(pilot, lambda: table.rows_in_order() == [waits, fails], "two rows left")
        for execution_id in (last_ok, first_ok):
            with pytest.raises(NotFoundError):
                await app.api.get_execution(execution_id)
        assert pane.marked == {waits} and app.status.marked == 1
        assert "Deleted 2 executions" in [n.message for n in app._notifications]

        await pilot.press("d")  # only the running one is marked: nothing to delete
        refusal = "Not deleted: test.order.waits is RUNNING; cancel it first"
        await wait_for(
            pilot, lambda: refusal in [n.message for n in app._notifications], "the refusal"
        )
        assert not isinstance(app.screen, ConfirmScreen)
        await pilot.press("A")
        assert pane.marked == set() and table.cell(waits, "mark").plain.strip() == ""
