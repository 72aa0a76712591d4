"""The SQLite state file: schema and migrations, one writer, definitions."""

from engine.store.database import Store, create_private_file, utc_now
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
    "create_private_file",
    "log_path",
    "state_path",
    "utc_now",
]
