"""Direct workflows: transitions, guards, engine commands, error handling, joins, output."""

import pytest

from engine.core import events
from tests.core.rehearsal import Catalog, Rehearsal

WORKFLOWS = """
version: '2.0'
clauses:
  tasks:
    t1:
      action: std.echo output=1
      publish:
        x: <% task().result %>
      on-success:
        - ok: <% $.x = 1 %>
        - never: <% $.x = 2 %>
      on-complete: done
    ok:
      action: std.noop
    never:
      action: std.noop
    done:
      action: std.noop

complete_on_error:
  tasks:
    t1:
      action: std.fail
      on-complete: after
    after:
      action: std.noop

unhandled:
  tasks:
    t1:
      action: std.fail
      on-success: t2
    t2:
      action: std.noop

handled_by_guard:
  input:
    - handle
  tasks:
    t1:
      action: std.fail
      on-error:
        - cleanup: <% $.handle %>
    cleanup:
      action: std.noop

fail_command:
  tasks:
    t1:
      action: std.echo output="v"
      publish:
        got: <% task().result %>
      on-success:
        - fail msg="stopped with <% $.got %>"

fail_command_no_msg:
  tasks:
    t1:
      action: std.noop
      on-success: [fail]

succeed_command:
  tasks:
    t1:
      action: std.noop
      on-success:
        - succeed msg="early"
        - t2
    t2:
      action: std.noop

commands_in_order:
  tasks:
    t1:
      action: std.noop
      on-success:
        - t2
        - fail msg="after t2 started"
        - t3
    t2:
      action: std.noop
    t3:
      action: std.noop

noop_on_error:
  tasks:
    t1:
      action: std.fail
      on-error: noop

output_defined:
  output:
    answer: <% $.a + 1 %>
  tasks:
    t1:
      action: std.echo output=41
      publish:
        a: <% task().result %>

output_empty_means_context:
  output: {}
  tasks:
    t1:
      action: std.echo output=1
      publish:
        a: <% task().result %>

output_on_error:
  output-on-error:
    why: <% $.reason %>
  tasks:
    t1:
      action: std.echo output="bad disk"
      publish:
        reason: <% task().result %>
      on-success: t2
    t2:
      action: std.fail

output_on_error_absent:
  tasks:
    t1:
      action: std.echo output=7
      publish:
        seven: <% task().result %>
      on-success:
        - fail msg="no"

output_on_error_broken:
  output-on-error:
    why: <% $.nothing_here %>
  tasks:
    t1:
      action: std.fail

vars_and_input:
  input:
    - name
    - greeting: Hello
  vars:
    line: <% $.greeting + ', ' + $.name %>
  output:
    line: <% $.line %>
    execution: <% execution().id %>
  tasks:
    t1:
      action: std.noop

branches:
  tasks:
    start:
      action: std.noop
      publish:
        common: base
      on-success: [left, right]
    left:
      action: std.echo output="L"
      publish:
        common: left
      on-success: left_end
    right:
      action: std.noop
      on-success:
        publish:
          global:
            announced: from-right
        next:
          - right_end
    left_end:
      action: std.noop
      publish:
        seen_left: <% $.common %>
        announced_left: <% global(announced) %>
    right_end:
      action: std.noop
      publish:
        seen_right: <% $.common %>
        announced_right: <% $.announced %>

publish_on_error:
  tasks:
    t1:
      action: std.fail
      publish:
        never: 1
      publish-on-error:
        problem: <% task().result %>
      on-error: t2
    t2:
      action: std.noop

keep_result_false:
  tasks:
    t1:
      action: std.echo output="big"
      keep-result: false
      publish:
        copy: <% task().result %>
      on-success: t2
    t2:
      action: std.noop
      publish:
        later: <% task(t1).result %>

join_all:
  tasks:
    a:
      action: std.noop
      on-success: [b, c]
    b:
      action: std.echo output="B"
      publish:
        from_b: <% task().result %>
      on-success: j
    c:
      action: std.echo output="C"
      publish:
        from_c: <% task().result %>
      on-success: j
    j:
      join: all
      action: std.noop
      publish:
        both: <% [$.from_b, $.from_c] %>

join_all_broken:
  tasks:
    a:
      action: std.noop
      on-success: [b, c]
    b:
      action: std.fail
      on-success: j
      on-error: e
    c:
      action: std.noop
      on-success: j
    e:
      action: std.noop
    j:
      join: all
      action: std.noop

join_one:
  tasks:
    a:
      action: std.noop
      on-success: [b, c]
    b:
      action: std.noop
      on-success: j
    c:
      action: std.noop
      on-success: j
    j:
      join: one
      action: std.noop

join_two_of_three:
  tasks:
    a:
      action: std.noop
      on-success: [b, c, d]
    b:
      action: std.fail
      on-success: j
      on-error: noop
    c:
      action: std.fail
      on-success: j
      on-error: noop
    d:
      action: std.noop
      on-success: j
    j:
      join: 2
      action: std.noop
"""


