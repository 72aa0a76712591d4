"""engine.clouds pointed at the sandbox Ironic, and nodes of a test's own on it."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator

import pytest

from engine import clouds, sandbox

SETTLE_TIMEOUT = 30.0
DELETABLE = ("manageable", "enroll", "adopt failed", "available")


@pytest.fixture
def ironic_cloud(ironic_sandbox: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The sandbox endpoint, set as OS_ENDPOINT (no auth) for engine.clouds."""
    for name in list(os.environ):
        if name.startswith("OS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("OS_ENDPOINT", ironic_sandbox)
    clouds.reset()
    yield ironic_sandbox
    clouds.reset()


def settle(client, node_uuid: str) -> object:
    """Wait until Ironic has no power or provision change in flight for the node."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while True:
        node = client.node.get(node_uuid)
        if not node.target_provision_state and not node.target_power_state:
            return node
        assert time.monotonic() < deadline, f"node {node_uuid} did not settle"
        time.sleep(0.1)


@pytest.fixture
def make_node(ironic_cloud: str) -> Iterator[Callable[..., dict]]:
    """Create fake-hardware nodes of this test's own (in enroll); deleted afterwards.

    Other tests share the sandbox, so a test changes only nodes it made.
    """
    client = clouds.ironic_client()
    made: list[str] = []

    def create(capabilities: str | None = "profile:control,boot_option:local", **fields) -> dict:
        """None: a node without the capabilities property."""
        node = client.node.create(
            name=f"tt-{uuid.uuid4().hex[:12]}",
            driver="fake-hardware",
            resource_class="baremetal",
            properties={} if capabilities is None else {"capabilities": capabilities},
            **fields,
        )
        made.append(node.uuid)
        return node.to_dict()

    yield create
    for node_uuid in made:
        try:
            if settle(client, node_uuid).provision_state not in DELETABLE:
                client.node.set_maintenance(node_uuid, True)  # clean failed, say
            client.node.delete(node_uuid)
        except Exception as error:  # already gone; a test must not fail in teardown for it
            if "could not be found" not in str(error):
                raise


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
