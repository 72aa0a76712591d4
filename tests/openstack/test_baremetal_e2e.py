"""tripleo.baremetal.v1 and the nodes-with-profile example run by the real engine against the
sandbox Ironic; results checked in Ironic and in the state file's queue."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from engine import clouds
from engine.api.embedded import EmbeddedBackend
from engine.store import queues
from tests.openstack.conftest import settle

EXAMPLE = Path(__file__).resolve().parents[2] / "workbooks" / "examples"
TIMEOUT = 60


@pytest.fixture
async def api(tmp_path, ironic_cloud):
    api = await EmbeddedBackend.open(tmp_path / "state.sqlite")
    assert api.workbook_load_problems == []
    yield api
    await api.close()


async def run(api: EmbeddedBackend, workflow: str, given: dict):
    started = await api.start_execution(f"tripleo.baremetal.v1.{workflow}", given)
    return await api.wait_execution(started.id, timeout=TIMEOUT)


async def posted(api: EmbeddedBackend, execution_id: str) -> list[queues.MessageRecord]:
    return await queues.messages_of_execution(api.store, execution_id, time.time())


def node(node_uuid: str):
    return settle(clouds.ironic_client(), node_uuid)


async def test_tag_node_sets_the_profile_and_posts_success(api, make_node):
    mine = make_node("profile:control,boot_option:local")
    execution = await run(api, "tag_node", {"node_uuid": mine["uuid"], "role": "test"})
    assert execution.state == "SUCCESS", execution.state_info
    assert node(mine["uuid"]).properties["capabilities"] == "profile:test,boot_option:local"
    [message] = await posted(api, execution.id)
    assert (message.queue_name, message.type, message.status) == (
        "tripleo",
        "tripleo.baremetal.v1.tag_node",
        "SUCCESS",
    )
    assert message.message == (
        f"Node {mine['uuid']} capabilities are profile:test,boot_option:local"
    )
    assert message.body["payload"]["execution"]["id"] == execution.id


async def test_tag_node_without_a_role_removes_the_profile(api, make_node):
    mine = make_node("boot_option:local,profile:control")
    execution = await run(api, "tag_node", {"node_uuid": mine["uuid"], "queue_name": "mine"})
    assert execution.state == "SUCCESS", execution.state_info
    assert node(mine["uuid"]).properties["capabilities"] == "boot_option:local"
    [message] = await posted(api, execution.id)
    assert message.queue_name == "mine"


async def test_tag_node_adds_capabilities_to_a_node_without_them(api, make_node):
    mine = make_node(None)
    execution = await run(api, "tag_node", {"node_uuid": mine["uuid"], "role": "test"})
    assert execution.state == "SUCCESS", execution.state_info
    assert node(mine["uuid"]).properties["capabilities"] == "profile:test"


async def test_tag_node_keeps_the_last_of_repeated_capabilities(api, make_node):
    mine = make_node("a:1,profile:old,b:2,a:3")
    execution = await run(api, "tag_node", {"node_uuid": mine["uuid"], "role": "new"})
    assert execution.state == "SUCCESS", execution.state_info
    assert node(mine["uuid"]).properties["capabilities"] == "profile:new,a:3,b:2"


async def test_tag_node_refuses_a_capability_without_a_colon(api, make_node):
    """As tripleo-common reads capabilities; the node is left as it was. The patch expression
    fails before make_patch runs, which fails the workflow there (as Mistral does), with no
    queue message."""
    mine = make_node("profile:control,boot_option")
    execution = await run(api, "tag_node", {"node_uuid": mine["uuid"], "role": "test"})
    assert execution.state == "ERROR"
    assert "task=make_patch" in execution.state_info
    assert node(mine["uuid"]).properties["capabilities"] == "profile:control,boot_option"
    assert await posted(api, execution.id) == []


async def test_tag_node_on_an_unknown_node_fails_naming_the_cause(api):
    missing = str(uuid.uuid4())
    execution = await run(api, "tag_node", {"node_uuid": missing, "role": "test"})
    assert execution.state == "ERROR"
    cause = f"ironic.node_get failed: Node {missing} could not be found. (HTTP 404)"
    assert cause in execution.state_info
    [message] = await posted(api, execution.id)
    assert (message.status, message.message) == ("FAILED", cause)


async def test_tag_nodes_tags_and_untags(api, make_node):
    tagged, untagged = make_node("boot_option:local"), make_node("profile:old,boot_option:local")
    execution = await run(
        api,
        "tag_nodes",
        {"tag_node_uuids": [tagged["uuid"]], "untag_node_uuids": [untagged["uuid"]], "role": "x"},
    )
    assert execution.state == "SUCCESS", execution.state_info
    assert node(tagged["uuid"]).properties["capabilities"] == "profile:x,boot_option:local"
    assert node(untagged["uuid"]).properties["capabilities"] == "boot_option:local"
    [message] = await posted(api, execution.id)
    assert (message.type, message.status) == ("tripleo.baremetal.v1.tag_nodes", "SUCCESS")


async def test_manage_then_provide_reach_their_states(api, make_node):
    mine = make_node()
    managed = await run(api, "manage", {"node_uuids": [mine["uuid"]]})
    assert managed.state == "SUCCESS", managed.state_info
    assert node(mine["uuid"]).provision_state == "manageable"
    [message] = await posted(api, managed.id)
    assert (message.type, message.status) == ("tripleo.baremetal.v1.manage", "SUCCESS")

    clouds.ironic_client().node.set_power_state(mine["uuid"], "on")
    assert node(mine["uuid"]).power_state == "power on"
    provided = await run(api, "provide", {"node_uuids": [mine["uuid"]]})
    assert provided.state == "SUCCESS", provided.state_info
    final = node(mine["uuid"])
    assert (final.provision_state, final.power_state) == ("available", "power off")
    [message] = await posted(api, provided.id)
    assert (message.type, message.status) == ("tripleo.baremetal.v1.provide", "SUCCESS")


async def test_set_power_state_waits_for_the_target(api, make_node):
    mine = make_node()
    execution = await run(
        api,
        "set_power_state",
        {"node_uuid": mine["uuid"], "state_action": "on", "target_state": "power on"},
    )
    assert execution.state == "SUCCESS", execution.state_info
    assert node(mine["uuid"]).power_state == "power on"


async def test_manage_of_an_unknown_node_fails_naming_the_cause(api):
    missing = str(uuid.uuid4())
    execution = await run(api, "manage", {"node_uuids": [missing]})
    assert execution.state == "ERROR"
    assert f"Node {missing} could not be found. (HTTP 404)" in execution.state_info
    [message] = await posted(api, execution.id)
    assert message.status == "FAILED"
    assert f"Node {missing} could not be found" in message.message


async def test_a_state_the_node_cannot_reach_fails_with_where_it_stopped(api, make_node):
    mine = make_node()
    execution = await run(
        api,
        "set_node_state",
        {"node_uuid": mine["uuid"], "state_action": "manage", "target_state": "available"},
    )
    assert execution.state == "ERROR"
    assert f"Node {mine['uuid']} is manageable, not available" in execution.state_info


async def test_register_or_update_brings_new_nodes_to_available(api):
    name = f"tt-e2e-{uuid.uuid4().hex[:8]}"
    tail = uuid.uuid4().hex[:4]
    nodes_json = [
        {"name": name, "pm_type": "fake-hardware", "mac": [f"52:54:02:00:{tail[:2]}:{tail[2:]}"]}
    ]
    client = clouds.ironic_client()
    try:
        execution = await run(
            api, "register_or_update", {"nodes_json": nodes_json, "initial_state": "available"}
        )
        assert execution.state == "SUCCESS", execution.state_info
        registered = client.node.get(name)
        assert (registered.provision_state, registered.power_state) == ("available", "power off")
        [message] = await posted(api, execution.id)
        assert message.type == "tripleo.baremetal.v1.register_or_update"
        assert [n["name"] for n in message.body["payload"]["registered_nodes"]] == [name]
    finally:
        for found in client.node.list(limit=0):
            if found.name == name:
                client.node.delete(found.uuid)


async def test_register_or_update_refuses_a_bad_list(api):
    execution = await run(api, "register_or_update", {"nodes_json": [{"pm_type": "idrac"}]})
    assert execution.state == "ERROR"
    assert "node #0: unknown pm_type (ironic driver to use): idrac" in execution.state_info
    [message] = await posted(api, execution.id)
    assert (message.type, message.status) == ("tripleo.baremetal.v1.register_or_update", "FAILED")


async def available_node_with(make_node, profile: str) -> str:
    mine = make_node(f"boot_option:local,profile:{profile}")
    client = clouds.ironic_client()
    client.node.set_provision_state(mine["uuid"], "manage")
    settle(client, mine["uuid"])
    client.node.set_provision_state(mine["uuid"], "provide")
    assert settle(client, mine["uuid"]).provision_state == "available"
    return mine["uuid"]


async def test_nodes_with_profile_posts_the_matching_nodes(api, make_node):
    profile = f"p{uuid.uuid4().hex[:8]}"
    wanted = await available_node_with(make_node, profile)
    execution = await run(api, "nodes_with_profile", {"profile": profile})
    assert execution.state == "SUCCESS", execution.state_info
    [message] = await posted(api, execution.id)
    assert message.body["payload"]["matching_nodes"] == [wanted]
    assert message.message == f"1 available node(s) with profile {profile}."


async def test_the_example_outputs_matching_and_available_nodes(api, make_node):
    profile = f"p{uuid.uuid4().hex[:8]}"
    wanted = await available_node_with(make_node, profile)
    example = EXAMPLE / "test_nodes_with_profile.yaml"
    await api.create_workflows(example.read_text(), str(example))
    started = await api.start_execution("test_nodes_with_profile", {"profile": profile})
    execution = await api.wait_execution(started.id, timeout=TIMEOUT)
    assert execution.state == "SUCCESS", execution.state_info
    assert execution.output["matching_nodes"] == [wanted]
    available = set(execution.output["available_nodes"])
    assert wanted in available
    demo = {n.uuid for n in clouds.ironic_client().node.list(limit=0) if n.name == "control-0"}
    assert demo <= available
    listed = {n.uuid for n in clouds.ironic_client().node.list(limit=0)}
    assert available <= listed
