"""YAML aliases bounded in count and depth, for definitions and for `yaml_parse()` alike.

PyYAML shares the node an alias names, so loading a "billion laughs" document is cheap; it is
everything that walks the result afterwards (the definition checker, JSON encoding, the state
file) that expands it. So before anything walks it, one pass over the parser's events adds up
what each alias would expand to, and refuses the document at the first alias that would pass
engine.limits, naming that alias and its line.
"""

from __future__ import annotations

from typing import Any

import yaml

from engine import limits

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_COLLECTION_START = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_COLLECTION_END = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


class AliasLimitError(yaml.MarkedYAMLError):
    """A document whose aliases would expand past engine.limits; marks the alias."""


class _Open:
    """A collection being read: its anchor, the nodes in it so far, its deepest alias."""

    __slots__ = ("anchor", "nodes", "depth")

    def __init__(self, anchor: str | None) -> None:
        self.anchor, self.nodes, self.depth = anchor, 1, 0


def check_aliases(text: str) -> None:
    """Raise AliasLimitError if the document's aliases expand past the limits.

    A document without `&` has no anchor, hence no alias, and is not scanned.
    """
    if "&" not in text:
        return
    sizes: dict[str, tuple[int, int]] = {}  # anchor -> (nodes, alias depth) of its node
    added = 0
    stack = [_Open(None)]
    for event in yaml.parse(text, Loader=_Loader):
        kind = type(event)
        if kind is yaml.ScalarEvent:
            stack[-1].nodes += 1
            if event.anchor:
                sizes[event.anchor] = (1, 0)
        elif kind in _COLLECTION_START:
            stack.append(_Open(event.anchor))
        elif kind in _COLLECTION_END:
            done = stack.pop()
            if done.anchor:
                sizes[done.anchor] = (done.nodes, done.depth)
            stack[-1].nodes += done.nodes
            stack[-1].depth = max(stack[-1].depth, done.depth)
        elif kind is yaml.AliasEvent:
            if event.anchor not in sizes:
                if any(open_.anchor == event.anchor for open_ in stack):
                    _refuse(event, f"alias *{event.anchor} refers to a node that contains it")
                continue  # an undefined alias: loading reports it
            nodes, depth = sizes[event.anchor]
            added += nodes
            stack[-1].nodes += nodes
            stack[-1].depth = max(stack[-1].depth, depth + 1)
            if depth + 1 > limits.MAX_ALIAS_DEPTH:
                _refuse(
                    event,
                    f"alias *{event.anchor} nests aliases {depth + 1} deep, over the limit of "
                    f"{limits.MAX_ALIAS_DEPTH}",
                )
            if added > limits.MAX_ALIAS_NODES:
                _refuse(
                    event,
                    f"alias *{event.anchor} brings the nodes that aliases expand to over the "
                    f"limit of {limits.MAX_ALIAS_NODES}",
                )


def _refuse(event: yaml.Event, problem: str) -> None:
    raise AliasLimitError(problem=problem, problem_mark=event.start_mark)


def safe_load(text: str) -> Any:
    """`yaml.safe_load` with the alias limits."""
    check_aliases(text)
    return yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader)


def definition_body(text: str) -> dict[str, Any]:
    """The body of a stored one-definition document (`version: '2.0'` and one named key), where
    Mistral reads a workflow's `vars` and `output` names from; {} when it has none."""
    document = safe_load(text)
    if not isinstance(document, dict):
        return {}
    bodies = [body for key, body in document.items() if key != "version"]
    return bodies[0] if bodies and isinstance(bodies[0], dict) else {}
