"""queue-list and queue-messages: what workflows posted with zaqar.queue_post (TripleO's
status messages), read from the state file."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from tripleo_tui.cli import CommandAdder, argument, id_argument
from tripleo_tui.formatting import Listing, cut

if TYPE_CHECKING:
    from engine.api import Backend

QUEUE_COLUMNS = ("Name", "Messages", "Updated at")
MESSAGE_COLUMNS = ("ID", "Type", "Status", "Message", "Execution", "Created at")
MESSAGE_WIDTH = 60


async def queue_list(api: Backend, args: argparse.Namespace) -> Listing:
    found = await api.list_queues()
    return Listing(QUEUE_COLUMNS, tuple((q.name, q.messages, q.updated_at) for q in found))


async def queue_messages(api: Backend, args: argparse.Namespace) -> Listing:
    records = await api.list_messages(args.name)
    if args.execution:
        records = [record for record in records if record.execution_id == args.execution]
    if args.limit is not None:
        records = records[-args.limit :]
    full = getattr(args, "format", "table") != "table"
    rows = tuple(
        (
            record.id,
            record.type,
            record.status,
            record.message if full else cut(record.message, MESSAGE_WIDTH),
            record.execution_id,
            record.created_at,
        )
        for record in records
    )
    return Listing(MESSAGE_COLUMNS, rows)


def register(commands: CommandAdder) -> None:
    commands.add("queue-list", queue_list, "List message queues with their message counts.")
    commands.add(
        "queue-messages",
        queue_messages,
        "List a queue's messages, oldest first.",
        argument("name", metavar="NAME", help="queue name, e.g. tripleo"),
        id_argument(
            "execution", "--execution", metavar="ID", help="only messages of this execution"
        ),
        argument(
            "--limit", type=int, metavar="N", help="only the newest N messages (default: all)"
        ),
    )
