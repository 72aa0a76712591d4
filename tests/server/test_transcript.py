"""The issue's transcript: the `mistral` CLI of python-mistralclient against our engine serving
Mistral's v2 API, with the sandbox Ironic behind it."""

from __future__ import annotations

import json
import time
import uuid

from engine import clouds

NODES_BY_PROFILE = """\
version: '2.0'
nodes_by_profile:
  input:
    - profile
  tasks:
    list_nodes:
      action: ironic.node_list detail=true limit=0
      publish:
        nodes: <% let(wanted => concat('profile:', $.profile)) -> task(list_nodes).result
          .where($wanted in ($.properties.get('capabilities') or '').split(',')).uuid %>
  output:
    nodes: <% $.nodes %>
"""


def field(table: str, name: str) -> str:
    """A value from a `Field | Value` table the CLI printed."""
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0] == name:
            return cells[1]
    raise AssertionError(f"no {name} in\n{table}")


def wait_done(server, execution_id: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        state = field(server.cli("execution-get", execution_id).stdout, "State")
        if state not in ("IDLE", "RUNNING"):
            return state
        assert time.monotonic() < deadline, f"execution {execution_id} still {state}"
        time.sleep(0.2)


def test_the_mistral_cli_runs_the_transcript(server, make_node, tmp_path):
    listed = server.cli("workbook-list").stdout
    assert "tripleo.baremetal.v1" in listed

    shown = server.cli("workflow-get", "tripleo.baremetal.v1.tag_node").stdout
    assert field(shown, "Name") == "tripleo.baremetal.v1.tag_node"
    assert field(shown, "Input") == "node_uuid, role=None, queue_name=tripleo"

    node = make_node()
    role = f"role{uuid.uuid4().hex[:8]}"
    created = server.cli(
        "execution-create",
        "tripleo.baremetal.v1.tag_node",
        json.dumps({"node_uuid": node["uuid"], "role": role}),
    ).stdout
    tag_id = field(created, "ID")
    assert wait_done(server, tag_id) == "SUCCESS"
    capabilities = clouds.ironic_client().node.get(node["uuid"]).properties["capabilities"]
    assert f"profile:{role}" in capabilities.split(",")

    definition = tmp_path / "nodes_by_profile.yaml"
    definition.write_text(NODES_BY_PROFILE)
    made = server.cli("workflow-create", str(definition)).stdout
    assert "nodes_by_profile" in made

    created = server.cli("execution-create", "nodes_by_profile", json.dumps({"profile": role}))
    find_id = field(created.stdout, "ID")
    assert wait_done(server, find_id) == "SUCCESS"

    tag_output = json.loads(server.cli("execution-get-output", tag_id).stdout)
    assert tag_output["status"] == "SUCCESS"
    assert node["uuid"] in tag_output["message"]
    find_output = json.loads(server.cli("execution-get-output", find_id).stdout)
    assert find_output == {"nodes": [node["uuid"]]}
