"""The list query of Mistral's API (`marker`, `limit`, `sort_keys`, `sort_dirs`, `fields`, `nulls`
and `column=op:value` filters), and paging of short lists in memory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.api import Filter, NotFoundError, Page, PageError

# Query arguments that are not filters.
CONTROL = frozenset(
    {"marker", "limit", "sort_keys", "sort_dirs", "fields", "nulls", "namespace", "scope"}
)
CONTROL_FLAGS = frozenset(
    {"all_projects", "include_output", "project_id", "force", "max_depth", "errors_only"}
)


def parse_query(args: Mapping[str, str], columns: frozenset[str]) -> tuple[Page, tuple[str, ...]]:
    """The page a request asks for, and the fields it wants (empty: all). Raises PageError."""
    limit = None
    if args.get("limit"):
        try:
            limit = int(args["limit"])
        except ValueError:
            raise PageError(f"limit must be an integer, not '{args['limit']}'") from None
        if limit <= 0:
            raise PageError("Limit must be positive.")
    filters = tuple(
        Filter.parse(name, value)
        for name, value in args.items()
        if name not in CONTROL and name not in CONTROL_FLAGS and value != ""
    )
    page = Page(
        filters=filters,
        nulls=_names(args.get("nulls", "")),
        marker=args.get("marker") or None,
        limit=limit,
        sort_keys=_names(args.get("sort_keys", "")) or ("created_at",),
        sort_dirs=_names(args.get("sort_dirs", "")) or ("asc",),
        columns=columns,
    )
    page.check()
    return page, _names(args.get("fields", ""))


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


def page_in_memory(resources: list[dict[str, Any]], page: Page) -> list[dict[str, Any]]:
    """Filter, sort and cut a list already in memory (definitions, cron triggers)."""
    found = [
        resource
        for resource in resources
        if all(item.matches(resource.get(item.column)) for item in page.filters)
        and all(resource.get(column) is None for column in page.nulls)
    ]
    order = list(zip(page.sort_keys, page.directions, strict=True))
    if order[-1][1] == "desc":  # ties in reverse insertion order, as the SQL pages do
        found.reverse()
    for key, direction in reversed(order):
        found.sort(key=lambda resource: str(resource.get(key) or ""), reverse=direction == "desc")
    if page.marker is not None:
        ids = [resource.get("id") for resource in found]
        if page.marker not in ids:
            raise NotFoundError(f"Marker '{page.marker}' not found")
        found = found[ids.index(page.marker) + 1 :]
    return found if page.limit is None else found[: page.limit]


def only_fields(resource: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """The fields asked for, and the id (the next page's marker)."""
    if not fields:
        return resource
    return {name: resource.get(name) for name in ("id", *fields)}
