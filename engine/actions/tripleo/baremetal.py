"""``tripleo.baremetal.*`` actions with the names, input and results of tripleo-common 7.6.0
(Pike).

They work with Ironic alone. Deploy images are taken as image UUIDs or URLs as given; a Glance
image name is looked up only when the credentials name a Glance endpoint. Root device hints
need Ironic Inspector's introspection data, host discovery needs Nova, and probing a BMC needs
ipmitool: without them the action fails at once, saying what is missing.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from engine.actions.base import Action, ActionContext, ActionError
from engine.actions.openstack import call_error, needs_service
from engine.actions.tripleo import nodes
from engine.actions.tripleo.nodes import NodesJsonError

LOG = logging.getLogger(__name__)
GIB = 1024**3
IMAGE_REFERENCE = re.compile(
    r"^([0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}|[a-z][a-z0-9+.-]*://.+)$",
    re.IGNORECASE,
)
PROBE_TIMEOUT = 30  # seconds per ipmitool attempt
# The names the actions are registered under, for their error messages.
REGISTER = "tripleo.baremetal.register_or_update_nodes"
CONFIGURE_BOOT = "tripleo.baremetal.configure_boot"
CONFIGURE_ROOT_DEVICE = "tripleo.baremetal.configure_root_device"
UPDATE_NODE_CAPABILITY = "tripleo.baremetal.update_node_capability"
CELL_V2_DISCOVER_HOSTS = "tripleo.baremetal.cell_v2_discover_hosts"


def _secrets_of(nodes_json: Any) -> Iterable[str]:
    entries = nodes_json.get("nodes") if isinstance(nodes_json, Mapping) else nodes_json
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, Mapping):
            yield from (str(entry[key]) for key in nodes.SECRET_KEYS if entry.get(key))


def service_client(action_name: str, service_type: str) -> Any:
    """The service's client, or an ActionError saying which service is missing."""
    from engine import clouds

    try:
        return clouds.client(service_type)
    except clouds.NoEndpoint as error:
        raise ActionError(needs_service(action_name, error)) from None
    except clouds.CloudsError as error:
        raise ActionError(f"{action_name} failed: {error}") from None


