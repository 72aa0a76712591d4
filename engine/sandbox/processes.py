"""What the Ironic and the Mistral sandboxes share: a venv with a pinned install made once, a
service process started detached in its own process group and stopped with its group, a state
file, locks across processes."""

from __future__ import annotations

import collections
import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from engine.sandbox.errors import SandboxError
from engine.sandbox.progress import PipProgress, Reporter

# Service processes started by this Python process, so that we can reap them (a dead child that
# is not reaped still answers `kill -0`).
_children: dict[int, subprocess.Popen] = {}


@dataclass(frozen=True)
class InstallReport:
    venv: Path
    installed: bool  # False when the pinned install was already there
    seconds: float


@dataclass(frozen=True)
class PinnedVenv:
    """A venv holding `requirements` installed under `constraints`; a marker file records the
    pins it was made from, so a change of pins makes a new venv."""

    path: Path
    requirements: tuple[str, ...]
    constraints: Path
    marker_name: str
    executable: str  # a script in bin/ that the install provides

    def marker_text(self) -> str:
        digest = hashlib.sha256(self.constraints.read_bytes()).hexdigest()
        return f"{' '.join(self.requirements)} constraints-sha256={digest}\n"

    def is_installed(self) -> bool:
        marker = self.path / self.marker_name
        return (
            marker.is_file()
            and marker.read_text() == self.marker_text()
            and (self.path / "bin" / self.executable).exists()
        )

    def install(self, reporter: Reporter) -> InstallReport:
        """Create the venv and pip-install the pins into it, unless already done; `reporter`
        hears of steps 1 (the venv) and 2 (pip's packages and bytes)."""
        venv = self.path
        venv.parent.mkdir(parents=True, exist_ok=True)
        lock = venv.parent / "install.lock"
        reporter.step(1, "waiting for another install" if is_locked(lock) else "")
        with locked(lock):
            if self.is_installed():
                reporter.step(2, "already installed")
                return InstallReport(venv, installed=False, seconds=0.0)
            started = time.monotonic()
            if venv.exists():
                shutil.rmtree(venv)  # a half-made venv or one with other pins
            reporter.step(1, f"python3 -m venv {venv}")
            run_checked([sys.executable, "-m", "venv", str(venv)], "create the sandbox venv")
            pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--progress-bar", "off"]
            pip += ["--disable-pip-version-check", "--constraint", str(self.constraints)]
            watch = PipProgress(self.pinned_count())
            reporter.step(2, watch.detail())

            def pip_line(line: str) -> None:
                watch.feed(line)
                reporter.detail(watch.detail())

            wanted = " ".join(self.requirements)
            run_checked([*pip, *self.requirements], f"pip install {wanted}", on_line=pip_line)
            (venv / self.marker_name).write_text(self.marker_text())
            return InstallReport(venv, installed=True, seconds=time.monotonic() - started)

    def pinned_count(self) -> int:
        """How many packages pip will collect: the pins (the whole dependency set)."""
        lines = self.constraints.read_text().splitlines()
        return sum(1 for line in lines if line.strip() and not line.startswith("#"))


def start_detached(command: list[str], cwd: Path, console: Path) -> int:
    """Start `command` in its own session (so its group can be stopped as one); output goes to
    `console`. Returns its pid."""
    with open(console, "ab") as output:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            start_new_session=True,
        )
    _children[process.pid] = process
    return process.pid


def wait_until_ready(
    what: str,
    pid: int,
    ready: Callable[[], bool],
    stop: Callable[[], None],
    timeout: float,
    logs: tuple[Path, ...],
) -> None:
    """Poll `ready()` until it holds; when the process exits or `timeout` seconds pass, `stop()`
    it and raise SandboxError with the last lines of its `logs`."""
    deadline = time.monotonic() + timeout
    while not ready():
        code = exit_code(pid)
        if code is not None or time.monotonic() > deadline:
            stop()
            why = f"exited with code {code}" if code is not None else "did not become ready"
            raise SandboxError(
                f"{what} {why}; its log: {logs[-1]}\n" + "".join(tail(log) for log in logs)
            )
        time.sleep(0.2)


def exit_code(pid: int) -> int | None:
    """The exit code of a process this one started, once it has ended; else None."""
    child = _children.get(pid)
    return None if child is None else child.poll()


def runs_with(pid: int, config_file: str) -> bool:
    """True when `pid` is alive (not a zombie) and its command line names `config_file`: the
    service we started, not another process that got its pid."""
    if exit_code(pid) is not None:
        return False
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
        process_state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return process_state != "Z" and config_file.encode() in command


def stop_group(pid: int, config_file: str, timeout: float) -> None:
    """SIGTERM `pid` if it is still our service, wait for its process group to end, and
    SIGKILL the group after `timeout` seconds."""
    if runs_with(pid, config_file):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _group_alive(pid):
            if time.monotonic() > deadline:
                os.killpg(pid, signal.SIGKILL)
                deadline = float("inf")
            time.sleep(0.1)
    _children.pop(pid, None)


def stop_recorded(state: object, state_file: Path, timeout: float) -> None:
    """Stop the service a state file records (its `pid` and `config_file`) and forget it."""
    stop_group(state.pid, state.config_file, timeout)
    state_file.unlink(missing_ok=True)


def down(state_file: Path, kind: type, timeout: float) -> bool:
    """Stop the service recorded in `state_file` (a `kind`), under its folder's up lock; True
    when one was running."""
    if read_state(state_file, kind) is None:
        return False
    with locked(state_file.parent / "up.lock"):
        state = read_state(state_file, kind)
        if state is None:
            return False
        was_running = runs_with(state.pid, state.config_file)
        stop_recorded(state, state_file, timeout)
        return was_running


def _group_alive(pgid: int) -> bool:
    exit_code(pgid)  # reap the leader if it was ours
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def memory_mib(pgid: int) -> float | None:
    """Proportional set size (PSS) of a process group, in MiB."""
    total_kib = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) != pgid:
                continue
            rollup = (stat.parent / "smaps_rollup").read_text()
        except (OSError, ValueError, IndexError):
            continue
        for line in rollup.splitlines():
            if line.startswith("Pss:"):
                total_kib += int(line.split()[1])
    return round(total_kib / 1024, 1) if total_kib else None


def write_state(path: Path, state: object) -> None:
    """Write a dataclass as JSON, replacing the file in one step."""
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(asdict(state), indent=2))
    temporary.replace(path)


def read_state(path: Path, kind: type) -> object | None:
    """The dataclass `kind` recorded in `path`, or None when there is none or it is unreadable."""
    try:
        return kind(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_checked(
    command: list[str], what: str, on_line: Callable[[str], None] | None = None
) -> None:
    """Run `command`, handing each line it prints to `on_line`; fail with its last lines."""
    last_lines: collections.deque[str] = collections.deque(maxlen=20)
    with subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    ) as process:
        for line in process.stdout:
            last_lines.append(line.rstrip())
            if on_line is not None:
                on_line(line)
    if process.returncode != 0:
        raise SandboxError(
            f"could not {what} (exit code {process.returncode}):\n" + "\n".join(last_lines)
        )


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) + "\n"
    except OSError:
        return ""


def is_locked(path: Path) -> bool:
    """True when another process holds the lock `path` right now."""
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock across processes (two test workers, the CLI and CI)."""
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
