"""The log file's writer: opened without following a symbolic link, private to its owner, and
size-bounded (at `max_bytes` it moves to .1, .1 to .2, ..., keeping `backups`). Imported for a
command's first log record (tripleo_tui.cli._LogFile): logging.handlers, which it needs, loads
socket, pickle and queue, and most commands log nothing."""

from __future__ import annotations

import logging.handlers
import os
from pathlib import Path

from engine.api import open_private_file


class PrivateRotatingFile(logging.handlers.RotatingFileHandler):
    def __init__(self, path: Path, max_bytes: int, backups: int) -> None:
        super().__init__(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")

    def _open(self):  # noqa: ANN202 (logging's own hook)
        fd = open_private_file(Path(self.baseFilename), os.O_WRONLY | os.O_APPEND)
        return open(fd, "a", encoding=self.encoding, errors=self.errors)
