"""Demo bare-metal nodes for the sandbox: TripleO-like control and compute machines on
fake-hardware, enrolled and brought to `available` in bulk."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from engine.sandbox.errors import SandboxError

WORKERS = 8
POLL_INTERVAL = 0.25
SETTLE_TIMEOUT = 300.0
LIST_FIELDS = [
    "uuid",
    "name",
    "provision_state",
    "target_provision_state",
    "power_state",
    "target_power_state",
    "last_error",
]

# role -> (cpus, memory_mb, local_gb, MAC prefix)
ROLE_HARDWARE = {
    "control": (8, 32768, 100, "52:54:00:00"),
    "compute": (16, 65536, 200, "52:54:00:01"),
}


@dataclass(frozen=True)
class DemoNode:
    role: str
    index: int

    @property
    def name(self) -> str:
        return f"{self.role}-{self.index}"

    @property
    def properties(self) -> dict:
        cpus, memory_mb, local_gb, _ = ROLE_HARDWARE[self.role]
        return {
            "cpus": cpus,
            "memory_mb": memory_mb,
            "local_gb": local_gb,
            "cpu_arch": "x86_64",
            "capabilities": f"profile:{self.role},boot_option:local",
        }

    @property
    def mac(self) -> str:
        prefix = ROLE_HARDWARE[self.role][3]
        return f"{prefix}:{self.index >> 8:02x}:{self.index & 0xFF:02x}"


@dataclass(frozen=True)
class EnrollReport:
    created: int
    provided: int  # nodes moved from enroll/manageable to available
    powered_off: int  # nodes whose power state was still unknown
    seconds: float
    available: int = 0  # demo nodes in `available` at the end

    def summary(self) -> str:
        """`4 nodes ready` (and what this run did, when it did something)."""
        done = [
            f"{count} {what}"
            for count, what in ((self.created, "enrolled"), (self.provided, "made available"))
            if count
        ]
        return f"{self.available} nodes ready" + (f" ({', '.join(done)} now)" if done else "")


def demo_nodes(count: int) -> list[DemoNode]:
    """`count` nodes: the first third (at least one) control, the rest compute.

    A node's name never depends on `count`, so growing the set only adds nodes.
    """
    controls = max(1, count // 3) if count > 0 else 0
    return [DemoNode("control", i) for i in range(controls)] + [
        DemoNode("compute", i) for i in range(count - controls)
    ]


def enroll(client, wanted: list[DemoNode], say: Callable[[str], None]) -> EnrollReport:
    """Create the missing nodes (with one port each), manage and provide every demo node still
    in `enroll` or `manageable`, and power off those whose power state is unknown. Nodes in other
    states are left alone. `say` hears what is being done."""
    started = time.monotonic()
    existing = {node.name for node in _list(client)}
    missing = [node for node in wanted if node.name not in existing]
    names = {node.name for node in wanted}
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        if missing:
            say(f"creating {len(missing)} nodes")
        list(pool.map(lambda node: _create(client, node), missing))
        to_manage = _uuids_in_state(client, names, "enroll")
        if to_manage:
            say(f"{len(to_manage)} nodes to manageable")
        list(pool.map(lambda uuid: client.node.set_provision_state(uuid, "manage"), to_manage))
        _settle(client, to_manage, "provision", "manageable")
        to_provide = _uuids_in_state(client, names, "manageable")
        if to_provide:
            say(f"{len(to_provide)} nodes to available")
        list(pool.map(lambda uuid: client.node.set_provision_state(uuid, "provide"), to_provide))
        _settle(client, to_provide, "provision", "available")
        ours = [node for node in _list(client) if node.name in names]
        to_power_off = {node.uuid for node in ours if not node.power_state}
        if to_power_off:
            say(f"powering off {len(to_power_off)} nodes")
        list(pool.map(lambda uuid: client.node.set_power_state(uuid, "off"), to_power_off))
        _settle(client, to_power_off, "power", "power off")
    available = sum(1 for node in ours if node.provision_state == "available")
    return EnrollReport(
        len(missing), len(to_provide), len(to_power_off), time.monotonic() - started, available
    )


def _create(client, node: DemoNode) -> None:
    created = client.node.create(
        name=node.name,
        driver="fake-hardware",
        resource_class="baremetal",
        properties=node.properties,
    )
    client.port.create(address=node.mac, node_uuid=created.uuid)


def _list(client) -> list:
    return client.node.list(fields=LIST_FIELDS, limit=0)


def _uuids_in_state(client, names: set[str], state: str) -> set[str]:
    return {
        node.uuid for node in _list(client) if node.name in names and node.provision_state == state
    }


def _settle(client, uuids: set[str], kind: str, goal: str) -> None:
    """Poll the node list (one call per round) until every node in `uuids` has no target
    `kind` ("provision" or "power") state left, and fail if one did not end in `goal`."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while uuids:
        ours = [node for node in _list(client) if node.uuid in uuids]
        pending = [node for node in ours if getattr(node, f"target_{kind}_state")]
        for node in ours:
            state = getattr(node, f"{kind}_state")
            if not getattr(node, f"target_{kind}_state") and state != goal:
                raise SandboxError(
                    f"node {node.name} stopped in {state} instead of {goal}: "
                    f"{node.last_error or 'no error recorded'}"
                )
        if not pending:
            return
        if time.monotonic() > deadline:
            raise SandboxError(f"{len(pending)} nodes did not reach {goal} in time")
        time.sleep(POLL_INTERVAL)
