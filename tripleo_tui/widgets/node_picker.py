"""The run form's pickers for inputs naming nodes: the known nodes to choose from, and a line for
nodes that are not listed (typed UUIDs, or names of known nodes); both become UUIDs."""

from __future__ import annotations

from collections.abc import Mapping

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.suggester import SuggestFromList
from textual.widgets import Input, SelectionList

from tripleo_tui.nodes import NodeInfo

ONE_NODE_HINT = "a node's name or UUID (→ completes a known one)"
MORE_NODES_HINT = "other nodes: UUIDs or names, separated by spaces or commas"


def known_nodes(nodes: list[NodeInfo]) -> dict[str, str]:
    """Name or UUID -> UUID, for what a user may type."""
    known = {node.uuid: node.uuid for node in nodes}
    known.update((node.name, node.uuid) for node in nodes if node.name)
    return known


def node_input(known: Mapping[str, str], widget_id: str) -> Input:
    """One node: typed, a known one (`known`, from known_nodes) completed as it is typed."""
    suggester = SuggestFromList(list(known), case_sensitive=False) if known else None
    return Input(placeholder=ONE_NODE_HINT, suggester=suggester, id=widget_id, compact=True)


class NodesPicker(Vertical):
    """Several nodes: the known ones ticked, others typed below."""

    DEFAULT_CSS = """
    NodesPicker { width: 1fr; height: auto; }
    NodesPicker > SelectionList { height: auto; max-height: 8; }
    """

    def __init__(self, nodes: list[NodeInfo], *, id: str) -> None:
        super().__init__(id=id)
        self.nodes = nodes

    def compose(self) -> ComposeResult:
        choices = [(node.label, node.uuid) for node in self.nodes]
        yield SelectionList[str](*choices, compact=True)
        yield Input(placeholder=MORE_NODES_HINT, compact=True)

    @property
    def ticked(self) -> list[str]:
        return list(self.query_one(SelectionList).selected)

    @property
    def typed(self) -> str:
        return self.query_one(Input).value

    def focus(self, scroll_visible: bool = True) -> NodesPicker:
        self.query_one(SelectionList).focus(scroll_visible)
        return self
