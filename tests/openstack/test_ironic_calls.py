"""Generated ironic.* actions against the real sandbox Ironic, and their error messages."""

from __future__ import annotations

import asyncio
import socket
import time

from engine import clouds
from engine.actions import ActionContext, run_action
from tests.openstack.conftest import settle


async def call(name: str, **given):
    outcome = await run_action(name, given, ActionContext())
    assert outcome.error is None, outcome.error
    return outcome.data


async def wait_for(node_uuid: str, field: str, wanted: str, timeout: float = 20.0) -> dict:
    """Poll with the ironic.node_get action until `field` reads `wanted` with nothing pending."""
    deadline = time.monotonic() + timeout
    while True:
        node = await call("ironic.node_get", node_id=node_uuid)
        if node[field] == wanted and not node[f"target_{field}"]:
            return node
        assert time.monotonic() < deadline, f"{field} is {node[field]}, not {wanted}"
        await asyncio.sleep(0.1)


async def test_node_list_serialises_resources_as_mistral_did(ironic_cloud, make_node):
    mine = make_node()
    nodes = await call("ironic.node_list", detail=True, limit=0)
    by_uuid = {node["uuid"]: node for node in nodes}
    listed = by_uuid[mine["uuid"]]
    assert listed["name"] == mine["name"]
    assert listed["provision_state"] == "enroll"
    assert listed["_info"]["uuid"] == mine["uuid"]
    assert listed["_info"]["properties"]["capabilities"] == "profile:control,boot_option:local"
    assert "manager" in listed  # the client object's attributes, depth-limited


async def test_node_get_by_uuid_and_by_name(ironic_cloud, make_node):
    mine = make_node()
    by_uuid = await call("ironic.node_get", node_id=mine["uuid"])
    by_name = await call("ironic.node_get", node_id=mine["name"], fields=["uuid", "name"])
    assert by_uuid["driver"] == "fake-hardware"
    assert by_name["uuid"] == mine["uuid"]


async def test_node_update_applies_a_json_patch(ironic_cloud, make_node):
    mine = make_node()
    patch = [
        {"op": "replace", "path": "/properties/capabilities", "value": "profile:test"},
        {"op": "add", "path": "/extra/owner", "value": "tests"},
    ]
    updated = await call("ironic.node_update", node_id=mine["uuid"], patch=patch)
    assert updated["properties"]["capabilities"] == "profile:test"
    stored = clouds.ironic_client().node.get(mine["uuid"])
    assert stored.properties["capabilities"] == "profile:test"
    assert stored.extra == {"owner": "tests"}


async def test_set_power_state_reaches_the_state(ironic_cloud, make_node):
    mine = make_node()
    await call("ironic.node_set_power_state", node_id=mine["uuid"], state="on")
    assert (await wait_for(mine["uuid"], "power_state", "power on"))["power_state"] == "power on"
    await call("ironic.node_set_power_state", node_id=mine["uuid"], state="off")
    await wait_for(mine["uuid"], "power_state", "power off")


async def test_set_provision_state_manage_then_provide(ironic_cloud, make_node):
    mine = make_node()
    await call("ironic.node_set_provision_state", node_uuid=mine["uuid"], state="manage")
    await wait_for(mine["uuid"], "provision_state", "manageable")
    await call("ironic.node_set_provision_state", node_uuid=mine["uuid"], state="provide")
    node = await wait_for(mine["uuid"], "provision_state", "available")
    assert node["last_error"] is None


async def test_wait_for_provision_state_runs_in_a_thread(ironic_cloud, make_node):
    mine = make_node()
    await call("ironic.node_set_provision_state", node_uuid=mine["uuid"], state="manage")
    await call(
        "ironic.node_wait_for_provision_state",
        node_ident=mine["uuid"],
        expected_state="manageable",
        timeout=20,
        poll_interval=0.2,
    )
    assert settle(clouds.ironic_client(), mine["uuid"]).provision_state == "manageable"


async def test_unknown_node_gives_the_api_message(ironic_cloud):
    outcome = await run_action("ironic.node_get", {"node_id": "123"}, ActionContext())
    assert outcome.error == "ironic.node_get failed: Node 123 could not be found. (HTTP 404)"


async def test_a_bad_state_change_gives_the_api_message(ironic_cloud, make_node):
    mine = make_node()
    outcome = await run_action(
        "ironic.node_set_provision_state",
        {"node_uuid": mine["uuid"], "state": "deleted"},
        ActionContext(),
    )
    assert outcome.error.startswith("ironic.node_set_provision_state failed: ")
    assert outcome.error.endswith("(HTTP 400)")
    assert mine["uuid"] in outcome.error


async def test_secret_patch_values_are_masked_in_errors(ironic_cloud, make_node):
    mine = make_node()
    patch = [{"op": "remove", "path": "/driver_info/ipmi_password", "value": "s3cret-value"}]
    outcome = await run_action(
        "ironic.node_update", {"node_id": mine["uuid"], "patch": patch}, ActionContext()
    )
    assert "s3cret-value" not in outcome.error
    assert "'value': '***'" in outcome.error


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_unreachable_ironic_names_the_endpoint(monkeypatch):
    # ironicclient retries a refused connection 5 times, 2 s apart: this test takes ~10 s.
    endpoint = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("OS_ENDPOINT", endpoint)
    monkeypatch.delenv("OS_CLOUD", raising=False)
    monkeypatch.delenv("OS_AUTH_URL", raising=False)
    clouds.reset()
    try:
        outcome = await run_action("ironic.node_list", {}, ActionContext())
    finally:
        clouds.reset()
    assert outcome.error == (
        f"ironic.node_list failed: cannot reach Ironic at {endpoint}: Connection refused"
    )


async def test_unreachable_heat_names_the_endpoint(monkeypatch):
    endpoint = f"http://127.0.0.1:{free_port()}/v1/admin"
    monkeypatch.setenv("OS_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("OS_ORCHESTRATION_ENDPOINT_OVERRIDE", endpoint)
    monkeypatch.delenv("OS_CLOUD", raising=False)
    monkeypatch.delenv("OS_AUTH_URL", raising=False)
    clouds.reset()
    try:
        outcome = await run_action("heat.stacks_list", {}, ActionContext())
    finally:
        clouds.reset()
    assert outcome.error == (
        f"heat.stacks_list failed: cannot reach Heat at {endpoint}: Connection refused"
    )


async def test_no_heat_endpoint_says_how_to_set_one(ironic_cloud):
    outcome = await run_action("heat.stacks_get", {"stack_id": "overcloud"}, ActionContext())
    assert outcome.error.startswith("heat.stacks_get needs Heat: no endpoint (")
    assert "OS_ORCHESTRATION_ENDPOINT_OVERRIDE" in outcome.error
