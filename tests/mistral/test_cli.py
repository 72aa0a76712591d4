"""The CLI, as a real process, pointed at a real Mistral 23 (the `mistral_sandbox` fixture) with
`--os-mistral-url` or `$OS_MISTRAL_URL`: definitions, executions and tasks commands, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid

import pytest

WORKBOOK = """\
version: '2.0'
name: {name}
workflows:
  hello:
    input: [who, greeting: hi]
    tasks:
      say:
        action: std.echo output=<% $.greeting + " " + $.who %>
        publish:
          said: <% task().result %>
  sleeper:
    tasks:
      nap:
        action: std.sleep seconds=60
"""


def tripleo_tui(tmp_path, url, *args, env_url=False, check=True):
    """Run `tripleo-tui` with its own state file (never used with Mistral) and the URL given as
    the option or, with `env_url`, as $OS_MISTRAL_URL."""
    env = dict(os.environ)
    env.pop("OS_MISTRAL_URL", None)
    options = ["--db", str(tmp_path / "state.sqlite")]
    if env_url:
        env["OS_MISTRAL_URL"] = url
    else:
        options += ["--os-mistral-url", url]
    result = subprocess.run(
        [sys.executable, "-m", "tripleo_tui", *options, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def workbook(tmp_path, mistral_sandbox):
    name = f"peer_cli_{uuid.uuid4().hex[:8]}"
    path = tmp_path / "workbook.yaml"
    path.write_text(WORKBOOK.format(name=name))
    tripleo_tui(tmp_path, mistral_sandbox, "workbook-create", str(path))
    yield name
    tripleo_tui(tmp_path, mistral_sandbox, "workbook-delete", name, check=False)


def test_definitions_commands(tmp_path, mistral_sandbox, workbook):
    listed = tripleo_tui(tmp_path, mistral_sandbox, "workbook-list", "-f", "json", env_url=True)
    assert workbook in {row["Name"] for row in json.loads(listed.stdout)}
    got = tripleo_tui(tmp_path, mistral_sandbox, "workflow-get", f"{workbook}.hello", "-f", "json")
    assert json.loads(got.stdout)["Input"] == 'who, greeting="hi"'
    short_id = json.loads(got.stdout)["ID"][:8]
    by_id = tripleo_tui(tmp_path, mistral_sandbox, "workflow-get", short_id, "-f", "json")
    assert json.loads(by_id.stdout)["Name"] == f"{workbook}.hello"
    definition = tripleo_tui(tmp_path, mistral_sandbox, "workbook-get-definition", workbook)
    assert definition.stdout == WORKBOOK.format(name=workbook)
    assert not (tmp_path / "state.sqlite").exists()  # Mistral holds everything


def test_a_definition_mistral_refuses(tmp_path, mistral_sandbox):
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "version: '2.0'\nname: peer_broken\nworkflows:\n  w:\n    tasks:\n      a:\n"
        "        action: std.noop\n        on-success: [nowhere]\n"
    )
    result = tripleo_tui(tmp_path, mistral_sandbox, "workbook-create", str(broken), check=False)
    problem = f"{broken}:0:0: Mistral: Task 'nowhere' not found."
    assert (result.returncode, result.stderr) == (
        1,
        f"ERROR: Invalid definition (1 problem):\n  {problem}\n",
    )
    unparsable = tmp_path / "unparsable.yaml"
    unparsable.write_text("version: '2.0'\nname: [x\n")
    result = tripleo_tui(
        tmp_path, mistral_sandbox, "workbook-validate", str(unparsable), "-f", "json", check=False
    )
    verdict = json.loads(result.stdout)
    assert verdict["Valid"] is False
    assert verdict["Error"].startswith(f"{unparsable}:2:7: Mistral: Definition could not be parsed")
    assert "\n" not in verdict["Error"]


def test_executions_and_tasks_commands(tmp_path, mistral_sandbox, workbook):
    created = tripleo_tui(
        tmp_path,
        mistral_sandbox,
        "execution-create",
        f"{workbook}.hello",
        '{"who": "cli"}',
        "--wait",
        "-f",
        "json",
    )
    execution = json.loads(created.stdout)
    assert execution["State"] == "SUCCESS"
    output = tripleo_tui(tmp_path, mistral_sandbox, "execution-get-output", execution["ID"])
    assert json.loads(output.stdout) == {"said": "hi cli"}
    listed = tripleo_tui(tmp_path, mistral_sandbox, "execution-list", "--limit", "-1", "-f", "json")
    assert execution["ID"] in {row["ID"] for row in json.loads(listed.stdout)}
    tasks = tripleo_tui(tmp_path, mistral_sandbox, "task-list", execution["ID"], "-f", "json")
    (task,) = json.loads(tasks.stdout)
    assert (task["Name"], task["State"]) == ("say", "SUCCESS")
    result = tripleo_tui(tmp_path, mistral_sandbox, "task-get-result", task["ID"])
    assert json.loads(result.stdout) == "hi cli"
    published = tripleo_tui(tmp_path, mistral_sandbox, "task-get-published", task["ID"])
    assert json.loads(published.stdout) == {"said": "hi cli"}


def test_cancel_a_running_execution(tmp_path, mistral_sandbox, workbook):
    created = tripleo_tui(
        tmp_path, mistral_sandbox, "execution-create", f"{workbook}.sleeper", "-f", "json"
    )
    execution_id = json.loads(created.stdout)["ID"]
    cancelled = tripleo_tui(
        tmp_path,
        mistral_sandbox,
        "execution-update",
        execution_id,
        "-s",
        "CANCELLED",
        "-f",
        "json",
    )
    assert json.loads(cancelled.stdout)["State"] == "CANCELLED"
    deadline = time.monotonic() + 30
    while True:
        got = tripleo_tui(tmp_path, mistral_sandbox, "execution-get", execution_id, "-f", "json")
        if json.loads(got.stdout)["State"] == "CANCELLED" or time.monotonic() > deadline:
            break
    assert json.loads(got.stdout)["State"] == "CANCELLED"


def test_remote_errors_are_one_line(tmp_path, mistral_sandbox):
    nobody = "00000000-0000-4000-8000-000000000000"
    missing = tripleo_tui(tmp_path, mistral_sandbox, "execution-get", nobody, check=False)
    assert (missing.returncode, missing.stderr) == (
        1,
        f"ERROR: HTTP 404: WorkflowExecution not found [id={nobody}]\n",
    )
    short = tripleo_tui(tmp_path, mistral_sandbox, "execution-get", "0000000f", check=False)
    assert (short.returncode, short.stderr) == (1, "ERROR: Execution '0000000f' not found\n")
    unreachable = tripleo_tui(tmp_path, "http://127.0.0.1:9/v2", "workbook-list", check=False)
    assert (unreachable.returncode, unreachable.stderr) == (
        1,
        "ERROR: cannot reach Mistral at http://127.0.0.1:9/v2: [Errno 111] Connection refused\n",
    )


def test_engine_status_names_the_backend(tmp_path, mistral_sandbox):
    status = tripleo_tui(tmp_path, mistral_sandbox, "engine", "status")
    assert status.stdout == (
        f"Backend: Mistral {mistral_sandbox} without authentication; its API answers.\n"
    )
    refused = tripleo_tui(tmp_path, mistral_sandbox, "engine", check=False)
    assert refused.returncode == 1
    assert refused.stderr == (
        f"ERROR: Mistral {mistral_sandbox} runs its own engine; nothing to run here\n"
    )


def test_mistral_found_through_the_cloud_credentials(tmp_path, mistral_sandbox):
    """--mistral takes the workflowv2 endpoint from the OS_* credentials (here an override with
    no authentication; with Keystone it comes from the catalog) and uses their session."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("OS_")}
    env |= {"OS_AUTH_TYPE": "none", "OS_ENDPOINT": "http://127.0.0.1:9"}
    command = [sys.executable, "-m", "tripleo_tui", "--db", str(tmp_path / "state.sqlite")]
    command += ["--mistral", "engine", "status"]
    found = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=env | {"OS_WORKFLOWV2_ENDPOINT_OVERRIDE": mistral_sandbox},
        timeout=60,
    )
    assert found.returncode == 0, found.stderr
    assert found.stdout.startswith(f"Backend: Mistral {mistral_sandbox}; ")
    missing = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert missing.returncode == 1
    assert missing.stderr.startswith("ERROR: --mistral: no workflowv2 endpoint: ")
    assert missing.stderr.endswith("(set OS_WORKFLOWV2_ENDPOINT_OVERRIDE)\n")
