"""A real OpenStack Mistral on loopback, for the tests and for trying the Mistral backend.

Built like the Ironic sandbox (engine.sandbox.service): installed once in its own venv, started
detached, found again through a state file. One process runs Mistral's engine and REST API
(mistral_runner.py) with the in-process `fake:/` transport, SQLite, no authentication, and
the local executor and notifier. mistral-extra adds the OpenStack actions (ironic.*, heat.*,
zaqar.* ...), so TripleO's workbooks run on it; they reach our Ironic through the target-cloud
headers the Mistral backend sends (engine.api.mistral).

Everything lives in one folder (`mistral_dir()`): `venv/` (the pinned install), `mistral/`
(config, SQLite database, logs, recreated at each start) and `mistral.json` (pid, port, URL).
"""

from __future__ import annotations

import json
import os
import shutil
import time
import urllib.request
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import platformdirs

from engine.sandbox import processes
from engine.sandbox.processes import InstallReport
from engine.sandbox.progress import Reporter

MISTRAL_VERSION = "23.0.0"
MISTRALCLIENT_VERSION = "6.3.0"
MISTRAL_EXTRA_VERSION = "17.0.0"
DIR_ENV = "TRIPLEO_TUI_MISTRAL_DIR"
READY_TIMEOUT = 120.0
STOP_TIMEOUT = 5.0  # a graceful stop can hang in Mistral's threads: then the group is killed
STATE_FILE = "mistral.json"
MARKER_FILE = "tripleo-tui-mistral.txt"

CONFIG_TEMPLATE = """\
[DEFAULT]
transport_url = fake:/
log_dir = {run}
log_file = mistral.log
scheduler_type = default

[api]
host = 127.0.0.1
port = {port}

[pecan]
auth_enable = False

[database]
connection = sqlite:///{run}/mistral.sqlite

[executor]
type = local

[notifier]
type = local

[cron_trigger]
enabled = False

[oslo_concurrency]
lock_path = {run}/locks
"""


@dataclass(frozen=True)
class MistralState:
    """What `mistral.json` records about a started Mistral."""

    pid: int
    port: int
    url: str  # the v2 API root, as `--os-mistral-url` takes it
    directory: str
    venv: str
    config_file: str
    log_file: str
    mistral_version: str
    started_at: float
    pins: str = ""  # the venv's pins when it started: other pins now make it stale


@dataclass(frozen=True)
class MistralUpReport:
    url: str
    pid: int
    started: bool  # False when a healthy Mistral was already running
    install: InstallReport | None
    start_seconds: float
    stopped_stale: int | None = None  # the pid of a running one started from other pins


def mistral_dir() -> Path:
    """The folder: `$TRIPLEO_TUI_MISTRAL_DIR`, else `<XDG data>/tripleo-tui/mistral`."""
    override = os.environ.get(DIR_ENV)
    if override:
        return Path(override).expanduser().resolve()
    return Path(platformdirs.user_data_dir("tripleo-tui")) / "mistral"


def venv_dir(directory: Path | None = None) -> Path:
    return (directory or mistral_dir()) / "venv"


def pinned_venv(venv: Path | None = None) -> processes.PinnedVenv:
    """The Mistral venv (`venv_dir()` unless given) with its pins, committed beside this
    module."""
    return processes.PinnedVenv(
        path=venv or venv_dir(),
        requirements=(
            f"mistral=={MISTRAL_VERSION}",
            f"python-mistralclient=={MISTRALCLIENT_VERSION}",
            f"mistral-extra=={MISTRAL_EXTRA_VERSION}",
        ),
        constraints=Path(str(resources.files(__package__) / "mistral-constraints.txt")),
        marker_name=MARKER_FILE,
        executable="mistral-db-manage",
    )


def is_installed(venv: Path | None = None) -> bool:
    return pinned_venv(venv).is_installed()


def install(venv: Path | None = None) -> InstallReport:
    """Create the venv and pip-install the pinned Mistral into it, unless already done."""
    return pinned_venv(venv).install(Reporter(None))


