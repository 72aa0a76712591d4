"""A request's Keystone token goes with the execution it starts: the execution's OpenStack
actions act as the caller, and the token is kept nowhere but in memory."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

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
