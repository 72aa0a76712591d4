"""A real OpenStack Ironic on loopback with demo nodes, for the demo mode, the CLI and the tests.

The console and `tripleo-tui engine` add ENDPOINT_SOURCE to engine.clouds, so a running sandbox
is used when neither clouds.yaml nor the OS_* variables name an endpoint. Its names are imported
on first use (engine.lazy): `--help` and the commands that never look for an endpoint stay quick.
"""

from __future__ import annotations

from engine.lazy import lazy_attributes

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
    "sandbox_dir",
    "status",
    "up",
    "venv_dir",
]

__getattr__, __dir__ = lazy_attributes(
    __name__,
    {
        "ENDPOINT_SOURCE": "engine.sandbox.endpoint",
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
