"""The sandbox against a real Ironic on loopback: start, find, grow, stop."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request

import pytest

from engine import sandbox
from engine.sandbox import service


def _ironic_pids(pgid: int) -> list[str]:
    found = subprocess.run(["pgrep", "-g", str(pgid)], capture_output=True, text=True)
    return found.stdout.split()


def test_up_status_grow_and_down(tmp_path):
    heard = []
    report = sandbox.up(nodes=2, directory=tmp_path, venv=sandbox.venv_dir(), progress=heard.append)
    assert report.started
    assert [(progress.step, progress.detail.split(" on port")[0]) for progress in heard] == [
        (1, ""),
        (2, "already installed"),
        (3, "creating its database"),
        (3, "waiting for its API"),
        (4, ""),
        (4, "creating 2 nodes"),
        (4, "2 nodes to manageable"),
        (4, "2 nodes to available"),
        (4, "powering off 2 nodes"),
    ]
    assert len({progress.started for progress in heard}) == 1
    assert report.enroll.summary() == "2 nodes ready (2 enrolled, 2 made available now)"
    assert report.endpoint.startswith("http://127.0.0.1:")
    assert (report.enroll.created, report.enroll.provided) == (2, 2)
    assert sandbox.find_endpoint(tmp_path) == report.endpoint
    client = sandbox.ironic_client(report.endpoint)
    nodes = client.node.list(detail=True)
    assert {(node.provision_state, node.power_state) for node in nodes} == {
        ("available", "power off")
    }
    assert {node.target_provision_state for node in nodes} == {None}

    state = sandbox.status(tmp_path)
    assert state["running"] and state["healthy"]
    assert (state["endpoint"], state["pid"], state["nodes"]) == (report.endpoint, report.pid, 2)
    assert state["memory_mib"] > 50
    recorded = json.loads((tmp_path / "sandbox.json").read_text())
    assert (recorded["pid"], recorded["endpoint"]) == (report.pid, report.endpoint)

    assert sandbox.up(directory=tmp_path, nodes=2).enroll.summary() == "2 nodes ready"
    heard.clear()
    again = sandbox.up(nodes=3, directory=tmp_path, venv=sandbox.venv_dir(), progress=heard.append)
    assert [progress.line().split(" (")[0] for progress in heard] == [
        f"[3/4] Starting Ironic: already running at {report.endpoint}",
        "[4/4] Enrolling demo nodes",
        "[4/4] Enrolling demo nodes: creating 1 nodes",
        "[4/4] Enrolling demo nodes: 1 nodes to manageable",
        "[4/4] Enrolling demo nodes: 1 nodes to available",
        "[4/4] Enrolling demo nodes: powering off 1 nodes",
    ]
    assert again.enroll.summary() == "3 nodes ready (1 enrolled, 1 made available now)"
    assert not again.started
    assert (again.pid, again.endpoint) == (report.pid, report.endpoint)
    assert (again.enroll.created, again.enroll.provided) == (1, 1)
    names = {node.name for node in client.node.list()}
    assert names == {"control-0", "compute-0", "compute-1"}

    assert _ironic_pids(report.pid), "the master and its worker run in their own group"
    assert sandbox.down(tmp_path) is True
    assert _ironic_pids(report.pid) == []
    assert sandbox.find_endpoint(tmp_path) is None
    assert sandbox.status(tmp_path)["running"] is False
    assert sandbox.down(tmp_path) is False


def test_demo_nodes_are_available_with_their_properties(ironic_sandbox):
    client = sandbox.ironic_client(ironic_sandbox)
    nodes = {node.name: node for node in client.node.list(detail=True)}
    for demo in sandbox.demo_nodes(4):
        node = nodes[demo.name]
        assert node.driver == "fake-hardware"
        assert node.properties["capabilities"] == f"profile:{demo.role},boot_option:local"
        assert node.properties["memory_mb"] == demo.properties["memory_mb"]
        assert node.resource_class == "baremetal"
        ports = client.port.list(node=node.uuid, detail=True)
        assert [port.address for port in ports] == [demo.mac]


def test_the_api_lists_fake_hardware(ironic_sandbox):
    request = urllib.request.Request(
        f"{ironic_sandbox}/v1/drivers", headers=service.API_VERSION_HEADER
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        drivers = [driver["name"] for driver in json.load(response)["drivers"]]
    assert "fake-hardware" in drivers


def test_nothing_runs_in_an_empty_folder(tmp_path):
    assert sandbox.find_endpoint(tmp_path) is None
    state = sandbox.status(tmp_path)
    assert (state["running"], state["endpoint"], state["nodes"]) == (False, None, None)
    assert sandbox.down(tmp_path) is False


def test_a_stale_state_file_is_not_trusted(tmp_path):
    """A recorded pid that is another process (here: this test) is neither used nor killed."""
    stale = sandbox.SandboxState(
        pid=os.getpid(),
        port=1,
        endpoint="http://127.0.0.1:1",
        directory=str(tmp_path),
        venv=str(tmp_path / "venv"),
        config_file=str(tmp_path / "ironic" / "ironic.conf"),
        log_file=str(tmp_path / "ironic" / "ironic.log"),
        ironic_version=sandbox.IRONIC_VERSION,
        started_at=0.0,
    )
    (tmp_path / "sandbox.json").write_text(json.dumps(stale.__dict__))
    assert sandbox.find_endpoint(tmp_path) is None
    assert sandbox.status(tmp_path)["running"] is False
    assert sandbox.down(tmp_path) is False  # and this process is still alive to say so
    assert not (tmp_path / "sandbox.json").exists()


def test_an_install_with_other_pins_is_not_taken_as_installed(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "ironic").touch()
    (venv / service.MARKER_FILE).write_text(service.pinned_venv(venv).marker_text())
    assert sandbox.is_installed(venv)
    (venv / service.MARKER_FILE).write_text("ironic==38.0.0 constraints-sha256=0\n")
    assert not sandbox.is_installed(venv)


def test_the_sandbox_folder_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(sandbox.service.DIR_ENV, str(tmp_path))
    assert sandbox.sandbox_dir() == tmp_path
    assert sandbox.venv_dir() == tmp_path / "venv"
    monkeypatch.delenv(sandbox.service.DIR_ENV)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert sandbox.sandbox_dir() == tmp_path / "data" / "tripleo-tui" / "sandbox"


@pytest.mark.parametrize("pin", ["ironic==", "oslo.db==", "SQLAlchemy=="])
def test_the_constraints_pin_ironic_and_its_database_stack(pin):
    assert pin in service.constraints_file().read_text()
