"""Each form of the language parses into the spec the engine expects."""

from textwrap import dedent

import pytest

from engine.expr import EXPRESSION_TYPES
from engine.lang import (
    DefinitionError,
    InputParam,
    Problem,
    Retry,
    Target,
    WithItem,
    parse_actions,
    parse_workbook,
    parse_workflows,
)


def source(value):
    """The source text of a compiled expression (and the value itself otherwise)."""
    return value.source if isinstance(value, EXPRESSION_TYPES) else value


def workflow(body: str, **header):
    """Parse one workflow `wf` given the text under its `tasks:` key plus workflow keys."""
    extra = "".join(f"    {key}: {value}\n" for key, value in header.items())
    text = "version: '2.0'\nname: wb\nworkflows:\n  wf:\n" + extra + "    tasks:\n"
    text += "".join(f"      {line}\n" for line in dedent(body).strip("\n").splitlines())
    return parse_workbook(text).workflows["wf"]


WORKBOOK = dedent(
    """\
    version: '2.0'
    name: my.books.v1
    description: Keys of a workbook
    tags: [one, two]
    actions:
      greet:
        base: std.echo output="hi"
    workflows:
      main:
        type: direct
        description: Every workflow key
        tags: [alpha]
        input:
          - node
          - role: null
          - queue: tripleo
          - retries: 3
          - flags: {a: 1}
          - names: []
        output:
          result: <% $.value %>
          nested:
            items: [<% $.a %>, literal]
        output-on-error:
          why: <% execution().state_info %>
        vars:
          counter: 0
          label: '{{ _.node }}'
        task-defaults:
          on-error: cleanup
        tasks:
          first:
            action: greet
          cleanup:
            description: runs after an error
    """
)


def test_workbook_keys():
    book = parse_workbook(WORKBOOK, "book.yaml")
    assert (book.name, book.description, book.tags) == (
        "my.books.v1",
        "Keys of a workbook",
        (
            "one",
            "two",
        ),
    )
    assert list(book.workflows) == ["main"]
    assert list(book.actions) == ["greet"]
    assert book.definition == WORKBOOK
    assert book.warnings == ()


def test_workflow_keys_and_input_text():
    main = parse_workbook(WORKBOOK).workflows["main"]
    assert (main.name, main.type, main.description, main.tags) == (
        "main",
        "direct",
        "Every workflow key",
        ("alpha",),
    )
    assert main.input[:3] == (
        InputParam("node"),
        InputParam("role", None, required=False),
        InputParam("queue", "tripleo", required=False),
    )
    assert main.input_text == "node, role=None, queue=tripleo, retries=3, flags={'a': 1}, names=[]"
    assert source(main.output["result"]) == "<% $.value %>"
    assert [source(item) for item in main.output["nested"]["items"]] == ["<% $.a %>", "literal"]
    assert source(main.output_on_error["why"]) == "<% execution().state_info %>"
    assert main.vars["counter"] == 0
    assert source(main.vars["label"]) == "{{ _.node }}"


def test_workflow_definition_is_its_own_document():
    main = parse_workbook(WORKBOOK).workflows["main"]
    assert main.definition.startswith("version: '2.0'\n\nmain:\n  type: direct\n")
    assert main.definition.endswith("    cleanup:\n      description: runs after an error\n")
    assert parse_workflows(main.definition).workflows["main"].tasks.keys() == {"first", "cleanup"}


def test_task_without_action_or_workflow_runs_noop():
    task = parse_workbook(WORKBOOK).workflows["main"].tasks["cleanup"]
    assert (task.action, task.workflow, task.input) == ("std.noop", None, {})


def test_inline_parameter_values_follow_mistral_rules():
    action = (
        "std.echo a=\"x y\" b='z' n=10 f=1.5 neg=-2 yes=true no=false none=null "
        'list=[1, "two"] obj={"k":[1]} e=<% $.v %> j={{ _.v }} tpl="id-<% $.id %>"'
    )
    task = workflow(f"t:\n  action: {action}").tasks["t"]
    assert task.action == "std.echo"
    values = {key: source(value) for key, value in task.input.items()}
    assert values == {
        "a": "x y",
        "b": "z",
        "n": 10,
        "f": 1.5,
        "neg": -2,
        "yes": True,
        "no": False,
        "none": None,
        "list": [1, "two"],
        "obj": {"k": [1]},
        "e": "<% $.v %>",
        "j": "{{ _.v }}",
        "tpl": "id-<% $.id %>",
    }
    assert isinstance(task.input["tpl"], EXPRESSION_TYPES)


