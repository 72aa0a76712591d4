"""Who an action acts as: the caller whose request started its execution.

As Mistral keeps an auth context with each execution, a request to our engine carries the
caller's Keystone token (or its whole cloud, in Mistral's target-cloud headers) with the
execution it starts, reruns or resumes, so the execution's OpenStack actions act as the caller,
not as whoever started the engine. The token lives in memory with the running
execution only (never in the state file, a log or an error); an execution picked up after an
engine restart acts as the engine again.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any


class Caller:
    """A caller's Keystone token (scoped to `project_id` when Keystone told us the token's
    project), or the whole `cloud` its request named (Mistral's target-cloud headers:
    engine.target_cloud), and the clients made for it."""

    __slots__ = ("clients", "cloud", "credentials", "project_id", "token")

    def __init__(
        self, token: str, project_id: str | None = None, cloud: dict[str, Any] | None = None
    ) -> None:
        self.token = token
        self.project_id = project_id
        self.cloud = cloud  # openstacksdk settings (auth_type, auth, region_name, overrides)
        self.credentials: Any = None  # engine.clouds.Credentials, made on first use
        self.clients: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"Caller(token=***, project_id={self.project_id!r}, cloud={self.cloud is not None})"


# Set by the engine around each action it runs; threads the action runs in inherit it.
CALLER: ContextVar[Caller | None] = ContextVar("caller", default=None)
