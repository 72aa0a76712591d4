"""Who may call the server: anyone on loopback, or holders of a valid token.

Two kinds of token check, as an OpenStack service does it:
- a static token read from a file only its owner can read (mode 0600);
- a Keystone token (`X-Auth-Token`) validated against the configured Keystone, the way
  keystonemiddleware's auth_token does: `GET /v3/auth/tokens` with the token as its own subject
  (a user may validate their own token). Valid tokens are remembered for a few minutes, keyed by
  their hash, so a busy client costs one Keystone call per token, not one per request.
Tokens are never logged or stored on disk.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from engine.callers import Caller

TOKEN_HEADER = "X-Auth-Token"
KEYSTONE_CACHE_SECONDS = 300.0
KEYSTONE_TIMEOUT = 10.0


class ServerSetupError(ValueError):
    """The server cannot start with these settings (said in one line)."""


class TokenCheck(Protocol):
    async def valid(self, token: str) -> bool: ...

    def caller(self, token: str) -> Caller | None:
        """Who the token's holder is to the clouds behind the engine (None: the engine)."""

    def describe(self) -> str: ...


@dataclass(frozen=True)
class StaticToken:
    """One shared secret, read once from a 0600 file."""

    path: Path
    token: str

    @classmethod
    def read(cls, path: Path) -> StaticToken:
        try:
            mode = path.stat().st_mode
            text = path.read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ServerSetupError(
                f"{path}: cannot read the token file: {error.strerror}"
            ) from None
        if stat.S_IMODE(mode) & 0o077:
            raise ServerSetupError(
                f"{path}: the token file must be readable by its owner only "
                f"(mode {stat.S_IMODE(mode):04o}; run chmod 600 {path})"
            )
        if not text:
            raise ServerSetupError(f"{path}: the token file is empty")
        return cls(path, text)

    async def valid(self, token: str) -> bool:
        return hmac.compare_digest(token.encode(), self.token.encode())

    def caller(self, token: str) -> Caller | None:
        return None  # the shared secret is no Keystone token: actions act as the engine

    def describe(self) -> str:
        return f"the token in {self.path}"


class KeystoneTokens:
    """Keystone v3 token validation, with valid tokens cached by their SHA-256 until they expire
    or for KEYSTONE_CACHE_SECONDS, whichever comes first."""

    def __init__(self, auth_url: str) -> None:
        self.auth_url = auth_url.rstrip("/")
        if not self.auth_url.endswith("/v3"):
            self.auth_url += "/v3"
        from keystoneauth1 import session  # only with --keystone-url: it takes a while

        self._session = session.Session(timeout=KEYSTONE_TIMEOUT)
        self._valid: dict[str, tuple[float, str | None]] = {}  # hash -> (until, project id)

    async def valid(self, token: str) -> bool:
        key = _hash(token)
        now = time.monotonic()
        if self._valid.get(key, (0.0, None))[0] > now:
            return True
        self._valid = {k: known for k, known in self._valid.items() if known[0] > now}
        found, project_id = await asyncio.to_thread(self._validate, token)
        if found:
            self._valid[key] = (now + KEYSTONE_CACHE_SECONDS, project_id)
        return found

    def caller(self, token: str) -> Caller | None:
        return Caller(token, self._valid.get(_hash(token), (0.0, None))[1])

    def _validate(self, token: str) -> tuple[bool, str | None]:
        """Whether Keystone accepts the token, and the project it is scoped to."""
        response = self._session.get(
            f"{self.auth_url}/auth/tokens",
            headers={TOKEN_HEADER: token, "X-Subject-Token": token},
            authenticated=False,
            raise_exc=False,
        )
        if response.status_code != 200:
            return False, None
        project = response.json().get("token", {}).get("project") or {}
        return True, project.get("id")

    def describe(self) -> str:
        return f"Keystone tokens checked at {self.auth_url}"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def token_check(token_file: str | None, keystone_url: str | None) -> TokenCheck | None:
    """The check the options ask for (at most one), or None for no authentication."""
    if token_file and keystone_url:
        raise ServerSetupError("choose one of --auth-token-file and --keystone-url")
    if token_file:
        return StaticToken.read(Path(os.path.expanduser(token_file)))
    if keystone_url:
        return KeystoneTokens(keystone_url)
    return None
