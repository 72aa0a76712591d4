"""One page of a long list, as Mistral's REST API asks for it: filters, `marker`, `limit`,
`sort_keys` and `sort_dirs`, over executions, task executions and action executions, done in
SQL (the CLI's lists and the /v2 server's alike).

Keyset paging: the page after `marker` is read with a WHERE on the marker row's sort values, so
page 100 of 10,000 executions costs what page 1 does. The row id breaks ties (timestamps have
one-second resolution), which also keeps rows created in the same second in insertion order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.store.database import Store
from engine.store.errors import NotFoundError
from engine.store.executions import (
    ACTION_FROM,
    ACTION_SELECT,
    TASK_FROM,
    TASK_SELECT,
    ActionExecutionRecord,
    ExecutionRecord,
    TaskRecord,
    action_record,
    execution_record,
    task_record,
)

_SQL_OPERATORS = {"eq": "=", "neq": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
OPERATORS = ("eq", "neq", "gt", "gte", "lt", "lte", "in", "nin", "has")


@dataclass(frozen=True, slots=True)
class Table:
    """What one kind of list reads: its FROM clause, the SQL of each field a page may filter
    and sort by (no other name ever reaches the SQL; JSON fields are left out, their text is no
    value to compare), and the fields holding booleans."""

    source: str
    fields: Mapping[str, str]
    rowid: str = "rowid"
    booleans: frozenset[str] = frozenset()

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.fields)


EXECUTIONS = Table(
    "workflow_executions",
    {
        name: name
        for name in (
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
        )
    },
)
TASKS = Table(
    TASK_FROM,
    {
        "id": "t.id",
        "name": "t.name",
        "workflow_name": "e.workflow_name",
        "workflow_execution_id": "t.workflow_execution_id",
        "type": "t.type",
        "state": "t.state",
        "state_info": "t.state_info",
        "created_at": "t.created_at",
        "updated_at": "t.updated_at",
        "started_at": "t.started_at",
        "finished_at": "t.finished_at",
    },
    rowid="t.rowid",
)
ACTION_EXECUTIONS = Table(
    ACTION_FROM,
    {
        "id": "a.id",
        "name": "a.name",
        "workflow_name": "e.workflow_name",
        "task_name": "t.name",
        "task_execution_id": "a.task_execution_id",
        "state": "a.state",
        "state_info": "a.state_info",
        "accepted": "a.accepted",
        "description": "a.description",
        "created_at": "a.created_at",
        "updated_at": "a.updated_at",
    },
    rowid="a.rowid",
    booleans=frozenset({"accepted"}),
)
# What each list may be filtered and sorted by.
EXECUTION_FIELDS = EXECUTIONS.names
TASK_FIELDS = TASKS.names
ACTION_EXECUTION_FIELDS = ACTION_EXECUTIONS.names

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
    value: Any  # a string, or a tuple of strings for in/nin

    @classmethod
    def parse(cls, column: str, text: str) -> Filter:
        """`op:value` (op one of OPERATORS) or a plain value, which is compared for equality."""
        op, colon, value = text.partition(":")
        if not colon or op not in OPERATORS:
            return cls(column, "eq", text)
        if op in ("in", "nin"):
            return cls(column, op, tuple(value.split(",")))
        return cls(column, op, value)

    def matches(self, actual: Any) -> bool:
        """The same test in Python, for lists short enough to filter in memory."""
        text = _text(actual)
        if self.op == "has":
            return self.value in text
        if self.op in ("in", "nin"):
            return (text in self.value) == (self.op == "in")
        if self.op in ("eq", "neq"):
            return (text == self.value) == (self.op == "eq")
        if actual is None:
            return False
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
    columns: frozenset[str] = field(default=EXECUTION_FIELDS)

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

    def where(self, column: str, value: str | None) -> Page:
        """This page narrowed to rows whose `column` is `value` (unchanged for None): the
        tasks of one execution, say."""
        if value is None:
            return self
        return dataclasses.replace(self, filters=(*self.filters, Filter(column, "eq", value)))


def _text(value: Any) -> str:
    """A field as text to compare: booleans as `true`/`false`, as Mistral's API takes them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


