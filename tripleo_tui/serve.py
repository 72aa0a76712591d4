"""`tripleo-tui serve`: the console in a browser through textual-serve, on loopback only.

Each browser tab gets its own console process (textual-serve runs the command per websocket).
Every route lives under a random token (`http://127.0.0.1:PORT/TOKEN/`), so a request without
it, the page, its websocket or its static files, gets 404: another local user cannot drive the
console without the URL printed here.
"""

from __future__ import annotations

import argparse
import secrets
import shlex
import socket
import sys
from pathlib import Path

HOST = "127.0.0.1"


def configure(parser: argparse.ArgumentParser) -> None:
    """Make `parser` the `serve` command's; it runs as `args.func`."""
    parser.description = (
        "Serve the console on http://127.0.0.1:PORT/TOKEN/ (one console process "
        "per browser tab). Requests without the token get 404."
    )
    parser.add_argument("--port", type=int, default=0, help="the port (default: a free one)")
    parser.set_defaults(func=run_serve)


def console_command(args: argparse.Namespace) -> str:
    """The console as this command was asked to open it (state file, Mistral choice)."""
    command = [sys.executable, "-m", "tripleo_tui"]
    if args.db:
        command += ["--db", str(Path(args.db).resolve())]
    if args.os_mistral_url:
        command += ["--os-mistral-url", args.os_mistral_url]
    elif args.mistral:
        command.append("--mistral")
    return shlex.join(command)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def run_serve(args: argparse.Namespace) -> int:
    from aiohttp import web
    from textual_serve.server import Server

    class TokenServer(Server):
        """textual-serve's routes moved under /TOKEN/ (its own router builds every URL)."""

        def __init__(self, command: str, port: int, token: str) -> None:
            super().__init__(command, host=HOST, port=port, title="tripleo-tui")
            self.token = token

        async def _make_app(self) -> web.Application:
            app = await super()._make_app()
            prefixed = web.Application()
            prefixed.add_subapp(f"/{self.token}", app)
            return prefixed

        async def on_startup(self, app: web.Application) -> None:
            print(f"Serving the console on {self.public_url}/{self.token}/", flush=True)
            print("Press Ctrl+C to stop.", flush=True)

    port = args.port or free_port()
    TokenServer(console_command(args), port, secrets.token_urlsafe(16)).serve()
    return 0
