"""The one door into the engine for the console and the CLI: the Backend protocol
(engine.api.backend), the types it exchanges (engine.api.types), and `open_backend`.

The embedded implementation (our engine and a SQLite state file) lives in engine.api.embedded,
the one driving a real Mistral through its REST API in engine.api.mistral; each is imported only
when opened.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from engine.api.types import __all__ as _types
from engine.lazy import lazy_attributes

MISTRAL_URL_ENV = "OS_MISTRAL_URL"  # as the `mistral` CLI reads it

if TYPE_CHECKING:
    from engine.api.backend import Backend
    from engine.api.embedded import EngineStarter, OthersServing

__all__ = [
    "Backend",
    "MISTRAL_URL_ENV",
    "open_private_file",
    "refuse_unsafe_path",
    "log_path",
    "open_backend",
    "open_for_reading",
    "open_mistral",
    "run_to_end",
    "state_path",
    "GraphEdge",
    "WorkflowGraph",
    "FIRST_TIME_FORMAT",
    "NEVER_PATTERN",
    "parse_first_time",
    *_types,
]

# Imported on first use, so that a command imports only what it needs.
__getattr__, __dir__ = lazy_attributes(
    __name__,
    {
        "Backend": "engine.api.backend",
        "open_private_file": "engine.store.database",
        "refuse_unsafe_path": "engine.store.database",
        "run_to_end": "engine.store.database",
        "log_path": "engine.store.paths",
        "state_path": "engine.store.paths",
        "GraphEdge": "engine.api.graph",
        "WorkflowGraph": "engine.api.graph",
        "FIRST_TIME_FORMAT": "engine.core.cron",  # a cron trigger's --first-time
        "parse_first_time": "engine.core.cron",
        "NEVER_PATTERN": "engine.core.cron",  # a trigger with a first time alone
        **dict.fromkeys(_types, "engine.api.types"),
    },
)


async def open_backend(
    db_path: str | Path | None = None,
    *,
    reload_workbooks: bool = False,
    start_engine: EngineStarter | None = None,
    serve_others: OthersServing | None = None,
) -> Backend:
    """The embedded backend over the state file `db_path` (see `state_path`).

    `start_engine(db_path)` starts a headless engine process: given, the backend hands the
    engine's writes to the live engine when this process runs none (the CLI; the console when
    another process holds the lease). `serve_others` (engine.server.serve_others) makes an
    engine run here serve those writes.
    """
    from engine.api.embedded import EmbeddedBackend

    return await EmbeddedBackend.open(
        db_path,
        reload_workbooks=reload_workbooks,
        start_engine=start_engine,
        serve_others=serve_others,
    )


async def open_for_reading(db_path: str | Path | None = None) -> Backend | None:
    """The embedded backend over the state file `db_path`, for reads only: its coroutines never
    wait, so `run_to_end` runs them without an event loop (a command that only reads then loads
    neither asyncio nor aiosqlite). None when the file needs `open_backend` first (to be
    created or migrated, or to get our workbooks)."""
    from engine.api.embedded import EmbeddedBackend

    return await EmbeddedBackend.open_for_reading(db_path)


async def open_mistral(url: str | None = None) -> Backend:
    """The backend of a real Mistral: the v2 API at `url` (no authentication), or without one
    the `workflowv2` endpoint of the Keystone catalog (engine.clouds credentials). Raises
    EngineError naming the URL when it does not answer."""
    from engine.api.mistral import MistralBackend

    return await MistralBackend.open(url)
