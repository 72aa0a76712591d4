"""How commands reach the engine: bad input refused before any hand-off, the headless engine a
command starts, `tripleo-tui engine` in the foreground, and the engine's unix socket itself."""

import asyncio
import http.client
import json
import os
import signal
import sqlite3
import subprocess
import sys

import pytest

from engine.api import ExecutionRecord, HandoffError, InputError, NotFoundError, handoff
from engine.api.embedded import EmbeddedBackend
from engine.api.handoff import EngineClient, socket_path
from engine.server import serve_others
from tests.cli.engine_process import cli_command, lease_pid, start_engine, stop_engine, wait_for
from tripleo_tui.cli import main

NEEDS = """\
version: '2.0'
name: handoff.v1
workflows:
  needs:
    input: [who, greeting: hello]
    tasks:
      say:
        action: std.echo output=<% $.who %>
"""


def count(db, table):
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def run(db, *args, timeout=60):
    return subprocess.run(cli_command(db, *args), capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def quiet_db(tmp_path_factory):
    """A state file with a workbook and no engine."""
    folder = tmp_path_factory.mktemp("refused")
    (folder / "needs.yaml").write_text(NEEDS)
    db = folder / "state.sqlite"
    assert run(db, "workbook-create", str(folder / "needs.yaml")).returncode == 0
    return db


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["hello"], "Workflow 'hello' not found. Did you mean: tripleo.examples.v1.hello?"),
        (
            ["handoff.v1.neds"],
            "Workflow 'handoff.v1.neds' not found. Did you mean: handoff.v1.needs?",
        ),
        (["nothing.like.it"], "Workflow 'nothing.like.it' not found"),
        (
            ["handoff.v1.needs"],
            "Invalid input [name=needs, class=DirectWorkflowSpec, missing=['who']]",
        ),
        (
            ["handoff.v1.needs", '{"who": 1, "colour": "red"}'],
            "Invalid input [name=needs, class=DirectWorkflowSpec, unexpected=['colour']]",
        ),
        (
            ["handoff.v1.needs", "who=1"],
            "INPUT is not valid JSON: Expecting value: line 1 column 1 (char 0)",
        ),
        (
            ["handoff.v1.needs", '{"who": 1,}'],
            "INPUT is not valid JSON: Expecting property name enclosed in double quotes: "
            "line 1 column 11 (char 10)",
        ),
        (
            ["handoff.v1.needs", '{"who": 1}', "{env: x}"],
            "PARAMS is not valid JSON: Expecting property name enclosed in double quotes: "
            "line 1 column 2 (char 1)",
        ),
        (
            ["handoff.v1.needs", "missing/input.yaml"],
            "INPUT file 'missing/input.yaml' does not exist",
        ),
        (["handoff.v1.needs", "input.json"], "INPUT file 'input.json' does not exist"),
        (
            ["handoff.v1.needs", "[1, 2]"],
            'INPUT must be a JSON object ({"name": value, ...}), not a list',
        ),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    quiet_db, tmp_path, monkeypatch, capsys, arguments, message
):
    monkeypatch.chdir(tmp_path)
    code = main(["--db", str(quiet_db), "execution-create", *arguments])
    out, err = capsys.readouterr()
    assert (code, out, err) == (1, "", f"ERROR: {message}\n")
    assert count(quiet_db, "workflow_executions") == 0
    assert lease_pid(quiet_db) is None  # no engine was even started


def test_bad_file_input_names_the_line(quiet_db, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "input.yaml").write_text("who: [unclosed\n")
    code = main(["--db", str(quiet_db), "execution-create", "handoff.v1.needs", "input.yaml"])
    _, err = capsys.readouterr()
    assert code == 1
    assert err.startswith("ERROR: INPUT file 'input.yaml' is not valid YAML: ")
    assert "(line 2, column 1)" in err
    assert count(quiet_db, "workflow_executions") == 0


