"""`tasks()` and `executions()` see stored executions the engine no longer holds in memory (a
finished one is dropped from memory once it is committed): the runtime gives the conductor a
read-only history of the state file."""

import pytest

from engine.api.embedded import EmbeddedBackend

WORKBOOK = """
version: '2.0'
name: history
workflows:
  earlier:
    input: [word]
    tasks:
      say:
        action: std.echo output=<% $.word %>
        publish:
          said: <% task().result %>
      each:
        with-items: n in [1, 2]
        action: std.echo output=<% $.n %>
  looks_back:
    input: [earlier_id]
    output:
      names: <% tasks($.earlier_id).select($.name).orderBy($) %>
      said: <% tasks($.earlier_id).where($.name = 'say').first().published.said %>
      results: <% tasks($.earlier_id).where($.name = 'each').first().result %>
      succeeded: <% tasks($.earlier_id, state => 'SUCCESS').len() %>
      found: <% executions(id => $.earlier_id).select($.input.word) %>
      in_success: <% $.earlier_id in executions(state => 'SUCCESS').select($.id) %>
    tasks:
      look:
        action: std.noop
"""


@pytest.fixture
async def api(tmp_path):
    api = await EmbeddedBackend.open(tmp_path / "state.db", workbooks_folder=tmp_path / "none")
    await api.create_workbook(WORKBOOK)
    yield api
    await api.close()


async def run(api, name, input):
    started = await api.start_execution(name, input, {})
    return await api.wait_execution(started.id, timeout=30)


async def test_tasks_and_executions_read_finished_executions_from_the_state_file(api):
    earlier = await run(api, "history.earlier", {"word": "before"})
    assert earlier.state == "SUCCESS"
    later = await run(api, "history.looks_back", {"earlier_id": earlier.id})
    # Dropped from memory before `later` started (the conductor's thread takes calls in order):
    # `later` read it from the state file.
    engine = await api._running_engine()
    assert earlier.id not in engine.conductor.executions
    assert later.state == "SUCCESS", later.state_info
    assert later.output == {
        "names": ["each", "say"],
        "said": "before",
        "results": [1, 2],
        "succeeded": 2,
        "found": ["before"],
        "in_success": True,
    }
