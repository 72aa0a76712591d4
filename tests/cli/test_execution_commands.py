"""execution-*, task-*, action-execution-*, run-action and environment-* commands, run in-process
against a real state file served by a real `tripleo-tui engine` process (the hand-off)."""

import json
import re
import subprocess

import pytest

from tests.cli.engine_process import (
    cli_command,
    in_process_cli,
    lease_pid,
    start_engine,
    stop_engine,
    wait_for,
)
from tripleo_tui.execution_commands import EXECUTION_COLUMNS

WORKBOOK = """\
version: '2.0'
name: tests.v1
workflows:
  needs:
    input: [who, password: '']
    output:
      said: <% $.said %>
    tasks:
      say:
        action: std.echo output=<% $.who %>
        publish:
          said: <% task().result %>
  failing:
    tasks:
      first:
        action: std.echo output=1
        on-success: boom
      boom:
        action: std.fail
  divide:
    tasks:
      share:
        action: std.echo output=<% 10 / env().parts %>
        publish:
          share: <% task().result %>
  waiter:
    tasks:
      outside:
        action: std.async_noop
        publish:
          got: <% task().result %>
  paused_first:
    tasks:
      held:
        action: std.echo output="ran"
        pause-before: true
  greet_from_env:
    tasks:
      greet:
        action: std.echo output=<% env().greeting %>
        publish:
          greeting: <% task().result %>
"""

# python-mistralclient 6.3.0's ExecutionFormatter headings.
MISTRAL_6_EXECUTION_COLUMNS = [
    "ID",
    "Workflow ID",
    "Workflow name",
    "Workflow namespace",
    "Description",
    "Task Execution ID",
    "Root Execution ID",
    "State",
    "State info",
    "Created at",
    "Updated at",
    "Duration",
]


@pytest.fixture(scope="module")
def engine_db(tmp_path_factory):
    """A state file with our test workbook and a live engine process serving it."""
    folder = tmp_path_factory.mktemp("executions")
    db = folder / "state.sqlite"
    workbook = folder / "tests.yaml"
    workbook.write_text(WORKBOOK)
    created = subprocess.run(
        cli_command(db, "workbook-create", str(workbook)), capture_output=True, text=True
    )
    assert created.returncode == 0, created.stderr
    engine = start_engine(db)
    yield db
    stop_engine(db)
    assert lease_pid(db) is None  # released: a clean stop
    assert engine.wait(timeout=30) == 0
    _, err = engine.communicate()
    assert "Traceback" not in err


@pytest.fixture
def cli(engine_db, capsys, tmp_path, monkeypatch):
    """Run `tripleo-tui --db <engine_db> ...` in-process; returns (exit code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    return in_process_cli(engine_db, capsys)


def record(cli, *args):
    code, out, err = cli(*args, "-f", "json")
    assert code == 0, err
    return json.loads(out)


def start(cli, *args):
    """execution-create; the new execution's fields."""
    return record(cli, "execution-create", *args)


def finished(cli, execution_id):
    """The execution once it has ended (polling execution-get as a user would)."""
    return wait_for(
        lambda: (
            (ex := record(cli, "execution-get", execution_id))["State"]
            in ("SUCCESS", "ERROR", "CANCELLED")
            and ex
        ),
        what=f"execution {execution_id} to end",
    )


def only_task(cli, execution_id):
    (task,) = record(cli, "task-list", execution_id)
    return task


def test_create_wait_runs_our_hello_workbook(cli):
    execution = start(cli, "tripleo.examples.v1.hello", '{"name": "Ann"}', "--wait")
    assert execution["State"] == "SUCCESS"
    assert execution["Workflow name"] == "tripleo.examples.v1.hello"
    assert list(execution) == MISTRAL_6_EXECUTION_COLUMNS
    assert execution["Workflow namespace"] == ""
    assert re.fullmatch(r"\d+:\d\d:\d\d", execution["Duration"])
    assert execution["Task Execution ID"] == execution["Root Execution ID"] == "<none>"
    code, out, _ = cli("execution-get-output", execution["ID"])
    assert (code, out) == (0, '{\n    "greeting": "Hello, Ann!"\n}\n')
    code, out, _ = cli("execution-get-input", execution["ID"])
    assert json.loads(out) == {"name": "Ann"}


