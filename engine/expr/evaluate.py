"""Evaluate compiled expressions against a data context, with Mistral's rules.

Whole-string expressions give native values; templates give text (YAQL blocks rendered with
str()). Plain paths such as `$.a.b` and `_.a[0]` are read directly when that gives exactly what
YAQL or Jinja would; anything else, including every error, goes through the real evaluator.
YAQL's runtime is imported by the first YAQL evaluation, so an engine whose workflows hold no
expression never loads it (Jinja comes with a compiled Jinja expression).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine import limits
from engine.expr.budget import ExpressionLimitError, run_bounded
from engine.expr.context import ContextView, plain_dict, root_of, value_view
from engine.expr.errors import ExpressionError
from engine.expr.syntax import JinjaTemplate, JinjaWhole, YaqlTemplate, YaqlWhole

MAX_ERROR_TEXT = 200
FALLBACK = object()  # a fast path's answer when the real evaluator must decide
SCALARS = (str, int, float, bool, type(None))
DICT_ATTRIBUTES = frozenset(dir(dict))  # Jinja reads `d.items` as the method, not the key
VIEW_ATTRIBUTES = frozenset(dir(ContextView))
VIEW_TYPE_TEXT = f"'{ContextView.__module__}.{ContextView.__name__} object'"


def evaluate(compiled: Any, context: Any, *, time_limit: float | None = None):
    """The value of `compiled` (from `compile_value`) in `context`; keys are never evaluated.

    `context` is best a ContextView reused for every expression of a task: its YAQL context is
    built once. A context that is not a mapping (a string, a list) is `$` / `_` itself.
    `time_limit` bounds each expression, in seconds (limits.EXPRESSION_TIME_LIMIT by default).
    """
    if isinstance(context, ContextView):
        view = context
    elif isinstance(context, Mapping):
        view = ContextView(context)
    else:
        view = value_view(context)
    return _evaluate(compiled, view, time_limit or limits.EXPRESSION_TIME_LIMIT)


def _evaluate(value: Any, view: ContextView, time_limit: float) -> Any:
    kind = type(value)
    if kind is YaqlWhole:
        return _yaql(value, view, time_limit)
    if kind is YaqlTemplate:
        return "".join(
            part if type(part) is str else str(_yaql(part, view, time_limit))
            for part in value.parts
        )
    if kind is JinjaWhole:
        return _jinja_whole(value, view, time_limit)
    if kind is JinjaTemplate:
        return _jinja_template(value, view, time_limit)
    if kind is dict:
        return {key: _evaluate(item, view, time_limit) for key, item in value.items()}
    if kind is list:
        return [_evaluate(item, view, time_limit) for item in value]
    return value


# --- YAQL -----------------------------------------------------------------------------------


def _yaql(whole: YaqlWhole, view: ContextView, time_limit: float) -> Any:
    try:
        if whole.path is not None and root_of(view) is view:
            result = _yaql_path(view, whole.path)
            if result is not FALLBACK:
                return result
        from engine.expr.yaql_runtime import run_statement

        return run_statement(whole.statement, view, time_limit)
    except Exception as error:
        expression = whole.source[2:-2].strip()
        text = _yaql_error_text(error)
        raise ExpressionError(
            f"Can not evaluate YAQL expression [expression={expression}, error={text}]"
        ) from None


def _yaql_path(view: ContextView, path: tuple) -> Any:
    """`$.a.b[0]` read directly: mappings by key, lists by index; FALLBACK otherwise.

    A missing key raises KeyError, exactly as YAQL's `.` operator on a mapping does.
    """
    value: Any = view
    for step in path:
        if type(step) is str:
            if not (value is view or type(value) is dict):
                return FALLBACK  # YAQL maps `.name` over lists, and has rules for the rest
            value = value[step]
        elif type(value) is list and -len(value) <= step < len(value):
            value = value[step]
        else:
            return FALLBACK
    if value is view:
        value = plain_dict(view)
    try:
        return _copy_plain(value)
    except _NotPlain:
        return FALLBACK


class _NotPlain(Exception):
    pass


def _copy_plain(value: Any) -> Any:
    """A copy with lists for tuples, as YAQL's output conversion gives, for JSON-like data."""
    kind = type(value)
    if kind in SCALARS:
        return value
    if kind is dict:
        return {key: _copy_plain(item) for key, item in value.items()}
    if kind is list or kind is tuple:
        return [_copy_plain(item) for item in value]
    raise _NotPlain


