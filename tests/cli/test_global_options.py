"""--version, help COMMAND, -v, --log-file and the size-bounded log, in real processes on a
real state file."""

import json
import os
import subprocess
from importlib.metadata import version

import pytest

from tests.cli.engine_process import cli_command, stop_engine
from tripleo_tui.cli import LOG_BACKUPS, LOG_MAX_BYTES


@pytest.fixture
def db(tmp_path):
    return tmp_path / "state.sqlite"


def run(db, *args):
    return subprocess.run(cli_command(db, *args), capture_output=True, text=True)


def test_version(db):
    done = run(db, "--version")
    assert (done.returncode, done.stdout) == (0, f"tripleo-tui {version('tripleo-tui')}\n")


def test_help_command(db):
    asked = run(db, "help", "task-list")
    assert asked.returncode == 0
    assert asked.stdout == run(db, "task-list", "--help").stdout
    assert "--sort_keys" in asked.stdout
    assert run(db, "help").stdout == run(db, "--help").stdout
    unknown = run(db, "help", "nope")
    assert unknown.returncode == 2
    assert unknown.stderr == "ERROR: Unknown command 'nope'; see tripleo-tui help\n"


def test_user_errors_are_one_log_line_and_v_shows_the_log(db, tmp_path):
    log = tmp_path / "elsewhere.log"
    quiet = run(db, "--log-file", str(log), "workflow-get", "nope")
    assert (quiet.returncode, quiet.stderr) == (1, "ERROR: Workflow 'nope' not found\n")
    assert not (tmp_path / "tripleo-tui.log").exists()
    lines = log.read_text().splitlines()
    assert lines[-1].endswith(
        "ERROR tripleo_tui: tripleo-tui workflow-get: Workflow 'nope' not found"
    )
    assert "Traceback" not in log.read_text()
    verbose = run(db, "--log-file", str(log), "-v", "workflow-get", "nope")
    assert (
        "ERROR tripleo_tui: tripleo-tui workflow-get: Workflow 'nope' not found" in verbose.stderr
    )
    assert verbose.stderr.endswith("ERROR: Workflow 'nope' not found\n")


def test_the_log_rotates_at_its_size_bound(db, tmp_path):
    log = tmp_path / "tripleo-tui.log"
    log.write_text("x" * LOG_MAX_BYTES)
    log.chmod(0o600)
    assert run(db, "workflow-get", "nope").returncode == 1
    assert (tmp_path / "tripleo-tui.log.1").stat().st_size == LOG_MAX_BYTES
    assert log.stat().st_size < 1000
    assert LOG_BACKUPS >= 1


def test_os_cloud_chooses_the_cloud_actions_use(db, tmp_path, ironic_sandbox):
    (tmp_path / "clouds.yaml").write_text(
        f"clouds:\n  lab:\n    auth_type: none\n    baremetal_endpoint_override: {ironic_sandbox}\n"
    )
    env = {**os.environ, "TRIPLEO_TUI_SANDBOX_DIR": str(tmp_path / "no-sandbox")}
    env.pop("OS_CLOUD", None)

    def node_list(*options):
        # One state file: its engine, started by the first command, acts on each command's cloud.
        args = cli_command(db, *options, "run-action", "ironic.node_list", '{"limit": 1}')
        return subprocess.run(args, capture_output=True, text=True, env=env, cwd=tmp_path)

    missing = node_list("--os-cloud", "nosuch")
    assert missing.returncode == 1 and missing.stdout == ""
    assert missing.stderr.startswith("ERROR: OS_CLOUD=nosuch: Cloud nosuch was not found")
    assert missing.stderr.endswith("; nothing was changed\n")
    try:
        found = node_list("--os-cloud", "lab")
    finally:
        stop_engine(db)  # the one the command started in the background
    assert found.returncode == 0, found.stderr
    assert ironic_sandbox in json.loads(found.stdout)["result"][0]["links"][0]["href"]