def test_tasks_and_their_action_executions(cli):
    execution = start(cli, "tests.v1.needs", '{"who": "Bo"}', "--wait")
    task = only_task(cli, execution["ID"])
    assert (task["Name"], task["State"], task["Workflow Execution ID"]) == (
        "say",
        "SUCCESS",
        execution["ID"],
    )
    assert list(task) == [  # python-mistralclient 6.3.0's TaskFormatter headings
        "ID",
        "Name",
        "Workflow name",
        "Workflow namespace",
        "Workflow Execution ID",
        "State",
        "State info",
        "Created at",
        "Started at",
        "Finished at",
        "Duration",
    ]
    assert task["Started at"] <= task["Finished at"]
    assert re.fullmatch(r"\d+:\d\d:\d\d", task["Duration"])
    assert record(cli, "task-get", task["ID"])["Workflow name"] == "tests.v1.needs"
    assert cli("task-get-result", task["ID"])[1] == '"Bo"\n'
    assert cli("task-get-published", task["ID"])[1] == '{\n    "said": "Bo"\n}\n'
    (action,) = record(cli, "action-execution-list", task["ID"])
    assert (action["Name"], action["Task name"], action["Accepted"]) == ("std.echo", "say", True)
    assert "State info" not in action
    assert list(action) == [  # ActionExecutionFormatter's list headings
        "ID",
        "Name",
        "Workflow name",
        "Workflow namespace",
        "Task name",
        "Task ID",
        "State",
        "Accepted",
        "Created at",
        "Updated at",
    ]
    assert record(cli, "action-execution-get", action["ID"])["State info"] is None
    assert json.loads(cli("action-execution-get-output", action["ID"])[1]) == {"result": "Bo"}
    assert json.loads(cli("action-execution-get-input", action["ID"])[1]) == {"output": "Bo"}


def test_execution_list_table(cli):
    execution = start(cli, "tests.v1.needs", '{"who": "Cy"}', "--wait")
    code, out, _ = cli("execution-list", "--filter", "workflow_name=tests.v1.needs")
    assert code == 0
    header = [cell.strip() for cell in out.splitlines()[1].split("|")[1:-1]]
    assert header == list(EXECUTION_COLUMNS)
    assert header == MISTRAL_6_EXECUTION_COLUMNS
    assert execution["ID"] in out
    newest = record(cli, "execution-list", "--sort_dirs", "desc", "--limit", "1")
    assert [row["ID"] for row in newest] == [execution["ID"]]
    code, _, err = cli("execution-list", "--filter", "colour=red")
    assert code == 1 and "Invalid filter 'colour=red'" in err


def test_failing_workflow_ends_in_error(cli):
    code, out, err = cli("execution-create", "tests.v1.failing", "--wait", "-f", "json")
    execution = json.loads(out)
    assert code == 1
    assert err == f"ERROR: Execution {execution['ID']} ended in state ERROR\n"
    assert execution["State"] == "ERROR"
    assert execution["State info"].startswith("Failure caused by error in tasks: boom")
    states = {task["Name"]: task["State"] for task in record(cli, "task-list", execution["ID"])}
    assert states == {"first": "SUCCESS", "boom": "ERROR"}


def test_create_wait_returns_when_the_execution_is_paused_by_pause_before(cli):
    code, out, err = cli("execution-create", "tests.v1.paused_first", "--wait", "-f", "json")
    execution = json.loads(out)
    assert code == 1
    assert err == (
        f"ERROR: Execution {execution['ID']} is PAUSED: "
        "resume it with execution-update -s RUNNING\n"
    )
    assert execution["State"] == "PAUSED"
    held = only_task(cli, execution["ID"])
    assert held["State"] == "IDLE"
    assert record(cli, "task-get", held["ID"])["State info"] == "Set by 'pause-before' policy"
    record(cli, "execution-update", execution["ID"], "-s", "RUNNING")
    assert finished(cli, execution["ID"])["State"] == "SUCCESS"
    assert only_task(cli, execution["ID"])["State"] == "SUCCESS"


