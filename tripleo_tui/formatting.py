"""Command output printed by cliff's own formatters, as the OpenStack clients print it.

A command returns a `Listing` (list commands: rows under a header) or a `Record` (show
commands: a Field | Value table) or `Text`; `render` turns it into what goes to stdout with the
formatter `-f` names (table, csv, json, yaml, value; shell for records) and its options
(--max-width, --fit-width, --print-empty, --noindent, --quote, --prefix), after cliff's lister
options (--sort-column, --sort-ascending, --sort-descending) and `-c`. cliff's formatter modules
cost about 2 ms to import (python3 -X importtime); cliff's app and stevedore are not loaded, nor
wcwidth while the text is printable ASCII (`_PlainTextWidths`).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import sys
import textwrap
import types
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cliff.formatters.base import Formatter

# cliff's `cliff.formatter.list` and `cliff.formatter.show` entry points, without stevedore.
LIST_FORMATS = ("csv", "json", "table", "value", "yaml")
SHOW_FORMATS = ("json", "shell", "table", "value", "yaml")
FORMATS = tuple(sorted({*LIST_FORMATS, *SHOW_FORMATS}))


@functools.cache
def formatters() -> dict[str, Formatter]:
    """cliff's formatters by format name, imported when output is printed or a command's
    options are built (not for `--help` or a command that prints none)."""
    from cliff.formatters.commaseparated import CSVLister
    from cliff.formatters.json_format import JSONFormatter
    from cliff.formatters.shell import ShellFormatter
    from cliff.formatters.table import TableFormatter
    from cliff.formatters.value import ValueFormatter
    from cliff.formatters.yaml_format import YAMLFormatter

    return {  # in the order their options show in a command's help
        "csv": CSVLister(),
        "json": JSONFormatter(),
        "table": TableFormatter(),
        "value": ValueFormatter(),
        "yaml": YAMLFormatter(),
        "shell": ShellFormatter(),
    }


class _PlainTextWidths(types.ModuleType):
    """What prettytable asks the `wcwidth` module for (width, ljust, rjust, center), answered
    as wcwidth answers them for printable ASCII text, one cell a character (its own shortcut),
    without importing it: its tables and patterns cost a list 13 % of its instructions. Other
    text, and anything else prettytable asks for (wrap), go to wcwidth itself."""

    ANSWERS: dict[str, Callable[..., Any]] = {
        "width": len,
        "ljust": str.ljust,
        "rjust": str.rjust,
        "center": str.center,
    }

    def __getattr__(self, name: str) -> Any:
        plain = self.ANSWERS.get(name)
        if plain is None:
            return getattr(_wcwidth(), name)

        def answer(text: str, *args: Any, **options: Any) -> Any:
            if options or not (text.isascii() and text.isprintable()):
                return getattr(_wcwidth(), name)(text, *args, **options)
            return plain(text, *args)

        setattr(self, name, answer)  # made once: prettytable asks for each cell
        return answer


_PLAIN_TEXT_WIDTHS = _PlainTextWidths("wcwidth")


def _wcwidth() -> types.ModuleType:
    """The wcwidth module itself, imported in place of _PLAIN_TEXT_WIDTHS."""
    if sys.modules.get("wcwidth") is _PLAIN_TEXT_WIDTHS:
        del sys.modules["wcwidth"]
    import wcwidth

    return wcwidth


@contextlib.contextmanager
def _plain_text_widths() -> Iterator[None]:
    """prettytable's `import wcwidth` gets _PLAIN_TEXT_WIDTHS meanwhile, if it is not loaded."""
    sys.modules.setdefault("wcwidth", _PLAIN_TEXT_WIDTHS)
    try:
        yield
    finally:
        if sys.modules.get("wcwidth") is _PLAIN_TEXT_WIDTHS:
            del sys.modules["wcwidth"]


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