async def execution_page(store: Store, page: Page, *, with_output: bool) -> list[ExecutionRecord]:
    """The executions of one page; `output` is read only when asked for (it can be large)."""
    columns = ", ".join(
        column if with_output or column != "output" else "NULL AS output"
        for column in RECORD_COLUMNS
    )
    rows = await _page_rows(store, EXECUTIONS, f"SELECT {columns} FROM {EXECUTIONS.source}", page)
    return [execution_record(row) for row in rows]


async def task_page(store: Store, page: Page) -> list[TaskRecord]:
    return [
        await task_record(store, row) for row in await _page_rows(store, TASKS, TASK_SELECT, page)
    ]


async def action_execution_page(store: Store, page: Page) -> list[ActionExecutionRecord]:
    rows = await _page_rows(store, ACTION_EXECUTIONS, ACTION_SELECT, page)
    return [action_record(row) for row in rows]


async def _page_rows(store: Store, table: Table, select: str, page: Page) -> list[Any]:
    dataclasses.replace(page, columns=table.names).check()
    where, params = _where(table, page)
    order = [
        (table.fields[key], direction)
        for key, direction in zip(page.sort_keys, page.directions, strict=True)
    ]
    last_direction = order[-1][1] if order else "asc"
    if page.marker is not None:
        keys = ", ".join(f"{expression} AS k{index}" for index, (expression, _) in enumerate(order))
        row = await store.fetch_one(
            f"SELECT {table.rowid} AS rowid{', ' if keys else ''}{keys} FROM {table.source}"
            f" WHERE {table.fields['id']} = ?",
            (page.marker,),
        )
        if row is None:
            raise NotFoundError(f"Marker '{page.marker}' not found")
        after, after_params = _after(order, row, table.rowid)
        where.append(after)
        params += after_params
    sql = select
    if where:
        sql += " WHERE " + " AND ".join(where)
    sort = [f"COALESCE({expression}, '') {direction.upper()}" for expression, direction in order]
    sql += " ORDER BY " + ", ".join([*sort, f"{table.rowid} {last_direction.upper()}"])
    if page.limit is not None and page.limit >= 0:
        sql += f" LIMIT {int(page.limit)}"
    return await store.fetch_all(sql, params)


def _where(table: Table, page: Page) -> tuple[list[str], list[Any]]:
    where, params = [], []
    for item in page.filters:
        column = table.fields[item.column]
        value = _sql_value(table, item.column, item.value)
        if item.op in ("in", "nin"):
            marks = ", ".join("?" * len(value))
            where.append(f"{column} {'NOT ' if item.op == 'nin' else ''}IN ({marks})")
            params += list(value)
        elif item.op == "has":
            where.append(f"instr(COALESCE({column}, ''), ?) > 0")
            params.append(item.value)
        else:
            where.append(f"COALESCE({column}, '') {_SQL_OPERATORS[item.op]} ?")
            params.append(value)
    where += [f"{table.fields[column]} IS NULL" for column in page.nulls]
    return where, params


def _sql_value(table: Table, column: str, value: Any) -> Any:
    """A boolean field's `true`/`false` as the 1/0 SQLite keeps."""
    if column not in table.booleans:
        return value
    if isinstance(value, tuple):
        return tuple(_sql_value(table, column, each) for each in value)
    return {"true": 1, "false": 0}.get(value.lower(), value)


def _or_empty(value: Any) -> Any:
    """A marker value as the ORDER BY's COALESCE(..., '') sees it."""
    return "" if value is None else value


def _after(order: list[tuple[str, str]], marker: Any, rowid: str) -> tuple[str, list[Any]]:
    """Rows after the marker row in this order: (k1 > m1) OR (k1 = m1 AND k2 > m2) ... with
    the row id last."""
    keys = [
        (f"COALESCE({expression}, '')", direction, _or_empty(marker[f"k{index}"]))
        for index, (expression, direction) in enumerate(order)
    ]
    keys.append((rowid, order[-1][1] if order else "asc", marker["rowid"]))
    clauses, params = [], []
    for index, (expression, direction, value) in enumerate(keys):
        equal = [f"{previous} = ?" for previous, _, _ in keys[:index]]
        step = ">" if direction == "asc" else "<"
        clauses.append("(" + " AND ".join([*equal, f"{expression} {step} ?"]) + ")")
        params += [previous_value for _, _, previous_value in keys[:index]] + [value]
    return "(" + " OR ".join(clauses) + ")", params