def test_task_rerun_skip_marks_the_failed_task_skipped_and_the_workflow_goes_on(cli):
    execution = finished(cli, start(cli, "tests.v1.failing", "{}")["ID"])
    assert execution["State"] == "ERROR"
    (boom,) = [t for t in record(cli, "task-list", execution["ID"]) if t["Name"] == "boom"]
    assert record(cli, "task-rerun", boom["ID"], "--skip")["State"] == "SKIPPED"
    assert finished(cli, execution["ID"])["State"] == "SUCCESS"


def test_task_rerun_after_fixing_the_env(cli):
    execution = finished(cli, start(cli, "tests.v1.divide", "{}", '{"env": {"parts": 0}}')["ID"])
    assert execution["State"] == "ERROR"
    task = only_task(cli, execution["ID"])
    assert task["State info"] == "Failed to run task [error..."  # cut in lists
    assert "division or modulo by zero" in record(cli, "task-get", task["ID"])["State info"]
    rerun = record(cli, "task-rerun", task["ID"], "-e", '{"parts": 2}')
    assert rerun["ID"] == task["ID"] and rerun["State"] in ("RUNNING", "SUCCESS")
    assert finished(cli, execution["ID"])["State"] == "SUCCESS"
    assert json.loads(cli("task-get-published", task["ID"])[1]) == {"share": 5}
    code, _, err = cli("task-rerun", task["ID"])
    assert code == 1
    assert err.startswith("ERROR: The current task execution must be in ERROR for rerun.")


def test_pause_resume_and_cancel(cli):
    execution = start(cli, "tripleo.examples.v1.wait_and_echo", '{"seconds": 1}')
    assert execution["State"] == "RUNNING"
    paused = record(cli, "execution-update", execution["ID"], "-s", "PAUSED")
    assert paused["State"] == "PAUSED"
    wait_for(lambda: only_task(cli, execution["ID"])["State"] == "SUCCESS", what="the wait task")
    assert record(cli, "execution-get", execution["ID"])["State"] == "PAUSED"
    resumed = record(cli, "execution-update", execution["ID"], "-s", "RUNNING")
    assert resumed["State"] in ("RUNNING", "SUCCESS")
    assert finished(cli, execution["ID"])["State"] == "SUCCESS"
    code, _, err = cli("execution-update", execution["ID"], "-s", "PAUSED")
    assert code == 1 and "from SUCCESS to PAUSED" in err

    other = start(cli, "tripleo.examples.v1.wait_and_echo", '{"seconds": 30}')
    cancelled = record(cli, "execution-update", other["ID"], "-s", "CANCELLED")
    assert cancelled["State"] == "CANCELLED"
    # mistralclient 6.x ends a Duration only at SUCCESS or ERROR; a cancelled one still counts.
    assert cancelled["Duration"] == "..." or cancelled["Duration"].endswith("...")
    code, _, err = cli("execution-update", other["ID"])
    assert code == 1 and "Nothing to update" in err


def test_description_update_and_delete(cli):
    execution = start(cli, "tests.v1.needs", '{"who": "Di"}', "-d", "first", "--wait")
    assert execution["Description"] == "first"
    changed = record(cli, "execution-update", execution["ID"], "-d", "second")
    assert changed["Description"] == "second"
    running = start(cli, "tripleo.examples.v1.wait_and_echo", '{"seconds": 30}')
    code, out, err = cli("execution-delete", execution["ID"], running["ID"])
    assert code == 1
    assert out == f"Request to delete execution {execution['ID']} has been accepted.\n"
    assert f"Execution {running['ID']} is RUNNING; cancel it before deleting it" in err
    code, _, err = cli("execution-update", running["ID"], "-d", "renamed", "-e", '{"a": 1}')
    assert code == 1 and "only permitted if it is in IDLE, PAUSED, or ERROR" in err
    assert record(cli, "execution-get", running["ID"])["Description"] == ""
    code, _, err = cli("execution-get", execution["ID"])
    assert code == 1 and err == f"ERROR: Execution '{execution['ID']}' not found\n"
    record(cli, "execution-update", running["ID"], "-s", "CANCELLED")
    assert cli("execution-delete", running["ID"])[0] == 0


