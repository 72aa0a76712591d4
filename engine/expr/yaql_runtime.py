"""Running compiled YAQL against a data context, with Mistral's functions and our limits.

One root context holds the standard library, Mistral's functions and the safe `format`. Each
ContextView gets one child context, built on first use and cached on the view; its `$` converts
values to YAQL's immutable forms lazily, key by key, so a big context costs only what the
expressions touch. Each evaluation runs within the budget of engine.expr.budget; regular
expressions run on RE2 and repetition is checked before it allocates (engine.expr.regex,
engine.expr.operators).
"""

from __future__ import annotations

import collections.abc  # noqa: F401  (yaql 3.2.0 uses collections.abc without importing it)
import inspect
from collections.abc import Iterator, Mapping
from typing import Any

import yaql
from yaql.language import contexts, specs, utils, yaqltypes

from engine.expr import regex
from engine.expr.budget import run_bounded
from engine.expr.context import ContextView, parent_for, root_of
from engine.expr.functions import CUSTOM_FUNCTIONS, safe_format
from engine.expr.operators import replace_yaql_operators
from engine.expr.syntax import yaql_engine

VIEW_KEY = "#view"  # a context name the YAQL lexer cannot produce, so expressions cannot read it


def to_yaql(value: Any) -> Any:
    """YAQL's input conversion (lists to tuples, dicts to FrozenDicts), fast for JSON data."""
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value
    if kind is dict:
        return utils.FrozenDict({key: to_yaql(item) for key, item in value.items()})
    if kind is list or kind is tuple:
        return tuple([to_yaql(item) for item in value])
    return utils.convert_input_data(value)


class _LazyData(Mapping):
    """`$` for one view: each top-level value is converted on first read, then kept."""

    __slots__ = ("_view", "_converted")

    def __init__(self, view: ContextView):
        self._view = view
        self._converted: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        try:
            return self._converted[key]
        except KeyError:
            parent = parent_for(self._view, key)
            if parent is not None:  # converted once for the parent, shared by its children
                value = self._converted[key] = view_context(parent)["$"][key]
                return value
            value = self._converted[key] = to_yaql(self._view[key])
            return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._view)

    def __len__(self) -> int:
        return len(self._view)

    def __repr__(self) -> str:
        return repr({key: self[key] for key in self})


def _limited(iterable: Any) -> Any:
    return utils.limit_iterable(iterable, yaql_engine())


def _plain(value: Any) -> Any:
    """An argument as plain data (lazy sequences read, within the iteration limit)."""
    return utils.convert_output_data(value, _limited, yaql_engine())


def _yaql_form(function: Any) -> Any:
    """`function(view, ...)` as a YAQL function that finds the view in its context."""

    def call(context: Any, *args: Any, **kwargs: Any) -> Any:
        args = [_plain(arg) for arg in args]
        kwargs = {key: _plain(value) for key, value in kwargs.items()}
        return function(context[VIEW_KEY], *args, **kwargs)

    call.__signature__ = inspect.signature(function)  # YAQL reads the parameters from it
    return call


@specs.parameter("template", yaqltypes.String())
@specs.name("format")
@specs.extension_method
def _format(template: str, *args: Any, **kwargs: Any) -> str:
    """`"Node {0}".format($.uuid)` and `format("{0}", x)`, without attribute lookups."""
    args = [_plain(arg) for arg in args]
    return safe_format(template, *args, **{key: _plain(value) for key, value in kwargs.items()})


@specs.parameter("stop", int)
@specs.name("range")
def _range_to(engine: Any, stop: int) -> Iterator[int]:
    """`range(stop)`, refused at once when longer than the iteration limit."""
    return iter(utils.limit_iterable(range(stop), engine))


@specs.parameter("start", int)
@specs.parameter("stop", int)
@specs.parameter("step", int)
@specs.name("range")
def _range(engine: Any, start: int, stop: int, step: int = 1) -> Iterator[int]:
    """`range(start, stop, step)`, refused at once when longer than the iteration limit."""
    return iter(utils.limit_iterable(range(start, stop, step), engine))


@specs.parameter("collection", yaqltypes.Iterator())
@specs.name("len")
@specs.extension_method
def _len_of_iterator(collection: Iterator) -> int:
    """`len()` of a lazy sequence, within the iteration limit (yaql's own has none)."""
    return sum(1 for _ in collection)


def _build_root_context() -> contexts.Context:
    base = yaql.create_context(regex=False)
    regex.register(base)
    replace_yaql_operators(base)
    root = base.create_child_context()
    for name, function in CUSTOM_FUNCTIONS.items():
        # Without the camelCase convention: `json_dump(data => x)`, `tasks(state => ERROR)`
        # keep the names the DSL documents.
        root.register_function(specs.get_function_definition(_yaql_form(function), name=name))
    for function in (_format, _range_to, _range, _len_of_iterator):
        root.register_function(function)
    return root


ROOT_CONTEXT = _build_root_context()


def view_context(view: ContextView) -> contexts.Context:
    """The YAQL context for a view, built once and cached on the view."""
    context = view._yaql_context
    if context is None:
        context = ROOT_CONTEXT.create_child_context()
        root = root_of(view)
        context["$"] = _LazyData(view) if root is view else to_yaql(root)
        context[VIEW_KEY] = view
        for name in ("__env", "__execution", "__task_execution"):
            context[name] = view.get(name)
        view._yaql_context = context
    return context


def run_statement(statement: Any, view: ContextView, time_limit: float) -> Any:
    """Evaluate a parsed YAQL statement within the budget; the result is plain Python data."""
    context = view_context(view).create_child_context()
    return run_bounded(statement.evaluate, context=context, time_limit=time_limit)
