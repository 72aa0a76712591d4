"""Actions bounded in time, memory and threads, against hostile servers on loopback (issue 15,
failure 4): a refused port, a server that never answers, a 100 MB body, a hung service pool."""

from __future__ import annotations

import asyncio
import threading
import time
import tracemalloc

from engine.actions import ActionContext, Result, pools, run_action, run_descriptor
from tests.actions.test_runner import ResultAction, descriptor
from tests.hostile_servers import MB


async def test_a_refused_port_fails_in_about_a_second_without_object_addresses(refused_url):
    started = time.monotonic()
    outcome = await run_action("std.http", {"url": f"{refused_url}/"})
    took = time.monotonic() - started
    assert outcome.error == (
        f"Failed to send HTTP request: cannot reach {refused_url}/: Connection refused"
    )
    assert took < 1.5, took


async def test_a_silent_server_fails_at_the_default_read_timeout(silent_url, action_limits):
    action_limits(READ_TIMEOUT=1)
    started = time.monotonic()
    outcome = await run_action("std.http", {"url": f"{silent_url}/"})
    took = time.monotonic() - started
    assert outcome.error == (
        f"Failed to send HTTP request: no answer from {silent_url}/ within 1.0 s (read timeout)"
    )
    assert 0.9 < took < 3, took


async def test_an_explicit_timeout_input_wins_over_the_default(silent_url, action_limits):
    action_limits(READ_TIMEOUT=30)
    started = time.monotonic()
    outcome = await run_action("std.http", {"url": f"{silent_url}/", "timeout": 0.5})
    assert "within 0.5 s (read timeout)" in outcome.error
    assert time.monotonic() - started < 3


async def test_a_100_mb_body_is_refused_without_holding_it(huge_body_server):
    for path in ("/sized", "/unsized"):
        tracemalloc.start()
        outcome = await run_action("std.http", {"url": huge_body_server.url + path})
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert outcome.error.startswith(
            "Field size limit exceeded [class=ActionExecution, field=output, size="
        ), outcome.error
        assert "limit=1024KB]" in outcome.error
        assert peak < 8 * MB, f"{path}: peak {peak / MB:.1f} MB"
    assert huge_body_server.sent_all is False  # we hung up before the end


async def test_a_body_under_the_limit_is_kept(huge_body_server, action_limits):
    action_limits(RESULT_LIMIT_KB=-1)
    outcome = await run_action("std.http", {"url": huge_body_server.url + "/unsized"})
    assert len(outcome.data["content"]) == 100 * MB


async def test_any_result_over_the_limit_fails_the_action(action_limits):
    action_limits(RESULT_LIMIT_KB=1)
    kept = await run_action("std.echo", {"output": "x" * 1000})
    assert kept.data == "x" * 1000
    refused = await run_action("std.echo", {"output": ["x" * 600, "y" * 600]})
    assert refused.error.startswith(
        "Field size limit exceeded [class=ActionExecution, field=output, size=1KB, limit=1KB]"
    )
    error_data = await run_descriptor(
        descriptor(ResultAction), {"result": Result(error={"body": "z" * 2000})}, ActionContext()
    )
    assert error_data.error.startswith("Field size limit exceeded")


async def test_hung_calls_in_one_pool_leave_the_others_free(silent_url, http_url, action_limits):
    action_limits(READ_TIMEOUT=5)
    size = pools.pool_for("std.http").size
    hung = [
        asyncio.create_task(run_action("std.http", {"url": f"{silent_url}/{n}"}))
        for n in range(size)
    ]
    await asyncio.sleep(0.3)  # every http worker is now waiting on the silent server
    started = time.monotonic()
    other = await run_action("std.echo", {"output": "still here"})
    assert other.data == "still here"
    assert time.monotonic() - started < 1
    assert not any(task.done() for task in hung)
    late = await run_action("std.http", {"url": f"{http_url}/echo"})  # queued behind the hung
    assert late.ok
    assert all("read timeout" in outcome.error for outcome in await asyncio.gather(*hung))


async def test_the_task_timeout_is_the_read_timeout_when_given(silent_url, action_limits):
    action_limits(READ_TIMEOUT=0.2)
    context = ActionContext(timeout=1)
    started = time.monotonic()
    outcome = await run_action("std.http", {"url": f"{silent_url}/"}, context)
    assert "within 1.0 s (read timeout)" in outcome.error
    assert time.monotonic() - started >= 0.9


async def test_a_pool_grows_for_a_call_while_others_hang():
    """After many calls one at a time (one thread was enough), hung calls still get threads
    of their own and a new call runs at once while the pool has room."""
    pool = pools.DaemonPool("test", 4)
    loop = asyncio.get_running_loop()
    for number in range(50):
        assert await loop.run_in_executor(pool, abs, -number) == number
    release = threading.Event()
    hung = [loop.run_in_executor(pool, release.wait) for _ in range(3)]
    started = time.monotonic()
    assert await loop.run_in_executor(pool, abs, -7) == 7
    assert time.monotonic() - started < 0.5
    release.set()
    assert await asyncio.gather(*hung) == [True] * 3
