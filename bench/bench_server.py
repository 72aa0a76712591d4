"""Our engine serving Mistral's v2 API, driven by python-mistralclient as any Mistral client.

    python3 bench/bench_server.py [--executions N] [--runs N] [--url URL]

Prints: upload of the 100-task chain workbook; `execution-create` + wait (polling
`executions.get` every 20 ms, as a client must) of bench_chain.chain100; the list of N
executions read page by page (100 a page as the CLI asks, with the CLI's `fields`, and 1,000 a
page with whole records); and the engine's resident memory (now and peak) while serving.

The state file gets real executions cloned to N rows (bench_tui.make_state). With --url the
same figures are taken against another Mistral v2 endpoint (e.g. a Mistral 23 sandbox; it needs
its own N executions for the list figure).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_tui import make_state
from mistralclient.api import client as mistral_client

CHAIN = Path(__file__).parent / "workloads" / "bench_chain.yaml"
SERVING = re.compile(r"Serving Mistral's v2 API at (\S+)")
POLL = 0.02
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


def measure(client, runs: int, pid: int | None) -> None:
    began = time.perf_counter()
    try:
        client.workbooks.create(str(CHAIN))
    except Exception as error:  # already there (a reused endpoint)
        print(f"workbook upload skipped: {error}")
    else:
        print(f"upload bench_chain (100 tasks)            {time.perf_counter() - began:8.2f} s")
    chains = [run_chain(client) for _ in range(runs)]
    print(
        f"chain100 create + wait (median of {runs})       {statistics.median(chains):8.2f} s"
        f"   (min {min(chains):.2f}, max {max(chains):.2f})"
    )
    for limit, fields, what in ((100, CLI_FIELDS, "CLI fields"), (1000, None, "whole records")):
        count, total, pages = read_all_pages(client, limit, fields)
        print(
            f"list {count} executions, {limit}/page, {what:<13} {total:8.2f} s"
            f"   (page median {statistics.median(pages) * 1000:.1f} ms,"
            f" max {max(pages) * 1000:.1f} ms, {len(pages)} pages)"
        )
    if pid is not None:
        now, peak = memory_mb(pid)
        print(f"engine RSS while serving                  {now:8.1f} MB   (peak {peak:.1f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executions", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--url", help="measure this Mistral v2 endpoint instead of ours")
    args = parser.parse_args()
    if args.url:
        measure(mistral_client.client(mistral_url=args.url), args.runs, None)
        return
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "state.db"
        print(f"preparing {args.executions} executions ...", flush=True)
        make_state(db, args.executions)
        process, url = start_engine(db)
        try:
            print(f"serving at {url}; engine RSS at start {memory_mb(process.pid)[0]:.1f} MB")
            measure(mistral_client.client(mistral_url=url), args.runs, process.pid)
        finally:
            os.kill(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
