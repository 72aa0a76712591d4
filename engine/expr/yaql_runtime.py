"""Running compiled YAQL against a data context, with Mistral's functions and our limits.

One root context holds the standard library, Mistral's functions and the safe `format`. Each
ContextView gets one child context, built on first use and cached on the view; its `$` converts
values to YAQL's immutable forms lazily, key by key, so a big context costs only what the
expressions touch. Each evaluation runs in a throw-away child that carries a deadline.
"""

from __future__ import annotations

import collections.abc  # noqa: F401  (yaql 3.2.0 uses collections.abc without importing it)
import inspect
import resource
import time
from collections.abc import Iterator, Mapping
from typing import Any

import yaql
from yaql.language import contexts, specs, utils, yaqltypes

from engine.expr.context import ContextView, parent_for
from engine.expr.functions import CUSTOM_FUNCTIONS, safe_format
from engine.expr.syntax import YAQL_LIMITS, yaql_engine

YAQL_TIME_LIMIT = 5.0  # seconds one YAQL evaluation may run
MEMORY_GROWTH_LIMIT = 512 << 20  # bytes one evaluation may add to the process's peak size
MEMORY_SAMPLE_EVERY = 32  # function calls between two memory samples
VIEW_KEY = "#view"  # a context name the YAQL lexer cannot produce, so expressions cannot read it
ITERATION_LIMIT = YAQL_LIMITS["yaql.limitIterators"]
MEMORY_QUOTA = YAQL_LIMITS["yaql.memoryQuota"]


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


class YaqlLimitError(Exception):
    """An evaluation ran past its time or memory budget; the message says which."""


class _Budget:
    """The time and memory one evaluation may use.

    Memory is the growth of the process's peak resident size, sampled every few function
    calls: cheap, and enough to stop an expression that builds gigabytes within its time.
    """

    __slots__ = ("deadline", "time_limit", "peak_kib", "calls")

    def __init__(self, time_limit: float):
        self.time_limit = time_limit
        self.deadline = time.monotonic() + time_limit
        self.peak_kib = _peak_kib() + MEMORY_GROWTH_LIMIT // 1024
        self.calls = 0

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise YaqlLimitError(f"the expression exceeded the time limit of {self.time_limit:g} s")
        self.calls += 1
        if self.calls % MEMORY_SAMPLE_EVERY == 0 and _peak_kib() > self.peak_kib:
            raise YaqlLimitError(
                f"the expression exceeded the memory limit of {MEMORY_GROWTH_LIMIT >> 20} MiB"
            )


def _peak_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class _BudgetContext(contexts.Context):
    """A context that checks its evaluation's budget on every function lookup.

    Every YAQL function call looks its overloads up through this context or a child of it
    (children share the budget), so the check runs between any two function calls.
    """

    def __init__(self, parent_context: Any = None, budget: _Budget | None = None, **kwargs: Any):
        super().__init__(parent_context, **kwargs)
        self.budget = budget if budget is not None else parent_context.budget

    def get_functions(self, name: str, predicate: Any = None, use_convention: bool = False):
        self.budget.check()
        return super().get_functions(name, predicate, use_convention)


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
    root = yaql.create_context().create_child_context()
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
        context["$"] = _LazyData(view)
        context[VIEW_KEY] = view
        for name in ("__env", "__execution", "__task_execution"):
            context[name] = view.get(name)
        view._yaql_context = context
    return context


def run_statement(statement: Any, view: ContextView, time_limit: float = YAQL_TIME_LIMIT) -> Any:
    """Evaluate a parsed YAQL statement; the result is plain Python data."""
    context = _BudgetContext(view_context(view), budget=_Budget(time_limit))
    return statement.evaluate(context=context)
