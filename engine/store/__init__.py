"""The SQLite state file: schema and migrations, one writer, definitions."""

from engine.store.database import (
    Store,
    open_private_file,
    refuse_unsafe_path,
    utc_now,
)
from engine.store.errors import AlreadyExistsError, ConflictError, NotFoundError, StoreError
from engine.store.paths import log_path, state_path
from engine.store.schema import SCHEMA_VERSION

__all__ = [
    "SCHEMA_VERSION",
    "AlreadyExistsError",
    "ConflictError",
    "NotFoundError",
    "Store",
    "StoreError",
    "log_path",
    "open_private_file",
    "refuse_unsafe_path",
    "state_path",
    "utc_now",
]
