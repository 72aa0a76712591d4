"""A real OpenStack Ironic on loopback: installed once in its own venv, started detached,
found again by the console, the CLI and the tests.

Everything lives in one sandbox folder (`sandbox_dir()`): `venv/` (the pinned install),
`ironic/` (config, SQLite database, logs) and `sandbox.json` (pid, port, endpoint).
"""

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
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

from engine.sandbox import nodes as demo
from engine.sandbox.errors import SandboxError
from engine.sandbox.paths import (  # noqa: F401 (service.DIR_ENV for the tests)
    DIR_ENV,
    IRONIC_VERSION,
    STATE_FILE,
    sandbox_dir,
    venv_dir,
)
from engine.sandbox.progress import PipProgress, ProgressSink, Reporter

API_VERSION_HEADER = {"X-OpenStack-Ironic-API-Version": "latest"}
READY_TIMEOUT = 90.0
STOP_TIMEOUT = 20.0
MARKER_FILE = "tripleo-tui-ironic.txt"

CONFIG_TEMPLATE = """\
[DEFAULT]
auth_strategy = noauth
rpc_transport = none
host = localhost
state_path = {run}
log_dir = {run}
log_file = ironic.log
tempdir = {run}/tmp
enabled_hardware_types = fake-hardware
enabled_bios_interfaces = fake,no-bios
enabled_boot_interfaces = fake
enabled_console_interfaces = fake,no-console
enabled_deploy_interfaces = fake
enabled_firmware_interfaces = fake,no-firmware
enabled_inspect_interfaces = fake,no-inspect
enabled_management_interfaces = fake
enabled_network_interfaces = noop
enabled_power_interfaces = fake
enabled_raid_interfaces = fake,no-raid
enabled_rescue_interfaces = fake,no-rescue
enabled_storage_interfaces = fake,noop
enabled_vendor_interfaces = fake,no-vendor
default_network_interface = noop

[api]
host_ip = 127.0.0.1
port = {port}
api_workers = 1

[database]
connection = sqlite:///{run}/ironic.sqlite
sqlite_synchronous = false

[dhcp]
dhcp_provider = none

[conductor]
automated_clean = false

[oslo_concurrency]
lock_path = {run}/locks
"""

# Ironic processes started by this Python process, so that we can reap them (a dead child that
# is not reaped still answers `kill -0`).
_children: dict[int, subprocess.Popen] = {}


@dataclass(frozen=True)
class SandboxState:
    """What `sandbox.json` records about a started Ironic."""

    pid: int
    port: int
    endpoint: str
    directory: str
    venv: str
    config_file: str
    log_file: str
    ironic_version: str
    started_at: float


@dataclass(frozen=True)
class InstallReport:
    venv: Path
    installed: bool  # False when the pinned install was already there
    seconds: float


@dataclass(frozen=True)
class UpReport:
    endpoint: str
    pid: int
    started: bool  # False when a healthy sandbox was already running
    install: InstallReport | None
    start_seconds: float
    enroll: demo.EnrollReport


def constraints_file() -> Path:
    """The pinned dependency set, committed beside this module."""
    return Path(str(resources.files(__package__) / "constraints.txt"))


def _marker_text() -> str:
    digest = hashlib.sha256(constraints_file().read_bytes()).hexdigest()
    return f"ironic=={IRONIC_VERSION} constraints-sha256={digest}\n"


def is_installed(venv: Path | None = None) -> bool:
    """True when `venv` holds Ironic installed from the current pins."""
    venv = venv or venv_dir()
    marker = venv / MARKER_FILE
    return (
        marker.is_file()
        and marker.read_text() == _marker_text()
        and (venv / "bin" / "ironic").exists()
    )


