"""How long `tripleo-tui` commands take, process start to exit (issue 11's targets).

    python3 bench/bench_cli.py [--runs 7]

Prints the median (and slowest) of `runs` runs of each command on a fresh state file:
`--help`, `workbook-list`, `execution-list` and `execution-get ID` (target <= 0.15 s each),
then `execution-create bench_chain.chain100 --wait` (100 std.noop tasks in a row) with an
engine running (<= 0.25 s) and with none, so the command starts one (<= 0.8 s). Timings are
wall time of the whole process, as a user in a shell sees them, so the machine must be quiet;
the command process's CPU time, also shown, is less disturbed by other load.

The project is byte-compiled first (with PYTHONDONTWRITEBYTECODE set, as here, nothing else
writes its .pyc files, and each run would time compiling it), and the commands run with the
interpreter itself, not a shim in front of it (pyenv's adds about 60 ms).
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHAIN = ROOT / "bench" / "workloads" / "bench_chain.yaml"
PYTHON = os.path.realpath(sys.executable)
TARGETS = {"quick": 0.15, "live engine": 0.25, "no engine": 0.8}


def tripleo_tui(db: Path, *args: str) -> tuple[tuple[float, float], str]:
    """Run one command; its (wall, CPU) seconds and stdout. The CPU time (user + system of
    the command's process) says what it costs when other processes share the machine."""
    cpu_before = _children_cpu()
    began = time.perf_counter()
    done = subprocess.run(
        [PYTHON, "-m", "tripleo_tui", "--db", str(db), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,  # this checkout's code, first on the path
    )
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        sys.exit(f"tripleo-tui {' '.join(args)} failed:\n{done.stderr}")
    return (seconds, _children_cpu() - cpu_before), done.stdout


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def report(name: str, timings: list[tuple[float, float]], target: float) -> None:
    wall = statistics.median(seconds for seconds, _ in timings)
    cpu = statistics.median(cpu for _, cpu in timings)
    slowest = max(seconds for seconds, _ in timings)
    verdict = "ok" if wall <= target else "OVER"
    print(
        f"{name:<46} median {wall * 1000:6.0f} ms (CPU {cpu * 1000:5.0f} ms)"
        f"  slowest {slowest * 1000:6.0f} ms  target {target * 1000:4.0f} ms  {verdict}"
    )


def engine_pid(db: Path) -> int | None:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT pid FROM engine_lease").fetchone()
    return None if row is None else row[0]


def stop_engine(db: Path) -> None:
    """Stop the background engine a command started, and wait until its lease is gone."""
    pid = engine_pid(db)
    if pid is None:
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while engine_pid(db) is not None:
        if time.monotonic() > deadline:
            sys.exit(f"the engine (pid {pid}) did not stop")
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    for package in ("engine", "tripleo_tui"):
        compileall.compile_dir(ROOT / package, quiet=1)
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "state.sqlite"
        tripleo_tui(db, "workbook-create", str(CHAIN))
        chain = ("execution-create", "bench_chain.chain100", "--wait", "-f", "value", "-c", "ID")
        _, execution_id = tripleo_tui(db, *chain)
        stop_engine(db)
        quick = {
            "--help": ("--help",),
            "workbook-list": ("workbook-list",),
            "execution-list": ("execution-list",),
            "execution-get ID": ("execution-get", execution_id.strip()),
        }
        for name, args in quick.items():
            seconds = [tripleo_tui(db, *args)[0] for _ in range(runs)]
            report(f"tripleo-tui {name}", seconds, TARGETS["quick"])

        cold = []
        for _ in range(runs):
            cold.append(tripleo_tui(db, *chain)[0])
            stop_engine(db)
        tripleo_tui(db, *chain)  # leaves a background engine running
        live = [tripleo_tui(db, *chain)[0] for _ in range(runs)]
        stop_engine(db)
        report("execution-create chain100 --wait, live engine", live, TARGETS["live engine"])
        report("execution-create chain100 --wait, no engine", cold, TARGETS["no engine"])


if __name__ == "__main__":
    main()
