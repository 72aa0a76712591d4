"""`tripleo-tui engine`: the engine without the console, serving other processes' requests;
`tripleo-tui engine status`: which backend is in use and whether its engine runs.

A user runs it in the foreground (Ctrl-C stops it cleanly). A command that needs the engine
when none is live starts one in the background with `--idle-exit`, so it goes away by itself
once nothing has been running for a while; its messages go to the log file.

asyncio and subprocess are imported by the functions that run or start an engine: every
command's parser registers this module, and `--help` or a read needs neither.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from tripleo_tui.cli import CommandAdder, CommandError, Outcome, argument, mistral_choice
from tripleo_tui.formatting import Text

if TYPE_CHECKING:  # the engine runs only in the embedded backend
    import asyncio
    import subprocess

    from engine.api import Backend
    from engine.api.embedded import EmbeddedBackend
    from engine.server import Server

IDLE_EXIT = 60.0  # seconds with nothing to do before a background engine stops
# Set for an engine a command starts: it says "ready" on its stdout (a pipe) once it serves,
# so the command sends its request then instead of polling for the socket.
SAY_READY_ENV = "TRIPLEO_TUI_SAY_READY"
IDLE_CHECK_EVERY = 1.0
LEASE_LOST_EXIT_CODE = 3
LEASE_LOST_STOP_WITHIN = 2.0  # seconds to cancel and answer before the process exits anyway

log = logging.getLogger(__name__)


def start_background_engine(db_path: Path) -> subprocess.Popen:
    """A detached `tripleo-tui engine --idle-exit` for this state file. Until it serves, its
    stdout is a pipe that says when it does (SAY_READY_ENV) and its stderr one that says why it
    could not, if it could not."""
    import subprocess

    command = [sys.executable, "-m", "tripleo_tui", "--db", str(db_path), "engine"]
    return subprocess.Popen(
        [*command, "--idle-exit", str(IDLE_EXIT)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env={**os.environ, SAY_READY_ENV: "1"},
    )


def _say_ready() -> None:
    """Tell the command that started this engine that it serves, then let go of the pipes
    (that command may end at any time: nothing more is written there; messages go to the
    log)."""
    with contextlib.suppress(BrokenPipeError):  # it ended already
        os.write(sys.stdout.fileno(), b"ready\n")
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, sys.stdout.fileno())
    os.dup2(quiet, sys.stderr.fileno())
    os.close(quiet)


async def serve_others(api: EmbeddedBackend) -> Server:
    """The engine's API for our other processes (engine.server, imported only by a process
    that runs the engine: aiohttp takes a while to import)."""
    from engine import server

    return await server.serve_others(api)


async def run_engine(api: EmbeddedBackend, args: argparse.Namespace) -> Outcome:
    import asyncio

    if args.action == "status":
        return await engine_status(api, args)
    if mistral_choice(args) is not None:
        raise CommandError(f"Mistral {api.url} runs its own engine; nothing to run here")
    # EngineBusy is the engine's own: other commands never load it.
    from engine import clouds
    from engine.api import EngineBusy, log_path
    from engine.sandbox.endpoint import ENDPOINT_SOURCE
    from engine.server import checked_listen, serve, token_check

    # The running sandbox is the last place the engine's OpenStack actions look for an Ironic
    # (the other commands hand their actions to an engine, so only this one needs it).
    clouds.add_endpoint_source(ENDPOINT_SOURCE)

    background = args.idle_exit is not None
    say_ready = os.environ.pop(SAY_READY_ENV, None)  # not passed on to what this runs
    tokens = token_check(args.auth_token_file, args.keystone_url)  # refused before the lease
    if args.listen:
        checked_listen(args.listen, tokens)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):  # before the lease: a stop never leaves it
        loop.add_signal_handler(signum, stopping.set)
    try:
        try:
            engine = await api.start_engine()
        except EngineBusy as busy:
            if background:  # another command started one first: that one serves us all
                log.info("Background engine not needed: %s", busy)
                return Outcome()
            raise
        server: Server | None = None
        if args.listen:
            try:
                server = await serve(api, args.listen, tokens)
            except BaseException:
                await api.stop_engine()
                raise
            log.info("Serving Mistral's v2 API at %s", server.url)
        log.info("Engine started (pid %d, background=%s)", os.getpid(), background)
        if say_ready:
            _say_ready()
        if not background:
            serving = f"; Mistral v2 API at {server.url}" if server else ""
            print(
                f"Engine running for {api.state_file}{serving}; log in "
                f"{log_path(api.state_file)}. Ctrl-C stops it.",
                file=sys.stderr,
            )
        halted = asyncio.create_task(engine.halted.wait())
        idle = asyncio.create_task(_until_stopped(api, stopping, args.idle_exit))
        await asyncio.wait((halted, idle), return_when=asyncio.FIRST_COMPLETED)
        for waiting in (halted, idle):
            waiting.cancel()
        if engine.lease_lost.is_set():
            await _exit_at_once(api, engine.halt_reason)
        if server is not None:
            await server.stop()
        await api.stop_engine()
        if engine.halted.is_set():  # it could not write the state file (a full disk, say)
            return Outcome(exit_code=1, errors=(engine.halt_reason,))
        log.info("Engine stopped")
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    return Outcome()


async def _exit_at_once(api: EmbeddedBackend, message: str) -> NoReturn:
    """The lease is lost (or no longer sure): this process must not act again. Actions still
    running in threads (a hung call) would keep a normal exit waiting, so after a short stop
    it ends."""
    import asyncio

    log.error("%s (pid %d)", message, os.getpid())
    print(f"ERROR: {message}", file=sys.stderr, flush=True)
    with contextlib.suppress(Exception):
        await asyncio.wait_for(api.stop_engine(), LEASE_LOST_STOP_WITHIN)
    logging.shutdown()
    os._exit(LEASE_LOST_EXIT_CODE)


async def _until_stopped(
    api: EmbeddedBackend, stopping: asyncio.Event, idle_exit: float | None
) -> None:
    import asyncio

    idle_since = time.monotonic()
    while not stopping.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), IDLE_CHECK_EVERY)
        if idle_exit is None:
            continue
        if await api.engine_has_work():
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since >= idle_exit:
            log.info("Nothing to do for %g s: the background engine stops", idle_exit)
            return


async def engine_status(api: Backend, args: argparse.Namespace) -> Outcome:
    """One line: the backend, where its engine runs; exit code 3 when no engine runs."""
    if mistral_choice(args) is not None:  # opening it checked that its API answers
        return Outcome(Text(f"Backend: {api.described}; its API answers."))
    holder = await api.live_engine()
    where = f"embedded engine, state file {api.state_file}"
    if holder is None:
        return Outcome(Text(f"Backend: {where}; no engine running."), exit_code=3)
    return Outcome(Text(f"Backend: {where}; engine running in pid {holder.pid} on {holder.host}."))


def register(commands: CommandAdder) -> None:
    commands.add(
        "engine",
        run_engine,
        "Run the engine without the console, for the commands run in other shells "
        "(Ctrl-C stops it).",
        argument(
            "action",
            nargs="?",
            choices=("status",),
            help="status: say which backend is in use and whether its engine runs",
        ),
        argument(
            "--idle-exit",
            type=float,
            metavar="SECONDS",
            help="stop after this long with nothing running (commands start it this way)",
        ),
        argument(
            "--listen",
            metavar="HOST:PORT",
            help="also serve Mistral's v2 REST API at http://HOST:PORT/v2 (loopback only unless "
            "--auth-token-file or --keystone-url is given)",
        ),
        argument(
            "--auth-token-file",
            metavar="FILE",
            help="require the X-Auth-Token header to equal the token in FILE (mode 0600)",
        ),
        argument(
            "--keystone-url",
            metavar="URL",
            help="require an X-Auth-Token that this Keystone accepts",
        ),
        formatted=False,
    )
