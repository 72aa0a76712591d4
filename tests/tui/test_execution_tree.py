"""The Executions pane as a tree: sub-workflow executions folded under their root execution
(right unfolds, left folds; `d` on a root deletes the tree), and the `/` filter matching input
values (a sub-execution's too, which shows its root), never a secret."""

from __future__ import annotations

from engine.api import states
from tests.tui.conftest import wait_for
from tripleo_tui.screens.confirm import ConfirmScreen

WORKBOOK = """\
version: '2.0'
name: test.tree
workflows:
  deploy:
    input: [site, password]
    tasks:
      first:
        workflow: test.tree.middle node="compute-7"
        on-success: [second]
      second:
        workflow: test.tree.leaf node="compute-8"
  middle:
    input: [node]
    tasks:
      deeper:
        workflow: test.tree.leaf node=<% $.node + "-deep" %>
  leaf:
    input: [node]
    tasks:
      say:
        action: std.echo output=<% $.node %>
"""


def workflows_shown(app) -> list[str]:
    """Each row's fold mark and workflow name."""
    table = app.pane("executions").table
    return [
        f"{table.cell(key, 'mark').plain[1:]} {table.cell(key, 'workflow').plain}"
        for key in table.rows_in_order()
    ]


async def with_workbook(app, pilot) -> None:
    await wait_for(pilot, lambda: app.api is not None and app.api_ready.is_set(), "the api")
    await app.api.create_workbook(WORKBOOK)


async def run_deploy(app, pilot, site: str) -> str:
    execution_id = await app.start_execution(
        "test.tree.deploy", {"site": site, "password": "hunter22-secret"}
    )
    executions = app.pane("executions").executions
    await wait_for(
        pilot,
        lambda: getattr(executions.get(execution_id), "state", "") == states.SUCCESS,
        "the deploy to succeed",
    )
    await pilot.pause(1.05)  # created_at counts whole seconds: the next run is newer
    return execution_id


async def test_sub_executions_fold_under_their_root_and_unfold_with_right(make_app):
    app = make_app()
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await with_workbook(app, pilot)
        root = await run_deploy(app, pilot, "paris")
        pane = app.pane("executions")
        await wait_for(pilot, lambda: len(pane.executions) == 4, "the root and 3 sub-executions")
        await pilot.press("3")
        await wait_for(pilot, lambda: workflows_shown(app) == ["▸ test.tree.deploy"], "folded")
        assert pane.table.current_key == root

        await pilot.press("right")
        await wait_for(pilot, lambda: len(workflows_shown(app)) == 4, "unfolded")
        shown = workflows_shown(app)
        assert shown[0] == "▾ test.tree.deploy"
        assert sorted(shown[1:]) == [
            "  ↳ test.tree.leaf",
            "  ↳ test.tree.leaf",
            "  ↳ test.tree.middle",
        ]
        children = pane.table.rows_in_order()[1:]
        assert {pane.executions[key].root_execution_id for key in children} == {root}

        await pilot.press("down", "down", "left")  # on a sub-execution: fold its root
        await wait_for(pilot, lambda: workflows_shown(app) == ["▸ test.tree.deploy"], "folded")
        assert pane.table.current_key == root
        await pilot.press("left")  # nothing to fold: nothing changes
        assert workflows_shown(app) == ["▸ test.tree.deploy"]

        await pilot.press("right")
        await wait_for(pilot, lambda: len(workflows_shown(app)) == 4, "unfolded again")
        second = await run_deploy(app, pilot, "lyon")
        await wait_for(pilot, lambda: len(pane.executions) == 8, "the second tree")
        await wait_for(pilot, lambda: len(workflows_shown(app)) == 5, "its root, folded")
        order = pane.table.rows_in_order()
        assert order[0] == second and order[1] == root  # newest first; the tree under its root
        assert workflows_shown(app)[0] == "▸ test.tree.deploy"

        await pilot.press("home", "down", "down", "d")  # a sub-execution: its root is deleted
        refusal = "is a sub-workflow; delete its parent execution"
        await wait_for(
            pilot, lambda: any(refusal in n.message for n in app._notifications), "the refusal"
        )
        await pilot.press("left", "d")  # its root: the whole tree goes
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: pane.table.rows_in_order() == [second], "one tree left")
        assert len(pane.executions) == 4
        assert {ex.root_execution_id for ex in pane.executions.values()} == {None, second}


async def test_the_filter_matches_input_values_of_an_execution_and_its_sub_executions(make_app):
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await with_workbook(app, pilot)
        paris = await run_deploy(app, pilot, "paris")
        lyon = await run_deploy(app, pilot, "lyon")
        pane = app.pane("executions")
        await wait_for(pilot, lambda: len(pane.executions) == 8, "both trees")
        assert '"site":"paris"' in pane.executions[paris].input_text
        await pilot.press("3")
        await wait_for(pilot, lambda: pane.table.rows_in_order() == [lyon, paris], "two roots")

        await pilot.press("slash", *"paris")
        await wait_for(pilot, lambda: pane.table.rows_in_order() == [paris], "the paris run")
        await pilot.press("escape")
        await wait_for(pilot, lambda: pane.table.row_count == 2, "both again")

        # compute-7-deep is the input of one sub-execution of each tree: both roots match.
        await pilot.press("slash", *"compute-7-deep", "enter")
        await wait_for(pilot, lambda: pane.table.rows_in_order() == [lyon, paris], "both roots")
        await pilot.press("right")  # the matching sub-execution is among the unfolded rows
        await wait_for(pilot, lambda: pane.table.row_count == 5, "lyon unfolded")
        await pilot.press("escape")

        await pilot.press("slash", *"hunter22")  # the password is in the stored input
        await wait_for(pilot, lambda: pane.table.row_count == 0, "no row for a secret")
        assert "0 of 8 executions" in str(pane.query_one(".note").render())
