"""The running sandbox as an engine.clouds endpoint source: what every command adds, so it is
light (the sandbox's paths and service are imported only when an endpoint is looked for)."""

from __future__ import annotations

from typing import Any

from engine import clouds


def _find_endpoint() -> str | None:
    from engine.sandbox.service import find_endpoint

    return find_endpoint()


def _state_stamp() -> Any:
    """Changes when `sandbox up` or `down` rewrites the state file (a new port, say)."""
    from engine.sandbox.paths import STATE_FILE, sandbox_dir

    return clouds.file_stamp(sandbox_dir() / STATE_FILE)


ENDPOINT_SOURCE = clouds.EndpointSource(
    "sandbox", _find_endpoint, "the local sandbox", stamp=_state_stamp
)