def test_create_returns_running_and_a_background_engine_finishes_it(tmp_path):
    db = tmp_path / "state.sqlite"
    try:
        created = run(
            db,
            "execution-create",
            "tripleo.examples.v1.wait_and_echo",
            '{"seconds": 1, "message": "later"}',
            "-f",
            "json",
        )
        assert created.returncode == 0, created.stderr
        execution = json.loads(created.stdout)
        assert execution["State"] == "RUNNING"
        engine_pid = lease_pid(db)
        assert engine_pid is not None  # the command started it and returned; it lives on

        def listed_state():
            listing = run(db, "execution-list", "-f", "json")
            (row,) = json.loads(listing.stdout)
            return row["ID"] == execution["ID"] and row["State"] == "SUCCESS"

        wait_for(listed_state, what="execution-list to show SUCCESS")
        output = run(db, "execution-get-output", execution["ID"])
        assert output.stdout == '{\n    "message": "later"\n}\n'
        assert lease_pid(db) == engine_pid  # one engine did it all
        log = (tmp_path / "tripleo-tui.log").read_text()
        assert f"Started a headless engine (pid {engine_pid})" in log
        assert f"Engine started (pid {engine_pid}, background=True)" in log
    finally:
        stop_engine(db)


def test_foreground_engine_stops_cleanly_on_ctrl_c(tmp_path):
    db = tmp_path / "state.sqlite"
    engine = start_engine(db)
    second = run(db, "engine")
    assert second.returncode == 1
    assert second.stderr.startswith(f"ERROR: Another engine (pid {engine.pid} on ")
    created = run(db, "execution-create", "tripleo.examples.v1.hello", "--wait", "-c", "State")
    assert "SUCCESS" in created.stdout
    assert lease_pid(db) == engine.pid  # it served the command; no other engine was started
    engine.send_signal(signal.SIGINT)
    out, err = engine.communicate(timeout=30)
    assert engine.returncode == 0
    assert "Ctrl-C stops it." in err and "Traceback" not in out + err
    assert lease_pid(db) is None


def test_background_engine_goes_away_when_idle(tmp_path):
    db = tmp_path / "state.sqlite"
    engine = start_engine(db, "--idle-exit", "0.5")
    assert engine.wait(timeout=30) == 0
    assert lease_pid(db) is None
    assert (
        "Nothing to do for 0.5 s: the background engine stops"
        in (tmp_path / "tripleo-tui.log").read_text()
    )


