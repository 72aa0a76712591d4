"""YAQL's regular expression functions on RE2, whose matching time is linear in the input.

Python's `re` backtracks: `regex('^(a+)+$').matches('aaaa…!')` takes seconds for 30
characters, in one C call that no time limit can interrupt. RE2 has no backreferences nor
lookarounds; a pattern that needs them is refused with RE2's reason.

yaql's own functions taking a compiled pattern only call `.search`, `.finditer`, `.split` and
`.sub` on it, which RE2 patterns have too: they are reused, retyped to accept RE2 patterns.
The functions taking the pattern as a string compile it with RE2 here.
"""

from __future__ import annotations

import functools

import re2
from yaql.language import conventions, specs, yaqltypes
from yaql.standard_library import regex as yaql_regex

RE2_PATTERN = re2._Regexp  # the type re2.compile returns; the package exports no public name
_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 would print every refused pattern on stderr


class RegexError(ValueError):
    """A pattern RE2 cannot compile; the message says why."""


@functools.lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> re2._Regexp:
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as error:
        reason = error.args[0].decode() if isinstance(error.args[0], bytes) else error.args[0]
        raise RegexError(
            f"regular expression {pattern!r} is refused: {reason} (patterns are matched in "
            "linear time by RE2, which has no backreferences nor lookarounds)"
        ) from None


@specs.parameter("pattern", yaqltypes.String())
def regex(pattern, ignore_case=False, multi_line=False, dot_all=False):
    """`regex(pattern, ignoreCase, multiLine, dotAll)`: the flags become RE2's inline flags."""
    flags = "i" * bool(ignore_case) + "m" * bool(multi_line) + "s" * bool(dot_all)
    return compile_pattern(f"(?{flags}){pattern}" if flags else pattern)


@specs.parameter("string", yaqltypes.String())
@specs.parameter("regexp", yaqltypes.String())
@specs.method
@specs.name("matches")
def matches_string(string, regexp):
    return compile_pattern(regexp).search(string) is not None


@specs.parameter("pattern", yaqltypes.String())
@specs.parameter("string", yaqltypes.String())
@specs.name("#operator_=~")
def matches_operator_string(string, pattern):
    return compile_pattern(pattern).search(string) is not None


@specs.parameter("pattern", yaqltypes.String())
@specs.parameter("string", yaqltypes.String())
@specs.name("#operator_!~")
def not_matches_operator_string(string, pattern):
    return compile_pattern(pattern).search(string) is None


def is_regex(value):
    return isinstance(value, RE2_PATTERN)


# yaql's functions that receive a compiled pattern as `regexp`.
_ON_COMPILED = (
    yaql_regex.matches,
    yaql_regex.matches_operator_regex,
    yaql_regex.not_matches_operator_regex,
    yaql_regex.search,
    yaql_regex.search_all,
    yaql_regex.split,
    yaql_regex.split_string,
    yaql_regex.replace,
    yaql_regex.replace_string,
    yaql_regex.replace_by,
    yaql_regex.replace_by_string,
)


def _on_re2(function):
    definition = specs.get_function_definition(
        function, convention=conventions.CamelCaseConvention()
    )
    definition.parameters["regexp"].value_type = yaqltypes.PythonType(RE2_PATTERN)
    return definition


def register(context) -> None:
    """Register the regex functions in a context made with `yaql.create_context(regex=False)`."""
    for function in (regex, matches_string, matches_operator_string, not_matches_operator_string):
        context.register_function(function)
    context.register_function(is_regex, name="isRegex")
    context.register_function(yaql_regex.escape_regex)
    for function in _ON_COMPILED:
        context.register_function(_on_re2(function))
