"""Our baremetal workbook and the nodes-with-profile example: valid, with the inputs TripleO had,
calling only actions that exist with input they accept, and posting TripleO's messages."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from engine.actions import get_action
from engine.api.embedded import EmbeddedBackend
from engine.lang import parse_workbook, parse_workflows

WORKBOOKS = Path(__file__).resolve().parents[2] / "workbooks"
BAREMETAL = WORKBOOKS / "tripleo.baremetal.v1.yaml"
EXAMPLE = WORKBOOKS / "examples" / "test_nodes_with_profile.yaml"

EXPECTED_INPUTS = {
    "set_node_state": "node_uuid, state_action, target_state",
    "set_power_state": "node_uuid, state_action, target_state",
    "manage": "node_uuids, queue_name=tripleo",
    "provide": "node_uuids, queue_name=tripleo",
    "provide_manageable_nodes": "queue_name=tripleo",
    "validate_nodes": "nodes_json, queue_name=tripleo",
    "register_or_update": (
        "nodes_json, remove=False, queue_name=tripleo, kernel_name=None, ramdisk_name=None, "
        "instance_boot_option=local, initial_state=manageable"
    ),
    "tag_node": "node_uuid, role=None, queue_name=tripleo",
    "tag_nodes": "tag_node_uuids, untag_node_uuids=[], role, queue_name=tripleo",
    "nodes_with_profile": "profile, queue_name=tripleo",
}


@pytest.fixture(scope="module")
def workbook():
    return parse_workbook(BAREMETAL.read_text(), str(BAREMETAL))


def test_the_workbook_is_valid_without_warnings(workbook):
    assert workbook.name == "tripleo.baremetal.v1"
    assert workbook.warnings == ()


def test_workflow_inputs(workbook):
    assert {name: flow.input_text for name, flow in workbook.workflows.items()} == (EXPECTED_INPUTS)


def test_every_action_exists_and_accepts_the_input_given(workbook):
    for flow in workbook.workflows.values():
        for task in flow.tasks.values():
            if task.workflow:
                assert task.workflow.removeprefix(f"{workbook.name}.") in workbook.workflows
                continue
            descriptor = get_action(task.action)
            if isinstance(task.input, dict):
                descriptor.check_input(
                    {**{p.name: None for p in descriptor.params if p.required}, **task.input}
                )


def test_notifying_workflows_post_tripleo_messages():
    raw = yaml.safe_load(BAREMETAL.read_text())
    for name, flow in raw["workflows"].items():
        send = flow["tasks"].get("send_message")
        if name in ("set_node_state", "set_power_state"):
            assert send is None  # helpers that never notify, as in TripleO
            continue
        assert send["action"] == "zaqar.queue_post"
        body = send["input"]["messages"]["body"]
        assert body["type"] == f"tripleo.baremetal.v1.{name}"
        assert {"status", "message", "execution"} <= set(body["payload"])
        assert body["payload"]["execution"] == "<% execution() %>"


def test_state_waits_poll_node_get_with_retry_and_timeout(workbook):
    for flow, task in (
        ("set_node_state", "wait_for_provision_state"),
        ("set_power_state", "wait_for_power_state"),
    ):
        spec = workbook.workflows[flow].tasks[task]
        assert spec.action == "ironic.node_get"
        assert spec.policies.retry.continue_on is not None
        assert spec.policies.timeout


def test_nodes_with_profile_makes_one_list_call(workbook):
    tasks = workbook.workflows["nodes_with_profile"].tasks.values()
    assert [task.action for task in tasks].count("ironic.node_list") == 1
    assert not any(task.with_items for task in tasks)


def test_the_example_is_a_valid_workflow_list():
    document = parse_workflows(EXAMPLE.read_text(), str(EXAMPLE))
    assert document.warnings == ()
    flow = document.workflows["test_nodes_with_profile"]
    assert flow.input_text == "profile=test"
    assert set(flow.output) == {"matching_nodes", "available_nodes"}
    [task] = flow.tasks.values()
    assert task.action == "ironic.node_list"
    assert task.input["detail"] is True


async def test_the_api_loads_the_workbook_and_workflow_get_shows_inputs(tmp_path):
    async with await EmbeddedBackend.open(tmp_path / "state.sqlite") as api:
        assert api.workbook_load_problems == []
        tag_node = await api.get_workflow("tripleo.baremetal.v1.tag_node")
        assert tag_node.input == "node_uuid, role=None, queue_name=tripleo"
        created = await api.create_workflows(EXAMPLE.read_text(), str(EXAMPLE))
        assert [workflow.name for workflow in created] == ["test_nodes_with_profile"]
