"""How long a write handed to the live engine takes (engine.api.handoff), and the command's
wall time.

    python3 bench/bench_handoff.py [--calls N]

Prints the median and 90th percentile of: a hand-off round trip in one process (a second backend on
the same file asks the engine to start tripleo.examples.v1.hello), and `tripleo-tui
execution-create` as a process with a live engine, and with none (it starts one).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from engine.api.embedded import EmbeddedBackend
from engine.api.handoff import EngineClient
from engine.server import serve_others


def figures(name: str, seconds: list[float]) -> None:
    ms = sorted(s * 1000 for s in seconds)
    p90 = ms[min(len(ms) - 1, int(len(ms) * 0.9))]
    print(f"{name:<48} median {statistics.median(ms):8.1f} ms   p90 {p90:8.1f} ms   n={len(ms)}")


async def round_trips(db: Path, calls: int) -> list[float]:
    async with (
        await EmbeddedBackend.open(db, serve_others=serve_others) as serving,
        await EmbeddedBackend.open(db) as caller,
    ):
        await serving.start_engine()
        client = EngineClient(caller, lambda: sys.exit("no engine expected to start"))
        timings = []
        for _ in range(calls):
            began = time.perf_counter()
            await client.call("start_execution", workflow="tripleo.examples.v1.hello")
            timings.append(time.perf_counter() - began)
        return timings


def command(db: Path) -> float:
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "tripleo_tui", "--db", str(db), "execution-create",
         "tripleo.examples.v1.hello", "-f", "value", "-c", "ID"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - began


def stop_engine(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT pid FROM engine_lease").fetchone()
    if row is not None:
        os.kill(row[0], signal.SIGTERM)
        while True:
            with sqlite3.connect(db) as conn:
                if conn.execute("SELECT pid FROM engine_lease").fetchone() is None:
                    return
            time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20)
    calls = parser.parse_args().calls
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "state.sqlite"
        figures("hand-off round trip (in process)", asyncio.run(round_trips(db, calls)))
        cold = []
        for _ in range(max(3, calls // 5)):
            cold.append(command(db))
            stop_engine(db)
        figures("execution-create, no engine (starts one)", cold)
        command(db)
        figures("execution-create, live engine", [command(db) for _ in range(calls)])
        stop_engine(db)
        began = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", "import tripleo_tui.cli"], check=True, capture_output=True
        )
        figures("(python start + import tripleo_tui.cli)", [time.perf_counter() - began])


if __name__ == "__main__":
    main()
