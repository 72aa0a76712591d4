"""The /v2 routes behind mistralclient 6.3.0's execution-get-published, execution-get-report,
execution-/task-get-sub-executions, action-create/update/delete/validate/get-definition and
action-execution-delete: python-mistralclient and the `mistral` CLI against our engine, and the
`mistral` CLI's output next to ours on the same state file."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mistralclient.api.base import APIException

from tests.cli.engine_process import cli_command
from tests.cli.test_tree_and_action_commands import ACTIONS, WORKFLOWS
from tests.server.conftest import Served, start_server, stop_server
from tripleo_tui.tree_commands import HINT

# Mistral 23's report entries (resources.py: *ExecutionReportEntry, ExecutionReportStatistics).
ENTRY = {"id", "name", "created_at", "updated_at", "state", "state_info"}
STATISTICS = {
    "total_tasks_count",
    "running_tasks_count",
    "success_tasks_count",
    "error_tasks_count",
    "idle_tasks_count",
    "paused_tasks_count",
    "estimated_time",
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    served = start_server(tmp_path_factory.mktemp("trees") / "state.db", "--listen", "127.0.0.1:0")
    served.client().workflows.create(WORKFLOWS)
    yield served
    stop_server(served)


@pytest.fixture(scope="module")
def ran(served: Served) -> tuple[str, dict[str, str]]:
    """A finished run of `main` (it fails): its id and its tasks' ids by name."""
    client = served.client()
    execution = client.executions.create("main")
    deadline = time.monotonic() + 60
    while client.executions.get(execution.id).state == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    return execution.id, {task.name: task.id for task in client.tasks.list(execution.id)}


