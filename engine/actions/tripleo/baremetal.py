"""``tripleo.baremetal.*`` actions: what the baremetal workbook needs beyond single Ironic calls.

Registering a nodes JSON list takes two list calls to learn what is there, then one call per
change; the other actions compute from their input alone and make no call at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from engine.actions.base import Action, ActionContext, ActionError
from engine.actions.openstack import call_error
from engine.actions.tripleo import nodes
from engine.actions.tripleo.nodes import NodeFields, NodesJsonError


def _secrets_of(nodes_json: Any) -> Iterable[str]:
    entries = nodes_json.get("nodes") if isinstance(nodes_json, Mapping) else nodes_json
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, Mapping):
            yield from (str(entry[key]) for key in nodes.SECRET_KEYS if entry.get(key))


class ValidateNodesAction(Action):
    """Checks a nodes JSON list (instackenv.json) and fails naming every problem."""

    def __init__(self, nodes_json: Any) -> None:
        self.nodes_json = nodes_json

    async def run(self, context: ActionContext) -> None:
        try:
            nodes.validate(self.nodes_json)
        except NodesJsonError as error:
            raise ActionError(str(error)) from None

    def secret_values(self) -> Iterable[str]:
        return _secrets_of(self.nodes_json)


class RegisterOrUpdateNodesAction(Action):
    """Creates the nodes of a nodes JSON list in Ironic, or updates those already there.

    A node is matched by uuid, then name, then a MAC address, then its power address. New
    nodes are left in ``enroll``. With ``remove``, nodes not in the list and not deployed are
    deleted. ``kernel_name``/``ramdisk_name`` go to driver_info as given (image UUIDs or URLs;
    there is no Glance lookup). Returns the registered nodes as Ironic returns them.
    """

    def __init__(
        self,
        nodes_json: Any,
        remove: bool = False,
        kernel_name: str | None = None,
        ramdisk_name: str | None = None,
        instance_boot_option: str | None = "local",
    ) -> None:
        self.nodes_json = nodes_json
        self.remove = remove
        self.kernel_name = kernel_name
        self.ramdisk_name = ramdisk_name
        self.instance_boot_option = instance_boot_option

    def secret_values(self) -> Iterable[str]:
        return _secrets_of(self.nodes_json)

    def run(self, context: ActionContext) -> list[dict[str, Any]]:
        from engine import clouds

        name = "tripleo.baremetal.register_or_update_nodes"
        try:
            entries = nodes.validate(self.nodes_json)
        except NodesJsonError as error:
            raise ActionError(str(error)) from None
        try:
            client = clouds.ironic_client()
        except clouds.CloudsError as error:
            raise ActionError(f"{name} failed: {error}") from None
        try:
            return self._register(client, entries)
        except ActionError:
            raise
        except Exception as error:
            raise call_error(name, "Ironic", client, error) from error

    def _register(self, client: Any, entries: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
        existing = client.node.list(detail=True, limit=0)
        known = _KnownNodes(existing, client.port.list(detail=True, limit=0))
        registered, kept = [], set()
        for entry in entries:
            fields = nodes.node_fields(entry, self.instance_boot_option)
            fields.driver_info.update(self._deploy_images())
            node = known.match(fields)
            if node is None:
                node = _create(client, fields)
            else:
                node = _update(client, node, fields, known.macs_of(node.uuid))
            kept.add(node.uuid)
            registered.append(node.to_dict())
        if self.remove:
            for node in existing:
                if node.uuid not in kept and not node.instance_uuid:
                    client.node.delete(node.uuid)
        return registered

    def _deploy_images(self) -> dict[str, str]:
        images = {"deploy_kernel": self.kernel_name, "deploy_ramdisk": self.ramdisk_name}
        return {key: value for key, value in images.items() if value}


class _KnownNodes:
    """The nodes already in Ironic, indexed the ways a nodes JSON entry can name one."""

    def __init__(self, existing: list[Any], ports: list[Any]) -> None:
        self.by_uuid = {node.uuid: node for node in existing}
        self.by_name = {node.name: node for node in existing if node.name}
        self.by_mac = {port.address.lower(): self.by_uuid.get(port.node_uuid) for port in ports}
        self.by_power = {
            key: node
            for node in existing
            if (key := _power_address(node.driver, node.driver_info or {})) is not None
        }
        self._ports = ports

    def match(self, fields: NodeFields) -> Any:
        if fields.uuid and fields.uuid in self.by_uuid:
            return self.by_uuid[fields.uuid]
        if fields.name and fields.name in self.by_name:
            return self.by_name[fields.name]
        for mac in fields.macs:
            if self.by_mac.get(mac) is not None:
                return self.by_mac[mac]
        return self.by_power.get(_power_address(fields.driver, fields.driver_info))

    def macs_of(self, node_uuid: str) -> set[str]:
        return {port.address.lower() for port in self._ports if port.node_uuid == node_uuid}


def _power_address(driver: str, driver_info: Mapping[str, Any]) -> tuple[Any, ...] | None:
    keys = nodes.DRIVER_INFO_KEYS.get(driver, {})
    address = driver_info.get(keys.get("pm_addr", ""))
    if not address:
        return None
    extra = [driver_info.get(keys[key]) for key in ("pm_port", "pm_system_id") if key in keys]
    return (driver, address, *extra)


def _create(client: Any, fields: NodeFields) -> Any:
    create = {
        "driver": fields.driver,
        "driver_info": fields.driver_info,
        "properties": fields.properties,
        "resource_class": fields.resource_class,
    }
    if fields.name:
        create["name"] = fields.name
    if fields.uuid:
        create["uuid"] = fields.uuid
    node = client.node.create(**create)
    for mac in fields.macs:
        client.port.create(address=mac, node_uuid=node.uuid)
    return node


def _update(client: Any, node: Any, fields: NodeFields, macs: set[str]) -> Any:
    """Patch what differs (driver_info values Ironic masks are always sent again) and add the
    missing ports."""
    patch = []
    for key, value in (("name", fields.name), ("driver", fields.driver)):
        if value and getattr(node, key) != value:
            patch.append({"op": "replace", "path": f"/{key}", "value": value})
    if fields.resource_class != node.resource_class:
        patch.append({"op": "replace", "path": "/resource_class", "value": fields.resource_class})
    for section in ("properties", "driver_info"):
        current = getattr(node, section) or {}
        for key, value in getattr(fields, section).items():
            if current.get(key) != value:
                patch.append({"op": "add", "path": f"/{section}/{key}", "value": value})
    if patch:
        node = client.node.update(node.uuid, patch)
    for mac in fields.macs:
        if mac not in macs:
            client.port.create(address=mac, node_uuid=node.uuid)
    return node


class GetProfileAction(Action):
    """The profile a node's capabilities name: {uuid, profile} (profile null when none)."""

    def __init__(self, node: Mapping[str, Any]) -> None:
        self.node = node

    async def run(self, context: ActionContext) -> dict[str, Any]:
        node = _node_dict(self.node)
        return {"uuid": node.get("uuid"), "profile": nodes.node_capabilities(node).get("profile")}


class CapabilityPatchAction(Action):
    """The JSON patch for ironic.node_update that sets one capability of a node (first in
    the list), or removes it when value is null; the node's other capabilities stay."""

    def __init__(self, node: Mapping[str, Any], capability: str, value: Any = None) -> None:
        self.node = node
        self.capability = capability
        self.value = value

    async def run(self, context: ActionContext) -> list[dict[str, Any]]:
        if not isinstance(self.capability, str) or not self.capability:
            raise ActionError("capability must be a non-empty name, e.g. 'profile'")
        return nodes.capability_patch(_node_dict(self.node), self.capability, self.value)


def _node_dict(node: Any) -> Mapping[str, Any]:
    if not isinstance(node, Mapping):
        raise ActionError(f"node must be an Ironic node (a dict), not {type(node).__name__}")
    return node
