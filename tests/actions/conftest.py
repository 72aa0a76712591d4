"""Real servers on loopback for the std.http and std.email tests."""

from __future__ import annotations

import base64
import email
import json
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

BASIC_USER = "admin"
BASIC_PASSWORD = "s3cret-pw"


class _HttpHandler(BaseHTTPRequestHandler):
    """Routes: /echo (the request as JSON), /text, /status/<code>, /auth, /redirect."""

    def _send(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: object, **headers: str) -> None:
        self._send(status, json.dumps(data).encode(), "application/json", **headers)

    def _handle(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else None
        if url.path == "/echo":
            self._json(
                200,
                {
                    "method": self.command,
                    "query": parse_qs(url.query),
                    "body": body,
                    "headers": dict(self.headers.items()),
                },
                Set_Cookie="session=abc",
            )
        elif url.path == "/text":
            self._send(200, "plain words é".encode(), "text/plain; charset=utf-8")
        elif url.path.startswith("/status/"):
            self._json(int(url.path.rsplit("/", 1)[1]), {"problem": "as asked"})
        elif url.path == "/auth":
            expected = base64.b64encode(f"{BASIC_USER}:{BASIC_PASSWORD}".encode()).decode()
            if self.headers.get("Authorization") == f"Basic {expected}":
                self._json(200, {"user": BASIC_USER})
            else:
                self._json(401, {"error": "unauthorised"})
        elif url.path == "/redirect":
            self._send(302, b"", "text/plain", Location="/echo")
        else:
            self._json(404, {"error": "no route"})

    do_GET = do_POST = do_PUT = do_DELETE = _handle

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


@pytest.fixture
def http_url() -> Iterator[str]:
    """Base URL of a real HTTP server on 127.0.0.1 with the routes of :class:`_HttpHandler`."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HttpHandler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    message: Message


@dataclass
class SmtpSink:
    address: str
    mails: list[Mail] = field(default_factory=list)


class _SmtpHandler(socketserver.StreamRequestHandler):
    """The SMTP subset smtplib uses to send one message; no extensions (so no STARTTLS)."""

    def _reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self._reply("220 sink ready")
        sender, recipients = "", []
        while line := self.rfile.readline():
            command = line.decode().rstrip("\r\n")
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self._reply("250 sink")
            elif verb == "MAIL":
                sender, recipients = command.split(":", 1)[1].strip(" <>"), []
                self._reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip(" <>"))
                self._reply("250 OK")
            elif verb == "DATA":
                self._reply("354 end with <CRLF>.<CRLF>")
                data = []
                while (chunk := self.rfile.readline()) != b".\r\n":
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                message = email.message_from_bytes(b"".join(data))
                self.server.sink.mails.append(Mail(sender, recipients, message))
                self._reply("250 queued")
            elif verb == "QUIT":
                self._reply("221 bye")
                return
            elif verb in ("RSET", "NOOP"):
                self._reply("250 OK")
            else:
                self._reply("502 not implemented")


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A real SMTP server on 127.0.0.1 that keeps every mail it receives."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
    server.daemon_threads = True
    server.sink = SmtpSink(f"127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server.sink
    server.shutdown()
    server.server_close()
