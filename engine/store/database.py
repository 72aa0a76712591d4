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
import stat
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


def new_id() -> str:
    """A new row's id, a random UUID as Mistral's. uuid is imported here, by the first write:
    on Linux it imports `platform`, whose patterns a command that only reads need not compile."""
    import uuid

    return str(uuid.uuid4())


# Files SQLite keeps beside the state file. It opens them by name when it needs them, after our
# own check of the state file (SQLite 3.40 refuses a symbolic link there, older ones follow it).
COMPANION_SUFFIXES = ("-wal", "-shm", "-journal")
COMPANION_FIX = "remove it: SQLite keeps its log of the state file there"


def refuse_unsafe_path(path: Path, fix: str = "give the path of a regular file instead") -> None:
    """StoreError if `path` is a symbolic link or exists as anything but a regular file: such
    a path is never opened, changed or written beside. `fix` says what the user can do."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode):
        raise StoreError(f"{path} is a symbolic link; {fix}")
    if not stat.S_ISREG(info.st_mode):
        raise _not_regular(path)


def refuse_unsafe_companions(path: Path) -> None:
    """StoreError if a file SQLite keeps beside the state file `path` is a symbolic link (or
    not a regular file). Checked before SQLite opens them, again once it has (a link put there
    meanwhile is refused, not followed), and when SQLite could not open one."""
    for suffix in COMPANION_SUFFIXES:
        refuse_unsafe_path(path.with_name(path.name + suffix), COMPANION_FIX)


def _not_regular(path: Path) -> StoreError:
    return StoreError(f"{path} is not a regular file; give the path of one instead")


def open_private_file(path: Path, flags: int) -> int:
    """Open (creating if needed) `path` as a regular file readable and writable by its owner
    only, without following a symbolic link; return the descriptor.

    A new file is created with mode 0600, so it is never readable by others even for a
    moment; an existing file of ours is made 0600. A symbolic link or anything but a regular
    file (a device, a FIFO) is refused and left as it was: StoreError.
    """
    refuse_unsafe_path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
        fd = os.open(path, flags | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, FILE_MODE)
    except OSError as error:
        refuse_unsafe_path(path)  # replaced since we looked
        raise StoreError(f"Cannot open {path}: {error.strerror}") from error
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(path)
        if info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) != FILE_MODE:
            os.fchmod(fd, FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def create_private_file(path: Path) -> None:
    """Make sure the state file `path` exists as a private regular file (`open_private_file`)
    and that none of the files SQLite keeps beside it is a symbolic link."""
    os.close(open_private_file(path, os.O_RDWR))
    refuse_unsafe_companions(path)


class Store:
    """An open state file. Create with `await Store.open(path)`; close with `await close()`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
        self._writer: sqlite3.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._fence: Callable[[sqlite3.Connection], None] | None = None

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
                refuse_unsafe_companions(store.path)  # the reason SQLite could not open one
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
        refuse_unsafe_companions(self.path)  # as SQLite opened them

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

    def fence(self, check: Callable[[sqlite3.Connection], None] | None) -> None:
        """Run `check(conn)` first in every write transaction from now on (None: no more).

        The engine fences the store with its lease: a check that raises keeps the write from
        committing, and being in the same transaction, no other engine can slip in between.
        """
        self._fence = check

    def _transaction(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        conn = self._writer
        if conn is None:
            raise RuntimeError("the store is closed")
        conn.execute("BEGIN IMMEDIATE")
        try:
            if self._fence is not None:
                self._fence(conn)
            result = fn(conn, *args)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result

    async def write(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(conn, *args)` in one transaction on the writer connection; return its result.

        If `fn` raises, nothing it did is kept and the exception propagates. A file that cannot
        be written (a full disk, a read-only folder, another process's lock) is a StoreError
        naming the file.
        """
        try:
            return await self._in_writer_thread(self._transaction, fn, args)
        except sqlite3.OperationalError as error:
            refuse_unsafe_companions(self.path)  # the reason SQLite could not open one
            raise StoreError(f"Cannot write the state file {self.path}: {error}") from error

    def _reading(self) -> aiosqlite.Connection:
        if self._reader is None:
            raise RuntimeError("the store is closed")
        return self._reader

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Rows of a query on the reader connection.

        The query runs to its end in one call: a statement left open between two awaits would
        hold its read snapshot, and every other read meanwhile would miss the latest commits
        (an execution just created reported "not found").
        """
        return list(await self._reading().execute_fetchall(sql, params))

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        """The first row of a query that gives at most a few, or None."""
        found = await self.fetch_all(sql, params)
        return found[0] if found else None
