"""Invalid documents: each problem names the line, the key path and what is wrong.

The expected line is the one marked `#<` in each document.
"""

from textwrap import dedent

import pytest

from engine.lang import DefinitionError, parse_actions, parse_workbook, parse_workflows

HEAD = "version: '2.0'\nname: wb\nworkflows:\n"


def wb(text: str) -> str:
    """A workbook whose `workflows:` section is `text`, indented by two spaces."""
    return HEAD + "".join(f"  {line}\n" for line in dedent(text).strip("\n").splitlines())


def problems_of(parse, text: str):
    with pytest.raises(DefinitionError) as raised:
        parse(text, "wb.yaml")
    return raised.value.problems


def marked_line(text: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if "#<" in line)


CASES = [
    pytest.param(
        parse_workbook,
        "version: '2.0'\nname: wb\nworkflows:\n  wf:\n    tasks:\n   t1: {}  #<\n",
        "",
        "YAML syntax error: while parsing a block mapping did not find expected key",
        id="yaml-syntax",
    ),
    pytest.param(
        parse_workbook,
        "#<  nothing but a comment\n",
        "",
        "a workbook must be a mapping, not null",
        id="empty-document",
    ),
    pytest.param(
        parse_workbook,
        "version: '2.0'\nname: wb\n---  #<\nname: other\n",
        "",
        "YAML syntax error: expected a single document in the stream but found another document",
        id="two-documents",
    ),
    pytest.param(
        parse_workbook,
        "- version: '2.0'  #<\n",
        "",
        "a workbook must be a mapping, not a list",
        id="not-a-mapping",
    ),
    pytest.param(
        parse_workbook,
        "name: wb  #<\nworkflows:\n  wf:\n    tasks:\n      t: {action: std.noop}\n",
        "version",
        "version is required: add version: '2.0'",
        id="version-missing",
    ),
    pytest.param(
        parse_workbook,
        "version: '1.0'  #<\nname: wb\n",
        "version",
        "unsupported version '1.0': only '2.0' is supported",
        id="version-unsupported",
    ),
    pytest.param(
        parse_workbook,
        "version: '2.0'  #<\nworkflows:\n  wf:\n    tasks:\n      t: {action: std.noop}\n",
        "name",
        "a workbook needs a name: add name: <workbook name>",
        id="workbook-name-missing",
    ),
    pytest.param(
        parse_workbook,
        "version: '2.0'\nname: wb\ntags: [a, a]  #<\n",
        "tags[1]",
        "tags lists 'a' twice",
        id="workbook-tags-repeated",
    ),
    pytest.param(
        parse_workbook,
        "version: '2.0'\nname: wb\nworkflow:  #<\n  wf:\n    tasks: {t: {action: std.noop}}\n",
        "workflow",
        "unknown key 'workflow' in a workbook (did you mean 'workflows'?)",
        id="workbook-unknown-key",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                t1:
                  action: std.noop
                t1:  #<
                  action: std.echo
            """
        ),
        "workflows.wf.tasks.t1",
        "duplicate key 't1' (first given on line 6)",
        id="duplicate-key",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              inputs: [a]  #<
              tasks:
                t: {action: std.noop}
            """
        ),
        "workflows.wf.inputs",
        "unknown key 'inputs' in workflow 'wf' (did you mean 'input'?)",
        id="workflow-unknown-key",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                t1:
                  action: std.noop
                  on-sucess: t2  #<
                t2:
                  action: std.noop
            """
        ),
        "workflows.wf.tasks.t1.on-sucess",
        "unknown key 'on-sucess' in task 't1' (did you mean 'on-success'?)",
        id="task-unknown-key",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            tag_node:
              tasks:
                update_node:
                  on-success: send_message
                send_message:
                  on-success:
                    - secnd  #<
            """
        ),
        "workflows.tag_node.tasks.send_message.on-success[0]",
        "on-success refers to unknown task 'secnd'",
        id="unknown-target-in-list",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                start:
                  on-error: finnish  #<
                finish:
                  action: std.noop
            """
        ),
        "workflows.wf.tasks.start.on-error",
        "on-error refers to unknown task 'finnish' (did you mean 'finish'?)",
        id="unknown-target-string",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                start:
                  on-complete:
                    - done
                    - missing: <% $.x %>  #<
                done:
                  action: std.noop
            """
        ),
        "workflows.wf.tasks.start.on-complete[1]",
        "on-complete refers to unknown task 'missing'",
        id="unknown-guarded-target",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                start:
                  on-error: {}  #<
            """
        ),
        "workflows.wf.tasks.start.on-error",
        "on-error must be a task name, a list of task names and '{task: <% condition %>}' "
        "entries, or a mapping with publish and next, not a mapping",
        id="clause-empty-mapping",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                start:
                  on-success:
                    - done: yes  #<
                done:
                  action: std.noop
            """
        ),
        "workflows.wf.tasks.start.on-success[0]",
        "the condition of 'done' must be an expression like <% ... %>, not true",
        id="condition-not-expression",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:  #<
                ping:
                  on-success: pong
                pong:
                  on-success: ping
            """
        ),
        "workflows.wf.tasks",
        "a direct workflow needs a start task (one that no on-success, on-error or "
        "on-complete leads to), but every task is the target of another",
        id="no-start-task",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                a:
                  on-success: both
                b:
                  on-success: both
                both:
                  join: 3  #<
            """
        ),
        "workflows.wf.tasks.both.join",
        "join: 3 needs at least 3 inbound tasks, found 2 (a, b)",
        id="join-too-few-inbound",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                lonely:
                  join: all  #<
            """
        ),
        "workflows.wf.tasks.lonely.join",
        "join: all needs at least 1 inbound task, found 0 (none)",
        id="join-all-without-inbound",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                a:
                  on-success: b
                b:
                  join: some  #<
            """
        ),
        "workflows.wf.tasks.b.join",
        "join must be 'all', 'one' or a positive integer, not the string 'some'",
        id="join-bad-value",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                a:
                  action: std.noop
                b:
                  requires: not_a_task  #<
            """
        ),
        "workflows.wf.tasks.b.requires",
        "requires is only valid in reverse workflows (this one is direct)",
        id="requires-in-direct",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              type: reverse
              tasks:
                a:
                  on-success: nowhere  #<
                b:
                  action: std.noop
            """
        ),
        "workflows.wf.tasks.a.on-success",
        "on-success is only valid in direct workflows (this one is reverse)",
        id="on-success-in-reverse",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              type: reverse
              tasks:
                build:
                  action: std.noop
                deploy:
                  requires: [build, configur]  #<
                configure:
                  action: std.noop
            """
        ),
        "workflows.wf.tasks.deploy.requires[1]",
        "requires refers to unknown task 'configur' (did you mean 'configure'?)",
        id="requires-unknown-task",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              type: reverse
              tasks:
                a:
                  requires: c  #<
                b:
                  requires: a
                c:
                  requires: [b]
            """
        ),
        "workflows.wf.tasks.a.requires",
        "requires forms a cycle: a -> c -> b -> a",
        id="requires-cycle",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                t:
                  action: std.noop
                  workflow: other  #<
            """
        ),
        "workflows.wf.tasks.t",
        "a task runs an action or a workflow, not both: remove one of them",
        id="action-and-workflow",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                t:
                  action: std.noop
                  retry:  #<
                    count: 3
            """
        ),
        "workflows.wf.tasks.t.retry",
        "retry needs delay",
        id="retry-without-delay",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                t:
                  action: std.noop
                  retry:
                    count: -1  #<
                    delay: 1
            """
        ),
        "workflows.wf.tasks.t.retry.count",
        "count must be an integer >= 0 or an expression, not the number -1",
        id="retry-negative-count",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                t:
                  action: std.noop
                  retry: count=5 delay=1 break_on=<% $.x %>  #<
            """
        ),
        "workflows.wf.tasks.t.retry.break_on",
        "unknown key 'break_on' in retry (did you mean 'break-on'?)",
        id="retry-one-line-unknown-key",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                t:
                  action: std.noop
                  timeout: ten minutes  #<
            """
        ),
        "workflows.wf.tasks.t.timeout",
        "timeout must be an integer >= 0 or an expression, not the string 'ten minutes'",
        id="timeout-not-integer",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                t:
                  action: std.noop
                  pause-before: 1  #<
            """
        ),
        "workflows.wf.tasks.t.pause-before",
        "pause-before must be true, false or an expression, not the number 1",
        id="pause-before-not-boolean",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                t:
                  action: std.noop
                  with-items: node from <% $.nodes %>  #<
            """
        ),
        "workflows.wf.tasks.t.with-items",
        "with-items must look like 'var in <% $.list %>' or 'var in [1, 2]', "
        "not the string 'node from <% $.nodes %>'",
        id="with-items-syntax",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                t:
                  action: std.noop
                  with-items:
                    - a in <% $.a %>
                    - b in [1, 2,]  #<
            """
        ),
        "workflows.wf.tasks.t.with-items[1]",
        "with-items list '[1, 2,]' is not valid JSON: Expecting value: line 1 column 7 (char 6)",
        id="with-items-bad-json",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                t:
                  action: std.noop
                  publish:
                    nodes: <% $.nodes.where( %>  #<
            """
        ),
        "workflows.wf.tasks.t.publish.nodes",
        "YAQL syntax error in <% $.nodes.where( %>: Parse error: unexpected end of statement",
        id="yaql-syntax-in-publish",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                t:
                  action: std.echo
                  input:
                    output: '{{ _.a + }}'  #<
            """
        ),
        "workflows.wf.tasks.t.input.output",
        "Jinja syntax error in '{{ _.a + }}': unexpected 'end of template'",
        id="jinja-syntax-in-input",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                t:
                  action: std.echo output=<% $.a = %>  #<
            """
        ),
        "workflows.wf.tasks.t.action.output",
        "YAQL syntax error in <% $.a = %>: Parse error: unexpected end of statement",
        id="yaql-syntax-in-inline-parameter",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                t:
                  action: =std.echo  #<
            """
        ),
        "workflows.wf.tasks.t.action",
        "cannot read a name at the start of '=std.echo'",
        id="action-name-unreadable",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                t:
                  action: std.noop
                  on-error:
                    - fail message="bad"  #<
            """
        ),
        "workflows.wf.tasks.t.on-error[0]",
        "engine command 'fail' takes only msg, not 'message'",
        id="command-unknown-parameter",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                t:
                  action: std.echo
                  input: output=hello  #<
            """
        ),
        "workflows.wf.tasks.t.input",
        "input must be a mapping or an expression, not the string 'output=hello'",
        id="input-plain-string",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                t:
                  action: std.echo output="x"
                  input: <% $.more %>  #<
            """
        ),
        "workflows.wf.tasks.t.input",
        "an input expression cannot be combined with inline parameters (output): "
        "move them into the expression",
        id="input-expression-with-inline",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                t:
                  action: std.echo
                  input: <% $.a + %>  #<
            """
        ),
        "workflows.wf.tasks.t.input",
        "YAQL syntax error in <% $.a + %>: Parse error: unexpected end of statement",
        id="input-expression-syntax",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                t:
                  action: std.noop
                  retry:
                    count: 1
                    delay: 1
                    continue-on: true  #<
            """
        ),
        "workflows.wf.tasks.t.retry.continue-on",
        "retry continue-on must be an expression, not true",
        id="retry-condition-not-expression",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                t:
                  action: std.noop
                  with-items: node in nodes  #<
            """
        ),
        "workflows.wf.tasks.t.with-items",
        "with-items source 'nodes' must be an expression like <% $.list %> or a JSON list",
        id="with-items-source-not-expression",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                t:
                  action: std.noop
                  on-success:
                    - t2: <% $.a and %>  #<
                t2:
                  action: std.noop
            """
        ),
        "workflows.wf.tasks.t.on-success[0]",
        "YAQL syntax error in <% $.a and %>: Parse error: unexpected end of statement",
        id="condition-syntax",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                t:
                  action: std.noop
                  on-success:
                    publish:
                      branches: {a: 1}  #<
                    next: t2
                t2:
                  action: std.noop
            """
        ),
        "workflows.wf.tasks.t.on-success.publish.branches",
        "unknown key 'branches' in on-success publish (did you mean 'branch'?)",
        id="advanced-publish-unknown-scope",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                t:
                  action: std.noop
                  keep-result: no way  #<
            """
        ),
        "workflows.wf.tasks.t.keep-result",
        "keep-result must be true, false or an expression, not the string 'no way'",
        id="keep-result-not-boolean",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              task-defaults:
                on-error: t
                timout: 5  #<
              tasks:
                t:
                  action: std.noop
            """
        ),
        "workflows.wf.task-defaults.timout",
        "unknown key 'timout' in task-defaults (did you mean 'timeout'?)",
        id="task-defaults-unknown-key",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              type: sideways  #<
              tasks:
                t: {action: std.noop}
            """
        ),
        "workflows.wf.type",
        "type must be 'direct' or 'reverse', not the string 'sideways'",
        id="workflow-type",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tags: tripleo-common-managed  #<
              tasks:
                t: {action: std.noop}
            """
        ),
        "workflows.wf.tags",
        "tags must be a list of strings, not the string 'tripleo-common-managed'",
        id="tags-not-a-list",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              input:
                - node
                - node: 1  #<
              tasks:
                t: {action: std.noop}
            """
        ),
        "workflows.wf.input[1]",
        "input 'node' is declared twice",
        id="input-declared-twice",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              input:
                - {a: 1, b: 2}  #<
              tasks:
                t: {action: std.noop}
            """
        ),
        "workflows.wf.input[0]",
        "input entries must be a name or a one-key 'name: default' mapping, not a mapping",
        id="input-entry-shape",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              description: no tasks  #<
            """
        ),
        "workflows.wf",
        "workflow 'wf' has no tasks",
        id="tasks-missing",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            wf:
              tasks:
                t: std.echo  #<
            """
        ),
        "workflows.wf.tasks.t",
        "task 't' must be a non-empty mapping, not the string 'std.echo'",
        id="task-not-a-mapping",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            c8f1e9a6-3f5e-4a43-9a6e-0f6f1cbe2d11:  #<
              tasks:
                t: {action: std.noop}
            """
        ),
        "workflows.c8f1e9a6-3f5e-4a43-9a6e-0f6f1cbe2d11",
        "workflow name 'c8f1e9a6-3f5e-4a43-9a6e-0f6f1cbe2d11' looks like a UUID; choose a name",
        id="workflow-name-uuid",
    ),
    pytest.param(
        parse_workbook,
        wb(
            """
            my.flow:  #<
              tasks:
                t: {action: std.noop}
            """
        ),
        "workflows.my.flow",
        "workflow name 'my.flow' may hold only letters, digits, '_' and '-' in a workbook",
        id="workflow-name-pattern",
    ),
    pytest.param(
        parse_workbook,
        "version: '2.0'\nname: wb\nactions:\n  shout:\n    base-input: {a: 1}  #<\n",
        "actions.shout.base",
        "an ad-hoc action needs a base action: add base:",
        id="action-base-missing",
    ),
    pytest.param(
        parse_workbook,
        "version: '2.0'\nname: wb\nactions:\n  ping:\n    base: pong  #<\n"
        "  pong:\n    base: wb.ping\n",
        "actions.ping.base",
        "base forms a cycle: ping -> pong -> ping",
        id="action-base-cycle",
    ),
    pytest.param(
        parse_actions,
        "version: '2.0'\nmy.action:\n  base: std.echo\n  base_input: {}  #<\n",
        "my.action.base_input",
        "unknown key 'base_input' in action 'my.action' (did you mean 'base-input'?)",
        id="action-list-unknown-key",
    ),
    pytest.param(
        parse_workflows,
        "version: '2.0'  #<\n",
        "",
        "the document defines no workflow",
        id="workflow-list-empty",
    ),
    pytest.param(
        parse_workflows,
        "version: '2.0'\nwf:\n  tasks:\n    t:\n      action: 42  #<\n",
        "wf.tasks.t.action",
        "action must be an action name, not the number 42",
        id="action-not-a-name",
    ),
]


@pytest.mark.parametrize(("parse", "text", "path", "message"), CASES)
def test_invalid_document_reports_line_path_and_sentence(parse, text, path, message):
    problems = problems_of(parse, text)
    found = [(problem.line, problem.path, problem.message) for problem in problems]
    assert found == [(marked_line(text), path, message)]
    assert all(problem.file == "wb.yaml" for problem in problems)


def test_every_problem_is_reported_at_once_in_document_order():
    text = wb(
        """
        wf:
          tasks:
            a:
              on-success: nowhere
              timeout: -5
            b:
              action: std.echo output=<% $.x +%>
              retry: count=1
        """
    )
    problems = problems_of(parse_workbook, text)
    assert [(p.line, p.column, p.path) for p in problems] == [
        (7, 21, "workflows.wf.tasks.a.on-success"),
        (8, 18, "workflows.wf.tasks.a.timeout"),
        (10, 17, "workflows.wf.tasks.b.action.output"),
        (11, 9, "workflows.wf.tasks.b.retry"),
    ]
    message = str(DefinitionError(problems))
    assert message.splitlines()[0] == (
        "wb.yaml:7:21: workflows.wf.tasks.a.on-success: on-success refers to unknown task 'nowhere'"
    )
    assert len(message.splitlines()) == 4


def test_yaml_syntax_error_keeps_its_position():
    (problem,) = problems_of(parse_workbook, "version: '2.0'\nname: [unclosed\n")
    assert (problem.line, problem.column) == (3, 1)
    assert problem.message.startswith("YAML syntax error: while parsing a flow sequence")
