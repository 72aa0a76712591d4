"""What `up()` is doing, for a progress line in the terminal and the console.

`up()` calls a `ProgressSink` with a `Progress` at each step and each change inside one (pip's
packages collected and bytes fetched, the node states reached). Elapsed time is computed when
a line is drawn, so a consumer may redraw it every second while a long step says nothing.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

STEPS = ("Preparing the venv", "Installing Ironic", "Starting Ironic", "Enrolling demo nodes")

# pip's lines (without --quiet, no progress bar): one per package collected (from an index or
# a local file), with the size of what it fetched or took from its cache (metadata aside).
PIP_COLLECTING = re.compile(r"^(?:Collecting|Processing) \S")
PIP_SIZE = re.compile(
    r"^\s*(?:Downloading|Using cached) \S+(?<!\.metadata) \(([0-9.]+) (bytes|kB|MB|GB)\)"
)
PIP_INSTALLING = "Installing collected packages:"
SIZE_UNITS = {"bytes": 1, "kB": 1_000, "MB": 1_000_000, "GB": 1_000_000_000}


@dataclass(frozen=True)
class Progress:
    """One step of `up()`: its number (1-based), what it is doing and when `up()` began."""

    step: int
    detail: str = ""
    started: float = field(default_factory=time.monotonic)  # time.monotonic() at up()'s start

    @property
    def title(self) -> str:
        return STEPS[self.step - 1]

    def line(self, now: float | None = None) -> str:
        """`[2/4] Installing Ironic: 37/110 packages, 24.1 MB (41 s)`."""
        elapsed = (time.monotonic() if now is None else now) - self.started
        detail = f": {self.detail}" if self.detail else ""
        return f"[{self.step}/{len(STEPS)}] {self.title}{detail} ({elapsed:.0f} s)"


ProgressSink = Callable[[Progress], None]


def ignore(progress: Progress) -> None:
    """The sink when nobody watches."""


class Reporter:
    """Hands `Progress` values for one `up()` run to a sink, all with the same start time."""

    def __init__(self, sink: ProgressSink | None):
        self._sink = sink or ignore
        self.current = Progress(1)

    def step(self, number: int, detail: str = "") -> None:
        self.current = replace(self.current, step=number, detail=detail)
        self._sink(self.current)

    def detail(self, detail: str) -> None:
        if detail != self.current.detail:
            self.current = replace(self.current, detail=detail)
            self._sink(self.current)


class PipProgress:
    """Reads pip's output line by line and says how far the install is."""

    def __init__(self, packages: int):
        self.packages = packages  # how many pip will collect (the pinned set)
        self.collected = 0
        self.fetched_bytes = 0
        self.installing = False

    def feed(self, line: str) -> None:
        if PIP_COLLECTING.match(line):
            self.collected += 1
        elif size := PIP_SIZE.match(line):
            self.fetched_bytes += round(float(size[1]) * SIZE_UNITS[size[2]])
        elif line.startswith(PIP_INSTALLING):
            self.installing = True

    def detail(self) -> str:
        fetched = f"{self.fetched_bytes / 1e6:.1f} MB"
        if self.installing:
            return f"installing {self.collected} packages ({fetched} fetched)"
        return f"{self.collected}/{self.packages} packages, {fetched}"
