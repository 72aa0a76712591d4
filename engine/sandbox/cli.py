"""`tripleo-tui sandbox up|status|down` (Ironic) and `sandbox mistral up|status|down`:
their arguments and handlers.

Each handler takes the parsed arguments, prints plain lines and returns an exit code.
"""

from __future__ import annotations

import argparse
import sys
import threading
from typing import TextIO

from engine.sandbox import mistral, paths
from engine.sandbox.errors import SandboxError
from engine.sandbox.progress import Progress

DEFAULT_NODES = 4


def configure(parser: argparse.ArgumentParser) -> None:
    """Make `parser` the `sandbox` command group's; handlers are stored as `args.func`."""
    parser.description = (
        f"Run OpenStack Ironic {paths.IRONIC_VERSION} (fake hardware, no auth) "
        f"on 127.0.0.1 from {paths.sandbox_dir()} (set ${paths.DIR_ENV} to move it)."
    )
    commands = parser.add_subparsers(dest="sandbox_command", metavar="COMMAND", required=True)
    up = commands.add_parser("up", help="install if needed, start, enroll demo nodes")
    up.add_argument(
        "--nodes",
        type=_node_count,
        default=DEFAULT_NODES,
        help=f"demo nodes to have available (default {DEFAULT_NODES})",
    )
    up.set_defaults(func=run_up)
    commands.add_parser("status", help="is it running, where, how many nodes").set_defaults(
        func=run_status
    )
    commands.add_parser("down", help="stop it").set_defaults(func=run_down)
    _register_mistral(commands)


def _register_mistral(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "mistral",
        help="a real Mistral on loopback (for the Mistral backend)",
        description=f"Run OpenStack Mistral {mistral.MISTRAL_VERSION} (SQLite, no auth, one "
        f"process) on 127.0.0.1 from {mistral.mistral_dir()} (set ${mistral.DIR_ENV} to move it).",
    )
    actions = parser.add_subparsers(dest="mistral_command", metavar="COMMAND", required=True)
    actions.add_parser("up", help="install if needed, start").set_defaults(func=run_mistral_up)
    actions.add_parser("status", help="is it running, where").set_defaults(func=run_mistral_status)
    actions.add_parser("down", help="stop it").set_defaults(func=run_mistral_down)


def run_up(args: argparse.Namespace) -> int:
    try:
        ensure_running(args.nodes)
    except SandboxError as error:
        print(f"sandbox: {error}", file=sys.stderr)
        return 1
    return 0


def ensure_running(nodes: int = DEFAULT_NODES) -> str:
    """Bring the sandbox up (showing each step as it goes) and return its endpoint."""
    from engine.sandbox import service  # the commands that run it load it

    with TerminalProgress(sys.stdout) as show:
        report = service.up(nodes=nodes, progress=show)
    if report.install and report.install.installed:
        print(f"Installed Ironic in {report.install.seconds:.1f} s.")
    if report.started:
        print(
            f"Ironic started at {report.endpoint} (pid {report.pid}) in "
            f"{report.start_seconds:.1f} s."
        )
    print(f"{report.enroll.summary()} in {report.enroll.seconds:.1f} s.")
    return report.endpoint


class TerminalProgress:
    """`up()`'s progress in a terminal: the current step's line redrawn as it changes and every
    second (for its elapsed time), each finished step left on its own line. Not a terminal: a
    plain line per step."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.tty = stream.isatty()
        self.current: Progress | None = None
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._ticker = threading.Thread(target=self._tick, daemon=True)

    def __call__(self, progress: Progress) -> None:
        with self._lock:
            new_step = self.current is None or progress.step != self.current.step
            if self.tty:
                if new_step and self.current is not None:
                    self.stream.write("\n")
                self.current = progress
                self._draw()
            elif new_step:
                self.current = progress
                print(progress.line(), file=self.stream, flush=True)

    def __enter__(self) -> TerminalProgress:
        if self.tty:
            self._ticker.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopped.set()
        if self.tty and self.current is not None:
            with self._lock:
                self.stream.write("\n")
                self.stream.flush()

    def _tick(self) -> None:
        while not self._stopped.wait(1.0):
            with self._lock:
                if self.current is not None and not self._stopped.is_set():
                    self._draw()

    def _draw(self) -> None:
        self.stream.write("\r\x1b[K" + self.current.line())
        self.stream.flush()


def run_status(args: argparse.Namespace) -> int:
    from engine.sandbox import service

    state = service.status()
    if not state["running"]:
        print(f"Sandbox not running ({state['directory']}; installed: {state['installed']}).")
        return 3
    health = "ready" if state["healthy"] else "NOT answering"
    print(
        f"Sandbox {health} at {state['endpoint'] or '?'}: pid {state['pid']}, "
        f"{state['nodes']} nodes, {state['memory_mib']} MiB; log {state['log']}"
    )
    return 0 if state["healthy"] else 1


def run_down(args: argparse.Namespace) -> int:
    from engine.sandbox import service

    stopped = service.down()
    print("Sandbox stopped." if stopped else "Sandbox was not running.")
    return 0


def run_mistral_up(args: argparse.Namespace) -> int:
    if not mistral.is_installed():
        print(
            f"Installing Mistral {mistral.MISTRAL_VERSION} into {mistral.venv_dir()} "
            "(once; about a minute)...",
            flush=True,
        )
    try:
        report = mistral.up()
    except SandboxError as error:
        print(f"sandbox mistral: {error}", file=sys.stderr)
        return 1
    if report.stopped_stale:
        print(f"Stopped the running Mistral (pid {report.stopped_stale}): other pins than now.")
    if report.install and report.install.installed:
        print(f"Installed Mistral in {report.install.seconds:.1f} s.")
    if report.started:
        print(
            f"Mistral started at {report.url} (pid {report.pid}) in {report.start_seconds:.1f} s."
        )
    else:
        print(f"Mistral already running at {report.url} (pid {report.pid}).")
    return 0


def run_mistral_status(args: argparse.Namespace) -> int:
    state = mistral.status()
    if not state["running"]:
        print(f"Mistral not running ({state['directory']}; installed: {state['installed']}).")
        return 3
    health = "ready" if state["healthy"] else "NOT answering"
    print(
        f"Mistral {health} at {state['url'] or '?'}: pid {state['pid']}, "
        f"{state['memory_mib']} MiB; log {state['log']}"
    )
    return 0 if state["healthy"] else 1


def run_mistral_down(args: argparse.Namespace) -> int:
    print("Mistral stopped." if mistral.down() else "Mistral was not running.")
    return 0


def _node_count(text: str) -> int:
    count = int(text)
    if not 0 <= count <= 1000:
        raise argparse.ArgumentTypeError("--nodes must be between 0 and 1000")
    return count
