"""python-mistralclient 6.3.0's execution-get-published, execution-get-report,
execution-/task-get-sub-executions, action-create/update/delete/validate/get-definition and
action-execution-delete, run in-process against a real state file served by a real
`tripleo-tui engine` process, each option once."""

import json
import re
import sqlite3
import subprocess

import pytest
from mistralclient.commands.v2.actions import ActionFormatter
from mistralclient.commands.v2.executions import ExecutionFormatter

from tests.cli.engine_process import (
    as_json,
    cli_command,
    in_process_cli,
    lease_pid,
    start_engine,
    stop_engine,
)
from tripleo_tui.tree_commands import HINT

WORKFLOWS = """\
version: '2.0'
child:
  tasks:
    fails:
      action: std.fail
main:
  input:
    - password: pw-7e3a9c
  vars:
    kept_out: 1
  tasks:
    first:
      action: std.echo output=<% $.password %>
      on-success:
        publish:
          global:
            copied: <% task().result %>
            plain: 2
        next: retried
      on-complete:
        - sub
    retried:
      action: std.fail
      retry:
        count: 1
        delay: 0
    sub:
      workflow: child
"""
ACTIONS = """\
version: '2.0'
greet:
  description: says hi
  base: std.echo
  input: [who]
  base-input:
    output: hi <% $.who %>
shout:
  base: greet
  input: [who]
  base-input:
    who: <% $.who %>!
"""
ID = r"[0-9a-f-]{36}"


@pytest.fixture(scope="module")
def engine_db(tmp_path_factory):
    """A state file with the workflows above and a live engine process serving it."""
    folder = tmp_path_factory.mktemp("trees")
    db = folder / "state.sqlite"
    (folder / "wf.yaml").write_text(WORKFLOWS)
    created = subprocess.run(
        cli_command(db, "workflow-create", str(folder / "wf.yaml")), capture_output=True, text=True
    )
    assert created.returncode == 0, created.stderr
    engine = start_engine(db)
    yield db
    stop_engine(db)
    assert lease_pid(db) is None
    assert engine.wait(timeout=30) == 0


