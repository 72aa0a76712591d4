"""mistralclient 6.3.0's execution-get-published, execution-get-report,
execution-/task-get-sub-executions, action-create/update/delete/validate/get-definition and
action-execution-delete through our CLI on a real Mistral 23 (the `mistral_sandbox` fixture),
next to the `mistral` CLI's own output for the same objects."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from mistralclient.api import client as mistral_client

from tests.cli.test_tree_and_action_commands import ACTIONS, WORKFLOWS
from tests.mistral.test_cli import tripleo_tui
from tests.server.conftest import mistral_command
from tripleo_tui.tree_commands import HINT


def theirs(url: str, *args: str) -> str:
    """The `mistral` CLI's output for the same command."""
    done = subprocess.run(
        [mistral_command(), "--os-mistral-url", url, *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def ran(mistral_sandbox):
    """A finished (failed) run of our test workflows under names of this module's own: the
    execution id and its tasks' ids by name."""
    prefix = f"trees_{uuid.uuid4().hex[:8]}"
    client = mistral_client.client(mistral_url=mistral_sandbox)
    text = WORKFLOWS.replace("child", f"{prefix}_child").replace("main:", f"{prefix}_main:")
    client.workflows.create(text)
    execution = client.executions.create(f"{prefix}_main")
    deadline = time.monotonic() + 120
    while client.executions.get(execution.id).state == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    yield execution.id, {task.name: task.id for task in client.tasks.list(execution.id)}
    client.executions.delete(execution.id, force=True)
    for name in ("main", "child"):
        client.workflows.delete(f"{prefix}_{name}")


def test_execution_get_published(tmp_path, mistral_sandbox, ran):
    execution_id, _ = ran
    shown = tripleo_tui(tmp_path, mistral_sandbox, "execution-get-published", execution_id)
    assert json.loads(shown.stdout) == {"copied": "***", "plain": 2}
    assert json.loads(theirs(mistral_sandbox, "execution-get-published", execution_id)) == {
        "copied": "pw-7e3a9c",
        "plain": 2,
    }


@pytest.mark.parametrize(
    "options",
    [(), ("--errors-only",), ("--no-errors-only",), ("--max-depth", "0"), ("--statistics-only",)],
)
def test_execution_get_report(tmp_path, mistral_sandbox, ran, options):
    execution_id, _ = ran
    mine = tripleo_tui(tmp_path, mistral_sandbox, "execution-get-report", execution_id, *options)
    printed = theirs(mistral_sandbox, "execution-get-report", execution_id, *options)
    assert mine.stdout == printed.replace("mistral task-get <id> -c 'State info'", HINT)
    assert "Number of tasks in ERROR state: " in mine.stdout


@pytest.mark.parametrize(
    ("command", "options", "count"),
    [
        ("execution-get-sub-executions", (), 2),
        ("execution-get-sub-executions", ("--errors-only",), 2),
        ("execution-get-sub-executions", ("--max-depth", "0"), 1),
        ("task-get-sub-executions", (), 1),
        ("task-get-sub-executions", ("--errors-only", "--max-depth", "0"), 1),
    ],
)
def test_sub_executions(tmp_path, mistral_sandbox, ran, command, options, count):
    execution_id, tasks = ran
    origin = execution_id if command.startswith("execution") else tasks["sub"]
    args = (command, origin, *options, "-f", "json", "-c", "ID", "-c", "Workflow name")
    mine = json.loads(tripleo_tui(tmp_path, mistral_sandbox, *args).stdout)
    assert mine == json.loads(theirs(mistral_sandbox, *args))
    assert len(mine) == count


def test_ad_hoc_action_commands(tmp_path, mistral_sandbox):
    prefix = f"peer_{uuid.uuid4().hex[:8]}"
    text = ACTIONS.replace("greet", f"{prefix}_greet").replace("shout", f"{prefix}_shout")
    actions, one, bad = (str(tmp_path / name) for name in ("actions.yaml", "one.yaml", "bad.yaml"))
    Path(actions).write_text(text)
    valid = tripleo_tui(tmp_path, mistral_sandbox, "action-validate", actions, "-f", "json")
    assert json.loads(valid.stdout) == {"Valid": True, "Error": None}
    created = tripleo_tui(tmp_path, mistral_sandbox, "action-create", actions, "-f", "json")
    rows = json.loads(created.stdout)
    assert [(row["Name"], row["Input"]) for row in rows] == [
        (f"{prefix}_greet", "who"),
        (f"{prefix}_shout", "who"),
    ]
    definition = tripleo_tui(tmp_path, mistral_sandbox, "action-get-definition", f"{prefix}_shout")
    assert definition.stdout == text
    updated = tripleo_tui(tmp_path, mistral_sandbox, "action-update", actions, "-f", "json")
    assert [row["ID"] for row in json.loads(updated.stdout)] == [row["ID"] for row in rows]
    Path(one).write_text(f"version: '2.0'\n{prefix}_renamed:\n  base: std.noop\n")
    renamed = tripleo_tui(
        tmp_path, mistral_sandbox, "action-update", one, "--id", rows[0]["ID"], "-f", "json"
    )
    assert json.loads(renamed.stdout)[0]["Name"] == f"{prefix}_renamed"
    deleted = tripleo_tui(
        tmp_path, mistral_sandbox, "action-delete", f"{prefix}_renamed", f"{prefix}_shout"
    )
    assert deleted.stdout.count("has been accepted.") == 2
    gone = tripleo_tui(tmp_path, mistral_sandbox, "action-get", f"{prefix}_shout", check=False)
    assert gone.returncode == 1 and gone.stderr.startswith("ERROR: HTTP 404: ")
    Path(bad).write_text("version: '2.0'\nbad:\n  bse: std.noop\n")
    invalid = tripleo_tui(tmp_path, mistral_sandbox, "action-validate", bad, check=False)
    assert invalid.returncode == 1 and "'base' is a required property" in invalid.stdout


def test_action_execution_delete_is_refused_as_mistral_is_configured(tmp_path, mistral_sandbox):
    ran = tripleo_tui(
        tmp_path,
        mistral_sandbox,
        "run-action",
        "std.echo",
        '{"output": 1}',
        "-s",
        "--run-sync",
        "-f",
        "json",
    )
    action_id = json.loads(ran.stdout)["ID"]
    refused = tripleo_tui(
        tmp_path, mistral_sandbox, "action-execution-delete", action_id, check=False
    )
    assert refused.returncode == 1
    assert refused.stderr == (
        "ERROR: HTTP 403: Action execution deletion is not allowed.\n"
        "ERROR: Unable to delete the specified action execution(s).\n"
    )


@pytest.mark.parametrize(
    "options",
    [
        (),
        ("--oldest", "--limit", "2"),
        ("--filter", "state=ERROR"),
        ("--filter", "name=in:first,sub", "--sort_keys", "name", "--sort_dirs", "desc"),
    ],
)
def test_task_list_pages_as_the_mistral_cli(tmp_path, mistral_sandbox, ran, options):
    execution_id, _ = ran
    args = ("task-list", execution_id, *options, "-f", "json", "-c", "ID", "-c", "Name")
    mine = json.loads(tripleo_tui(tmp_path, mistral_sandbox, *args).stdout)
    assert mine == json.loads(theirs(mistral_sandbox, *args))
    assert mine


@pytest.mark.parametrize("options", [(), ("--filter", "accepted=false"), ("--oldest",)])
def test_action_execution_list_pages_as_the_mistral_cli(tmp_path, mistral_sandbox, ran, options):
    _, tasks = ran
    args = ("action-execution-list", tasks["retried"], *options, "-f", "json", "-c", "ID")
    mine = json.loads(tripleo_tui(tmp_path, mistral_sandbox, *args).stdout)
    assert mine == json.loads(theirs(mistral_sandbox, *args))
    assert len(mine) == (1 if options[1:] == ("accepted=false",) else 2)
