"""`tripleo-tui --sandbox` on a sandbox folder with nothing running: the console is usable at
once, the Nodes pane and the status bar follow the real start of Ironic step by step, the nodes
appear when it is up, and a second console reuses it all ("2 nodes ready")."""

from __future__ import annotations

import os

import pytest

from engine import clouds, sandbox
from tests.tui.conftest import wait_for
from tripleo_tui.app import TripleoTuiApp

SLOW = 90.0  # Ironic starting on a shared machine


@pytest.fixture
def fresh_sandbox_dir(tmp_path, monkeypatch):
    """An empty sandbox folder whose venv is the installed one (installing takes minutes)."""
    installed = sandbox.venv_dir()
    assert sandbox.is_installed(installed), f"no installed sandbox venv at {installed}"
    directory = tmp_path / "sandbox"
    directory.mkdir()
    (directory / "venv").symlink_to(installed)
    for name in list(os.environ):
        if name.startswith("OS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv(sandbox.DIR_ENV, str(directory))
    clouds.reset()
    yield directory
    sandbox.down(directory)
    clouds.reset()


def messages(app) -> list[str]:
    return [notification.message for notification in app._notifications]


async def test_the_console_opens_then_follows_the_sandbox_start(tmp_path, fresh_sandbox_dir):
    app = TripleoTuiApp(tmp_path / "state.sqlite", sandbox_nodes=2)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for(pilot, app.api_ready.is_set, "the state file open")
        assert app.sandbox_progress is not None, "the console waited for the sandbox"
        seen: set[str] = set()

        def starting_shown() -> bool:
            seen.add(str(app.status.endpoint))
            return "[3/4] Starting Ironic: waiting for its API on port" in app.status.endpoint

        await wait_for(pilot, starting_shown, "the start step in the status bar", SLOW)
        note = str(app.pane("nodes").query_one(".note").render())
        assert note.startswith("Ironic sandbox [3/4] Starting Ironic: waiting for its API")
        assert note.endswith(" s)")
        assert any("[2/4] Installing Ironic: already installed" in line for line in seen) or any(
            "[3/4] Starting Ironic: creating its database" in line for line in seen
        ), seen

        nodes = app.pane("nodes")
        await wait_for(pilot, lambda: len(nodes.nodes) == 2, "the two demo nodes", SLOW)
        assert {node.name for node in nodes.nodes.values()} == {"control-0", "compute-0"}
        assert "Ironic sandbox: 2 nodes ready (2 enrolled, 2 made available now)" in messages(app)
        await wait_for(pilot, lambda: "local sandbox" in app.status.endpoint, "the endpoint")
        assert app.sandbox_progress is None

    again = TripleoTuiApp(tmp_path / "state.sqlite", sandbox_nodes=2)
    async with again.run_test(size=(120, 40), notifications=True) as pilot:
        nodes = again.pane("nodes")
        await wait_for(pilot, lambda: len(nodes.nodes) == 2, "the two demo nodes", SLOW)
        assert "Ironic sandbox: 2 nodes ready" in messages(again)
