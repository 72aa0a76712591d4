"""Mistral's custom functions in YAQL, as Jinja globals and as Jinja filters; safe format."""

import json
import re
import uuid

import pytest

from engine.expr import ContextView, ExpressionError, compile_string, data_context, evaluate
from tests.expr.execution_data import MemoryExecutionData, task_record

EXECUTION = {"id": "wf-1", "name": "wb.wf", "spec": {}, "input": {"server_name": "ctl"}}
TASKS = [
    task_record("t-1", "get_nodes", result=[{"uuid": "n1"}]),
    task_record("t-2", "get_nodes", result=[{"uuid": "n2"}], state="ERROR"),
    task_record("t-3", "send", state="RUNNING"),
    task_record("s-1", "sub_task", wf="wf-2"),
]


@pytest.fixture
def view():
    data = MemoryExecutionData(
        execution_record=EXECUTION,
        task_records=TASKS,
        execution_records=[EXECUTION, {"id": "wf-2", "root_execution_id": "wf-1"}],
        environment={"region": "r1"},
        globals={"site": 5},
    )
    return data_context(
        task_execution={"id": "t-3", "name": "send"},
        task={"node": {"uuid": "abc", "n": 2}, "names": ["a", "b"]},
        workflow={"__execution": {"id": "wf-1"}},
        execution_data=data,
    )


def ev(text, view):
    return evaluate(compile_string(text), view)


def each_form(yaql, jinja_global, jinja_filter):
    return pytest.mark.parametrize("text", [yaql, jinja_global, jinja_filter])


@each_form("<% task(get_nodes) %>", "{{ task('get_nodes') }}", "{{ _ | task('get_nodes') }}")
def test_task_by_name_is_the_last_execution_of_that_name(view, text):
    assert ev(text, view)["id"] == "t-2"


@each_form("<% task() %>", "{{ task() }}", "{{ _ | task }}")
def test_task_without_name_is_the_current_task(view, text):
    assert ev(text, view)["id"] == "t-3"


def test_task_of_own_name_is_the_current_instance(view):
    assert ev("<% task(send).state %>", view) == "RUNNING"


def test_task_result_is_reachable_with_paths(view):
    assert ev("<% task(get_nodes).result.uuid %>", view) == ["n2"]
    assert ev("{{ task('get_nodes').result[0].uuid }}", view) == "n2"


def test_unknown_task_is_none(view):
    assert ev("<% task(nope) %>", view) is None
    assert ev("{{ task('nope') }}", view) is None


@each_form("<% tasks() %>", "{{ tasks() }}", "{{ _ | tasks }}")
def test_tasks_without_filters_lists_all(view, text):
    assert [t["id"] for t in ev(text, view)] == ["t-1", "t-2", "t-3", "s-1"]


def test_tasks_with_filters(view):
    assert [t["id"] for t in ev("<% tasks('wf-2') %>", view)] == ["s-1"]
    assert [t["id"] for t in ev("<% tasks(state => ERROR) %>", view)] == ["t-2"]
    assert [t["id"] for t in ev("<% tasks(workflow_execution_id => 'wf-2') %>", view)] == ["s-1"]
    assert [t["id"] for t in ev("{{ tasks('wf-1', true, 'SUCCESS', true) }}", view)] == ["t-1"]
    assert [t["id"] for t in ev("{{ _ | tasks(state='RUNNING') }}", view)] == ["t-3"]


@each_form("<% execution() %>", "{{ execution() }}", "{{ _ | execution }}")
def test_execution(view, text):
    assert ev(text, view) == EXECUTION


def test_execution_input_is_reachable(view):
    assert ev("<% execution().input.server_name %>", view) == "ctl"


@each_form("<% executions() %>", "{{ executions() }}", "{{ _ | executions }}")
def test_executions(view, text):
    assert [e["id"] for e in ev(text, view)] == ["wf-1", "wf-2"]


def test_executions_with_filters(view):
    assert [e["id"] for e in ev("<% executions(root_execution_id => 'wf-1') %>", view)] == ["wf-2"]
    assert [e["id"] for e in ev("{{ executions(id='wf-1') }}", view)] == ["wf-1"]


@each_form("<% env() %>", "{{ env() }}", "{{ _ | env }}")
def test_env(view, text):
    assert ev(text, view) == {"region": "r1"}


@each_form("<% global(site) %>", "{{ global('site') }}", "{{ _ | global('site') }}")
def test_global(view, text):
    assert ev(text, view) == 5


def test_global_missing_is_none(view):
    assert ev("<% global(nope) %>", view) is None