def _yaql_error_text(error: Exception) -> str:
    """What went wrong, without any value from the context (a receiver may be all of it)."""
    from yaql.language import exceptions as yaql_errors

    if isinstance(error, KeyError):
        return f'Unknown key "{_shorten(str(error.args[0]))}"'
    if isinstance(error, yaql_errors.CollectionTooLargeException):
        return f"the expression exceeded the iteration limit of {limits.MAX_ITEMS} items"
    if isinstance(error, yaql_errors.MemoryQuotaExceededException):
        return f"the expression exceeded the memory quota of {limits.YAQL_MEMORY_QUOTA} bytes"
    if isinstance(error, yaql_errors.MethodResolutionError):
        # The message quotes the receiver's value; keep only the method's name.
        name = str(error).split('"')[1]
        if isinstance(error, yaql_errors.NoMethodRegisteredException):
            return f'Unknown method "{name}"'
        return f'No method "{name}" matches the receiver and arguments given'
    return _shorten(str(error)) or type(error).__name__


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_ERROR_TEXT else text[: MAX_ERROR_TEXT - 3] + "..."


# --- Jinja ----------------------------------------------------------------------------------


def _jinja_names(view: ContextView) -> dict[str, Any]:
    return {
        "_": root_of(view),
        "__env": view.get("__env"),
        "__execution": view.get("__execution"),
        "__task_execution": view.get("__task_execution"),
    }


def _jinja_whole(whole: JinjaWhole, view: ContextView, time_limit: float) -> Any:
    if whole.path is not None and root_of(view) is view:
        result = _jinja_path(view, whole.path)
        if result is not FALLBACK:
            return result
    from jinja2 import Undefined

    try:
        result = run_bounded(whole.expression, time_limit=time_limit, **_jinja_names(view))
        if isinstance(result, Undefined):
            str(result)  # StrictUndefined raises the undefined error here
    except Exception as error:
        raise _jinja_error(whole.source, error) from None
    return plain_dict(result) if isinstance(result, ContextView) else result


def _jinja_template(template: JinjaTemplate, view: ContextView, time_limit: float) -> str:
    try:
        text = run_bounded(template.template.render, time_limit=time_limit, **_jinja_names(view))
        if len(text) > limits.MAX_TEXT:
            raise ExpressionLimitError(
                f"the template's output passed the limit of {limits.MAX_TEXT} characters"
            )
        return text
    except Exception as error:
        raise _jinja_error(template.source, error) from None


def _jinja_path(view: ContextView, path: tuple) -> Any:
    """`_.a.b[0]` read directly where Jinja would read the same item; FALLBACK otherwise.

    Jinja tries an attribute before a key (`_.items` is the dict method), so a name that is an
    attribute of the container, or a missing key, goes to Jinja itself.
    """
    value: Any = view
    for step in path:
        if type(step) is str:
            if value is view:
                attributes = VIEW_ATTRIBUTES
            elif type(value) is dict:
                attributes = DICT_ATTRIBUTES
            else:
                return FALLBACK
            if step in attributes or step not in value:
                return FALLBACK
            value = value[step]
        elif type(value) is list and -len(value) <= step < len(value):
            value = value[step]
        else:
            return FALLBACK
    return FALLBACK if value is view else value


def _jinja_error(source: str, error: Exception) -> ExpressionError:
    text = (
        _shorten(str(error).replace(VIEW_TYPE_TEXT, "the data context _")) or type(error).__name__
    )
    return ExpressionError(f"Can not evaluate Jinja expression [expression={source}, error={text}]")
