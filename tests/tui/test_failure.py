"""The error view: why an execution failed, whole and wrapped, from the workflow down to the
failed action's input and result; the toast naming the failed task and its reason."""

from __future__ import annotations

from textual.widgets import TextArea

from engine.api import states
from tests.tui.conftest import wait_for
from tripleo_tui.screens.execution import ExecutionScreen
from tripleo_tui.screens.failure import FailureScreen
from tripleo_tui.widgets.json_view import JsonTree, JsonView

REASON = (
    'Node compute-3 cannot be provided while it is in state "available". (HTTP 400) '
    + "and the rest of a long reason that no table column would show " * 3
).strip()
DETAIL = "the second line: in the error view only"
FAILING_WORKBOOK = f"""\
version: '2.0'
name: test.failing
workflows:
  outer:
    tasks:
      call_inner:
        workflow: inner
  inner:
    tasks:
      set_provision_state:
        action: std.fail
        input:
          error_data: |
            {REASON}
            {DETAIL}
"""


async def failed_run(app, pilot) -> str:
    await wait_for(pilot, lambda: app.api_ready.is_set(), "the api")
    await app.api.create_workbook(FAILING_WORKBOOK)
    execution_id = await app.start_execution("test.failing.outer", {})
    await wait_for(
        pilot,
        lambda: (
            getattr(app.pane("executions").executions.get(execution_id), "state", None)
            == states.ERROR
        ),
        "ERROR",
    )
    return execution_id


async def test_enter_on_an_error_row_shows_the_whole_chain_and_copies_it(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        execution_id = await failed_run(app, pilot)
        await wait_for(
            pilot,
            lambda: any("set_provision_state" in n.message for n in app._notifications),
            "the failure toast",
        )
        toast = next(n.message for n in app._notifications if "set_provision_state" in n.message)
        assert toast.splitlines()[0] == (
            f"test.failing.outer: ERROR in task set_provision_state: {REASON}"
        )
        assert DETAIL not in toast
        await pilot.press("3")
        table = app.pane("executions").table
        table.move_cursor(row=table.get_row_index(execution_id), animate=False)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FailureScreen), "the error view")
        area = app.screen.query_one("#failure", TextArea)
        await wait_for(pilot, lambda: "std.fail" in area.text, "the chain")
        text = area.text
        order = [
            "workflow test.failing.outer",
            "task call_inner",
            "workflow test.failing.inner",
            "task set_provision_state",
            "action std.fail",
        ]
        assert [text.index(part) for part in order] == sorted(text.index(p) for p in order)
        assert text.count(REASON) >= 2  # the task's state info and the action's input
        assert "result:" in text.split("action std.fail")[1]  # and the action's result
        assert DETAIL in text
        assert "error_data:" in text and "'" not in text.split("input:")[0]
        assert area.soft_wrap
        await pilot.press("y")
        assert app.clipboard == text
        await pilot.press("escape")
        assert isinstance(app.screen, ExecutionScreen)
        assert app.screen.execution_id == execution_id
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, FailureScreen), "e opens it again")


async def test_e_in_the_executions_pane_on_a_success_says_nothing_failed(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.api_ready.is_set(), "the api")
        await app.api.create_workbook(
            "version: '2.0'\nname: test.ok\nworkflows:\n  ok:\n    tasks:\n"
            "      one:\n        action: std.noop\n"
        )
        execution_id = await app.start_execution("test.ok.ok", {})
        await wait_for(
            pilot,
            lambda: (
                getattr(app.pane("executions").executions.get(execution_id), "state", None)
                == states.SUCCESS
            ),
            "SUCCESS",
        )
        await pilot.press("3", "e")
        await wait_for(pilot, lambda: isinstance(app.screen, FailureScreen), "the error view")
        area = app.screen.query_one("#failure", TextArea)
        await wait_for(pilot, lambda: "nothing failed" in area.text, "the answer")


LINES = "\n".join(f"line {number} of 12" for number in range(1, 13))
LONG_VALUE = "compute-" + "x" * 150 + "-end"


async def test_a_long_state_info_and_long_values_are_shown_whole(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.api_ready.is_set(), "the api")
        execution_id = await app.start_execution(
            "tripleo.examples.v1.wait_and_echo", {"seconds": 600}
        )
        await app.api.update_execution(execution_id, state=states.ERROR, state_info=LINES)
        app.open_execution(execution_id)
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, ExecutionScreen) and app.screen.query("#summary"),
            "the execution",
        )
        screen = app.screen
        summary = screen.query_one("#summary")
        drawn = lambda: "\n".join(  # noqa: E731
            summary.render_line(y).text for y in range(summary.size.height)
        )
        await wait_for(pilot, lambda: "line 12 of 12" in drawn(), "the whole state info")
        assert all(f"line {number} of 12" in drawn() for number in range(1, 13))

        view = screen.query_one("#input", JsonView)
        view.show({"node": LONG_VALUE})
        await pilot.press("right_square_bracket")  # the Input tab
        tree = view.query_one(JsonTree)
        assert LONG_VALUE in tree.root.children[0].label.plain  # a leaf whole, not cut
        await pilot.press("t")  # raw: wrapped, no sideways scrolling
        raw = view.query_one("#raw", TextArea)
        await wait_for(pilot, lambda: raw.has_focus, "the raw view")
        assert raw.soft_wrap and raw.virtual_size.width <= raw.scrollable_content_region.width
        shown = "".join(raw.render_line(y).text.strip() for y in range(raw.size.height))
        assert LONG_VALUE in shown
