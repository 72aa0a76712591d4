"""Rows to records, one way for every table: each field of the record's dataclass comes from the
column of the same name, through a decoder where the stored form differs (JSON text, 0/1)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import fields
from functools import cache
from typing import Any, TypeVar

Record = TypeVar("Record")
Decoder = Callable[[Any], Any]


def to_record(
    cls: type[Record],
    row: sqlite3.Row,
    decoders: Mapping[str, Decoder] | None = None,
    **given: Any,
) -> Record:
    """The record `cls` of `row`; `given` fields are not read from the row (computed ones)."""
    decoders = decoders or {}
    values = {
        name: decoders[name](row[name]) if name in decoders else row[name]
        for name in _field_names(cls)
        if name not in given
    }
    return cls(**values, **given)


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(field.name for field in fields(cls))


def json_value(text: str | None) -> Any:
    """A JSON column; NULL is None."""
    return None if text is None else json.loads(text)


def json_object(text: str | None) -> dict[str, Any]:
    """A JSON object column; NULL is an empty dict."""
    return {} if text is None else json.loads(text)


def json_tuple(text: str) -> tuple[Any, ...]:
    return tuple(json.loads(text))
