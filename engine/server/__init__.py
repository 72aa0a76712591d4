"""Our engine serving Mistral's v2 REST API (`tripleo-tui engine --listen HOST:PORT`).

aiohttp runs on the engine's own event loop: no second process, no thread. Loopback addresses
and unix sockets (`unix:PATH`, made mode 0600 before they accept anyone) are served without
authentication; any other address only with a token check (a static token file or Keystone),
so the engine is never opened to the network by accident.
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
from dataclasses import dataclass

from aiohttp import web

from engine.api import Backend
from engine.api.handoff import socket_path
from engine.server.app import IN_FLIGHT, make_app
from engine.server.auth import ServerSetupError, TokenCheck, is_loopback, token_check

__all__ = ["serve_others", "Server", "ServerSetupError", "checked_listen", "serve", "token_check"]


UNIX = "unix:"


@dataclass
class Server:
    """A running server; `url` is its /v2 endpoint (with the port really bound), or
    `unix:PATH` for a unix socket."""

    runner: web.AppRunner
    url: str
    socket_file: tuple[int, int] | None = None  # (device, inode) of our unix socket

    @property
    def busy(self) -> bool:
        """Whether a request is being answered."""
        return self.runner.app[IN_FLIGHT].count > 0

    async def stop(self) -> None:
        """Stop serving; our socket file goes, unless it is no longer ours (an engine that
        took the state file over has bound its own at the same path)."""
        await self.runner.cleanup()
        if self.socket_file is not None:
            path = self.url.removeprefix(UNIX)
            with contextlib.suppress(FileNotFoundError):
                if _file_id(os.lstat(path)) == self.socket_file:
                    os.unlink(path)


def parse_listen(text: str) -> tuple[str, int]:
    """`HOST:PORT` or `[IPv6]:PORT` → (host, port); raises ServerSetupError with the reason."""
    host, colon, port = text.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not colon or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ServerSetupError(f"--listen {text}: expected HOST:PORT, e.g. 127.0.0.1:8989")
    return host, int(port)


def checked_listen(listen: str, tokens: TokenCheck | None) -> tuple[str, int]:
    """The address to serve (port -1 for a unix socket); a non-loopback one is refused unless a
    token check is on."""
    if listen.startswith(UNIX):
        return listen.removeprefix(UNIX), -1
    host, port = parse_listen(listen)
    if tokens is None and not is_loopback(host):
        raise ServerSetupError(
            f"--listen {listen}: refusing to serve a non-loopback address without "
            "authentication; add --auth-token-file FILE or --keystone-url URL"
        )
    return host, port


async def serve(backend: Backend, listen: str, tokens: TokenCheck | None = None) -> Server:
    """Serve `http://HOST:PORT/v2` on the running loop until `Server.stop()`."""
    host, port = checked_listen(listen, tokens)
    runner = web.AppRunner(make_app(backend, tokens), access_log=None)
    await runner.setup()
    try:
        if port == -1:
            await web.SockSite(runner, private_socket(host)).start()
            return Server(runner, f"{UNIX}{host}", _file_id(os.lstat(host)))
        await web.TCPSite(runner, host, port).start()
    except OSError as error:
        await runner.cleanup()
        raise ServerSetupError(f"--listen {listen}: cannot listen: {error.strerror}") from None
    bound_host, bound_port = runner.addresses[0][:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    return Server(runner, f"http://{shown}:{bound_port}/v2")


def _file_id(info: os.stat_result) -> tuple[int, int]:
    return info.st_dev, info.st_ino


def private_socket(path: str) -> socket.socket:
    """A unix socket bound at `path` (a stale one is replaced) and made 0600 before it listens,
    so only its owner can ever connect."""
    if os.path.lexists(path):
        if not stat.S_ISSOCK(os.lstat(path).st_mode):
            raise ServerSetupError(f"{path} is there and is not a socket; remove it")
        os.unlink(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(path)
        os.chmod(path, 0o600)
    except BaseException:
        sock.close()
        raise
    return sock


async def serve_others(backend: Backend) -> Server:
    """The engine's API for our other processes (the CLI): on the 0600 unix socket beside the
    state file (engine.api.handoff.socket_path), with no token."""
    return await serve(backend, UNIX + socket_path(backend.state_file))
