"""TripleO's nodes JSON (instackenv.json) and Ironic node capabilities, as tripleo-common 7.6.0
(Pike) reads them, in plain functions.

A nodes JSON entry describes one machine the way TripleO users write it::

    {"name": "compute-0", "pm_type": "ipmi", "pm_addr": "10.0.0.8", "pm_user": "admin",
     "pm_password": "...", "mac": ["52:54:00:aa:bb:01"], "cpu": 4, "memory": 8192, "disk": 40,
     "arch": "x86_64", "capabilities": "profile:compute,boot_option:local"}

The driver (`pm_type`, matched by pattern: ``pxe_ipmitool`` is an IPMI driver) decides which
``pm_*`` keys become which ``driver_info`` keys and what identifies a machine already enrolled
(its power address). Capabilities are Ironic's `properties/capabilities` string, `key:value`
pairs joined by commas.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

INTERFACE_FIELDS = tuple(
    f"{kind}_interface"
    for kind in (
        "boot",
        "console",
        "deploy",
        "inspect",
        "management",
        "network",
        "power",
        "raid",
        "storage",
        "vendor",
    )
)
# nodes JSON key -> the node field it sets (the JSON patch path when a node is updated)
NON_DRIVER_FIELDS = {
    "cpu": "/properties/cpus",
    "memory": "/properties/memory_mb",
    "disk": "/properties/local_gb",
    "arch": "/properties/cpu_arch",
    "name": "/name",
    "resource_class": "/resource_class",
    "kernel_id": "/driver_info/deploy_kernel",
    "ramdisk_id": "/driver_info/deploy_ramdisk",
    "capabilities": "/properties/capabilities",
    **{name: f"/{name}" for name in INTERFACE_FIELDS},
}
PROPERTY_KEYS = {"cpus": "cpu", "memory_mb": "memory", "local_gb": "disk", "cpu_arch": "arch"}
SECRET_KEYS = ("pm_password",)
MAC = re.compile(r"^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$")
DEFAULT_RESOURCE_CLASS = "baremetal"


class NodesJsonError(ValueError):
    """The nodes JSON is wrong; the message lists every problem, node by node."""


@dataclass(frozen=True)
class DriverInfo:
    """How one family of drivers names its power settings in ``driver_info``."""

    prefix: str
    mapping: Mapping[str, str]
    deprecated: Mapping[str, str] = field(default_factory=dict)
    mandatory: tuple[str, ...] = ()
    default_port: int | None = None
    has_port: bool = False
    defaults: Mapping[str, str] = field(default_factory=dict)
    needs_mac: bool = False

    def convert_key(self, key: str) -> str | None:
        """The ``driver_info`` key for a nodes JSON key, or None when it is not one."""
        if key in self.mapping:
            return self.mapping[key]
        if key in self.deprecated:
            return self.deprecated[key]
        return key if key.startswith(self.prefix) else None

    def convert(self, entry: Mapping[str, Any]) -> dict[str, Any]:
        converted = dict(self.defaults)
        for key, value in entry.items():
            new_key = self.convert_key(key)
            if new_key is not None:
                converted[new_key] = value
        return converted

    def problems(self, entry: Mapping[str, Any]) -> list[str]:
        missing = [key for key in self.mandatory if not entry.get(key)]
        found = [f"The following fields are missing: {', '.join(missing)}"] if missing else []
        if self.needs_mac and not entry.get("mac"):
            found.append("Nodes with SSH drivers require at least one MAC")
        return found

    def unique_id_from_fields(self, entry: Mapping[str, Any]) -> str | None:
        """What identifies the machine in a nodes JSON entry: its power address."""
        if "pm_addr" not in entry or "pm_addr" not in self.mapping:
            return None
        if self.prefix == "redfish":
            return _redfish_id(entry["pm_addr"], entry.get("pm_system_id"))
        found = str(entry["pm_addr"])
        if self.has_port and "pm_port" in entry:
            found = f"{found}:{entry['pm_port']}"
        if self.prefix == "iboot" and "iboot_relay_id" in entry:
            found = f"{found}#{entry['iboot_relay_id']}"
        return found

    def unique_id_from_node(self, driver_info: Mapping[str, Any]) -> str | None:
        """The same identity read from an enrolled node's ``driver_info``."""
        address_key = self.mapping.get("pm_addr")
        if address_key is None or address_key not in driver_info:
            return None
        if self.prefix == "redfish":
            return _redfish_id(driver_info[address_key], driver_info.get("redfish_system_id"))
        found = str(driver_info[address_key])
        port = driver_info.get(self.mapping.get("pm_port", ""))
        if self.has_port and port is not None:
            found = f"{found}:{port}"
        if self.prefix == "iboot" and driver_info.get("iboot_relay_id"):
            found = f"{found}#{driver_info['iboot_relay_id']}"
        return found