def up(directory: Path | None = None, venv: Path | None = None) -> MistralUpReport:
    """Start Mistral (installing it first if needed) with an empty database; a healthy running
    one is kept unless it was started from other pins (it then lacks what the pins add, such
    as mistral-extra's actions): that one is stopped, and the venv made again first. `venv`
    defaults to the one inside `directory`."""
    directory = directory or mistral_dir()
    venv = venv or venv_dir(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with processes.locked(directory / "up.lock"):
        state = read_state(directory)
        current = state is not None and state.pins == pinned_venv(venv).marker_text()
        if current and _healthy(state):
            return MistralUpReport(state.url, state.pid, False, None, 0.0)
        stale = None
        if state is not None:
            stale = state.pid if not current and _healthy(state) else None
            _stop(state)
        install_report = install(venv)
        begin = time.monotonic()
        started = _start(directory, venv)
        seconds = time.monotonic() - begin
        return MistralUpReport(started.url, started.pid, True, install_report, seconds, stale)


def down(directory: Path | None = None) -> bool:
    """Stop the sandbox's Mistral; True when one was running."""
    return processes.down((directory or mistral_dir()) / STATE_FILE, MistralState, STOP_TIMEOUT)


def status(directory: Path | None = None) -> dict:
    """A plain dict for the CLI: running?, URL, pid, memory."""
    directory = directory or mistral_dir()
    state = read_state(directory)
    running = state is not None and processes.runs_with(state.pid, state.config_file)
    healthy = running and _healthy(state)
    return {
        "directory": str(directory),
        "installed": is_installed(Path(state.venv) if state else venv_dir(directory)),
        "running": running,
        "healthy": healthy,
        "url": state.url if healthy else None,
        "pid": state.pid if running else None,
        "memory_mib": processes.memory_mib(state.pid) if running else None,
        "log": state.log_file if state else None,
    }


def find_url(directory: Path | None = None) -> str | None:
    """The v2 URL of a running, healthy sandbox Mistral, or None."""
    state = read_state(directory or mistral_dir())
    if state is not None and _healthy(state):
        return state.url
    return None


def read_state(directory: Path) -> MistralState | None:
    return processes.read_state(directory / STATE_FILE, MistralState)


def _start(directory: Path, venv: Path) -> MistralState:
    run = directory / "mistral"
    shutil.rmtree(run, ignore_errors=True)
    (run / "locks").mkdir(parents=True)
    port = processes.free_port()
    config = run / "mistral.conf"
    config.write_text(CONFIG_TEMPLATE.format(run=run, port=port))
    runner = Path(__file__).with_name("mistral_runner.py")
    # -I: neither this folder (whose mistral.py would hide the package) nor $PYTHONPATH on the path
    pid = processes.start_detached(
        [str(venv / "bin" / "python"), "-I", str(runner), str(config)], run, run / "console.log"
    )
    state = MistralState(
        pid=pid,
        port=port,
        url=f"http://127.0.0.1:{port}/v2",
        directory=str(directory),
        venv=str(venv),
        config_file=str(config),
        log_file=str(run / "mistral.log"),
        mistral_version=MISTRAL_VERSION,
        started_at=time.time(),
        pins=pinned_venv(venv).marker_text(),
    )
    processes.wait_until_ready(
        f"Mistral (port {port})",
        pid,
        lambda: _healthy(state),
        lambda: _stop(state),
        READY_TIMEOUT,
        (run / "console.log", run / "mistral.log"),
    )
    processes.write_state(directory / STATE_FILE, state)
    return state


def _stop(state: MistralState) -> None:
    processes.stop_recorded(state, Path(state.directory) / STATE_FILE, STOP_TIMEOUT)


def _healthy(state: MistralState) -> bool:
    """Our process runs and the API lists workbooks (the database is there)."""
    if not processes.runs_with(state.pid, state.config_file):
        return False
    try:
        with urllib.request.urlopen(f"{state.url}/workbooks", timeout=3) as response:
            return "workbooks" in json.load(response)
    except (OSError, ValueError):
        return False
