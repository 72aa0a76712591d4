"""tripleo.baremetal.* actions: nodes JSON checks, capability helpers, and registering nodes in
the sandbox Ironic."""

from __future__ import annotations

import os
import uuid

import pytest

from engine import clouds, sandbox
from engine.actions import ActionContext, get_action, run_action
from engine.actions.tripleo import nodes


async def call(name: str, **given):
    outcome = await run_action(name, given, ActionContext())
    assert outcome.error is None, outcome.error
    return outcome.data


def test_inputs_as_action_list_shows_them():
    assert get_action("tripleo.baremetal.register_or_update_nodes").input_text == (
        "nodes_json, remove=false, kernel_name=null, ramdisk_name=null, "
        'instance_boot_option="local"'
    )
    assert get_action("tripleo.baremetal.validate_nodes").input_text == "nodes_json"
    assert get_action("tripleo.baremetal.get_profile").input_text == "node"
    assert get_action("tripleo.baremetal.capability_patch").input_text == (
        "node, capability, value=null"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("profile:compute,boot_option:local", {"profile": "compute", "boot_option": "local"}),
        (" profile : compute , boot_option:local,", {"profile": "compute", "boot_option": "local"}),
        ("", {}),
        (None, {}),
        ({"profile": "x"}, {"profile": "x"}),
    ],
)
def test_capabilities_to_dict(text, expected):
    assert nodes.capabilities_to_dict(text) == expected


async def test_capability_patch_puts_the_profile_first_and_keeps_the_rest():
    node = {"uuid": "u", "properties": {"capabilities": "boot_option:local,profile:control"}}
    patch = await call(
        "tripleo.baremetal.capability_patch", node=node, capability="profile", value="test"
    )
    assert patch == [
        {
            "op": "replace",
            "path": "/properties/capabilities",
            "value": "profile:test,boot_option:local",
        }
    ]
    untag = await call("tripleo.baremetal.capability_patch", node=node, capability="profile")
    assert untag[0]["value"] == "boot_option:local"
    bare = await call(
        "tripleo.baremetal.capability_patch",
        node={"properties": {}},
        capability="profile",
        value="x",
    )
    assert bare == [{"op": "add", "path": "/properties/capabilities", "value": "profile:x"}]


async def test_get_profile_reads_the_capabilities():
    node = {"uuid": "u1", "properties": {"capabilities": "boot_option:local,profile:compute"}}
    assert await call("tripleo.baremetal.get_profile", node=node) == {
        "uuid": "u1",
        "profile": "compute",
    }
    plain = await call("tripleo.baremetal.get_profile", node={"uuid": "u2", "properties": {}})
    assert plain == {"uuid": "u2", "profile": None}


async def test_validate_nodes_names_every_problem_and_no_password():
    nodes_json = {
        "nodes": [
            {"name": "a", "pm_type": "ipmi", "pm_password": "hunter2-pw", "mac": ["zz"]},
            {"name": "a", "pm_type": "fake-hardware", "cpus": 4, "memory": "lots"},
            {"pm_type": "idrac"},
            "node",
        ]
    }
    outcome = await run_action(
        "tripleo.baremetal.validate_nodes", {"nodes_json": nodes_json}, ActionContext()
    )
    assert outcome.error == (
        "Invalid nodes JSON:\n"
        "  node 1 (a): pm_type ipmi needs pm_addr, pm_user\n"
        "  node 1 (a): invalid MAC 'zz'\n"
        "  node 2 (a): unknown keys ['cpus']\n"
        "  node 2 (a): memory must be a whole number, not 'lots'\n"
        "  node 2 (a): name 'a' is also used by node 1 (a)\n"
        "  node 3: pm_type 'idrac' is not supported (supported: fake-hardware, ipmi, redfish)\n"
        "  node 4: must be a dict, not str"
    )
    assert "hunter2-pw" not in outcome.error


async def test_validate_nodes_finds_shared_macs_and_power_addresses():
    entry = {"pm_type": "ipmi", "pm_addr": "10.0.0.1", "pm_user": "u", "pm_password": "pw-123456"}
    nodes_json = [
        {**entry, "mac": ["52:54:00:00:00:01"]},
        {**entry, "mac": ["52:54:00:00:00:01"]},
    ]
    outcome = await run_action(
        "tripleo.baremetal.validate_nodes", {"nodes_json": nodes_json}, ActionContext()
    )
    assert outcome.error == (
        "Invalid nodes JSON:\n"
        "  node 2: MAC 52:54:00:00:00:01 is also on node 1\n"
        "  node 2: power address 10.0.0.1 is also used by node 1"
    )


async def test_a_valid_list_passes():
    nodes_json = [{"name": "n", "pm_type": "fake-hardware", "mac": ["52:54:00:00:00:02"]}]
    outcome = await run_action(
        "tripleo.baremetal.validate_nodes", {"nodes_json": nodes_json}, ActionContext()
    )
    assert outcome.ok and outcome.data is None