def _redfish_id(address: Any, system: Any) -> str | None:
    if system is None:
        return None
    address = re.sub(r"https?://", "", str(address), count=1, flags=re.IGNORECASE)
    return f"{address.rstrip('/')}/{str(system).lstrip('/')}"


def _prefixed(
    prefix: str,
    *,
    has_port: bool = False,
    default_port: int | None = None,
    deprecated: Mapping[str, str] | None = None,
) -> DriverInfo:
    mapping = {
        "pm_addr": f"{prefix}_address",
        "pm_user": f"{prefix}_username",
        "pm_password": f"{prefix}_password",
    }
    mandatory = tuple(mapping)
    if has_port:
        mapping["pm_port"] = f"{prefix}_port"
    return DriverInfo(
        prefix,
        mapping,
        deprecated or {},
        mandatory,
        default_port=default_port,
        has_port=has_port,
    )


REDFISH_KEYS = {
    "pm_addr": "redfish_address",
    "pm_user": "redfish_username",
    "pm_password": "redfish_password",
    "pm_system_id": "redfish_system_id",
}
# pm_type pattern (matched at the start, as re.match does) -> its driver family, in 7.6.0's order
DRIVERS: dict[str, DriverInfo] = {
    r"(ipmi|.*_ipmitool)": _prefixed("ipmi", has_port=True, default_port=623),
    r".*_drac": _prefixed("drac", has_port=True),
    r".*_ilo": _prefixed("ilo"),
    r".*_ucs": _prefixed("ucs", deprecated={"pm_service_profile": "ucs_service_profile"}),
    r".*_irmc": _prefixed(
        "irmc",
        has_port=True,
        deprecated={
            f"pm_{key}": f"irmc_{key}"
            for key in ("auth_method", "client_timeout", "sensor_method", "deploy_iso")
        },
    ),
    "redfish": DriverInfo("redfish", REDFISH_KEYS, mandatory=tuple(REDFISH_KEYS)),
    r".*_ssh": DriverInfo(
        "ssh",
        {"pm_addr": "ssh_address", "pm_user": "ssh_username", "pm_password": "ssh_key_contents"},
        {"pm_virt_type": "ssh_virt_type"},
        ("pm_addr", "pm_user", "pm_password"),
        defaults={"ssh_virt_type": "virsh"},
        needs_mac=True,
    ),
    r".*_iboot": _prefixed("iboot", has_port=True, deprecated={"pm_relay_id": "iboot_relay_id"}),
    r".*_wol": DriverInfo("wol", {"pm_addr": "wol_host", "pm_port": "wol_port"}),
    r".*_amt": _prefixed("amt"),
    r"fake(|_pxe|_agent)": DriverInfo("fake", {}),
}


def find_driver(pm_type: Any) -> DriverInfo:
    """The driver family of a ``pm_type``; `NodesJsonError` when none matches."""
    if pm_type is None:
        raise NodesJsonError("pm_type (ironic driver to use) is required")
    for pattern, driver in DRIVERS.items():
        if re.match(pattern, str(pm_type)):
            return driver
    raise NodesJsonError(f"unknown pm_type (ironic driver to use): {pm_type}")


def node_entries(nodes_json: Any) -> list[Any]:
    """The list of node entries: `nodes_json` is that list, or a dict with a `nodes` list."""
    if isinstance(nodes_json, Mapping) and "nodes" in nodes_json:
        nodes_json = nodes_json["nodes"]
    if not isinstance(nodes_json, list):
        raise NodesJsonError(
            f"nodes_json must be a list of nodes (or {{nodes: [...]}}), "
            f"not {type(nodes_json).__name__}"
        )
    return nodes_json


