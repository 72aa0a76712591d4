"""Where the state file lives: an explicit path, else $TRIPLEO_TUI_DB, else the XDG data folder."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "tripleo-tui"
STATE_FILE_NAME = "state.sqlite"
LOG_FILE_NAME = "tripleo-tui.log"
DB_ENV_VAR = "TRIPLEO_TUI_DB"


def state_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The state file to use: `explicit` (the --db flag), $TRIPLEO_TUI_DB, or the default.

    The default is `$XDG_DATA_HOME/tripleo-tui/state.sqlite` (~/.local/share/... without it).
    """
    chosen = explicit or os.environ.get(DB_ENV_VAR)
    if chosen:
        return Path(chosen).expanduser()
    import platformdirs  # only for the default: a command given --db need not import it

    return platformdirs.user_data_path(APP_NAME) / STATE_FILE_NAME


def log_path(state_file: Path) -> Path:
    """The log file that sits beside a state file."""
    return state_file.parent / LOG_FILE_NAME
