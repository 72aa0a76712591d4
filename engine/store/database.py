"""The state file: one writer connection, a reader connection, WAL, owner-only file mode.

Writes are plain synchronous functions `fn(conn, *args)` run in the writer's own thread inside
one `BEGIN IMMEDIATE ... COMMIT`: a whole transaction costs one thread hop, and a group-commit
writer can later run many such functions in one transaction without their code changing.
Reads go through aiosqlite on a separate, query-only connection; WAL lets them run beside the
writer.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from engine.store.errors import StoreError
from engine.store.schema import migrate

T = TypeVar("T")

BUSY_TIMEOUT_MS = 10_000
FILE_MODE = 0o600
FOLDER_MODE = 0o700


def utc_now() -> str:
    """Now in UTC with Mistral's one-second resolution: 'YYYY-MM-DD HH:MM:SS'."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


def create_private_file(path: Path) -> None:
    """Make sure `path` exists, readable and writable by its owner only.

    The file is created with mode 0600 before SQLite opens it, so it is never readable by
    others, even for a moment; SQLite gives its -wal and -shm files the same mode.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, FILE_MODE)
    try:
        if os.fstat(fd).st_mode & 0o777 != FILE_MODE:
            os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)


class Store:
    """An open state file. Create with `await Store.open(path)`; close with `await close()`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
        self._writer: sqlite3.Connection | None = None
        self._reader: aiosqlite.Connection | None = None

    @classmethod
    async def open(cls, path: Path) -> Store:
        """Open (creating and migrating if needed) the state file at `path`."""
        store = cls(Path(path))
        try:
            await asyncio.to_thread(create_private_file, store.path)
            await store._in_writer_thread(store._open_writer)
            store._reader = await store._open_reader()
        except BaseException as error:
            await store.close()
            if isinstance(error, sqlite3.DatabaseError | OSError):
                raise StoreError(f"Cannot open state file {store.path}: {error}") from error
            raise
        return store

    def _open_writer(self) -> None:
        self._writer = conn = sqlite3.connect(self.path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        # deleted rows (an execution's input, a hand-off request) may hold passwords: zero them
        conn.execute("PRAGMA secure_delete = ON")
        migrate(conn)

    async def _open_reader(self) -> aiosqlite.Connection:
        reader = await aiosqlite.connect(self.path)
        reader.row_factory = sqlite3.Row
        await reader.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await reader.execute("PRAGMA query_only = ON")
        return reader

    def _close_writer(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    async def close(self) -> None:
        """Close both connections; SQLite checkpoints the WAL on the last close."""
        if self._reader is not None:
            await self._reader.close()
            self._reader = None
        await self._in_writer_thread(self._close_writer)
        self._writer_thread.shutdown()

    async def truncate_wal(self) -> None:
        """Copy the WAL into the state file and empty it, after deleting rows that may hold
        secrets: with secure_delete the file's freed space is zeroed, but the WAL would keep
        the old pages until it wraps round."""
        await self._in_writer_thread(self._truncate_wal)

    def _truncate_wal(self) -> None:
        if self._writer is not None:
            self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def _in_writer_thread(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer_thread, fn, *args)

    def _transaction(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        conn = self._writer
        if conn is None:
            raise RuntimeError("the store is closed")
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = fn(conn, *args)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result

    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(conn, *args)` in one transaction on the writer connection; return its result.

        If `fn` raises, nothing it did is kept and the exception propagates.
        """
        return await self._in_writer_thread(self._transaction, fn, args)

    def _reading(self) -> aiosqlite.Connection:
        if self._reader is None:
            raise RuntimeError("the store is closed")
        return self._reader

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Rows of a query on the reader connection."""
        return list(await self._reading().execute_fetchall(sql, params))

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        """The first row of a query, or None."""
        async with self._reading().execute(sql, params) as cursor:
            return await cursor.fetchone()
