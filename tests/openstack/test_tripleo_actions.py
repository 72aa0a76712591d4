"""tripleo.baremetal.* actions: nodes JSON checks, capability helpers, and registering nodes in
the sandbox Ironic."""

from __future__ import annotations

import uuid

import pytest

from engine import clouds
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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("profile:compute,boot_option:local", {"profile": "compute", "boot_option": "local"}),
        ("profile:a:b", {"profile": "a:b"}),
        ("", {}),
        (None, {}),
        ({"profile": "x"}, {"profile": "x"}),
    ],
)
def test_capabilities_to_dict(text, expected):
    assert nodes.capabilities_to_dict(text) == expected


def test_capabilities_without_a_colon_are_refused_as_pike_does():
    with pytest.raises(ValueError):
        nodes.capabilities_to_dict("profile:compute,")


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
            {"name": "a", "pm_type": "fake-hardware", "cpus": 4, "capabilities": "x"},
            {"pm_type": "idrac"},
            {"name": "b"},
            "node",
        ]
    }
    outcome = await run_action(
        "tripleo.baremetal.validate_nodes", {"nodes_json": nodes_json}, ActionContext()
    )
    assert outcome.error == (
        "node #0: The following fields are missing: pm_addr, pm_user\n"
        "node #0: MAC address zz is invalid\n"
        'node #1: Name "a" is not unique\n'
        "node #1: Invalid capabilities: x\n"
        "node #1: Unknown field cpus\n"
        "node #2: unknown pm_type (ironic driver to use): idrac\n"
        "node #3: pm_type (ironic driver to use) is required\n"
        "node #4: must be a dict, not str"
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
        "node #1: MAC 52:54:00:00:00:01 is not unique\n"
        "node #1: Node identified by 10.0.0.1 is already present"
    )


async def test_validate_nodes_takes_what_pike_takes():
    nodes_json = [
        {"name": "n", "pm_type": "fake-hardware", "mac": ["52:54:00:00:00:02"]},
        {
            "_comment": "an old IPMI driver name, images by id and URL, a driver key",
            "pm_type": "pxe_ipmitool",
            "pm_addr": "10.0.0.2",
            "pm_user": "admin",
            "pm_password": "pw",
            "ipmi_bridging": "no",
            "kernel_id": "0b8e9e43-0ed3-4f4b-a6a9-3c1f9d1c7e10",
            "ramdisk_id": "http://images/agent.ramdisk",
            "boot_interface": "pxe",
        },
        {
            "pm_type": "redfish",
            "pm_addr": "https://bmc",
            "pm_user": "u",
            "pm_password": "p",
            "pm_system_id": "/redfish/v1/Systems/1",
        },
    ]
    outcome = await run_action(
        "tripleo.baremetal.validate_nodes", {"nodes_json": nodes_json}, ActionContext()
    )
    assert outcome.ok and outcome.data is None, outcome.error


def test_create_fields_store_properties_as_strings():
    fields, macs = nodes.create_fields(
        {
            "name": "c0",
            "pm_type": "pxe_ipmitool",
            "pm_addr": "10.0.0.5",
            "pm_user": "admin",
            "pm_password": "pw",
            "pm_port": 623,
            "mac": ["52:54:00:AA:00:01"],
            "cpu": 4,
            "memory": 8192,
            "disk": 40,
            "arch": "x86_64",
            "capabilities": {"profile": "compute"},
            "kernel_id": "k-id",
            "boot_interface": "pxe",
        }
    )
    assert fields == {
        "name": "c0",
        "driver": "pxe_ipmitool",
        "driver_info": {
            "deploy_kernel": "k-id",
            "ipmi_address": "10.0.0.5",
            "ipmi_username": "admin",
            "ipmi_password": "pw",
            "ipmi_port": 623,
        },
        "properties": {
            "cpus": "4",
            "memory_mb": "8192",
            "local_gb": "40",
            "cpu_arch": "x86_64",
            "capabilities": "profile:compute",
        },
        "resource_class": "baremetal",
        "boot_interface": "pxe",
    }
    assert macs == ["52:54:00:AA:00:01"]


def test_update_patch_adds_every_field_as_a_string():
    patch = nodes.update_patch(
        {"pm_type": "ipmi", "pm_addr": "10.0.0.5", "pm_port": 6230, "cpu": 8, "name": "c0"}
    )
    assert sorted(patch, key=lambda op: op["path"]) == [
        {"path": "/driver_info/ipmi_address", "value": "10.0.0.5", "op": "add"},
        {"path": "/driver_info/ipmi_port", "value": "6230", "op": "add"},
        {"path": "/name", "value": "c0", "op": "add"},
        {"path": "/properties/cpus", "value": "8", "op": "add"},
    ]


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
            ramdisk_name="file:///httpboot/agent.ramdisk",
        )
        assert created["name"] == name and created["provision_state"] == "enroll"
        assert created["properties"] == {
            "cpus": "2",
            "memory_mb": "2048",
            "capabilities": "boot_option:local",
        }
        assert created["driver_info"]["deploy_kernel"] == "http://images/deploy.kernel"
        assert created["driver_info"]["deploy_ramdisk"] == "file:///httpboot/agent.ramdisk"
        assert [port.address for port in client.port.list(node=created["uuid"])] == [mac]

        # Matched by its MAC although renamed: the same node, changed in place.
        renamed = {**entry, "name": f"{name}-b", "cpu": 8}
        [updated] = await call("tripleo.baremetal.register_or_update_nodes", nodes_json=[renamed])
        assert updated["uuid"] == created["uuid"]
        stored = client.node.get(created["uuid"])
        assert (stored.name, stored.properties["cpus"]) == (f"{name}-b", "8")
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
    assert outcome.error == "node #0: The following fields are missing: pm_addr, pm_user"


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


async def test_register_with_remove_deletes_the_nodes_not_listed(private_ironic):
    first = {"name": "keep", "pm_type": "fake-hardware", "mac": ["52:54:03:00:00:01"]}
    second = {"name": "drop", "pm_type": "fake-hardware", "mac": ["52:54:03:00:00:02"]}
    await call("tripleo.baremetal.register_or_update_nodes", nodes_json=[first, second])
    [kept] = await call(
        "tripleo.baremetal.register_or_update_nodes", nodes_json=[first], remove=True
    )
    assert [node.name for node in clouds.ironic_client().node.list()] == ["keep"]
    assert kept["name"] == "keep"
