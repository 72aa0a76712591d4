"""An instackenv.json file (TripleO's list of nodes to register) read for the Nodes pane's
register form: `{"nodes": [...]}` or a bare list of node objects. Errors name the file and, for
bad JSON, the line and column; the nodes themselves are checked by the workflow
(tripleo.baremetal.v1.register_or_update validates them first)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class InstackenvError(ValueError):
    """Why a file cannot be registered, in one line naming it."""


def read_nodes(path: Path) -> list[dict[str, Any]]:
    """The node objects of the file at `path` (blocking: call it in a thread)."""
    try:
        text = path.expanduser().read_text(encoding="utf-8")
    except OSError as error:
        raise InstackenvError(f"{path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise InstackenvError(f"{path}: not a text file") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise InstackenvError(
            f"{path}:{error.lineno}: invalid JSON at {where}: {error.msg}"
        ) from None
    nodes = document.get("nodes") if isinstance(document, dict) else document
    if not isinstance(nodes, list) or not nodes:
        raise InstackenvError(f'{path}: expected {{"nodes": [...]}} or a list of nodes, not empty')
    for index, node in enumerate(nodes):
        if not isinstance(node, dict):
            raise InstackenvError(f"{path}: node #{index} is not a JSON object")
    return nodes


def describe(node: dict[str, Any]) -> str:
    """A node as the form lists it: its name, driver and address, never its credentials."""
    name = node.get("name") or "(no name)"
    driver = node.get("pm_type") or "?"
    address = node.get("pm_addr")
    macs = node.get("mac") or []
    where = f" at {address}" if address else ""
    mac = f", mac {macs[0]}" if isinstance(macs, list) and macs else ""
    return f"{name}: {driver}{where}{mac}"
