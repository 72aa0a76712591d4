"""The options every list command takes, as python-mistralclient 6.x's listers do.

`--filter KEY=[op:]VALUE` (any field of the record; eq, neq, in, nin, gt, gte, lt, lte, has),
`--sort_keys`, `--sort_dirs`, `--marker` (the rows after this id in that order) and `--limit`.
Execution, task and action-execution lists (mistral's MistralExecutionLister) show the newest
100 by default, oldest of them first; `--oldest` starts from the oldest instead.

The rows are chosen here from the backend's whole list, so every backend gets the same rules.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import Any

DEFAULT_LIMIT = 100
OPERATORS = ("eq", "neq", "in", "nin", "gt", "gte", "lt", "lte", "has")


class ListOptionError(ValueError):
    """A filter, sort key or marker the list cannot use; the message says which."""


def add_list_options(parser: argparse.ArgumentParser, *, executions: bool) -> None:
    """mistral's lister options; `executions`: the newest-first ones with `--oldest`."""
    parser.add_argument(
        "--marker", default="", help="show the rows after the one with this id (a page's last)"
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_LIMIT if executions else None,
        help="at most this many rows (-1: all)"
        + (f" (default {DEFAULT_LIMIT})" if executions else ""),
    )
    parser.add_argument(
        "--sort_keys", default="created_at", help="comma-separated fields (default created_at)"
    )
    parser.add_argument(
        "--sort_dirs", default="asc", help="comma-separated asc or desc, one per key (default asc)"
    )
    parser.add_argument(
        "--filter",
        dest="filters",
        action="append",
        metavar="KEY=[OP:]VALUE",
        help=f"keep rows whose field KEY matches; OP one of {', '.join(OPERATORS)} (default eq);"
        " in/nin take comma-separated values. Repeat for more",
    )
    if executions:
        parser.add_argument(
            "--oldest",
            action="store_true",
            help="show the oldest rows first instead of the newest",
        )


def list_options(*, executions: bool) -> Callable[[argparse.ArgumentParser], None]:
    """The options as a command's arguments (tripleo_tui.cli.CommandAdder.add)."""
    return functools.partial(add_list_options, executions=executions)


Matcher = Callable[[Any], bool]


def _filter(item: str, fields: Sequence[str]) -> tuple[str, Matcher]:
    key, equals, given = item.partition("=")
    if not equals:
        raise ListOptionError(f"Invalid filter: {item} (use KEY=[OP:]VALUE)")
    if key not in fields:
        raise ListOptionError(
            f"Invalid filter '{item}': no field '{key}'; use one of {', '.join(fields)}"
        )
    op, colon, value = given.partition(":")
    if not colon or op not in OPERATORS:
        op, value = "eq", given
    return key, _matcher(op, value)


def _matcher(op: str, value: str) -> Matcher:
    if op in ("in", "nin"):
        wanted = set(value.split(","))
        return lambda actual: (_text(actual) in wanted) == (op == "in")
    if op == "has":
        return lambda actual: value in _text(actual)
    if op in ("eq", "neq"):
        return lambda actual: (_text(actual) == value) == (op == "eq")
    compare = {
        "gt": lambda text: text > value,
        "gte": lambda text: text >= value,
        "lt": lambda text: text < value,
        "lte": lambda text: text <= value,
    }[op]
    return lambda actual: actual is not None and compare(_text(actual))


def _text(value: Any) -> str:
    """A field as text to compare: booleans as `true`/`false`, as Mistral's API takes them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return value if isinstance(value, str) else str(value)


def _sort_key(value: Any) -> tuple[int, Any]:
    """None sorts first; numbers by value, everything else as text."""
    if value is None:
        return (0, "")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (1, value)
    return (2, _text(value))


def choose(records: Sequence[Any], args: argparse.Namespace) -> list[Any]:
    """The rows the list options ask for, in the order mistral 6.x shows them."""
    records = list(records)
    fields = [field.name for field in dataclasses.fields(records[0])] if records else []
    matchers = [_filter(item, fields) for item in args.filters or ()] if records else []
    keys = [key for key in args.sort_keys.split(",") if key]
    dirs = [direction for direction in args.sort_dirs.split(",") if direction]
    for direction in dirs:
        if direction not in ("asc", "desc"):
            raise ListOptionError(f"Unknown sort direction '{direction}': use asc or desc")
    if len(dirs) > len(keys):
        raise ListOptionError("Give no more --sort_dirs than --sort_keys")
    for key in keys:
        if records and key not in fields:
            raise ListOptionError(f"Unknown sort key '{key}'; use one of {', '.join(fields)}")
    # mistral's execution listers: by default the newest page, shown oldest first.
    newest_page = (
        hasattr(args, "oldest")
        and not args.oldest
        and not args.marker
        and args.sort_keys == "created_at"
        and args.sort_dirs == "asc"
    )
    if newest_page:
        dirs = ["desc"]
    dirs += ["asc"] * (len(keys) - len(dirs))
    chosen = [
        record
        for record in records
        if all(matches(getattr(record, key)) for key, matches in matchers)
    ]
    # Stable sorts, last key first; the backend's order (creation) breaks ties, in the
    # last key's direction (timestamps have one-second resolution).
    if dirs and dirs[-1] == "desc":
        chosen.reverse()
    for key, direction in reversed(list(zip(keys, dirs, strict=True))):
        chosen.sort(key=lambda record: _sort_key(getattr(record, key)), reverse=direction == "desc")
    if args.marker:
        ids = [getattr(record, "id", getattr(record, "name", None)) for record in chosen]
        if args.marker not in ids:
            raise ListOptionError(f"Marker '{args.marker}' is not in the list")
        chosen = chosen[ids.index(args.marker) + 1 :]
    if args.limit is not None and args.limit >= 0:
        chosen = chosen[: args.limit]
    if newest_page:
        chosen.reverse()
    return chosen
