"""cliff's output options on real commands (subprocesses on a real state file): what scripts
written for the OpenStack clients pass."""

import fcntl
import json
import os
import pty
import struct
import subprocess
import termios

import pytest

from tests.cli.engine_process import cli_command

FIRST_TWO = ("--sort_keys", "name", "--limit", "2", "-c", "Name")


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return tmp_path_factory.mktemp("output") / "state.sqlite"


def out(db, *args):
    done = subprocess.run(cli_command(db, *args), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_csv_and_its_quoting(db):
    names = out(db, "action-list", *FIRST_TWO, "-f", "value").split()
    csv = out(db, "action-list", *FIRST_TWO, "-c", "is_system", "-f", "csv")
    assert csv == f'"Name","Is system"\n"{names[0]}",True\n"{names[1]}",True\n'
    quoted = out(db, "action-list", *FIRST_TWO, "-f", "csv", "--quote", "none")
    assert quoted == f"Name\n{names[0]}\n{names[1]}\n"


def test_shell_with_prefix(db):
    shell = out(db, "action-get", "std.echo", "-f", "shell", "--prefix", "a_", "-c", "Name")
    assert shell == 'a_name="std.echo"\n'


def test_json_without_indent(db):
    names = out(db, "action-list", *FIRST_TWO, "-f", "value").split()
    assert out(db, "action-list", *FIRST_TWO, "-f", "json", "--noindent") == (
        json.dumps([{"Name": name} for name in names]) + "\n"
    )


def test_sort_column_and_direction(db):
    ascending = out(db, "action-list", "-f", "value", "-c", "Name", "--sort-column", "name")
    names = ascending.split()
    assert names == sorted(names)
    descending = out(
        db, "action-list", "-f", "value", "-c", "Name", "--sort-column", "Name", "--sort-descending"
    )
    assert descending.split() == sorted(names, reverse=True)


def test_table_widths(db):
    narrow = out(db, "action-list", *FIRST_TWO, "--max-width", "12")
    assert max(len(line) for line in narrow.splitlines()) <= 12 + 4
    wide = out(db, "action-list").splitlines()
    assert max(len(line) for line in wide) > 100
    fitted = on_terminal(db, 100, "action-list", "--fit-width")
    assert len(fitted) > len(wide)
    assert max(len(line) for line in fitted) <= 101  # cliff's fit leaves one column over


def on_terminal(db, width, *args):
    """The lines a command prints on a terminal `width` columns wide (cliff asks stdout)."""
    reader, writer = pty.openpty()
    fcntl.ioctl(writer, termios.TIOCSWINSZ, struct.pack("HHHH", 24, width, 0, 0))
    process = subprocess.Popen(cli_command(db, *args), stdout=writer, stderr=subprocess.PIPE)
    os.close(writer)
    chunks = []
    while True:
        try:
            chunk = os.read(reader, 65536)
        except OSError:  # EIO: the command closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(reader)
    assert process.wait() == 0, process.stderr.read()
    return b"".join(chunks).decode().splitlines()


def test_print_empty_and_formats_per_kind(db):
    # mistral 6.x never lists nothing: it prints one row of empty cells (cliff prints it).
    assert out(db, "environment-list", "-c", "Name", "--print-empty") == (
        "+------+\n| Name |\n+------+\n|      |\n+------+\n"
    )
    done = subprocess.run(
        cli_command(db, "action-get", "std.echo", "-f", "csv"), capture_output=True, text=True
    )
    assert done.returncode == 1
    assert (
        done.stderr
        == "ERROR: -f csv is for lists; a record prints as json, shell, table, value, yaml\n"
    )


def test_run_action_prints_resources_as_their_fields(db, ironic_sandbox, ironic_sandbox_dir):
    done = subprocess.run(
        cli_command(db, "run-action", "ironic.node_list", '{"limit": 1}', "-f", "json"),
        capture_output=True,
        text=True,
        env={**os.environ, "TRIPLEO_TUI_SANDBOX_DIR": str(ironic_sandbox_dir)},
    )
    assert done.returncode == 0, done.stderr
    assert "_first_negotiation_lock" not in done.stdout and "manager" not in done.stdout
    (node,) = json.loads(done.stdout)["result"]
    assert {"uuid", "name", "provision_state", "power_state"} <= node.keys()
    assert ironic_sandbox in node["links"][0]["href"]
