"""Our engine serving Mistral's v2 API, driven by python-mistralclient as any Mistral client;
with --mistral, the same figures from a real OpenStack Mistral 23 on the same machine.

    python3 bench/bench_server.py [--executions N] [--runs N] [--mistral | --url URL]

Prints: upload of the 100-task chain workbook; `execution-create` + wait (polling
`executions.get` every 20 ms, as a client must) of bench_chain.chain100; the list of N
executions read page by page (100 a page as the CLI asks, with the CLI's `fields`, and 1,000 a
page with whole records); and the server's resident memory (now and peak) while serving.
Each time figure has the server process's CPU time beside it.

Our state file gets real executions cloned to N rows (bench_tui.make_state). --mistral starts
a Mistral 23 sandbox of its own (engine.sandbox.mistral, from the cached venv) in a temporary
folder, makes the same real runs there and clones those rows in its SQLite database to the
same count, then prints both sets of figures side by side. With --url the figures are taken
against another Mistral v2 endpoint as it is (its own executions for the list figure).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from bench_tui import SEED_RUNS, make_state, seed_run
from mistralclient.api import client as mistral_client

from engine.sandbox import mistral

CHAIN = Path(__file__).parent / "workloads" / "bench_chain.yaml"
SERVING = re.compile(r"Serving Mistral's v2 API at (\S+)")
POLL = 0.02
EXAMPLES = Path(__file__).parents[1] / "workbooks" / "tripleo.examples.v1.yaml"
CLI_FIELDS = [
    "id",
    "workflow_id",
    "workflow_name",
    "workflow_namespace",
    "description",
    "task_execution_id",
    "root_execution_id",
    "state",
    "state_info",
    "created_at",
    "updated_at",
]


def start_engine(db: Path) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tripleo_tui", "--db", str(db), "engine", "--listen", "127.0.0.1:0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    log = db.parent / "tripleo-tui.log"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = SERVING.search(log.read_text()) if log.exists() else None
        if found:
            return process, found.group(1)
        if process.poll() is not None:
            sys.exit(f"the engine exited; see {log}")
        time.sleep(0.05)
    sys.exit("the engine did not start serving in 60 s")


def memory_mb(pid: int) -> tuple[float, float]:
    """(resident now, peak resident) of a process, in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    values = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.MULTILINE))
    return int(values["VmRSS"]) / 1024, int(values["VmHWM"]) / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_chain(client) -> float:
    began = time.perf_counter()
    execution = client.executions.create("bench_chain.chain100")
    while (state := client.executions.get(execution.id).state) in ("IDLE", "RUNNING"):
        time.sleep(POLL)
    assert state == "SUCCESS", state
    return time.perf_counter() - began


def read_all_pages(client, limit: int, fields: list[str] | None) -> tuple[int, float, list[float]]:
    """(executions read, total seconds, seconds per page)."""
    pages, marker, count = [], "", 0
    began = time.perf_counter()
    while True:
        page_began = time.perf_counter()
        page = client.executions.list(marker=marker, limit=limit, fields=fields or "")
        pages.append(time.perf_counter() - page_began)
        count += len(page)
        if len(page) < limit:
            return count, time.perf_counter() - began, pages
        marker = page[-1].id


