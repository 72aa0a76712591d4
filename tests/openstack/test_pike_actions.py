"""The tripleo.baremetal.* actions of tripleo-common 7.6.0 and the nova.*, glance.*, swift.* and
baremetal_introspection.* actions, one by one: on the sandbox Ironic, and without (or with an
unreachable) endpoint for the other services."""

from __future__ import annotations

import shutil
import socket
import time

import pytest

from engine import clouds
from engine.actions import ActionContext, get_action, run_action
from tests.openstack.conftest import settle


async def call(name: str, **given):
    return await run_action(name, given, ActionContext())


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_inputs_are_pikes():
    inputs = {
        "tripleo.baremetal.update_node_capability": "node_uuid, capability, value",
        "tripleo.baremetal.configure_boot": (
            'node_uuid, kernel_name="bm-deploy-kernel", ramdisk_name="bm-deploy-ramdisk", '
            "instance_boot_option=null"
        ),
        "tripleo.baremetal.configure_root_device": (
            "node_uuid, root_device=null, minimum_size=4, overwrite=false"
        ),
        "tripleo.baremetal.get_candidate_nodes": "ip_addresses, ports, credentials, existing_nodes",
        "tripleo.baremetal.probe_node": (
            'ip, port, username, password, attempts=2, ipmi_driver="ipmi"'
        ),
        "tripleo.baremetal.cell_v2_discover_hosts": "",
        "tripleo.parameters.update_role": 'role, container="overcloud"',
        "nova.hypervisors_find": 'action_region="", **kwargs',
        "glance.images_list": 'action_region="", **kwargs',
        "swift.head_container": 'container, action_region="", headers=null',
        "baremetal_introspection.introspect": (
            'node_id=null, manage_boot=null, action_region="", uuid=null'
        ),
    }
    assert {name: get_action(name).input_text for name in inputs} == inputs


@pytest.mark.parametrize(
    ("action", "given", "service"),
    [
        ("nova.hypervisors_find", {"hypervisor_hostname": "x"}, "Nova"),
        ("nova.servers_list", {}, "Nova"),
        ("glance.images_list", {}, "Glance"),
        ("swift.head_container", {"container": "overcloud"}, "Swift"),
        ("baremetal_introspection.get_status", {"uuid": "x"}, "Ironic Inspector"),
        ("tripleo.baremetal.cell_v2_discover_hosts", {}, "Nova"),
        ("tripleo.parameters.update_role", {"role": "no-such-role"}, "Swift"),
    ],
)
async def test_without_an_endpoint_the_action_says_which_service_at_once(
    ironic_cloud, action, given, service
):
    started = time.monotonic()
    outcome = await call(action, **given)
    assert outcome.error.startswith(f"{action} needs {service}: no endpoint ("), outcome.error
    assert f"Ironic {ironic_cloud} without authentication" in outcome.error
    assert time.monotonic() - started < 5


async def test_with_an_endpoint_the_call_is_made(ironic_cloud, monkeypatch):
    """Pointed at a real HTTP server that is not Swift (the Ironic), the call reaches it."""
    monkeypatch.setenv("OS_OBJECT_STORE_ENDPOINT_OVERRIDE", ironic_cloud)
    monkeypatch.setenv("OS_COMPUTE_ENDPOINT_OVERRIDE", ironic_cloud)
    clouds.reset()
    swift = await call("swift.head_container", container="overcloud")
    assert swift.error.startswith(
        f"swift.head_container failed: Container HEAD failed: {ironic_cloud}/overcloud 404"
    ), swift.error
    nova = await call("nova.servers_list")
    try:
        import novaclient  # noqa: F401
    except ImportError:
        assert nova.error == (
            "nova.servers_list failed: Nova needs python-novaclient, which is not installed "
            "(novaclient missing): pip install python-novaclient"
        )
    else:
        assert nova.error.startswith("nova.servers_list failed: "), nova.error


