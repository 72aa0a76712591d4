"""The one door into the engine for the console and the CLI: the Backend protocol
(engine.api.backend), the types it exchanges (engine.api.types), and `open_backend`.

The embedded implementation (our engine and a SQLite state file) lives in engine.api.embedded
and is imported only when opened.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from engine.api.types import __all__ as _types
from engine.lazy import lazy_attributes

if TYPE_CHECKING:
    from engine.api.backend import Backend
    from engine.api.embedded import EngineStarter, OthersServing

__all__ = [
    "Backend",
    "create_private_file",
    "log_path",
    "open_backend",
    "state_path",
    *_types,
]

# Imported on first use, so that a command imports only what it needs.
__getattr__, __dir__ = lazy_attributes(
    __name__,
    {
        "Backend": "engine.api.backend",
        "create_private_file": "engine.store.database",
        "log_path": "engine.store.paths",
        "state_path": "engine.store.paths",
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
