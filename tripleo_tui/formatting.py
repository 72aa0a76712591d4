"""Command output the way the OpenStack clients (cliff) print it: table, json, yaml or value.

A command returns a `Listing` (list commands: rows under a header) or a `Record` (show
commands: a Field | Value table) or `Text`; `render` turns it into what goes to stdout.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import prettytable
import yaml

FORMATS = ("table", "json", "yaml", "value")
NONE = "<none>"
CELL_WIDTH = 25


@dataclass(frozen=True, slots=True)
class Listing:
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True, slots=True)
class Record:
    columns: tuple[str, ...]
    values: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Text:
    text: str


Output = Listing | Record | Text


def cut(text: str | None, length: int = CELL_WIDTH) -> str | None:
    """Mistral's list-mode cell: longer text is cut to `length` characters plus '...'."""
    if text and len(text) > length:
        return f"{text[:length]}..."
    return text


def tags_cell(tags: Sequence[str]) -> str:
    """Tags joined with ', ', wrapped at 25 characters, or '<none>'."""
    joined = ", ".join(tags)
    if len(joined) > CELL_WIDTH:
        joined = textwrap.fill(joined, CELL_WIDTH)
    return joined or NONE


def select_columns(
    columns: tuple[str, ...], wanted: Sequence[str] | None
) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """The columns `-c` asked for, in the output's own order, with their indexes.

    Like cliff: unknown names are ignored unless none is known, which is an error.
    """
    if not wanted:
        return columns, tuple(range(len(columns)))
    chosen = tuple(index for index, name in enumerate(columns) if name in wanted)
    if not chosen:
        raise ValueError(
            f"No recognized column names in {list(wanted)}. "
            f"Recognized columns are {', '.join(columns)}."
        )
    return tuple(columns[index] for index in chosen), chosen


def render(output: Output, fmt: str = "table", wanted: Sequence[str] | None = None) -> str:
    """The text to print for `output` in format `fmt`, restricted to the `wanted` columns."""
    if isinstance(output, Text):
        return output.text
    columns, indexes = select_columns(output.columns, wanted)
    if isinstance(output, Listing):
        # mistral 6.x lists nothing as one row of empty cells, in every format.
        shown = output.rows or (tuple("" for _ in output.columns),)
        rows = [tuple(row[index] for index in indexes) for row in shown]
        return _render_listing(columns, rows, fmt)
    values = tuple(output.values[index] for index in indexes)
    return _render_record(columns, values, fmt)


def _render_listing(columns: tuple[str, ...], rows: list[tuple[Any, ...]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([dict(zip(columns, row, strict=True)) for row in rows], indent=2)
    if fmt == "yaml":
        return _yaml([dict(zip(columns, row, strict=True)) for row in rows])
    if fmt == "value":
        return "\n".join(" ".join(str(value) for value in row) for row in rows)
    table = _table(columns, rows)
    for name, value in zip(columns, rows[0] if rows else (), strict=False):
        table.align[name] = "r" if type(value) in (int, float) else "l"
    return table.get_string()


def _render_record(columns: tuple[str, ...], values: tuple[Any, ...], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(dict(zip(columns, values, strict=True)), indent=2)
    if fmt == "yaml":
        return _yaml(dict(zip(columns, values, strict=True)))
    if fmt == "value":
        return "\n".join(str(value) for value in values)
    table = _table(("Field", "Value"), list(zip(columns, values, strict=True)))
    table.align = "l"
    return table.get_string()


def _table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> prettytable.PrettyTable:
    table = prettytable.PrettyTable(list(columns))
    table.padding_width = 1
    table.align = "l"
    for row in rows:
        table.add_row(list(row))
    return table


def _yaml(data: Any) -> str:
    return yaml.safe_dump(data, default_flow_style=False).rstrip("\n")
