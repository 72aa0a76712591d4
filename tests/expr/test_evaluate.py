"""Evaluation rules: whole vs embedded, native types, walking, layering, errors."""

import pytest

from engine.expr import (
    ContextView,
    ExpressionError,
    ExpressionSyntaxError,
    compile_string,
    compile_value,
    data_context,
    evaluate,
)

DATA = {"a": {"b": 41, "items": [1, 2]}, "xs": [1, 2, 3], "flag": True, "none": None}


def ev(text, context=DATA):
    return evaluate(compile_string(text), ContextView(context))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<% $.a %>", {"b": 41, "items": [1, 2]}),
        ("<% $.xs %>", [1, 2, 3]),
        ("<% $.a.b + 1 %>", 42),
        ("<% $.none %>", None),
        ("<% $.flag %>", True),
        ("<% $.xs.where($ > 1) %>", [2, 3]),
        ("<% foo %>", "foo"),  # a bare identifier is its own name
        ("{{ _.a }}", {"b": 41, "items": [1, 2]}),
        ("{{ _.a.b + 1 }}", 42),
        ("{{ _.none }}", None),
        ("{{ _.xs | select('gt', 1) | list }}", [2, 3]),
    ],
)
def test_whole_string_expression_gives_the_native_value(text, expected):
    result = ev(text)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("b=<% $.a.b %>", "b=41"),
        ("<% $.none %>/<% $.flag %>", "None/True"),  # Python 3 str()
        ("a: <% $.a %>", "a: {'b': 41, 'items': [1, 2]}"),
        ("<% $.xs %>!", "[1, 2, 3]!"),
        ("b={{ _.a.b }}", "b=41"),
        ("{{ _.none }} {{ _.flag }}", "None True"),
        ("{% for x in _.xs %}{{ x }}{% endfor %}", "123"),
    ],
)
def test_embedded_expressions_render_text(text, expected):
    assert ev(text) == expected


def test_values_are_walked_and_keys_never_evaluated():
    compiled = compile_value(
        {"<% $.a %>": ["<% $.a.b %>", {"k": "{{ _.xs[0] }}"}, 7, None, "plain"], "n": 3}
    )
    assert evaluate(compiled, ContextView(DATA)) == {
        "<% $.a %>": [41, {"k": 1}, 7, None, "plain"],
        "n": 3,
    }


def test_plain_values_pass_through():
    assert evaluate("text", {}) == "text"
    assert evaluate(5, {}) == 5
    assert evaluate(None, {}) is None


def test_a_plain_dict_is_accepted_as_context():
    assert evaluate(compile_string("<% $.a.b %>"), {"a": {"b": 1}}) == 1


def test_mixing_languages_in_one_string_is_a_compile_error():
    with pytest.raises(ExpressionSyntaxError, match="mixes YAQL"):
        compile_string("<% $.a %> and {{ _.a }}")


def test_missing_key_is_an_error_in_yaql():
    with pytest.raises(ExpressionError) as caught:
        ev("<% $.nope %>")
    assert str(caught.value) == (
        'Can not evaluate YAQL expression [expression=$.nope, error=Unknown key "nope"]'
    )


def test_missing_key_is_an_error_inside_where():
    with pytest.raises(ExpressionError, match='Unknown key "profile"'):
        ev("<% $.nodes.where($.profile = 'x') %>", {"nodes": [{"name": "n1"}]})
    # the documented way: bind the workflow variable first
    assert ev(
        "<% let(p => $.profile) -> $.nodes.where($.profile = $p).name %>",
        {"profile": "x", "nodes": [{"name": "n1", "profile": "x"}, {"name": "n2", "profile": "y"}]},
    ) == ["n1"]


def test_get_with_default_is_how_missing_keys_are_read():
    assert ev("<% $.get('status', 'SUCCESS') %>") == "SUCCESS"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{{ _.nope }}", "the data context _ has no attribute 'nope'"),
        ("{{ nope }}", "'nope' is undefined"),
        ("{{ _.a.nope }}", "'dict object' has no attribute 'nope'"),
        ("x {{ _.a.nope }}", "'dict object' has no attribute 'nope'"),
    ],
)
def test_missing_variable_is_an_error_in_jinja(text, message):
    with pytest.raises(ExpressionError) as caught:
        ev(text)
    assert str(caught.value) == (
        f"Can not evaluate Jinja expression [expression={text}, error={message}]"
    )


