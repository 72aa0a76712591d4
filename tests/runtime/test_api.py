"""The executions API on a real state file: steering, environments, actions, changes."""

import asyncio

import pytest

from engine.api.embedded import EmbeddedBackend
from engine.runtime.service import DISPATCH_SLICE
from engine.store import NotFoundError

WORKBOOK = """
version: '2.0'
name: api
workflows:
  slow:
    tasks:
      nap:
        action: std.sleep seconds=<% $.get('seconds', 5) %>
        on-success: after
      after:
        action: std.echo output="after"
        publish:
          said: <% task().result %>

  env_user:
    output:
      region: <% env().region %>
    tasks:
      t:
        action: std.noop

  flaky:
    input:
      - fail: true
    tasks:
      t:
        action: std.echo output=<% $.fail %>
        on-success:
          - fail msg="asked to fail": <% $.fail %>

  switchable:
    tasks:
      t:
        action: <% env().get('action', 'std.fail') %>
        on-success: after
      after:
        action: std.noop

  waits:
    tasks:
      t:
        action: std.async_noop
        publish:
          answer: <% task().result %>

  items:
    input:
      - xs
    tasks:
      t:
        with-items: x in <% $.xs %>
        action: std.echo output=<% $.x %>
"""


@pytest.fixture
async def api(tmp_path):
    api = await EmbeddedBackend.open(tmp_path / "state.db", workbooks_folder=tmp_path / "none")
    await api.create_workbook(WORKBOOK)
    yield api
    await api.close()


async def tasks_in(api, execution_id, state):
    return [task for task in await api.list_tasks(execution_id) if task.state == state]


async def eventually(check, timeout=10.0):
    for _ in range(int(timeout / 0.02)):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition never held")


async def test_pause_resume_and_cancel_through_update(api):
    execution = await api.start_execution("api.slow", {}, {})
    paused = await api.update_execution(execution.id, state="PAUSED", state_info="wait")
    assert (paused.state, paused.state_info) == ("PAUSED", "wait")
    resumed = await api.update_execution(execution.id, state="RUNNING")
    assert resumed.state == "RUNNING"
    cancelled = await api.update_execution(execution.id, state="CANCELLED", state_info="stop")
    assert cancelled.state == "CANCELLED"
    assert cancelled.output == {"result": "stop"}
    (nap,) = await api.list_tasks(execution.id)
    assert nap.state == "CANCELLED"


async def test_a_finished_execution_cannot_be_paused(api):
    execution = await api.start_execution("api.env_user", {}, {"env": {"region": "x"}})
    await api.wait_execution(execution.id, timeout=10)
    with pytest.raises(Exception, match="Can't change workflow execution state from SUCCESS"):
        await api.update_execution(execution.id, state="PAUSED")


async def test_description_can_change_but_not_with_the_state(api):
    execution = await api.start_execution("api.slow", {}, {}, description="first")
    changed = await api.update_execution(execution.id, description="second")
    assert changed.description == "second"
    with pytest.raises(Exception, match="together with the state"):
        await api.update_execution(execution.id, description="x", state="PAUSED")
    await api.update_execution(execution.id, state="CANCELLED")


async def test_named_environment(api):
    await api.create_environment("east", {"region": "us-east"}, "the east")
    assert [env.name for env in await api.list_environments()] == ["east"]
    execution = await api.start_execution("api.env_user", {}, {"env": "east"})
    done = await api.wait_execution(execution.id, timeout=10)
    assert done.output == {"region": "us-east"}
    assert done.params["env"] == {"region": "us-east"}
    updated = await api.update_environment("east", {"region": "eu"})
    assert updated.variables == {"region": "eu"}
    assert updated.description == "the east"
    await api.delete_environment("east")
    with pytest.raises(NotFoundError):
        await api.get_environment("east")
    with pytest.raises(Exception, match="Environment is not found: east"):
        await api.start_execution("api.env_user", {}, {"env": "east"})


async def test_rerun_after_the_engine_forgot_the_finished_execution(api):
    execution = await api.start_execution("api.switchable")
    failed = await api.wait_execution(execution.id, timeout=10)
    assert failed.state == "ERROR"

    async def forgotten():  # memory is freed right after the waiters are answered
        return execution.id not in api._engine.conductor.executions

    await eventually(forgotten)
    (task,) = await api.list_tasks(execution.id)
    rerun = await api.rerun_task(task.id, env={"action": "std.noop"})
    assert rerun.state in ("RUNNING", "SUCCESS")
    done = await api.wait_execution(execution.id, timeout=10)
    assert done.state == "SUCCESS"
    assert done.state_info is None
    assert done.params["env"] == {"action": "std.noop"}
    assert [(t.name, t.state) for t in await api.list_tasks(execution.id)] == [
        ("t", "SUCCESS"),
        ("after", "SUCCESS"),
    ]
    with pytest.raises(Exception, match="must be in ERROR for rerun"):
        await api.rerun_task(task.id)


