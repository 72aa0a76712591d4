"""A node's details (enter on the Nodes pane) from the sandbox Ironic, secrets masked; and the
pane when Ironic stops answering: the rows stay, marked stale with the time of the last good
read, fresh again once Ironic answers; M and P through Ironic actions the backend runs.
Only nodes these tests enroll are changed."""

from __future__ import annotations

import re

import pytest
import yaml

from engine import clouds
from tests.openstack.conftest import ironic_cloud, make_node  # noqa: F401 (fixtures)
from tests.tui.conftest import wait_for
from tripleo_tui.app import TripleoTuiApp
from tripleo_tui.screens.confirm import ConfirmScreen
from tripleo_tui.screens.node import NodeScreen
from tripleo_tui.screens.reason import ReasonScreen
from tripleo_tui.widgets import nodes_pane

SLOW = 60.0


def note(app) -> str:
    return str(app.pane("nodes").query_one(".note").render())


@pytest.fixture
def refused_ironic():
    """An ironicclient at a port nobody listens on (the sandbox's credentials otherwise)."""
    from ironicclient import client

    credentials = clouds.current()
    return client.Client(
        "1", session=credentials.session(), endpoint_override="http://127.0.0.1:9", max_retries=0
    )


async def test_unreachable_ironic_marks_the_rows_stale_with_the_last_good_read(
    tmp_path,
    ironic_cloud,  # noqa: F811
    make_node,  # noqa: F811
    refused_ironic,
    monkeypatch,
):
    monkeypatch.setattr(nodes_pane, "REFRESH_SECONDS", 0.5)
    uuid = make_node()["uuid"]
    reach = {"client": clouds.ironic_client()}
    app = TripleoTuiApp(tmp_path / "state.sqlite", ironic_client=lambda: reach["client"])
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await pilot.press("4")
        pane = app.pane("nodes")
        await wait_for(pilot, lambda: uuid in pane.nodes, "the node", SLOW)
        assert "STALE" not in note(app)

        reach["client"] = refused_ironic
        await wait_for(pilot, lambda: "STALE" in note(app), "the stale mark", SLOW)
        assert re.match(r"STALE \(as read at \d\d:\d\d:\d\d; Ironic: .+\) · \d+ nodes", note(app))
        assert uuid in pane.nodes and pane.table.row_count  # the last rows stay

        reach["client"] = clouds.ironic_client()
        await wait_for(pilot, lambda: "STALE" not in note(app), "fresh rows again", SLOW)


SECRET = "n0de-s3cret-pw"


async def test_enter_opens_a_node_s_details_with_its_secrets_masked(
    tmp_path,
    ironic_cloud,  # noqa: F811
    make_node,  # noqa: F811
):
    client = clouds.ironic_client()
    made = make_node(
        capabilities="profile:compute,boot_option:local",
        driver_info={"ipmi_address": "192.0.2.7", "ipmi_password": SECRET},
    )
    uuid = made["uuid"]
    client.port.create(node_uuid=uuid, address="52:54:00:aa:bb:07")
    client.node.set_maintenance(uuid, True, maint_reason="fan replaced by the test")
    app = TripleoTuiApp(tmp_path / "state.sqlite")
    async with app.run_test(size=(120, 50)) as pilot:
        await pilot.press("4")
        table = app.pane("nodes").table
        await wait_for(pilot, lambda: uuid in table.rows, "the node", SLOW)
        table.move_cursor(row=table.get_row_index(uuid), animate=False)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, NodeScreen), "the details", SLOW)
        screen = app.screen
        await wait_for(pilot, lambda: screen.details is not None, "the node read", SLOW)
        text = screen.query_one("#node").text
        assert SECRET not in text
        details = yaml.safe_load(text)
        assert details["name"] == made["name"] and details["driver"] == "fake-hardware"
        assert details["driver_info"]["ipmi_address"] == "192.0.2.7"
        assert details["driver_info"]["ipmi_password"] != SECRET
        assert details["capabilities"] == {"profile": "compute", "boot_option": "local"}
        assert details["maintenance"] is True
        assert details["maintenance_reason"] == "fan replaced by the test"
        assert details["power_state"] is None or "power" in details["power_state"]
        shown = {"last_error", "target_power_state", "provision_state", "target_provision_state"}
        assert shown <= details.keys() and details["provision_state"] == "enroll"
        assert details["properties"]["capabilities"] == "profile:compute,boot_option:local"
        assert [port["address"] for port in details["ports"]] == ["52:54:00:aa:bb:07"]
        await pilot.press("y")
        assert app.clipboard == text
        await pilot.press("escape")
        assert not isinstance(app.screen, NodeScreen)


def node_now(uuid: str):
    return clouds.ironic_client().node.get(uuid)


async def test_maintenance_with_a_reason_and_power_through_ironic_actions(
    tmp_path,
    ironic_cloud,  # noqa: F811
    make_node,  # noqa: F811
):
    made = make_node()
    uuid = made["uuid"]
    app = TripleoTuiApp(tmp_path / "state.sqlite")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("4")
        pane = app.pane("nodes")
        table = pane.table
        await wait_for(pilot, lambda: uuid in table.rows, "the node", SLOW)
        table.move_cursor(row=table.get_row_index(uuid), animate=False)

        await pilot.press("M")
        await wait_for(pilot, lambda: isinstance(app.screen, ReasonScreen), "the reason dialog")
        assert app.screen.question == f"Put node {made['name']} into maintenance?"
        assert app.screen.targets == [f"{made['name']} ({uuid})"]
        await pilot.press(*"disk swap", "enter")
        await wait_for(pilot, lambda: pane.nodes[uuid].maintenance, "maintenance shown", SLOW)
        stored = node_now(uuid)
        assert stored.maintenance and stored.maintenance_reason == "disk swap"

        await pilot.press("M")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        assert app.screen.question == f"Take node {made['name']} out of maintenance?"
        await pilot.press("y")
        await wait_for(pilot, lambda: not pane.nodes[uuid].maintenance, "maintenance off", SLOW)
        assert not node_now(uuid).maintenance

        before = node_now(uuid).power_state
        await pilot.press("P")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        wanted = "off" if before == "power on" else "on"
        assert app.screen.question == f"Power {wanted} node {made['name']}?"
        assert app.screen.targets == [f"{made['name']} ({uuid})"]
        await pilot.press("n")
        assert node_now(uuid).power_state == before
        await pilot.press("P")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        await pilot.press("y")
        await wait_for(
            pilot, lambda: node_now(uuid).power_state == f"power {wanted}", "the power", SLOW
        )
