"""Where the sandbox lives and which Ironic it runs: what `--help` and the commands that only
describe the sandbox need, without the service's imports."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

IRONIC_VERSION = "39.0.0"
DIR_ENV = "TRIPLEO_TUI_SANDBOX_DIR"
STATE_FILE = "sandbox.json"  # in the sandbox folder: pid, port, endpoint


def sandbox_dir() -> Path:
    """The sandbox folder: `$TRIPLEO_TUI_SANDBOX_DIR`, else `<XDG data>/tripleo-tui/sandbox`."""
    override = os.environ.get(DIR_ENV)
    if override:
        return Path(override).expanduser().resolve()
    return Path(platformdirs.user_data_dir("tripleo-tui")) / "sandbox"


def venv_dir(directory: Path | None = None) -> Path:
    return (directory or sandbox_dir()) / "venv"