def install(venv: Path | None = None, reporter: Reporter | None = None) -> InstallReport:
    """Create the venv and pip-install the pinned Ironic into it, unless already done."""
    venv = venv or venv_dir()
    reporter = reporter or Reporter(None)
    venv.parent.mkdir(parents=True, exist_ok=True)
    reporter.step(1, "waiting for another install" if _install_locked(venv) else "")
    with _locked(venv.parent / "install.lock"):
        if is_installed(venv):
            reporter.step(2, "already installed")
            return InstallReport(venv, installed=False, seconds=0.0)
        started = time.monotonic()
        if venv.exists():
            shutil.rmtree(venv)  # a half-made venv or one with other pins
        reporter.step(1, f"python3 -m venv {venv}")
        _run([sys.executable, "-m", "venv", str(venv)], "create the sandbox venv")
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--progress-bar", "off"]
        pip += ["--disable-pip-version-check", "--constraint", str(constraints_file())]
        watch = PipProgress(_pinned_count())
        reporter.step(2, watch.detail())

        def pip_line(line: str) -> None:
            watch.feed(line)
            reporter.detail(watch.detail())

        _run(
            [*pip, f"ironic=={IRONIC_VERSION}"],
            f"pip install ironic=={IRONIC_VERSION}",
            on_line=pip_line,
        )
        (venv / MARKER_FILE).write_text(_marker_text())
        return InstallReport(venv, installed=True, seconds=time.monotonic() - started)


def _pinned_count() -> int:
    """How many packages pip will collect: the pins (Ironic's whole dependency set)."""
    lines = constraints_file().read_text().splitlines()
    return sum(1 for line in lines if line.strip() and not line.startswith("#"))


def _install_locked(venv: Path) -> bool:
    """True when another process holds the install lock (it is installing right now)."""
    with open(venv.parent / "install.lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def up(
    nodes: int = 4,
    directory: Path | None = None,
    venv: Path | None = None,
    progress: ProgressSink | None = None,
) -> UpReport:
    """Start Ironic (installing it first if needed) and bring `nodes` demo nodes to available.

    Idempotent: a healthy running sandbox is kept and only the missing demo nodes are added.
    `venv` defaults to the one inside `directory`. `progress` hears of every step (it is
    called from this thread).
    """
    directory = directory or sandbox_dir()
    venv = venv or venv_dir(directory)
    reporter = Reporter(progress)
    directory.mkdir(parents=True, exist_ok=True)
    with _locked(directory / "up.lock"):
        state = read_state(directory)
        started = state is None or not _healthy(state)
        install_report = None
        start_seconds = 0.0
        if started:
            if state is not None:
                _stop(state)
            install_report = install(venv, reporter)
            begin = time.monotonic()
            state = _start(directory, venv, reporter)
            start_seconds = time.monotonic() - begin
        else:
            reporter.step(3, f"already running at {state.endpoint}")
        reporter.step(4)
        enroll_report = demo.enroll(
            ironic_client(state.endpoint), demo.demo_nodes(nodes), say=reporter.detail
        )
        return UpReport(
            state.endpoint, state.pid, started, install_report, start_seconds, enroll_report
        )


def down(directory: Path | None = None) -> bool:
    """Stop the sandbox's Ironic (SIGTERM, then wait); True when one was running."""
    directory = directory or sandbox_dir()
    if read_state(directory) is None:
        return False
    with _locked(directory / "up.lock"):
        state = read_state(directory)
        if state is None:
            return False
        was_running = _is_our_ironic(state)
        _stop(state)
        return was_running


def status(directory: Path | None = None) -> dict:
    """A plain dict for the CLI and the console: running?, endpoint, pid, node count, memory."""
    directory = directory or sandbox_dir()
    state = read_state(directory)
    running = state is not None and _is_our_ironic(state)
    healthy = running and _healthy(state)
    return {
        "directory": str(directory),
        "installed": is_installed(Path(state.venv) if state else venv_dir(directory)),
        "running": running,
        "healthy": healthy,
        "endpoint": state.endpoint if healthy else None,
        "pid": state.pid if running else None,
        "nodes": _node_count(state.endpoint) if healthy else None,
        "memory_mib": _memory_mib(state.pid) if running else None,
        "log": state.log_file if state else None,
    }


def find_endpoint(directory: Path | None = None) -> str | None:
    """The endpoint of a running, healthy sandbox, or None."""
    state = read_state(directory or sandbox_dir())
    if state is not None and _healthy(state):
        return state.endpoint
    return None


