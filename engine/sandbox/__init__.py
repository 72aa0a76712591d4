"""A real OpenStack Ironic on loopback with demo nodes, for the demo mode, the CLI and the tests.

The console and the CLI add ENDPOINT_SOURCE to engine.clouds, so a running sandbox is used when
neither clouds.yaml nor the OS_* variables name an endpoint.
"""

from engine import clouds
from engine.sandbox.cli import register_cli
from engine.sandbox.errors import SandboxError
from engine.sandbox.nodes import DemoNode, EnrollReport, demo_nodes
from engine.sandbox.service import (
    DIR_ENV,
    IRONIC_VERSION,
    STATE_FILE,
    InstallReport,
    SandboxState,
    UpReport,
    down,
    find_endpoint,
    install,
    ironic_client,
    is_installed,
    read_state,
    sandbox_dir,
    status,
    up,
    venv_dir,
)


def _state_stamp():
    """Changes when `sandbox up` or `down` rewrites the state file (a new port, say)."""
    return clouds.file_stamp(sandbox_dir() / STATE_FILE)


ENDPOINT_SOURCE = clouds.EndpointSource(
    "sandbox", find_endpoint, "the local sandbox", stamp=_state_stamp
)

__all__ = [
    "DIR_ENV",
    "IRONIC_VERSION",
    "DemoNode",
    "ENDPOINT_SOURCE",
    "EnrollReport",
    "InstallReport",
    "SandboxError",
    "SandboxState",
    "UpReport",
    "demo_nodes",
    "down",
    "find_endpoint",
    "install",
    "ironic_client",
    "is_installed",
    "read_state",
    "register_cli",
    "sandbox_dir",
    "status",
    "up",
    "venv_dir",
]