def test_inline_list_holding_expressions_is_compiled():
    task = workflow('t:\n  workflow: sub items=["<% $.a %>", 2]').tasks["t"]
    assert task.workflow == "sub"
    assert [source(item) for item in task.input["items"]] == ["<% $.a %>", 2]


def test_bare_word_parameter_is_dropped_with_a_warning():
    text = dedent(
        """\
        version: '2.0'
        name: wb
        workflows:
          wf:
            tasks:
              t:
                action: ironic.node_list maintenance=False detail=true
        """
    )
    book = parse_workbook(text, "wb.yaml")
    assert book.workflows["wf"].tasks["t"].input == {"detail": True}
    (warning,) = book.warnings
    assert (warning.line, warning.path) == (7, "workflows.wf.tasks.t.action")
    assert warning.message.startswith("parameter 'maintenance' is ignored: its value False is a")
    assert "write maintenance=false" in warning.message


def test_unreadable_inline_text_is_dropped_with_warnings_as_mistral_did():
    text = "version: '2.0'\nname: wb\nworkflows:\n  wf:\n    tasks:\n      t:\n"
    text += '        action: std.echo output = "x" n=1 msg="open\n'
    book = parse_workbook(text, "wb.yaml")
    assert book.workflows["wf"].tasks["t"].input == {"n": 1}
    assert [(w.line, w.column, w.message) for w in book.warnings] == [
        (7, 17, "'output' is ignored: it is not a name=value parameter"),
        (7, 17, "'=' is ignored: it is not a name=value parameter"),
        (7, 17, "'\"x\"' is ignored: it is not a name=value parameter"),
        (7, 17, "parameter 'msg' is ignored: the quote \" is never closed"),
    ]


def test_input_mapping_merges_with_inline_parameters_which_win():
    task = workflow(
        """
        t:
          action: std.echo output="inline" extra=1
          input:
            output: from input
            other: <% $.o %>
        """
    ).tasks["t"]
    assert {key: source(value) for key, value in task.input.items()} == {
        "output": "inline",
        "other": "<% $.o %>",
        "extra": 1,
    }


def test_input_may_be_one_expression():
    task = workflow("t:\n  action: std.echo\n  input: <% $.all_input %>").tasks["t"]
    assert source(task.input) == "<% $.all_input %>"


def test_dynamic_action_and_workflow_names():
    flow = workflow(
        """
        a:
          action: <% $.action_name %> x=1
        w:
          workflow: "{{ _.sub }}"
        """
    )
    assert source(flow.tasks["a"].action) == "<% $.action_name %>"
    assert flow.tasks["a"].input == {"x": 1}
    assert source(flow.tasks["w"].workflow) == "{{ _.sub }}"
    assert flow.tasks["w"].action is None


def test_every_task_key():
    task = workflow(
        """
        t:
          description: all keys
          workflow: child size=2
          publish:
            out: <% task().result %>
          publish-on-error:
            err: <% task().result %>
          with-items: node in <% $.nodes %>
          keep-result: false
          target: executor-1
          safe-rerun: true
          retry:
            count: 3
            delay: <% $.delay %>
            break-on: <% $.stop %>
            continue-on: <% $.again %>
          wait-before: 1
          wait-after: <% $.after %>
          timeout: 60
          pause-before: true
          concurrency: 4
          fail-on: <% $.bad %>
          tags: [x]
        """
    ).tasks["t"]
    assert (task.description, task.workflow, task.action, task.input) == (
        "all keys",
        "child",
        None,
        {"size": 2},
    )
    assert source(task.publish["out"]) == "<% task().result %>"
    assert source(task.publish_on_error["err"]) == "<% task().result %>"
    assert [(item.var, source(item.source)) for item in task.with_items] == [
        ("node", "<% $.nodes %>")
    ]
    assert (task.keep_result, task.target, task.safe_rerun, task.tags) == (
        False,
        "executor-1",
        True,
        ("x",),
    )
    retry = task.policies.retry
    assert (retry.count, source(retry.delay), source(retry.break_on)) == (
        3,
        "<% $.delay %>",
        "<% $.stop %>",
    )
    assert source(retry.continue_on) == "<% $.again %>"
    policies = task.policies
    assert (policies.wait_before, source(policies.wait_after), policies.timeout) == (
        1,
        "<% $.after %>",
        60,
    )
    assert (policies.pause_before, policies.concurrency, source(policies.fail_on)) == (
        True,
        4,
        "<% $.bad %>",
    )