def with_ironic(action_name: str, work: Callable[[Any], Any]) -> Any:
    """``work(ironic_client)``; its failures name the action and Ironic's reason."""
    client = service_client(action_name, "baremetal")
    try:
        return work(client)
    except ActionError:
        raise
    except Exception as error:
        raise call_error(action_name, "Ironic", client, error) from error


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

    A node is matched by a MAC address, its power address or its uuid (two different matches
    are an error). New nodes are left in ``enroll``. With ``remove``, every other node is
    deleted. ``kernel_name``/``ramdisk_name``: deploy images (UUIDs, URLs, or Glance names when
    there is Glance) for the nodes without ``kernel_id``/``ramdisk_id``. Returns the nodes.
    """

    def __init__(
        self,
        nodes_json: Any,
        remove: bool = False,
        kernel_name: str | None = None,
        ramdisk_name: str | None = None,
        instance_boot_option: str = "local",
    ) -> None:
        self.nodes_json = nodes_json
        self.remove = remove
        self.kernel_name = kernel_name
        self.ramdisk_name = ramdisk_name
        self.instance_boot_option = instance_boot_option

    def secret_values(self) -> Iterable[str]:
        return _secrets_of(self.nodes_json)

    def run(self, context: ActionContext) -> list[Any]:
        try:
            entries = nodes.validate(self.nodes_json)
        except NodesJsonError as error:
            raise ActionError(str(error)) from None
        return with_ironic(REGISTER, lambda client: self._register(client, entries))

    def _register(self, client: Any, entries: list[dict[str, Any]]) -> list[Any]:
        images = {"kernel": None, "ramdisk": None}
        if self.kernel_name and self.ramdisk_name:
            images = deploy_images(REGISTER, self.kernel_name, self.ramdisk_name)
        known = _KnownNodes(client)
        seen = []
        for entry in entries:
            capabilities = nodes.capabilities_to_dict(entry.get("capabilities"))
            capabilities.setdefault("boot_option", self.instance_boot_option)
            entry = {**entry, "capabilities": nodes.dict_to_capabilities(capabilities)}
            for key, image in (("kernel_id", images["kernel"]), ("ramdisk_id", images["ramdisk"])):
                if image and key not in entry:
                    entry[key] = image
            node_uuid = known.match(entry)
            if node_uuid:
                node = client.node.update(node_uuid, nodes.update_patch(entry))
            else:
                fields, macs = nodes.create_fields(entry)
                node = client.node.create(**fields)
                for mac in macs:
                    client.port.create(address=mac, node_uuid=node.uuid)
            seen.append(node)
        if self.remove:
            kept = {node.uuid for node in seen}
            for extra in known.uuids - kept:
                client.node.delete(extra)
        return seen


class _KnownNodes:
    """The nodes already in Ironic, by MAC address and by power address (two list calls)."""

    def __init__(self, client: Any) -> None:
        existing = client.node.list(detail=True, limit=0)
        self.uuids = {node.uuid for node in existing}
        self.by_mac = {
            port.address.lower(): port.node_uuid for port in client.port.list(detail=True, limit=0)
        }
        self.by_power = {}
        for node in existing:
            try:
                driver = nodes.find_driver(node.driver)
            except NodesJsonError:
                continue  # a hardware type TripleO Pike did not know; matched by MAC only
            unique_id = driver.unique_id_from_node(node.driver_info or {})
            if unique_id:
                self.by_power[unique_id] = node.uuid

    def match(self, entry: Mapping[str, Any]) -> str | None:
        candidates = {
            self.by_mac[mac.lower()] for mac in entry.get("mac", ()) if mac.lower() in self.by_mac
        }
        unique_id = nodes.find_driver(entry["pm_type"]).unique_id_from_fields(entry)
        if unique_id in self.by_power:
            candidates.add(self.by_power[unique_id])
        if entry.get("uuid") in self.uuids:
            candidates.add(entry["uuid"])
        if len(candidates) > 1:
            raise ActionError(
                f"Several candidates found for the same node data: {sorted(candidates)}"
            )
        return candidates.pop() if candidates else None


def deploy_images(action_name: str, kernel: str, ramdisk: str) -> dict[str, str]:
    """The deploy kernel and ramdisk to put in driver_info: UUIDs and URLs as given, other
    names looked up in Glance (kernel images of format aki, ramdisks ari)."""
    found = {}
    for kind, name, disk_format in (("kernel", kernel, "aki"), ("ramdisk", ramdisk, "ari")):
        if IMAGE_REFERENCE.match(str(name)):
            found[kind] = name
            continue
        glance = service_client(
            f"{action_name} (to find the {kind} image {name!r} by name)", "image"
        )
        images = [
            image
            for image in glance.images.list(filters={"name": name, "disk_format": disk_format})
            if image["name"] == name and image["disk_format"] == disk_format
        ]
        if not images:
            raise ActionError(f"{kind.title()} image not found in Glance, and no path specified.")
        found[kind] = images[-1]["id"]
    return found


class ConfigureBootAction(Action):
    """Sets a node's deploy kernel and ramdisk (UUIDs, URLs, or Glance names when there is
    Glance) and its boot_option capability (kept, or ``local`` when it has none)."""

    def __init__(
        self,
        node_uuid: str,
        kernel_name: str | None = "bm-deploy-kernel",
        ramdisk_name: str | None = "bm-deploy-ramdisk",
        instance_boot_option: str | None = None,
    ) -> None:
        self.node_uuid = node_uuid
        self.kernel_name = kernel_name
        self.ramdisk_name = ramdisk_name
        self.instance_boot_option = instance_boot_option

    def run(self, context: ActionContext) -> None:
        with_ironic(CONFIGURE_BOOT, self._configure)

    def _configure(self, client: Any) -> None:
        images = {"kernel": None, "ramdisk": None}
        if self.kernel_name is not None and self.ramdisk_name is not None:
            images = deploy_images(CONFIGURE_BOOT, self.kernel_name, self.ramdisk_name)
        node = client.node.get(self.node_uuid)
        capabilities = nodes.capabilities_to_dict(node.properties.get("capabilities"))
        if self.instance_boot_option is not None:
            capabilities["boot_option"] = self.instance_boot_option
        else:
            capabilities.setdefault("boot_option", "local")
        client.node.update(
            node.uuid,
            [
                {
                    "op": "add",
                    "path": "/properties/capabilities",
                    "value": nodes.dict_to_capabilities(capabilities),
                },
                {"op": "add", "path": "/driver_info/deploy_ramdisk", "value": images["ramdisk"]},
                {"op": "add", "path": "/driver_info/deploy_kernel", "value": images["kernel"]},
            ],
        )


class ConfigureRootDeviceAction(Action):
    """Sets a node's root device hint from its introspection data: ``smallest``, ``largest``
    or a list of device names (``sda,vda``); nothing to do without ``root_device``."""

    def __init__(
        self,
        node_uuid: str,
        root_device: str | None = None,
        minimum_size: int = 4,
        overwrite: bool = False,
    ) -> None:
        self.node_uuid = node_uuid
        self.root_device = root_device
        self.minimum_size = minimum_size
        self.overwrite = overwrite

    def run(self, context: ActionContext) -> None:
        if self.root_device:
            with_ironic(CONFIGURE_ROOT_DEVICE, self._configure)

    def _configure(self, client: Any) -> None:
        node = client.node.get(self.node_uuid)
        if node.properties.get("root_device") and not self.overwrite:
            LOG.warning("Root device hints are already set for node %s: kept", node.uuid)
            return
        inspector = service_client(CONFIGURE_ROOT_DEVICE, "baremetal-introspection")
        try:
            data = inspector.get_data(node.uuid)
        except Exception as error:
            raise ActionError(
                f"No introspection data found for node {node.uuid}, root device cannot be "
                f"detected ({error})"
            ) from None
        disk = _root_disk(node.uuid, data, str(self.root_device), self.minimum_size)
        hint = next(({key: disk[key]} for key in ("wwn", "serial") if disk.get(key)), None)
        if hint is None:
            raise ActionError(
                f"Neither WWN nor serial number are known for device {disk['name']} on node "
                f"{node.uuid}; root device hints cannot be used"
            )
        client.node.update(
            node.uuid,
            [
                {"op": "add", "path": "/properties/root_device", "value": hint},
                {"op": "add", "path": "/properties/local_gb", "value": disk["size"] / GIB - 1},
            ],
        )


def _root_disk(node_uuid: str, data: Any, strategy: str, minimum_size: float) -> dict:
    try:
        disks = data["inventory"]["disks"]
    except (KeyError, TypeError):
        raise ActionError(
            f"Malformed introspection data for node {node_uuid}: disks list is missing"
        ) from None
    disks = [disk for disk in disks if disk.get("size", 0) >= minimum_size * GIB]
    if not disks:
        raise ActionError(f"No suitable disks found for node {node_uuid}")
    if strategy in ("smallest", "largest"):
        return sorted(disks, key=lambda disk: disk["size"], reverse=strategy == "largest")[0]
    by_name = {disk["name"]: disk for disk in disks}
    for candidate in (name.strip() for name in strategy.split(",")):
        if f"/dev/{candidate}" in by_name:
            return by_name[f"/dev/{candidate}"]
    raise ActionError(f"Cannot find a disk with any of names {strategy} for node {node_uuid}")


class UpdateNodeCapabilityAction(Action):
    """Sets one capability of a node (a null value removes it); returns the updated node."""

    def __init__(self, node_uuid: str, capability: str, value: Any) -> None:
        self.node_uuid = node_uuid
        self.capability = capability
        self.value = value

    def run(self, context: ActionContext) -> Any:
        return with_ironic(UPDATE_NODE_CAPABILITY, self._update)

    def _update(self, client: Any) -> Any:
        node = client.node.get(self.node_uuid)
        capabilities = nodes.capabilities_to_dict(node.properties.get("capabilities"))
        if self.value is None:
            if self.capability not in capabilities:
                raise ActionError(
                    f"KeyError: {self.capability!r} (node {self.node_uuid} has no such "
                    "capability to remove)"
                )
            del capabilities[self.capability]
        else:
            capabilities[self.capability] = self.value
        patch = [
            {
                "op": "replace",
                "path": "/properties/capabilities",
                "value": nodes.dict_to_capabilities(capabilities),
            }
        ]
        return client.node.update(self.node_uuid, patch)


class CellV2DiscoverHostsAction(Action):
    """Runs Nova's ``cell_v2 discover_hosts`` so that new Ironic nodes become Nova hosts."""

    def run(self, context: ActionContext) -> None:
        service_client(CELL_V2_DISCOVER_HOSTS, "compute")
        nova_manage = shutil.which("nova-manage") or "/bin/nova-manage"
        if not os.path.exists(nova_manage):
            raise ActionError(
                f"{CELL_V2_DISCOVER_HOSTS} needs nova-manage on this machine: not installed"
            )
        command = [nova_manage, "cell_v2", "discover_hosts", "--verbose"]
        if os.geteuid() != 0:
            command.insert(0, "sudo")
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise ActionError(
                f"ProcessExecutionError: {' '.join(command)} exited {done.returncode}: "
                f"{done.stderr.strip()}"
            )
        LOG.info("cell_v2 discover_hosts: %s", done.stdout)