def test_run_action(cli):
    code, out, _ = cli("run-action", "std.echo", '{"output": 1}')
    assert (code, out) == (0, '{"result": 1}\n')
    saved = record(cli, "run-action", "std.echo", '{"output": "kept"}', "-s", "--run-sync")
    assert (saved["State"], saved["Task ID"], saved["Workflow name"]) == ("SUCCESS", None, None)
    assert json.loads(cli("action-execution-get-output", saved["ID"])[1]) == {"result": "kept"}
    code, out, _ = cli("run-action", "std.fail")
    assert code == 1 and json.loads(out) == {"result": "Fail action expected exception."}
    code, _, err = cli("run-action", "std.ecko", '{"output": 1}')
    assert (code, err) == (1, "ERROR: Action 'std.ecko' not found. Did you mean: std.echo?\n")


def test_asynchronous_action_completed_from_outside(cli):
    execution = start(cli, "tests.v1.waiter")
    task = wait_for(lambda: record(cli, "task-list", execution["ID"]), what="the task")[0]
    (action,) = wait_for(lambda: record(cli, "action-execution-list", task["ID"]))
    assert action["State"] == "RUNNING"
    updated = record(
        cli, "action-execution-update", action["ID"], "--state", "SUCCESS", "--output", '{"x": 1}'
    )
    assert updated["State"] == "SUCCESS"
    assert finished(cli, execution["ID"])["State"] == "SUCCESS"
    assert json.loads(cli("task-get-published", task["ID"])[1]) == {"got": {"x": 1}}


def test_environments_and_the_env_param(cli, tmp_path):
    (tmp_path / "env.yaml").write_text(
        "name: staging\ndescription: for tests\n"
        "variables:\n  greeting: hi from env\n  admin_password: hunter2\n"
    )
    created = record(cli, "environment-create", "env.yaml")
    assert (created["Name"], created["Scope"]) == ("staging", "private")
    assert json.loads(created["Variables"]) == {"greeting": "hi from env", "admin_password": "***"}
    listed = record(cli, "environment-list")
    assert [env["Name"] for env in listed] == ["staging"]
    assert list(listed[0]) == ["Name", "Description", "Scope", "Created at", "Updated at"]
    code, _, err = cli("environment-create", "env.yaml")
    assert (code, err) == (1, "ERROR: Environment 'staging' already exists\n")

    execution = start(cli, "tests.v1.greet_from_env", "{}", '{"env": "staging"}', "--wait")
    assert json.loads(cli("execution-get-output", execution["ID"])[1]) == {
        "greeting": "hi from env"
    }

    (tmp_path / "update.json").write_text('{"name": "staging", "description": "changed"}')
    updated = record(cli, "environment-update", "update.json")
    assert updated["Description"] == "changed" and updated["Updated at"] is not None
    assert json.loads(updated["Variables"])["greeting"] == "hi from env"
    assert cli("environment-delete", "staging")[0] == 0
    code, _, err = cli("environment-get", "staging")
    assert (code, err) == (1, "ERROR: Environment 'staging' not found\n")
    before = [ex["ID"] for ex in record(cli, "execution-list", "--limit", "-1")]
    code, _, err = cli("execution-create", "tests.v1.greet_from_env", "{}", '{"env": "staging"}')
    assert (code, err) == (1, "ERROR: Environment is not found: staging\n")
    assert [ex["ID"] for ex in record(cli, "execution-list", "--limit", "-1")] == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("variables: {a: 1}", "'name' must be a non-empty string"),
        ("name: x\nvariables: [1]", "'variables' must be a mapping"),
        ("name: x\ncolour: red", "unexpected key(s) ['colour']"),
        ("name: x\nscope: galaxy", "'scope' must be one of private, public"),
        ("name: [x\n", "is not valid YAML: "),
    ],
)
def test_bad_environment_files(cli, tmp_path, content, message):
    (tmp_path / "bad.yaml").write_text(content)
    code, out, err = cli("environment-create", "bad.yaml")
    assert code == 1 and out == ""
    assert err.startswith("ERROR: Environment file 'bad.yaml'") and message in err
    assert "x" not in [env["Name"] for env in record(cli, "environment-list")]


