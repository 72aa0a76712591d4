"""A real OpenStack Ironic on loopback with demo nodes, for the demo mode, the CLI and the tests.

The console and the CLI add ENDPOINT_SOURCE to engine.clouds, so a running sandbox is used when
neither clouds.yaml nor the OS_* variables name an endpoint. Its names are imported on first
use (engine.lazy): `--help` and the commands that never look for an endpoint stay quick.
"""

from __future__ import annotations

from engine import clouds
from engine.lazy import lazy_attributes
from engine.sandbox.paths import STATE_FILE, sandbox_dir


def _find_endpoint() -> str | None:
    from engine.sandbox.service import find_endpoint

    return find_endpoint()


def _state_stamp():
    """Changes when `sandbox up` or `down` rewrites the state file (a new port, say)."""
    return clouds.file_stamp(sandbox_dir() / STATE_FILE)


ENDPOINT_SOURCE = clouds.EndpointSource(
    "sandbox", _find_endpoint, "the local sandbox", stamp=_state_stamp
)


__all__ = [
    "DIR_ENV",
    "IRONIC_VERSION",
    "DemoNode",
    "ENDPOINT_SOURCE",
    "EnrollReport",
    "InstallReport",
    "Progress",
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

__getattr__, __dir__ = lazy_attributes(
    __name__,
    {
        "register_cli": "engine.sandbox.cli",
        "SandboxError": "engine.sandbox.errors",
        "DemoNode": "engine.sandbox.nodes",
        "EnrollReport": "engine.sandbox.nodes",
        "demo_nodes": "engine.sandbox.nodes",
        "Progress": "engine.sandbox.progress",
        "DIR_ENV": "engine.sandbox.paths",
        "IRONIC_VERSION": "engine.sandbox.paths",
        "sandbox_dir": "engine.sandbox.paths",
        "venv_dir": "engine.sandbox.paths",
        **dict.fromkeys(
            (
                "InstallReport",
                "SandboxState",
                "UpReport",
                "down",
                "find_endpoint",
                "install",
                "ironic_client",
                "is_installed",
                "read_state",
                "status",
                "up",
            ),
            "engine.sandbox.service",
        ),
    },
)
