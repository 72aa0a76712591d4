"""Mistral 23 behaviour seen on the running service (mistral23-observed.md, "Observed later")
that the conductor matches: each case written from the described behaviour."""

from engine.core import events
from tests.core.rehearsal import Catalog, Rehearsal

ADHOC_STRING_RESULT = """
version: '2.0'
name: adhoc
actions:
  shout:
    base: std.echo
    base-input:
      output: <% $.word %>
    input:
      - word
    output: <% $.toUpper() %>
  first_two:
    base: std.echo
    base-input:
      output: [a, b, c]
    output: "{{ _[:2] }}"
workflows:
  run:
    tasks:
      loud:
        action: shout word="hey"
        publish:
          loud: <% task().result %>
        on-success: listed
      listed:
        action: first_two
        publish:
          listed: <% task().result %>
"""


def test_adhoc_output_reads_a_string_or_list_result_as_it_is():
    rehearsal = Rehearsal(Catalog().add_workbook(ADHOC_STRING_RESULT))
    execution = rehearsal.run("adhoc.run")
    assert execution.state == "SUCCESS", execution.state_info
    assert execution.output == {"loud": "HEY", "listed": ["a", "b"]}


PUBLISHING = """
version: '2.0'
precedence:
  tasks:
    ok:
      action: std.echo output="r"
      publish:
        who: task
      on-success:
        publish:
          branch:
            who: on-success
            only_success: s
        next: [bad]
      on-complete:
        publish:
          branch:
            who: on-complete
            only_success: c
            only_complete: c
    bad:
      action: std.fail
      publish-on-error:
        why: task
      on-error:
        publish:
          branch:
            why: on-error
            handled: yes
      on-complete:
        publish:
          branch:
            why: on-complete
            done: yes

item_named_like_a_variable:
  tasks:
    first:
      action: std.echo output="published"
      publish:
        name: <% task().result %>
      on-success: each
    each:
      with-items: name in ["a", "b"]
      action: std.echo output=<% $.name %>
      publish:
        seen: <% task().result %>
"""


def test_task_publish_wins_over_clause_publish_and_on_complete_only_adds():
    rehearsal = Rehearsal(Catalog().add_workflows(PUBLISHING))
    execution = rehearsal.run("precedence")
    assert rehearsal.task(execution, "ok").published == {
        "who": "task",
        "only_success": "s",
        "only_complete": "c",
    }
    assert rehearsal.task(execution, "bad").published == {
        "why": "task",
        "handled": True,
        "done": True,
    }


def test_a_published_variable_wins_over_the_with_items_variable_of_that_name():
    rehearsal = Rehearsal(Catalog().add_workflows(PUBLISHING))
    execution = rehearsal.run("item_named_like_a_variable")
    assert execution.state == "SUCCESS", execution.state_info
    assert execution.output["seen"] == ["published", "published"]


FAILED_JOIN = """
version: '2.0'
failed_join:
  output-on-error:
    from_branch: <% $.from_branch %>
    from_start: <% $.from_start %>
  tasks:
    start:
      action: std.noop
      publish:
        from_start: s
      on-success: [good, bad]
    good:
      action: std.echo output="g"
      publish:
        from_branch: <% task().result %>
      on-success: together
    bad:
      action: std.fail
      on-success: together
    together:
      join: all
      action: std.noop
"""


def test_a_failed_join_keeps_what_its_arrived_branches_published_in_the_final_context():
    rehearsal = Rehearsal(Catalog().add_workflows(FAILED_JOIN))
    execution = rehearsal.run("failed_join")
    assert execution.state == "ERROR"
    assert rehearsal.task(execution, "together").state == "ERROR"
    assert execution.output["from_branch"] == "g"
    assert execution.output["from_start"] == "s"


FAIL_ON = """
version: '2.0'
fail_on:
  tasks:
    check:
      action: std.echo output="not ready"
      publish:
        status: <% task().result %>
      fail-on: <% $.status != "ready" %>
      retry:
        count: 2
        delay: 1
      on-error: handle
      on-success: never
    handle:
      action: std.noop
    never:
      action: std.noop

fail_on_false:
  tasks:
    check:
      action: std.echo output="ready"
      fail-on: <% task().result != "ready" %>
      on-success: next
    next:
      action: std.noop
"""


def test_fail_on_fails_a_successful_task_and_retry_runs_it_again():
    rehearsal = Rehearsal(Catalog().add_workflows(FAIL_ON))
    execution = rehearsal.run("fail_on")
    check = rehearsal.task(execution, "check")
    assert check.state == "ERROR"
    assert check.state_info == "Failed by 'fail-on' policy"
    assert len([ran for ran in rehearsal.ran if ran.name == "std.echo"]) == 3
    assert rehearsal.task_states(execution) == {"check": "ERROR", "handle": "SUCCESS"}
    assert execution.state == "SUCCESS"


def test_fail_on_false_leaves_the_task_successful():
    rehearsal = Rehearsal(Catalog().add_workflows(FAIL_ON))
    execution = rehearsal.run("fail_on_false")
    assert rehearsal.task_states(execution) == {"check": "SUCCESS", "next": "SUCCESS"}


