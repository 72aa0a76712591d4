"""Every list command as a real subprocess on a real state file: piped into `head -1`, and the
list options (filters with operators, sorting, marker, limit) on definition lists."""

import json
import shlex
import subprocess

import pytest

from tests.cli.engine_process import cli_command, stop_engine

LIST_COMMANDS = (
    "workbook-list",
    "workflow-list",
    "action-list",
    "environment-list",
    "cron-trigger-list",
    "execution-list",
    "task-list",
    "action-execution-list",
    "queue-list",
    "execution-get-sub-executions {execution}",
    "task-get-sub-executions {task}",
)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return tmp_path_factory.mktemp("lists") / "state.sqlite"


@pytest.fixture(scope="module")
def ids(db):
    """One finished execution of our hello workflow: its id and its task's."""
    try:
        execution = listed(
            db, "execution-create", "tripleo.examples.v1.hello", '{"name": "x"}', "--wait"
        )
    finally:
        stop_engine(db)  # the one the command started in the background
    (task,) = listed(db, "task-list", execution["ID"])
    return {"execution": execution["ID"], "task": task["ID"]}


def run(db, *args):
    done = subprocess.run(cli_command(db, *args), capture_output=True, text=True)
    assert "Traceback" not in done.stderr
    return done


def listed(db, *args):
    done = run(db, *args, "-f", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("command", LIST_COMMANDS)
def test_list_piped_into_head_ends_quietly(db, ids, command):
    command = command.format(**ids).split()
    line = shlex.join([*cli_command(db, *command), "-f", "value"])
    done = subprocess.run(f"{line} | head -1", shell=True, capture_output=True, text=True)
    assert done.returncode == 0
    assert done.stderr == ""
    assert len(done.stdout.splitlines()) == 1
    # A reader gone before the first write: the write fails every time, not only by chance.
    closed = subprocess.Popen(
        cli_command(db, *command), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    closed.stdout.close()
    assert closed.stderr.read() == b""
    assert closed.wait() == 141


def test_filters_sorting_and_paging_on_actions(db):
    actions = listed(db, "action-list")
    names = [action["Name"] for action in actions]
    assert len(names) > 10
    std = listed(db, "action-list", "--filter", "name=has:std.")
    assert std and all(action["Name"].startswith("std.") for action in std)
    chosen = listed(db, "action-list", "--filter", "name=in:std.echo,std.noop")
    assert sorted(action["Name"] for action in chosen) == ["std.echo", "std.noop"]
    others = listed(db, "action-list", "--filter", "name=nin:std.echo,std.noop")
    assert len(others) == len(names) - 2
    assert listed(db, "action-list", "--filter", "name=std.echo")[0]["Name"] == "std.echo"
    system = listed(db, "action-list", "--filter", "is_system=true")
    assert system == [action for action in actions if action["Is system"] is True]
    (nothing,) = listed(db, "action-list", "--filter", "is_system=false")  # no ad-hoc ones
    assert set(nothing.values()) == {""}
    by_name = [a["Name"] for a in listed(db, "action-list", "--sort_keys", "name")]
    assert by_name == sorted(names)
    backwards = listed(db, "action-list", "--sort_keys", "name", "--sort_dirs", "desc")
    assert [a["Name"] for a in backwards] == sorted(names, reverse=True)
    page = listed(db, "action-list", "--sort_keys", "name", "--limit", "3")
    after = listed(
        db, "action-list", "--sort_keys", "name", "--marker", page[-1]["ID"], "--limit", "3"
    )
    assert [a["Name"] for a in page + after] == sorted(names)[:6]
    after_std = listed(db, "action-list", "--sort_keys", "name", "--filter", "name=gt:std.")
    assert after_std and all(a["Name"] > "std." for a in after_std)


def test_bad_list_options_are_one_line_errors(db):
    for args, message in (
        (("--filter", "colour=red"), "Invalid filter 'colour=red': no field 'colour'"),
        (("--filter", "red"), "Invalid filter: red"),
        (("--sort_keys", "colour"), "Unknown sort key 'colour'"),
        (("--sort_dirs", "asc,desc"), "Give no more --sort_dirs than --sort_keys"),
    ):
        done = run(db, "action-list", *args)
        assert done.returncode == 1
        assert done.stderr.startswith(f"ERROR: {message}") and done.stderr.count("\n") == 1


def test_empty_list_is_one_row_of_empty_cells(db):
    done = run(db, "environment-list", "-c", "Name")
    assert done.stdout == "+------+\n| Name |\n+------+\n|      |\n+------+\n"
