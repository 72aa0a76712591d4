"""The Mistral backend against a real Mistral 23 on loopback (the `mistral_sandbox` fixture).

The sandbox's database is shared by the whole session, so every test names its workbook after
itself (with a random suffix) and looks only at what it made.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import uuid
from types import SimpleNamespace

import pytest

from engine import clouds
from engine.api import (
    AlreadyExistsError,
    ExecutionFilter,
    Filter,
    InputError,
    InputParam,
    NotFoundError,
    Page,
    states,
)
from engine.api.mistral import MistralBackend, MistralError, _state_info, target_cloud_headers
from tests.runtime.test_cron import assert_copies_as_mistral_allows
from tripleo_tui.serve import free_port

WORKBOOK = """\
version: '2.0'
name: {name}
workflows:
  hello:
    input: [who, greeting: hi]
    tasks:
      say:
        action: std.echo output=<% $.greeting + " " + $.who %>
        publish:
          said: <% task().result %>
  parent:
    tasks:
      child:
        workflow: {name}.hello who="child"
  sleeper:
    tasks:
      nap:
        action: std.sleep seconds=30
  from_env:
    tasks:
      echo:
        action: std.echo output=<% env().word %>
        publish:
          word: <% task().result %>
"""


@pytest.fixture
async def backend(mistral_sandbox):
    async with await MistralBackend.open(mistral_sandbox) as opened:
        yield opened


@pytest.fixture
async def workbook(backend):
    name = f"peer_{uuid.uuid4().hex[:8]}"
    await backend.create_workbook(WORKBOOK.format(name=name))
    yield name
    for execution in await backend.list_executions():
        ours = execution.workflow_name.startswith(f"{name}.") and not execution.task_execution_id
        if ours and not states.is_completed(execution.state):
            await backend.update_execution(execution.id, state=states.CANCELLED)
    await backend.delete_workbook(name)


async def _until(backend, execution_id, wanted, timeout=60.0):
    async with asyncio.timeout(timeout):
        while (execution := await backend.get_execution(execution_id)).state != wanted:
            await asyncio.sleep(0.2)
    return execution


async def test_definitions(backend, workbook):
    assert workbook in {found.name for found in await backend.list_workbooks()}
    assert (await backend.get_workbook_definition(workbook)).startswith("version: '2.0'")
    workflows = {found.name for found in await backend.list_workflows()}
    assert {f"{workbook}.hello", f"{workbook}.parent"} <= workflows
    assert await backend.get_workflow_input(f"{workbook}.hello") == (
        InputParam("who"),
        InputParam("greeting", "hi", required=False),
    )
    with pytest.raises(InputError, match=r"missing=\['who'\], unexpected=\['whom'\]"):
        await backend.check_execution_input(f"{workbook}.hello", {"whom": 1})
    assert "std.echo" in {action.name for action in await backend.list_actions()}


async def test_the_workflow_graph_is_parsed_from_mistrals_definition(backend, workbook):
    graph = await backend.get_workflow_graph(f"{workbook}.parent")
    assert (graph.tasks, graph.start_tasks, graph.edges) == (("child",), ("child",), ())
    graph = await backend.get_workflow_graph(f"{workbook}.hello")
    assert graph.tasks == ("say",)


async def test_validation_and_duplicates_keep_mistral_words(backend, workbook):
    broken = WORKBOOK.format(name=workbook).replace("workflow: ", "workflow_: ")
    validation = await backend.validate_workbook(broken, "broken.yaml")
    assert not validation.valid
    assert validation.problems[0].file == "broken.yaml"
    assert validation.problems[0].message.startswith("Mistral: ")
    assert (await backend.validate_workbook(WORKBOOK.format(name="other"))).valid
    with pytest.raises(AlreadyExistsError, match=r"^HTTP 409: Duplicate entry for Workbook"):
        await backend.create_workbook(WORKBOOK.format(name=workbook))


async def test_an_execution_with_its_tasks_output_and_sub_execution(backend, workbook):
    started = await backend.start_execution(f"{workbook}.parent", description="from the test")
    assert started.description == "from the test"
    done = await asyncio.wait_for(backend.wait_execution(started.id), 60)
    assert done.state == states.SUCCESS, done.state_info
    (task,) = await backend.list_tasks(done.id)
    assert (task.name, task.type, task.state) == ("child", "WORKFLOW", states.SUCCESS)
    (child,) = await backend.list_executions(ExecutionFilter(task_execution_id=task.id))
    assert child.root_execution_id == done.id
    assert child.output == {"said": "hi child"}
    (say,) = await backend.list_tasks(child.id)
    assert await backend.get_task_result(say.id) == "hi child"
    assert await backend.get_task_published(say.id) == {"said": "hi child"}
    (action,) = await backend.list_action_executions(say.id)
    assert (action.name, action.state, action.input) == (
        "std.echo",
        "SUCCESS",
        {"output": "hi child"},
    )
    newest = await backend.list_execution_summaries(ExecutionFilter(limit=20, newest_first=True))
    summaries = {summary.id: summary for summary in newest}
    assert done.id in summaries
    assert summaries[child.id].root_execution_id == done.id
    assert '"who":"child"' in summaries[child.id].input_text


async def _until_succeeded(stream, first, execution_id: str) -> list:
    """The changes `first` (the stream's first batch) and the stream bring until the
    execution's SUCCESS is among them; the stream is closed then."""
    seen: list = []
    async with asyncio.timeout(60):
        seen += await first
        while not any(c.id == execution_id and c.state == states.SUCCESS for c in seen):
            seen += await anext(stream)
    await stream.aclose()
    return seen


async def test_changes_come_by_polling_updated_at(backend, workbook):
    stream = backend.subscribe()
    first = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(1.5)  # the stream has taken its starting point
    started = await backend.start_execution(f"{workbook}.hello", {"who": "you"})
    seen = await _until_succeeded(stream, first, started.id)
    ours = [change for change in seen if change.execution_id == started.id]
    assert {change.kind for change in ours} >= {"execution", "task"}
    assert all(
        change.root_execution_id == started.id for change in ours if change.kind == "execution"
    )


async def test_the_change_stream_outlives_a_mistral_it_cannot_reach(
    backend, workbook, mistral_sandbox
):
    """Polls that fail (connection refused: the client pointed at a closed port for a while)
    are asked again; what changed meanwhile arrives once Mistral answers."""
    http = backend.client.executions.http_client  # the one every manager shares
    stream = backend.subscribe()
    first = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(1.5)  # the stream has taken its starting point
    reachable, http.base_url = http.base_url, f"http://127.0.0.1:{free_port()}/v2"
    async with await MistralBackend.open(mistral_sandbox) as other:  # another user starts it
        started = await other.start_execution(f"{workbook}.hello", {"who": "you"})
        await _until(other, started.id, states.SUCCESS)
    await asyncio.sleep(2.5)  # polls fail meanwhile
    assert not first.done()
    http.base_url = reachable
    await _until_succeeded(stream, first, started.id)


async def test_executions_page_by_page_with_mistral_query(backend, workbook):
    """page_executions sends Mistral its own query: filters, marker, limit, sort keys."""
    started = [
        await backend.start_execution(f"{workbook}.hello", {"who": str(n)}) for n in range(3)
    ]
    for execution in started:
        assert (await _until(backend, execution.id, states.SUCCESS)).state == states.SUCCESS
    ours = Filter("workflow_name", "eq", f"{workbook}.hello")
    order = {"sort_keys": ("created_at", "id"), "sort_dirs": ("asc", "asc")}
    first = await backend.page_executions(Page(filters=(ours,), limit=2, **order))
    rest = await backend.page_executions(
        Page(filters=(ours,), marker=first[-1].id, **order), with_output=True
    )
    whole = await backend.page_executions(Page(filters=(ours,), **order))
    assert [e.id for e in first + rest] == [e.id for e in whole]  # Mistral's order: same second
    assert sorted(e.id for e in whole) == sorted(e.id for e in started)  # sorts by id
    assert {e.output["said"] for e in rest} <= {"hi 0", "hi 1", "hi 2"} and rest[0].output
    success = Filter("state", "in", [states.SUCCESS, states.ERROR])
    assert len(await backend.page_executions(Page(filters=(ours, success)))) == 3


async def test_cancel_pause_and_resume(backend, workbook):
    running = await backend.start_execution(f"{workbook}.sleeper")
    await _until(backend, running.id, states.RUNNING)
    paused = await backend.update_execution(running.id, state=states.PAUSED)
    assert paused.state == states.PAUSED
    resumed = await backend.update_execution(running.id, state=states.RUNNING)
    assert resumed.state == states.RUNNING
    cancelled = await backend.update_execution(
        running.id, state=states.CANCELLED, state_info="stopped by the test"
    )
    assert cancelled.state == states.CANCELLED
    assert (await backend.get_execution(running.id)).state_info == "stopped by the test"


async def test_rerun_a_failed_task_with_a_new_env(backend, workbook):
    started = await backend.start_execution(f"{workbook}.from_env")
    failed = await asyncio.wait_for(backend.wait_execution(started.id), 60)
    assert failed.state == states.ERROR
    (task,) = await backend.list_tasks(failed.id)
    await backend.rerun_task(task.id, env={"word": "again"})
    done = await _until(backend, started.id, states.SUCCESS)
    assert done.output == {"word": "again"}


async def test_environments_and_run_action(backend):
    name = f"peer_env_{uuid.uuid4().hex[:8]}"
    created = await backend.create_environment(name, {"a": 1}, "for the test")
    assert (created.variables, created.description) == ({"a": 1}, "for the test")
    updated = await backend.update_environment(name, {"a": 2})
    assert updated.variables == {"a": 2}
    assert name in {env.name for env in await backend.list_environments()}
    await backend.delete_environment(name)
    with pytest.raises(NotFoundError, match=r"^HTTP 404: "):
        await backend.get_environment(name)
    action = await backend.run_action("std.echo", {"output": "ok"}, save_result=True, run_sync=True)
    assert (action.state, action.output) == ("SUCCESS", {"result": "ok"})


async def test_remote_errors_are_one_line_with_the_status(backend):
    with pytest.raises(NotFoundError) as missing:
        await backend.get_execution("no-such-execution")
    assert str(missing.value) == "HTTP 404: WorkflowExecution not found [id=no-such-execution]"
    # Mistral 23 answers 500 here; its words are kept as they are.
    with pytest.raises(MistralError, match=r"^HTTP 500: .*Workflow not found") as refused:
        await backend.start_execution("peer.no.such.workflow")
    assert "\n" not in str(refused.value)


async def test_an_unreachable_endpoint_is_named():
    with pytest.raises(MistralError) as unreachable:
        await MistralBackend.open("http://127.0.0.1:9/v2")
    assert str(unreachable.value) == (
        "cannot reach Mistral at http://127.0.0.1:9/v2: [Errno 111] Connection refused"
    )


async def test_messages_say_why_there_are_none(backend):
    with pytest.raises(MistralError, match="Zaqar"):
        await backend.list_queues()


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        (
            "Failure caused by error in tasks: a\n\n  a -> boom",
            "Failure caused by error in tasks: a\n\n  a -> boom",
        ),
        (
            'Action failed: x\nTraceback (most recent call last):\n  File "y"\nValueError: z',
            "Action failed: x",
        ),
        ('Traceback (most recent call last):\n  File "y"\nValueError: z', "ValueError: z"),
        (None, None),
    ],
)
def test_state_info_leaves_tracebacks_out(sent, shown):
    assert _state_info(SimpleNamespace(state_info=sent)) == shown


