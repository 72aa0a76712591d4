"""tripleo-tui queue-list / queue-messages, in-process on a real state file."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from engine.store import Store, queues
from tripleo_tui.cli import main


@pytest.fixture(autouse=True)
def restore_logging():
    """`main()` configures the root logger as a process would; undo it for the next tests."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def message(kind: str, status: str, text: str, execution: str) -> queues.NewMessage:
    body = {
        "type": kind,
        "payload": {"status": status, "message": text, "execution": {"id": execution}},
    }
    return queues.NewMessage(body)


@pytest.fixture
def cli(tmp_path, capsys):
    db = tmp_path / "state.sqlite"

    async def fill():
        store = await Store.open(db)
        await store.write(
            queues.post_messages,
            "tripleo",
            [
                message("tripleo.baremetal.v1.manage", "SUCCESS", "1 node(s) set.", "e1"),
                message("tripleo.baremetal.v1.tag_node", "FAILED", "x" * 80, "e2"),
            ],
            1_700_000_000.0,
        )
        await store.write(queues.post_messages, "other", [queues.NewMessage("hi")], 1_700_000_100.0)
        await store.close()

    asyncio.run(fill())

    def run(*args):
        code = main(["--db", str(db), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_queue_list_shows_names_counts_and_update_times(cli):
    code, out, err = cli("queue-list", "-f", "json")
    assert code == 0, err
    assert json.loads(out) == [
        {"Name": "other", "Messages": 1, "Updated at": "2023-11-14 22:15:00"},
        {"Name": "tripleo", "Messages": 2, "Updated at": "2023-11-14 22:13:20"},
    ]


def test_queue_messages_lists_type_status_message_and_execution(cli):
    code, out, err = cli("queue-messages", "tripleo", "-f", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert [(r["Type"], r["Status"], r["Execution"]) for r in rows] == [
        ("tripleo.baremetal.v1.manage", "SUCCESS", "e1"),
        ("tripleo.baremetal.v1.tag_node", "FAILED", "e2"),
    ]
    assert rows[1]["Message"] == "x" * 80  # whole in json, cut in the table
    assert rows[0]["Created at"] == "2023-11-14 22:13:20"

    code, out, err = cli("queue-messages", "tripleo", "--execution", "e2", "-c", "Message")
    assert code == 0, err
    assert "x" * 60 + "..." in out and "x" * 61 not in out
    assert "1 node(s) set." not in out


def test_queue_messages_of_an_unknown_queue_is_an_error(cli):
    code, out, err = cli("queue-messages", "nope")
    assert code == 1
    assert err.strip() == "ERROR: Queue 'nope' not found"
