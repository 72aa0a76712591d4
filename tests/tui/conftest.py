"""Fixtures for the console tests: the real app on a fresh state file, with no OpenStack
endpoint unless a test brings the sandbox Ironic."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable

import pytest
from textual.widgets import Input

from engine import clouds
from tripleo_tui.app import TripleoTuiApp


@pytest.fixture
def no_endpoint(tmp_path, monkeypatch):
    """No stackrc, no clouds.yaml, no sandbox: the console must say so plainly."""
    for name in list(os.environ):
        if name.startswith("OS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TRIPLEO_TUI_SANDBOX_DIR", str(tmp_path / "no-sandbox"))
    monkeypatch.chdir(tmp_path)
    clouds.reset()
    yield
    clouds.reset()


@pytest.fixture
def no_blink(monkeypatch):
    """A still cursor, so snapshots do not depend on when they are taken."""
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


@pytest.fixture
def make_app(tmp_path, no_endpoint) -> Callable[..., TripleoTuiApp]:
    def make(**kwargs) -> TripleoTuiApp:
        return TripleoTuiApp(tmp_path / "state.sqlite", **kwargs)

    return make


async def wait_for(
    pilot, condition: Callable[[], object], what: str, timeout: float = 10.0
) -> None:
    """Let the app run until `condition()` holds; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)
        await asyncio.sleep(0)