PAUSE_BEFORE = """
version: '2.0'
pause_before:
  tasks:
    first:
      action: std.echo output="one"
      on-success: held
    held:
      action: std.echo output="two"
      pause-before: <% true %>
      publish:
        got: <% task().result %>
"""


def test_pause_before_pauses_the_workflow_with_the_task_idle_until_resumed():
    rehearsal = Rehearsal(Catalog().add_workflows(PAUSE_BEFORE))
    execution = rehearsal.run("pause_before")
    held = rehearsal.task(execution, "held")
    assert execution.state == "PAUSED"
    assert (held.state, held.state_info) == ("IDLE", "Set by 'pause-before' policy")
    assert [ran.input.get("output") for ran in rehearsal.ran] == ["one"]
    rehearsal.send(events.ResumeWorkflow(execution.id))
    rehearsal.settle()
    assert execution.state == "SUCCESS"
    assert execution.output == {"got": "two"}


MISSING_ACTION_IN_ITEMS = """
version: '2.0'
missing_in_items:
  tasks:
    each:
      with-items: x in [1, 2]
      action: no.such_action
      on-error: handled
    handled:
      action: std.noop

missing_in_no_items:
  tasks:
    each:
      with-items: x in []
      action: no.such_action
"""


def test_a_missing_action_in_with_items_fails_the_workflow_as_without_items():
    rehearsal = Rehearsal(Catalog().add_workflows(MISSING_ACTION_IN_ITEMS))
    execution = rehearsal.run("missing_in_items")
    assert execution.state == "ERROR"
    assert execution.state_info == (
        "Failed to run task [error=Failed to find action [action_name=no.such_action, "
        "namespace=], wf=missing_in_items, task=each]"
    )
    assert rehearsal.task_states(execution) == {"each": "ERROR"}
    assert rehearsal.ran == []


def test_a_missing_action_over_no_items_is_never_looked_up():
    rehearsal = Rehearsal(Catalog().add_workflows(MISSING_ACTION_IN_ITEMS))
    execution = rehearsal.run("missing_in_no_items")
    assert execution.state == "SUCCESS"


JOIN_IN_LOOP = """
version: '2.0'
join_in_loop:
  tasks:
    start:
      action: std.noop
      publish:
        rounds: 0
      on-success: fork
    fork:
      action: std.noop
      on-success: [left, right]
    left:
      action: std.echo output="l"
      publish:
        left_seen: <% $.rounds %>
      on-success: together
    right:
      action: std.echo output="r"
      on-success: together
    together:
      join: all
      action: std.noop
      publish:
        rounds: <% $.rounds + 1 %>
        joined_left: <% $.left_seen %>
      on-success:
        - fork: <% $.rounds < 3 %>
"""


def test_a_join_inside_a_loop_fires_once_per_round_of_its_inbound_tasks():
    rehearsal = Rehearsal(Catalog().add_workflows(JOIN_IN_LOOP))
    execution = rehearsal.run("join_in_loop")
    assert execution.state == "SUCCESS", execution.state_info
    joins = execution.tasks_by_name["together"]
    assert [join.state for join in joins] == ["SUCCESS"] * 3
    assert [join.published for join in joins] == [
        {"rounds": 1, "joined_left": 0},
        {"rounds": 2, "joined_left": 1},
        {"rounds": 3, "joined_left": 2},
    ]
    assert len(execution.tasks_by_name["left"]) == len(execution.tasks_by_name["right"]) == 3


class ManyStored:
    """A history that holds more stored task executions than tasks() may return."""

    def execution_tree(self, execution_id):
        return [execution_id]

    def tasks(self, workflow_execution_ids, state, skip_executions, limit):
        return [{"id": f"t{n}", "name": "old", "type": "ACTION"} for n in range(limit)]

    def executions(self, id, root_execution_id, state, from_time, to_time, skip, limit):
        return []


HISTORY = """
version: '2.0'
looks_back:
  tasks:
    look:
      action: std.echo output=<% tasks().len() %>
"""


def test_tasks_over_the_stored_history_is_bounded_with_a_clear_error():
    rehearsal = Rehearsal(Catalog().add_workflows(HISTORY))
    rehearsal.conductor.history = ManyStored()
    execution = rehearsal.run("looks_back")
    assert execution.state == "ERROR"
    assert "tasks() matched more than 1000 task executions; narrow it with a workflow " in (
        rehearsal.task(execution, "look").state_info
    )


SKIP = """
version: '2.0'
skip_failed:
  tasks:
    bad:
      action: std.fail
      publish-on-skip:
        skipped: <% task().state %>
      on-skip: after
      on-success: never
    after:
      action: std.echo output="went on"
      publish:
        after: <% task().result %>
    never:
      action: std.noop
"""


def test_skipping_a_failed_task_publishes_on_skip_and_follows_on_skip():
    rehearsal = Rehearsal(Catalog().add_workflows(SKIP))
    execution = rehearsal.run("skip_failed")
    assert execution.state == "ERROR"
    bad = rehearsal.task(execution, "bad")
    rehearsal.send(events.RerunTask(bad.id, skip=True))
    rehearsal.settle()
    assert rehearsal.task_states(execution) == {"bad": "SKIPPED", "after": "SUCCESS"}
    assert execution.state == "SUCCESS", execution.state_info
    assert execution.output == {"skipped": "SKIPPED", "after": "went on"}