def add_format_options(parser: argparse.ArgumentParser) -> None:
    """cliff's display options (-f, -c, the lister's sorting) and each formatter's own."""
    group = parser.add_argument_group("output formatters", "output formatter options")
    group.add_argument(
        "-f",
        "--format",
        choices=FORMATS,
        default="table",
        help="the output format, defaults to table (csv: lists only; shell: show only)",
    )
    group.add_argument(
        "-c",
        "--column",
        action="append",
        default=[],
        dest="columns",
        metavar="COLUMN",
        help="specify the column(s) to include, can be repeated to show multiple columns",
    )
    group.add_argument(
        "--sort-column",
        action="append",
        default=[],
        dest="sort_columns",
        metavar="SORT_COLUMN",
        help="specify the column(s) to sort the data (lists; case-insensitive, underscores "
        "for spaces, can be repeated)",
    )
    directions = group.add_mutually_exclusive_group()
    directions.add_argument(
        "--sort-ascending",
        action="store_const",
        dest="sort_direction",
        const="asc",
        help="sort the column(s) in ascending order",
    )
    directions.add_argument(
        "--sort-descending",
        action="store_const",
        dest="sort_direction",
        const="desc",
        help="sort the column(s) in descending order",
    )
    for formatter in formatters().values():
        formatter.add_argument_group(parser)


def default_options() -> argparse.Namespace:
    """The format options as a command given none has them."""
    parser = argparse.ArgumentParser(add_help=False)
    add_format_options(parser)
    return parser.parse_args([])


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


def _normalized(name: str) -> str:
    """cliff's column name match: `-c workflow_name` finds 'Workflow name'."""
    return name.lower().strip().replace(" ", "_")


def select_columns(
    columns: tuple[str, ...], wanted: Sequence[str] | None
) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """The columns `-c` asked for, in the output's own order, with their indexes.

    Like cliff: unknown names are ignored unless none is known, which is an error.
    """
    if not wanted:
        return columns, tuple(range(len(columns)))
    asked = {_normalized(name) for name in wanted}
    chosen = tuple(index for index, name in enumerate(columns) if _normalized(name) in asked)
    if not chosen:
        raise ValueError(
            f"No recognized column names in {list(wanted)}. Recognized columns are {list(columns)}."
        )
    return tuple(columns[index] for index in chosen), chosen


def sort_rows(
    columns: Sequence[str], rows: list[tuple[Any, ...]], options: argparse.Namespace
) -> list[tuple[Any, ...]]:
    """cliff's --sort-column: first named first, unknown names ignored, None last."""
    names = [_normalized(name) for name in columns]
    indexes = [names.index(_normalized(c)) for c in options.sort_columns if _normalized(c) in names]
    for index in reversed(indexes):
        try:
            rows = sorted(
                rows,
                key=lambda row: (row[index] is None, row[index]),
                reverse=options.sort_direction == "desc",
            )
        except TypeError:  # cliff too sorts at best effort
            continue
    return rows


def render(
    output: Output,
    fmt: str = "table",
    wanted: Sequence[str] | None = None,
    options: argparse.Namespace | None = None,
) -> str:
    """The text cliff prints for `output` in format `fmt`, restricted to the `wanted` columns,
    without its last newline."""
    if isinstance(output, Text):
        return output.text
    options = options or default_options()
    stream = io.StringIO()
    if isinstance(output, Listing):
        if fmt not in LIST_FORMATS:
            raise ValueError(
                f"-f {fmt} is for single records; a list prints as {', '.join(LIST_FORMATS)}"
            )
        # mistral 6.x lists nothing as one row of empty cells, in every format.
        rows = sort_rows(
            output.columns,
            list(output.rows or (tuple("" for _ in output.columns),)),
            options,
        )
        columns, indexes = select_columns(output.columns, wanted)
        shown = [tuple(row[index] for index in indexes) for row in rows]
        with _plain_text_widths():
            formatters()[fmt].emit_list(columns, shown, stream, options)
    else:
        if fmt not in SHOW_FORMATS:
            raise ValueError(f"-f {fmt} is for lists; a record prints as {', '.join(SHOW_FORMATS)}")
        columns, indexes = select_columns(output.columns, wanted)
        values = tuple(output.values[index] for index in indexes)
        with _plain_text_widths():
            formatters()[fmt].emit_one(columns, values, stream, options)
    return stream.getvalue().removesuffix("\n")
