"""Hostile servers on loopback for the action bounds tests: one that accepts and never answers,
a port that refuses, and an HTTP server that sends a huge body (made as it is sent)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from engine import limits

MB = 1024 * 1024
HUGE_BODY_MB = 100


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A loopback port that accepts connections (backlog 64) and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    server.close()


@pytest.fixture
def refused_url() -> str:
    """A loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class _HugeHandler(BaseHTTPRequestHandler):
    """/sized: 100 MB with a Content-Length; /unsized: 100 MB until the connection closes."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        if self.path == "/sized":
            self.send_header("Content-Length", str(HUGE_BODY_MB * MB))
        self.send_header("Connection", "close")
        self.end_headers()
        chunk = b"x" * MB
        try:
            for _ in range(HUGE_BODY_MB):
                self.wfile.write(chunk)
        except OSError:  # the client stopped reading: what we want
            self.server.sent_all = False
            return
        self.server.sent_all = True

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


@pytest.fixture
def huge_body_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HugeHandler)
    server.daemon_threads = True
    server.sent_all = None
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def action_limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Set TRIPLEO_TUI_* limits for this test: ``action_limits(READ_TIMEOUT=1)``."""

    def set_limits(**values: object) -> None:
        for name, value in values.items():
            monkeypatch.setenv(limits.ENV_PREFIX + name, str(value))
        limits.current.cache_clear()

    yield set_limits
    monkeypatch.undo()
    limits.current.cache_clear()
