"""The state file, its WAL and the log: never a symbolic link followed, never a chmod of what
is not ours; a read-only folder and a full disk each give one line at the command."""

import contextlib
import os
import signal
import stat
import subprocess
import time

import pytest

from engine.store.lease import LEASE_TIMEOUT_ENV
from tests.cli.engine_process import cli_command, start_engine, wait_for


def run(db, *args, timeout=120):
    return subprocess.run(cli_command(db, *args), capture_output=True, text=True, timeout=timeout)


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def assert_one_line_error(result, starts):
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"ERROR: {starts}"), result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


@pytest.fixture
def target(tmp_path):
    """A file of ours with mode 0644 that a link points at."""
    path = tmp_path / "elsewhere" / "target"
    path.parent.mkdir()
    path.write_text("precious")
    path.chmod(0o644)
    return path


def assert_untouched(target):
    assert mode(target) == 0o644
    assert target.read_text() == "precious"


def test_a_symlinked_state_file_is_refused(tmp_path, target):
    link = tmp_path / "state.sqlite"
    link.symlink_to(target)
    result = run(link, "execution-list")
    assert_one_line_error(result, f"{link} is a symbolic link")
    assert_untouched(target)
    assert sorted(os.listdir(tmp_path)) == ["elsewhere", "state.sqlite"]  # no log beside it


def test_a_state_file_that_is_no_regular_file_is_left_alone(tmp_path):
    fifo = tmp_path / "state.sqlite"  # as /dev/null would be: not a file SQLite may use
    os.mkfifo(fifo, 0o644)
    result = run(fifo, "execution-list")
    assert_one_line_error(result, f"{fifo} is not a regular file")
    assert mode(fifo) == 0o644
    assert os.listdir(tmp_path) == ["state.sqlite"]


@pytest.mark.parametrize("name", ["tripleo-tui.log", "state.sqlite-wal", "state.sqlite-shm"])
def test_a_symlinked_log_or_wal_is_refused(tmp_path, target, name):
    (tmp_path / name).symlink_to(target)
    result = run(tmp_path / "state.sqlite", "execution-list")
    assert_one_line_error(result, f"{tmp_path / name} is a symbolic link")
    assert_untouched(target)


@contextlib.contextmanager
def read_only_folder(folder):
    """A folder nobody may write in: a read-only tmpfs for root (who ignores modes), else
    mode 0555."""
    folder.mkdir()
    if os.geteuid() == 0:
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)], check=True
        )
        try:
            yield folder
        finally:
            subprocess.run(["umount", str(folder)], check=True)
    else:
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(0o755)


def test_a_read_only_folder_gives_one_line(tmp_path):
    with read_only_folder(tmp_path / "ro") as folder:
        result = run(folder / "state.sqlite", "execution-list")
    assert_one_line_error(result, f"Cannot open {folder / 'tripleo-tui.log'}: ")


@contextlib.contextmanager
def small_disk(folder):
    """A 4 MB file system (root only: a tmpfs)."""
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def fill(folder):
    with open(folder / "filler", "wb") as filler, contextlib.suppress(OSError):
        while True:
            filler.write(b"\0" * 65536)
            filler.flush()


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")
def test_a_full_disk_gives_one_line_and_the_engine_exits(tmp_path, monkeypatch):
    # Long enough for the command to reach the engine before a failed lease renewal stops it.
    monkeypatch.setenv(LEASE_TIMEOUT_ENV, "6")
    with small_disk(tmp_path / "small") as folder:
        db = folder / "state.sqlite"
        engine = start_engine(db)
        try:
            fill(folder)
            started = time.monotonic()
            result = run(db, "execution-create", "tripleo.examples.v1.hello", "--wait")
            assert time.monotonic() - started < 20
            # The command writes nothing itself (it asks the engine over its socket): the
            # engine's write fails and its error comes back as the command's one line.
            assert_one_line_error(
                result,
                f"The engine stopped: it could not record its changes (Cannot write the state "
                f"file {db}: ",
            )
            assert "disk is full" in result.stderr
            assert engine.wait(timeout=20) != 0  # it cannot write: it stops
            reason = engine.stderr.read()
            assert "could not record its changes" in reason or "not renewed in time" in reason

            (folder / "filler").unlink()
            wait_for(lambda: run(db, "execution-list").returncode == 0, what="a working file")
            created = run(db, "execution-create", "tripleo.examples.v1.hello", "--wait")
            assert created.returncode == 0, created.stderr
            assert "SUCCESS" in created.stdout
        finally:
            if engine.poll() is None:
                engine.send_signal(signal.SIGKILL)
                engine.wait()
            run(db, "engine", "--idle-exit", "0")  # whatever a command started stops too
