"""A request's Keystone token goes with the execution it starts: the execution's OpenStack
actions act as the caller, and the token is kept nowhere but in memory."""

from __future__ import annotations

import base64
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.server.conftest import Served, start_server, stop_server

TOKEN = "caller-token-7d1e4fb"
LIST_NODES = """\
version: '2.0'
list_nodes:
  tasks:
    list:
      action: ironic.node_list
"""


@pytest.fixture
def keystone_engine(tmp_path: Path) -> Iterator[Served]:
    """An engine whose own credentials name a Keystone that refuses connections (a bound
    socket that does not listen), so every action's error says as whom it tried."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        auth_url = f"http://127.0.0.1:{closed.getsockname()[1]}/v3"
        served = start_server(
            tmp_path / "state.db",
            "--listen",
            "127.0.0.1:0",
            env={
                "OS_CLOUD": "",
                "OS_ENDPOINT": "",
                "OS_AUTH_URL": auth_url,
                "OS_USERNAME": "engine-user",
                "OS_PASSWORD": "engine-password",
                "OS_PROJECT_NAME": "admin",
                "OS_USER_DOMAIN_NAME": "Default",
                "OS_PROJECT_DOMAIN_NAME": "Default",
            },
        )
        try:
            yield served
        finally:
            stop_server(served)


def failure_of(client, workflow: str) -> str:
    execution = client.executions.create(workflow)
    deadline = time.monotonic() + 60
    while (found := client.executions.get(execution.id)).state in ("IDLE", "RUNNING"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert found.state == "ERROR"
    return found.state_info


def test_actions_act_as_the_caller_whose_token_started_them(keystone_engine: Served):
    keystone_engine.client().workflows.create(LIST_NODES)
    as_engine = failure_of(keystone_engine.client(), "list_nodes")
    assert "as engine-user (project admin); from OS_* variables" in as_engine
    as_caller = failure_of(keystone_engine.client(auth_token=TOKEN), "list_nodes")
    assert "as a v3token credential (project admin); the caller's token" in as_caller
    assert TOKEN not in as_caller and "engine-password" not in as_engine
    for kept in keystone_engine.db.parent.iterdir():
        if kept.is_file():  # the engine's socket is not
            assert TOKEN.encode() not in kept.read_bytes(), kept


def target_catalog(baremetal: str) -> str:
    """Mistral's X-Target-Service-Catalog: a base64 Keystone token body with one service."""
    body = {
        "catalog": [{"type": "baremetal", "endpoints": [{"interface": "public", "url": baremetal}]}]
    }
    return base64.b64encode(json.dumps(body).encode()).decode()


def failure_over_http(served: Served, headers: dict[str, str]) -> str:
    created = requests.post(
        f"{served.url}/executions",
        json={"workflow_name": "list_nodes"},
        headers=headers,
        timeout=30,
    )
    assert created.status_code == 201, created.text
    execution_id = created.json()["id"]
    deadline = time.monotonic() + 60
    while (found := requests.get(f"{served.url}/executions/{execution_id}", timeout=30).json())[
        "state"
    ] in ("IDLE", "RUNNING"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert found["state"] == "ERROR"
    return found["state_info"]


def test_mistrals_target_cloud_headers_name_the_callers_cloud(keystone_engine: Served):
    """What python-mistralclient's --os-target-* options send (and our CLI sends for its own
    cloud): a service catalog without Keystone, or a Keystone URL and token."""
    keystone_engine.client().workflows.create(LIST_NODES)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        ironic = f"http://127.0.0.1:{closed.getsockname()[1]}"
        no_keystone = failure_over_http(
            keystone_engine,
            {
                "X-Target-Auth-Uri": ironic,
                "X-Target-Auth-Token": "no-keystone",
                "X-Target-Service-Catalog": target_catalog(ironic),
            },
        )
        assert f"cannot reach Ironic at {ironic}: Connection refused" in no_keystone
        keystone = failure_over_http(
            keystone_engine,
            {
                "X-Target-Auth-Uri": f"{ironic}/v3",
                "X-Target-Auth-Token": TOKEN,
                "X-Target-Project-Id": "p-42",
            },
        )
    assert f"Keystone {ironic}/v3 as a v3token credential (project p-42); the caller's token" in (
        keystone
    )
    assert TOKEN not in keystone
    refused = requests.post(
        f"{keystone_engine.url}/executions",
        json={"workflow_name": "list_nodes"},
        headers={"X-Target-Auth-Uri": ironic},
        timeout=30,
    )
    assert refused.status_code == 400
    assert refused.json()["faultstring"] == (
        "Target auth URI (X-Target-Auth-Uri) target auth token (X-Target-Auth-Token) must be "
        "present"
    )