def measure(
    server: str, client, runs: int, pid: int | None, fill: Callable[[int], None] | None = None
) -> dict[str, str]:
    """Each figure printed as it is taken and returned by its name, with the server's CPU time
    for it (the machine is shared: wall times vary with its load, CPU times much less).
    `fill(count)` is called before the lists with the executions made so far."""
    figures: dict[str, str] = {}

    def cpu() -> float:
        return cpu_seconds(pid) if pid is not None else float("nan")

    def record(name: str, figure: str, cpu_used: float | None = None) -> None:
        if cpu_used is not None and pid is not None:
            figure += f"; CPU {cpu_used:.2f} s"
        print(f"{server:<11} {name:<36} {figure}", flush=True)
        figures[name] = figure

    began, cpu_began = time.perf_counter(), cpu()
    try:
        client.workbooks.create(str(CHAIN))
    except Exception as error:  # already there (a reused endpoint)
        print(f"workbook upload skipped: {error}")
    else:
        record(
            "upload bench_chain (100 tasks)",
            f"{time.perf_counter() - began:.2f} s",
            cpu() - cpu_began,
        )
    cpu_began = cpu()
    chains = [run_chain(client) for _ in range(runs)]
    record(
        f"chain100 create + wait (median of {runs})",
        f"{statistics.median(chains):.2f} s (min {min(chains):.2f}, max {max(chains):.2f})",
        (cpu() - cpu_began) / runs,
    )
    if fill is not None:
        fill(runs)
    for limit, fields, what in ((100, CLI_FIELDS, "CLI fields"), (1000, None, "whole records")):
        cpu_began = cpu()
        count, total, pages = read_all_pages(client, limit, fields)
        record(
            f"list {count}, {limit}/page, {what}",
            f"{total:.2f} s (page median {statistics.median(pages) * 1000:.0f} ms)",
            cpu() - cpu_began,
        )
    if pid is not None:
        now, peak = memory_mb(pid)
        record("RSS while serving", f"{now:.1f} MB (peak {peak:.1f} MB)")
    return figures


def fill_mistral(client, database: Path, total: int) -> Callable[[int], None]:
    """A `fill` that makes the real runs ours is copied from (bench_tui.seed_run) in Mistral,
    then copies those rows in its database (fresh ids, one second apart, as its timestamps are)
    up to `total` executions."""

    def fill(made: int) -> None:
        client.workbooks.create(EXAMPLES.read_text())
        for index in range(SEED_RUNS):
            workflow, workflow_input = seed_run(index)
            execution = client.executions.create(workflow, workflow_input=workflow_input)
            while client.executions.get(execution.id).state in ("IDLE", "RUNNING"):
                time.sleep(POLL)
        with sqlite3.connect(database) as conn:
            table = "workflow_executions_v2"
            columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
            others = ", ".join(name for name in columns if name not in ("id", "created_at"))
            sources = conn.execute(
                f"SELECT rowid FROM {table} WHERE workflow_name LIKE 'tripleo.examples.v1.%'"
            ).fetchall()
            for number in range(total - made - SEED_RUNS):
                created = time.strftime("2026-01-01 %H:%M:%S.000000", time.gmtime(number))
                conn.execute(
                    f"INSERT INTO {table} (id, created_at, {others})"
                    f" SELECT ?, ?, {others} FROM {table} WHERE rowid = ?",
                    (str(uuid.uuid4()), created, sources[number % len(sources)][0]),
                )

    return fill


def measure_ours(executions: int, runs: int) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "state.db"
        print(f"preparing {executions} executions ...", flush=True)
        make_state(db, executions)
        process, url = start_engine(db)
        try:
            print(f"serving at {url}; engine RSS at start {memory_mb(process.pid)[0]:.1f} MB")
            return measure("ours", mistral_client.client(mistral_url=url), runs, process.pid)
        finally:
            os.kill(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def measure_mistral(executions: int, runs: int) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder) / "mistral"
        print(f"starting Mistral {mistral.MISTRAL_VERSION} from {mistral.venv_dir()} ...")
        report = mistral.up(directory=directory, venv=mistral.venv_dir())
        try:
            print(f"serving at {report.url}; RSS at start {memory_mb(report.pid)[0]:.1f} MB")
            client = mistral_client.client(mistral_url=report.url)
            database = directory / "mistral" / "mistral.sqlite"
            fill = fill_mistral(client, database, executions + runs)
            return measure("Mistral 23", client, runs, report.pid, fill)
        finally:
            mistral.down(directory)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executions", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    other = parser.add_mutually_exclusive_group()
    other.add_argument("--mistral", action="store_true", help="compare with a Mistral 23 sandbox")
    other.add_argument("--url", help="measure this Mistral v2 endpoint instead of ours")
    args = parser.parse_args()
    if args.url:
        measure(args.url, mistral_client.client(mistral_url=args.url), args.runs, None)
        return
    ours = measure_ours(args.executions, args.runs)
    if args.mistral:
        theirs = measure_mistral(args.executions, args.runs)
        print(f"\n{'':<36} {'ours':<42} Mistral 23")
        for name in ours:
            print(f"{name:<36} {ours[name]:<42} {theirs.get(name, '-')}")


if __name__ == "__main__":
    main()
