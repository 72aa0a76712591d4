"""Hostile expressions against a real `tripleo-tui engine` process: each task ends in ERROR with
a message naming the limit, the engine's memory stays bounded, and the engine keeps answering
CLI commands (run as subprocesses, as a user would) while it happens."""

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from engine import limits
from engine.api.handoff import _exchange, socket_path
from tests.cli.engine_process import (
    cli_command,
    lease_pid,
    start_engine,
    stop_engine,
    wait_for,
)

SLOW_SUBWORKFLOWS = 12  # each stops at the CPU time limit: one turn of 6 s CPU, all in expressions
NESTED_LOOPS = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"

WORKBOOK = f"""\
version: '2.0'
name: hostile
workflows:
  noop:
    tasks:
      nothing:
        action: std.noop
  jinja_loops:
    tasks:
      loop:
        action: std.echo
        input:
          output: "{NESTED_LOOPS}"
  many_loops:
    tasks:
      each:
        with-items: i in <% range({SLOW_SUBWORKFLOWS}) %>
        workflow: jinja_loops
  backtracking_regex:
    input: [n]
    output:
      matched: <% $.matched %>
    tasks:
      match:
        action: std.echo output=<% regex('^(a+)+$').matches('a' * $.n + '!') %>
        publish:
          matched: <% task().result %>
  list_repeat:
    input: [n]
    tasks:
      repeat:
        action: std.echo output=<% len([0] * $.n) %>
  string_repeat:
    input: [n]
    tasks:
      repeat:
        action: std.echo
        input:
          output: "{{{{ 'a' * _.n }}}}"
"""


def cli(db: Path, *args: str, timeout: float = 60) -> tuple[int, str, str, float]:
    started = time.monotonic()
    done = subprocess.run(cli_command(db, *args), capture_output=True, text=True, timeout=timeout)
    return done.returncode, done.stdout, done.stderr, time.monotonic() - started


def cpu_seconds(pid: int) -> float:
    """The CPU time the process has used so far, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_kib(pid: int) -> int:
    """The process's peak resident size (VmHWM) so far."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1])


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    """(state file, engine process) with the hostile workbook; the engine is stopped after."""
    folder = tmp_path_factory.mktemp("hostile")
    db = folder / "state.sqlite"
    (folder / "hostile.yaml").write_text(WORKBOOK)
    code, _, err, _ = cli(db, "workbook-create", str(folder / "hostile.yaml"))
    assert code == 0, err
    process = start_engine(db)
    yield db, process
    stop_engine(db)
    assert lease_pid(db) is None
    process.wait(timeout=30)
    assert "Traceback" not in process.communicate()[1]


def run(db: Path, workflow: str, given: dict | None = None) -> dict:
    code, out, err, _ = cli(
        db, "execution-create", workflow, json.dumps(given or {}), "--wait", "-f", "json"
    )
    assert code in (0, 1), err
    return json.loads(out)


def tasks(db: Path, execution_id: str) -> dict[str, dict]:
    """The execution's tasks by name, as `task-get` shows them (the list cuts State info)."""
    code, out, err, _ = cli(db, "task-list", execution_id, "-f", "json")
    assert code == 0, err
    shown = {}
    for task in json.loads(out):
        code, out, err, _ = cli(db, "task-get", task["ID"], "-f", "json")
        assert code == 0, err
        shown[task["Name"]] = json.loads(out)
    return shown


def field(db: Path, *args: str) -> dict:
    code, out, err, _ = cli(db, *args, "-f", "json")
    assert code == 0, err
    return json.loads(out)


def test_nested_loops_end_in_error_and_the_engine_keeps_answering(engine):
    """Nested `range()` loops (10**10 turns) stop at the 0.5 s limit; the engine answers a
    command handed to it meanwhile. Latencies are measured by bench/bench_hostile.py (speed
    targets live in bench/)."""
    db, process = engine
    busy = field(db, "execution-create", "hostile.jinja_loops", "{}")
    handed = field(db, "execution-create", "hostile.noop", "{}", "--wait")
    listed = {row["ID"] for row in field(db, "execution-list", "--limit", "50")}
    ended = wait_for(
        lambda: (row := field(db, "execution-get", busy["ID"]))["State"] != "RUNNING" and row,
        timeout=120,
        what="the busy execution to end",
    )
    assert {busy["ID"], handed["ID"]} <= listed
    assert handed["State"] == "SUCCESS"
    assert ended["State"] == "ERROR"
    (task,) = tasks(db, busy["ID"]).values()
    assert task["State"] == "ERROR"
    assert "exceeded the CPU time limit of 0.5 s" in task["State info"]
    assert lease_pid(db) == process.pid


