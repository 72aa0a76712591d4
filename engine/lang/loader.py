"""Load YAML into dicts and lists that remember where each key and value starts.

The C parser does the scanning; our constructors only add positions, so the happy path costs
little more than `yaml.safe_load`. Duplicate keys are collected (PyYAML silently keeps the last).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import yaml

Position = tuple[int, int]  # (line, column), both counted from 1

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Mapping(dict):
    """A YAML mapping with the position of the node, of each key and of each value."""

    __slots__ = ("position", "key_positions", "value_positions")

    def key_position(self, key: Any) -> Position:
        return self.key_positions.get(key, self.position)

    def value_position(self, key: Any) -> Position:
        return self.value_positions.get(key, self.position)


class Sequence(list):
    """A YAML sequence with the position of the node and of each item."""

    __slots__ = ("position", "item_positions")

    def item_position(self, index: int) -> Position:
        return self.item_positions[index] if index < len(self.item_positions) else self.position


class YamlSyntaxError(ValueError):
    """The text is not YAML; carries the position PyYAML reported."""

    def __init__(self, position: Position, message: str) -> None:
        self.position = position
        super().__init__(message)


class DuplicateKey:
    """A key given twice in one mapping; `mapping` is where it was found."""

    __slots__ = ("mapping", "key", "position", "first")

    def __init__(self, mapping: Mapping, key: Any, position: Position, first: Position) -> None:
        self.mapping, self.key, self.position, self.first = mapping, key, position, first


def _position(mark: yaml.Mark) -> Position:
    return (mark.line + 1, mark.column + 1)


class _Loader(_BaseLoader):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[DuplicateKey] = []


def _construct_mapping(loader: _Loader, node: yaml.MappingNode):
    data = Mapping()
    data.position = _position(node.start_mark)
    data.key_positions = key_positions = {}
    data.value_positions = value_positions = {}
    yield data
    loader.flatten_mapping(node)
    construct = loader.construct_object
    for key_node, value_node in node.value:
        key = construct(key_node)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                "found a key that cannot be a key (a list or mapping)",
                key_node.start_mark,
            )
        where = _position(key_node.start_mark)
        if key in key_positions:
            loader.duplicates.append(DuplicateKey(data, key, where, key_positions[key]))
        key_positions[key] = where
        value_positions[key] = _position(value_node.start_mark)
        data[key] = construct(value_node)


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode):
    data = Sequence()
    data.position = _position(node.start_mark)
    data.item_positions = [_position(item.start_mark) for item in node.value]
    yield data
    construct = loader.construct_object
    data.extend(construct(item) for item in node.value)


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def load(text: str) -> tuple[Any, list[DuplicateKey]]:
    """The document's value (None when empty) and the duplicate keys found in it."""
    loader = _Loader(text)
    try:
        return loader.get_single_data(), loader.duplicates
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        position = _position(mark) if mark else (1, 1)
        message = " ".join(part for part in (error.context, error.problem) if part)
        raise YamlSyntaxError(position, f"YAML syntax error: {message}") from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError((1, 1), f"YAML error: {error}") from None
    finally:
        loader.dispose()
