"""Table cells: state colours, durations, short ids. Colours are from the 16-colour set, so they
read the same in 256-colour terminals and under tmux.

A Cell is a string and a style, made into rich Text only when drawn: a tenth of Text's memory,
which counts with 10,000 rows of seven cells.
"""

from __future__ import annotations

import ast
import json
from datetime import UTC, datetime
from typing import Any

from rich.text import Text


class Cell:
    """One line of text with a style."""

    __slots__ = ("plain", "style")

    def __init__(self, plain: str = "", style: str = "") -> None:
        self.plain = plain
        self.style = style

    def as_text(self) -> Text:
        return Text(self.plain, style=self.style, no_wrap=True, overflow="ellipsis", end="")

    __rich__ = as_text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Cell) and self.plain == other.plain and self.style == other.style

    __hash__ = None  # mutable-looking; never a dict key

    def __repr__(self) -> str:
        return f"Cell({self.plain!r}, {self.style!r})"


Cells = tuple[Cell, ...]  # one table row
EMPTY = Cell()

STATE_STYLES = {
    "IDLE": "dim",
    "WAITING": "cyan",
    "RUNNING": "bold blue",
    "DELAYED": "blue",
    "PAUSED": "bold yellow",
    "SUCCESS": "green",
    "ERROR": "bold red",
    "CANCELLED": "magenta",
    "SKIPPED": "dim green",
    # Ironic
    "available": "green",
    "active": "bold green",
    "manageable": "cyan",
    "enroll": "dim",
    "error": "bold red",
    "deploy failed": "bold red",
    "clean failed": "bold red",
    "inspect failed": "bold red",
    "power on": "green",
    "power off": "dim",
}


def text(value: Any, style: str = "") -> Cell:
    """A one-line cell: None is empty, newlines become spaces."""
    if value is None or value == "":
        return EMPTY
    return Cell(str(value).replace("\n", " "), style)


def state(value: str | None) -> Cell:
    return text(value, STATE_STYLES.get(value or "", ""))


def flag(value: bool, on: str = "yes", style: str = "bold yellow") -> Cell:
    return text(on, style) if value else EMPTY


def tags(values: tuple[str, ...] | list[str]) -> Cell:
    return text(", ".join(values))


def compact_json(value: Any) -> str:
    """One line of JSON, for previews and filters."""
    return json.dumps(value, separators=(", ", ": "), default=str, ensure_ascii=False)


def input_signature(text: str) -> str:
    """Mistral's input line (`nodes, role=None, queue_name=tripleo`: each default as Python's
    str() made it) with the defaults as JSON (`role=null, queue_name="tripleo"`)."""
    return ", ".join(_param_as_json(part) for part in _top_level_parts(text))


def _param_as_json(part: str) -> str:
    name, equals, default = part.partition("=")
    if not equals:
        return part
    try:
        value = ast.literal_eval(default)  # None, False, 3, [...], {...} as str() wrote them
    except (SyntaxError, ValueError):
        value = default  # a string, written without quotes
    return f"{name}={compact_json(value)}"


def _top_level_parts(text: str) -> list[str]:
    """`text` split at the commas outside brackets and quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:index].strip())
            start = index + 1
    return [*parts, text[start:].strip()] if text.strip() else []


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value[:19]).replace(tzinfo=UTC)
    except ValueError:
        return None


def duration(start: str | None, end: str | None, now: datetime | None = None) -> Cell:
    """How long from `start` to `end` (to `now` while it has no end), as 4s, 3m05s, 2h04m."""
    began = parse_time(start)
    if began is None:
        return EMPTY
    finished = parse_time(end) or now
    if finished is None:
        return EMPTY
    seconds = max(0, int((finished - began).total_seconds()))
    if seconds < 60:
        label = f"{seconds}s"
    elif seconds < 3600:
        label = f"{seconds // 60}m{seconds % 60:02d}s"
    else:
        label = f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return Cell(label, "" if end else "italic")
