"""with-items: counters, several lists, order of results, concurrency, failures, retry."""

import pytest

from engine.core import events
from engine.core.scope import task_result
from tests.core.rehearsal import Catalog, Rehearsal

WORKFLOWS = """
version: '2.0'
zip:
  input:
    - names: [a, b, c]
    - sizes: [1, 2, 3]
  tasks:
    t:
      with-items:
        - name in <% $.names %>
        - size in <% $.sizes %>
      action: std.echo
      input:
        output: <% $.name + str($.size) %>
      publish:
        joined: <% task().result %>

literal:
  tasks:
    t:
      with-items: x in [3, 2, 1]
      action: std.echo output=<% $.x * 10 %>

empty:
  input:
    - xs: []
  tasks:
    t:
      with-items: x in <% $.xs %>
      action: std.echo output=<% $.x %>
      publish:
        got: <% task().result %>

limited:
  input:
    - xs
  tasks:
    t:
      with-items: x in <% $.xs %>
      concurrency: 2
      action: std.echo output=<% $.x %>

failing:
  input:
    - xs
  tasks:
    t:
      with-items: x in <% $.xs %>
      action: std.echo output=<% $.x %>

retried:
  tasks:
    t:
      with-items: x in [1, 2]
      action: std.echo output=<% $.x %>
      retry:
        count: 1
        delay: 5
"""


@pytest.fixture(scope="module")
def catalog():
    return Catalog().add_workflows(WORKFLOWS)


def test_several_lists_are_zipped(catalog):
    rehearsal = Rehearsal(catalog)
    execution = rehearsal.run("zip")
    assert execution.state == "SUCCESS"
    assert execution.output == {"joined": ["a1", "b2", "c3"]}


def test_literal_list(catalog):
    execution = Rehearsal(catalog).run("literal")
    (task,) = execution.tasks
    assert [action.output["result"] for action in task.executions] == [30, 20, 10]


def test_lists_of_different_length_fail_the_workflow(catalog):
    execution = Rehearsal(catalog).run("zip", {"sizes": [1]})
    assert execution.state == "ERROR"
    assert execution.state_info == (
        "Failed to run task [error=Wrong input format for: {'name': ['a', 'b', 'c'], "
        "'size': [1]}. All arrays must have the same length., wf=zip, task=t]"
    )


def test_an_empty_list_succeeds_with_an_empty_result(catalog):
    execution = Rehearsal(catalog).run("empty")
    assert execution.state == "SUCCESS"
    assert execution.output == {"got": []}
    assert execution.tasks[0].executions == []


def test_results_follow_item_order_not_completion_order(catalog):
    rehearsal = Rehearsal(catalog, responder=lambda command: None)
    execution = rehearsal.start("failing", {"xs": ["a", "b", "c"]})
    for command in reversed(list(rehearsal.pending)):
        rehearsal.pending.remove(command)
        rehearsal.send(events.ActionFinished(command.action_id, data=command.input["output"]))
    assert execution.state == "SUCCESS"
    assert task_result(execution.tasks[0]) == ["a", "b", "c"]


def test_concurrency_keeps_at_most_n_in_flight(catalog):
    rehearsal = Rehearsal(catalog, responder=lambda command: None)
    execution = rehearsal.start("limited", {"xs": list(range(5))})
    seen = []
    while rehearsal.pending:
        seen.append(len(rehearsal.pending))
        rehearsal.answer("std.echo", data=1)
    assert seen == [2, 2, 2, 2, 1]
    assert execution.state == "SUCCESS"


def test_one_failed_item_fails_the_task_after_all_items_ran(catalog):
    def responder(command):
        if command.input["output"] == 2:
            return events.ActionFinished(command.action_id, error="boom")
        return events.ActionFinished(command.action_id, data=command.input["output"])

    rehearsal = Rehearsal(catalog, responder)
    execution = rehearsal.run("failing", {"xs": [1, 2, 3]})
    (task,) = execution.tasks
    assert task.state == "ERROR"
    assert task.state_info == "One or more actions had failed."
    assert [action.state for action in task.executions] == ["SUCCESS", "ERROR", "SUCCESS"]
    failed = task.executions[1]
    assert execution.state_info == (
        "Failure caused by error in tasks: t\n\n"
        f"  t [task_ex_id={task.id}] -> One or more actions had failed.\n"
        f"    [action_ex_id={failed.id}, idx=1]: boom\n"
    )


def test_a_cancelled_item_cancels_the_task_and_the_workflow(catalog):
    rehearsal = Rehearsal(catalog, responder=lambda command: None)
    execution = rehearsal.start("failing", {"xs": [1, 2]})
    first = rehearsal.pending.pop(0)
    rehearsal.send(events.ActionFinished(first.action_id, cancelled=True))
    task = execution.tasks[0]
    assert task.state == "CANCELLED"
    assert task.state_info == "One or more actions was cancelled."
    assert execution.state == "CANCELLED"
    assert execution.state_info == "Cancelled tasks: t"


def test_retry_runs_every_item_again(catalog):
    rehearsal = Rehearsal(catalog)
    execution = rehearsal.run("retried")
    (task,) = execution.tasks
    # continue-on absent and SUCCESS: no retry at all.
    assert len(task.executions) == 2

    seen = []

    def fail_first_round(command):
        seen.append(command)
        if len(seen) <= 2:
            return events.ActionFinished(command.action_id, error="down")
        return events.ActionFinished(command.action_id, data=command.input["output"])

    rehearsal = Rehearsal(catalog, fail_first_round)
    execution = rehearsal.run("retried")
    (task,) = execution.tasks
    assert len(task.executions) == 4
    assert [action.accepted for action in task.executions] == [False, False, True, True]
    assert task.state == "SUCCESS"
    assert execution.state == "SUCCESS"
