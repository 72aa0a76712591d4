"""Mistral's custom expression functions (mistral-dsl.md §2.3) and a safe string `format`.

Each function takes the data context first, as in Mistral: YAQL and Jinja bind it, and the
Jinja filter form passes it explicitly (`{{ _ | task('t1') }}`).
"""

from __future__ import annotations

import json
import re
import string
import uuid
from collections.abc import Mapping
from typing import Any

import yaml
from jinja2 import pass_context

from engine import yamlsafe
from engine.expr.context import ContextView, ExecutionData, execution_data_of, plain_dict
from engine.expr.errors import FunctionError

# A field width or precision this long would build a huge string: `{0:>999999999}`.
HUGE_FORMAT_NUMBER = re.compile(r"[0-9]{5,}")


def to_plain(value: Any) -> Any:
    """Mappings as dicts and sequences as lists, like YAQL's output conversion."""
    if isinstance(value, ContextView):
        value = plain_dict(value)
    if isinstance(value, Mapping):
        return {key: to_plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(item) for item in value]
    if isinstance(value, set | frozenset):
        return {to_plain(item) for item in value}
    return value


def _execution_data(context: Any, function: str) -> ExecutionData:
    data = execution_data_of(context) if isinstance(context, ContextView) else None
    if data is None:
        raise FunctionError(
            f"{function}() needs the execution's data, which this context does not carry"
            + ("" if isinstance(context, ContextView) else " (pass `_` as the filter input)")
        )
    return data


def task(context: Any, name: str | None = None) -> dict | None:
    """The current task execution, or the last execution of task `name` in this workflow."""
    data = _execution_data(context, "task")
    current = context.get("__task_execution")
    if current and (not name or current.get("name") == name):
        return data.task_by_id(current["id"])
    if not name:
        return None
    return data.task(name)


def tasks(
    context: Any,
    workflow_execution_id: str | None = None,
    recursive: bool = False,
    state: str | None = None,
    flat: bool = False,
) -> list[dict]:
    return _execution_data(context, "tasks").tasks(workflow_execution_id, recursive, state, flat)


def execution(context: Any) -> dict:
    return _execution_data(context, "execution").execution()


def executions(
    context: Any,
    id: str | None = None,
    root_execution_id: str | None = None,
    state: str | None = None,
    from_time: str | None = None,
    to_time: str | None = None,
) -> list[dict]:
    data = _execution_data(context, "executions")
    return data.executions(id, root_execution_id, state, from_time, to_time)


def env(context: Any) -> dict:
    return _execution_data(context, "env").env()


def global_(context: Any, var_name: str) -> Any:
    return _execution_data(context, "global").global_var(var_name)


def uuid_(context: Any = None) -> str:
    return str(uuid.uuid4())


def _json_default(value: Any) -> Any:
    if isinstance(value, set | frozenset):
        return list(value)
    return str(value)  # datetimes and other scalars, as oslo's to_primitive would


def json_pp(context: Any, data: Any = None) -> str:
    """Pike's pretty printer: the whole context when `data` is empty, escaped newlines real."""
    text = json.dumps(to_plain(data or context), indent=4, default=_json_default)
    return text.replace("\\n", "\n").replace(" \n", "\n")


def json_dump(context: Any, data: Any) -> str:
    return json.dumps(to_plain(data), indent=4, default=_json_default)


def json_parse(context: Any, data: str) -> Any:
    return json.loads(data)


def yaml_dump(context: Any, data: Any) -> str:
    return yaml.safe_dump(to_plain(data), default_flow_style=False)


def yaml_parse(context: Any, data: str) -> Any:
    """Safe YAML, its aliases bounded so that a "billion laughs" document cannot expand."""
    return yamlsafe.safe_load(data)


class _SafeFormatter(string.Formatter):
    """`str.format` without attribute or index lookups inside a field, nor huge widths."""

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
        if "." in field_name or "[" in field_name:
            raise FunctionError(
                f"format field {{{field_name}}} is refused: only positional and keyword "
                "fields are allowed, without attribute or index lookups"
            )
        return super().get_field(field_name, args, kwargs)

    def get_value(self, key: int | str, args: Any, kwargs: Any) -> Any:
        try:
            return args[key] if isinstance(key, int) else kwargs[key]
        except (IndexError, KeyError):
            raise FunctionError(f"format field {{{key}}} has no matching argument") from None

    def format_field(self, value: Any, format_spec: str) -> str:
        if HUGE_FORMAT_NUMBER.search(format_spec):
            raise FunctionError(f"format spec {format_spec!r} is refused: width over 9999")
        return super().format_field(value, format_spec)


_FORMATTER = _SafeFormatter()


def safe_format(template: str, *args: Any, **kwargs: Any) -> str:
    """Python's `template.format(*args, **kwargs)` limited to plain fields."""
    return _FORMATTER.vformat(template, args, kwargs)


CUSTOM_FUNCTIONS = {
    "task": task,
    "tasks": tasks,
    "execution": execution,
    "executions": executions,
    "env": env,
    "global": global_,
    "uuid": uuid_,
    "json_pp": json_pp,
    "json_dump": json_dump,
    "json_parse": json_parse,
    "yaml_dump": yaml_dump,
    "yaml_parse": yaml_parse,
}


def _bind_to_data_context(function: Any) -> Any:
    @pass_context
    def bound(jinja_context: Any, *args: Any, **kwargs: Any) -> Any:
        return function(jinja_context.get("_"), *args, **kwargs)

    return bound


# Jinja: each function as a global with `_` bound, and as a filter taking it first.
JINJA_GLOBALS = {name: _bind_to_data_context(f) for name, f in CUSTOM_FUNCTIONS.items()}
JINJA_FILTERS = dict(CUSTOM_FUNCTIONS)
