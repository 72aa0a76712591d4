"""zaqar.* actions on a real state file: post, list, claim, pop, delete, expiry, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.actions import ActionContext, ExecutionInfo, get_action, run_action
from engine.store import Store, queues

EXECUTION = {"id": "exec-1", "name": "tripleo.baremetal.v1.tag_node", "input": {}}


def tripleo_message(status: str = "SUCCESS", message: object = "done") -> dict:
    return {
        "body": {
            "type": "tripleo.baremetal.v1.tag_node",
            "payload": {"status": status, "message": message, "execution": EXECUTION},
        }
    }


@pytest.fixture
async def store(tmp_path: Path):
    store = await Store.open(tmp_path / "state.sqlite")
    yield store
    await store.close()


@pytest.fixture
def context(store: Store) -> ActionContext:
    return ActionContext(ExecutionInfo(workflow_execution_id="exec-parent"), store=store)


async def run(name: str, context: ActionContext, **given):
    outcome = await run_action(name, given, context)
    assert outcome.error is None, outcome.error
    return outcome.data


def test_inputs_as_action_list_shows_them():
    assert get_action("zaqar.queue_post").input_text == "queue_name, messages"
    assert get_action("zaqar.queue_pop").input_text == "queue_name, count=1"
    assert get_action("zaqar.delete_messages").input_text == "queue_name, messages"
    assert get_action("zaqar.claim_messages").input_text == (
        "queue_name, ttl=300, grace=60, limit=10"
    )
    assert get_action("zaqar.queue_messages").input_text == (
        "queue_name, include_claimed=false, limit=null, marker=null"
    )


async def test_a_tripleo_message_is_stored_and_listed(context, store):
    posted = await run(
        "zaqar.queue_post", context, queue_name="tripleo", messages=tripleo_message()
    )
    [href] = posted["resources"]
    assert href.startswith("/v2/queues/tripleo/messages/")

    [listed] = await run("zaqar.queue_messages", context, queue_name="tripleo")
    assert listed["body"] == tripleo_message()["body"]
    assert href.endswith(listed["id"]) and listed["href"] == href
    assert listed["claim_id"] is None and listed["ttl"] is None

    [record] = await queues.list_messages(store, "tripleo", now=10**10)
    assert (record.type, record.status, record.message, record.execution_id) == (
        "tripleo.baremetal.v1.tag_node",
        "SUCCESS",
        "done",
        "exec-1",
    )
    [queue] = await queues.list_queues(store, now=10**10)
    assert (queue.name, queue.messages) == ("tripleo", 1)


async def test_messages_survive_closing_the_state_file(tmp_path):
    path = tmp_path / "state.sqlite"
    first = await Store.open(path)
    await run(
        "zaqar.queue_post",
        ActionContext(store=first),
        queue_name="q",
        messages=[{"body": 1}, {"body": 2}],
    )
    await first.close()
    again = await Store.open(path)
    try:
        bodies = await run("zaqar.queue_messages", ActionContext(store=again), queue_name="q")
        assert [message["body"] for message in bodies] == [1, 2]
    finally:
        await again.close()


async def test_a_body_without_an_execution_records_the_posting_execution(context, store):
    await run("zaqar.queue_post", context, queue_name="plain", messages={"body": "hi"})
    [record] = await queues.list_messages(store, "plain", now=10**10)
    assert (record.execution_id, record.type, record.status) == ("exec-parent", None, None)


async def test_non_text_message_is_kept_as_json_for_listings(context, store):
    await run(
        "zaqar.queue_post", context, queue_name="q", messages=tripleo_message("FAILED", {"a": 1})
    )
    [record] = await queues.list_messages(store, "q", now=10**10)
    assert record.message == '{"a": 1}'


async def test_pop_takes_the_oldest_and_removes_them(context):
    await run("zaqar.queue_post", context, queue_name="q", messages=[{"body": n} for n in range(3)])
    popped = await run("zaqar.queue_pop", context, queue_name="q", count=2)
    assert [message["body"] for message in popped] == [0, 1]
    left = await run("zaqar.queue_messages", context, queue_name="q")
    assert [message["body"] for message in left] == [2]


async def test_claims_hide_messages_from_other_claims(context):
    await run("zaqar.queue_post", context, queue_name="q", messages=[{"body": n} for n in range(3)])
    first = await run("zaqar.claim_messages", context, queue_name="q", limit=2)
    second = await run("zaqar.claim_messages", context, queue_name="q", limit=2)
    assert [message["body"] for message in first] == [0, 1]
    assert [message["body"] for message in second] == [2]
    assert first[0]["claim_id"] == first[1]["claim_id"] != second[0]["claim_id"]
    assert await run("zaqar.queue_messages", context, queue_name="q") == []
    everything = await run("zaqar.queue_messages", context, queue_name="q", include_claimed=True)
    assert len(everything) == 3
    assert await run("zaqar.queue_pop", context, queue_name="q") == []


async def test_delete_by_ids_or_by_messages(context):
    await run("zaqar.queue_post", context, queue_name="q", messages=[{"body": n} for n in range(3)])
    messages = await run("zaqar.queue_messages", context, queue_name="q")
    await run("zaqar.delete_messages", context, queue_name="q", messages=[messages[0]["id"]])
    await run("zaqar.delete_messages", context, queue_name="q", messages=messages[2:])
    left = await run("zaqar.queue_messages", context, queue_name="q")
    assert [message["body"] for message in left] == [1]


async def test_limit_and_marker_page_through_a_queue(context):
    await run("zaqar.queue_post", context, queue_name="q", messages=[{"body": n} for n in range(5)])
    page = await run("zaqar.queue_messages", context, queue_name="q", limit=2)
    after = await run("zaqar.queue_messages", context, queue_name="q", marker=page[-1]["id"])
    assert [message["body"] for message in page] == [0, 1]
    assert [message["body"] for message in after] == [2, 3, 4]


async def test_ttl_expires_messages_and_claims_extend_them(store):
    ttl_message = queues.NewMessage({"n": 1}, ttl=60)
    await store.write(queues.post_messages, "q", [ttl_message, queues.NewMessage(2)], 1000.0)
    assert len(await queues.list_messages(store, "q", now=1059.0)) == 2
    assert [r.body for r in await queues.list_messages(store, "q", now=1061.0)] == [2]

    await store.write(queues.post_messages, "r", [ttl_message], 2000.0)
    [claimed] = await store.write(queues.claim_messages, "r", 100, 50, 10, 2010.0)
    assert claimed.claim_id is not None
    # Claimed at 2010 for 100 s with 50 s grace: alive until 2160, not 2060.
    assert len(await queues.list_messages(store, "r", now=2150.0)) == 1
    assert await queues.list_messages(store, "r", now=2161.0) == []
    # Once the claim is over the message can be claimed again.
    [again] = await store.write(queues.claim_messages, "r", 60, 0, 10, 2111.0)
    assert again.claim_id != claimed.claim_id


async def test_queue_list_counts_live_messages(store):
    await store.write(queues.post_messages, "a", [queues.NewMessage(1, ttl=60)], 100.0)
    await store.write(
        queues.post_messages, "b", [queues.NewMessage(1), queues.NewMessage(2)], 200.0
    )
    listed = await queues.list_queues(store, now=170.0)
    assert [(queue.name, queue.messages) for queue in listed] == [("b", 2), ("a", 0)]
    assert listed[0].updated_at == "1970-01-01 00:03:20"


@pytest.mark.parametrize(
    ("given", "error"),
    [
        (
            {"queue_name": "bad name", "messages": {"body": 1}},
            "zaqar.queue_post failed: Invalid queue name 'bad name': use 1 to 64 letters, "
            "digits, '_' or '-'",
        ),
        (
            {"queue_name": "q", "messages": [{"body": 1}, {"text": 2}]},
            "zaqar.queue_post failed: message 2 has no 'body' (keys: ['text'])",
        ),
        (
            {"queue_name": "q", "messages": ["text"]},
            "zaqar.queue_post failed: message 1 must be a dict {body: ..., ttl: seconds}, not str",
        ),
        (
            {"queue_name": "q", "messages": {"body": 1, "ttl": 5}},
            "zaqar.queue_post failed: message 1 ttl must be an integer >= 60, not 5",
        ),
    ],
)
async def test_bad_input_is_refused_and_stores_nothing(context, store, given, error):
    outcome = await run_action("zaqar.queue_post", given, context)
    assert outcome.error == error
    assert await queues.list_queues(store, now=10**10) == []


async def test_without_a_state_file_the_action_says_so():
    outcome = await run_action("zaqar.queue_pop", {"queue_name": "q"}, ActionContext())
    assert outcome.error == (
        "zaqar.queue_pop needs the state file; run it from a workflow or the API"
    )
