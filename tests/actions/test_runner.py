"""Running actions: threads for blocking ones, outcomes, errors, secrets, cancellation."""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import pytest

from engine.actions import (
    Action,
    ActionContext,
    ActionDescriptor,
    ActionNotFound,
    ExecutionInfo,
    Result,
    run_action,
    run_descriptor,
)


class ThreadProbeAction(Action):
    """Blocks briefly and reports the thread it ran on and the context it was given."""

    def __init__(self, pause=0.0):
        self.pause = pause

    def run(self, context):
        time.sleep(self.pause)
        return {"thread": threading.get_ident(), "task": context.execution.task_id}


class LoopProbeAction(Action):
    async def run(self, context):
        return threading.get_ident()


class LeakyAction(Action):
    """Fails with its password in the exception text, as careless client libraries do."""

    def __init__(self, password):
        self.password = password

    def secret_values(self):
        return [self.password]

    def run(self, context):
        raise RuntimeError(f"login refused for password {self.password}")


class ResultAction(Action):
    def __init__(self, result):
        self.result = result

    async def run(self, context):
        return self.result


def descriptor(action_class):
    return ActionDescriptor.from_class(f"test.{action_class.__name__}", action_class)


async def test_blocking_run_happens_off_the_event_loop_thread():
    context = ActionContext(execution=ExecutionInfo(task_id="t-1"))
    outcome = await run_descriptor(descriptor(ThreadProbeAction), {}, context)
    assert outcome.data["thread"] != threading.get_ident()
    assert outcome.data["task"] == "t-1"


async def test_async_run_happens_on_the_event_loop_thread():
    outcome = await run_descriptor(descriptor(LoopProbeAction), {}, ActionContext())
    assert outcome.data == threading.get_ident()


async def test_blocking_actions_do_not_stall_the_loop():
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticking = asyncio.create_task(ticker())
    await run_descriptor(descriptor(ThreadProbeAction), {"pause": 0.2}, ActionContext())
    ticking.cancel()
    assert ticks >= 5


async def test_unexpected_exception_becomes_an_error_without_traceback_or_secret(caplog):
    outcome = await run_descriptor(
        descriptor(LeakyAction), {"password": "pw-9876"}, ActionContext()
    )
    assert outcome.error == "RuntimeError: login refused for password ***"
    assert "Traceback" not in outcome.error
    assert "Traceback" in caplog.text  # the log keeps the traceback ...
    assert "pw-9876" not in caplog.text  # ... but not the secret


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (Result(data={"a": 1}), {"data": {"a": 1}, "error": None, "cancelled": False}),
        (Result(error="bad"), {"data": None, "error": "bad", "cancelled": False}),
        (Result(cancel=True), {"data": None, "error": None, "cancelled": True}),
        ((1, 2), {"data": [1, 2], "error": None, "cancelled": False}),
    ],
)
async def test_results_map_to_outcomes(result, expected):
    outcome = await run_descriptor(descriptor(ResultAction), {"result": result}, ActionContext())
    assert {"data": outcome.data, "error": outcome.error, "cancelled": outcome.cancelled} == (
        expected
    )
    assert outcome.ok == (expected["error"] is None and not expected["cancelled"])


async def test_invalid_input_is_an_error_outcome():
    outcome = await run_action("std.sleep", {"second": 1})
    assert outcome.error == (
        "Invalid input [name=std.sleep, class=SleepAction, unexpected=['second']]"
    )


async def test_unknown_action_raises():
    with pytest.raises(ActionNotFound):
        await run_action("std.nope", {})


async def test_cancelling_the_caller_cancels_a_native_async_action():
    started = time.monotonic()
    task = asyncio.create_task(run_action("std.sleep", {"seconds": 30}))
    await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 5


async def test_success_is_logged_quietly(caplog):
    caplog.set_level(logging.INFO)
    await run_action("std.echo", {"output": "x"})
    assert "failed" not in caplog.text
