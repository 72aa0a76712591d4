"""Durable message queues, our Zaqar: FIFO messages per queue in the state file.

Zaqar's rules where they matter to workflows: a message lives `ttl` seconds when it was posted
with one (without, it is kept until popped or deleted, so the console can show every TripleO
notification); a claim hides messages from other claims for its `ttl` and keeps them alive for
`ttl + grace`. Writes are functions of a `sqlite3.Connection` for `Store.write` (one transaction
each); reads are coroutines on the store's reader. Times are Unix seconds passed in by the
caller, so tests control the clock.
"""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from engine.store.database import Store
from engine.store.records import to_record

QUEUE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # as `utc_now()` writes the other tables' times


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message to post: its body, and its ttl in seconds (None: kept until deleted)."""

    body: Any
    ttl: int | None = None


@dataclass(frozen=True, slots=True)
class QueueRecord:
    name: str
    messages: int
    created_at: str
    updated_at: str


@dataclass(frozen=True, slots=True)
class MessageRecord:
    """A stored message; `type`, `status`, `message` and `execution_id` are read from a TripleO
    body (`{type, payload: {status, message, execution: {id}}}`) for listings."""

    id: str
    queue_name: str
    body: Any
    ttl: int | None
    type: str | None
    status: str | None
    message: str | None
    execution_id: str | None
    created_at: str
    age: int
    claim_id: str | None

    def as_zaqar(self) -> dict[str, Any]:
        """The message as Zaqar's API returns it."""
        return {
            "id": self.id,
            "href": f"/v2/queues/{self.queue_name}/messages/{self.id}",
            "ttl": self.ttl,
            "age": self.age,
            "body": self.body,
            "claim_id": self.claim_id,
        }


class QueueError(ValueError):
    """A bad queue name or message; nothing was stored."""


def check_queue_name(name: Any) -> str:
    if not isinstance(name, str) or not QUEUE_NAME.match(name):
        raise QueueError(f"Invalid queue name {name!r}: use 1 to 64 letters, digits, '_' or '-'")
    return name


def format_time(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime(TIME_FORMAT)


# ---- writes (run through Store.write) ------------------------------------------------------


def post_messages(
    conn: sqlite3.Connection,
    queue_name: str,
    messages: Sequence[NewMessage],
    now: float,
    execution_id: str | None = None,
) -> list[str]:
    """Append `messages` to the queue (created on first use); return their new ids.

    `execution_id` is recorded for bodies that do not name their execution.
    """
    check_queue_name(queue_name)
    _purge_expired(conn, queue_name, now)
    conn.execute(
        "INSERT INTO queues (name, created_at, updated_at) VALUES (?1, ?2, ?2)"
        " ON CONFLICT(name) DO UPDATE SET updated_at = ?2",
        (queue_name, now),
    )
    ids = []
    for message in messages:
        message_id = str(uuid.uuid4())
        kind, status, text, body_execution = _summary(message.body)
        conn.execute(
            "INSERT INTO queue_messages (id, queue_name, body, ttl, type, status, message,"
            " execution_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                message_id,
                queue_name,
                json.dumps(message.body),
                message.ttl,
                kind,
                status,
                text,
                body_execution or execution_id,
                now,
                None if message.ttl is None else now + message.ttl,
            ),
        )
        ids.append(message_id)
    return ids


def claim_messages(
    conn: sqlite3.Connection, queue_name: str, ttl: int, grace: int, limit: int, now: float
) -> list[MessageRecord]:
    """Claim up to `limit` unclaimed messages, oldest first, under one new claim id."""
    _purge_expired(conn, queue_name, now)
    rows = conn.execute(
        f"SELECT seq FROM queue_messages WHERE queue_name = ? AND {_UNCLAIMED}"
        " ORDER BY seq LIMIT ?",
        (queue_name, now, limit),
    ).fetchall()
    claim_id = str(uuid.uuid4())
    seqs = [row["seq"] for row in rows]
    conn.executemany(
        "UPDATE queue_messages SET claim_id = ?, claim_expires_at = ?,"
        " expires_at = CASE WHEN expires_at IS NULL THEN NULL ELSE MAX(expires_at, ?) END"
        " WHERE seq = ?",
        [(claim_id, now + ttl, now + ttl + grace, seq) for seq in seqs],
    )
    return _records(_rows_by_seq(conn, seqs), now)