@pytest.fixture(scope="module")
def catalog():
    return Catalog().add_workflows(WORKFLOWS)


@pytest.fixture
def rehearsal(catalog):
    return Rehearsal(catalog)


def test_guards_see_the_tasks_own_publish_and_on_complete_follows(rehearsal):
    execution = rehearsal.run("clauses")
    assert execution.state == "SUCCESS"
    assert rehearsal.task_states(execution) == {"t1": "SUCCESS", "ok": "SUCCESS", "done": "SUCCESS"}
    assert rehearsal.task(execution, "t1").next_tasks == [
        ("ok", "on-success"),
        ("done", "on-complete"),
    ]


def test_on_complete_runs_after_an_error_but_does_not_handle_it(rehearsal):
    execution = rehearsal.run("complete_on_error")
    assert rehearsal.task_states(execution) == {"t1": "ERROR", "after": "SUCCESS"}
    assert execution.state == "ERROR"
    assert execution.state_info.startswith("Failure caused by error in tasks: t1\n")


def test_unhandled_error_message_lists_the_task_and_its_action(rehearsal):
    execution = rehearsal.run("unhandled")
    task = rehearsal.task(execution, "t1")
    (action,) = task.executions
    expected = (
        "Failure caused by error in tasks: t1\n"
        "\n"
        f"  t1 [task_ex_id={task.id}] -> Fail action expected exception.\n"
        f"    [action_ex_id={action.id}, idx=0]: Fail action expected exception.\n"
    )
    assert execution.state == "ERROR"
    assert execution.state_info == expected
    assert execution.output == {"result": expected}
    assert rehearsal.task_states(execution) == {"t1": "ERROR"}


@pytest.mark.parametrize(("handle", "state"), [(True, "SUCCESS"), (False, "ERROR")])
def test_an_error_is_handled_only_when_on_error_yields_a_target(rehearsal, handle, state):
    execution = rehearsal.run("handled_by_guard", {"handle": handle})
    assert execution.state == state
    task = rehearsal.task(execution, "t1")
    assert task.state == "ERROR"
    assert task.error_handled is handle


def test_fail_command_message_becomes_state_info_and_result(rehearsal):
    execution = rehearsal.run("fail_command")
    assert execution.state == "ERROR"
    assert execution.state_info == "stopped with v"
    # No output-on-error: the output is the result plus the final context.
    assert execution.output == {"result": "stopped with v", "got": "v"}


def test_fail_command_without_msg_leaves_no_state_info(rehearsal):
    execution = rehearsal.run("fail_command_no_msg")
    assert execution.state == "ERROR"
    assert execution.state_info is None
    assert execution.output == {"result": None}


def test_succeed_first_in_the_list_ends_the_workflow_alone(rehearsal):
    execution = rehearsal.run("succeed_command")
    assert execution.state == "SUCCESS"
    assert execution.state_info == "early"
    assert rehearsal.task_states(execution) == {"t1": "SUCCESS"}


def test_tasks_before_a_state_command_still_start(rehearsal):
    execution = rehearsal.run("commands_in_order")
    assert execution.state == "ERROR"
    assert execution.state_info == "after t2 started"
    assert set(rehearsal.task_states(execution)) == {"t1", "t2"}


def test_noop_on_error_handles_the_error(rehearsal):
    execution = rehearsal.run("noop_on_error")
    assert execution.state == "SUCCESS"
    assert rehearsal.task_states(execution) == {"t1": "ERROR"}


def test_output_is_evaluated_on_the_final_context(rehearsal):
    assert rehearsal.run("output_defined").output == {"answer": 42}


def test_an_empty_output_gives_the_final_context(rehearsal):
    assert rehearsal.run("output_empty_means_context").output == {"a": 1}


def test_output_on_error_joins_the_result(rehearsal):
    execution = rehearsal.run("output_on_error")
    assert execution.state == "ERROR"
    assert execution.output == {"result": execution.state_info, "why": "bad disk"}