def validate(nodes_json: Any) -> list[dict[str, Any]]:
    """Check every entry as 7.6.0 does, naming each problem as ``node #<index>: ...`` (never a
    password); returns the entries without their ``_comment``."""
    entries = node_entries(nodes_json)
    failures: list[tuple[int, str]] = []
    unique_ids: set[str] = set()
    names: set[Any] = set()
    macs: set[str] = set()
    cleaned = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            failures.append((index, f"must be a dict, not {type(entry).__name__}"))
            continue
        entry = {key: value for key, value in entry.items() if key != "_comment"}
        cleaned.append(entry)
        try:
            driver = find_driver(entry.get("pm_type"))
        except NodesJsonError as error:
            failures.append((index, str(error)))
            continue
        failures += [(index, problem) for problem in driver.problems(entry)]
        entry_macs = entry.get("mac", ())
        if not isinstance(entry_macs, list | tuple):
            failures.append((index, "mac must be a list of MAC addresses"))
            entry_macs = ()
        for mac in entry_macs:
            if not MAC.match(str(mac)):
                failures.append((index, f"MAC address {mac} is invalid"))
            if mac in macs:
                failures.append((index, f"MAC {mac} is not unique"))
            macs.add(mac)
        unique_id = driver.unique_id_from_fields(entry)
        if unique_id:
            if unique_id in unique_ids:
                failures.append((index, f"Node identified by {unique_id} is already present"))
            unique_ids.add(unique_id)
        if entry.get("name"):
            if entry["name"] in names:
                failures.append((index, f'Name "{entry["name"]}" is not unique'))
            names.add(entry["name"])
        try:
            capabilities_to_dict(entry.get("capabilities"))
        except (ValueError, TypeError, AttributeError):
            failures.append((index, f"Invalid capabilities: {entry.get('capabilities')}"))
        for key in entry:
            if (
                driver.convert_key(str(key)) is None
                and key not in NON_DRIVER_FIELDS
                and key not in ("mac", "pm_type")
            ):
                failures.append((index, f"Unknown field {key}"))
    if failures:
        raise NodesJsonError("\n".join(f"node #{index}: {text}" for index, text in failures))
    return cleaned


def create_fields(entry: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Ironic's node create arguments for an entry (properties as strings, as 7.6.0 stores
    them), and its MAC addresses."""
    driver = find_driver(entry["pm_type"])
    rest = dict(entry)
    driver_info = {}
    if "kernel_id" in rest:
        driver_info["deploy_kernel"] = rest["kernel_id"]
    if "ramdisk_id" in rest:
        driver_info["deploy_ramdisk"] = rest["ramdisk_id"]
    interfaces = {name: rest.pop(name) for name in INTERFACE_FIELDS if name in rest}
    resource_class = rest.pop("resource_class", DEFAULT_RESOURCE_CLASS)
    driver_info.update(driver.convert(rest))
    properties = {
        key: str(rest[source])
        for key, source in PROPERTY_KEYS.items()
        if rest.get(source) is not None
    }
    if "capabilities" in rest:
        capabilities = rest["capabilities"]
        if isinstance(capabilities, Mapping):
            capabilities = dict_to_capabilities(capabilities)
        properties["capabilities"] = str(capabilities)
    fields = {
        "driver": rest["pm_type"],
        "properties": properties,
        "driver_info": driver_info,
        "resource_class": resource_class,
        **interfaces,
    }
    fields.update({key: str(rest[key]) for key in ("name", "uuid") if key in rest})
    return fields, list(rest.get("mac", []))


def update_patch(entry: Mapping[str, Any]) -> list[dict[str, str]]:
    """The JSON patch 7.6.0 sends for a node already enrolled: every given field ``add``-ed,
    every value as a string (ports are not touched)."""
    driver = find_driver(entry["pm_type"])
    rest = dict(entry)
    patched = {path: rest.pop(key) for key, path in NON_DRIVER_FIELDS.items() if key in rest}
    for key, value in driver.convert(rest).items():
        patched[f"/driver_info/{key}"] = value
    return [{"path": path, "value": str(value), "op": "add"} for path, value in patched.items()]


def dict_to_capabilities(capabilities: Mapping[str, Any]) -> str:
    """``{"profile": "compute"}`` as ``"profile:compute"``; None values are left out."""
    return ",".join(f"{key}:{value}" for key, value in capabilities.items() if value is not None)


def capabilities_to_dict(capabilities: Any) -> dict[str, Any]:
    """``"profile:compute,boot_option:local"`` (or a dict) as a dict, in order, as 7.6.0 reads
    it: an item without a colon is an error (ValueError)."""
    if not capabilities:
        return {}
    if isinstance(capabilities, Mapping):
        return dict(capabilities)
    pairs = [item.split(":", 1) for item in capabilities.split(",")]
    return dict(pairs)


def node_capabilities(node: Mapping[str, Any]) -> dict[str, Any]:
    """The capabilities of an Ironic node dict (an ``ironic.node_get`` result, say)."""
    return capabilities_to_dict((node.get("properties") or {}).get("capabilities"))
