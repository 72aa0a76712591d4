"""The SQLite state file: schema and migrations, one writer, definitions.

Its names are imported on first use (engine.lazy): its errors and paths without the database.
"""

from engine.lazy import lazy_attributes

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

__getattr__, __dir__ = lazy_attributes(
    __name__,
    {
        "Store": "engine.store.database",
        "open_private_file": "engine.store.database",
        "refuse_unsafe_path": "engine.store.database",
        "utc_now": "engine.store.database",
        "AlreadyExistsError": "engine.store.errors",
        "ConflictError": "engine.store.errors",
        "NotFoundError": "engine.store.errors",
        "StoreError": "engine.store.errors",
        "log_path": "engine.store.paths",
        "state_path": "engine.store.paths",
        "SCHEMA_VERSION": "engine.store.schema",
    },
)