def ours(served: Served, *args: str) -> str:
    done = subprocess.run(cli_command(served.db, *args), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_published_global_as_mistral_sends_it(served, ran):
    execution_id, _ = ran
    published = served.client().executions.get(execution_id).published_global
    assert json.loads(published) == {"copied": "pw-7e3a9c", "plain": 2}  # the API shows all
    theirs = served.cli("execution-get-published", execution_id).stdout
    assert json.loads(theirs) == {"copied": "pw-7e3a9c", "plain": 2}
    assert json.loads(ours(served, "execution-get-published", execution_id)) == {
        "copied": "***",
        "plain": 2,
    }


def test_report_shape_and_options(served, ran):
    execution_id, _ = ran
    client = served.client()
    report = client.executions.get_report(execution_id, errors_only=False)
    assert set(report["statistics"]) == STATISTICS
    assert report["statistics"]["error_tasks_count"] == 3
    root = report["root_workflow_execution"]
    assert set(root) == ENTRY | {"task_executions"} and root["name"] == "main"
    tasks = {task["name"]: task for task in root["task_executions"]}
    assert set(tasks) == {"first", "retried", "sub"}
    assert set(tasks["first"]) == ENTRY | {"action_executions", "workflow_executions"}
    assert tasks["retried"]["retry_count"] == 1
    (action,) = tasks["first"]["action_executions"]
    assert set(action) == ENTRY | {"accepted", "last_heartbeat"}
    (child,) = tasks["sub"]["workflow_executions"]
    assert child["name"] == "child" and len(child["task_executions"]) == 1
    shallow = client.executions.get_report(execution_id, errors_only=True, max_depth=0)
    names = [task["name"] for task in shallow["root_workflow_execution"]["task_executions"]]
    assert sorted(names) == ["retried", "sub"]
    assert (
        "task_executions"
        not in shallow["root_workflow_execution"]["task_executions"][-1]["workflow_executions"][0]
    )
    counts = client.executions.get_report(execution_id, statistics_only=True)
    assert set(counts) == {"statistics"} and counts["statistics"]["error_tasks_count"] == 3


@pytest.mark.parametrize(
    "options", [(), ("--no-errors-only",), ("--max-depth", "0"), ("--statistics-only",)]
)
def test_report_printed_as_the_mistral_cli_prints_it(served, ran, options):
    execution_id, _ = ran
    theirs = served.cli("execution-get-report", execution_id, *options).stdout
    mine = ours(served, "execution-get-report", execution_id, *options)
    assert mine == theirs.replace("mistral task-get <id> -c 'State info'", HINT)


@pytest.mark.parametrize(
    ("command", "options", "names"),
    [
        ("execution-get-sub-executions", (), ["main", "child"]),
        ("execution-get-sub-executions", ("--errors-only", "--max-depth", "0"), ["main"]),
        ("task-get-sub-executions", (), ["child"]),
        ("task-get-sub-executions", ("--errors-only",), ["child"]),
    ],
)
def test_sub_executions_listed_as_the_mistral_cli_lists_them(served, ran, command, options, names):
    execution_id, tasks = ran
    origin = execution_id if command.startswith("execution") else tasks["sub"]
    args = (command, origin, *options, "-f", "json", "-c", "ID", "-c", "Workflow name")
    theirs = json.loads(served.cli(*args).stdout)
    assert theirs == json.loads(ours(served, *args))
    assert [row["Workflow name"] for row in theirs] == names


def test_ad_hoc_actions_through_mistralclient(served, tmp_path: Path):
    client = served.client()
    assert client.actions.validate(ACTIONS) == {"valid": True}
    invalid = client.actions.validate("version: '2.0'\nbad:\n  bse: std.noop\n")
    assert invalid["valid"] is False and "base" in invalid["error"]
    created = client.actions.create(ACTIONS)
    assert [(a.name, a.input, a.is_system, a.scope) for a in created] == [
        ("greet", "who", False, "private"),
        ("shout", "who", False, "private"),
    ]
    assert client.actions.get("shout").definition == ACTIONS
    (tmp_path / "one.yaml").write_text("version: '2.0'\ngreeted:\n  base: std.noop\n")
    (renamed,) = client.actions.update((tmp_path / "one.yaml").read_text(), id=created[0].id)
    assert (renamed.id, renamed.name) == (created[0].id, "greeted")
    with pytest.raises(APIException) as refused:
        client.actions.create(ACTIONS.replace("greet:", "other:"))  # shout is taken
    assert refused.value.error_code == 409
    theirs = served.cli("action-get-definition", "shout").stdout
    assert theirs == ACTIONS and ours(served, "action-get-definition", "shout") == ACTIONS
    deleted = served.cli("action-delete", "greeted", "shout").stdout
    assert deleted.splitlines() == [
        "Request to delete action greeted has been accepted.",
        "Request to delete action shout has been accepted.",
    ]
    with pytest.raises(APIException) as missing:
        client.actions.get("shout")
    assert missing.value.error_code == 404


def test_the_mistral_cli_creates_and_updates_actions(served, tmp_path: Path):
    (tmp_path / "actions.yaml").write_text(ACTIONS.replace("greet", "cli_greet"))
    created = json.loads(
        served.cli("action-create", str(tmp_path / "actions.yaml"), "-f", "json").stdout
    )
    assert [row["Name"] for row in created] == ["cli_greet", "shout"]
    updated = served.cli("action-update", str(tmp_path / "actions.yaml"), "-f", "json").stdout
    assert [row["ID"] for row in json.loads(updated)] == [row["ID"] for row in created]
    listed = json.loads(ours(served, "action-list", "--filter", "is_system=false", "-f", "json"))
    assert {"cli_greet", "shout"} <= {row["Name"] for row in listed}
    served.cli("action-delete", "cli_greet", "shout")


def test_action_execution_delete(served, ran):
    _, tasks = ran
    client = served.client()
    done = client.action_executions.create(
        "std.echo", {"output": 1}, save_result=True, run_sync=True
    )
    client.action_executions.delete(done.id)
    with pytest.raises(APIException) as gone:
        client.action_executions.get(done.id)
    assert gone.value.error_code == 404
    (of_task,) = client.action_executions.list(tasks["first"])
    with pytest.raises(APIException) as refused:
        client.action_executions.delete(of_task.id)
    assert refused.value.error_code == 400
    assert "only ad-hoc action executions (run-action) can be deleted" in str(refused.value)
    kept = served.cli("action-execution-delete", of_task.id, check=False)
    assert kept.returncode == 1 and "Unable to delete" in kept.stderr
