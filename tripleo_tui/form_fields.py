"""What the run form asks for each declared workflow input, and how a typed value becomes the
input value. Pure functions, so the rules are tested without a screen.

The field kind follows the default's type: a Switch for booleans, a number for ints and floats,
a JSON editor for lists and dicts, a line of text otherwise. Inputs naming nodes (`node_uuid`,
`node_uuids`, ...) pick from the known nodes, or take a typed UUID (a node not listed: Ironic not
read yet, or not answering) or a known node's name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from engine.api import InputParam


class Kind(Enum):
    SWITCH = "switch"
    NUMBER = "number"
    JSON = "json"
    TEXT = "text"
    NODE = "node"  # one node UUID
    NODES = "nodes"  # a list of node UUIDs


class FieldError(ValueError):
    """A value the field cannot take; the message says why, in a few words."""


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    kind: Kind
    required: bool
    default: Any = None

    @property
    def label(self) -> str:
        return f"{self.name} *" if self.required else self.name

    @property
    def initial_text(self) -> str:
        """What an Input or JSON editor starts with."""
        if self.required or self.default is None:
            return ""
        if self.kind is Kind.JSON:
            return json.dumps(self.default, indent=2)
        if self.kind is Kind.TEXT and not isinstance(self.default, str):
            return json.dumps(self.default)
        return str(self.default)

    @property
    def placeholder(self) -> str:
        """What an emptied field says it sends: the real default, a string as typed, else JSON."""
        if self.required:
            return "required"
        shown = self.default if isinstance(self.default, str) else json.dumps(self.default)
        return f"empty: the default ({shown})"


def field_for(param: InputParam) -> FieldSpec:
    name = param.name.lower()
    default = None if param.required else param.default
    if "node" in name and ("uuid" in name or name in ("node", "nodes")):
        kind = Kind.NODES if name.endswith("s") else Kind.NODE
    elif isinstance(default, bool):
        kind = Kind.SWITCH
    elif isinstance(default, int | float):
        kind = Kind.NUMBER
    elif isinstance(default, list | dict):
        kind = Kind.JSON
    else:
        kind = Kind.TEXT
    return FieldSpec(param.name, kind, param.required, default)


def fields_for(params: tuple[InputParam, ...]) -> list[FieldSpec]:
    """Required inputs first, each group in declaration order."""
    specs = [field_for(param) for param in params]
    return [spec for spec in specs if spec.required] + [spec for spec in specs if not spec.required]


def parse_text(spec: FieldSpec, raw: str) -> Any:
    """The value of a typed field: empty keeps the default (a required field refuses it)."""
    text = raw.strip()
    if not text:
        if spec.required:
            raise FieldError("required")
        return spec.default
    if spec.kind is Kind.NUMBER:
        return _number(text)
    if spec.kind in (Kind.JSON, Kind.NODES):
        return _json(text, list if spec.kind is Kind.NODES else None)
    if spec.kind is Kind.TEXT and text[0] in '[{"':
        return _json(text, None)  # typed JSON: a list, object or quoted string
    return text


UUID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")


def node_uuid(text: str, known: Mapping[str, str]) -> str:
    """A typed node as its UUID: a UUID as typed, or a known node's name (`known`: name or
    UUID -> UUID)."""
    if text in known:
        return known[text]
    if UUID.fullmatch(text):
        return text
    raise FieldError(f"not a node UUID nor a known node's name: {text!r}")


def node_uuids(text: str, known: Mapping[str, str]) -> list[str]:
    """Typed nodes, separated by spaces or commas, as UUIDs."""
    return [node_uuid(each, known) for each in re.split(r"[\s,]+", text.strip()) if each]


def check_choice(spec: FieldSpec, value: Any) -> Any:
    """A picked value (Select, SelectionList): a required field needs one."""
    if spec.required and value in (None, "", []):
        raise FieldError("required: pick at least one" if spec.kind is Kind.NODES else "required")
    if value in (None, "", []) and not spec.required:
        return spec.default
    return value


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise FieldError(f"not a number: {text!r}") from None


def _json(text: str, expected: type | None) -> Any:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise FieldError(f"invalid JSON at {where}: {error.msg}") from None
    if expected is not None and not isinstance(value, expected):
        raise FieldError(f"expected a JSON {expected.__name__}")
    return value