def test_node_fields_map_pm_keys_to_driver_info_and_properties():
    fields = nodes.node_fields(
        {
            "name": "c0",
            "pm_type": "ipmi",
            "pm_addr": "10.0.0.5",
            "pm_user": "admin",
            "pm_password": "pw",
            "pm_port": 623,
            "mac": ["52:54:00:AA:00:01"],
            "cpu": "4",
            "memory": 8192,
            "disk": 40,
            "arch": "x86_64",
            "capabilities": "profile:compute",
        },
        instance_boot_option="local",
    )
    assert fields.driver == "ipmi"
    assert fields.driver_info == {
        "ipmi_address": "10.0.0.5",
        "ipmi_username": "admin",
        "ipmi_password": "pw",
        "ipmi_port": 623,
    }
    assert fields.properties == {
        "cpus": 4,
        "memory_mb": 8192,
        "local_gb": 40,
        "cpu_arch": "x86_64",
        "capabilities": "profile:compute,boot_option:local",
    }
    assert fields.macs == ("52:54:00:aa:00:01",)
    assert fields.resource_class == "baremetal"


def unique_mac() -> str:
    tail = uuid.uuid4().hex[:6]
    return f"52:54:01:{tail[0:2]}:{tail[2:4]}:{tail[4:6]}"


async def test_register_creates_then_updates_in_place(ironic_cloud):
    client = clouds.ironic_client()
    name = f"tt-reg-{uuid.uuid4().hex[:8]}"
    mac = unique_mac()
    entry = {"name": name, "pm_type": "fake-hardware", "mac": [mac], "cpu": 2, "memory": 2048}
    try:
        [created] = await call(
            "tripleo.baremetal.register_or_update_nodes",
            nodes_json=[entry],
            kernel_name="http://images/deploy.kernel",
        )
        assert created["name"] == name and created["provision_state"] == "enroll"
        assert created["properties"]["capabilities"] == "boot_option:local"
        assert created["driver_info"]["deploy_kernel"] == "http://images/deploy.kernel"
        assert [port.address for port in client.port.list(node=created["uuid"])] == [mac]

        # Matched by its MAC although renamed: the same node, changed in place.
        renamed = {**entry, "name": f"{name}-b", "cpu": 8}
        [updated] = await call("tripleo.baremetal.register_or_update_nodes", nodes_json=[renamed])
        assert updated["uuid"] == created["uuid"]
        stored = client.node.get(created["uuid"])
        assert (stored.name, stored.properties["cpus"]) == (f"{name}-b", 8)
        assert len(client.port.list(node=created["uuid"])) == 1
    finally:
        for node in client.node.list(limit=0):
            if node.name and node.name.startswith(name):
                client.node.delete(node.uuid)


async def test_register_refuses_an_invalid_list_before_any_call(ironic_cloud):
    outcome = await run_action(
        "tripleo.baremetal.register_or_update_nodes",
        {"nodes_json": [{"pm_type": "ipmi", "pm_password": "s3cret-pw"}]},
        ActionContext(),
    )
    assert outcome.error == ("Invalid nodes JSON:\n  node 1: pm_type ipmi needs pm_addr, pm_user")


async def test_register_reports_ironic_refusals(ironic_cloud):
    entry = {
        "name": f"tt-ipmi-{uuid.uuid4().hex[:8]}",
        "pm_type": "ipmi",
        "pm_addr": "10.9.9.9",
        "pm_user": "admin",
        "pm_password": "s3cret-pw",
    }
    outcome = await run_action(
        "tripleo.baremetal.register_or_update_nodes", {"nodes_json": [entry]}, ActionContext()
    )
    # The sandbox enables fake-hardware only.
    assert outcome.error.startswith("tripleo.baremetal.register_or_update_nodes failed: ")
    assert "driver ipmi" in outcome.error and outcome.error.endswith("(HTTP 400)")
    assert "s3cret-pw" not in outcome.error


@pytest.fixture
def private_ironic(tmp_path, monkeypatch):
    """An Ironic of this test alone (remove=True deletes every node not listed)."""
    directory = tmp_path / "sandbox"
    endpoint = sandbox.up(nodes=0, directory=directory, venv=sandbox.venv_dir()).endpoint
    for name in [name for name in os.environ if name.startswith("OS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("OS_ENDPOINT", endpoint)
    clouds.reset()
    yield
    clouds.reset()
    sandbox.down(directory)


async def test_register_with_remove_deletes_the_nodes_not_listed(private_ironic):
    first = {"name": "keep", "pm_type": "fake-hardware", "mac": ["52:54:03:00:00:01"]}
    second = {"name": "drop", "pm_type": "fake-hardware", "mac": ["52:54:03:00:00:02"]}
    await call("tripleo.baremetal.register_or_update_nodes", nodes_json=[first, second])
    [kept] = await call(
        "tripleo.baremetal.register_or_update_nodes", nodes_json=[first], remove=True
    )
    assert [node.name for node in clouds.ironic_client().node.list()] == ["keep"]
    assert kept["name"] == "keep"
