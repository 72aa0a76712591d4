"""Plain paths read directly give exactly what YAQL and Jinja give, errors included."""

import dataclasses

import pytest

from engine.expr import (
    ContextView,
    ExpressionError,
    compile_string,
    data_context,
    evaluate,
    with_layer,
)
from engine.expr.evaluate import FALLBACK, _jinja_path, _yaql_path

LAYERS = (
    {"a": {"b": {"c": [10, {"d": None}]}, "items": [1, 2], "keys": "k", "t": (1, [2])}},
    {"xs": [{"n": 1}, {"n": 2}], "s": "text", "none": None, "f": 1.5, "yes": True},
    {"__execution": {"id": "e-1"}, "s": "hidden by the first layer", "nested": [[1, 2], [3]]},
)

YAQL_PATHS = [
    "$",
    "$.a",
    "$.a.b",
    "$.a.b.c",
    "$.a.b.c[0]",
    "$.a.b.c[-1]",
    "$.a.b.c[1].d",
    "$.a.items",
    "$.a.keys",
    "$.a.t",
    "$.xs",
    "$.xs[1].n",
    "$.xs.n",  # maps over the list: YAQL decides
    "$.s",
    "$.none",
    "$.f",
    "$.yes",
    "$.nested[0][1]",
    "$.nested[5]",  # errors: YAQL decides, and the message must match
    "$.nope",
    "$.a.nope",
    "$.a.b.c[0].x",
    "$.s.x",
    "$.none.x",
    "$.a[0]",
]

JINJA_PATHS = [
    "_",
    "_.a",
    "_.a.b",
    "_.a.b.c[0]",
    "_.a.b.c[-1]",
    "_.a.b.c[1].d",
    "_.a.items",  # the dict method, as in Mistral
    "_.a.keys",
    "_.items",
    "_.get",
    "_.a.t",
    "_.xs[1].n",
    "_.s",
    "_.none",
    "_.__execution.id",
    "_.nested[0][1]",
    "_.nested[5]",
    "_.nope",
    "_.a.nope",
    "_.s.upper",
    "_.a[0]",
]


def outcome(compiled, view):
    try:
        return "value", evaluate(compiled, view)
    except ExpressionError as error:
        return "error", str(error)


def comparable(result):
    kind, value = result
    return kind, repr(value) if callable(value) else value


@pytest.mark.parametrize("path", YAQL_PATHS)
def test_yaql_fast_path_matches_yaql(path):
    view = ContextView(*LAYERS)
    compiled = compile_string(f"<% {path} %>")
    assert compiled.path is not None
    slow = dataclasses.replace(compiled, path=None)
    fast_result = outcome(compiled, view)
    assert fast_result == outcome(slow, ContextView(*LAYERS))
    if fast_result[0] == "value":
        assert type(fast_result[1]) is type(outcome(slow, ContextView(*LAYERS))[1])


@pytest.mark.parametrize("path", JINJA_PATHS)
def test_jinja_fast_path_matches_jinja(path):
    view = ContextView(*LAYERS)
    compiled = compile_string("{{ " + path + " }}")
    assert compiled.path is not None
    slow = dataclasses.replace(compiled, path=None)
    assert comparable(outcome(compiled, view)) == comparable(outcome(slow, view))


def test_jinja_fast_path_returns_the_same_object_as_jinja():
    view = ContextView(*LAYERS)
    compiled = compile_string("{{ _.a.b }}")
    assert evaluate(compiled, view) is LAYERS[0]["a"]["b"]


def test_yaql_fast_path_returns_a_copy_as_yaql_does():
    view = ContextView(*LAYERS)
    value = evaluate(compile_string("<% $.a.b %>"), view)
    assert value == LAYERS[0]["a"]["b"]
    assert value is not LAYERS[0]["a"]["b"]


@pytest.mark.parametrize("path", ["$.a.b", "$.a.b.c[0]", "$.xs[1].n", "$", "$.nope"])
def test_plain_paths_take_the_fast_path(path):
    view = ContextView(*LAYERS)
    compiled = compile_string(f"<% {path} %>")
    try:
        assert _yaql_path(view, compiled.path) is not FALLBACK
    except KeyError:
        assert path == "$.nope"  # the same error YAQL raises, without running YAQL


@pytest.mark.parametrize("path", ["_.a.b", "_.a.b.c[0]", "_.xs[1].n", "_.__execution.id"])
def test_plain_jinja_paths_take_the_fast_path(path):
    compiled = compile_string("{{ " + path + " }}")
    assert _jinja_path(ContextView(*LAYERS), compiled.path) is not FALLBACK


@pytest.mark.parametrize(
    "text", ["<% $.a + 1 %>", "<% $.a.null %>", "<% $.a[$.i] %>", "{{ _.a + 1 }}", "{{ _['a'] }}"]
)
def test_other_expressions_are_not_paths(text):
    assert compile_string(text).path is None


def test_fast_path_reads_layers_in_order():
    view = data_context(task={"s": "task"}, workflow_input={"s": "input", "i": 1})
    assert evaluate(compile_string("<% $.s %>"), view) == "task"
    assert evaluate(compile_string("{{ _.i }}"), view) == 1


def test_yaql_converts_only_the_keys_an_expression_reads():
    view = ContextView({"a": 1, "big": list(range(1000))})
    assert evaluate(compile_string("<% $.a + 1 %>"), view) == 2
    assert set(view._yaql_context["$"]._converted) == {"a"}


def test_with_layer_views_share_the_parents_conversions():
    nodes = [{"name": f"n{index}", "profile": "compute"} for index in range(3)]
    task = data_context(task={"profile": "compute"}, workflow_input={"nodes": nodes})
    compiled = compile_string("<% let(i => $.item) -> $.nodes.where($.name != $i).len() %>")
    items = [with_layer(task, {"item": f"n{index}"}) for index in range(3)]
    assert [evaluate(compiled, view) for view in items] == [2, 2, 2]
    parent_nodes = task._yaql_context["$"]._converted["nodes"]
    assert all(view._yaql_context["$"]._converted["nodes"] is parent_nodes for view in items)
    assert evaluate(compile_string("<% [$.item, $.profile] %>"), items[1]) == ["n1", "compute"]
    assert with_layer(task, {}) is task
