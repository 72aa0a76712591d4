"""The state file: one writer connection, a reader connection, WAL, owner-only file mode.

Writes are plain synchronous functions `fn(conn, *args)` run in the writer's own thread inside
one `BEGIN IMMEDIATE ... COMMIT`: a whole transaction costs one thread hop, and a group-commit
writer can later run many such functions in one transaction without their code changing.
Reads go through aiosqlite on a separate, query-only connection; WAL lets them run beside the
writer. A store opened for reading only (a command that lists or shows) has that connection
alone, in its own thread and without aiosqlite: its coroutines never wait, so they run without
an event loop (`run_to_end`), and asyncio, aiosqlite and the writer's thread are not imported.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from engine.store.errors import StoreError
from engine.store.schema import SCHEMA_VERSION, migrate

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

    import aiosqlite

T = TypeVar("T")

BUSY_TIMEOUT_MS = 10_000
FILE_MODE = 0o600
FOLDER_MODE = 0o700
READER_PRAGMAS = (f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}", "PRAGMA query_only = ON")


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


def run_to_end(coroutine: Coroutine[Any, Any, T]) -> T:
    """The result of a coroutine that never waits (reads of a store opened for reading),
    run without an event loop."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError("a read of a state file opened for reading waited: it needs asyncio")


class Store:
    """An open state file. Create with `await Store.open(path)`, or `Store.open_for_reading(
    path)`; close with `await close()`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer_thread: ThreadPoolExecutor | None = None
        self._writer: sqlite3.Connection | None = None
        # aiosqlite's, or with no writer (open_for_reading) a plain one in this thread
        self._reader: aiosqlite.Connection | sqlite3.Connection | None = None
        self._fence: Callable[[sqlite3.Connection], None] | None = None

    @classmethod
    async def open(cls, path: Path) -> Store:
        """Open (creating and migrating if needed) the state file at `path`."""
        import asyncio
        from concurrent.futures import ThreadPoolExecutor

        store = cls(Path(path))
        store._writer_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
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

    @classmethod
    def open_for_reading(cls, path: Path) -> Store | None:
        """The state file at `path` for reads only (see the module's docstring); None when it
        cannot be read as it is (missing, not migrated, unreadable): `open` creates, migrates or
        says why."""
        store = cls(Path(path))
        if not store.path.exists():
            return None
        try:
            create_private_file(store.path)  # its mode, and no link beside it, as `open` checks
            store._reader = reader = sqlite3.connect(store.path)
            reader.row_factory = sqlite3.Row
            for pragma in READER_PRAGMAS:
                reader.execute(pragma)
            (version,) = reader.execute("PRAGMA user_version").fetchone()
            refuse_unsafe_companions(store.path)  # as SQLite opened them
        except (sqlite3.DatabaseError, OSError, StoreError):
            version = None
        if version != SCHEMA_VERSION:
            run_to_end(store.close())
            return None
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
        import aiosqlite

        reader = await aiosqlite.connect(self.path)
        reader.row_factory = sqlite3.Row
        for pragma in READER_PRAGMAS:
            await reader.execute(pragma)
        return reader

    def _close_writer(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    async def close(self) -> None:
        """Close both connections; SQLite checkpoints the WAL on the last close."""
        reader, self._reader = self._reader, None
        if isinstance(reader, sqlite3.Connection):
            reader.close()
        elif reader is not None:
            await reader.close()
        if self._writer_thread is not None:
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
        import asyncio

        if self._writer_thread is None:
            raise RuntimeError("the state file is open for reading only")
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

    def _reading(self) -> aiosqlite.Connection | sqlite3.Connection:
        if self._reader is None:
            raise RuntimeError("the store is closed")
        return self._reader

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Rows of a query on the reader connection.

        The query runs to its end in one call: a statement left open between two awaits would
        hold its read snapshot, and every other read meanwhile would miss the latest commits
        (an execution just created reported "not found").
        """
        reader = self._reading()
        if isinstance(reader, sqlite3.Connection):  # opened for reading: nothing to wait for
            return reader.execute(sql, params).fetchall()
        return list(await reader.execute_fetchall(sql, params))

    async def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        """The first row of a query that gives at most a few, or None."""
        found = await self.fetch_all(sql, params)
        return found[0] if found else None
