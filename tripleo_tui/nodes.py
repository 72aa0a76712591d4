"""Bare-metal nodes as the console shows them, read from Ironic with python-ironicclient.

`list_nodes` blocks (HTTP); the Nodes pane runs it in a thread. The profile is TripleO's:
the `profile:<name>` entry of the node's `capabilities` property.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.masking import mask_secrets

NODE_FIELDS = [
    "uuid",
    "name",
    "instance_uuid",
    "power_state",
    "provision_state",
    "target_provision_state",
    "maintenance",
    "properties",
    "last_error",
]
DEFAULT_PROFILES = ("control", "compute", "ceph-storage", "block-storage", "swift-storage")


@dataclass(frozen=True, slots=True)
class NodeInfo:
    uuid: str
    name: str | None
    instance_uuid: str | None
    power_state: str | None
    provision_state: str | None
    target_provision_state: str | None
    maintenance: bool
    profile: str | None
    last_error: str | None

    @property
    def label(self) -> str:
        """How a node is named to a user: `name (uuid)`, or the UUID alone."""
        return f"{self.name} ({self.uuid})" if self.name else self.uuid


def capabilities(properties: dict[str, Any] | None) -> dict[str, str]:
    """`"profile:compute,boot_option:local"` (or a dict) as a dict."""
    value = (properties or {}).get("capabilities") or {}
    if isinstance(value, dict):
        return {str(key): str(item) for key, item in value.items()}
    pairs = (entry.partition(":") for entry in str(value).split(",") if entry.strip())
    return {key.strip(): item.strip() for key, _, item in pairs}


def node_info(node: Any) -> NodeInfo:
    """One ironicclient node resource (or any object with the same attributes)."""
    return NodeInfo(
        uuid=node.uuid,
        name=getattr(node, "name", None),
        instance_uuid=getattr(node, "instance_uuid", None),
        power_state=getattr(node, "power_state", None),
        provision_state=getattr(node, "provision_state", None),
        target_provision_state=getattr(node, "target_provision_state", None),
        maintenance=bool(getattr(node, "maintenance", False)),
        profile=capabilities(getattr(node, "properties", None)).get("profile") or None,
        last_error=getattr(node, "last_error", None),
    )


def list_nodes(client: Any) -> list[NodeInfo]:
    """Every node, by name then UUID (blocking: call it in a thread)."""
    nodes = [node_info(node) for node in client.node.list(fields=NODE_FIELDS, limit=0)]
    return sorted(nodes, key=lambda node: (node.name or "~", node.uuid))


def known_profiles(nodes: list[NodeInfo]) -> list[str]:
    """Profiles in use, then TripleO's usual ones."""
    used = sorted({node.profile for node in nodes if node.profile})
    return used + [profile for profile in DEFAULT_PROFILES if profile not in used]


DETAIL_FIELDS = (
    "name", "uuid", "driver", "driver_info", "properties", "last_error", "maintenance",
    "maintenance_reason", "power_state", "target_power_state", "provision_state",
    "target_provision_state", "instance_uuid", "resource_class",
)  # fmt: skip


def node_details(client: Any, uuid: str) -> dict[str, Any]:
    """What the node details screen shows of one node, secrets masked (blocking: call it in a
    thread): its fields, its capabilities parsed, and its ports."""
    node = client.node.get(uuid)
    details = {field: getattr(node, field, None) for field in DETAIL_FIELDS}
    details["capabilities"] = capabilities(details["properties"])
    details["ports"] = [
        {"address": port.address, "uuid": port.uuid, "pxe_enabled": port.pxe_enabled}
        for port in client.port.list(node=uuid, detail=True)
    ]
    return mask_secrets(details)