def pop_messages(
    conn: sqlite3.Connection, queue_name: str, count: int, now: float
) -> list[MessageRecord]:
    """Remove and return up to `count` unclaimed messages, oldest first."""
    _purge_expired(conn, queue_name, now)
    rows = conn.execute(
        f"SELECT * FROM queue_messages WHERE queue_name = ? AND {_UNCLAIMED} ORDER BY seq LIMIT ?",
        (queue_name, now, count),
    ).fetchall()
    conn.executemany("DELETE FROM queue_messages WHERE seq = ?", [(row["seq"],) for row in rows])
    return _records(rows, now)


def delete_messages(conn: sqlite3.Connection, queue_name: str, ids: Iterable[str]) -> int:
    """Delete the messages with these ids from the queue; ids not there are ignored."""
    cursor = conn.executemany(
        "DELETE FROM queue_messages WHERE queue_name = ? AND id = ?",
        [(queue_name, message_id) for message_id in ids],
    )
    return cursor.rowcount


# ---- reads ---------------------------------------------------------------------------------


async def list_queues(store: Store, now: float) -> list[QueueRecord]:
    """Every queue with its count of live messages, most recently updated first."""
    rows = await store.fetch_all(
        "SELECT q.name, q.created_at, q.updated_at, COUNT(m.seq) AS messages FROM queues q"
        " LEFT JOIN queue_messages m ON m.queue_name = q.name"
        " AND (m.expires_at IS NULL OR m.expires_at > ?)"
        " GROUP BY q.name ORDER BY q.updated_at DESC, q.name",
        (now,),
    )
    times = {"created_at": format_time, "updated_at": format_time}
    return [to_record(QueueRecord, row, times) for row in rows]


async def find_queue(store: Store, name: str, now: float) -> QueueRecord | None:
    return next((queue for queue in await list_queues(store, now) if queue.name == name), None)


async def list_messages(
    store: Store,
    queue_name: str,
    now: float,
    *,
    include_claimed: bool = True,
    limit: int | None = None,
    marker: str | None = None,
) -> list[MessageRecord]:
    """Live messages of a queue, oldest first; after the message `marker` when given."""
    sql = (
        "SELECT * FROM queue_messages WHERE queue_name = ?"
        " AND (expires_at IS NULL OR expires_at > ?)"
    )
    params: list[Any] = [queue_name, now]
    if not include_claimed:
        sql += f" AND {_UNCLAIMED}"
        params.append(now)
    if marker is not None:
        sql += " AND seq > COALESCE((SELECT seq FROM queue_messages WHERE id = ?), 0)"
        params.append(marker)
    sql += " ORDER BY seq"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return _records(await store.fetch_all(sql, params), now)


async def messages_of_execution(store: Store, execution_id: str, now: float) -> list[MessageRecord]:
    """Live messages an execution posted, in any queue, oldest first."""
    rows = await store.fetch_all(
        "SELECT * FROM queue_messages WHERE execution_id = ?"
        " AND (expires_at IS NULL OR expires_at > ?) ORDER BY seq",
        (execution_id, now),
    )
    return _records(rows, now)


# ---- helpers -------------------------------------------------------------------------------

_UNCLAIMED = "(claim_id IS NULL OR claim_expires_at <= ?)"


def _purge_expired(conn: sqlite3.Connection, queue_name: str, now: float) -> None:
    conn.execute(
        "DELETE FROM queue_messages WHERE queue_name = ? AND expires_at <= ?", (queue_name, now)
    )


def _rows_by_seq(conn: sqlite3.Connection, seqs: list[int]) -> list[sqlite3.Row]:
    return [
        conn.execute("SELECT * FROM queue_messages WHERE seq = ?", (seq,)).fetchone()
        for seq in seqs
    ]


MESSAGE_DECODERS = {"body": json.loads, "created_at": format_time}


def _records(rows: Iterable[sqlite3.Row], now: float) -> list[MessageRecord]:
    return [
        to_record(
            MessageRecord,
            row,
            MESSAGE_DECODERS,
            age=max(int(now - row["created_at"]), 0),
            claim_id=row["claim_id"]
            if row["claim_expires_at"] is not None and row["claim_expires_at"] > now
            else None,
        )
        for row in rows
    ]


def _summary(body: Any) -> tuple[str | None, str | None, str | None, str | None]:
    """(type, status, message, execution id) of a TripleO message body; None where absent."""
    if not isinstance(body, Mapping):
        return None, None, None, None
    payload = body.get("payload")
    payload = payload if isinstance(payload, Mapping) else {}
    execution = payload.get("execution")
    execution_id = execution.get("id") if isinstance(execution, Mapping) else None
    message = payload.get("message")
    if message is not None and not isinstance(message, str):
        message = json.dumps(message)
    return (
        _text(body.get("type")),
        _text(payload.get("status")),
        message,
        _text(execution_id),
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