def test_retry_one_line_and_switch_expressions():
    task = workflow(
        """
        t:
          action: std.noop
          retry: count=5 delay=1 break-on=<% $.done %>
          keep-result: <% $.keep %>
          safe-rerun: '{{ _.safe }}'
          pause-before: <% $.pause %>
        """
    ).tasks["t"]
    retry = task.policies.retry
    assert (retry.count, retry.delay, source(retry.break_on), retry.continue_on) == (
        5,
        1,
        "<% $.done %>",
        None,
    )
    assert source(task.keep_result) == "<% $.keep %>"
    assert source(task.safe_rerun) == "{{ _.safe }}"
    assert source(task.policies.pause_before) == "<% $.pause %>"


def test_with_items_list_of_variables_and_json_list():
    flow = workflow(
        """
        many:
          with-items:
            - x in <% $.xs %>
            - y in {{ _.ys }}
        literal:
          with-items: n in [1, 2, "three"]
        """
    )
    assert [(item.var, source(item.source)) for item in flow.tasks["many"].with_items] == [
        ("x", "<% $.xs %>"),
        ("y", "{{ _.ys }}"),
    ]
    assert flow.tasks["literal"].with_items == (WithItem("n", [1, 2, "three"]),)


def test_transition_forms():
    flow = workflow(
        """
        plain:
          on-success: one
          on-error: [two, three]
          on-complete:
            - one: <% $.x > 1 %>
            - two
        one:
          action: std.noop
        two:
          action: std.noop
        three:
          action: std.noop
        """
    )
    task = flow.tasks["plain"]
    assert task.on_success.targets == (Target("one"),)
    assert task.on_success.publish is None
    assert [target.name for target in task.on_error.targets] == ["two", "three"]
    guarded, unguarded = task.on_complete.targets
    assert (guarded.name, source(guarded.condition), guarded.is_command) == (
        "one",
        "<% $.x > 1 %>",
        False,
    )
    assert unguarded == Target("two")
    assert flow.outbound["plain"] == ("one", "two", "three")
    assert flow.inbound["two"] == ("plain",)
    assert flow.start_tasks == ("plain",)


def test_engine_commands_with_messages():
    flow = workflow(
        """
        t:
          action: std.noop
          on-success:
            - fail msg="went wrong": <% $.status = "FAILED" %>
            - succeed msg=<% $.why %>
            - pause
            - noop
          on-error: fail msg="x"
          on-complete: fail(msg="func form")
        """
    )
    task = flow.tasks["t"]
    failed, succeeded, paused, noop = task.on_success.targets
    assert (failed.name, failed.params, failed.is_command) == ("fail", {"msg": "went wrong"}, True)
    assert source(failed.condition) == '<% $.status = "FAILED" %>'
    assert (succeeded.name, source(succeeded.params["msg"])) == ("succeed", "<% $.why %>")
    assert (paused, noop) == (Target("pause", is_command=True), Target("noop", is_command=True))
    assert task.on_error.targets == (Target("fail", None, {"msg": "x"}, True),)
    assert task.on_complete.targets == (Target("fail", None, {"msg": "func form"}, True),)
    assert flow.outbound["t"] == ()


def test_task_named_like_a_command_shadows_it():
    flow = workflow(
        """
        start:
          on-success: fail
        fail:
          action: std.echo output="I am a task"
        """
    )
    assert flow.tasks["start"].on_success.targets == (Target("fail", is_command=False),)
    assert flow.inbound["fail"] == ("start",)


def test_advanced_publish_clause():
    task = workflow(
        """
        t:
          action: std.noop
          on-success:
            publish:
              branch:
                b: <% task().result %>
              global:
                g: 1
              atomic:
                a: 2
            next:
              - after: <% $.b %>
        after:
          action: std.noop
        """
    ).tasks["t"]
    clause = task.on_success
    assert source(clause.publish["b"]) == "<% task().result %>"
    assert (clause.publish_global, clause.atomic) == ({"g": 1}, {"a": 2})
    assert [(t.name, source(t.condition)) for t in clause.targets] == [("after", "<% $.b %>")]


def test_advanced_publish_without_next_or_scopes():
    task = workflow("t:\n  on-error:\n    publish:\n      global: {g: 1}").tasks["t"]
    assert (task.on_error.targets, task.on_error.publish, task.on_error.publish_global) == (
        (),
        {},
        {"g": 1},
    )


def test_join_forms_and_sources():
    flow = workflow(
        """
        a:
          on-success: [all_of_them, two_of_them, any_one]
        b:
          on-success: [all_of_them, two_of_them]
        c:
          on-complete: [all_of_them, two_of_them, any_one]
        all_of_them:
          join: all
        two_of_them:
          join: 2
        any_one:
          join: one
        """
    )
    assert flow.start_tasks == ("a", "b", "c")
    assert (flow.tasks["all_of_them"].join, flow.tasks["two_of_them"].join) == ("all", 2)
    assert flow.tasks["any_one"].join == 1
    assert flow.join_sources == {
        "all_of_them": frozenset("abc"),
        "two_of_them": frozenset("abc"),
        "any_one": frozenset("ac"),
    }


