"""TripleO Pike's own tripleo.baremetal.v1 workbook (tripleo-common 7.6.0), uploaded unmodified
with `tripleo-tui workbook-update` and run by the engine on the sandbox Ironic; each node's state
is checked in Ironic after each run. Only nodes the tests enroll themselves are touched."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from engine import clouds
from engine.api.embedded import EmbeddedBackend
from engine.store import queues
from tests.openstack.conftest import settle

PIKE = Path(__file__).resolve().parents[1] / "fixtures" / "tripleo-common" / "baremetal.yaml"
TIMEOUT = 90
KERNEL = "http://images.example/bm-deploy-kernel"
RAMDISK = "http://images.example/bm-deploy-ramdisk"


@pytest.fixture(scope="module")
def uploaded(tmp_path_factory) -> Path:
    """A state file holding the Pike workbook, uploaded once with the CLI."""
    state = tmp_path_factory.mktemp("pike") / "state.sqlite"
    done = subprocess.run(
        [sys.executable, "-m", "tripleo_tui", "--db", str(state), "workbook-update", str(PIKE)],
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return state


@pytest.fixture
async def api(uploaded, tmp_path, ironic_cloud):
    for part in uploaded.parent.glob(f"{uploaded.name}*"):  # the file and any -wal/-shm
        shutil.copy(part, tmp_path / part.name)
    api = await EmbeddedBackend.open(tmp_path / uploaded.name)
    definition = await api.get_workbook_definition("tripleo.baremetal.v1")
    assert definition == PIKE.read_text(), "the workbook is Pike's, unmodified"
    yield api
    await api.close()


async def run(api: EmbeddedBackend, workflow: str, given: dict):
    started = await api.start_execution(f"tripleo.baremetal.v1.{workflow}", given)
    return await api.wait_execution(started.id, timeout=TIMEOUT)


async def posted(api: EmbeddedBackend, execution_id: str) -> queues.MessageRecord:
    """The one message the execution posted to the queue."""
    [message] = await queues.messages_of_execution(api.store, execution_id, time.time())
    return message


def ironic_node(node_uuid: str):
    return settle(clouds.ironic_client(), node_uuid)


def manageable(make_node, capabilities: str = "boot_option:local") -> str:
    mine = make_node(capabilities)["uuid"]
    clouds.ironic_client().node.set_provision_state(mine, "manage")
    assert ironic_node(mine).provision_state == "manageable"
    return mine


async def test_tag_node_sets_and_removes_the_profile(api, make_node):
    mine = make_node("boot_option:local")["uuid"]
    tagged = await run(api, "tag_node", {"node_uuid": mine, "role": "compute"})
    assert tagged.state == "SUCCESS", tagged.state_info
    assert ironic_node(mine).properties["capabilities"] == "boot_option:local,profile:compute"
    untagged = await run(api, "tag_node", {"node_uuid": mine})
    assert untagged.state == "SUCCESS", untagged.state_info
    assert ironic_node(mine).properties["capabilities"] == "boot_option:local"


async def test_tag_nodes_tags_in_ironic_then_needs_the_plan_in_swift(api, make_node):
    tagged, untagged = make_node("boot_option:local"), make_node("profile:old")
    role = f"r{uuid.uuid4().hex[:6]}"
    started = time.monotonic()
    execution = await run(
        api,
        "tag_nodes",
        {"tag_node_uuids": [tagged["uuid"]], "untag_node_uuids": [untagged["uuid"]], "role": role},
    )
    capabilities = ironic_node(tagged["uuid"]).properties["capabilities"]
    assert capabilities == f"boot_option:local,profile:{role}"
    assert ironic_node(untagged["uuid"]).properties["capabilities"] == ""
    # Its last step writes the role's count and flavor into the plan (Nova and Swift). It
    # fails, and Pike's workflow, as on Mistral, posts FAILED yet ends in SUCCESS: its
    # send_message fails the workflow only on a published status, which it never publishes.
    assert execution.state == "SUCCESS", execution.state_info
    message = await posted(api, execution.id)
    assert (message.type, message.status) == ("tripleo.baremetal.v1.tag_nodes", "FAILED")
    tasks = {task.name: task for task in await api.list_tasks(execution.id)}
    update = tasks["update_role_parameters"]
    assert update.state == "ERROR"
    assert update.state_info.startswith("tripleo.parameters.update_role needs Nova: no endpoint"), (
        update.state_info
    )
    assert time.monotonic() - started < 30


async def test_set_node_state_and_set_power_state(api, make_node):
    mine = make_node()["uuid"]
    execution = await run(
        api,
        "set_node_state",
        {"node_uuid": mine, "state_action": "manage", "target_state": "manageable"},
    )
    assert execution.state == "SUCCESS", execution.state_info
    assert ironic_node(mine).provision_state == "manageable"
    execution = await run(
        api,
        "set_power_state",
        {"node_uuid": mine, "state_action": "on", "target_state": "power on"},
    )
    assert execution.state == "SUCCESS", execution.state_info
    assert ironic_node(mine).power_state == "power on"


async def test_manage(api, make_node):
    first, second = make_node()["uuid"], make_node()["uuid"]
    execution = await run(api, "manage", {"node_uuids": [first, second]})
    assert execution.state == "SUCCESS", execution.state_info
    assert {ironic_node(n).provision_state for n in (first, second)} == {"manageable"}


async def test_nodes_with_profile(api, make_node):
    profile = f"p{uuid.uuid4().hex[:8]}"
    mine = manageable(make_node, f"boot_option:local,profile:{profile}")
    clouds.ironic_client().node.set_provision_state(mine, "provide")
    assert ironic_node(mine).provision_state == "available"
    execution = await run(api, "nodes_with_profile", {"profile": profile})
    assert execution.state == "SUCCESS", execution.state_info
    assert execution.output["matching_nodes"] == [mine]


async def test_validate_nodes_takes_what_pike_takes(api):
    nodes_json = [
        {
            "_comment": "rack 4",
            "name": "ctrl-0",
            "pm_type": "pxe_ipmitool",
            "pm_addr": "10.0.0.8",
            "pm_user": "admin",
            "pm_password": "secret-pw",
            "mac": ["52:54:00:aa:bb:01"],
            "kernel_id": "b7c4c1f5-5d8e-4c1e-9a3c-0f5a6a1f2b3c",
            "ramdisk_id": "file:///httpboot/agent.ramdisk",
        }
    ]
    execution = await run(api, "validate_nodes", {"nodes_json": nodes_json})
    assert execution.state == "SUCCESS", execution.state_info
    refused = await run(api, "validate_nodes", {"nodes_json": [{"pm_type": "idrac"}]})
    assert refused.state == "ERROR"
    message = await posted(api, refused.id)
    assert message.status == "FAILED"
    assert message.message == "node #0: unknown pm_type (ironic driver to use): idrac"


async def test_register_or_update_then_configure(api):
    name = f"tt-pike-{uuid.uuid4().hex[:8]}"
    tail = uuid.uuid4().hex[:4]
    nodes_json = [
        {
            "name": name,
            "pm_type": "fake-hardware",
            "mac": [f"52:54:04:00:{tail[:2]}:{tail[2:]}"],
            "cpu": 4,
            "memory": 8192,
            "capabilities": "profile:compute",
        }
    ]
    client = clouds.ironic_client()
    try:
        execution = await run(api, "register_or_update", {"nodes_json": nodes_json})
        assert execution.state == "SUCCESS", execution.state_info
        node = settle(client, client.node.get(name).uuid)
        assert node.provision_state == "manageable"
        assert node.properties["cpus"] == "4" and node.properties["memory_mb"] == "8192"
        assert node.properties["capabilities"] == "profile:compute,boot_option:local"

        configured = await run(
            api,
            "configure",
            {"node_uuids": [node.uuid], "kernel_name": KERNEL, "ramdisk_name": RAMDISK},
        )
        assert configured.state == "SUCCESS", configured.state_info
        node = ironic_node(node.uuid)
        assert (node.driver_info["deploy_kernel"], node.driver_info["deploy_ramdisk"]) == (
            KERNEL,
            RAMDISK,
        )
        assert node.provision_state == "manageable"
    finally:
        for found in client.node.list(limit=0):
            if found.name == name:
                settle(client, found.uuid)
                client.node.delete(found.uuid)


async def test_configure_by_glance_name_without_glance_says_so(api, make_node):
    mine = manageable(make_node)
    execution = await run(api, "configure", {"node_uuids": [mine]})
    assert execution.state == "ERROR"
    message = await posted(api, execution.id)
    assert (
        "tripleo.baremetal.configure_boot (to find the kernel image 'bm-deploy-kernel' by name) "
        "needs Glance: no endpoint" in str(message.message)
    )
    assert "deploy_kernel" not in ironic_node(mine).driver_info


async def test_configure_manageable_nodes(private_ironic, api):
    """On an Ironic of its own: the workflow configures every manageable node there is."""
    client = clouds.ironic_client()
    mine = client.node.create(
        driver="fake-hardware", properties={"capabilities": "boot_option:netboot"}
    ).uuid
    client.node.set_provision_state(mine, "manage")
    assert ironic_node(mine).provision_state == "manageable"
    execution = await run(
        api,
        "configure_manageable_nodes",
        {"kernel_name": KERNEL, "ramdisk_name": RAMDISK, "instance_boot_option": "local"},
    )
    assert execution.state == "SUCCESS", execution.state_info
    node = ironic_node(mine)
    assert node.driver_info["deploy_kernel"] == KERNEL
    assert node.properties["capabilities"] == "boot_option:local"


async def test_manual_cleaning(api, make_node):
    mine = manageable(make_node)
    steps = [{"interface": "bios", "step": "factory_reset"}]  # one that fake-hardware has
    execution = await run(api, "manual_cleaning", {"node_uuid": mine, "clean_steps": steps})
    assert execution.state == "SUCCESS", execution.state_info
    assert ironic_node(mine).provision_state == "manageable"


async def test_cellv2_discovery_needs_nova_and_says_so_at_once(api, make_node):
    mine = make_node()["uuid"]
    started = time.monotonic()
    execution = await run(api, "cellv2_discovery", {"node_uuids": [mine]})
    assert execution.state == "ERROR"
    message = await posted(api, execution.id)
    assert message.message.startswith(
        "tripleo.baremetal.cell_v2_discover_hosts needs Nova: no endpoint"
    )
    assert time.monotonic() - started < 30


async def test_discover_and_enroll_nodes_probes_with_ipmitool(api):
    """A loopback port where no BMC answers: ipmitool probes it (twice, as Pike does), finds
    nothing, and nothing is enrolled."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    before = {node.uuid for node in clouds.ironic_client().node.list(limit=0)}
    execution = await run(
        api,
        "discover_and_enroll_nodes",
        {"ip_addresses": "127.0.0.1", "ports": [port], "credentials": [["admin", "probe-pw"]]},
    )
    assert execution.state == "SUCCESS", execution.state_info
    message = await posted(api, execution.id)
    assert message.body["payload"]["registered_nodes"] == []
    tasks = {task.name: task for task in await api.list_tasks(execution.id)}
    assert tasks["discover_nodes"].state == "SUCCESS"
    assert {node.uuid for node in clouds.ironic_client().node.list(limit=0)} >= before
