"""How far an action may go: network timeouts, the size of a stored result, the worker threads
per service. One place, read from the environment when first asked.

``TRIPLEO_TUI_CONNECT_TIMEOUT`` (s, default 3): how long to wait for a TCP connection.
``TRIPLEO_TUI_READ_TIMEOUT`` (s, default 60): how long a server may stay silent during a call.
``TRIPLEO_TUI_RESULT_LIMIT_KB`` (default 1024, as Pike Mistral's
``execution_field_size_limit_kb``; -1 for none): a larger result fails the action.
``TRIPLEO_TUI_WORKERS`` (default 8): worker threads per service pool (ironic, heat, http, other).

An explicit ``timeout`` input of ``std.http`` wins over the defaults, and a task's ``timeout``
policy ends the task at its own time whatever the network does.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

ENV_PREFIX = "TRIPLEO_TUI_"


class LimitsError(ValueError):
    """A limit in the environment is not a number."""


@dataclass(frozen=True)
class ActionLimits:
    connect_timeout: float = 3.0
    read_timeout: float = 60.0
    result_limit_kb: int = 1024
    workers: int = 8

    @property
    def timeouts(self) -> tuple[float, float]:
        """``(connect, read)`` as ``requests`` takes them."""
        return (self.connect_timeout, self.read_timeout)

    @property
    def result_limit_bytes(self) -> int | None:
        return None if self.result_limit_kb < 0 else self.result_limit_kb * 1024


@functools.cache
def current() -> ActionLimits:
    """The limits for this process: the defaults, overridden by TRIPLEO_TUI_* variables."""
    defaults = ActionLimits()
    return ActionLimits(
        connect_timeout=_number("CONNECT_TIMEOUT", defaults.connect_timeout, float),
        read_timeout=_number("READ_TIMEOUT", defaults.read_timeout, float),
        result_limit_kb=_number("RESULT_LIMIT_KB", defaults.result_limit_kb, int),
        workers=max(1, _number("WORKERS", defaults.workers, int)),
    )


def _number(name: str, default, kind):
    text = os.environ.get(ENV_PREFIX + name)
    if not text:
        return default
    try:
        return kind(text)
    except ValueError:
        raise LimitsError(f"{ENV_PREFIX}{name}={text!r} is not a number") from None
