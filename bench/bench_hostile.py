"""The engine under hostile input: how long its event loop is held, its peak memory, and how
long commands wait meanwhile.

    python3 -m bench.bench_hostile      # from the repository: it reuses the tests' workbook

First, in this process (embedded engine), the longest time the event loop was held while each
hostile execution ran (a coroutine that sleeps 10 ms notes how late it wakes), and the CPU the
process used meanwhile. Then a `tripleo-tui engine` process on a new state file: for each
hostile workflow it starts one execution and, while it runs, times `execution-list` (read from
the state file) and `execution-create` of a no-op workflow (handed to the engine, which must
answer). Prints the engine's peak resident size (VmHWM) after each input and the command
times, next to the same commands at rest (CLI start-up is most of them). The conductor turn
runs in its own thread, so the loop stays free; a create handed to the engine during a long turn
still waits for that turn (the conductor applies one turn at a time). Timing depends on the
machine's load; the time limit counts CPU, so on a loaded machine the loop is held longer.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from loop_hold import longest_hold  # bench/, beside this script

from tests.cli.test_hostile_expressions import WORKBOOK as TEST_WORKBOOK

# The tests' hostile workbook, and two more workflows: a YAQL loop, and ten sub-workflows that
# each run the Jinja loops, all started in one turn of the engine.
WORKBOOK = (
    TEST_WORKBOOK
    + """\
  yaql_loops:
    tasks:
      loop:
        action: std.echo output=<% range(100000).select(range(100000).sum()).sum() %>
  ten_loops:
    tasks:
      each:
        with-items: i in <% range(10) %>
        workflow: jinja_loops
"""
)
HOSTILE = [
    ("nested Jinja range() loops", "jinja_loops", {}),
    ("nested YAQL range() sums", "yaql_loops", {}),
    ("regex ^(a+)+$ on 100,000 a's and '!'", "backtracking_regex", {"n": 100_000}),
    ("len([0] * n), n=2e8", "list_repeat", {"n": 200_000_000}),
    ("'a' * n, n=1e8", "string_repeat", {"n": 100_000_000}),
    ("10 sub-workflows with the Jinja loops, one turn", "ten_loops", {}),
]


def cli(db: Path, *args: str) -> tuple[float, subprocess.CompletedProcess]:
    started = time.monotonic()
    command = [sys.executable, "-m", "tripleo_tui", "--db", str(db), *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    return time.monotonic() - started, done


def peak_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def probe(db: Path) -> tuple[float, float]:
    """(execution-list seconds, handed execution-create seconds)."""
    listed, _ = cli(db, "execution-list", "--limit", "5")
    created, done = cli(db, "execution-create", "hostile.noop", "{}")
    assert done.returncode == 0, done.stderr
    return listed, created


async def loop_holds() -> None:
    from engine.api import open_backend

    api = await open_backend(Path(tempfile.mkdtemp(prefix="bench-hostile-")) / "state.db")
    await api.create_workbook(WORKBOOK)
    await api.start_engine()
    print(f"{'hostile input (embedded engine)':50} {'ended':8} {'loop held':>9} {'CPU':>7}")
    for title, workflow, given in HOSTILE:
        done = asyncio.Event()
        prober = asyncio.create_task(longest_hold(done))
        cpu = time.process_time()
        execution = await api.start_execution(f"hostile.{workflow}", given)
        while (execution := await api.get_execution(execution.id)).state == "RUNNING":
            await asyncio.sleep(0.05)
        done.set()
        held = await prober
        cpu = time.process_time() - cpu
        print(f"{title:50} {execution.state:8} {held:8.2f}s {cpu:6.2f}s")
    await api.stop_engine()
    await api.close()
    print()


def main() -> None:
    asyncio.run(loop_holds())
    folder = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    db = folder / "state.db"
    (folder / "hostile.yaml").write_text(WORKBOOK)
    _, done = cli(db, "workbook-create", str(folder / "hostile.yaml"))
    assert done.returncode == 0, done.stderr
    engine = subprocess.Popen(
        [sys.executable, "-m", "tripleo_tui", "--db", str(db), "engine"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)
        rest = [probe(db) for _ in range(3)]
        print(f"engine at rest: peak {peak_mib(engine.pid):.0f} MiB")
        print(
            f"at rest: execution-list max {max(r[0] for r in rest):.2f} s, "
            f"handed execution-create max {max(r[1] for r in rest):.2f} s\n"
        )
        print(f"{'hostile input':50} {'ended':8} {'took':>7} {'peak':>8}  list / create during")
        for title, workflow, given in HOSTILE:
            outcome: dict = {}

            def run(workflow=workflow, given=given, outcome=outcome) -> None:
                started = time.monotonic()
                _, done = cli(
                    db, "execution-create", f"hostile.{workflow}", json.dumps(given), "--wait"
                )
                outcome["took"] = time.monotonic() - started
                outcome["state"] = "ERROR" if done.returncode else "SUCCESS"

            busy = threading.Thread(target=run)
            busy.start()
            seen = []
            while busy.is_alive():
                seen.append(probe(db))
            busy.join()
            during = " ".join(f"{a:.2f}/{b:.2f}" for a, b in seen)
            print(
                f"{title:50} {outcome['state']:8} {outcome['took']:6.2f}s "
                f"{peak_mib(engine.pid):6.0f}MiB  {during}"
            )
        print(f"\nstate file: {db.stat().st_size / 2**20:.1f} MiB")
    finally:
        os.kill(engine.pid, signal.SIGTERM)
        engine.wait(timeout=60)


if __name__ == "__main__":
    main()
