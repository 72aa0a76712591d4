"""Reverse workflows, sub-workflows, ad-hoc actions and environments."""

import pytest

from engine.core import events
from tests.core.rehearsal import Catalog, Rehearsal

WORKBOOK = """
version: '2.0'
name: book
actions:
  greet:
    base: std.echo
    base-input:
      output:
        words: <% 'Hello, ' + $.name + $.mark %>
    input:
      - name
      - mark: '!'
    output:
      text: <% $.words %>
  shout:
    base: greet
    base-input:
      name: <% $.who.toUpper() %>
    input:
      - who
    output: <% $.text %>

workflows:
  reverse:
    type: reverse
    output:
      order: <% $.order %>
    tasks:
      fetch:
        action: std.echo output="f"
        publish:
          order: <% [task().result] %>
      build:
        requires: [fetch]
        action: std.echo output="b"
        publish:
          order: <% $.order + [task().result] %>
      unrelated:
        action: std.noop
      deploy:
        requires: [build]
        action: std.echo output="d"
        publish:
          order: <% $.order + [task().result] %>

  parent:
    input:
      - who: world
    output:
      child_output: <% $.child_output %>
    tasks:
      call:
        workflow: child
        input:
          name: <% $.who %>
          extra: 42
        publish:
          child_output: <% task().result %>

  child:
    input:
      - name
    output:
      greeting: <% 'hi ' + $.name %>
      params_extra: <% execution().params.get(extra) %>
      root: <% execution().params.root_execution_id %>
    tasks:
      t:
        action: std.noop

  parent_of_failure:
    tasks:
      call:
        workflow: failing_child
        on-error: recover
      recover:
        action: std.noop
        publish:
          seen: <% task(call).result %>

  parent_unhandled:
    tasks:
      call:
        workflow: failing_child

  failing_child:
    output-on-error:
      hint: check the disk
    tasks:
      t:
        action: std.fail

  items_of_children:
    tasks:
      each:
        with-items: name in ["a", "b"]
        workflow: child
        input:
          name: <% $.name %>
        publish:
          greetings: <% task().result.select($.greeting) %>

  uses_adhoc:
    output:
      plain: <% $.plain %>
      loud: <% $.loud %>
    tasks:
      a:
        action: greet name="Bo"
        publish:
          plain: <% task().result %>
        on-success: b
      b:
        action: shout who="al"
        publish:
          loud: <% task().result %>

  adhoc_missing_input:
    tasks:
      a:
        action: greet

  bad_child_input:
    tasks:
      call:
        workflow: child
        on-error: handled
      handled:
        action: std.noop

  missing_child:
    tasks:
      call:
        workflow: no_such_workflow
        on-error: handled
      handled:
        action: std.noop

  missing_action:
    tasks:
      call:
        action: no.such_action
        on-error: handled
      handled:
        action: std.noop

  uses_env:
    output:
      from_function: <% env().region %>
      from_context: "{{ __env.region }}"
      echoed: <% $.echoed %>
    tasks:
      t:
        action: std.echo
        publish:
          echoed: <% task().result %>
"""


@pytest.fixture(scope="module")
def catalog():
    return Catalog().add_workbook(WORKBOOK)


def test_reverse_runs_the_requirements_of_the_target_in_order(catalog):
    rehearsal = Rehearsal(catalog)
    execution = rehearsal.run("book.reverse", task_name="deploy")
    assert execution.state == "SUCCESS"
    assert [task.name for task in execution.tasks] == ["fetch", "build", "deploy"]
    assert execution.output == {"order": ["f", "b", "d"]}


def test_reverse_needs_a_valid_task_name(catalog):
    rehearsal = Rehearsal(catalog)
    entry = catalog.workflow("book.reverse")
    with pytest.raises(Exception, match=r"Invalid task name \[wf_spec=reverse, task_name=None\]"):
        rehearsal.send(events.StartWorkflow(entry.spec, entry.name, entry.text))


def test_sub_workflow_output_is_the_task_result_and_extra_input_goes_to_params(catalog):
    rehearsal = Rehearsal(catalog)
    execution = rehearsal.run("book.parent")
    assert execution.state == "SUCCESS"
    assert execution.output == {
        "child_output": {"greeting": "hi world", "params_extra": 42, "root": execution.id}
    }
    (child,) = execution.tasks[0].executions
    assert child.input == {"name": "world"}
    assert child.params["task_execution_id"] == execution.tasks[0].id
    assert child.workflow_name == "book.child"