class GetProfileAction(Action):
    """The profile a node's capabilities name: {profile, uuid} (profile null when none)."""

    def __init__(self, node: Mapping[str, Any]) -> None:
        self.node = node

    async def run(self, context: ActionContext) -> dict[str, Any]:
        node = _node_dict(self.node)
        return {"profile": nodes.node_capabilities(node).get("profile"), "uuid": node.get("uuid")}


class GetCandidateNodesAction(Action):
    """The BMC addresses to probe: every (credentials, port, IP) not already a node's power
    address. ``ip_addresses``: a network (``10.0.0.0/24``) or a list of IP addresses."""

    def __init__(
        self, ip_addresses: Any, ports: list[Any], credentials: list[Any], existing_nodes: list
    ) -> None:
        self.ip_addresses = ip_addresses
        self.ports = ports
        self.credentials = credentials
        self.existing_nodes = existing_nodes

    def secret_values(self) -> Iterable[str]:
        return [str(pair[1]) for pair in self.credentials or () if len(pair) > 1 and pair[1]]

    def run(self, context: ActionContext) -> list[dict[str, Any]]:
        existing = self._existing_addresses()
        if isinstance(self.ip_addresses, str):
            try:
                network = ipaddress.ip_network(self.ip_addresses, strict=False)
            except ValueError as error:
                raise ActionError(f"AddrFormatError: {error}") from None
            addresses = [str(ip) for ip in network.hosts()] or [str(network.network_address)]
        else:
            addresses = self.ip_addresses
        return [
            {"ip": ip, "username": username, "password": password, "port": int(port)}
            for username, password in self.credentials
            for port in self.ports
            for ip in addresses
            if (ip, int(port)) not in existing and (ip, None) not in existing
        ]

    def _existing_addresses(self) -> set[tuple[str, int | None]]:
        found = set()
        for node in self.existing_nodes:
            try:
                driver = nodes.find_driver(node["driver"])
            except NodesJsonError:
                continue
            address_key = driver.convert_key("pm_addr")
            address = (node.get("driver_info") or {}).get(address_key) if address_key else None
            if address is None:
                continue
            try:
                ip = socket.gethostbyname(address)
            except OSError as error:
                LOG.warning("Cannot resolve %s of node %s: %s", address, node.get("uuid"), error)
                continue
            port = node["driver_info"].get(driver.convert_key("pm_port") or "", driver.default_port)
            found.add((ip, int(port) if port is not None else None))
        return found


