"""The Mistral sandbox against a real Mistral 23 on loopback: start, find, use, stop."""

from __future__ import annotations

import json
import os
import subprocess
import time

import pytest
from mistralclient.api import client as mistral_client

from engine.sandbox import mistral

HELLO = """\
version: '2.0'
sandbox_hello:
  input: [name]
  tasks:
    greet:
      action: std.echo output=<% "hello " + $.name %>
      publish:
        greeting: <% task().result %>
"""


def _group_pids(pgid: int) -> list[str]:
    found = subprocess.run(["pgrep", "-g", str(pgid)], capture_output=True, text=True)
    return found.stdout.split()


def test_up_status_and_down(tmp_path):
    report = mistral.up(directory=tmp_path, venv=mistral.venv_dir())
    assert report.started
    assert report.url.startswith("http://127.0.0.1:") and report.url.endswith("/v2")
    assert mistral.find_url(tmp_path) == report.url
    state = mistral.status(tmp_path)
    assert state["running"] and state["healthy"]
    assert (state["url"], state["pid"]) == (report.url, report.pid)
    assert state["memory_mib"] > 50
    recorded = json.loads((tmp_path / "mistral.json").read_text())
    assert (recorded["pid"], recorded["url"]) == (report.pid, report.url)

    again = mistral.up(directory=tmp_path, venv=mistral.venv_dir())
    assert (again.started, again.pid, again.url) == (False, report.pid, report.url)

    assert _group_pids(report.pid)
    del recorded["pins"]  # as written before the pins were recorded (and mistral-extra added)
    (tmp_path / "mistral.json").write_text(json.dumps(recorded))
    fresh = mistral.up(directory=tmp_path, venv=mistral.venv_dir())
    assert (fresh.started, fresh.stopped_stale) == (True, report.pid)
    assert fresh.pid != report.pid and _group_pids(report.pid) == []
    assert mistral.read_state(tmp_path).pins == mistral.pinned_venv().marker_text()

    assert mistral.down(tmp_path) is True
    assert _group_pids(fresh.pid) == []
    assert mistral.find_url(tmp_path) is None
    assert mistral.status(tmp_path)["running"] is False
    assert mistral.down(tmp_path) is False


def test_the_standard_and_openstack_actions_are_there_and_a_workflow_runs(mistral_sandbox):
    client = mistral_client.client(mistral_url=mistral_sandbox)
    names = {action.name for action in client.actions.list(limit=-1)}
    # std.* from Mistral; the OpenStack actions TripleO's workbooks use from mistral-extra
    wanted = {"std.echo", "ironic.node_get", "ironic.node_update", "ironic.node_list"}
    assert wanted | {"ironic.node_set_provision_state", "zaqar.queue_post"} <= names
    if "sandbox_hello" not in {workflow.name for workflow in client.workflows.list()}:
        client.workflows.create(HELLO)
    execution = client.executions.create("sandbox_hello", workflow_input={"name": "sandbox"})
    deadline = time.monotonic() + 60
    while execution.state not in ("SUCCESS", "ERROR"):
        assert time.monotonic() < deadline, f"still {execution.state}"
        time.sleep(0.2)
        execution = client.executions.get(execution.id)
    assert execution.state == "SUCCESS", execution.state_info
    assert json.loads(execution.output) == {"greeting": "hello sandbox"}


def test_nothing_runs_in_an_empty_folder(tmp_path):
    assert mistral.find_url(tmp_path) is None
    state = mistral.status(tmp_path)
    assert (state["running"], state["url"]) == (False, None)
    assert mistral.down(tmp_path) is False


def test_a_stale_state_file_is_not_trusted(tmp_path):
    """A recorded pid that is another process (here: this test) is neither used nor killed."""
    stale = mistral.MistralState(
        pid=os.getpid(),
        port=1,
        url="http://127.0.0.1:1/v2",
        directory=str(tmp_path),
        venv=str(tmp_path / "venv"),
        config_file=str(tmp_path / "mistral" / "mistral.conf"),
        log_file=str(tmp_path / "mistral" / "mistral.log"),
        mistral_version=mistral.MISTRAL_VERSION,
        started_at=0.0,
    )
    (tmp_path / "mistral.json").write_text(json.dumps(stale.__dict__))
    assert mistral.find_url(tmp_path) is None
    assert mistral.status(tmp_path)["running"] is False
    assert mistral.down(tmp_path) is False  # and this process is still alive to say so
    assert not (tmp_path / "mistral.json").exists()


def test_an_install_with_other_pins_is_not_taken_as_installed(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "mistral-db-manage").touch()
    (venv / mistral.MARKER_FILE).write_text(mistral.pinned_venv(venv).marker_text())
    assert mistral.is_installed(venv)
    (venv / mistral.MARKER_FILE).write_text("mistral==22.0.0 constraints-sha256=0\n")
    assert not mistral.is_installed(venv)


def test_the_folder_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(mistral.DIR_ENV, str(tmp_path))
    assert mistral.mistral_dir() == tmp_path
    assert mistral.venv_dir() == tmp_path / "venv"
    monkeypatch.delenv(mistral.DIR_ENV)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert mistral.mistral_dir() == tmp_path / "data" / "tripleo-tui" / "mistral"


@pytest.mark.parametrize(
    "pin",
    [
        "mistral==23.0.0",
        "python-mistralclient==",
        "SQLAlchemy==",
        "mistral-extra==17.0.0",
        "python-ironicclient==",
    ],
)
def test_the_constraints_pin_mistral_and_its_database_stack(pin):
    assert pin in mistral.pinned_venv().constraints.read_text()
