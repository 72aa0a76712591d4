"""Every bound the engine keeps, in one place.

How far an action may go (network timeouts, the size of a stored result, the worker threads per
service) is read from the environment when first asked. The bounds on what users send
(expressions, definitions, inputs) are the constants at the end, each saying why its value;
modules read them at call time (`limits.NAME`), so a test may lower one.

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


# --- Expressions ----------------------------------------------------------------------------

# CPU seconds one expression may use. Evaluation runs on the engine's event loop, so a request
# (a CLI command handed to the engine) waits behind it this long on an idle machine: half of
# the 1 s we promise for an answer. Real expressions take microseconds to a few milliseconds
# (bench/bench_expr.py); a YAQL select over 1,000 items about 150 ms.
EXPRESSION_TIME_LIMIT = 0.5

# Bytes one evaluation may add to the engine's resident size. An engine at rest is about 70 MB;
# this keeps a hostile expression under a few hundred MB while leaving room for an expression
# that reads a large action result (the stored result is capped well below this).
EXPRESSION_MEMORY_LIMIT = 256 << 20

# Seconds between two looks of the watchdog at the running evaluations: the overshoot past the
# time limit, and how long memory can grow before it is noticed. Each look costs microseconds.
WATCHDOG_TICK = 0.02

# Items a sequence may have: YAQL's `yaql.limitIterators` and the longest list `*` may build.
# The largest TripleO collections (nodes, roles, networks) have hundreds to thousands of items.
MAX_ITEMS = 100_000

# Bytes of one value YAQL may build (`yaql.memoryQuota`), and the longest string that string
# repetition, `%` formatting or a Jinja template may produce. Rendered files and JSON documents
# that workbooks build are kilobytes; a few copies of a value this size in the context and the
# state file stay cheap.
MAX_TEXT = 4 << 20
YAQL_MEMORY_QUOTA = 50_000_000  # yaql counts sys.getsizeof of every function result

# Bits of an integer `**` may produce: 2**10_000 is larger than any count or size, and
# computing a huge power holds the interpreter in C where no time limit can stop it.
MAX_INTEGER_BITS = 10_000

# --- Definitions and inputs -------------------------------------------------------------------

# Bytes of one definition (workbook, workflow or action document). TripleO's largest workbook
# is about 60 KB; a definition is parsed in memory and stored whole with each execution.
MAX_DEFINITION_SIZE = 1 << 20

# YAML aliases: nodes all aliases of one document may add when expanded, and how deep aliases
# may nest (an alias of a node holding an alias, ...). Real definitions use a few aliases for
# shared settings; a "billion laughs" document needs millions of nodes and a depth near ten.
MAX_ALIAS_NODES = 10_000
MAX_ALIAS_DEPTH = 4

# Bytes of an execution's input as JSON. Inputs are copied into the context of every task and
# stored with the execution; TripleO passes node lists and parameters of some kilobytes.
MAX_INPUT_SIZE = 1 << 20
