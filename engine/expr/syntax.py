"""Find and compile the `<% %>` YAQL and `{{ }}` Jinja expressions in a definition.

Compiling happens once, when a definition is validated, so a syntax error is a validation
error and evaluation never parses again. YAQL and Jinja are imported by the first expression
of their kind (together about 60 ms): a definition without one needs neither.
"""

from __future__ import annotations

import collections.abc  # noqa: F401  (yaql 3.2.0 uses collections.abc without importing it)
import functools
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from engine import limits

YAQL_BLOCK = re.compile(r"<%(.*?)%>", re.S)
JINJA_BLOCK = re.compile(r"{{.*?}}|{%.*?%}", re.S)
WHOLE_YAQL = re.compile(r"\A<%(.*)%>\Z", re.S)
WHOLE_JINJA = re.compile(r"\A{{(.*)}}\Z", re.S)
# A plain path: `$` (YAQL) or `_` (Jinja), then `.name` or `[integer]` steps. YAQL names
# cannot start with `__`; Jinja names may.
YAQL_PATH = re.compile(r"\$((?:\.(?!__)[A-Za-z_][A-Za-z0-9_]*|\[-?[0-9]+\])*)")
JINJA_PATH = re.compile(r"_((?:\.[A-Za-z_][A-Za-z0-9_]*|\[-?[0-9]+\])*)")
PATH_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(-?[0-9]+)\]")
# YAQL words that are operators or constants, not keys, after a dot.
YAQL_RESERVED = frozenset({"true", "false", "null", "and", "or", "not", "in", "is"})


def _yaql_subset(depth: int) -> str:
    """A pattern for a subset of YAQL that its parser always accepts, nested `depth` deep.

    Operands (`$name`, names, numbers, unescaped strings, calls, lists, parenthesised
    expressions) with `.name`, `.name(...)` and `[...]` steps, joined by binary operators
    with optional prefix `-`, `+` and `not`. Tokens are written so that YAQL's lexer splits
    them the same way (word operators stand between blanks, a call's `(` follows its name).
    Each nested part appears once per level (lookaheads say what may follow), which keeps
    the pattern small; possessive quantifiers keep a failed match linear. A miss only means
    YAQL decides.
    """
    blank = r"[ \t\r\n]*+"
    name = r"(?!__)(?!(?:and|or|not|in|mod)\b)[A-Za-z_][A-Za-z0-9_]*+"
    literal = (
        r"\$[A-Za-z0-9_]*+|[0-9]++(?:\.[0-9]++)?+(?![A-Za-z0-9_])"
        r"""|'[^'\\]*+'|"[^"\\]*+\""""
    )
    if depth:
        inner = _yaql_subset(depth - 1)
        # Items separated by commas: each is followed by a comma and another item, or by the
        # closing bracket.
        items = rf"(?:{inner}{blank}(?:,{blank}(?![)\]])|(?=[)\]])))*+"
        unit = rf"{name}(?:\({blank}{items}\)|(?![A-Za-z0-9_(]))"  # a call or a bare name
        bracket = rf"\[{blank}{items}\]"
        primary = rf"(?>{unit}|{literal}|\({blank}{inner}{blank}\)|{bracket})"
        step = rf"{blank}(?>\.{blank}{unit}|{bracket})"
    else:
        keyword = rf"{name}(?![A-Za-z0-9_(])"  # a bare name: YAQL reads it as a string
        primary = rf"(?>{literal}|{keyword})"
        step = rf"{blank}\.{blank}{keyword}"
    term = rf"(?:(?:[-+]|not[ \t\r\n]){blank})*+{primary}(?:{step})*+"
    operator = rf"(?:{blank}(?:[<>!]=|[-+*/<>=])|[ \t\r\n]++(?:and|or|in|mod)[ \t\r\n])"
    # After each term: an operator and then the start of another term, or the expression's end.
    after = rf"(?:{operator}{blank}(?=[-+$'\"(\[A-Za-z0-9_])|(?={blank}(?:[),\]]|\Z)))"
    return rf"(?:{term}{after})++"


YAQL_LIMITS = {
    "yaql.limitIterators": limits.MAX_ITEMS,
    "yaql.memoryQuota": limits.YAQL_MEMORY_QUOTA,
}


@functools.cache
def yaql_surely_valid() -> re.Pattern:
    """Expressions YAQL is sure to parse, so validation need not run its parser (it runs
    lazily). Compiled on first use: the pattern is large and most commands never need it."""
    return re.compile(_yaql_subset(2))


@functools.cache
def yaql_engine() -> Any:
    """YAQL's parser, built on first use (building its tables costs a few hundred ms).

    Parses go through `_yaql_statement`, which builds it under the parse lock; evaluation
    only reads its options, after a statement was parsed."""
    import yaql

    return yaql.YaqlFactory(keyword_operator="=>", allow_delegates=False).create(
        options={
            "yaql.convertTuplesToLists": True,
            "yaql.convertSetsToLists": False,
            "yaql.iterableDicts": False,
            **YAQL_LIMITS,
        }
    )


