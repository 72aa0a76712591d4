"""Operations that can allocate gigabytes in one call, checked before they run.

The watchdog (engine.expr.budget) stops an evaluation between two bytecodes; it cannot stop
`'a' * 10**9` or `2 ** 10**9`, each a single call in C. So repetition, powers and `%` widths
are refused when the result would pass engine.limits, for YAQL and for Jinja alike, and so
are padding and replacing that would.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from jinja2 import pass_eval_context
from jinja2.filters import do_center, do_format, do_indent, do_replace
from jinja2.sandbox import SandboxedEnvironment
from yaql.language import specs, yaqltypes
from yaql.standard_library import collections as yaql_collections
from yaql.standard_library import math as yaql_math
from yaql.standard_library import strings as yaql_strings

from engine import limits

# A `%` conversion with a width or precision of five digits or more, or one taken from the
# arguments (`*`): `'%999999999s' % x` builds a gigabyte.
HUGE_PERCENT_WIDTH = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\*|[0-9]{5,}|[0-9]*\.(?:\*|[0-9]{5,}))")


class OperationRefused(ValueError):
    """An operation whose result would pass one of engine.limits; the message names it."""


def check_repeat(value: Any, times: int) -> None:
    """Refuse `value * times` (a string or sequence) when the result passes the limits."""
    if isinstance(value, str):
        if len(value) * times > limits.MAX_TEXT:
            raise OperationRefused(
                f"repeating a string {times} times would pass the limit of "
                f"{limits.MAX_TEXT} characters"
            )
    elif len(value) * times > limits.MAX_ITEMS:
        raise OperationRefused(
            f"repeating a list {times} times would pass the limit of {limits.MAX_ITEMS} items"
        )


def check_power(base: Any, exponent: Any) -> None:
    """Refuse an integer power with more bits than MAX_INTEGER_BITS."""
    if (
        isinstance(base, int)
        and isinstance(exponent, int)
        and abs(base) > 1
        and exponent * abs(base).bit_length() > limits.MAX_INTEGER_BITS
    ):
        raise OperationRefused(
            f"{base} ** {exponent} would pass the limit of {limits.MAX_INTEGER_BITS} bits"
        )


def check_replace(text: Any, old: Any, new: Any) -> None:
    """Refuse `text.replace(old, new)` when the result would pass MAX_TEXT characters."""
    if not (isinstance(text, str) and isinstance(old, str) and isinstance(new, str)):
        return
    if len(new) > len(old):
        times = text.count(old) if old else len(text) + 1
        if len(text) + times * (len(new) - len(old)) > limits.MAX_TEXT:
            raise OperationRefused(
                f"replacing {times} times would pass the limit of {limits.MAX_TEXT} characters"
            )


def check_width(text: Any, width: Any, lines: int = 1) -> None:
    """Refuse padding (`center`, `ljust`, `indent`, ...) past MAX_TEXT characters."""
    pad = len(width) if isinstance(width, str) else width
    if isinstance(pad, int) and len(str(text)) + lines * pad > limits.MAX_TEXT:
        raise OperationRefused(
            f"a width of {pad} would pass the limit of {limits.MAX_TEXT} characters"
        )


def check_percent(template: Any) -> None:
    if isinstance(template, str) and HUGE_PERCENT_WIDTH.search(template):
        raise OperationRefused("a % format with a width over 9999 is refused")


# --- YAQL: they replace yaql's own (whose quota check of a repeated list subtracts more than
# it adds, and lets `[0] * 200000000` through) ------------------------------------------------


@specs.parameter("left", yaqltypes.Sequence())
@specs.parameter("right", int)
@specs.name("#operator_*")
def _yaql_sequence_times(left: Sequence, right: int) -> tuple:
    check_repeat(left, right)
    return tuple(left) * right


@specs.parameter("left", int)
@specs.parameter("right", yaqltypes.Sequence())
@specs.name("#operator_*")
def _yaql_times_sequence(left: int, right: Sequence) -> tuple:
    return _yaql_sequence_times(right, left)


@specs.parameter("left", yaqltypes.String())
@specs.parameter("right", int)
@specs.name("#operator_*")
def _yaql_string_times(left: str, right: int) -> str:
    check_repeat(left, right)
    return left * right


@specs.parameter("left", int)
@specs.parameter("right", yaqltypes.String())
@specs.name("#operator_*")
def _yaql_times_string(left: int, right: str) -> str:
    return _yaql_string_times(right, left)


@specs.parameter("a", yaqltypes.Number())
@specs.parameter("b", yaqltypes.Number())
@specs.parameter("c", yaqltypes.Number(nullable=True))
@specs.name("pow")
def _yaql_pow(a: Any, b: Any, c: Any = None) -> Any:
    if c is None:
        check_power(a, b)
    return pow(a, b, c)


@specs.parameter("string", yaqltypes.String())
@specs.parameter("old", yaqltypes.String())
@specs.parameter("new", yaqltypes.String())
@specs.parameter("count", int)
@specs.method
@specs.name("replace")
def _yaql_replace(string: str, old: str, new: str, count: int = -1) -> str:
    check_replace(string, old, new)
    return string.replace(old, new, count)


@specs.parameter("value", int)
@specs.parameter("bits_number", int)
@specs.name("shiftBitsLeft")
def _yaql_shift_left(value: int, bits_number: int) -> int:
    if bits_number > limits.MAX_INTEGER_BITS:
        raise OperationRefused(
            f"shifting by {bits_number} bits would pass the limit of {limits.MAX_INTEGER_BITS}"
        )
    return value << bits_number


# Ours, and the yaql function each replaces.
_REPLACEMENTS = {
    _yaql_sequence_times: yaql_collections.list_by_int,
    _yaql_times_sequence: yaql_collections.int_by_list,
    _yaql_string_times: yaql_strings.string_by_int,
    _yaql_times_string: yaql_strings.int_by_string,
    _yaql_pow: yaql_math.pow_,
    _yaql_shift_left: yaql_math.shift_bits_left,
    _yaql_replace: yaql_strings.replace,
}


def replace_yaql_operators(context: Any) -> None:
    """Swap yaql's unchecked functions for ours, in the context (or parent) that holds them.

    In place rather than in a child context: overload resolution then sees as many
    candidates as before, so `*` of two numbers costs no more.
    """
    for ours, theirs in _REPLACEMENTS.items():
        name = specs.get_function_definition(ours).name
        layer = context
        while layer is not None:
            for definition in layer.get_functions(name)[0]:
                if definition.payload is theirs:
                    layer.delete_function(definition)
                    layer.register_function(ours)
            layer = layer.parent


# --- Jinja ---------------------------------------------------------------------------------


class BoundedEnvironment(SandboxedEnvironment):
    """Jinja's sandbox (which already caps `range()` at 100,000 items) with `*`, `**`, `%`
    and the string methods that pad or replace checked before they run."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            if isinstance(right, int) and isinstance(left, str | list | tuple):
                check_repeat(left, right)
            elif isinstance(left, int) and isinstance(right, str | list | tuple):
                check_repeat(right, left)
        elif operator == "**":
            check_power(left, right)
        else:
            check_percent(left)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        receiver = getattr(__obj, "__self__", None)
        if type(receiver) is str:  # 'a'.center(10**9), .ljust, .zfill, .replace, ...
            if __obj.__name__ == "replace" and len(args) >= 2:
                check_replace(receiver, args[0], args[1])
            for value in (*args, *kwargs.values()):
                if type(value) is int:
                    check_width(receiver, value)
        return super().call(__context, __obj, *args, **kwargs)


def _format_filter(value: Any, *args: Any, **kwargs: Any) -> str:
    check_percent(value)
    return do_format(value, *args, **kwargs)


def _center_filter(value: Any, width: int = 80) -> str:
    check_width(value, width)
    return do_center(value, width)


def _indent_filter(text: Any, width: Any = 4, first: bool = False, blank: bool = False) -> str:
    check_width(text, width, str(text).count("\n") + 1)
    return do_indent(text, width, first, blank)


@pass_eval_context
def _replace_filter(context: Any, text: Any, old: Any, new: Any, count: Any = None) -> str:
    check_replace(str(text), old, new)
    return do_replace(context, text, old, new, count)


# Jinja's filters that can build a huge string from small arguments, with the checks.
BOUNDED_FILTERS = {
    "format": _format_filter,
    "center": _center_filter,
    "indent": _indent_filter,
    "replace": _replace_filter,
}