@pytest.fixture
def cli(engine_db, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return in_process_cli(engine_db, capsys)


@pytest.fixture(scope="module")
def ran(engine_db):
    """A finished run of `main`: its id, its tasks by name and its sub-workflow's id."""
    done = subprocess.run(
        cli_command(engine_db, "execution-create", "main", "--wait", "-f", "json"),
        capture_output=True,
        text=True,
    )
    execution = json.loads(done.stdout)
    assert execution["State"] == "ERROR", done.stderr
    tasks = subprocess.run(
        cli_command(engine_db, "task-list", execution["ID"], "-f", "json"),
        capture_output=True,
        text=True,
    )
    by_name = {task["Name"]: task["ID"] for task in json.loads(tasks.stdout)}
    children = subprocess.run(
        cli_command(
            engine_db, "execution-list", "--task", by_name["sub"], "-f", "value", "-c", "ID"
        ),
        capture_output=True,
        text=True,
    )
    return execution["ID"], by_name, children.stdout.strip()


def tree_lines(text: str) -> list[str]:
    """The report's tree, ids replaced by ID (they differ from run to run)."""
    tree = text.split("Workflow Execution Tree")[1].splitlines()[2:]
    return [re.sub(ID, "ID", line) for line in tree]


def test_execution_get_published_shows_global_variables_masked(cli, ran):
    execution_id, _, child_id = ran
    code, out, _ = cli("execution-get-published", execution_id)
    assert code == 0
    assert out == '{\n    "copied": "***",\n    "plain": 2\n}\n'  # a copy of the password
    assert cli("execution-get-published", child_id)[1] == "{}\n"
    code, _, err = cli("execution-get-published", "0" * 36)
    assert (code, err) == (1, f"ERROR: Execution '{'0' * 36}' not found\n")


def test_execution_get_report_shows_errors_only_by_default(cli, ran):
    execution_id, _, _ = ran
    code, out, _ = cli("execution-get-report", execution_id)
    assert code == 0
    assert out.startswith(
        f"\nTo get more details on a task failure run: {HINT}\n\n"
        f"{'=' * 30} General Statistics {'=' * 30}\n\n"
        "Number of tasks in SUCCESS state: 0\n"
        "Number of tasks in ERROR state: 3\n"
        "Number of tasks in RUNNING state: 0\n"
        "Number of tasks in IDLE state: 0\n"
        "Number of tasks in PAUSED state: 0\n\n"
        "Estimated time (seconds) for the execution to finish: 0\n\n"
    )
    assert tree_lines(out) == [
        "workflow 'main' [ERROR] ID",
        "    task 'retried' [ERROR] ID",
        "    (retry count: 1)",
        "    (error info: Fail action expected exception....)",
        "        action 'std.fail' [ERROR] ID",
        "        action 'std.fail' [ERROR] ID",
        "    task 'sub' [ERROR] ID",
        "    (error info: Failure caused by error in tasks: fails    fails [task_ex_id=ID] -...)",
        "        workflow 'child' [ERROR] ID",
        "            task 'fails' [ERROR] ID",
        "            (error info: Fail action expected exception....)",
        "                action 'std.fail' [ERROR] ID",
    ]
    assert cli("execution-get-report", execution_id, "--errors-only")[1] == out


def test_execution_get_report_options(cli, ran):
    execution_id, _, _ = ran
    every = cli("execution-get-report", execution_id, "--no-errors-only")[1]
    assert "Number of tasks in SUCCESS state: 1\nNumber of tasks in ERROR state: 3\n" in every
    assert tree_lines(every)[:3] == [
        "workflow 'main' [ERROR] ID",
        "    task 'first' [SUCCESS] ID",
        "        action 'std.echo' [SUCCESS] ID",
    ]
    shallow = cli("execution-get-report", execution_id, "--max-depth", "0")[1]
    assert "Number of tasks in ERROR state: 2\n" in shallow  # the child's task is not read
    assert tree_lines(shallow)[-1] == "        workflow 'child' [ERROR] ID"  # without its tasks
    numbers = cli("execution-get-report", execution_id, "--statistics-only")[1]
    assert "Workflow Execution Tree" not in numbers
    assert numbers.endswith("Estimated time (seconds) for the execution to finish: 0\n\n")
    assert "Number of tasks in ERROR state: 3\n" in numbers
    counted = cli(
        "execution-get-report", execution_id, "--statistics-only", "--no-errors-only", "--max-depth"
    )[1]  # --max-depth with no number: no limit, as in mistralclient (nargs='?')
    assert "Number of tasks in SUCCESS state: 1\n" in counted


def test_execution_get_sub_executions(cli, ran):
    execution_id, _, child_id = ran
    rows = as_json(cli, "execution-get-sub-executions", execution_id)
    assert [row["ID"] for row in rows] == [execution_id, child_id]
    assert list(rows[0]) == ExecutionFormatter.headings()
    assert rows[1]["Task Execution ID"] != "<none>"
    assert rows[0]["State info"].endswith("...")  # cut, as in lists
    top = as_json(cli, "execution-get-sub-executions", execution_id, "--max-depth", "0")
    assert [row["ID"] for row in top] == [execution_id]
    failing = as_json(cli, "execution-get-sub-executions", execution_id, "--errors-only")
    assert [row["ID"] for row in failing] == [execution_id, child_id]
    code, out, _ = cli("execution-get-sub-executions", execution_id[:8], "-f", "value", "-c", "ID")
    assert (code, out.split()) == (0, [execution_id, child_id])


def test_task_get_sub_executions(cli, ran):
    _, tasks, child_id = ran
    assert [row["ID"] for row in as_json(cli, "task-get-sub-executions", tasks["sub"])] == [
        child_id
    ]
    assert as_json(cli, "task-get-sub-executions", tasks["sub"], "--errors-only")[0]["ID"] == (
        child_id
    )
    assert as_json(cli, "task-get-sub-executions", tasks["sub"], "--max-depth", "0")
    (empty,) = as_json(cli, "task-get-sub-executions", tasks["first"])  # an action task
    assert set(empty.values()) == {""}


def test_action_create_validate_and_get_definition(cli, tmp_path):
    (tmp_path / "actions.yaml").write_text(ACTIONS)
    code, out, _ = cli("action-validate", "actions.yaml", "-f", "json")
    assert (code, json.loads(out)) == (0, {"Valid": True, "Error": None})
    created = as_json(cli, "action-create", "actions.yaml")
    assert [(a["Name"], a["Input"], a["Is system"]) for a in created] == [
        ("greet", "who", False),
        ("shout", "who", False),
    ]
    assert created[0]["Description"] == "says hi"
    assert list(created[0]) == ActionFormatter.headings()
    code, out, _ = cli("action-get-definition", "shout")
    assert (code, out) == (0, ACTIONS)  # the whole document, as Mistral keeps it
    code, out, _ = cli("run-action", "shout", '{"who": "Ann"}')
    assert (code, out) == (0, '{"result": "hi Ann!"}\n')
    code, _, err = cli("action-create", "actions.yaml")
    assert (code, err) == (1, "ERROR: Action 'greet' already exists\n")
    for name in ("greet", "shout"):
        assert cli("action-delete", name)[0] == 0


def test_action_create_refusals(cli, tmp_path):
    (tmp_path / "bad.yaml").write_text("version: '2.0'\nbad:\n  bse: std.noop\n")
    code, out, err = cli("action-validate", "bad.yaml", "-f", "json")
    assert code == 1 and json.loads(out)["Valid"] is False
    assert (
        "bad.yaml:3:3: bad.base: an ad-hoc action needs a base action" in json.loads(out)["Error"]
    )
    code, out, err = cli("action-create", "bad.yaml")
    assert code == 1 and out == "" and err.startswith("ERROR: Invalid definition (2 problems):")
    (tmp_path / "system.yaml").write_text("version: '2.0'\nstd.echo:\n  base: std.noop\n")
    code, _, err = cli("action-create", "system.yaml")
    assert (code, err) == (1, "ERROR: Action 'std.echo' already exists (system action)\n")
    (tmp_path / "one.yaml").write_text("version: '2.0'\nlonely:\n  base: std.noop\n")
    code, _, err = cli("action-create", "one.yaml", "--namespace", "other")
    assert (code, err) == (
        1,
        "ERROR: Namespace 'other': only the default namespace ('') is supported\n",
    )
    assert cli("action-get", "lonely")[0] == 1  # nothing was stored


def scope_of(db, name):
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT scope FROM action_definitions WHERE name = ?", (name,)
        ).fetchone()[0]