def test_task_defaults_merge():
    flow = workflow(
        """
        first:
          on-success: second
          timeout: 5
        second:
          on-error: cleanup
          safe-rerun: false
        cleanup:
          action: std.noop
        handler:
          action: std.noop
        """,
        **{
            "task-defaults": "{on-error: handler, on-complete: [handler], timeout: 30, "
            "retry: 'count=2 delay=3', safe-rerun: true}"
        },
    )
    first, second, handler = (flow.tasks[name] for name in ("first", "second", "handler"))
    assert first.on_error.targets == (Target("handler"),)
    assert second.on_error.targets == (Target("cleanup"),)  # its own value wins
    assert handler.on_error is None and handler.on_complete is None  # never routed to itself
    assert (first.policies.timeout, second.policies.timeout) == (5, 30)
    assert second.policies.retry == Retry(2, 3)
    assert (first.safe_rerun, second.safe_rerun) == (True, False)
    assert flow.start_tasks == ("first",)
    assert flow.inbound["handler"] == ("first", "second", "cleanup")


def test_reverse_workflow_requires_and_order():
    flow = workflow(
        """
        deploy:
          requires: [build, configure]
        configure:
          requires: build
        build:
          action: std.noop
        setup:
          action: std.noop
        report:
          action: std.noop
        """,
        type="reverse",
        **{"task-defaults": "{requires: [setup]}"},
    )
    assert flow.type == "reverse"
    assert flow.tasks["deploy"].requires == ("build", "configure", "setup")
    assert flow.tasks["configure"].requires == ("build", "setup")
    assert flow.tasks["setup"].requires == ()  # the default never requires the task itself
    order = flow.reverse_order("deploy")
    assert set(order) == {"deploy", "configure", "build", "setup"}
    assert order.index("build") < order.index("configure") < order.index("deploy")
    assert order.index("setup") < order.index("build")
    assert flow.reverse_order("report") == ("setup", "report")


def test_workflow_list_document():
    listing = parse_workflows(
        dedent(
            """\
            ---
            version: "2.0"

            hello:
              tasks:
                say:
                  action: std.echo output="Hello"

            bye-bye:
              type: reverse
              input: [name]
              tasks:
                wave:
                  action: std.echo output="<% $.name %>"
            """
        )
    )
    assert list(listing.workflows) == ["hello", "bye-bye"]
    assert listing.workflows["bye-bye"].definition == dedent(
        """\
        version: '2.0'

        bye-bye:
          type: reverse
          input: [name]
          tasks:
            wave:
              action: std.echo output="<% $.name %>"
        """
    )


def test_action_list_and_ad_hoc_action_keys():
    listing = parse_actions(
        dedent(
            """\
            version: 2.0
            my.greet:
              description: says hello
              tags: [hello]
              base: std.echo output="Hi" times=2
              base-input:
                output: Hello, <% $.name %>
              input:
                - name
                - polite: true
              output:
                text: <% $ %>
            my.loud_greet:
              base: my.greet
            """
        )
    )
    greet = listing.actions["my.greet"]
    assert (greet.base, greet.base_params, greet.description, greet.tags) == (
        "std.echo",
        {"output": "Hi", "times": 2},
        "says hello",
        ("hello",),
    )
    assert source(greet.base_input["output"]) == "Hello, <% $.name %>"
    assert greet.input_text == "name, polite=True"
    assert source(greet.output["text"]) == "<% $ %>"
    assert listing.actions["my.loud_greet"].output is None
    assert greet.definition.startswith("version: '2.0'\n\nmy.greet:\n  description: says hello\n")


def test_problem_and_error_text():
    problem = Problem("baremetal.yaml", 12, 9, "workflows.w.tasks.t.on-success[0]", "boom")
    assert str(problem) == "baremetal.yaml:12:9: workflows.w.tasks.t.on-success[0]: boom"
    assert str(Problem("x.yaml", 1, 1, "", "not YAML")) == "x.yaml:1:1: not YAML"
    error = DefinitionError((problem, Problem("x.yaml", 1, 1, "", "not YAML")))
    assert str(error).splitlines() == [str(problem), "x.yaml:1:1: not YAML"]


@pytest.mark.parametrize("name", ["noop", "fail", "succeed", "pause", "version_1", "has-hyphen"])
def test_accepted_task_and_workflow_names(name):
    flow = workflow(f"{name}:\n  action: std.noop")
    assert list(flow.tasks) == [name]
