"""python-mistralclient (and plain HTTP where a client would hide the detail) against our
engine serving Mistral's v2 API: shapes, paging, errors, limits."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from mistralclient.api.base import APIException

from engine.server.app import MAX_BODY_BYTES
from tests.server.conftest import Served, start_server, stop_server

WORKBOOK = """\
version: '2.0'
name: served.v1
workflows:
  quick:
    input:
      - word: hello
    tasks:
      say:
        action: std.echo output=<% $.word %>
        publish:
          said: <% task().result %>
    output:
      said: <% $.said %>
  slow:
    tasks:
      nap:
        action: std.sleep seconds=30
  parent:
    tasks:
      child:
        workflow: quick word="nested"
"""
EXECUTIONS = 25


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One engine for the module, with the workbook above and 25 finished executions."""
    served = start_server(tmp_path_factory.mktemp("api") / "state.db", "--listen", "127.0.0.1:0")
    client = served.client()
    client.workbooks.create(WORKBOOK)
    for index in range(EXECUTIONS):
        client.executions.create("served.v1.quick", workflow_input={"word": f"w{index}"})
    wait_until(lambda: all(e.state == "SUCCESS" for e in client.executions.list(limit=-1)))
    yield served
    stop_server(served)


def wait_until(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_version_discovery(served):
    root = served.url.removesuffix("/v2")
    versions = requests.get(root + "/", timeout=10).json()["versions"]
    assert versions == [
        {
            "id": "v2.0",
            "status": "CURRENT",
            "links": [{"href": served.url, "target": "v2", "rel": "self"}],
        }
    ]


def test_execution_fields_as_mistral_sends_them(served):
    client = served.client()
    execution = client.executions.create(
        "served.v1.quick", workflow_input={"word": "fields"}, description="shape"
    )
    wait_until(lambda: client.executions.get(execution.id).state == "SUCCESS")
    got = client.executions.get(execution.id)
    assert json.loads(got.input) == {"word": "fields"}
    assert json.loads(got.output) == {"said": "fields"}
    assert json.loads(got.params) == {} or isinstance(json.loads(got.params), dict)
    assert got.description == "shape"
    assert got.root_execution_id is None and got.state_info is None
    (task,) = client.tasks.list(execution.id)
    assert task.name == "say" and task.workflow_execution_id == execution.id
    assert json.loads(task.result) == "fields"
    assert json.loads(task.published) == {"said": "fields"}
    (action,) = client.action_executions.list(task.id)
    assert action.name == "std.echo" and action.accepted is True
    assert json.loads(action.output) == {"result": "fields"}


def test_pages_with_marker_limit_and_sort(served):
    client = served.client()
    everything = [e.id for e in client.executions.list(limit=-1, workflow_name="served.v1.quick")]
    for direction in ("asc", "desc"):
        seen, marker = [], ""
        while True:
            page = client.executions.list(
                marker=marker,
                limit=7,
                sort_keys="created_at",
                sort_dirs=direction,
                workflow_name="served.v1.quick",
            )
            seen += [e.id for e in page]
            if len(page) < 7:
                break
            marker = page[-1].id
        assert seen == (everything if direction == "asc" else everything[::-1])
    by_name = client.executions.list(limit=-1, sort_keys="workflow_name,created_at")
    assert [e.workflow_name for e in by_name] == sorted(e.workflow_name for e in by_name)
    assert client.executions.list(limit=-1, state="ERROR") == []
    assert len(client.executions.list(limit=-1, state="in:SUCCESS,ERROR")) >= EXECUTIONS


@pytest.mark.parametrize("kind", ["tasks", "action_executions"])
def test_task_and_action_execution_pages(served, kind):
    """Pages read in SQL: marker and limit walk the whole list in either direction, filters
    with operators, per-execution and per-task lists, and the `next` link."""
    manager = getattr(served.client(), kind)
    everything = [row.id for row in manager.list(limit=-1)]
    assert len(everything) >= EXECUTIONS
    for direction in ("asc", "desc"):
        seen, marker = [], ""
        while True:
            page = manager.list(marker=marker, limit=7, sort_keys="created_at", sort_dirs=direction)
            seen += [row.id for row in page]
            if len(page) < 7:
                break
            marker = page[-1].id
        assert seen == (everything if direction == "asc" else everything[::-1])
    named = "say" if kind == "tasks" else "std.echo"
    assert {row.name for row in manager.list(limit=-1, name=f"in:{named},other")} == {named}
    assert manager.list(limit=-1, name="has:zzz") == []
    first = manager.list(limit=1)[0]
    (only,) = manager.list(limit=-1, id=first.id)
    assert only.id == first.id
    if kind == "tasks":
        own = manager.list(first.workflow_execution_id)
    else:
        own = manager.list(first.task_execution_id)
        assert len(manager.list(limit=-1, accepted="true")) >= EXECUTIONS
        assert manager.list(limit=-1, accepted="false") == []
    assert [row.id for row in own] == [first.id]
    body = requests.get(f"{served.url}/{kind}?limit=3", timeout=10).json()
    assert f"marker={body[kind][-1]['id']}" in body["next"]
    following = requests.get(body["next"], timeout=10).json()[kind]
    assert [row["id"] for row in body[kind] + following][:6] == everything[:6]
    refused = requests.get(f"{served.url}/{kind}?colour=red", timeout=10)
    assert refused.status_code == 400 and "Unknown column 'colour'" in refused.json()["faultstring"]


def test_a_full_page_links_the_next_one(served):
    body = requests.get(f"{served.url}/executions?limit=5&sort_dirs=desc", timeout=10).json()
    assert len(body["executions"]) == 5
    assert f"marker={body['executions'][-1]['id']}" in body["next"]
    assert "output" not in body["executions"][0]
    following = requests.get(body["next"], timeout=10).json()["executions"]
    assert following[0]["created_at"] <= body["executions"][-1]["created_at"]


def test_short_lists_page_too(served):
    client = served.client()
    names = [w.name for w in client.workflows.list(sort_keys="name")]
    assert names == sorted(names)
    first = client.workflows.list(sort_keys="name", limit=2)
    after = client.workflows.list(sort_keys="name", limit=2, marker=first[-1].id)
    assert [w.name for w in first + after] == names[:4]


def test_errors_are_mistral_fault_bodies(served):
    client = served.client()
    with pytest.raises(APIException) as missing:
        client.executions.get("no-such-execution")
    assert missing.value.error_code == 404
    assert "no-such-execution" in missing.value.error_message
    with pytest.raises(APIException) as taken:
        client.workbooks.create(WORKBOOK)
    assert taken.value.error_code == 409
    with pytest.raises(APIException) as invalid:
        client.workflows.create("version: '2.0'\nbroken:\n  tasks: 3\n")
    assert invalid.value.error_code == 400
    with pytest.raises(APIException) as bad_input:
        client.executions.create("served.v1.quick", workflow_input={"nope": 1})
    assert bad_input.value.error_code == 400 and "nope" in bad_input.value.error_message
    with pytest.raises(APIException) as bad_sort:
        client.executions.list(sort_keys="input")
    assert bad_sort.value.error_code == 400


def test_bad_json_is_a_400_naming_the_position(served):
    response = requests.post(
        f"{served.url}/executions",
        data='{"workflow_name": "served.v1.quick",\n "input": }',
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 400
    assert "line 2 column 11" in response.json()["faultstring"]
    inner = requests.post(
        f"{served.url}/executions",
        json={"workflow_name": "served.v1.quick", "input": '{"word": '},
        timeout=10,
    )
    assert inner.status_code == 400
    assert "'input'" in inner.json()["faultstring"] and "column" in inner.json()["faultstring"]


def test_a_body_over_the_limit_is_refused(served):
    before = len(served.client().workbooks.list())
    response = requests.post(
        f"{served.url}/workbooks",
        data=b"#" * (MAX_BODY_BYTES + 1),
        headers={"Content-Type": "text/plain"},
        timeout=30,
    )
    assert response.status_code == 413
    assert "faultstring" in response.json()
    assert len(served.client().workbooks.list()) == before


def test_steer_an_execution(served):
    client = served.client()
    execution = client.executions.create("served.v1.slow")
    wait_until(lambda: client.executions.get(execution.id).state == "RUNNING")
    assert client.executions.update(execution.id, "PAUSED").state == "PAUSED"
    client.executions.update(execution.id, "CANCELLED")
    wait_until(lambda: client.executions.get(execution.id).state == "CANCELLED")
    client.executions.delete(execution.id)
    with pytest.raises(APIException):
        client.executions.get(execution.id)


def test_environments_and_actions(served):
    client = served.client()
    created = client.environments.create(name="served-env", variables={"a": 1})
    assert created.variables == {"a": 1}
    client.environments.update(name="served-env", variables={"a": 2}, description="d")
    assert client.environments.get("served-env").variables == {"a": 2}
    assert "served-env" in [e.name for e in client.environments.list()]
    client.environments.delete("served-env")
    ran = client.action_executions.create("std.echo", {"output": "once"})
    assert json.loads(ran.output) == {"result": "once"}
    assert client.actions.get("std.echo").is_system is True


def test_definitions_round_trip(served, tmp_path: Path):
    client = served.client()
    assert client.workbooks.get("served.v1").definition == WORKBOOK
    workflow = client.workflows.get("served.v1.quick")
    assert workflow.input == 'word="hello"' or "word" in workflow.input
    assert json.loads(workflow.interface) == {"input": [{"word": "hello"}], "output": ["said"]}
    assert client.workbooks.validate(WORKBOOK)["valid"] is True
    assert client.workflows.validate("version: '2.0'\nx:\n  tasks: {}\n")["valid"] is False


def test_a_long_poll_answers_when_the_execution_ends(served):
    client = served.client()
    wait_url = served.url.removesuffix("/v2") + "/tripleo-tui/v1/executions/{}/wait"
    quick = client.executions.create("served.v1.quick", workflow_input={"word": "poll"})
    ended = requests.get(wait_url.format(quick.id), timeout=70).json()
    assert ended["state"] == "SUCCESS" and json.loads(ended["output"]) == {"said": "poll"}
    slow = client.executions.create("served.v1.slow")
    began = time.monotonic()
    still = requests.get(wait_url.format(slow.id), params={"timeout": "0.5"}, timeout=70).json()
    assert still["state"] == "RUNNING" and time.monotonic() - began < 10
    client.executions.update(slow.id, "CANCELLED")
    assert requests.get(wait_url.format(slow.id), timeout=70).json()["state"] == "CANCELLED"


def test_sub_executions_and_filters_on_short_lists(served):
    client = served.client()
    parent = client.executions.create("served.v1.parent")
    wait_until(lambda: client.executions.get(parent.id).state == "SUCCESS")
    tree = client.executions.get_ex_sub_executions(parent.id)
    assert [e.workflow_name for e in tree] == ["served.v1.parent", "served.v1.quick"]
    assert tree[1].root_execution_id == parent.id
    (task,) = client.tasks.list(parent.id)
    (child,) = client.tasks.get_task_sub_executions(task.id)
    assert child.id == tree[1].id
    assert client.executions.get_ex_sub_executions(parent.id, max_depth=0)[0].id == parent.id
    assert len(client.executions.get_ex_sub_executions(parent.id, errors_only=True)) == 1
    system = client.actions.list(is_system="true")
    assert system and all(action.is_system for action in system)