async def test_trigger_copies_on_mistral_as_on_the_engine(backend, workbook):
    prefix = f"{workbook}-"
    try:
        await assert_copies_as_mistral_allows(backend, f"{workbook}.hello", prefix)
    finally:
        for left in await backend.list_cron_triggers():
            if left.name.startswith(prefix):
                await backend.delete_cron_trigger(left.name)


async def test_cron_triggers_on_mistral(backend):
    name = f"cron_{uuid.uuid4().hex[:8]}"
    await backend.create_workbook(WORKBOOK.format(name=name))
    workflow = f"{name}.hello"
    try:
        trigger = await backend.create_cron_trigger(
            f"{name}-hourly", workflow, {"who": "Ann"}, {"env": {"a": 1}}, "0 * * * *", None, 2
        )
        assert (trigger.workflow_name, trigger.pattern) == (workflow, "0 * * * *")
        assert trigger.workflow_input == {"who": "Ann"}
        assert trigger.workflow_params == {"env": {"a": 1}}
        assert trigger.remaining_executions == 2
        assert trigger.next_execution_time.endswith(":00:00")
        assert await backend.get_cron_trigger(trigger.id) == await backend.get_cron_trigger(
            trigger.name
        )
        listed = [t for t in await backend.list_cron_triggers() if t.name.startswith(name)]
        assert [t.name for t in listed] == [trigger.name]
        with pytest.raises(MistralError, match="The specified pattern is not valid"):
            await backend.create_cron_trigger("bad", workflow, {"who": "x"}, pattern="61 * * * *")
        with pytest.raises(MistralError, match="at least 1 minute in the future"):
            await backend.create_cron_trigger(
                "bad", workflow, {"who": "x"}, first_time="2020-01-01 10:00"
            )
        with pytest.raises(NotFoundError, match="Workflow not found"):
            await backend.create_cron_trigger("bad", f"{name}.none", pattern="* * * * *")
        await backend.delete_cron_trigger(trigger.name)
        with pytest.raises(NotFoundError, match="Cron trigger not found"):
            await backend.get_cron_trigger(trigger.name)
    finally:
        for left in await backend.list_cron_triggers():
            if left.name.startswith(name):
                await backend.delete_cron_trigger(left.name)
        await backend.delete_workbook(name)