def test_the_engine_answers_while_one_turn_runs_many_slow_expressions(engine):
    """One event starting 12 sub-workflows whose inputs each run to the 0.5 s CPU limit makes
    one conductor turn of 6 s CPU. It runs in the conductor's thread, so the engine's event
    loop answers `GET /v2/executions` (what `mistral execution-list` sends) meanwhile: the
    answer comes while less than half of that CPU has been used (with the turn on the loop it
    came only after all of it). Progress is counted in the engine's CPU time, not wall time,
    so a loaded machine cannot fail it; the latency is printed (bench/bench_hostile.py)."""
    db, process = engine
    before = field(db, "execution-create", "hostile.noop", "{}", "--wait")
    started_cpu = cpu_seconds(process.pid)
    busy = subprocess.Popen(
        cli_command(db, "execution-create", "hostile.many_loops", "{}", "-f", "json"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for(
        lambda: cpu_seconds(process.pid) - started_cpu > 1.0,
        timeout=60,
        what="the turn to be evaluating its expressions",
    )
    asked = time.monotonic()
    status, _, body = _exchange(socket_path(db), "GET", "/v2/executions", None)
    latency = time.monotonic() - asked
    used = cpu_seconds(process.pid) - started_cpu
    print(f"GET /v2/executions during the turn: {latency:.3f} s, {used:.2f} s CPU into it")
    assert busy.poll() is None  # the turn has not ended: the create is not answered yet
    assert used < SLOW_SUBWORKFLOWS * limits.EXPRESSION_TIME_LIMIT / 2
    assert status == 200
    listed = {row["id"]: row["state"] for row in json.loads(body)["executions"]}
    assert listed[before["ID"]] == "SUCCESS"
    out, err = busy.communicate(timeout=120)
    assert busy.returncode == 0, err
    parent = json.loads(out)
    ended = wait_for(
        lambda: (row := field(db, "execution-get", parent["ID"]))["State"] != "RUNNING" and row,
        timeout=120,
        what="the slow execution to end",
    )
    assert ended["State"] == "ERROR"
    children = field(db, "execution-list", "--task", tasks(db, parent["ID"])["each"]["ID"])
    assert len(children) == SLOW_SUBWORKFLOWS
    assert {child["State"] for child in children} == {"ERROR"}


def test_backtracking_regex_runs_in_linear_time(engine):
    """RE2 answers `^(a+)+$` on 100,000 characters at once (Python's re: for ever)."""
    db, _ = engine
    execution = run(db, "hostile.backtracking_regex", {"n": 100_000})
    assert execution["State"] == "SUCCESS", execution["State info"]
    code, out, err, _ = cli(db, "execution-get-output", execution["ID"])
    assert (code, json.loads(out)) == (0, {"matched": False}), err


@pytest.mark.parametrize(
    ("workflow", "n", "limit"),
    [
        ("list_repeat", 200_000_000, f"would pass the limit of {limits.MAX_ITEMS} items"),
        ("string_repeat", 100_000_000, f"would pass the limit of {limits.MAX_TEXT} characters"),
    ],
)
def test_huge_repetition_fails_before_allocating(engine, workflow, n, limit):
    db, process = engine
    before = peak_kib(process.pid)
    execution = run(db, f"hostile.{workflow}", {"n": n})
    assert execution["State"] == "ERROR"
    (task,) = tasks(db, execution["ID"]).values()
    assert limit in task["State info"]
    after = peak_kib(process.pid)
    print(f"{workflow}: engine peak {before >> 10} MiB before, {after >> 10} MiB after")
    assert after - before < 20 << 10
    assert db.stat().st_size < 20 << 20


def test_an_input_over_the_size_limit_is_refused(engine, tmp_path):
    db, _ = engine
    given = tmp_path / "input.json"
    given.write_text(json.dumps({"n": "x" * limits.MAX_INPUT_SIZE}))
    code, _, err, _ = cli(db, "execution-create", "hostile.list_repeat", str(given))
    assert code == 1
    assert f"over the limit of {limits.MAX_INPUT_SIZE} bytes" in err