def test_jinja_items_is_the_mapping_method_as_in_mistral():
    assert ev("{{ _.items() | list | length }}") == len(DATA)
    assert ev("{{ _.a.items() | list }}") == [("b", 41), ("items", [1, 2])]
    assert ev("{{ _['items'] if 'items' in _ else 'no' }}") == "no"


def test_jinja_has_env_execution_and_task_execution_as_names():
    view = data_context(
        task_execution={"id": "t-1", "name": "t"},
        workflow={"__execution": {"id": "e-1"}, "__env": {"region": "r1"}},
    )
    text = "{{ __execution.id }} {{ __env.region }} {{ __task_execution.name }}"
    assert evaluate(compile_string(text), view) == "e-1 r1 t"
    assert evaluate(compile_string("{{ _ }}"), view) == {
        "__task_execution": {"id": "t-1", "name": "t"},
        "__execution": {"id": "e-1"},
        "__env": {"region": "r1"},
    }


def test_yaql_reads_dunder_keys_as_variables():
    # `$.__execution` is a YAQL lexical error: names may not start with `__`.
    view = data_context(
        task_execution={"id": "t-1", "name": "t"},
        workflow={"__execution": {"id": "e-1"}, "__env": {"region": "r1"}},
    )
    text = "<% [$__execution.id, $__env.region, $__task_execution.name] %>"
    assert evaluate(compile_string(text), view) == ["e-1", "r1", "t"]
    with pytest.raises(ExpressionSyntaxError, match="illegal character"):
        compile_string("<% $.__execution.id %>")


def test_layers_are_searched_in_mistrals_order():
    view = data_context(
        task_execution={"id": "t-1", "name": "t"},
        task={"x": "task", "only_task": 1},
        workflow={"x": "workflow", "y": "workflow", "__execution": {"id": "e-1"}},
        workflow_input={"x": "input", "y": "input", "z": "input"},
    )
    assert evaluate(compile_value(["<% $.x %>", "<% $.y %>", "<% $.z %>"]), view) == [
        "task",
        "workflow",
        "input",
    ]
    assert evaluate(compile_string("{{ [_.x, _.y, _.z] }}"), view) == ["task", "workflow", "input"]
    assert evaluate(compile_string("<% $.get('__task_execution').id %>"), view) == "t-1"
    assert list(view) == ["__task_execution", "x", "only_task", "y", "__execution", "z"]
    assert len(view) == 6


def test_the_view_copies_nothing_and_is_read_only():
    task_layer = {"x": 1}
    view = data_context(task=task_layer)
    task_layer["x"] = 2  # a view, not a copy
    assert view["x"] == 2
    with pytest.raises(TypeError):
        view["x"] = 3  # type: ignore[index]


def test_the_yaql_context_is_built_once_per_view():
    view = ContextView({"a": {"b": 1}})
    evaluate(compile_string("<% $.a.b + 1 %>"), view)
    built = view._yaql_context
    assert built is not None
    evaluate(compile_string("<% $.a.b + 2 %>"), view)
    assert view._yaql_context is built


def test_a_dict_of_expressions_shares_one_view():
    compiled = compile_value({"one": "<% $.a.b + 1 %>", "two": "{{ _.a.b + 2 }}", "c": "<% $.a %>"})
    assert evaluate(compiled, ContextView(DATA)) == {
        "one": 42,
        "two": 43,
        "c": {"b": 41, "items": [1, 2]},
    }


SECRET = "s3cr3t-Pa55"
SECRET_CONTEXT = {
    "password": SECRET,
    "nodes": [{"name": "n1", "token": SECRET}],
    "openstack": {"auth_token": SECRET},
}


@pytest.mark.parametrize(
    "text",
    [
        "<% $.nope %>",
        "<% $.foo() %>",  # yaql puts the receiver's repr (the whole context) in this error
        "<% $.nodes.len(1) %>",
        "<% $.nodes.where($.nope) %>",
        "<% $.openstack.foo() %>",
        "<% $ + 1 %>",
        "<% int($.nodes) %>",
        "<% $.nodes[5] %>",
        "prefix <% $.nodes.first().foo() %>",
        "{{ _.nope }}",
        "{{ _.nodes[0].nope }}",
        "{{ _ + 1 }}",
        "{{ _.password.__class__ }}",
        "{{ _.nodes.foo() }}",
        "text {{ _ | int + nope }}",
    ],
)
def test_errors_never_carry_the_context(text):
    with pytest.raises(ExpressionError) as caught:
        ev(text, SECRET_CONTEXT)
    message = str(caught.value)
    assert SECRET not in message
    assert "expression=" in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