async def test_async_action_result_through_action_execution_update(api):
    execution = await api.start_execution("api.waits")
    (task,) = await api.list_tasks(execution.id)

    async def started():
        return bool(await api.list_action_executions(task.id))

    await eventually(started)
    (action,) = await api.list_action_executions(task.id)
    assert action.state == "RUNNING"
    updated = await api.update_action_execution(action.id, "SUCCESS", {"ok": 1})
    assert updated.state == "SUCCESS"
    assert updated.output == {"result": {"ok": 1}}
    done = await api.wait_execution(execution.id, timeout=10)
    assert done.output == {"answer": {"ok": 1}}


async def test_run_action_unsaved_and_saved(api):
    unsaved = await api.run_action("std.echo", {"output": "x"})
    assert (unsaved.id, unsaved.state, unsaved.output) == ("", "SUCCESS", {"result": "x"})
    saved = await api.run_action("std.echo", {"output": "y"}, save_result=True, run_sync=True)
    assert saved.id
    assert (saved.state, saved.output, saved.task_execution_id) == (
        "SUCCESS",
        {"result": "y"},
        None,
    )
    assert [a.id for a in await api.list_action_executions()] == [saved.id]
    failed = await api.run_action("std.fail")
    assert failed.state == "ERROR"
    with pytest.raises(Exception, match=r"Invalid input \[name=std.echo"):
        await api.run_action("std.echo", {}, save_result=True)


async def test_task_result_and_published(api):
    execution = await api.start_execution("api.slow", {}, {})
    await api.update_execution(execution.id, state="CANCELLED")
    execution = await api.start_execution("api.items", {"xs": ["a", "b"]})
    await api.wait_execution(execution.id, timeout=10)
    (task,) = await api.list_tasks(execution.id)
    assert await api.get_task_result(task.id) == ["a", "b"]
    assert await api.get_task_published(task.id) == {}


async def test_items_started_in_slices_keep_their_order(api):
    """A with-items task starts its actions a slice at a time (the screen shares the loop)."""
    count = 2 * DISPATCH_SLICE + 7
    execution = await api.start_execution("api.items", {"xs": list(range(count))})
    await api.wait_execution(execution.id, timeout=30)
    (task,) = await api.list_tasks(execution.id)
    assert task.state == "SUCCESS"
    assert await api.get_task_result(task.id) == list(range(count))


async def test_subscribers_see_committed_changes(api):
    await api.start_engine()
    seen = []

    async def follow():
        async for changes in api.subscribe():
            seen.extend(changes)
            if any(c.kind == "execution" and c.state == "SUCCESS" for c in changes):
                return

    follower = asyncio.create_task(follow())
    await asyncio.sleep(0)
    execution = await api.start_execution("api.env_user", {}, {"env": {"region": "r"}})
    await asyncio.wait_for(follower, 10)
    kinds = {(c.kind, c.state) for c in seen if c.root_execution_id == execution.id}
    assert ("execution", "RUNNING") in kinds
    assert ("task", "SUCCESS") in kinds
    assert ("action", "SUCCESS") in kinds
    assert ("execution", "SUCCESS") in kinds


async def test_delete_execution(api):
    execution = await api.start_execution("api.slow", {}, {})
    with pytest.raises(Exception, match="cancel it before deleting it"):
        await api.delete_execution(execution.id)
    await api.update_execution(execution.id, state="CANCELLED")
    await api.delete_execution(execution.id)
    with pytest.raises(NotFoundError):
        await api.get_execution(execution.id)
    assert await api.list_tasks(execution.id) == []


async def test_run_action_of_an_adhoc_action_without_saving(api, tmp_path):
    await api.create_workbook(
        "version: '2.0'\nname: adhoc\nactions:\n  hello:\n    base: std.echo\n"
        "    base-input:\n      output: <% 'hi ' + $.who %>\n    input:\n      - who\n"
    )
    result = await api.run_action("adhoc.hello", {"who": "you"})
    assert result.output == {"result": "hi you"}
    assert api._engine is None  # nothing needed the engine


async def test_the_engine_gives_way_until_told_to_go_on(api):
    """While a console key waits for its screen, the engine applies nothing; it goes on when
    released, or by itself once the hold runs out."""
    engine = await api.start_engine()
    engine.give_way.hold(60)
    starting = asyncio.create_task(
        api.start_execution("api.env_user", {}, {"env": {"region": "r"}})
    )
    await asyncio.sleep(0.2)
    assert not starting.done()  # its turn waits
    api.go_on()
    started = await asyncio.wait_for(starting, 10)
    assert (await api.wait_execution(started.id, timeout=10)).state == "SUCCESS"

    engine.give_way.hold(0.05)  # never released: it runs out
    started = await api.start_execution("api.env_user", {}, {"env": {"region": "r"}})
    assert (await api.wait_execution(started.id, timeout=10)).state == "SUCCESS"


async def test_a_turn_under_way_pauses_between_events_while_held(api):
    engine = await api.start_engine()
    engine.give_way.hold(60)
    paused = asyncio.create_task(asyncio.to_thread(engine.give_way.wait_in_thread))
    await asyncio.sleep(0.2)
    assert not paused.done()
    api.go_on()
    await asyncio.wait_for(paused, 5)
