"""Commands start fast because they import only what they need: a list, a get or `--help`
loads no console, no expression engine, no web framework, no OpenStack client and no
oslo.utils patterns, and a read of the embedded engine's state file no asyncio or aiosqlite
(checked in a real process, with a real execution to read)."""

from __future__ import annotations

import json
import re
import select
import socket
import sqlite3
import subprocess
import sys

import pytest

from engine.api.handoff import socket_path
from tests.cli.engine_process import start_engine, stop_engine
from tripleo_tui.engine_command import start_background_engine

HEAVY = (
    "textual",
    "yaql",
    "jinja2",
    "aiohttp",
    "openstack",
    "ironicclient",
    "heatclient",
    "requests",
    "yaml",
    "oslo_utils.strutils",
)
ENGINE = ("engine.runtime.service", "engine.core.conductor", "engine.actions.registry")
EVENT_LOOP = ("asyncio", "aiosqlite")  # a read runs without one (engine.api.open_for_reading)
# wcwidth for a table of ASCII text (tripleo_tui.formatting), the log file's writer when nothing
# is logged (tripleo_tui.cli._LogFile)
NOT_YET = ("wcwidth", "logging.handlers")

WORKBOOK = """\
version: '2.0'
name: start_up
workflows:
  greet:
    input: [name, password]
    output:
      greeting: <% $.greeting %>
    tasks:
      hello:
        action: std.echo output="hello <% $.name %>"
        publish:
          greeting: <% task().result %>
"""

PROBE = """
import json, sys
from tripleo_tui.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
loaded = [name for name in {names} if name in sys.modules]
print(json.dumps([loaded, len(sys.modules)]), file=sys.stderr)
"""
# Modules in sys.modules after a command, the interpreter's own and site's included (105 here
# with an editable install; fewer on a plain one). Main had 313 for --help and ~360 for a read
# before issue 11, then 250 and 320 with asyncio, now 162 and 192; a new eager import of a
# package (a few dozen modules) goes over.
BUDGETS = {"--help": 185, "read": 215}


