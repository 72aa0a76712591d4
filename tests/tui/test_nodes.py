"""The Nodes pane against the real sandbox Ironic: nodes of this test's own are listed, marked,
tagged with a profile through tripleo.baremetal.v1 (the profile column changes when the
execution ends), untagged, managed and provided after a confirmation that names them, and
tagged while another process runs the engine; keys typed while a dialog opens reach it."""

from __future__ import annotations

import pytest
from textual import events

from engine.core import states
from tests.cli.engine_process import start_engine, stop_engine
from tests.openstack.conftest import ironic_cloud, make_node  # noqa: F401 (fixtures)
from tests.tui.conftest import wait_for
from tripleo_tui.app import TripleoTuiApp
from tripleo_tui.screens.confirm import ConfirmScreen
from tripleo_tui.screens.profile import ProfileScreen
from tripleo_tui.widgets.status_bar import StatusBar

SLOW = 60.0  # Ironic and the engine at work


@pytest.fixture
def app_on_sandbox(tmp_path, ironic_cloud):  # noqa: F811
    return TripleoTuiApp(tmp_path / "state.sqlite")


def profile(app, uuid: str) -> str:
    return app.pane("nodes").table.cell(uuid, "profile").plain


async def put_cursor_on(app, pilot, uuid: str) -> None:
    table = app.pane("nodes").table
    await wait_for(pilot, lambda: uuid in table.rows, f"node {uuid}", SLOW)
    table.move_cursor(row=table.get_row_index(uuid), animate=False)
    await pilot.pause()


async def test_tag_two_nodes_then_untag_one(app_on_sandbox, make_node):  # noqa: F811
    first, second = make_node()["uuid"], make_node()["uuid"]
    app = app_on_sandbox
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("4")
        nodes = app.pane("nodes")
        await wait_for(pilot, lambda: first in nodes.nodes and second in nodes.nodes, "nodes", SLOW)
        assert profile(app, first) == "control"
        assert "Ironic" in app.query_one(StatusBar).endpoint

        for uuid in (first, second):
            await put_cursor_on(app, pilot, uuid)
            await pilot.press("space")
        assert nodes.marked == {first, second}
        assert app.query_one(StatusBar).marked == 2
        assert nodes.table.cell(first, "mark").plain == "*"

        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen), "profile dialog")
        await pilot.press(*"tui-compute", "enter")
        await wait_for(pilot, lambda: nodes.following, "the tagging execution", SLOW)
        assert profile(app, first) == "→ tui-compute"  # shown while the execution runs
        assert nodes.marked == set()
        (execution_id,) = nodes.following
        executions = app.pane("executions").executions
        await wait_for(pilot, lambda: execution_id in executions, "the execution row")
        assert executions[execution_id].workflow_name == "tripleo.baremetal.v1.tag_nodes"
        started = await app.api.get_execution(execution_id)
        assert sorted(started.input["tag_node_uuids"]) == sorted([first, second])

        done = lambda: profile(app, first) == profile(app, second) == "tui-compute"  # noqa: E731
        await wait_for(pilot, done, "the new profiles", SLOW)
        assert executions[execution_id].state == states.SUCCESS
        assert not nodes.following

        app.open_execution(execution_id)  # one tag_node sub-workflow per node
        await wait_for(pilot, lambda: len(getattr(app.screen, "subs", [])) == 2, "sub-executions")
        subs = app.screen.query_one("#subs-table")
        assert [subs.cell(key, "workflow").plain for key in subs.rows_in_order()] == [
            "tripleo.baremetal.v1.tag_node"
        ] * 2
        await pilot.press("escape")

        await pilot.press("4")
        await put_cursor_on(app, pilot, second)
        await pilot.press("u")
        await wait_for(pilot, lambda: profile(app, second) == "", "profile removed", SLOW)
        assert profile(app, first) == "tui-compute"


async def test_manage_and_provide_ask_naming_the_nodes(app_on_sandbox, make_node):  # noqa: F811
    node = make_node()
    app = app_on_sandbox
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("4")
        await put_cursor_on(app, pilot, node["uuid"])
        assert app.pane("nodes").nodes[node["uuid"]].provision_state == "enroll"
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        assert app.screen.targets == [f"{node['name']} ({node['uuid']})"]
        await pilot.press("n")
        assert not app.pane("nodes").following
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")
        managed = lambda: app.pane("nodes").nodes[node["uuid"]].provision_state == "manageable"  # noqa: E731
        await wait_for(pilot, managed, "manageable", SLOW)

        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        assert "provide" in app.screen.question
        assert app.screen.targets == [f"{node['name']} ({node['uuid']})"]
        await pilot.press("y")
        available = lambda: app.pane("nodes").nodes[node["uuid"]].provision_state == "available"  # noqa: E731
        await wait_for(pilot, available, "available", SLOW)

        def provide_states():  # the workflow still posts its message after the node is available
            executions = app.pane("executions").executions.values()
            return [ex.state for ex in executions if ex.workflow_name.endswith(".provide")]

        await wait_for(
            pilot, lambda: provide_states() not in ([], [states.RUNNING]), "provide's end", SLOW
        )
        assert provide_states() == [states.SUCCESS]


def type_fast(app, keys: list[str]) -> None:
    """As a terminal delivers them: no waiting between keys."""
    for key in keys:
        app.post_message(events.Key("space" if key == " " else key, key))


async def test_keys_typed_while_a_dialog_opens_reach_it(app_on_sandbox, make_node):  # noqa: F811
    node = make_node()["uuid"]
    app = app_on_sandbox
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await put_cursor_on(app, pilot, node)
        pane = app.pane("nodes")
        type_fast(app, list("tcompute"))  # m would be Manage, u Remove profile, t Tag again
        await wait_for(pilot, lambda: app.screen.query("ProfileScreen #profile"), "the dialog")
        profile = app.screen.query_one("#profile")
        await wait_for(pilot, lambda: profile.value == "compute", "the typed profile")
        await pilot.press("escape")
        assert not isinstance(app.screen, ConfirmScreen) and not pane.following

        type_fast(app, list("Mdisk swap"))  # i would be Register, space Mark
        await wait_for(pilot, lambda: app.screen.query("ReasonScreen #reason"), "the dialog")
        reason = app.screen.query_one("#reason")
        await wait_for(pilot, lambda: reason.value == "disk swap", "the typed reason")
        assert not pane.marked
        await pilot.press("escape")
        assert not pane.nodes[node].maintenance


@pytest.fixture
def engine_elsewhere(tmp_path, ironic_cloud):  # noqa: F811
    """A headless engine on the console's state file, with the sandbox Ironic."""
    db = tmp_path / "state.sqlite"
    process = start_engine(db)
    yield process
    stop_engine(db)
    process.communicate(timeout=30)


async def test_tagging_goes_to_the_engine_of_another_process(
    app_on_sandbox,
    engine_elsewhere,
    make_node,  # noqa: F811
):
    node = make_node()["uuid"]
    app = app_on_sandbox
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, app.engine_ready.is_set, "the engine check")
        assert not app.engine_running
        await pilot.press("4")
        await put_cursor_on(app, pilot, node)
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen), "profile dialog")
        await pilot.press(*"tui-elsewhere", "enter")
        await wait_for(pilot, lambda: profile(app, node) == "tui-elsewhere", "the profile", SLOW)
        (tagging,) = app.pane("executions").executions.values()
        assert tagging.workflow_name == "tripleo.baremetal.v1.tag_node"
        assert tagging.state == states.SUCCESS
        assert not app.pane("nodes").following
    assert engine_elsewhere.poll() is None  # it ran the tagging; the console never took over