def test_without_output_on_error_the_final_context_joins_the_result(rehearsal):
    execution = rehearsal.run("output_on_error_absent")
    assert execution.output == {"result": "no", "seven": 7}


def test_a_broken_output_on_error_says_so_in_the_state_info(rehearsal):
    execution = rehearsal.run("output_on_error_broken")
    assert execution.state == "ERROR"
    assert execution.state_info.startswith(
        "Failed to evaluate expression in output-on-error! (output-on-error: "
        "'{'why': '<% $.nothing_here %>'}', exception: 'Can not evaluate YAQL expression"
    )
    assert "Cause: 'Failure caused by error in tasks: t1\n" in execution.state_info
    assert execution.output == {"result": execution.state_info}


def test_vars_see_input_and_defaults(rehearsal):
    execution = rehearsal.run("vars_and_input", {"name": "Ann"})
    assert execution.output == {"line": "Hello, Ann", "execution": execution.id}
    assert execution.input == {"name": "Ann", "greeting": "Hello"}


def test_branch_publish_stays_in_its_branch_and_global_is_shared(rehearsal):
    execution = rehearsal.run("branches")
    assert execution.state == "SUCCESS"
    left_end = rehearsal.task(execution, "left_end")
    right_end = rehearsal.task(execution, "right_end")
    assert left_end.published["seen_left"] == "left"
    assert right_end.published == {"seen_right": "base", "announced_right": "from-right"}
    assert execution.context["announced"] == "from-right"
    # The final context merges both branch ends; the more recent publish of `common` wins.
    assert execution.output["common"] == "left"
    assert execution.output["seen_right"] == "base"


def test_publish_on_error_replaces_publish_on_failure(rehearsal):
    execution = rehearsal.run("publish_on_error")
    assert execution.state == "SUCCESS"
    assert rehearsal.task(execution, "t1").published == {
        "problem": "Fail action expected exception."
    }


def test_keep_result_false_wipes_the_result_after_publish(rehearsal):
    execution = rehearsal.run("keep_result_false")
    t1 = rehearsal.task(execution, "t1")
    assert t1.published == {"copy": "big"}
    assert t1.executions[0].output == {}
    assert rehearsal.task(execution, "t2").published == {"later": None}


def test_join_all_waits_then_merges_both_branches(catalog):
    rehearsal = Rehearsal(catalog, responder=lambda command: None)
    execution = rehearsal.start("join_all")
    rehearsal.answer("std.noop", data=None)
    rehearsal.answer("std.echo", data="B")
    join = rehearsal.task(execution, "j")
    assert join.state == "WAITING"
    assert join.state_info == "Blocked by tasks: ['c']"
    rehearsal.answer("std.echo", data="C")
    assert join.state == "RUNNING"
    rehearsal.answer("std.noop", data=None)
    assert execution.state == "SUCCESS"
    assert join.published == {"both": ["B", "C"]}


def test_join_all_fails_when_a_branch_can_no_longer_arrive(rehearsal):
    execution = rehearsal.run("join_all_broken")
    join = rehearsal.task(execution, "j")
    assert join.state == "ERROR"
    assert join.state_info == "Failed by tasks: ['b']"
    assert execution.state == "ERROR"
    assert execution.state_info == (
        f"Failure caused by error in tasks: j\n\n  j [task_ex_id={join.id}] -> "
        "Failed by tasks: ['b']\n"
    )


def test_join_one_runs_once_on_the_first_arrival(rehearsal):
    execution = rehearsal.run("join_one")
    assert execution.state == "SUCCESS"
    assert len(execution.tasks_by_name["j"]) == 1


def test_join_two_of_three_fails_when_two_branches_failed(rehearsal):
    execution = rehearsal.run("join_two_of_three")
    join = rehearsal.task(execution, "j")
    assert join.state == "ERROR"
    assert join.state_info == "Failed by tasks: ['b', 'c']"


def test_input_is_checked_with_mistrals_message(rehearsal, catalog):
    entry = catalog.workflow("vars_and_input")
    with pytest.raises(Exception) as missing:
        rehearsal.send(events.StartWorkflow(entry.spec, entry.name, entry.text, {"x": 1}))
    assert str(missing.value) == (
        "Invalid input [name=vars_and_input, class=DirectWorkflowSpec, missing=['name'], "
        "unexpected=['x']]"
    )
    assert rehearsal.conductor.executions == {}
