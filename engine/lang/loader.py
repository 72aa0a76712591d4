"""Load YAML into dicts and lists that remember where each key and value starts.

The C parser does the scanning; our constructors only add positions, so the happy path costs
little more than `yaml.safe_load`. Duplicate keys are collected (PyYAML silently keeps the last).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import yaml

from engine.yamlsafe import AliasLimitError, check_aliases

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


STR_TAG = "tag:yaml.org,2002:str"
MAP_TAG = "tag:yaml.org,2002:map"
SEQ_TAG = "tag:yaml.org,2002:seq"
MERGE_TAG = "tag:yaml.org,2002:merge"


class _Builder:
    """Turns the composed node tree into Mapping/Sequence/scalars in one walk.

    Walking the nodes directly (instead of PyYAML's constructor machinery) halves the time of
    loading a large workbook; scalars other than plain strings still go through PyYAML's safe
    constructors, so values are exactly what `yaml.safe_load` gives.
    """

    def __init__(self, loader: _BaseLoader) -> None:
        self.loader = loader
        self.constructors = loader.yaml_constructors
        self.duplicates: list[DuplicateKey] = []
        self.built: dict[int, Any] = {}  # id(node) -> value, so aliases share one object

    def value(self, node: yaml.Node) -> Any:
        kind = node.__class__
        if kind is yaml.ScalarNode:
            if node.tag == STR_TAG:
                return node.value
            construct = self.constructors.get(node.tag) or self.constructors[None]
            return construct(self.loader, node)
        known = self.built.get(id(node))
        if known is not None:
            return known
        if kind is yaml.MappingNode and node.tag == MAP_TAG:
            return self._mapping(node)
        if kind is yaml.SequenceNode and node.tag == SEQ_TAG:
            return self._sequence(node)
        return self.loader.construct_object(node, deep=True)  # !!set, !!omap, ...

    def _mapping(self, node: yaml.MappingNode) -> Mapping:
        data = Mapping()
        self.built[id(node)] = data
        mark = node.start_mark
        data.position = (mark.line + 1, mark.column + 1)
        data.key_positions = key_positions = {}
        data.value_positions = value_positions = {}
        if any(key_node.tag == MERGE_TAG for key_node, _ in node.value):
            self.loader.flatten_mapping(node)
        value = self.value
        for key_node, value_node in node.value:
            key = value(key_node)
            if not isinstance(key, Hashable):
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    "found a key that cannot be a key (a list or mapping)",
                    key_node.start_mark,
                )
            mark = key_node.start_mark
            where = (mark.line + 1, mark.column + 1)
            if key in key_positions:
                self.duplicates.append(DuplicateKey(data, key, where, key_positions[key]))
            key_positions[key] = where
            mark = value_node.start_mark
            value_positions[key] = (mark.line + 1, mark.column + 1)
            data[key] = value(value_node)
        return data

    def _sequence(self, node: yaml.SequenceNode) -> Sequence:
        data = Sequence()
        self.built[id(node)] = data
        data.position = _position(node.start_mark)
        data.item_positions = [_position(item.start_mark) for item in node.value]
        data.extend(map(self.value, node.value))
        return data


def load(text: str) -> tuple[Any, list[DuplicateKey]]:
    """The document's value (None when empty) and the duplicate keys found in it."""
    loader = _BaseLoader(text)
    try:
        check_aliases(text)
        node = loader.get_single_node()
        if node is None:
            return None, []
        builder = _Builder(loader)
        return builder.value(node), builder.duplicates
    except AliasLimitError as error:
        raise YamlSyntaxError(_position(error.problem_mark), error.problem) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        position = _position(mark) if mark else (1, 1)
        message = " ".join(part for part in (error.context, error.problem) if part)
        raise YamlSyntaxError(position, f"YAML syntax error: {message}") from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError((1, 1), f"YAML error: {error}") from None
    except RecursionError:
        raise YamlSyntaxError((1, 1), "YAML error: the document is nested too deeply") from None
    finally:
        loader.dispose()
