"""Find and compile the `<% %>` YAQL and `{{ }}` Jinja expressions in a definition.

Compiling happens once, when a definition is validated, so a syntax error is a validation
error and evaluation never parses again.
"""

from __future__ import annotations

import collections.abc  # noqa: F401  (yaql 3.2.0 uses collections.abc without importing it)
import re
from dataclasses import dataclass
from typing import Any

import yaql
from jinja2 import StrictUndefined, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from yaql.language import exceptions as yaql_errors

YAQL_BLOCK = re.compile(r"<%(.*?)%>", re.S)
JINJA_BLOCK = re.compile(r"{{.*?}}|{%.*?%}", re.S)
WHOLE_YAQL = re.compile(r"\A<%(.*)%>\Z", re.S)
WHOLE_JINJA = re.compile(r"\A{{(.*)}}\Z", re.S)

YAQL_LIMITS = {"yaql.limitIterators": 100_000, "yaql.memoryQuota": 50_000_000}
YAQL_ENGINE = yaql.YaqlFactory(keyword_operator="=>", allow_delegates=False).create(
    options={
        "yaql.convertTuplesToLists": True,
        "yaql.convertSetsToLists": False,
        "yaql.iterableDicts": False,
        **YAQL_LIMITS,
    }
)
JINJA_ENV = SandboxedEnvironment(undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


class ExpressionSyntaxError(ValueError):
    """An expression that cannot be parsed; the message says which and why."""


@dataclass(frozen=True, slots=True)
class YaqlWhole:
    """`<% e %>` spanning the whole string: evaluates to the native value."""

    source: str
    statement: Any


@dataclass(frozen=True, slots=True)
class YaqlTemplate:
    """Text with embedded `<% %>` blocks: each block is rendered with str()."""

    source: str
    parts: tuple  # str pieces and YaqlWhole blocks, in order


@dataclass(frozen=True, slots=True)
class JinjaWhole:
    """`{{ e }}` spanning the whole string: evaluates to the native value."""

    source: str
    expression: Any


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
        raise ExpressionSyntaxError(
            f"mixes YAQL <% %> and Jinja {{{{ }}}} in one string: {text!r}"
        )
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


def _parse_yaql(inner: str) -> YaqlWhole:
    try:
        return YaqlWhole(f"<%{inner}%>", YAQL_ENGINE(inner.strip()))
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


def _compile_jinja(text: str) -> JinjaWhole | JinjaTemplate:
    try:
        whole = WHOLE_JINJA.match(text)
        if whole and "{{" not in whole.group(1) and "}}" not in whole.group(1):
            return JinjaWhole(text, JINJA_ENV.compile_expression(whole.group(1).strip(), False))
        return JinjaTemplate(text, JINJA_ENV.from_string(text))
    except TemplateSyntaxError as error:
        raise ExpressionSyntaxError(f"Jinja syntax error in {text!r}: {error.message}") from None
