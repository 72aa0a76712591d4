"""TripleO's nodes JSON (instackenv.json) and Ironic node capabilities, as plain functions.

A nodes JSON entry describes one machine the way TripleO users write it::

    {"name": "compute-0", "pm_type": "ipmi", "pm_addr": "10.0.0.8", "pm_user": "admin",
     "pm_password": "...", "mac": ["52:54:00:aa:bb:01"], "cpu": 4, "memory": 8192, "disk": 40,
     "arch": "x86_64", "capabilities": "profile:compute,boot_option:local"}

`node_fields` turns it into what Ironic's node create takes. Capabilities are Ironic's
`properties/capabilities` string, `key:value` pairs joined by commas.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# pm_* key -> Ironic driver_info key, per hardware type; "fake-hardware" needs none.
DRIVER_INFO_KEYS: dict[str, dict[str, str]] = {
    "fake-hardware": {},
    "ipmi": {
        "pm_addr": "ipmi_address",
        "pm_user": "ipmi_username",
        "pm_password": "ipmi_password",
        "pm_port": "ipmi_port",
    },
    "redfish": {
        "pm_addr": "redfish_address",
        "pm_user": "redfish_username",
        "pm_password": "redfish_password",
        "pm_system_id": "redfish_system_id",
    },
}
REQUIRED_PM_KEYS: dict[str, tuple[str, ...]] = {
    "fake-hardware": (),
    "ipmi": ("pm_addr", "pm_user", "pm_password"),
    "redfish": ("pm_addr", "pm_user", "pm_password", "pm_system_id"),
}
# nodes JSON key -> Ironic properties key
PROPERTY_KEYS = {"cpu": "cpus", "memory": "memory_mb", "disk": "local_gb", "arch": "cpu_arch"}
KNOWN_KEYS = frozenset(
    {
        "name",
        "uuid",
        "pm_type",
        "pm_addr",
        "pm_user",
        "pm_password",
        "pm_port",
        "pm_system_id",
        "mac",
        "capabilities",
        "resource_class",
        "root_device",
        "driver_info",
        *PROPERTY_KEYS,
    }
)
SECRET_KEYS = ("pm_password",)
MAC = re.compile(r"^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$")
DEFAULT_RESOURCE_CLASS = "baremetal"


class NodesJsonError(ValueError):
    """The nodes JSON is wrong; the message lists every problem, node by node."""


@dataclass(frozen=True)
class NodeFields:
    """What Ironic needs to create (or update) one node, plus its MAC addresses."""

    name: str | None
    driver: str
    driver_info: dict[str, Any]
    properties: dict[str, Any]
    resource_class: str
    macs: tuple[str, ...]
    uuid: str | None = None


def node_entries(nodes_json: Any) -> list[Mapping[str, Any]]:
    """The list of node entries: `nodes_json` is that list, or a dict with a `nodes` list."""
    if isinstance(nodes_json, Mapping) and "nodes" in nodes_json:
        nodes_json = nodes_json["nodes"]
    if not isinstance(nodes_json, list):
        raise NodesJsonError(
            f"nodes_json must be a list of nodes (or {{nodes: [...]}}), "
            f"not {type(nodes_json).__name__}"
        )
    return nodes_json


def validate(nodes_json: Any) -> list[Mapping[str, Any]]:
    """Check every entry; raise `NodesJsonError` naming each problem (never a password)."""
    entries = node_entries(nodes_json)
    problems: list[str] = []
    seen_macs: dict[str, str] = {}
    seen_names: dict[str, str] = {}
    seen_addresses: dict[tuple[Any, ...], str] = {}
    for index, entry in enumerate(entries, 1):
        where = _where(index, entry)
        if not isinstance(entry, Mapping):
            problems.append(f"{where}: must be a dict, not {type(entry).__name__}")
            continue
        problems += [f"{where}: {problem}" for problem in _entry_problems(entry)]
        for mac in _macs(entry):
            if mac.lower() in seen_macs:
                problems.append(f"{where}: MAC {mac} is also on {seen_macs[mac.lower()]}")
            seen_macs[mac.lower()] = where
        name = entry.get("name")
        if isinstance(name, str):
            if name in seen_names:
                problems.append(f"{where}: name {name!r} is also used by {seen_names[name]}")
            seen_names[name] = where
        if entry.get("pm_addr"):
            address = (entry.get("pm_type"), entry["pm_addr"], entry.get("pm_port"))
            address += (entry.get("pm_system_id"),)
            if address in seen_addresses:
                problems.append(
                    f"{where}: power address {entry['pm_addr']} is also used by "
                    f"{seen_addresses[address]}"
                )
            seen_addresses[address] = where
    if problems:
        raise NodesJsonError("Invalid nodes JSON:\n  " + "\n  ".join(problems))
    return entries


def _where(index: int, entry: Any) -> str:
    name = entry.get("name") if isinstance(entry, Mapping) else None
    return f"node {index} ({name})" if isinstance(name, str) else f"node {index}"


def _entry_problems(entry: Mapping[str, Any]) -> list[str]:
    problems = []
    unknown = sorted(str(key) for key in entry if key not in KNOWN_KEYS)
    if unknown:
        problems.append(f"unknown keys {unknown}")
    pm_type = entry.get("pm_type")
    if pm_type not in DRIVER_INFO_KEYS:
        supported = ", ".join(sorted(DRIVER_INFO_KEYS))
        problems.append(f"pm_type {pm_type!r} is not supported (supported: {supported})")
    else:
        missing = [key for key in REQUIRED_PM_KEYS[pm_type] if not entry.get(key)]
        if missing:
            problems.append(f"pm_type {pm_type} needs {', '.join(missing)}")
    macs = entry.get("mac", [])
    if not isinstance(macs, list):
        problems.append("mac must be a list of MAC addresses")
    else:
        problems += [f"invalid MAC {mac!r}" for mac in macs if not MAC.match(str(mac))]
    for key in PROPERTY_KEYS:
        if key in entry and key != "arch" and not _is_count(entry[key]):
            problems.append(f"{key} must be a whole number, not {entry[key]!r}")
    capabilities = entry.get("capabilities")
    if capabilities is not None and not isinstance(capabilities, str | Mapping):
        problems.append("capabilities must be 'key:value,...' or a dict")
    for key in ("name", "uuid", "resource_class"):
        if key in entry and not isinstance(entry[key], str):
            problems.append(f"{key} must be a string")
    for key in ("driver_info", "root_device"):
        if key in entry and not isinstance(entry[key], Mapping):
            problems.append(f"{key} must be a dict")
    return problems


def _is_count(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool) and value >= 0) or (
        isinstance(value, str) and value.isdigit()
    )


def _macs(entry: Any) -> list[str]:
    macs = entry.get("mac", []) if isinstance(entry, Mapping) else []
    return [str(mac) for mac in macs] if isinstance(macs, list) else []


def node_fields(entry: Mapping[str, Any], instance_boot_option: str | None = None) -> NodeFields:
    """Ironic's node fields for a validated entry."""
    driver = entry["pm_type"]
    driver_info = dict(entry.get("driver_info", {}))
    for pm_key, info_key in DRIVER_INFO_KEYS[driver].items():
        if entry.get(pm_key) not in (None, ""):
            driver_info[info_key] = entry[pm_key]
    properties: dict[str, Any] = {}
    for key, property_key in PROPERTY_KEYS.items():
        if key in entry:
            properties[property_key] = entry[key] if key == "arch" else int(entry[key])
    capabilities = capabilities_to_dict(entry.get("capabilities"))
    if instance_boot_option and "boot_option" not in capabilities:
        capabilities["boot_option"] = instance_boot_option
    if capabilities:
        properties["capabilities"] = dict_to_capabilities(capabilities)
    if "root_device" in entry:
        properties["root_device"] = dict(entry["root_device"])
    return NodeFields(
        name=entry.get("name"),
        driver=driver,
        driver_info=driver_info,
        properties=properties,
        resource_class=entry.get("resource_class", DEFAULT_RESOURCE_CLASS),
        macs=tuple(mac.lower() for mac in _macs(entry)),
        uuid=entry.get("uuid"),
    )


