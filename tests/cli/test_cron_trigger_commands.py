"""cron-trigger-* as real subprocesses on a real state file: mistralclient 6.x's arguments and
columns, its errors, --first-time in local time or UTC, and the headless engine that a trigger
keeps up and that fires a trigger left due while no engine ran."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.cli.engine_process import cli_command, lease_pid, stop_engine, wait_for

HELLO = "tripleo.examples.v1.hello"
COLUMNS = [
    "Name",
    "Workflow",
    "Params",
    "Pattern",
    "Next execution time",
    "Remaining executions",
    "Created at",
    "Updated at",
]
NONE_LISTED = [dict.fromkeys(COLUMNS, "")]  # mistral 6.x lists nothing as one empty row


def run(db, *args, env=None):
    done = subprocess.run(
        cli_command(db, *args), capture_output=True, text=True, timeout=120, env=env
    )
    assert "Traceback" not in done.stderr
    return done


def shown(db, *args) -> dict:
    done = run(db, *args, "-f", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def db(tmp_path):
    db = tmp_path / "state.sqlite"
    yield db
    stop_engine(db)


@pytest.fixture(scope="module")
def quiet_db(tmp_path_factory):
    """A state file where every create is refused: no engine is ever started for it."""
    db = tmp_path_factory.mktemp("refused") / "state.sqlite"
    yield db
    assert lease_pid(db) is None


def executions(db) -> list[dict]:
    return [execution for execution in shown(db, "execution-list") if execution["ID"]]


def in_an_hour() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, second=0, microsecond=0) + timedelta(hours=1)


def test_create_list_get_delete_with_mistralclients_columns(db):
    created = shown(
        db,
        "cron-trigger-create",
        "nightly",
        HELLO,
        '{"name": "Ann"}',
        "--params",
        '{"env": {"ipmi_password": "hunter22"}}',
        "--pattern",
        "0 2 * * *",
        "--count",
        "3",
    )
    assert list(created) == COLUMNS
    assert created["Workflow"] == HELLO
    assert json.loads(created["Params"]) == {"env": {"ipmi_password": "***"}}
    assert created["Pattern"] == "0 2 * * *"
    assert created["Remaining executions"] == 3
    assert created["Next execution time"].endswith(" 02:00:00")
    assert lease_pid(db) not in (None, os.getpid())  # handed to a headless engine

    listed = run(db, "cron-trigger-list")
    assert listed.returncode == 0
    assert "hunter22" not in listed.stdout
    header = listed.stdout.splitlines()[1]
    assert [cell.strip() for cell in header.strip("|").split("|")] == COLUMNS
    assert shown(db, "cron-trigger-list", "--filter", "pattern=has:2") == [created]
    assert shown(db, "cron-trigger-list", "--filter", "name=other") == NONE_LISTED
    assert shown(db, "cron-trigger-get", "nightly") == created

    deleted = run(db, "cron-trigger-delete", "nightly", "missing")
    assert deleted.returncode == 1
    assert "Request to delete cron trigger nightly has been accepted." in deleted.stdout
    assert "Cron trigger 'missing' not found" in deleted.stderr
    assert shown(db, "cron-trigger-list") == NONE_LISTED


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        (("bad", HELLO, "--pattern", "61 * * * *"), "Invalid cron pattern '61 * * * *'"),
        (("bad", HELLO, "--pattern", "* * *"), "it needs 5 fields"),
        (("bad", HELLO, "--first-time", "2020-01-01 10:00", "--utc"), "1 minute in the future"),
        (("bad", HELLO, "--first-time", "soon"), "use YYYY-MM-DD HH:MM (UTC)"),
        (("bad", "no.such.workflow", "--pattern", "* * * * *"), "Workflow 'no.such.workflow'"),
        (("bad", HELLO, "--pattern", "* * * * *", "--count", "0"), "must be at least 1"),
        (("bad", HELLO, '{"nobody": 1}', "--pattern", "* * * * *"), "unexpected=['nobody']"),
        (("bad", HELLO), "Pattern or first_execution_time must be specified."),
    ],
)
def test_bad_triggers_are_refused_on_one_line(quiet_db, arguments, error):
    done = run(quiet_db, "cron-trigger-create", *arguments)
    assert done.returncode == 1
    assert done.stderr.startswith("ERROR: ") and error in done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert shown(quiet_db, "cron-trigger-list") == NONE_LISTED


def test_first_time_is_local_time_unless_utc(db):
    first = in_an_hour()
    in_utc = first.strftime("%Y-%m-%d %H:%M")

    def fires_once_at_that_time(name: str) -> None:
        trigger = shown(db, "cron-trigger-get", name)
        assert trigger["Next execution time"] == f"{in_utc}:00"
        assert trigger["Remaining executions"] == 1
        assert trigger["Pattern"] == "0 0 30 2 0"  # as Mistral stores a first time alone

    local_env = {**os.environ, "TZ": "Asia/Kolkata"}  # UTC+05:30, no summer time
    given = (first + timedelta(hours=5, minutes=30)).strftime("%Y-%m-%d %H:%M")
    local = run(db, "cron-trigger-create", "local", HELLO, "--first-time", given, env=local_env)
    assert local.returncode == 0, local.stderr
    fires_once_at_that_time("local")
    copy = run(db, "cron-trigger-create", "utc", HELLO, "--first-time", in_utc, "--utc")
    assert "would repeat 'local'" in copy.stderr  # the same settings: Mistral refuses a copy
    assert run(db, "cron-trigger-delete", "local").returncode == 0
    assert shown(db, "cron-trigger-create", "utc", HELLO, "--first-time", in_utc, "--utc")
    fires_once_at_that_time("utc")


def test_a_headless_engine_stays_while_triggers_exist_and_catches_up(db):
    shown(db, "cron-trigger-create", "hourly", HELLO, "--pattern", "0 * * * *")
    stop_engine(db)
    with sqlite3.connect(db) as conn:  # as if it had been due while no engine ran
        conn.execute("UPDATE cron_triggers SET next_execution_time = '2020-01-01 00:00:00'")
    engine = subprocess.Popen(
        cli_command(db, "engine", "--idle-exit", "0.3"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        started = wait_for(lambda: executions(db), what="the trigger's catch-up execution")
        assert [execution["Workflow name"] for execution in started] == [HELLO]
        trigger = shown(db, "cron-trigger-get", "hourly")
        assert trigger["Next execution time"] > datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
        time.sleep(2)  # many times its idle time: the trigger keeps it up
        assert engine.poll() is None
        assert len(executions(db)) == 1  # fired once for the missed times
        assert run(db, "cron-trigger-delete", "hourly").returncode == 0
        wait_for(lambda: engine.poll() is not None, what="the idle engine to stop")
        assert engine.returncode == 0
    finally:
        if engine.poll() is None:
            engine.kill()
        engine.wait()