class ProbeNodeAction(Action):
    """Asks an IPMI BMC for its power status with ipmitool: the nodes JSON entry for it when it
    answers, null when it does not."""

    def __init__(
        self,
        ip: str,
        port: Any,
        username: str,
        password: str,
        attempts: int = 2,
        ipmi_driver: str = "ipmi",
    ) -> None:
        self.ip = ip
        self.port = int(port)
        self.username = username
        self.password = password
        self.attempts = attempts
        self.ipmi_driver = ipmi_driver

    def secret_values(self) -> Iterable[str]:
        return [str(self.password)] if self.password else []

    def run(self, context: ActionContext) -> dict[str, Any] | None:
        ipmitool = shutil.which("ipmitool")
        if ipmitool is None:
            raise ActionError(
                "tripleo.baremetal.probe_node needs ipmitool: not installed "
                "(apt-get install ipmitool, or dnf install ipmitool)"
            )
        with tempfile.NamedTemporaryFile(mode="w") as password_file:  # created 0600
            password_file.write(self.password or "\0")
            password_file.flush()
            command = [ipmitool, "-I", "lanplus", "-H", self.ip, "-L", "ADMINISTRATOR"]
            command += ["-p", str(self.port), "-U", self.username, "-f", password_file.name]
            command += ["power", "status"]
            if not any(_answers(command) for _ in range(max(int(self.attempts), 1))):
                return None
        return {
            "pm_type": self.ipmi_driver,
            "pm_addr": self.ip,
            "pm_user": self.username,
            "pm_password": self.password,
            "pm_port": self.port,
        }


def _answers(command: list[str]) -> bool:
    try:
        done = subprocess.run(command, capture_output=True, timeout=PROBE_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0


def _node_dict(node: Any) -> Mapping[str, Any]:
    if not isinstance(node, Mapping):
        raise ActionError(f"node must be an Ironic node (a dict), not {type(node).__name__}")
    return node