def capabilities_to_dict(capabilities: Any) -> dict[str, str]:
    """`"profile:compute,boot_option:local"` (or a dict) as an ordered dict; spaces trimmed."""
    if isinstance(capabilities, Mapping):
        return {str(key): str(value) for key, value in capabilities.items()}
    pairs = {}
    for item in (capabilities or "").split(","):
        key, _, value = item.strip().partition(":")
        if key:
            pairs[key.strip()] = value.strip()
    return pairs


def dict_to_capabilities(capabilities: Mapping[str, Any]) -> str:
    return ",".join(f"{key}:{value}" for key, value in capabilities.items())


def node_capabilities(node: Mapping[str, Any]) -> dict[str, str]:
    """The capabilities of an Ironic node dict (an ``ironic.node_get`` result, say)."""
    properties = node.get("properties") or {}
    return capabilities_to_dict(properties.get("capabilities"))


def capability_patch(node: Mapping[str, Any], capability: str, value: Any) -> list[dict]:
    """The JSON patch that sets `capability` (first in the list) or, for a None value,
    removes it, keeping the node's other capabilities."""
    capabilities = node_capabilities(node)
    capabilities.pop(capability, None)
    if value is not None:
        capabilities = {capability: str(value), **capabilities}
    has_key = "capabilities" in (node.get("properties") or {})
    return [
        {
            "op": "replace" if has_key else "add",
            "path": "/properties/capabilities",
            "value": dict_to_capabilities(capabilities),
        }
    ]
