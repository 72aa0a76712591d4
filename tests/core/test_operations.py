"""Pause, resume, stop, cancel, rerun, asynchronous actions, stand-alone actions."""

import pytest

from engine.core import events
from tests.core.rehearsal import Catalog, Rehearsal

WORKFLOWS = """
version: '2.0'
two_steps:
  tasks:
    a:
      action: std.sleep seconds=1
      on-success: b
    b:
      action: std.echo output="b"
      publish:
        b: <% task().result %>

parallel:
  tasks:
    a:
      action: std.sleep seconds=1
    b:
      action: std.sleep seconds=1

flaky_items:
  input:
    - xs
  tasks:
    t:
      with-items: x in <% $.xs %>
      action: std.echo output=<% $.x %>
      publish:
        all: <% task().result %>

flaky:
  tasks:
    t:
      action: std.echo output="v"
      on-success: after
    after:
      action: std.noop

retry_while_paused:
  tasks:
    t:
      action: std.fail
      retry: count=1 delay=10

async:
  tasks:
    t:
      action: std.async_noop
      publish:
        got: <% task().result %>

outer:
  tasks:
    call:
      workflow: inner

inner:
  tasks:
    wait:
      action: std.sleep seconds=1
"""


@pytest.fixture(scope="module")
def catalog():
    return Catalog().add_workflows(WORKFLOWS)


def quiet(catalog):
    """A rehearsal where nothing answers by itself."""
    return Rehearsal(catalog, responder=lambda command: None)


def test_pause_lets_running_actions_finish_and_resume_continues(catalog):
    rehearsal = quiet(catalog)
    execution = rehearsal.start("two_steps")
    rehearsal.send(events.PauseWorkflow(execution.id, "hold on"))
    assert execution.state == "PAUSED"
    assert execution.state_info == "hold on"
    rehearsal.answer("std.sleep", data=None)
    a = rehearsal.task(execution, "a")
    assert a.state == "SUCCESS"
    assert a.processed is False
    assert [task.name for task in execution.tasks] == ["a"]
    rehearsal.send(events.ResumeWorkflow(execution.id))
    assert execution.state == "RUNNING"
    assert execution.state_info is None
    rehearsal.answer("std.echo", data="b")
    assert execution.state == "SUCCESS"
    assert execution.output == {"b": "b"}


def test_resume_is_a_no_op_unless_paused(catalog):
    rehearsal = quiet(catalog)
    execution = rehearsal.start("two_steps")
    rehearsal.send(events.ResumeWorkflow(execution.id))
    assert execution.state == "RUNNING"


def test_pause_of_a_finished_workflow_is_refused(catalog):
    rehearsal = Rehearsal(catalog)
    execution = rehearsal.run("flaky")
    with pytest.raises(Exception, match="Can't change workflow execution state from SUCCESS"):
        rehearsal.send(events.PauseWorkflow(execution.id))


def test_timers_due_while_paused_wait_for_resume(catalog):
    rehearsal = Rehearsal(catalog)
    execution = rehearsal.start("retry_while_paused")
    rehearsal.send(rehearsal.queue.pop(0))  # the first failure: retry timer armed
    rehearsal.send(events.PauseWorkflow(execution.id))
    rehearsal.settle()  # the timer fires while paused
    task = execution.tasks[0]
    assert task.state == "DELAYED"
    assert execution.backlog == [{"kind": "timer", "id": next(iter(rehearsal.conductor.timers))}]
    rehearsal.send(events.ResumeWorkflow(execution.id))
    rehearsal.settle()
    assert len(task.executions) == 2
    assert execution.state == "ERROR"


@pytest.mark.parametrize("state", ["SUCCESS", "ERROR"])
def test_stop_ends_the_workflow_with_the_message(catalog, state):
    rehearsal = quiet(catalog)
    execution = rehearsal.start("two_steps")
    rehearsal.send(events.StopWorkflow(execution.id, state, "by hand"))
    assert execution.state == state
    assert execution.state_info == "by hand"
    if state == "ERROR":
        assert execution.output == {"result": "by hand"}


def test_cancel_cancels_running_actions_and_sub_workflows(catalog):
    rehearsal = quiet(catalog)
    execution = rehearsal.start("outer")
    (child,) = execution.tasks[0].executions
    running = rehearsal.pending[0]
    rehearsal.send(events.StopWorkflow(execution.id, "CANCELLED", "enough"))
    assert execution.state == "CANCELLED"
    assert execution.output == {"result": "enough"}
    assert child.state == "CANCELLED"
    assert execution.tasks[0].state == "CANCELLED"
    assert rehearsal.cancelled == [running.action_id]
    # A late result changes nothing.
    rehearsal.send(events.ActionFinished(running.action_id, data=None))
    assert child.state == "CANCELLED"


def test_pausing_a_sub_workflow_pauses_its_parent_and_resume_resumes_both(catalog):
    rehearsal = quiet(catalog)
    execution = rehearsal.start("outer")
    (child,) = execution.tasks[0].executions
    rehearsal.send(events.PauseWorkflow(child.id))
    assert child.state == "PAUSED"
    assert execution.tasks[0].state == "PAUSED"
    assert execution.state == "PAUSED"
    rehearsal.send(events.ResumeWorkflow(execution.id))
    assert (execution.state, child.state, execution.tasks[0].state) == (
        "RUNNING",
        "RUNNING",
        "RUNNING",
    )
    rehearsal.answer("std.sleep", data=None)
    assert child.state == "SUCCESS"
    assert execution.state == "SUCCESS"


