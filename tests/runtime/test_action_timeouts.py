"""A task's `timeout` policy wins over the default read timeout: a task given more time lets
its std.http call wait that long, and ends with the policy's own message."""

from __future__ import annotations

import pytest

from engine.api.embedded import EmbeddedBackend

PATIENT = """\
version: '2.0'
name: patient
workflows:
  call:
    input: [url]
    tasks:
      wait:
        action: std.http url=<% $.url %>
        timeout: 2
"""


@pytest.fixture
async def api(tmp_path):
    api = await EmbeddedBackend.open(tmp_path / "state.db", workbooks_folder=tmp_path / "none")
    await api.create_workbook(PATIENT)
    yield api
    await api.close()


async def test_a_task_timeout_longer_than_the_read_timeout_wins(api, silent_url, action_limits):
    action_limits(READ_TIMEOUT=0.5)
    execution = await api.start_execution("patient.call", {"url": silent_url})
    done = await api.wait_execution(execution.id, timeout=20)
    (task,) = await api.list_tasks(execution.id)
    assert done.state == "ERROR"
    assert task.state_info == "Task timed out [timeout(s)=2]."
