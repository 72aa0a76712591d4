"""A JSON value shown as a foldable tree (leaves whole) or as raw JSON, wrapped (`t`
switches); `y` copies the selected value (the tree's node, or the whole document) with OSC 52,
which works over SSH."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from rich.highlighter import JSONHighlighter
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import ContentSwitcher, TextArea, Tree

_highlight = JSONHighlighter()


def dump(value: Any) -> str:
    return json.dumps(value, indent=2, default=str, ensure_ascii=False)


def _label(key: str | None, value: Any) -> Text:
    """`key: value` for a leaf, `key {n}` / `key [n]` for a container."""
    head = Text(f"{key}: " if key is not None else "", style="bold")
    if isinstance(value, dict):
        return head + Text(f"{{{len(value)}}}", style="dim")
    if isinstance(value, list):
        return head + Text(f"[{len(value)}]", style="dim")
    return head + _highlight(Text(json.dumps(value, default=str, ensure_ascii=False)))


class JsonTree(Tree[Any]):
    """Children are made when a node is first expanded, so big documents open at once."""

    def show(self, value: Any) -> None:
        self.clear()
        self.root.set_label(_label(None, value))
        self.root.data = value
        self._add_children(self.root)
        self.root.expand()

    def _add_children(self, node) -> None:
        value = node.data
        items = value.items() if isinstance(value, dict) else enumerate(value or [])
        for key, item in items:
            if isinstance(item, dict | list) and item:
                node.add(_label(str(key), item), data=item)
            else:
                node.add_leaf(_label(str(key), item), data=item)

    def on_tree_node_expanded(self, event: Tree.NodeExpanded) -> None:
        node = event.node
        if not node.children and isinstance(node.data, dict | list):
            self._add_children(node)


class JsonView(Vertical):
    BINDINGS: ClassVar = [
        Binding("t", "switch", "Tree/raw", id="json-switch"),
        Binding("y", "copy", "Copy value", id="json-copy"),
    ]
    DEFAULT_CSS = """
    JsonView { height: 1fr; }
    JsonView ContentSwitcher { height: 1fr; }
    JsonView JsonTree, JsonView TextArea { height: 1fr; }
    """

    def __init__(self, value: Any = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.value = value

    def compose(self) -> ComposeResult:
        with ContentSwitcher(initial="tree"):
            yield JsonTree("", id="tree")
            yield TextArea(dump(self.value), id="raw", read_only=True, soft_wrap=True)

    def on_mount(self) -> None:
        self.query_one(JsonTree).show(self.value)

    def show(self, value: Any) -> None:
        if value == self.value:
            return
        self.value = value
        self.query_one(JsonTree).show(value)
        self.query_one(TextArea).load_text(dump(value))

    def focus_view(self) -> None:
        switcher = self.query_one(ContentSwitcher)
        self.query_one(f"#{switcher.current}").focus()

    def action_switch(self) -> None:
        switcher = self.query_one(ContentSwitcher)
        switcher.current = "raw" if switcher.current == "tree" else "tree"
        self.focus_view()

    def selected_text(self) -> str:
        """The tree's selected value, else the raw selection, else the whole document."""
        switcher = self.query_one(ContentSwitcher)
        if switcher.current == "tree":
            node = self.query_one(JsonTree).cursor_node
            if node is not None:
                data = node.data
                return data if isinstance(data, str) else dump(data)
        raw = self.query_one(TextArea)
        return raw.selected_text or raw.text

    def action_copy(self) -> None:
        text = self.selected_text()
        self.app.copy_to_clipboard(text)
        self.notify(f"Copied {len(text)} characters")
