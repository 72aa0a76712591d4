"""The cloud of the command that asks goes with its request to the running engine (Mistral's
target-cloud headers): execution-create, task-rerun, a resume and run-action act on that
command's OS_ENDPOINT (or OS_CLOUD, or OS_* Keystone), not on the cloud of whoever started the
engine; a password never leaves the command. Real processes on a real state file; the engine's
own Ironic and the callers' are loopback ports that refuse connections (each error names the
one it tried), and one caller's is the real Ironic sandbox."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.engine_process import cli_command, start_engine, stop_engine, wait_for

WORKFLOWS = """\
version: '2.0'
list_nodes:
  tasks:
    list:
      action: ironic.node_list
paused_list:
  tasks:
    list:
      action: ironic.node_list
      pause-before: true
"""
PASSWORD = "caller-pw-5f0c2a"
NO_CLOUD = {name: value for name, value in os.environ.items() if not name.startswith("OS_")}


@pytest.fixture(scope="module")
def refusing() -> Iterator[list[str]]:
    """Endpoints that refuse connections: bound loopback ports nobody listens on."""
    sockets = [socket.socket() for _ in range(6)]
    for each in sockets:
        each.bind(("127.0.0.1", 0))
    yield [f"http://127.0.0.1:{each.getsockname()[1]}" for each in sockets]
    for each in sockets:
        each.close()


@pytest.fixture(scope="module")
def engine_db(tmp_path_factory, refusing) -> Iterator[Path]:
    """A state file with the workflows above, served by an engine whose own Ironic is
    refusing[0]."""
    folder = tmp_path_factory.mktemp("caller-cloud")
    db = folder / "state.sqlite"
    (folder / "wf.yaml").write_text(WORKFLOWS)
    assert run(db, {}, "workflow-create", str(folder / "wf.yaml")).returncode == 0
    start_engine(db, env={"OS_ENDPOINT": refusing[0]}, clean=True)
    yield db
    stop_engine(db)


def run(db: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """A command in its own process, with `env` as its cloud (over no OS_* cloud at all)."""
    done = subprocess.run(
        cli_command(db, *args),
        capture_output=True,
        text=True,
        timeout=120,
        env=NO_CLOUD | env,
    )
    assert "Traceback" not in done.stderr
    return done


def as_json(done: subprocess.CompletedProcess):
    return json.loads(done.stdout)


def record(db: Path, env: dict[str, str], *args: str):
    """A command's output as `-f json` gives it."""
    return as_json(run(db, env, *args, "-f", "json"))


def task_info(db: Path, execution_id: str) -> str:
    (task,) = record(db, {}, "task-list", execution_id)
    return record(db, {}, "task-get", task["ID"])["State info"]


def settled(db: Path, execution_id: str) -> str:
    """The execution's state once it has ended or paused (`--wait` of nothing new)."""
    return wait_for(
        lambda: (
            (state := record(db, {}, "execution-get", execution_id)["State"])
            not in ("RUNNING", "IDLE")
            and state
        ),
        what=f"execution {execution_id} to end",
    )


def port(url: str) -> str:
    return url.rsplit(":", 1)[1]


def test_execution_create_acts_on_the_callers_endpoint(engine_db, refusing):
    own, callers = refusing[0], refusing[1]
    done = run(engine_db, {"OS_ENDPOINT": callers}, "execution-create", "list_nodes", "--wait")
    assert done.returncode == 1
    execution_id = done.stdout.split("| ID")[1].split("|")[1].strip()
    info = task_info(engine_db, execution_id)
    assert port(callers) in info and port(own) not in info
    as_engine = record(engine_db, {}, "execution-create", "list_nodes", "--wait")
    assert port(own) in task_info(engine_db, as_engine["ID"])  # no cloud of its own


def test_task_rerun_acts_on_the_cloud_of_the_rerun(engine_db, refusing):
    first, rerun = refusing[1], refusing[2]
    failed = record(engine_db, {"OS_ENDPOINT": first}, "execution-create", "list_nodes", "--wait")
    (task,) = record(engine_db, {}, "task-list", failed["ID"])
    assert run(engine_db, {"OS_ENDPOINT": rerun}, "task-rerun", task["ID"]).returncode == 0
    assert settled(engine_db, failed["ID"]) == "ERROR"
    info = task_info(engine_db, failed["ID"])
    assert port(rerun) in info and port(first) not in info


def test_a_resume_acts_on_the_cloud_of_the_resume(engine_db, refusing):
    started, resumed = refusing[3], refusing[4]
    paused = record(
        engine_db, {"OS_ENDPOINT": started}, "execution-create", "paused_list", "--wait"
    )
    assert paused["State"] == "PAUSED"
    resume = ("execution-update", paused["ID"], "-s", "RUNNING")
    assert run(engine_db, {"OS_ENDPOINT": resumed}, *resume).returncode == 0
    assert settled(engine_db, paused["ID"]) == "ERROR"
    info = task_info(engine_db, paused["ID"])
    assert port(resumed) in info and port(started) not in info


def test_run_action_acts_on_the_callers_endpoint(engine_db, refusing):
    callers = refusing[5]
    done = run(engine_db, {"OS_ENDPOINT": callers}, "run-action", "ironic.node_list")
    assert done.returncode == 1 and port(callers) in done.stdout
    saved = run(
        engine_db,
        {"OS_ENDPOINT": callers},
        "run-action",
        "ironic.node_list",
        "-s",
        "--run-sync",
        "-f",
        "json",
    )
    assert saved.returncode == 1
    output = run(engine_db, {}, "action-execution-get-output", as_json(saved)["ID"]).stdout
    assert port(callers) in output and port(refusing[0]) not in output


def test_the_callers_real_ironic(engine_db, ironic_sandbox):
    done = run(
        engine_db,
        {"OS_ENDPOINT": ironic_sandbox},
        "execution-create",
        "list_nodes",
        "--wait",
        "-f",
        "json",
    )
    assert done.returncode == 0, done.stderr
    (task,) = as_json(run(engine_db, {}, "task-list", as_json(done)["ID"], "-f", "json"))
    nodes = json.loads(run(engine_db, {}, "task-get-result", task["ID"]).stdout)
    assert len(nodes) >= 4  # the sandbox's demo nodes


def test_a_keystone_caller_logs_in_first_and_its_password_stays_home(engine_db, refusing):
    before = record(engine_db, {}, "execution-list", "--limit", "-1")
    keystone = {
        "OS_AUTH_URL": f"{refusing[1]}/v3",
        "OS_USERNAME": "caller",
        "OS_PASSWORD": PASSWORD,
        "OS_PROJECT_NAME": "admin",
        "OS_USER_DOMAIN_NAME": "Default",
        "OS_PROJECT_DOMAIN_NAME": "Default",
    }
    done = run(engine_db, keystone, "execution-create", "list_nodes")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith(
        f"ERROR: cannot log in to act on your cloud (Keystone {refusing[1]}/v3 as caller"
    )
    assert done.stderr.endswith("; nothing was changed\n")
    after = record(engine_db, {}, "execution-list", "--limit", "-1")
    assert after == before
    for kept in engine_db.parent.iterdir():
        if kept.is_file():
            assert PASSWORD.encode() not in kept.read_bytes(), kept
