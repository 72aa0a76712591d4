"""The options every list command takes, as python-mistralclient 6.x's listers do.

`--filter KEY=[op:]VALUE` (any field of the record; eq, neq, in, nin, gt, gte, lt, lte, has),
`--sort_keys`, `--sort_dirs`, `--marker` (the rows after this id in that order) and `--limit`.
Execution, task and action-execution lists (mistral's MistralExecutionLister) show the newest
100 by default, oldest of them first; `--oldest` starts from the oldest instead.

Long lists (executions, tasks, action executions) are read a page at a time in the state
file's SQL (engine.store.pages), or by Mistral's own query; short ones are chosen in memory.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.api import Filter, Page

DEFAULT_LIMIT = 100
OPERATORS = ("eq", "neq", "in", "nin", "gt", "gte", "lt", "lte", "has")  # engine.store.pages


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


def _filters(args: argparse.Namespace, fields: Iterable[str]) -> list[Filter]:
    """`--filter KEY=[OP:]VALUE` items as Filters, each KEY a field of the list."""
    from engine.api import Filter

    fields = sorted(fields)
    found = []
    for item in args.filters or ():
        key, equals, given = item.partition("=")
        if not equals:
            raise ListOptionError(f"Invalid filter: {item} (use KEY=[OP:]VALUE)")
        if key not in fields:
            raise ListOptionError(
                f"Invalid filter '{item}': no field '{key}'; use one of {', '.join(fields)}"
            )
        found.append(Filter.parse(key, given))
    return found


def _order(args: argparse.Namespace, fields: Iterable[str]) -> tuple[list[str], list[str]]:
    """`--sort_keys` and `--sort_dirs`, checked."""
    keys = [key for key in args.sort_keys.split(",") if key]
    dirs = [direction for direction in args.sort_dirs.split(",") if direction]
    for direction in dirs:
        if direction not in ("asc", "desc"):
            raise ListOptionError(f"Unknown sort direction '{direction}': use asc or desc")
    if len(dirs) > len(keys):
        raise ListOptionError("Give no more --sort_dirs than --sort_keys")
    fields = sorted(fields)
    for key in keys:
        if key not in fields:
            raise ListOptionError(f"Unknown sort key '{key}'; use one of {', '.join(fields)}")
    return keys, dirs


def _newest_page(args: argparse.Namespace) -> bool:
    """mistral's execution listers: by default the newest page, shown oldest first."""
    return (
        hasattr(args, "oldest")
        and not args.oldest
        and not args.marker
        and args.sort_keys == "created_at"
        and args.sort_dirs == "asc"
    )


def _limit(args: argparse.Namespace) -> int | None:
    return args.limit if args.limit is not None and args.limit >= 0 else None


def _sort_key(value: Any) -> tuple[int, Any]:
    """None sorts first; numbers by value, everything else as text."""
    if value is None:
        return (0, "")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (1, value)
    return (2, str(value).lower() if isinstance(value, bool) else str(value))


def choose(records: Sequence[Any], args: argparse.Namespace) -> list[Any]:
    """The rows of a short list (definitions, environments) the list options ask for, chosen
    in memory."""
    records = list(records)
    fields = [field.name for field in dataclasses.fields(records[0])] if records else []
    filters = _filters(args, fields) if records else []
    keys, dirs = _order(args, fields) if records else ([], [])
    dirs += ["asc"] * (len(keys) - len(dirs))
    chosen = [
        record
        for record in records
        if all(wanted.matches(getattr(record, wanted.column)) for wanted in filters)
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
    limit = _limit(args)
    return chosen if limit is None else chosen[:limit]


async def paged(
    read: Callable[[Page], Awaitable[list[Any]]],
    args: argparse.Namespace,
    fields: frozenset[str],
    nulls: tuple[str, ...] = (),
    **narrowed: str | None,
) -> list[Any]:
    """The rows of a long list (executions, tasks, action executions) the list options ask
    for, read by the backend's `read(page)` (the state file's SQL, or Mistral's query), in
    mistral 6.x's order; the `nulls` fields must be NULL, the `narrowed` ones equal their
    value (None: any)."""
    from engine.api import Page

    keys, dirs = _order(args, fields)
    newest = _newest_page(args)
    page = Page(
        filters=tuple(_filters(args, fields)),
        nulls=nulls,
        marker=args.marker or None,
        limit=_limit(args),
        sort_keys=tuple(keys),
        sort_dirs=("desc",) if newest else tuple(dirs),
        columns=fields,
    )
    for column, value in narrowed.items():
        page = page.where(column, value)
    rows = await read(page)
    return rows[::-1] if newest else rows