def test_target_cloud_headers_name_an_ironic_without_keystone(monkeypatch):
    """So that mistral-extra's ironic.* actions reach it (tests/mistral/test_tag_node.py runs
    them); with Keystone, Mistral takes the cloud from the token and no header is sent."""
    for name in [name for name in os.environ if name.startswith("OS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("OS_ENDPOINT", "http://127.0.0.1:6385")
    clouds.reset()
    headers = target_cloud_headers(clouds.current())
    assert headers["X-Target-Auth-Uri"] == "http://127.0.0.1:6385"
    assert headers["X-Target-Auth-Token"]
    token_body = json.loads(base64.b64decode(headers["X-Target-Service-Catalog"]))
    assert token_body == {
        "methods": ["token"],
        "catalog": [
            {
                "type": "baremetal",
                "endpoints": [{"interface": "public", "url": "http://127.0.0.1:6385"}],
            }
        ],
    }

    monkeypatch.delenv("OS_ENDPOINT")
    monkeypatch.setenv("OS_AUTH_URL", "http://127.0.0.1:5000/v3")
    monkeypatch.setenv("OS_USERNAME", "admin")
    monkeypatch.setenv("OS_PASSWORD", "secret-pw")
    monkeypatch.setenv("OS_PROJECT_NAME", "admin")
    clouds.reset()
    assert target_cloud_headers(clouds.current()) == {}
    assert target_cloud_headers(None) == {}
    clouds.reset()
