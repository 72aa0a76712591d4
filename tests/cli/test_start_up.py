"""Commands start fast because they import only what they need: a list, a get or `--help`
loads no console, no expression engine and no OpenStack client (checked in a real process)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("textual", "yaql", "jinja2", "openstack", "ironicclient", "heatclient", "requests")
ENGINE = ("engine.runtime.service", "engine.core.conductor", "engine.actions.registry")

PROBE = """
import json, sys
from tripleo_tui.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
loaded = [name for name in {names} if name in sys.modules]
print(json.dumps(loaded), file=sys.stderr)
"""


def loaded_by(*args: str) -> list[str]:
    probe = PROBE.format(names=HEAVY + ENGINE)
    done = subprocess.run(
        [sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=60
    )
    return json.loads(done.stderr.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("start-up") / "state.sqlite"
    assert "yaql" in loaded_by("--db", str(path), "workbook-list")  # the first open parses ours
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["--help"],
        ["workbook-list"],
        ["workflow-list"],
        ["execution-list"],
        ["task-list"],
        ["execution-get", "00000000"],
        ["sandbox", "--help"],
    ],
)
def test_a_read_loads_no_console_expressions_clients_or_engine(db, command):
    assert loaded_by("--db", str(db), *command) == []


def test_the_engine_is_loaded_when_a_command_needs_it(db):
    assert "engine.runtime.service" in loaded_by("--db", str(db), "engine", "--idle-exit", "0")
