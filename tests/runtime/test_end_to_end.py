"""Executions through the real engine: a real state file, real std actions, the embedded backend."""

from pathlib import Path

import pytest

from engine.api.embedded import EmbeddedBackend

WORKLOADS = Path(__file__).resolve().parents[2] / "bench" / "workloads"


@pytest.fixture
async def api(tmp_path):
    api = await EmbeddedBackend.open(tmp_path / "state.db", workbooks_folder=tmp_path / "none")
    for name in ("bench_small", "bench_chain", "bench_items"):
        await api.create_workbook((WORKLOADS / f"{name}.yaml").read_text())
    yield api
    await api.close()


async def run(api, name, input=None, **params):
    started = await api.start_execution(name, input, params)
    return await api.wait_execution(started.id, timeout=30)


async def test_small_runs_to_success_with_its_output(api):
    execution = await run(api, "bench_small.small")
    assert execution.state == "SUCCESS"
    assert execution.output["final"] == "Hello, world!"
    tasks = await api.list_tasks(execution.id)
    assert [(task.name, task.state) for task in tasks] == [("greet", "SUCCESS"), ("big", "SUCCESS")]
    greet = tasks[0]
    assert greet.result == "Hello, world"
    assert greet.published["doubled"] == 6


async def test_with_items_result_is_a_list_by_index(api):
    execution = await run(api, "bench_items.items", {"items": list(range(20))})
    assert execution.output == {"count": 20}
    (task,) = await api.list_tasks(execution.id)
    assert task.result == list(range(20))
    actions = await api.list_action_executions(task.id)
    assert len(actions) == 20
    assert {action.state for action in actions} == {"SUCCESS"}


async def test_unknown_workflow_is_refused_and_nothing_is_stored(api):
    with pytest.raises(Exception, match="Workflow 'nope' not found"):
        await api.start_execution("nope")
    assert await api.list_executions() == []


async def test_missing_input_is_refused_before_anything_is_stored(api):
    with pytest.raises(Exception) as refused:
        await api.start_execution("bench_items.items", {})
    assert str(refused.value) == (
        "Invalid input [name=items, class=DirectWorkflowSpec, missing=['items']]"
    )
    assert await api.list_executions() == []
