"""One page of a long list, as Mistral's REST API asks for it: filters, `marker`, `limit`,
`sort_keys` and `sort_dirs`.

Keyset paging: the page after `marker` is read with a WHERE on the marker row's sort values, so
page 100 of 10,000 executions costs what page 1 does. The row id breaks ties (timestamps have
one-second resolution), which also keeps rows created in the same second in insertion order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.store.database import Store
from engine.store.errors import NotFoundError
from engine.store.executions import ExecutionRecord, _execution_record

_SQL_OPERATORS = {"eq": "=", "neq": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}

# Columns a caller may filter and sort executions by (every other name is refused).
EXECUTION_COLUMNS = frozenset(
    {
        "id",
        "workflow_name",
        "workflow_id",
        "description",
        "state",
        "state_info",
        "task_execution_id",
        "root_execution_id",
        "created_at",
        "updated_at",
    }
)


# What an ExecutionRecord is read from.
RECORD_COLUMNS = (
    "id",
    "workflow_id",
    "workflow_name",
    "description",
    "task_execution_id",
    "root_execution_id",
    "state",
    "state_info",
    "input",
    "output",
    "params",
    "created_at",
    "updated_at",
)


class PageError(ValueError):
    """A filter, sort key or marker the list cannot use (the API answers 400)."""


@dataclass(frozen=True, slots=True)
class Filter:
    """`column=op:value` as Mistral's API takes it (`state=in:RUNNING,PAUSED`)."""

    column: str
    op: str
    value: Any  # a string, or a list of strings for in/nin

    def matches(self, actual: Any) -> bool:
        """The same test in Python, for lists short enough to filter in memory."""
        if self.op == "has":
            return self.value in (actual or "")
        if self.op in ("in", "nin"):
            return (str(actual) in self.value) == (self.op == "in")
        if self.op in ("eq", "neq"):
            if isinstance(actual, bool):  # `is_system=true`
                return (str(actual).lower() == self.value.lower()) == (self.op == "eq")
            return (_text(actual) == self.value) == (self.op == "eq")
        if actual is None:
            return False
        text = _text(actual)
        return {
            "gt": text > self.value,
            "gte": text >= self.value,
            "lt": text < self.value,
            "lte": text <= self.value,
        }[self.op]


@dataclass(frozen=True, slots=True)
class Page:
    """Which rows, in which order, after which one, how many (None: all)."""

    filters: tuple[Filter, ...] = ()
    nulls: tuple[str, ...] = ()  # columns that must be NULL (`nulls=root_execution_id`)
    marker: str | None = None
    limit: int | None = None
    sort_keys: tuple[str, ...] = ("created_at",)
    sort_dirs: tuple[str, ...] = ("asc",)
    columns: frozenset[str] = field(default=EXECUTION_COLUMNS)

    def check(self) -> None:
        for name in (*self.sort_keys, *(f.column for f in self.filters), *self.nulls):
            if name not in self.columns:
                raise PageError(f"Unknown column '{name}'; use one of {sorted(self.columns)}")
        for direction in self.sort_dirs:
            if direction not in ("asc", "desc"):
                raise PageError("Unknown sort direction, must be 'desc' or 'asc'.")
        if len(self.sort_dirs) > len(self.sort_keys):
            raise PageError("Length of sort_keys must be equal or greater than sort_dirs.")

    @property
    def directions(self) -> tuple[str, ...]:
        """One direction per sort key (missing ones are 'asc', as in Mistral)."""
        return self.sort_dirs + ("asc",) * (len(self.sort_keys) - len(self.sort_dirs))


def _text(value: Any) -> str:
    return "" if value is None else str(value)


async def execution_page(store: Store, page: Page, *, with_output: bool) -> list[ExecutionRecord]:
    """The executions of one page; `output` is read only when asked for (it can be large)."""
    page.check()
    columns = ", ".join(
        column if with_output or column != "output" else "NULL AS output"
        for column in RECORD_COLUMNS
    )
    where, params = _where(page)
    order = list(zip(page.sort_keys, page.directions, strict=True))
    if page.marker is not None:
        row = await store.fetch_one(
            f"SELECT rowid, {', '.join(key for key, _ in order) or 'id'} "
            "FROM workflow_executions WHERE id = ?",
            (page.marker,),
        )
        if row is None:
            raise NotFoundError(f"Execution '{page.marker}' not found (marker)")
        after, after_params = _after(order, row)
        where.append(after)
        params += after_params
    sql = f"SELECT {columns} FROM workflow_executions"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sort = [f"COALESCE({key}, '') {direction.upper()}" for key, direction in order]
    last_direction = order[-1][1].upper() if order else "ASC"
    sql += " ORDER BY " + ", ".join([*sort, f"rowid {last_direction}"])
    if page.limit is not None and page.limit >= 0:
        sql += f" LIMIT {int(page.limit)}"
    return [_execution_record(row) for row in await store.fetch_all(sql, params)]


def _where(page: Page) -> tuple[list[str], list[Any]]:
    where, params = [], []
    for item in page.filters:
        if item.op in ("in", "nin"):
            marks = ", ".join("?" * len(item.value))
            where.append(f"{item.column} {'NOT ' if item.op == 'nin' else ''}IN ({marks})")
            params += list(item.value)
        elif item.op == "has":
            where.append(f"instr(COALESCE({item.column}, ''), ?) > 0")
            params.append(item.value)
        else:
            where.append(f"COALESCE({item.column}, '') {_SQL_OPERATORS[item.op]} ?")
            params.append(item.value)
    where += [f"{column} IS NULL" for column in page.nulls]
    return where, params


def _after(order: list[tuple[str, str]], marker: Any) -> tuple[str, list[Any]]:
    """Rows after the marker row in this order: (k1 > m1) OR (k1 = m1 AND k2 > m2) ... with
    the row id last."""
    keys = [(f"COALESCE({key}, '')", direction, marker[key] or "") for key, direction in order]
    keys.append(("rowid", order[-1][1] if order else "asc", marker["rowid"]))
    clauses, params = [], []
    for index, (expression, direction, value) in enumerate(keys):
        equal = [f"{previous} = ?" for previous, _, _ in keys[:index]]
        step = ">" if direction == "asc" else "<"
        clauses.append("(" + " AND ".join([*equal, f"{expression} {step} ?"]) + ")")
        params += [previous_value for _, _, previous_value in keys[:index]] + [value]
    return "(" + " OR ".join(clauses) + ")", params