def test_action_update_by_name_and_by_id(cli, tmp_path, engine_db):
    (tmp_path / "v1.yaml").write_text("version: '2.0'\nkeep:\n  base: std.noop\n")
    created = as_json(cli, "action-create", "v1.yaml", "--public")
    assert as_json(cli, "action-get", "keep")["ID"] == created[0]["ID"]
    assert scope_of(engine_db, "keep") == "public"
    (tmp_path / "v2.yaml").write_text(
        "version: '2.0'\nkeep:\n  base: std.echo\n  input: [x, y: 2]\n  base-input:\n"
        "    output: <% $.x %>\n"
    )
    (updated,) = as_json(cli, "action-update", "v2.yaml")
    assert (updated["ID"], updated["Input"]) == (created[0]["ID"], "x, y=2")
    assert scope_of(engine_db, "keep") == "private"  # as mistralclient: no --public, private
    assert updated["Updated at"] is not None
    (tmp_path / "renamed.yaml").write_text("version: '2.0'\nkept:\n  base: std.noop\n")
    (renamed,) = as_json(cli, "action-update", "renamed.yaml", "--id", created[0]["ID"])
    assert (renamed["ID"], renamed["Name"]) == (created[0]["ID"], "kept")
    code, _, err = cli("action-update", "v2.yaml")
    assert (code, err) == (1, "ERROR: Action 'keep' not found\n")
    (tmp_path / "two.yaml").write_text(ACTIONS)
    code, _, err = cli("action-update", "two.yaml", "--id", "kept")
    assert code == 1 and "More than one actions are not supported" in err
    code, out, err = cli("action-delete", "kept", "std.echo", "nowhere")
    assert code == 1
    assert out == "Request to delete action kept has been accepted.\n"
    assert err == (
        "ERROR: Action 'std.echo' is a system action: it cannot be deleted\n"
        "ERROR: Action 'nowhere' not found\n"
        "ERROR: Unable to delete the specified action(s).\n"
    )


def test_a_workbook_action_is_deleted_with_its_workbook_only(cli, tmp_path):
    (tmp_path / "wb.yaml").write_text(
        "version: '2.0'\nname: owning\nactions:\n  own:\n    base: std.noop\n"
    )
    assert cli("workbook-create", "wb.yaml")[0] == 0
    code, _, err = cli("action-delete", "owning.own")
    assert (code, err.splitlines()[0]) == (
        1,
        "ERROR: Action 'owning.own' belongs to workbook 'owning'; delete the workbook instead",
    )
    assert cli("workbook-delete", "owning")[0] == 0


