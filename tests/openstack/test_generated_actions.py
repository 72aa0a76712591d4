"""The ironic.* and heat.* actions: names and inputs read from the installed clients."""

from __future__ import annotations

import subprocess
import sys

import pytest

from engine.actions import ActionContext, get_action, list_system_actions, run_descriptor
from engine.actions.openstack import HEAT_METHODS, IRONIC_METHODS, OpenStackProvider

# Inputs as the installed clients declare them (python-ironicclient 6.3, python-heatclient
# 5.3), with action_region placed where Mistral put it.
EXPECTED_INPUTS = {
    "ironic.node_list": (
        "associated=null, maintenance=null, marker=null, limit=null, detail=false, "
        "sort_key=null, sort_dir=null, fields=null, provision_state=null, driver=null, "
        "resource_class=null, chassis=null, fault=null, os_ironic_api_version=null, "
        "conductor_group=null, conductor=null, owner=null, retired=null, lessee=null, "
        "shards=null, sharded=null, parent_node=null, include_children=null, "
        'description_contains=null, global_request_id=null, action_region="", '
        "instance_name=null"
    ),
    "ironic.node_get": (
        'node_id, fields=null, os_ironic_api_version=null, action_region="", global_request_id=null'
    ),
    "ironic.node_update": (
        'node_id, patch, http_method="PATCH", os_ironic_api_version=null, '
        'reset_interfaces=null, action_region="", global_request_id=null'
    ),
    "ironic.node_set_provision_state": (
        "node_uuid, state, configdrive=null, cleansteps=null, rescue_password=null, "
        "os_ironic_api_version=null, global_request_id=null, deploysteps=null, "
        'servicesteps=null, runbook=null, action_region="", disable_ramdisk=null'
    ),
    "ironic.node_set_power_state": (
        "node_id, state, soft=false, timeout=null, os_ironic_api_version=null, "
        'action_region="", global_request_id=null'
    ),
    "ironic.node_validate": 'node_uuid, os_ironic_api_version=null, action_region="", '
    "global_request_id=null",
    "heat.stacks_list": 'action_region="", **kwargs',
    "heat.stacks_get": 'stack_id, action_region="", resolve_outputs=true',
    "heat.stacks_update": 'action_region="", stack_id, **kwargs',
    "heat.stacks_delete": 'stack_id, action_region=""',
    "heat.stacks_output_show": 'stack_id, output_key, action_region=""',
    "heat.resources_list": 'action_region="", stack_id, **kwargs',
    "heat.events_list": 'stack_id, action_region="", resource_name=null, **kwargs',
    "heat.build_info_build_info": 'action_region=""',
}


@pytest.fixture(scope="module")
def generated():
    return OpenStackProvider().actions()


def test_counts_match_mistrals_mapping(generated):
    ironic = sorted(name for name in generated if name.startswith("ironic."))
    heat = sorted(name for name in generated if name.startswith("heat."))
    assert len(ironic) == 44
    assert len(heat) == 47
    assert sum(map(len, IRONIC_METHODS.values())) == 44
    assert sum(map(len, HEAT_METHODS.values())) == 47
    assert "ironic.node_wait_for_provision_state" in ironic
    assert "ironic.chassis_list_nodes" in ironic
    assert "heat.software_deployments_metadata" in heat


@pytest.mark.parametrize("name", sorted(EXPECTED_INPUTS))
def test_inputs_come_from_the_client_signatures(generated, name):
    assert generated[name].input_text == EXPECTED_INPUTS[name]


def test_descriptors_call_the_mapped_client_method(generated):
    node_list = generated["ironic.node_list"]
    assert node_list.action_class.method_path == "node.list"
    assert node_list.description == "Retrieve a list of nodes."
    assert generated["heat.stacks_output_list"].action_class.method_path == "stacks.output_list"
    assert generated["heat.build_info_build_info"].action_class.method_path == (
        "build_info.build_info"
    )
    assert all(descriptor.is_system for descriptor in generated.values())
    assert generated["heat.stacks_create"].accepts_any
    assert not generated["ironic.node_get"].accepts_any


def test_the_registry_lists_them_for_action_list():
    listed = {descriptor.name: descriptor for descriptor in list_system_actions()}
    assert sum(name.startswith("ironic.") for name in listed) == 44
    assert sum(name.startswith("heat.") for name in listed) == 47
    assert listed["ironic.node_get"].input_text == EXPECTED_INPUTS["ironic.node_get"]


async def test_wrong_input_names_are_refused_before_any_call():
    outcome = await run_descriptor(get_action("ironic.node_get"), {"node": "x"}, ActionContext())
    assert outcome.error == (
        "Invalid input [name=ironic.node_get, class=IronicNodeGetAction, "
        "missing=['node_id'], unexpected=['node']]"
    )


def test_action_region_is_accepted_and_not_passed_to_the_client(generated):
    action = generated["ironic.node_get"].instantiate({"node_id": "n1", "action_region": "r1"})
    assert action.inputs == {"node_id": "n1"}


def test_secret_inputs_are_known_for_masking(generated):
    action = generated["ironic.node_create"].instantiate(
        {"driver": "ipmi", "driver_info": {"ipmi_password": "hunter22", "ipmi_address": "a"}}
    )
    assert list(action.secret_values()) == ["hunter22"]


def test_the_clients_are_imported_only_when_the_registry_loads():
    script = (
        "import sys, engine.actions\n"
        "print('ironicclient' in sys.modules, 'heatclient' in sys.modules)\n"
        "engine.actions.list_system_actions()\n"
        "print('ironicclient' in sys.modules, 'heatclient' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False", "True", "True"]
