"""/v2/cron_triggers through python-mistralclient and the `mistral` CLI: the resource as Mistral
23 sends it, a workflow named by id, Mistral's errors and statuses."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from mistralclient.api.base import APIException

from tests.server.conftest import Served, start_server, stop_server

WORKFLOW = """\
version: '2.0'
timed:
  input:
    - who
  tasks:
    say:
      action: std.echo output=<% $.who %>
"""
# The keys Mistral 23 answers a created trigger with (seen on the sandbox Mistral).
MISTRAL_KEYS = {
    "id",
    "name",
    "workflow_name",
    "workflow_id",
    "workflow_input",
    "workflow_params",
    "project_id",
    "scope",
    "pattern",
    "remaining_executions",
    "first_execution_time",
    "next_execution_time",
    "created_at",
    "updated_at",
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    served = start_server(tmp_path_factory.mktemp("cron") / "state.db", "--listen", "127.0.0.1:0")
    served.client().workflows.create(WORKFLOW)
    yield served
    stop_server(served)


def refused(call, *args) -> APIException:
    with pytest.raises(APIException) as raised:
        call(*args)
    return raised.value


def test_create_get_list_delete_as_mistral(served):
    client = served.client()
    trigger = client.cron_triggers.create(
        "every-hour", "timed", {"who": "Ann"}, {"env": {"a": 1}}, "0 * * * *", None, 5
    )
    assert set(trigger.to_dict()) == MISTRAL_KEYS
    assert json.loads(trigger.workflow_input) == {"who": "Ann"}
    assert json.loads(trigger.workflow_params) == {"env": {"a": 1}}
    assert (trigger.pattern, trigger.remaining_executions) == ("0 * * * *", 5)
    assert trigger.next_execution_time.endswith(":00:00")
    assert trigger.first_execution_time is None

    workflow_id = client.workflows.get("timed").id
    by_id = client.cron_triggers.create(
        "once", workflow_id, {"who": "Bo"}, None, None, "2099-01-01 10:00"
    )
    assert (by_id.workflow_name, by_id.workflow_id) == ("timed", workflow_id)
    assert by_id.first_execution_time == by_id.next_execution_time == "2099-01-01 10:00:00"
    assert by_id.remaining_executions == 1

    assert client.cron_triggers.get("every-hour").to_dict() == trigger.to_dict()
    assert client.cron_triggers.get(trigger.id).name == "every-hour"
    listed = client.cron_triggers.list(fields=["name", "pattern", "next_execution_time"])
    patterns = [(t.name, t.pattern) for t in listed]
    assert patterns == [("every-hour", "0 * * * *"), ("once", "0 0 30 2 0")]  # as Mistral
    assert [t.name for t in client.cron_triggers.list(pattern="0 * * * *")] == ["every-hour"]

    mistral = served.cli("cron-trigger-list", "-f", "json")
    assert [row["Name"] for row in json.loads(mistral.stdout)] == ["every-hour", "once"]

    client.cron_triggers.delete("every-hour")
    client.cron_triggers.delete(by_id.id)
    assert refused(client.cron_triggers.get, "every-hour").error_code == 404
    assert client.cron_triggers.list() == []


@pytest.mark.parametrize(
    ("arguments", "status", "message"),
    [
        (("t", "timed", {"who": "x"}, None, "61 * * * *"), 400, "Invalid cron pattern"),
        (("t", "timed", {"who": "x"}, None, None, "2020-01-01 10:00"), 400, "1 minute in the"),
        (("t", "nope", None, None, "* * * * *"), 404, "Workflow 'nope' not found"),
        (("t", "timed", None, None, "* * * * *"), 400, "missing=['who']"),
        (("t", "timed", {"who": "x"}, None, "* * * * *", None, 0), 400, "at least 1"),
    ],
)
def test_bad_triggers_get_mistrals_status(served, arguments, status, message):
    error = refused(served.client().cron_triggers.create, *arguments)
    assert error.error_code == status
    assert message in error.error_message


def test_a_taken_name_is_a_conflict(served):
    client = served.client()
    client.cron_triggers.create("taken", "timed", {"who": "x"}, None, "0 0 * * *")
    try:
        error = refused(
            client.cron_triggers.create, "taken", "timed", {"who": "y"}, None, "* * * * *"
        )
        assert error.error_code == 409
        workflow = refused(client.workflows.delete, "timed")
        assert workflow.error_code == 400 and "cron triggers start it (taken)" in str(
            workflow.error_message
        )
    finally:
        client.cron_triggers.delete("taken")
