"""ironic.* actions against the real sandbox Ironic and hostile endpoints (issue 15, failure 4):
a refused port fails at once, a silent Ironic fails at the read timeout without starving other
actions, and a changed endpoint is picked up without a restart."""

from __future__ import annotations

import asyncio
import os
import shutil
import time

import pytest

from engine import clouds, sandbox
from engine.actions import pools, run_action
from engine.clouds import NO_ENDPOINT


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch):
    """Point engine.clouds at an endpoint with OS_ENDPOINT, as a user would (no reset)."""
    for name in list(os.environ):
        if name.startswith("OS_"):
            monkeypatch.delenv(name)
    clouds.reset()
    yield lambda url: monkeypatch.setenv("OS_ENDPOINT", url)
    clouds.reset()


async def test_a_refused_ironic_fails_in_about_a_second(endpoint, refused_url):
    endpoint(refused_url)
    started = time.monotonic()
    outcome = await run_action("ironic.node_list", {})
    took = time.monotonic() - started
    assert outcome.error == (
        f"ironic.node_list failed: cannot reach Ironic at {refused_url}: Connection refused"
    )
    assert took < 1.5, took


async def test_a_silent_ironic_does_not_starve_other_actions(
    endpoint, silent_url, ironic_sandbox, action_limits
):
    action_limits(READ_TIMEOUT=3)
    endpoint(silent_url)
    hung_at = time.monotonic()
    hung = [
        asyncio.create_task(run_action("ironic.node_list", {}))
        for _ in range(pools.pool_for("ironic.node_list").size)
    ]
    await asyncio.sleep(0.3)
    started = time.monotonic()
    healthy = await run_action("std.http", {"url": f"{ironic_sandbox}/v1"})
    assert healthy.ok, healthy.error
    assert time.monotonic() - started < 1
    assert not any(task.done() for task in hung)
    outcomes = await asyncio.gather(*hung)
    assert time.monotonic() - hung_at < 5  # together, not one read timeout after another
    for outcome in outcomes:
        assert outcome.error == (
            f"ironic.node_list failed: no answer from Ironic at {silent_url} "
            "(timeouts: connect 3.0 s, read 3.0 s)"
        )


async def test_a_new_endpoint_is_used_without_a_restart(endpoint, refused_url, ironic_sandbox):
    endpoint(refused_url)
    assert "cannot reach" in (await run_action("ironic.node_list", {})).error
    endpoint(ironic_sandbox)
    assert (await run_action("ironic.node_list", {"fields": ["uuid"]})).ok


async def test_a_sandbox_started_later_is_found_without_a_restart(
    endpoint, ironic_sandbox_dir, tmp_path, monkeypatch
):
    monkeypatch.setenv(sandbox.DIR_ENV, str(tmp_path))
    clouds.add_endpoint_source(sandbox.ENDPOINT_SOURCE)  # as the engine and the console do
    assert (
        await run_action("ironic.node_list", {})
    ).error == f"ironic.node_list failed: {NO_ENDPOINT}"
    shutil.copy(ironic_sandbox_dir / "sandbox.json", tmp_path / "sandbox.json")  # `sandbox up`
    outcome = await run_action("ironic.node_list", {"fields": ["uuid"]})
    assert outcome.ok, outcome.error
