"""A real OpenStack Ironic on loopback: installed once in its own venv, started detached,
found again by the console, the CLI and the tests.

Everything lives in one sandbox folder (`sandbox_dir()`): `venv/` (the pinned install),
`ironic/` (config, SQLite database, logs) and `sandbox.json` (pid, port, endpoint).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from engine.sandbox import nodes as demo
from engine.sandbox import processes
from engine.sandbox.paths import (  # noqa: F401 (service.DIR_ENV for the tests)
    DIR_ENV,
    IRONIC_VERSION,
    STATE_FILE,
    sandbox_dir,
    venv_dir,
)
from engine.sandbox.processes import InstallReport
from engine.sandbox.progress import ProgressSink, Reporter

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


def pinned_venv(venv: Path | None = None) -> processes.PinnedVenv:
    """The Ironic venv (`venv_dir()` unless given) with its pins."""
    return processes.PinnedVenv(
        path=venv or venv_dir(),
        requirements=(f"ironic=={IRONIC_VERSION}",),
        constraints=constraints_file(),
        marker_name=MARKER_FILE,
        executable="ironic",
    )


def is_installed(venv: Path | None = None) -> bool:
    """True when `venv` holds Ironic installed from the current pins."""
    return pinned_venv(venv).is_installed()


def install(venv: Path | None = None, reporter: Reporter | None = None) -> InstallReport:
    """Create the venv and pip-install the pinned Ironic into it, unless already done."""
    return pinned_venv(venv).install(reporter or Reporter(None))


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
    with processes.locked(directory / "up.lock"):
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
    return processes.down((directory or sandbox_dir()) / STATE_FILE, SandboxState, STOP_TIMEOUT)


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
        "memory_mib": processes.memory_mib(state.pid) if running else None,
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
    return processes.read_state(directory / STATE_FILE, SandboxState)


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
    port = processes.free_port()
    config = run / "ironic.conf"
    config.write_text(CONFIG_TEMPLATE.format(run=run, port=port))
    dbsync = [str(venv / "bin" / "ironic-dbsync"), "--config-file", str(config), "create_schema"]
    processes.run_checked(dbsync, "create the Ironic database")
    # Write-ahead logging lets the API's readers and the conductor's writer work side by side;
    # the mode is stored in the database file, so Ironic keeps it.
    with contextlib.closing(sqlite3.connect(run / "ironic.sqlite")) as database:
        database.execute("PRAGMA journal_mode=WAL")
    pid = processes.start_detached(
        [str(venv / "bin" / "ironic"), "--config-file", str(config)], run, run / "console.log"
    )
    reporter.detail(f"waiting for its API on port {port}")
    state = SandboxState(
        pid=pid,
        port=port,
        endpoint=f"http://127.0.0.1:{port}",
        directory=str(directory),
        venv=str(venv),
        config_file=str(config),
        log_file=str(run / "ironic.log"),
        ironic_version=IRONIC_VERSION,
        started_at=time.time(),
    )
    processes.wait_until_ready(
        f"Ironic (port {port})",
        pid,
        lambda: _healthy(state),
        lambda: _stop(state),
        READY_TIMEOUT,
        (run / "console.log", run / "ironic.log"),
    )
    processes.write_state(directory / STATE_FILE, state)
    return state


def _stop(state: SandboxState) -> None:
    """SIGTERM the master and wait for its process group (the forked worker) to end."""
    processes.stop_recorded(state, Path(state.directory) / STATE_FILE, STOP_TIMEOUT)


def _is_our_ironic(state: SandboxState) -> bool:
    """True when `state.pid` is alive and is the Ironic started with this sandbox's config.

    Ironic rewrites its process title to `ironic: master process [<command line>]`; the config
    file path is still in it.
    """
    return processes.runs_with(state.pid, state.config_file)


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