@each_form("<% uuid() %>", "{{ uuid() }}", "{{ _ | uuid }}")
def test_uuid_is_a_new_uuid4_string(view, text):
    first, second = ev(text, view), ev(text, view)
    assert uuid.UUID(first).version == 4
    assert first != second


@each_form("<% json_dump($.node) %>", "{{ json_dump(_.node) }}", "{{ _ | json_dump(_.node) }}")
def test_json_dump_is_indented_json(view, text):
    assert ev(text, view) == '{\n    "uuid": "abc",\n    "n": 2\n}'


@each_form(
    "<% json_parse('[1, {\"a\": null}]') %>",
    "{{ json_parse('[1]') }}",
    "{{ _ | json_parse('[1]') }}",
)
def test_json_parse(view, text):
    assert ev(text, view) in ([1, {"a": None}], [1])


@each_form("<% yaml_dump($.node) %>", "{{ yaml_dump(_.node) }}", "{{ _ | yaml_dump(_.node) }}")
def test_yaml_dump_is_block_style(view, text):
    assert ev(text, view) == "n: 2\nuuid: abc\n"


@each_form(
    "<% yaml_parse('a: [1, 2]') %>",
    "{{ yaml_parse('a: [1, 2]') }}",
    "{{ _ | yaml_parse('a: [1, 2]') }}",
)
def test_yaml_parse(view, text):
    assert ev(text, view) == {"a": [1, 2]}


def test_yaml_parse_is_safe_and_bounds_aliases(view):
    with pytest.raises(ExpressionError, match="could not determine a constructor"):
        ev("<% yaml_parse('!!python/object/apply:os.system [ls]') %>", view)
    assert ev("{{ yaml_parse('a: &x [1]\\nb: *x') }}", view) == {"a": [1], "b": [1]}
    laughs = "\\n".join(
        [f"a0: &a0 [{', '.join(['lol'] * 9)}]"]
        + [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 9)]
    )
    with pytest.raises(
        ExpressionError,
        match=r"alias \*a3 brings .* limit of 10000\n  in \"<unicode string>\", line 5",
    ):
        ev(f"<% yaml_parse('{laughs}') %>", view)


def test_json_pp_turns_escaped_newlines_into_real_ones(view):
    text = ev("<% json_pp($.data) %>", ContextView({"data": {"log": "one\ntwo "}}))
    assert text == '{\n    "log": "one\ntwo "\n}'


def test_json_pp_without_data_prints_the_whole_context(view):
    printed = ev("{{ json_pp() }}", ContextView({"a": 1}))
    assert json.loads(printed) == {"a": 1}
    assert ev("<% json_pp() %>", ContextView({"a": 1})) == printed


def test_functions_needing_execution_data_say_so_without_it():
    with pytest.raises(ExpressionError, match=r"task\(\) needs the execution's data"):
        ev("<% task() %>", ContextView({}))
    with pytest.raises(ExpressionError, match="pass `_` as the filter input"):
        ev("{{ 5 | env }}", ContextView({}))


# --- format ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('<% "Node {0} failed".format($.node.uuid) %>', "Node abc failed"),
        ("<% 'x{0}-{1}'.format($.node.n, $.names) %>", "x2-['a', 'b']"),
        ("<% '{}+{}'.format(1, 2) %>", "1+2"),
        ("<% '{name}:{0}'.format(1, name => 'n') %>", "n:1"),
        ("<% format('{0}/{1}', $.node.uuid, null) %>", "abc/None"),
        ("<% '{0:>5}|{0!r}'.format('ab') %>", "   ab|'ab'"),
        ("<% 'Retrying {0} nodes'.format($.names.len()) %>", "Retrying 2 nodes"),
        ("<% '{0}'.format($.names.where($ = 'a')) %>", "['a']"),
    ],
)
def test_format_in_method_and_function_form(view, text, expected):
    assert ev(text, view) == expected


@pytest.mark.parametrize(
    "field", ["{0.__class__}", "{0.__class__.__mro__}", "{0[0]}", "{x.real}", "{0[__globals__]}"]
)
def test_format_refuses_attribute_and_index_lookups(view, field):
    with pytest.raises(ExpressionError, match=re.escape(f"format field {field} is refused")):
        ev(f"<% '{field}'.format($.names, x => 1) %>", view)


def test_format_refuses_huge_widths(view):
    with pytest.raises(ExpressionError, match="width over 9999"):
        ev("<% '{0:>999999999}'.format(1) %>", view)


def test_format_with_too_few_arguments_is_a_clear_error(view):
    with pytest.raises(
        ExpressionError, match=re.escape("format field {1} has no matching argument")
    ):
        ev("<% '{0} {1}'.format(1) %>", view)
