"""Short ids through the real CLI on a real state file: the 8 characters the console shows name
an execution, a task or an action run wherever a whole id is accepted; a prefix that starts
several ids is a clear error naming how many, and changes nothing."""

from __future__ import annotations

import json
import sqlite3
import subprocess

import pytest

from tests.cli.engine_process import cli_command, stop_engine

WORKBOOK = """\
version: '2.0'
name: short_ids
workflows:
  hello:
    tasks:
      say:
        action: std.echo output='hi'
        publish:
          said: <% task().result %>
actions:
  greet:
    base: std.echo output='hello'
"""


def run(db, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(cli_command(db, *args), capture_output=True, text=True, timeout=60)


def record(db, *args: str):
    done = run(db, *args, "-f", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def copy_row(db, table: str, old_id: str, new_id: str) -> None:
    """A second row like `old_id`'s under `new_id` (so two ids share a prefix)."""
    with sqlite3.connect(db) as conn:
        columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
        others = ", ".join(column for column in columns if column != "id")
        conn.execute(
            f"INSERT INTO {table} (id, {others}) SELECT ?, {others} FROM {table} WHERE id = ?",
            (new_id, old_id),
        )


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    """A state file with one finished run of `short_ids.hello`: (db, execution, task, action)."""
    folder = tmp_path_factory.mktemp("short-ids")
    db = folder / "state.sqlite"
    (folder / "wb.yaml").write_text(WORKBOOK)
    assert run(db, "workbook-create", str(folder / "wb.yaml")).returncode == 0
    try:
        execution = record(db, "execution-create", "short_ids.hello", "--wait")
    finally:
        stop_engine(db)  # the one the command started in the background
    (task,) = record(db, "task-list", execution["ID"])
    (action,) = record(db, "action-execution-list", task["ID"])
    return db, execution["ID"], task["ID"], action["ID"]


def test_eight_characters_name_an_execution_a_task_and_an_action_run(ran):
    db, execution_id, task_id, action_id = ran
    assert record(db, "execution-get", execution_id[:8])["ID"] == execution_id
    assert json.loads(run(db, "execution-get-output", execution_id[:8]).stdout) == {"said": "hi"}
    assert [task["ID"] for task in record(db, "task-list", execution_id[:8])] == [task_id]
    assert record(db, "task-get", task_id[:8])["ID"] == task_id
    assert json.loads(run(db, "task-get-result", task_id[:8]).stdout) == "hi"
    assert [action["ID"] for action in record(db, "action-execution-list", task_id[:8])] == [
        action_id
    ]
    assert record(db, "action-execution-get", action_id[:8])["ID"] == action_id
    assert record(db, "execution-get", execution_id)["ID"] == execution_id


def test_an_ambiguous_prefix_is_an_error_naming_the_count(ran):
    db, execution_id, _, _ = ran
    twin = execution_id[:8] + "-0000-4000-8000-000000000000"
    assert twin != execution_id
    copy_row(db, "workflow_executions", execution_id, twin)
    done = run(db, "execution-get", execution_id[:8])
    assert done.returncode == 1
    assert done.stderr == (
        f"ERROR: Execution id '{execution_id[:8]}' is ambiguous: it starts 2 execution ids; "
        "give more characters\n"
    )
    done = run(db, "execution-delete", execution_id[:8])
    assert done.returncode == 1 and "is ambiguous: it starts 2 execution ids" in done.stderr
    assert record(db, "execution-get", execution_id)["ID"] == execution_id  # nothing deleted

    assert run(db, "execution-delete", twin[:14]).returncode == 0  # long enough to be unique
    assert record(db, "execution-get", execution_id[:8])["ID"] == execution_id


def test_a_prefix_that_starts_no_id_is_not_found(ran):
    db, execution_id, _, _ = ran
    unknown = "ffffffff" if not execution_id.startswith("ffffffff") else "00000000"
    done = run(db, "execution-get", unknown)
    assert (done.returncode, done.stderr) == (1, f"ERROR: Execution '{unknown}' not found\n")


def test_workflows_actions_and_cron_triggers_by_a_short_id_or_by_name(ran):
    db = ran[0]
    workflow = record(db, "workflow-get", "short_ids.hello")
    assert record(db, "workflow-get", workflow["ID"][:8])["Name"] == "short_ids.hello"
    definition = run(db, "workflow-get-definition", workflow["ID"][:8])
    assert "std.echo output='hi'" in definition.stdout
    action = record(db, "action-get", "short_ids.greet")
    assert record(db, "action-get", action["ID"][:8])["Name"] == "short_ids.greet"
    trigger = record(
        db, "cron-trigger-create", "nightly", workflow["ID"][:8], "--pattern", "0 3 * * *"
    )
    assert trigger["Workflow"] == "short_ids.hello"
    with sqlite3.connect(db) as conn:  # the CLI shows no trigger id, as mistralclient's
        (trigger_id,) = conn.execute("SELECT id FROM cron_triggers").fetchone()
    assert record(db, "cron-trigger-get", trigger_id[:8])["Name"] == "nightly"
    assert run(db, "cron-trigger-delete", trigger_id[:8]).returncode == 0
    done = run(db, "cron-trigger-get", "nightly")
    assert done.returncode == 1 and "not found" in done.stderr


def test_a_prefix_of_two_workflow_ids_is_ambiguous(ran):
    db = ran[0]
    workflow_id = record(db, "workflow-get", "short_ids.hello")["ID"]
    twin = workflow_id[:8] + "-0000-4000-8000-000000000000"
    with sqlite3.connect(db) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(workflow_definitions)")]
        others = ", ".join(column for column in columns if column not in ("id", "name"))
        conn.execute(
            f"INSERT INTO workflow_definitions (id, name, {others})"
            f" SELECT ?, name || '_twin', {others} FROM workflow_definitions WHERE id = ?",
            (twin, workflow_id),
        )
    done = run(db, "workflow-get", workflow_id[:8])
    assert done.returncode == 1
    assert f"Workflow id '{workflow_id[:8]}' is ambiguous: it starts 2 workflow ids" in done.stderr
    assert record(db, "workflow-get", "short_ids.hello_twin")["ID"] == twin  # a name is a name
