"""Inline parameters: `std.echo output="x" n=1 items=[1, 2] v=<% $.v %>`.

Mistral's value rules: a quoted value is a string (quotes dropped, no escapes); `<% %>` and
`{{ }}` are expressions; anything else goes through `json.loads` (numbers, true/false/null,
lists). Mistral silently dropped what it could not read: a bare word (`output=word`,
`maintenance=False`), an unclosed quote, text that is not `name=value`. We drop it too, as
real workbooks rely on that, but return a note naming it so validation can warn. Where
Mistral's regular expression misread a JSON value (`1.5` became 1, `-2` was dropped) we read
the whole JSON value.
"""

from __future__ import annotations

import json
import re
from typing import Any

COMMAND = re.compile(r"[\w.]+[^=(\s\"']*")
PARAM_NAME = re.compile(r"([-\w]+)=")
EXPRESSION_ENDS = {"<%": "%>", "{{": "}}"}
_json_decoder = json.JSONDecoder()


class InlineError(ValueError):
    """Text that does not start with an action, workflow or command name."""


def parse_command(text: str) -> tuple[str, dict[str, Any], list[str]]:
    """Split `name k=v ...` (or `name(k=v, ...)`) into the name, parameters and notes."""
    text = text.strip()
    match = COMMAND.match(text)
    if not match:
        raise InlineError(f"cannot read a name at the start of {text!r}")
    rest = text[match.end() :].strip()
    if rest.startswith("(") and rest.endswith(")"):
        rest = rest[1:-1]
    return (match.group(), *parse_params(rest))


def parse_params(text: str) -> tuple[dict[str, Any], list[str]]:
    """Read `k=v k2=v2 ...` (commas between pairs allowed, as in `cmd(k=v, ...)`).

    Returns the parameters and a note for each piece of text dropped, as Mistral did.
    """
    params: dict[str, Any] = {}
    notes: list[str] = []
    position, end = 0, len(text)
    while True:
        while position < end and (text[position].isspace() or text[position] == ","):
            position += 1
        if position >= end:
            return params, notes
        name = PARAM_NAME.match(text, position)
        if not name:
            word = text[position:].split(None, 1)[0]
            notes.append(f"{word!r} is ignored: it is not a name=value parameter")
            position += len(word)
            continue
        try:
            value, position = _read_value(text, name.end())
        except _Unreadable as error:
            notes.append(f"parameter {name.group(1)!r} is ignored: {error}")
            position = end if error.rest_lost else name.end()
            continue
        if isinstance(value, BareWord):
            notes.append(value.note(name.group(1)))
        else:
            params[name.group(1)] = value


class _Unreadable(ValueError):
    """A value that cannot be read; `rest_lost` when the rest of the text goes with it."""

    def __init__(self, reason: str, *, rest_lost: bool = True) -> None:
        super().__init__(reason)
        self.rest_lost = rest_lost


class BareWord(str):
    """An unquoted value that is not JSON: Mistral passes no such parameter at all."""

    def note(self, name: str) -> str:
        json_form = {"True": "true", "False": "false", "None": "null"}.get(self)
        fix = f"write {name}={json_form} or " if json_form else ""
        return (
            f"parameter {name!r} is ignored: its value {self} is a bare word, which Mistral "
            f'does not read as a value; {fix}quote it ({name}="{self}") or use an expression'
        )


def _read_value(text: str, start: int) -> tuple[Any, int]:
    if start >= len(text) or text[start].isspace():
        raise _Unreadable("it has no value", rest_lost=False)
    first = text[start]
    if first in "\"'":
        close = text.find(first, start + 1)
        if close < 0:
            raise _Unreadable(f"the quote {first} is never closed")
        return text[start + 1 : close], close + 1
    opener = text[start : start + 2]
    if opener in EXPRESSION_ENDS:
        close = text.find(EXPRESSION_ENDS[opener], start + 2)
        if close < 0:
            raise _Unreadable(
                f"the expression {opener} is never closed by {EXPRESSION_ENDS[opener]}"
            )
        return text[start : close + 2], close + 2
    if first in "[{":
        try:
            return _json_decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            close = _matching_bracket(text, start)
            if close < 0:
                raise _Unreadable(f"the bracket {first} is never closed") from None
            # Not JSON (e.g. it holds an expression): Mistral kept such a value as text.
            return text[start : close + 1], close + 1
    word = re.match(r"[^\s,]+", text[start:]).group()
    try:
        return json.loads(word), start + len(word)
    except ValueError:
        # Mistral matched digits (`007`) as a value and kept the text when JSON refused it.
        return (word if word.isdigit() else BareWord(word)), start + len(word)


def _matching_bracket(text: str, start: int) -> int:
    pairs = {"[": "]", "{": "}"}
    stack: list[str] = []
    quote = ""
    for index in range(start, len(text)):
        char = text[index]
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in pairs:
            stack.append(pairs[char])
        elif stack and char == stack[-1]:
            stack.pop()
            if not stack:
                return index
    return -1
