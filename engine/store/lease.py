"""The engine lease: which process runs the engine for a state file, and its fencing.

Exactly one engine runs per state file. It holds the single `engine_lease` row and renews its
heartbeat every HEARTBEAT_EVERY seconds from a thread with its own connection, so a busy event
loop cannot starve it. A holder whose heartbeat is LEASE_TIMEOUT old (or, on this host, whose
process has died) may be replaced. The owner string is new for every engine start, so it is
the fencing token: every write an engine makes first checks, inside the same transaction, that
it still owns the row (`require_lease`), and an engine that cannot prove it held the lease
recently (`Heartbeat.fresh`) starts no action.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import socket
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from engine.store.database import utc_now
from engine.store.errors import StoreError

if TYPE_CHECKING:
    from engine.store.database import Store

LOG = logging.getLogger(__name__)

LEASE_TIMEOUT_ENV = "TRIPLEO_TUI_LEASE_TIMEOUT"
# Seconds without a heartbeat after which another engine may take over (every process working
# on a state file must agree: tests shorten it for all of them through the environment).
LEASE_TIMEOUT = float(os.environ.get(LEASE_TIMEOUT_ENV) or 15.0)
HEARTBEAT_EVERY = LEASE_TIMEOUT / 5
START_LOCK_SUFFIX = ".start-lock"  # beside the state file
EVICT_WAIT = 5.0  # seconds for a killed stalled engine to be gone


class LeaseLost(StoreError):
    """This engine no longer holds the lease: another engine took over the state file."""


@dataclass(frozen=True, slots=True)
class LeaseHolder:
    owner: str
    pid: int
    host: str
    heartbeat: float


def new_owner() -> str:
    """A fencing token no other engine start has used: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{os.urandom(4).hex()}"


def lease_is_live(holder: LeaseHolder | None, now: float) -> bool:
    """Whether the lease holder is a running engine: a recent heartbeat, and on this host a
    process that still runs (a killed engine, or its zombie, counts as gone at once)."""
    if holder is None or now - holder.heartbeat >= LEASE_TIMEOUT:
        return False
    return holder.host != socket.gethostname() or process_alive(holder.pid)


def process_alive(pid: int) -> bool:
    """Whether `pid` runs; a zombie (exited, not yet reaped by its parent) does not."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            # "pid (command) S ...": the state follows the last ')' (the command may hold one).
            return stat.read().rpartition(b")")[2].split()[0] not in (b"Z", b"X")
    except FileNotFoundError:
        return False
    except OSError:  # no /proc here: ask the kernel whether the pid exists
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def evict_stalled_holder(holder: LeaseHolder | None, now: float) -> bool:
    """Kill the engine holding an expired lease if it is a tripleo-tui process on this host
    that still exists: it is stalled (stopped, or stuck past the lease), and may hold the
    state file's write lock, which would keep every other engine out. Killed, it can neither
    keep the lock nor act again when it would have woken. True once it is gone."""
    if (
        holder is None
        or holder.host != socket.gethostname()
        or now - holder.heartbeat < LEASE_TIMEOUT
        or holder.pid == os.getpid()
        or not process_alive(holder.pid)
        or not _runs_tripleo_tui(holder.pid)
    ):
        return False
    LOG.warning("Stopping stalled engine pid %d: its lease expired", holder.pid)
    try:
        os.kill(holder.pid, signal.SIGKILL)
    except OSError:
        return False
    deadline = time.monotonic() + EVICT_WAIT
    while process_alive(holder.pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _runs_tripleo_tui(pid: int) -> bool:
    """Whether `pid` is a tripleo-tui process (and not some other that reused the pid)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            words = cmdline.read().split(b"\0")
    except OSError:
        return False
    return any(b"tripleo_tui" in word or b"tripleo-tui" in word for word in words)