def test_rerun_runs_a_failed_task_again_and_continues(catalog):
    rehearsal = quiet(catalog)
    execution = rehearsal.start("flaky")
    rehearsal.answer("std.echo", error="flap")
    task = rehearsal.task(execution, "t")
    assert execution.state == "ERROR"
    rehearsal.send(events.RerunTask(task.id))
    assert execution.state == "RUNNING"
    assert task.state == "RUNNING"
    assert [(action.state, action.accepted) for action in task.executions] == [
        ("ERROR", False),
        ("RUNNING", False),
    ]
    rehearsal.answer("std.echo", data="v")
    rehearsal.answer("std.noop", data=None)
    assert task.state == "SUCCESS"
    assert execution.state == "SUCCESS"
    assert execution.state_info is None


def test_rerun_with_resume_runs_only_failed_items(catalog):
    def fail_b(command):
        if command.input["output"] == "b":
            return events.ActionFinished(command.action_id, error="b broke")
        return events.ActionFinished(command.action_id, data=command.input["output"])

    rehearsal = Rehearsal(catalog, fail_b)
    execution = rehearsal.run("flaky_items", {"xs": ["a", "b", "c"]})
    task = execution.tasks[0]
    assert execution.state == "ERROR"
    rehearsal.responder = lambda command: events.ActionFinished(
        command.action_id, data=command.input["output"].upper()
    )
    rehearsal.send(events.RerunTask(task.id, reset=False))
    rehearsal.settle()
    assert [command.input["output"] for command in rehearsal.ran] == ["a", "b", "c", "b"]
    assert execution.state == "SUCCESS"
    assert execution.output == {"all": ["a", "B", "c"]}


def test_rerun_is_refused_for_tasks_not_in_error(catalog):
    rehearsal = Rehearsal(catalog)
    execution = rehearsal.run("flaky")
    with pytest.raises(Exception) as refused:
        rehearsal.send(events.RerunTask(execution.tasks[0].id))
    assert str(refused.value) == (
        "The current task execution must be in ERROR for rerun. Only updating task to rerun "
        "is supported."
    )


def test_resume_mode_is_for_with_items_tasks_only(catalog):
    rehearsal = quiet(catalog)
    execution = rehearsal.start("flaky")
    rehearsal.answer("std.echo", error="flap")
    with pytest.raises(Exception, match="Only with-items task has the option to not reset."):
        rehearsal.send(events.RerunTask(execution.tasks[0].id, reset=False))


def test_async_action_result_arrives_through_the_api(catalog):
    rehearsal = quiet(catalog)
    execution = rehearsal.start("async")
    (command,) = rehearsal.pending
    rehearsal.send(events.ActionPending(command.action_id))
    action = rehearsal.conductor.actions[command.action_id]
    assert action.is_sync is False
    rehearsal.send(events.ActionStateChanged(command.action_id, "PAUSED"))
    assert execution.state == "PAUSED"
    rehearsal.send(events.ActionStateChanged(command.action_id, "RUNNING"))
    assert execution.state == "RUNNING"
    rehearsal.send(events.ActionFinished(command.action_id, data={"done": True}))
    assert execution.state == "SUCCESS"
    assert execution.output == {"got": {"done": True}}


def test_a_sync_action_cannot_be_paused(catalog):
    rehearsal = quiet(catalog)
    rehearsal.start("two_steps")
    (command,) = rehearsal.pending
    with pytest.raises(Exception, match="only supported for asynchronous action execution"):
        rehearsal.send(events.ActionStateChanged(command.action_id, "PAUSED"))


def test_env_updates_only_while_idle_paused_or_error(catalog):
    rehearsal = quiet(catalog)
    execution = rehearsal.start("two_steps")
    with pytest.raises(Exception, match="only permitted if it is in IDLE, PAUSED, or ERROR"):
        rehearsal.send(events.UpdateExecution(execution.id, env={"a": 1}))
    rehearsal.send(events.PauseWorkflow(execution.id))
    rehearsal.send(events.UpdateExecution(execution.id, env={"a": 1}))
    assert execution.params["env"] == {"a": 1}


def test_description_with_a_refused_env_changes_nothing(catalog):
    rehearsal = quiet(catalog)
    execution = rehearsal.start("two_steps")
    with pytest.raises(Exception, match="only permitted if it is in IDLE, PAUSED, or ERROR"):
        rehearsal.send(events.UpdateExecution(execution.id, "renamed", {"a": 1}))
    assert execution.description == ""
    assert "a" not in (execution.params.get("env") or {})
    rehearsal.send(events.UpdateExecution(execution.id, "renamed"))
    assert execution.description == "renamed"


def test_standalone_action_runs_outside_any_workflow(catalog):
    rehearsal = Rehearsal(catalog)
    action = rehearsal.send(events.RunStandaloneAction("std.echo", {"output": 5}))
    rehearsal.settle()
    assert action.task is None
    assert action.state == "SUCCESS"
    assert action.output == {"result": 5}


def test_standalone_action_input_is_checked(catalog):
    rehearsal = Rehearsal(catalog)
    with pytest.raises(Exception) as refused:
        rehearsal.send(events.RunStandaloneAction("std.echo", {}))
    assert str(refused.value) == (
        "Invalid input [name=std.echo, class=EchoAction, missing=['output']]"
    )
    assert rehearsal.conductor.actions == {}