def test_action_execution_delete(cli, ran):
    _, tasks, _ = ran
    done = as_json(cli, "run-action", "std.echo", '{"output": 1}', "-s", "--run-sync")
    waiting = as_json(cli, "run-action", "std.async_noop", "-s")
    (of_task,) = as_json(cli, "action-execution-list", tasks["first"])
    code, out, err = cli("action-execution-delete", done["ID"][:8], of_task["ID"], waiting["ID"])
    assert code == 1
    assert out == f"Request to delete action execution {done['ID']} has been accepted.\n"
    assert err == (
        f"ERROR: Action execution {of_task['ID']} belongs to task {tasks['first']}: only "
        "ad-hoc action executions (run-action) can be deleted\n"
        f"ERROR: Action execution {waiting['ID']} is RUNNING: only completed action "
        "executions can be deleted\n"
        "ERROR: Unable to delete the specified action execution(s).\n"
    )
    code, _, err = cli("action-execution-get", done["ID"])
    assert (code, err) == (1, f"ERROR: Action execution '{done['ID']}' not found\n")
    as_json(cli, "action-execution-update", waiting["ID"], "--state", "SUCCESS")
    assert cli("action-execution-delete", waiting["ID"])[0] == 0


def names(rows, field="Name"):
    return [row[field] for row in rows]


def test_task_list_options_on_the_state_files_pages(cli, ran):
    execution_id, tasks, child_id = ran
    every = as_json(cli, "task-list", execution_id, "--oldest")
    assert names(every) == ["first", "retried", "sub"]  # by creation
    assert names(as_json(cli, "task-list", execution_id)) == names(
        every
    )  # newest page, oldest first
    assert names(as_json(cli, "task-list", execution_id, "--limit", "2")) == ["retried", "sub"]
    assert names(as_json(cli, "task-list", execution_id, "--oldest", "--limit", "2")) == [
        "first",
        "retried",
    ]
    after = as_json(cli, "task-list", execution_id, "--marker", tasks["first"])
    assert names(after) == ["retried", "sub"]
    failed = as_json(cli, "task-list", "--filter", "state=in:ERROR", "--limit", "-1")
    assert {"retried", "sub", "fails"} <= set(names(failed))
    assert {row["State"] for row in failed} == {"ERROR"}
    assert names(as_json(cli, "task-list", execution_id, "--filter", "name=has:ub")) == ["sub"]
    assert names(as_json(cli, "task-list", execution_id, "--filter", "state=neq:ERROR")) == [
        "first"
    ]
    of_child = as_json(cli, "task-list", "--filter", f"workflow_execution_id={child_id}")
    assert names(of_child) == ["fails"]
    by_name = as_json(cli, "task-list", execution_id, "--sort_keys", "name", "--sort_dirs", "desc")
    assert names(by_name) == ["sub", "retried", "first"]
    code, _, err = cli("task-list", "--filter", "result=1")
    assert code == 1 and err.startswith("ERROR: Invalid filter 'result=1': no field 'result'")
    code, _, err = cli("task-list", "--marker", "0" * 36)
    assert (code, err) == (1, f"ERROR: Marker '{'0' * 36}' not found\n")


def test_action_execution_list_options_on_the_state_files_pages(cli, ran):
    _, tasks, _ = ran
    tried = as_json(cli, "action-execution-list", tasks["retried"], "--oldest")
    assert len(tried) == 2 and [row["Accepted"] for row in tried] == [False, True]
    rejected = as_json(cli, "action-execution-list", tasks["retried"], "--filter", "accepted=false")
    assert names(rejected, "ID") == [tried[0]["ID"]]
    kept = as_json(cli, "action-execution-list", "--filter", "accepted=true", "--limit", "-1")
    assert tried[1]["ID"] in names(kept, "ID") and tried[0]["ID"] not in names(kept, "ID")
    after = as_json(cli, "action-execution-list", tasks["retried"], "--marker", tried[0]["ID"])
    assert names(after, "ID") == [tried[1]["ID"]]
    fails = as_json(
        cli, "action-execution-list", "--filter", "task_name=in:retried,fails", "--limit", "-1"
    )
    assert sorted(names(fails, "Task name")) == ["fails", "retried", "retried"]
    by_acceptance = as_json(
        cli, "action-execution-list", tasks["retried"], "--sort_keys", "accepted", "--limit", "1"
    )  # sorted by something else than created_at: the first rows, not the newest page
    assert names(by_acceptance, "ID") == [tried[0]["ID"]]