def probed(
    *args: str, among: tuple[str, ...] = HEAVY + ENGINE + EVENT_LOOP + NOT_YET
) -> tuple[list[str], int]:
    """Which modules of `among` the command `args` imported, and how many it had in all."""
    probe = PROBE.format(names=among)
    done = subprocess.run(
        [sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=60
    )
    loaded, count = json.loads(done.stderr.strip().splitlines()[-1])
    return loaded, count


def loaded_by(
    *args: str, among: tuple[str, ...] = HEAVY + ENGINE + EVENT_LOOP + NOT_YET
) -> list[str]:
    return probed(*args, among=among)[0]


def tripleo_tui(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "tripleo_tui", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture(scope="module")
def state(tmp_path_factory):
    """A state file with one finished execution (its input holds a password); its id."""
    folder = tmp_path_factory.mktemp("start-up")
    db = folder / "state.sqlite"
    (folder / "start_up.yaml").write_text(WORKBOOK)
    tripleo_tui("--db", str(db), "workbook-create", str(folder / "start_up.yaml"))
    given = json.dumps({"name": "world", "password": "pw-Sekret"})
    try:
        created = tripleo_tui(
            "--db", str(db), "execution-create", "start_up.greet", given, "--wait", "-f", "json"
        )
    finally:
        stop_engine(db)
    return db, json.loads(created)["ID"]


@pytest.mark.parametrize(
    "command",
    [
        ["--help"],
        ["help"],
        ["help", "execution-list"],
        ["workbook-list"],
        ["workflow-list"],
        ["execution-list"],
        ["task-list"],
        ["execution-get", "{id}"],
        ["execution-get", "{short}"],
        ["execution-get-input", "{id}"],
        ["execution-get-output", "{id}"],
        ["task-list", "{id}"],
        ["execution-get-report", "{id}"],
        ["execution-get-sub-executions", "{short}"],
        ["execution-list", "-f", "json"],
        ["cron-trigger-list"],
        ["sandbox", "--help"],
    ],
)
def test_a_read_loads_no_console_expressions_clients_engine_or_event_loop(state, command):
    db, execution_id = state
    args = [arg.format(id=execution_id, short=execution_id[:8]) for arg in command]
    loaded, count = probed("--db", str(db), *args)
    assert loaded == []
    budget = BUDGETS["--help" if command == ["--help"] else "read"]
    assert count <= budget, f"{' '.join(command)} imported {count} modules (budget {budget})"


def test_a_read_of_a_file_that_needs_setting_up_sets_it_up(tmp_path):
    """Only a state file that needs nothing first is read without an event loop: a new one is
    created with our workbooks, and one missing a workbook of ours gets it, as before."""
    db = tmp_path / "state.sqlite"
    names = ("--db", str(db), "workbook-list", "-f", "value", "-c", "Name")
    ours = ["tripleo.baremetal.v1", "tripleo.examples.v1"]
    assert tripleo_tui(*names).splitlines() == ours
    with sqlite3.connect(db) as conn:  # as if tripleo.examples.v1.yaml were new in this version
        conn.execute("DELETE FROM bundled_workbook_files WHERE file = 'tripleo.examples.v1.yaml'")
        conn.execute("DELETE FROM workbooks WHERE name = 'tripleo.examples.v1'")
    assert loaded_by(*names, among=EVENT_LOOP) == ["asyncio", "aiosqlite"]  # it loads it back
    assert tripleo_tui(*names).splitlines() == ours
    assert loaded_by(*names, among=EVENT_LOOP) == []


def test_a_read_of_a_mistral_api_asks_it(state, tmp_path):
    """With --os-mistral-url a read goes to that API (here our engine's /v2, serving the
    fixture's state file), not to the local state file; a short id works there too."""
    db, execution_id = state
    engine = start_engine(db, "--listen", "127.0.0.1:0")
    try:
        log = (db.parent / "tripleo-tui.log").read_text()
        url = re.findall(r"Serving Mistral's v2 API at (\S+)", log)[-1]
        local = ("--db", str(tmp_path / "other.sqlite"))
        names = ("workbook-list", "-f", "value", "-c", "Name")
        assert "start_up" in tripleo_tui(*local, "--os-mistral-url", url, *names).splitlines()
        assert "start_up" not in tripleo_tui(*local, *names).splitlines()
        shown = ("execution-get", execution_id[:8], "-f", "value", "-c", "ID")
        assert tripleo_tui(*local, "--os-mistral-url", url, *shown) == execution_id
    finally:
        stop_engine(db)
        engine.communicate(timeout=30)


def test_the_engine_is_loaded_when_a_command_needs_it(state):
    db, _ = state
    assert "engine.runtime.service" in loaded_by("--db", str(db), "engine", "--idle-exit", "0")


ENGINE_PROBE = """
import json, os, signal, sys
from tripleo_tui import cli, engine_command

def ready():
    loaded = [name for name in {names} if name in sys.modules]
    print(json.dumps(loaded), file=sys.stderr, flush=True)
    os.kill(os.getpid(), signal.SIGTERM)

engine_command._say_ready = ready
os.environ[engine_command.SAY_READY_ENV] = "1"
cli.main(sys.argv[1:])
"""


def test_the_engine_serves_before_it_loads_expressions_or_http(state):
    """YAQL, Jinja and requests load with the first expression or HTTP action, and the
    OpenStack clients in a thread once the engine serves (not checked here: a race)."""
    db, _ = state
    probe = ENGINE_PROBE.format(names=("yaql", "jinja2", "requests", "textual"))
    done = subprocess.run(
        [sys.executable, "-c", probe, "--db", str(db), "engine", "--idle-exit", "60"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert json.loads(done.stderr.strip().splitlines()[-1]) == []


def test_a_start_handed_to_a_live_engine_has_its_input_checked_there(state):
    """With an engine live, execution-create hands the start over without parsing the
    workflow itself: bad input gets the engine's error, the same words, and nothing starts."""
    db, _ = state
    engine = start_background_engine(db)
    try:
        select.select([engine.stdout], [], [], 60)
        assert engine.stdout.readline() == b"ready\n"
        bad = ("--db", str(db), "execution-create", "start_up.greet", '{"colour": "red"}')
        done = subprocess.run(
            [sys.executable, "-m", "tripleo_tui", *bad], capture_output=True, text=True, timeout=60
        )
        assert (done.returncode, done.stdout, done.stderr) == (
            1,
            "",
            "ERROR: Invalid input [name=greet, class=DirectWorkflowSpec, "
            "missing=['name', 'password'], unexpected=['colour']]\n",
        )
        assert loaded_by(*bad, among=("engine.lang.documents", "yaml")) == []
        listed = tripleo_tui("--db", str(db), "execution-list", "-f", "value", "-c", "ID")
        assert len(listed.splitlines()) == 1  # the fixture's only
    finally:
        stop_engine(db)
        engine.wait(timeout=30)
        engine.stdout.close()


def test_a_started_engine_says_when_it_serves(tmp_path):
    """The command that starts a headless engine waits for this line, not polling."""
    db = tmp_path / "state.sqlite"
    engine = start_background_engine(db)
    try:
        said, _, _ = select.select([engine.stdout], [], [], 60)
        assert said and engine.stdout.readline() == b"ready\n"
        with socket.socket(socket.AF_UNIX) as client:
            client.connect(socket_path(db))  # it listens already
    finally:
        stop_engine(db)
        engine.wait(timeout=30)
        engine.stdout.close()