def read_state(directory: Path) -> SandboxState | None:
    """The recorded state, or None when there is none (or it is unreadable)."""
    try:
        return SandboxState(**json.loads((directory / STATE_FILE).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def ironic_client(endpoint: str):
    """A python-ironicclient v1 client for a no-auth endpoint."""
    from ironicclient import client

    return client.get_client(
        "1", endpoint=endpoint, auth_type="none", os_ironic_api_version="latest"
    )


def _start(directory: Path, venv: Path, reporter: Reporter) -> SandboxState:
    reporter.step(3, "creating its database")
    run = directory / "ironic"
    shutil.rmtree(run, ignore_errors=True)
    (run / "tmp").mkdir(parents=True)
    (run / "locks").mkdir()
    port = _free_port()
    config = run / "ironic.conf"
    config.write_text(CONFIG_TEMPLATE.format(run=run, port=port))
    dbsync = [str(venv / "bin" / "ironic-dbsync"), "--config-file", str(config), "create_schema"]
    _run(dbsync, "create the Ironic database")
    # Write-ahead logging lets the API's readers and the conductor's writer work side by side;
    # the mode is stored in the database file, so Ironic keeps it.
    with contextlib.closing(sqlite3.connect(run / "ironic.sqlite")) as database:
        database.execute("PRAGMA journal_mode=WAL")
    with open(run / "console.log", "ab") as console:
        process = subprocess.Popen(
            [str(venv / "bin" / "ironic"), "--config-file", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=console,
            stderr=subprocess.STDOUT,
            cwd=run,
            start_new_session=True,
        )
    _children[process.pid] = process
    reporter.detail(f"waiting for its API on port {port}")
    state = SandboxState(
        pid=process.pid,
        port=port,
        endpoint=f"http://127.0.0.1:{port}",
        directory=str(directory),
        venv=str(venv),
        config_file=str(config),
        log_file=str(run / "ironic.log"),
        ironic_version=IRONIC_VERSION,
        started_at=time.time(),
    )
    deadline = time.monotonic() + READY_TIMEOUT
    while not _healthy(state):
        code = process.poll()
        if code is not None or time.monotonic() > deadline:
            _stop(state)
            why = f"exited with code {code}" if code is not None else "did not become ready"
            raise SandboxError(
                f"Ironic {why} (port {port}); its log: {state.log_file}\n"
                + _tail(run / "console.log")
                + _tail(run / "ironic.log")
            )
        time.sleep(0.2)
    state_file = directory / STATE_FILE
    state_file.with_suffix(".tmp").write_text(json.dumps(asdict(state), indent=2))
    state_file.with_suffix(".tmp").replace(state_file)
    return state


def _stop(state: SandboxState) -> None:
    """SIGTERM the master and wait for its process group (the forked worker) to end."""
    if _is_our_ironic(state):
        os.kill(state.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while _group_alive(state.pid):
            if time.monotonic() > deadline:
                os.killpg(state.pid, signal.SIGKILL)
                deadline = float("inf")
            time.sleep(0.1)
    _children.pop(state.pid, None)
    (Path(state.directory) / STATE_FILE).unlink(missing_ok=True)


def _group_alive(pgid: int) -> bool:
    child = _children.get(pgid)
    if child is not None:
        child.poll()  # reap the master if it was ours
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _is_our_ironic(state: SandboxState) -> bool:
    """True when `state.pid` is alive and is the Ironic started with this sandbox's config.

    Ironic rewrites its process title to `ironic: master process [<command line>]`; the config
    file path is still in it.
    """
    child = _children.get(state.pid)
    if child is not None and child.poll() is not None:
        return False
    try:
        command = Path(f"/proc/{state.pid}/cmdline").read_bytes()
        process_state = Path(f"/proc/{state.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return process_state != "Z" and state.config_file.encode() in command


def _healthy(state: SandboxState) -> bool:
    """The API answers and the conductor has registered the fake-hardware driver."""
    if not _is_our_ironic(state):
        return False
    request = urllib.request.Request(f"{state.endpoint}/v1/drivers", headers=API_VERSION_HEADER)
    try:
        with urllib.request.urlopen(request, timeout=3) as response:
            drivers = json.load(response).get("drivers", [])
    except (OSError, ValueError):
        return False
    return any(driver.get("name") == "fake-hardware" for driver in drivers)


def _node_count(endpoint: str) -> int | None:
    try:
        return len(ironic_client(endpoint).node.list(fields=["uuid"], limit=0))
    except Exception:  # a status report, not a failure: the count is simply unknown
        return None


def _memory_mib(pgid: int) -> float | None:
    """Proportional set size (PSS) of the master and its workers, in MiB."""
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


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run(command: list[str], what: str, on_line: Callable[[str], None] | None = None) -> None:
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


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) + "\n"
    except OSError:
        return ""


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock across processes (two test workers, the CLI and CI)."""
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