def try_start_lock(state_file: Path) -> int | None:
    """Take the lock a process holds while it starts an engine for `state_file`, so that of
    many commands racing for an engine one starts it: an open descriptor (close it to let go),
    or None if another process holds the lock (it is starting one now)."""
    lock_file = state_file.with_name(state_file.name + START_LOCK_SUFFIX)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def acquire_lease(conn: sqlite3.Connection, owner: str, now: float) -> LeaseHolder | None:
    """Take the lease unless another live engine holds it (`lease_is_live`); return that
    engine if so."""
    row = conn.execute("SELECT * FROM engine_lease WHERE id = 1").fetchone()
    if row is not None and row["owner"] != owner:
        holder = _lease_holder(row)
        if lease_is_live(holder, now):
            return holder
    conn.execute(
        "INSERT INTO engine_lease (id, owner, pid, host, heartbeat, started_at)"
        " VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET owner = excluded.owner,"
        " pid = excluded.pid, host = excluded.host, heartbeat = excluded.heartbeat,"
        " started_at = excluded.started_at",
        (owner, os.getpid(), socket.gethostname(), now, utc_now()),
    )
    return None


def require_lease(conn: sqlite3.Connection, owner: str) -> None:
    """The fence: raise LeaseLost unless `owner` holds the lease (run inside the transaction
    whose writes it guards, so they commit only while the lease is held)."""
    if conn.execute("SELECT 1 FROM engine_lease WHERE id = 1 AND owner = ?", (owner,)).fetchone():
        return
    raise LeaseLost("Another engine took over this state file; this engine stopped")


def renew_lease(conn: sqlite3.Connection, owner: str, now: float) -> bool:
    """Heartbeat; False if another engine took the lease over."""
    cursor = conn.execute(
        "UPDATE engine_lease SET heartbeat = ? WHERE id = 1 AND owner = ?", (now, owner)
    )
    return cursor.rowcount == 1


def release_lease(conn: sqlite3.Connection, owner: str) -> None:
    conn.execute("DELETE FROM engine_lease WHERE id = 1 AND owner = ?", (owner,))


async def lease_holder(store: Store) -> LeaseHolder | None:
    row = await store.fetch_one("SELECT * FROM engine_lease WHERE id = 1")
    return None if row is None else _lease_holder(row)


def _lease_holder(row: sqlite3.Row) -> LeaseHolder:
    return LeaseHolder(row["owner"], row["pid"], row["host"], row["heartbeat"])


class Heartbeat:
    """Renews `owner`'s lease on `path` from its own thread and connection.

    `on_lost(reason)` is called (from that thread) once the lease is found taken over, or when
    it could not be renewed for so long that another engine may have taken it.
    """

    def __init__(self, path: Path, owner: str, on_lost: Callable[[str], None]) -> None:
        self.path = path
        self.owner = owner
        self._on_lost = on_lost
        self._renewed = time.monotonic()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="engine-heartbeat", daemon=True)

    def start(self, acquired_at: float) -> None:
        """Start beating; `acquired_at` is the monotonic time just before the lease was taken."""
        self._renewed = acquired_at
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=HEARTBEAT_EVERY + 1)

    @property
    def fresh(self) -> bool:
        """Whether the lease was surely ours a moment ago: renewed within the time another
        engine must wait, less one beat for clock drift and a slow renewal."""
        return time.monotonic() - self._renewed < LEASE_TIMEOUT - HEARTBEAT_EVERY

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=HEARTBEAT_EVERY)
        failure = ""
        try:
            while not self._stopping.wait(HEARTBEAT_EVERY):
                began = time.monotonic()
                try:
                    if not renew_lease(conn, self.owner, time.time()):
                        self._on_lost("another engine took over this state file")
                        return
                    self._renewed, failure = began, ""
                except sqlite3.Error as error:
                    LOG.warning("Cannot renew the engine lease: %s", error)
                    failure = f": {error}"
                if not self.fresh:
                    self._on_lost(f"its lease was not renewed in time{failure}")
                    return
        finally:
            conn.close()
