"""Table cells as rich Text: state colours, durations, short ids. Colours are from the 16-colour
set, so they read the same in 256-colour terminals and under tmux."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from rich.text import Text

Cells = tuple[Text, ...]  # one table row

STATE_STYLES = {
    "IDLE": "dim",
    "WAITING": "cyan",
    "RUNNING": "bold blue",
    "DELAYED": "blue",
    "PAUSED": "bold yellow",
    "SUCCESS": "green",
    "ERROR": "bold red",
    "CANCELLED": "magenta",
    # Ironic
    "available": "green",
    "active": "bold green",
    "manageable": "cyan",
    "enroll": "dim",
    "error": "bold red",
    "deploy failed": "bold red",
    "clean failed": "bold red",
    "inspect failed": "bold red",
    "power on": "green",
    "power off": "dim",
}


def text(value: Any, style: str = "") -> Text:
    """A one-line cell: None is empty, newlines become spaces."""
    if value is None:
        return Text("")
    return Text(str(value).replace("\n", " "), style=style, no_wrap=True, overflow="ellipsis")


def state(value: str | None) -> Text:
    return text(value, STATE_STYLES.get(value or "", ""))


def flag(value: bool, on: str = "yes", style: str = "bold yellow") -> Text:
    return text(on, style) if value else Text("")


def tags(values: tuple[str, ...] | list[str]) -> Text:
    return text(", ".join(values))


def compact_json(value: Any) -> str:
    """One line of JSON, for previews and filters."""
    return json.dumps(value, separators=(", ", ": "), default=str, ensure_ascii=False)


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value[:19]).replace(tzinfo=UTC)
    except ValueError:
        return None


def duration(start: str | None, end: str | None, now: datetime | None = None) -> Text:
    """How long from `start` to `end` (to `now` while it has no end), as 4s, 3m05s, 2h04m."""
    began = parse_time(start)
    if began is None:
        return Text("")
    finished = parse_time(end) or now
    if finished is None:
        return Text("")
    seconds = max(0, int((finished - began).total_seconds()))
    if seconds < 60:
        label = f"{seconds}s"
    elif seconds < 3600:
        label = f"{seconds // 60}m{seconds % 60:02d}s"
    else:
        label = f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return Text(label, style="" if end else "italic")
