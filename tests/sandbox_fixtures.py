"""Session fixtures for a real OpenStack Ironic and a real Mistral on loopback (engine.sandbox);
no mocks.

With $TRIPLEO_TUI_SANDBOX_DIR set (.ci/run starts a sandbox there), that sandbox is used and left
running. Otherwise each test session starts a private one in a temporary folder, from the venv
kept under the data folder (installed on first use, about a minute), and stops it at the end.
If Ironic cannot be installed or started, the tests that use these fixtures fail with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import sandbox
from engine.sandbox import mistral

SANDBOX_NODES = 4


@pytest.fixture(scope="session")
def ironic_sandbox_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The folder of a running sandbox with (at least) 4 demo nodes."""
    shared = os.environ.get(sandbox.DIR_ENV)
    directory = Path(shared) if shared else tmp_path_factory.mktemp("ironic-sandbox")
    sandbox.up(nodes=SANDBOX_NODES, directory=directory, venv=sandbox.venv_dir())
    yield directory
    if not shared:
        sandbox.down(directory)


@pytest.fixture(scope="session")
def ironic_sandbox(ironic_sandbox_dir: Path) -> str:
    """The endpoint URL of the running sandbox Ironic (no authentication)."""
    state = sandbox.read_state(ironic_sandbox_dir)
    assert state is not None, f"no sandbox state in {ironic_sandbox_dir}"
    return state.endpoint


@pytest.fixture(scope="session")
def mistral_sandbox_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The folder of a running real Mistral on loopback (engine.sandbox.mistral): the one in
    $TRIPLEO_TUI_MISTRAL_DIR (left running), else a private one stopped at the end. Its
    database is shared by the session's tests: each test uses names of its own."""
    shared = os.environ.get(mistral.DIR_ENV)
    directory = Path(shared) if shared else tmp_path_factory.mktemp("mistral-sandbox")
    mistral.up(directory=directory, venv=mistral.venv_dir())
    yield directory
    if not shared:
        mistral.down(directory)


@pytest.fixture(scope="session")
def mistral_sandbox(mistral_sandbox_dir: Path) -> str:
    """The v2 URL of the running sandbox Mistral (no authentication)."""
    state = mistral.read_state(mistral_sandbox_dir)
    assert state is not None, f"no Mistral sandbox state in {mistral_sandbox_dir}"
    return state.url