def test_secrets_are_masked_in_what_is_shown(cli, engine_db):
    execution = start(cli, "tests.v1.needs", '{"who": "Ed", "password": "s3cr3t-pw"}', "--wait")
    code, out, _ = cli("execution-get-input", execution["ID"])
    assert json.loads(out) == {"who": "Ed", "password": "***"}
    log = (engine_db.parent / "tripleo-tui.log").read_text()
    assert "s3cr3t-pw" not in log


def test_input_from_yaml_file(cli, tmp_path):
    (tmp_path / "input.yaml").write_text("who: Flo\n")
    execution = start(cli, "tests.v1.needs", "input.yaml", "--wait")
    assert json.loads(cli("execution-get-output", execution["ID"])[1]) == {"said": "Flo"}


def test_execution_list_as_mistral_6(cli):
    """The newest page by default (shown oldest first), --oldest, --marker, operators."""
    ids = [finished(cli, start(cli, "tests.v1.needs", '{"who": "Di"}')["ID"])["ID"]]
    ids.append(finished(cli, start(cli, "tests.v1.failing")["ID"])["ID"])
    ids.append(finished(cli, start(cli, "tests.v1.needs", '{"who": "Ed"}')["ID"])["ID"])
    listed = [row["ID"] for row in record(cli, "execution-list", "--limit", "-1")]
    assert listed[-3:] == ids
    assert [row["ID"] for row in record(cli, "execution-list", "--limit", "2")] == ids[1:]
    oldest = [row["ID"] for row in record(cli, "execution-list", "--oldest", "--limit", "2")]
    assert oldest == listed[:2]
    after = record(cli, "execution-list", "--marker", ids[0], "--limit", "-1")
    assert [row["ID"] for row in after] == ids[1:]
    ended = record(cli, "execution-list", "--filter", "state=in:ERROR,SUCCESS", "--limit", "-1")
    assert {row["State"] for row in ended} == {"ERROR", "SUCCESS"}
    assert set(ids) <= {row["ID"] for row in ended}
    not_failed = record(cli, "execution-list", "--filter", "state=neq:ERROR", "--limit", "-1")
    assert ids[1] not in {row["ID"] for row in not_failed}
    since = record(cli, "execution-list", "--filter", f"id=has:{ids[2][:8]}")
    assert [row["ID"] for row in since] == [ids[2]]
    by_name = record(
        cli, "execution-list", "--sort_keys", "workflow_name,created_at", "--sort_dirs", "desc"
    )
    names = [row["Workflow name"] for row in by_name]
    assert names == sorted(names, reverse=True)
    roots = record(cli, "execution-list", "--rootsonly", "--limit", "-1")
    assert roots and all(row["Root Execution ID"] == "<none>" for row in roots)
    code, _, err = cli("execution-list", "--sort_dirs", "up")
    assert code == 1 and "Unknown sort direction 'up'" in err
    code, _, err = cli("execution-list", "--marker", "nope")
    assert code == 1 and "Marker 'nope'" in err
    tasks = record(cli, "task-list", "--filter", "state=in:ERROR", "--limit", "-1")
    assert "boom" in {task["Name"] for task in tasks}
    assert {task["State"] for task in tasks} == {"ERROR"}
