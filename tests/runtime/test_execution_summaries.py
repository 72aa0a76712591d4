"""The executions listing for lists: the same rows, filters and order as `list_executions`,
with only the columns a list shows."""

import pytest

from engine.api import ExecutionFilter, ExecutionSummary
from engine.api.embedded import EmbeddedBackend
from engine.core import states


@pytest.fixture
async def api(tmp_path):
    api = await EmbeddedBackend.open(tmp_path / "state.db")
    yield api
    await api.close()


@pytest.mark.parametrize(
    "filters",
    [
        {"limit": None},
        {"limit": 2, "newest_first": True},
        {"state": states.SUCCESS, "limit": None},
        {"workflow_name": "tripleo.examples.v1.hello"},
        {"root_only": True, "newest_first": True},
    ],
)
async def test_summaries_match_the_full_listing(api, filters):
    for name in ("one", "two", "three"):
        started = await api.start_execution("tripleo.examples.v1.hello", {"name": name})
        await api.wait_execution(started.id, timeout=30)
    await api.start_execution("tripleo.examples.v1.wait_and_echo", {"seconds": 30})

    summaries = await api.list_execution_summaries(ExecutionFilter(**filters))
    records = await api.list_executions(ExecutionFilter(**filters))
    assert summaries == [ExecutionSummary.of(record) for record in records]
    assert summaries and not hasattr(summaries[0], "input")
    finished = [summary.finished_at for summary in summaries]
    expected = [r.updated_at if states.is_completed(r.state) else None for r in records]
    assert finished == expected