async def test_update_node_capability_keeps_the_order_and_removes(make_node):
    mine = make_node("boot_option:local,profile:control")["uuid"]
    done = await call(
        "tripleo.baremetal.update_node_capability", node_uuid=mine, capability="x", value="1"
    )
    assert done.data["properties"]["capabilities"] == "boot_option:local,profile:control,x:1"
    await call(
        "tripleo.baremetal.update_node_capability", node_uuid=mine, capability="profile", value=None
    )
    client = clouds.ironic_client()
    assert settle(client, mine).properties["capabilities"] == "boot_option:local,x:1"
    missing = await call(
        "tripleo.baremetal.update_node_capability", node_uuid=mine, capability="nope", value=None
    )
    assert missing.error.startswith("KeyError: 'nope'")


async def test_configure_boot_takes_ids_and_urls(make_node):
    mine = make_node("profile:compute")["uuid"]
    kernel = "0b8e9e43-0ed3-4f4b-a6a9-3c1f9d1c7e10"
    done = await call(
        "tripleo.baremetal.configure_boot",
        node_uuid=mine,
        kernel_name=kernel,
        ramdisk_name="file:///httpboot/agent.ramdisk",
        instance_boot_option="netboot",
    )
    assert done.ok and done.data is None, done.error
    node = settle(clouds.ironic_client(), mine)
    assert node.driver_info["deploy_kernel"] == kernel
    assert node.driver_info["deploy_ramdisk"] == "file:///httpboot/agent.ramdisk"
    assert node.properties["capabilities"] == "profile:compute,boot_option:netboot"


async def test_configure_root_device(make_node):
    mine = make_node()["uuid"]
    nothing = await call("tripleo.baremetal.configure_root_device", node_uuid=mine)
    assert nothing.ok and nothing.data is None
    wanted = await call(
        "tripleo.baremetal.configure_root_device", node_uuid=mine, root_device="smallest"
    )
    assert wanted.error.startswith(
        "tripleo.baremetal.configure_root_device needs Ironic Inspector: no endpoint"
    )


async def test_get_candidate_nodes_skips_known_bmcs():
    existing = [
        {"uuid": "a", "driver": "ipmi", "driver_info": {"ipmi_address": "10.0.0.2"}},
        {
            "uuid": "b",
            "driver": "pxe_ipmitool",
            "driver_info": {"ipmi_address": "10.0.0.1", "ipmi_port": "6230"},
        },
        {"uuid": "c", "driver": "fake-hardware", "driver_info": {}},
        {"uuid": "d", "driver": "idrac", "driver_info": {"drac_address": "10.0.0.1"}},
    ]
    outcome = await call(
        "tripleo.baremetal.get_candidate_nodes",
        ip_addresses="10.0.0.0/30",
        ports=[623, "6230"],
        credentials=[["admin", "pw-1"]],
        existing_nodes=existing,
    )
    assert outcome.data == [
        {"ip": "10.0.0.1", "username": "admin", "password": "pw-1", "port": 623},
        {"ip": "10.0.0.2", "username": "admin", "password": "pw-1", "port": 6230},
    ]
    bad = await call(
        "tripleo.baremetal.get_candidate_nodes",
        ip_addresses="10.0.0.300/24",
        ports=[623],
        credentials=[],
        existing_nodes=[],
    )
    assert bad.error.startswith("AddrFormatError: ")


async def test_probe_node_without_ipmitool_says_so(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    outcome = await call(
        "tripleo.baremetal.probe_node",
        ip="127.0.0.1",
        port=623,
        username="admin",
        password="probe-pw-1",
    )
    assert outcome.error.startswith("tripleo.baremetal.probe_node needs ipmitool: not installed")


async def test_probe_node_finds_no_bmc_where_there_is_none():
    assert shutil.which("ipmitool"), "ipmitool is not installed (apt-get install ipmitool)"
    outcome = await call(
        "tripleo.baremetal.probe_node",
        ip="127.0.0.1",
        port=closed_port(),
        username="admin",
        password="pw",
        attempts=1,
    )
    assert outcome.ok and outcome.data is None, outcome.error