@functools.cache
def jinja_env() -> Any:
    """The Jinja environment every template compiles in, built on first use."""
    from jinja2 import StrictUndefined

    from engine.expr.functions import JINJA_FILTERS, JINJA_GLOBALS
    from engine.expr.operators import BOUNDED_FILTERS, BoundedEnvironment

    env = BoundedEnvironment(undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    # Filters must be known when a template compiles, so they are registered here.
    env.globals.update(JINJA_GLOBALS)
    env.filters.update(JINJA_FILTERS, **BOUNDED_FILTERS)
    return env


class ExpressionSyntaxError(ValueError):
    """An expression that cannot be parsed; the message says which and why."""


@dataclass(frozen=True, slots=True)
class YaqlWhole:
    """`<% e %>` spanning the whole string: evaluates to the native value.

    `path` holds the keys and indexes of a plain path such as `$.a.b[0]`, which evaluation
    may resolve without running YAQL; None for any other expression.
    """

    source: str
    path: tuple | None = None
    parsed: Any = field(default=None, compare=False, repr=False)

    @property
    def statement(self) -> Any:
        """The parsed YAQL; parsed at first use when validation could prove it valid without
        the parser (`yaql_surely_valid`)."""
        if self.parsed is None:
            object.__setattr__(self, "parsed", _yaql_statement(self.source[2:-2].strip()))
        return self.parsed


@dataclass(frozen=True, slots=True)
class YaqlTemplate:
    """Text with embedded `<% %>` blocks: each block is rendered with str()."""

    source: str
    parts: tuple  # str pieces and YaqlWhole blocks, in order


@dataclass(frozen=True, slots=True)
class JinjaWhole:
    """`{{ e }}` spanning the whole string: evaluates to the native value.

    `path` holds the names and indexes of a plain path such as `_.a.b[0]`, or None.
    """

    source: str
    expression: Any
    path: tuple | None = None


@dataclass(frozen=True, slots=True)
class JinjaTemplate:
    """Text rendered as a Jinja template: always a string."""

    source: str
    template: Any


Expression = YaqlWhole | YaqlTemplate | JinjaWhole | JinjaTemplate
EXPRESSION_TYPES = (YaqlWhole, YaqlTemplate, JinjaWhole, JinjaTemplate)


def has_expression(text: str) -> bool:
    return "<%" in text or "{{" in text or "{%" in text


def compile_string(text: str) -> str | Expression:
    """The string itself when it holds no expression, else its compiled form."""
    if not isinstance(text, str) or not has_expression(text):
        return text
    has_yaql = bool(YAQL_BLOCK.search(text))
    has_jinja = bool(JINJA_BLOCK.search(text))
    if has_yaql and has_jinja:
        raise ExpressionSyntaxError(f"mixes YAQL <% %> and Jinja {{{{ }}}} in one string: {text!r}")
    if has_yaql:
        return _compile_yaql(text)
    if has_jinja:
        return _compile_jinja(text)
    return text


def compile_value(value: Any) -> Any:
    """Compile every string inside dicts and lists; keys are never expressions."""
    if isinstance(value, str):
        return compile_string(value)
    if isinstance(value, dict):
        return {key: compile_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [compile_value(item) for item in value]
    return value


def contains_expression(value: Any) -> bool:
    if isinstance(value, EXPRESSION_TYPES):
        return True
    if isinstance(value, dict):
        return any(contains_expression(item) for item in value.values())
    if isinstance(value, list):
        return any(contains_expression(item) for item in value)
    return False


def _path(pattern: re.Pattern, text: str) -> tuple | None:
    """The steps of a plain path (str keys, int indexes), or None if `text` is not one."""
    match = pattern.fullmatch(text)
    if match is None:
        return None
    steps = tuple(
        step[1] if step[1] is not None else int(step[2])
        for step in PATH_STEP.finditer(match.group(1))
    )
    if pattern is YAQL_PATH and YAQL_RESERVED.intersection(steps):
        return None
    return steps


# YAQL's parser keeps its state in one shared lexer: workbooks are parsed in worker threads
# while the event loop may parse a statement lazily, so one parse runs at a time.
_YAQL_PARSING = threading.Lock()


def _yaql_statement(text: str) -> Any:
    with _YAQL_PARSING:
        return yaql_engine()(text)


def _parse_yaql(inner: str) -> YaqlWhole:
    text = inner.strip()
    source, path = f"<%{inner}%>", _path(YAQL_PATH, text)
    if path is not None or yaql_surely_valid().fullmatch(text):
        return YaqlWhole(source, path)
    from yaql.language import exceptions as yaql_errors

    try:
        return YaqlWhole(source, path, _yaql_statement(text))
    except yaql_errors.YaqlException as error:
        raise ExpressionSyntaxError(f"YAQL syntax error in <%{inner}%>: {error}") from None


def _compile_yaql(text: str) -> YaqlWhole | YaqlTemplate:
    whole = WHOLE_YAQL.match(text)
    if whole and "<%" not in whole.group(1) and "%>" not in whole.group(1):
        return _parse_yaql(whole.group(1))
    parts: list = []
    position = 0
    for block in YAQL_BLOCK.finditer(text):
        if block.start() > position:
            parts.append(text[position : block.start()])
        parts.append(_parse_yaql(block.group(1)))
        position = block.end()
    if position < len(text):
        parts.append(text[position:])
    return YaqlTemplate(text, tuple(parts))


def _flatten_globals(template: Any) -> Any:
    """Give a template its globals as a plain dict instead of Jinja's ChainMap.

    Jinja copies the globals into every render's context, and copying the ChainMap cost
    three quarters of a 20 µs evaluation; the globals never change after import.
    """
    template.globals = dict(template.globals)
    return template


def _compile_jinja(text: str) -> JinjaWhole | JinjaTemplate:
    from jinja2 import TemplateSyntaxError

    try:
        whole = WHOLE_JINJA.match(text)
        if whole and "{{" not in whole.group(1) and "}}" not in whole.group(1):
            source = whole.group(1).strip()
            expression = jinja_env().compile_expression(source, False)
            _flatten_globals(expression._template)
            return JinjaWhole(text, expression, _path(JINJA_PATH, source))
        return JinjaTemplate(text, _flatten_globals(jinja_env().from_string(text)))
    except TemplateSyntaxError as error:
        raise ExpressionSyntaxError(f"Jinja syntax error in {text!r}: {error.message}") from None
