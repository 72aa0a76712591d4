"""The std.* actions that need no server."""

from __future__ import annotations

import time

import pytest

from engine.actions import run_action


async def test_noop_returns_null():
    outcome = await run_action("std.noop", {})
    assert outcome.ok and outcome.data is None and not outcome.pending


async def test_async_noop_is_left_pending():
    outcome = await run_action("std.async_noop", {})
    assert outcome.ok and outcome.pending


@pytest.mark.parametrize("output", ["text", 0, None, [1, {"a": True}]])
async def test_echo_returns_its_output(output):
    assert (await run_action("std.echo", {"output": output})).data == output


async def test_echo_delay_waits():
    started = time.monotonic()
    outcome = await run_action("std.echo", {"output": "late", "delay": 0.1})
    assert outcome.data == "late"
    assert time.monotonic() - started >= 0.1


async def test_fail_without_data_raises_mistrals_message():
    outcome = await run_action("std.fail", {})
    assert outcome.error == "Fail action expected exception."
    assert outcome.data is None


async def test_fail_with_data_reports_it_as_the_error():
    outcome = await run_action("std.fail", {"error_data": {"code": 7}})
    assert outcome.error == {"code": 7}


@pytest.mark.parametrize(("seconds", "at_least"), [(0.1, 0.1), (-3, 0), ("bad", 0)])
async def test_sleep_waits_the_given_seconds(seconds, at_least):
    started = time.monotonic()
    outcome = await run_action("std.sleep", {"seconds": seconds})
    elapsed = time.monotonic() - started
    assert outcome.ok and outcome.data is None
    assert at_least <= elapsed < at_least + 1


async def test_test_dict_builds_prefixed_keys():
    outcome = await run_action("std.test_dict", {"size": 3, "key_prefix": "k", "val": "v"})
    assert outcome.data == {"k0": "v", "k1": "v", "k2": "v"}
    assert (await run_action("std.test_dict", {})).data == {}