def test_wait_survives_an_engine_killed_midway(tmp_path):
    """--wait starts another engine when the one running its execution dies; that one picks
    the execution up from the state file and finishes it."""
    db = tmp_path / "state.sqlite"
    engine = start_engine(db)
    waiting = subprocess.Popen(
        cli_command(
            db,
            "execution-create",
            "tripleo.examples.v1.wait_and_echo",
            '{"seconds": 2}',
            "--wait",
            "-f",
            "value",
            "-c",
            "State",
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(
            lambda: count(db, "task_executions") == 1,
            what="the first task, and the command waiting for the execution's end",
        )
        engine.kill()
        engine.wait(timeout=10)
        out, err = waiting.communicate(timeout=60)
        assert (waiting.returncode, out, err) == (0, "SUCCESS\n", "")
        assert lease_pid(db) not in (None, engine.pid)
    finally:
        waiting.kill()
        stop_engine(db)


# ---- the engine's socket, in one process -----------------------------------------------------


@pytest.fixture
async def engine_and_client(tmp_path):
    """A backend running the engine and serving other processes, and a second one on the same
    file."""
    db = tmp_path / "state.sqlite"
    serving = await EmbeddedBackend.open(db, serve_others=serve_others)
    await serving.start_engine()  # serves the socket too
    caller = await EmbeddedBackend.open(db)
    yield serving, caller
    await caller.close()
    await serving.close()


def no_start():
    raise AssertionError("no engine should be started: one is live")


async def test_client_calls_run_in_the_live_engine(engine_and_client):
    serving, caller = engine_and_client
    assert oct(os.stat(socket_path(serving.state_file)).st_mode & 0o777) == "0o600"
    client = EngineClient(caller, no_start)
    execution = await client.call(
        "start_execution", workflow="tripleo.examples.v1.hello", input={"name": "Jo"}
    )
    assert isinstance(execution, ExecutionRecord) and execution.input == {"name": "Jo"}
    finished = await client.wait_execution(execution.id)
    assert (finished.state, finished.output) == ("SUCCESS", {"greeting": "Hello, Jo!"})
    with pytest.raises(HandoffError, match="The engine does not take 'close' requests"):
        await client.call("close")
    with pytest.raises(NotFoundError, match="no-such-execution"):
        await client.call("delete_execution", execution_id="no-such-execution")
    with pytest.raises(InputError, match="unexpected"):
        await client.call("start_execution", workflow="tripleo.examples.v1.hello", input={"x": 1})


async def test_the_socket_goes_with_the_engine(engine_and_client):
    serving, _ = engine_and_client
    path = socket_path(serving.state_file)
    await serving.stop_engine()
    assert not os.path.exists(path)


async def test_no_engine_to_take_the_request(tmp_path, monkeypatch):
    stand_ins = []

    def start(*command):
        stand_ins.append(subprocess.Popen(command))
        return stand_ins[-1]

    async with await EmbeddedBackend.open(tmp_path / "state.sqlite") as caller:
        monkeypatch.setattr(handoff, "CONNECT_TIMEOUT", 0.5)
        idle = EngineClient(caller, lambda: start("sleep", "10"))
        with pytest.raises(HandoffError, match=r"No engine answered .* within 0.5 s; nothing"):
            await idle.call("start_execution", workflow="tripleo.examples.v1.hello")
        monkeypatch.setattr(handoff, "CONNECT_TIMEOUT", 10)
        broken = EngineClient(caller, lambda: start(sys.executable, "-c", "exit(3)"))
        with pytest.raises(HandoffError, match=r"The engine could not start \(exit code 3\)"):
            await broken.call("start_execution", workflow="tripleo.examples.v1.hello")
        assert await caller.list_executions() == []
    for process in stand_ins:
        process.kill()
        process.wait()


KEYS = """\
version: '2.0'
name: keys
workflows:
  fails:
    tasks:
      broken:
        action: std.fail
  waits:
    tasks:
      outside:
        action: std.async_noop
"""
LOST = http.client.RemoteDisconnected("Remote end closed connection without response")


async def settled(read, done, what):
    """`await read()` once `done` holds for it (the engine in this process moves on)."""
    for _ in range(600):
        found = await read()
        if done(found):
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def test_every_change_whose_answer_was_lost_is_looked_up_not_failed(
    engine_and_client, monkeypatch
):
    """The engine makes each change, then its answer is lost (the connection drops, as when
    the engine stops before it answered): each command finds what it did by the request's
    idempotency key and reports it, and nothing was done twice."""
    serving, caller = engine_and_client
    await serving.create_workbook(KEYS)
    failed = await serving.start_execution("keys.fails")
    waiting = await serving.start_execution("keys.waits")
    await serving.wait_execution(failed.id, timeout=30)
    (broken,) = await serving.list_tasks(failed.id)
    (outside,) = await serving.list_tasks(waiting.id)
    (pending,) = await settled(
        lambda: serving.list_action_executions(outside.id), len, "the async action"
    )
    exchange = handoff._exchange

    def answer_lost(*request):
        exchange(*request)
        raise LOST

    monkeypatch.setattr(handoff, "_exchange", answer_lost)
    client = EngineClient(caller, no_start)
    created = await client.call("start_execution", workflow="tripleo.examples.v1.hello")
    described = await client.call("update_execution", execution_id=failed.id, description="d")
    rerun = await client.call("rerun_task", task_id=broken.id)
    answered = await client.call(
        "update_action_execution", action_id=pending.id, state="SUCCESS", output={"n": 1}
    )
    ran = await client.call(
        "run_action", name="std.echo", input={"output": 7}, save_result=True, run_sync=True
    )
    await serving.wait_execution(created.id, timeout=30)
    deleted = await client.call("delete_execution", execution_id=created.id)
    gone = await client.call("delete_action_execution", action_id=ran.id)
    trigger = await client.call(
        "create_cron_trigger",
        name="nightly",
        workflow="tripleo.examples.v1.hello",
        workflow_input={"name": "night"},
        pattern="0 3 * * *",
    )

    assert created.workflow_name == "tripleo.examples.v1.hello"
    assert (described.id, described.description) == (failed.id, "d")
    assert rerun.id == broken.id
    assert (answered.id, answered.state) == (pending.id, "SUCCESS")
    assert answered.output == {"result": {"n": 1}}
    assert (ran.name, ran.state, ran.output) == ("std.echo", "SUCCESS", {"result": 7})
    assert deleted is None and gone is None
    assert (trigger.name, trigger.pattern) == ("nightly", "0 3 * * *")
    assert created.id not in {e.id for e in await caller.list_executions()}
    assert len(await caller.list_action_executions(broken.id)) == 2  # the first run, one rerun
    standalone = await caller.list_action_executions()
    assert [a for a in standalone if a.task_execution_id is None] == []  # run once, deleted
    assert [t.name for t in await caller.list_cron_triggers()] == ["nightly"]
    (keys,) = await caller.store.fetch_one("SELECT count(*) FROM request_keys")
    assert keys == 7  # a create's key is its execution's id


async def test_a_change_not_made_is_reported_so(engine_and_client, monkeypatch):
    """The answer is lost before the engine made the change: while that engine runs, it may
    still make it (said so after the lease timeout); once it is gone, nothing was changed."""
    serving, caller = engine_and_client
    execution = await serving.start_execution("tripleo.examples.v1.hello")
    await serving.wait_execution(execution.id, timeout=30)

    def gone_before_reading(*request):
        raise LOST

    monkeypatch.setattr(handoff, "_exchange", gone_before_reading)
    monkeypatch.setattr(handoff, "LEASE_TIMEOUT", 0.2)
    client = EngineClient(caller, no_start)
    with pytest.raises(handoff.AnswerLost, match="it may still make the change"):
        await client.call("delete_execution", execution_id=execution.id)
    await serving.stop_engine()
    with pytest.raises(handoff.AnswerLost, match="nothing was changed"):
        await client.call("delete_execution", execution_id=execution.id)
    assert (await caller.get_execution(execution.id)).state == "SUCCESS"


async def test_a_create_with_a_stored_id_returns_that_execution(engine_and_client):
    serving, _ = engine_and_client
    first = await serving.start_execution("tripleo.examples.v1.hello", id="key-2")
    again = await serving.start_execution("tripleo.examples.v1.hello", {"name": "x"}, id="key-2")
    assert again.id == first.id == "key-2" and again.input == first.input
    assert len(await serving.list_executions()) == 1


def test_a_headless_engine_that_cannot_start_says_why(tmp_path):
    """The command that started the engine reports the engine's own reason, in one line (here
    a file that is not a socket where the engine would listen), and nothing is created."""
    db = tmp_path / "state.sqlite"
    assert run(db, "workbook-list").returncode == 0
    with open(socket_path(db), "w") as squatter:
        squatter.write("not a socket")
    done = run(db, "execution-create", "tripleo.examples.v1.hello", '{"name": "x"}')
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert line.startswith("ERROR: The engine could not start: ")
    assert f"{socket_path(db)} is there and is not a socket; remove it; see " in line
    assert count(db, "workflow_executions") == 0
