"""Lease takeover and recovery: how long until a new engine runs a state file whose engine was
killed (SIGKILL) or stalled (SIGSTOP), how long that engine takes to recover an execution of
1,000 items in flight, and the engines' memory.

    python3 bench/bench_lease.py [--items N]

Each engine is a real `tripleo-tui engine` process; the lease timeout is the default one
(engine.store.lease.LEASE_TIMEOUT) unless TRIPLEO_TUI_LEASE_TIMEOUT is set.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from engine.store.lease import LEASE_TIMEOUT

WORKBOOK = """\
version: '2.0'
name: lease_bench
workflows:
  many:
    input: [items]
    tasks:
      each:
        with-items: i in <% range($.items) %>
        concurrency: 10
        action: std.sleep seconds=0.05
        safe-rerun: true
"""


def command(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "tripleo_tui", "--db", str(db), *args]


def lease_pid(db: Path) -> int | None:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT pid FROM engine_lease").fetchone()
    return None if row is None else row[0]


def done_items(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        (count,) = conn.execute(
            "SELECT count(*) FROM action_executions WHERE state = 'SUCCESS'"
        ).fetchone()
    return count


def execution_state(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT state FROM workflow_executions").fetchone()[0]


def until(condition, timeout: float = 300.0) -> float:
    """Seconds until `condition()` holds."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise SystemExit("timed out")
        time.sleep(0.01)
    return time.monotonic() - started


def rss_mb(pid: int) -> tuple[float, float]:
    """Resident and peak resident memory of a process, in MB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def engine(db: Path) -> subprocess.Popen:
    return subprocess.Popen(command(db, "engine"), stderr=subprocess.DEVNULL)


def until_it_runs(db: Path) -> subprocess.Popen:
    """Start engines until one holds the lease (each exits while the old lease still counts)."""
    while True:
        process = engine(db)
        until(lambda p=process: lease_pid(db) == p.pid or p.poll() is not None)
        if process.poll() is None:
            return process


def scenario(folder: Path, items: int, signum: int) -> None:
    db = folder / signal.Signals(signum).name / "state.sqlite"
    db.parent.mkdir()
    (db.parent / "wb.yaml").write_text(WORKBOOK)
    subprocess.run(
        command(db, "workbook-create", str(db.parent / "wb.yaml")), check=True, capture_output=True
    )
    old = engine(db)
    until(lambda: lease_pid(db) == old.pid)
    idle_rss, _ = rss_mb(old.pid)
    subprocess.run(
        command(db, "execution-create", "lease_bench.many", f'{{"items": {items}}}'),
        check=True,
        capture_output=True,
    )
    until(lambda: done_items(db) >= items // 3)
    busy_rss, peak = rss_mb(old.pid)
    old.send_signal(signum)
    stopped = time.monotonic()
    before = done_items(db)
    new = until_it_runs(db)
    takeover = time.monotonic() - stopped
    done_items_at_takeover = done_items(db)
    recovery = until(
        lambda: done_items(db) > done_items_at_takeover or execution_state(db) != "RUNNING"
    )
    finish = until(lambda: execution_state(db) != "RUNNING")
    if signum == signal.SIGSTOP:
        old.send_signal(signal.SIGCONT)
        gone = until(lambda: old.poll() is not None, 30)
        print(f"  old engine gone {gone * 1000:.0f} ms after SIGCONT (exit code {old.returncode})")
    else:
        old.wait()
    print(f"  takeover (signal to new engine holding the lease): {takeover:.2f} s")
    print(f"  first recovered item after takeover: {recovery * 1000:.0f} ms")
    print(f"  rest of the run ({items - before} items left at the signal): {finish:.2f} s")
    print(f"  old engine RSS idle {idle_rss:.0f} MB, running {busy_rss:.0f} MB, peak {peak:.0f} MB")
    print(f"  new engine RSS at the end {rss_mb(new.pid)[0]:.0f} MB")
    print(f"  state {execution_state(db)}, items done {done_items(db)} of {items}")
    new.send_signal(signal.SIGTERM)
    new.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    args = parser.parse_args()
    print(f"lease timeout {LEASE_TIMEOUT:g} s, {args.items} items, pid {os.getpid()}")
    with tempfile.TemporaryDirectory() as folder:
        for signum in (signal.SIGKILL, signal.SIGSTOP):
            print(signal.Signals(signum).name)
            scenario(Path(folder), args.items, signum)


if __name__ == "__main__":
    main()
