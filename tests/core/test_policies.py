"""Task policies: retry, wait-before, wait-after, timeout, pause-before, bad policy values."""

import pytest

from engine.core import events
from tests.core.rehearsal import START_TIME, Catalog, Rehearsal

WORKFLOWS = """
version: '2.0'
retry_fails:
  tasks:
    t:
      action: std.fail
      retry: count=2 delay=3

retry_break_on:
  tasks:
    t:
      action: std.fail
      retry:
        count: 5
        delay: 1
        break-on: <% true %>

retry_continue_on:
  tasks:
    t:
      action: std.echo output="not yet"
      retry:
        count: 3
        delay: 2
        continue-on: <% task().result = 'not yet' %>
      publish:
        last: <% task().result %>

retry_until:
  tasks:
    t:
      action: std.echo output="polled"
      retry:
        count: 10
        delay: 1
        continue-on: <% len(tasks(execution().id)) < 0 or task().result != 'ready' %>

wait_before:
  tasks:
    t:
      action: std.noop
      wait-before: 4

wait_after:
  tasks:
    t:
      action: std.noop
      wait-after: 6
      on-success: next
    next:
      action: std.noop

timeout:
  tasks:
    t:
      action: std.sleep seconds=100
      timeout: 5
      retry: count=3 delay=1
      on-error: handled
    handled:
      action: std.noop

pause_before:
  tasks:
    first:
      action: std.noop
      on-success: second
    second:
      action: std.echo output="ran"
      pause-before: true
      publish:
        r: <% task().result %>

bad_delay:
  tasks:
    t:
      action: std.noop
      wait-before: <% 'soon' %>

policy_expression:
  input:
    - delay: 7
  tasks:
    t:
      action: std.noop
      wait-before: <% $.delay %>
"""


@pytest.fixture(scope="module")
def catalog():
    return Catalog().add_workflows(WORKFLOWS)


def test_retry_runs_count_plus_one_times_then_fails(catalog):
    rehearsal = Rehearsal(catalog)
    execution = rehearsal.start("retry_fails")
    rehearsal.send(rehearsal.queue.pop(0))
    task = execution.tasks[0]
    assert task.state == "DELAYED"
    assert task.state_info == "Delayed by 'retry' policy [delay=3]"
    assert rehearsal.timers and min(rehearsal.timers.values()) == START_TIME + 3
    rehearsal.settle()
    assert len(task.executions) == 3
    assert [action.accepted for action in task.executions] == [False, False, True]
    assert task.state == "ERROR"
    assert execution.state == "ERROR"
    assert rehearsal.now == START_TIME + 6


def test_break_on_stops_retrying(catalog):
    execution = Rehearsal(catalog).run("retry_break_on")
    assert len(execution.tasks[0].executions) == 1
    assert execution.state == "ERROR"


def test_continue_on_exhausted_ends_success_with_the_last_result(catalog):
    execution = Rehearsal(catalog).run("retry_continue_on")
    task = execution.tasks[0]
    assert len(task.executions) == 4
    assert task.state == "SUCCESS"
    assert execution.state == "SUCCESS"
    assert execution.output == {"last": "not yet"}


def test_continue_on_false_stops(catalog):
    seen = []

    def ready_on_third(command):
        seen.append(command)
        return events.ActionFinished(command.action_id, data="ready" if len(seen) == 3 else "no")

    execution = Rehearsal(catalog, ready_on_third).run("retry_until")
    assert len(execution.tasks[0].executions) == 3
    assert execution.state == "SUCCESS"


def test_wait_before_delays_the_start(catalog):
    rehearsal = Rehearsal(catalog)
    execution = rehearsal.start("wait_before")
    task = execution.tasks[0]
    assert task.state == "DELAYED"
    assert task.state_info == "Delayed by 'wait-before' policy [delay=4]"
    assert rehearsal.ran == []
    rehearsal.settle()
    assert execution.state == "SUCCESS"
    assert rehearsal.now == START_TIME + 4


def test_wait_after_holds_the_transitions(catalog):
    rehearsal = Rehearsal(catalog)
    execution = rehearsal.start("wait_after")
    rehearsal.send(rehearsal.queue.pop(0))
    task = execution.tasks[0]
    assert task.state == "DELAYED"
    assert task.state_info == "Delayed by 'wait-after' policy [delay=6]"
    assert [t.name for t in execution.tasks] == ["t"]
    rehearsal.settle()
    assert rehearsal.task_states(execution) == {"t": "SUCCESS", "next": "SUCCESS"}
    assert task.state_info is None


def test_timeout_fails_the_task_cancels_its_action_and_skips_retry(catalog):
    rehearsal = Rehearsal(catalog)
    execution = rehearsal.run("timeout")
    task = rehearsal.task(execution, "t")
    assert task.state == "ERROR"
    assert task.state_info == "Task timed out [timeout(s)=5]."
    assert len(task.executions) == 1
    assert task.executions[0].state == "CANCELLED"
    assert rehearsal.cancelled == [task.executions[0].id]
    assert rehearsal.now == START_TIME + 5
    assert execution.state == "SUCCESS"  # on-error handled it
    assert rehearsal.task(execution, "handled").state == "SUCCESS"


def test_pause_before_pauses_the_workflow_until_resumed(catalog):
    rehearsal = Rehearsal(catalog)
    execution = rehearsal.run("pause_before")
    second = rehearsal.task(execution, "second")
    assert execution.state == "PAUSED"
    assert second.state == "IDLE"
    assert second.state_info == "Set by 'pause-before' policy"
    rehearsal.send(events.ResumeWorkflow(execution.id))
    rehearsal.settle()
    assert execution.state == "SUCCESS"
    assert execution.output == {"r": "ran"}


def test_a_policy_value_of_the_wrong_type_fails_the_workflow(catalog):
    execution = Rehearsal(catalog).run("bad_delay")
    assert execution.state == "ERROR"
    assert execution.state_info == (
        "Failed to run task [error=Invalid data type in WaitBeforePolicy: 'soon' is not of "
        "type 'integer'. Value(s) can be shown after YAQL evaluating. If you use YAQL here, "
        "please correct it., wf=bad_delay, task=t]"
    )


def test_policy_values_may_be_expressions(catalog):
    rehearsal = Rehearsal(catalog)
    execution = rehearsal.start("policy_expression")
    assert execution.tasks[0].state_info == "Delayed by 'wait-before' policy [delay=7]"
