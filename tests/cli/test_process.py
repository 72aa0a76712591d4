"""The command as a separate process: exit codes, and no traceback ever reaches the user."""

import os
import subprocess
import sys
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "tripleo-common"


def run(tmp_path, *command):
    env = {**os.environ, "TRIPLEO_TUI_DB": str(tmp_path / "state.sqlite")}
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)


def test_python_dash_m(tmp_path):
    result = run(tmp_path, sys.executable, "-m", "tripleo_tui", "workbook-get", "nope")
    assert result.returncode == 1
    assert result.stderr == "ERROR: Workbook 'nope' not found\n"
    assert result.stdout == ""
    assert (tmp_path / "state.sqlite").exists()  # the variable chose the file


def test_console_script_with_invalid_definition(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text((CORPUS / "access.yaml").read_text().replace("tasks:", "taskz:", 1))
    result = run(tmp_path, "tripleo-tui", "workbook-create", str(broken))
    assert result.returncode == 1
    assert result.stderr.startswith("ERROR: Invalid definition")
    assert f"{broken}:" in result.stderr and "Traceback" not in result.stderr


def test_a_user_error_is_one_line_on_stderr_and_in_the_log(tmp_path):
    (tmp_path / "state.sqlite").write_bytes(b"this is not a database" * 100)
    result = run(tmp_path, sys.executable, "-m", "tripleo_tui", "workbook-list")
    assert result.returncode == 1
    state = tmp_path / "state.sqlite"
    assert result.stderr == f"ERROR: Cannot open state file {state}: file is not a database\n"
    assert "Traceback" not in result.stderr + result.stdout
    log = (tmp_path / "tripleo-tui.log").read_text()
    assert "Traceback" not in log
    assert log.splitlines()[-1].endswith(
        f"ERROR tripleo_tui: tripleo-tui workbook-list: Cannot open state file {state}: "
        "file is not a database"
    )