def test_a_failed_sub_workflow_fails_its_task_with_its_state_info(catalog):
    rehearsal = Rehearsal(catalog)
    execution = rehearsal.run("book.parent_of_failure")
    call = rehearsal.task(execution, "call")
    (child,) = call.executions
    assert child.state == "ERROR"
    assert call.state == "ERROR"
    assert call.state_info == child.state_info
    assert child.output == {"result": child.state_info, "hint": "check the disk"}
    assert execution.state == "SUCCESS"
    assert rehearsal.task(execution, "recover").published == {"seen": child.output}


def test_unhandled_sub_workflow_failure_is_listed_with_its_execution(catalog):
    rehearsal = Rehearsal(catalog)
    execution = rehearsal.run("book.parent_unhandled")
    call = rehearsal.task(execution, "call")
    (child,) = call.executions
    assert execution.state == "ERROR"
    assert execution.state_info == (
        "Failure caused by error in tasks: call\n\n"
        f"  call [task_ex_id={call.id}] -> {child.state_info}\n"
        f"    [wf_ex_id={child.id}, idx=0]: {child.state_info}\n"
    )


def test_with_items_over_sub_workflows_keeps_item_order(catalog):
    execution = Rehearsal(catalog).run("book.items_of_children")
    assert execution.state == "SUCCESS"
    assert execution.output == {"greetings": ["hi a", "hi b"]}
    children = execution.tasks[0].executions
    assert [child.index for child in children] == [0, 1]


def test_adhoc_actions_chain_base_input_defaults_and_outputs(catalog):
    rehearsal = Rehearsal(catalog)
    execution = rehearsal.run("book.uses_adhoc")
    assert execution.state == "SUCCESS"
    assert execution.output == {"plain": {"text": "Hello, Bo!"}, "loud": "Hello, AL!"}
    first = rehearsal.task(execution, "a").executions[0]
    assert first.name == "book.greet"
    assert first.run_name == "std.echo"
    assert first.run_input == {"output": {"words": "Hello, Bo!"}}


def test_adhoc_input_is_checked(catalog):
    rehearsal = Rehearsal(catalog)
    execution = rehearsal.run("book.adhoc_missing_input")
    task = execution.tasks[0]
    assert task.state == "ERROR"
    assert task.state_info == "Invalid input [name=greet, class=ActionSpec, missing=['name']]"


def test_env_is_visible_and_supplies_action_defaults(catalog):
    rehearsal = Rehearsal(catalog)
    env = {"region": "<% 'east' %>", "__actions": {"std.echo": {"output": "from env"}}}
    execution = rehearsal.run("book.uses_env", env=env)
    assert execution.state == "SUCCESS"
    assert execution.output == {
        "from_function": "east",
        "from_context": "east",
        "echoed": "from env",
    }
    assert execution.params["env"]["region"] == "east"


def test_env_is_kept_raw_when_evaluate_env_is_false(catalog):
    rehearsal = Rehearsal(catalog)
    env = {"region": "<% 'east' %>", "__actions": {"std.echo": {"output": 1}}}
    execution = rehearsal.run("book.uses_env", env=env, evaluate_env=False)
    assert execution.output["from_function"] == "<% 'east' %>"


def test_a_sub_workflow_with_missing_input_fails_its_task_only(catalog):
    rehearsal = Rehearsal(catalog)
    execution = rehearsal.run("book.bad_child_input")
    call = rehearsal.task(execution, "call")
    assert call.state == "ERROR"
    assert (
        call.state_info == "Invalid input [name=child, class=DirectWorkflowSpec, missing=['name']]"
    )
    assert call.executions == []
    assert execution.state == "SUCCESS"


def test_an_unknown_sub_workflow_fails_its_task_only(catalog):
    rehearsal = Rehearsal(catalog)
    execution = rehearsal.run("book.missing_child")
    call = rehearsal.task(execution, "call")
    assert call.state_info == "Failed to find workflow [name=no_such_workflow] [namespace=]"
    assert execution.state == "SUCCESS"


def test_an_unknown_action_fails_the_workflow_like_mistral(catalog):
    rehearsal = Rehearsal(catalog)
    execution = rehearsal.run("book.missing_action")
    assert execution.state == "ERROR"
    assert execution.state_info == (
        "Failed to run task [error=Failed to find action [action_name=no.such_action, "
        "namespace=], wf=book.missing_action, task=call]"
    )
    assert rehearsal.task_states(execution) == {"call": "ERROR"}
