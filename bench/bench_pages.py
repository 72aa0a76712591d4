"""One page of a long list in the state file's SQL (engine.store.pages), against reading the
whole list and choosing the page in memory (as task-list and action-execution-list did).

    python3 bench/bench_pages.py [--tasks 10000] [--runs 5]

Builds a state file with one execution of `--tasks` tasks (one action execution each, every
tenth task in ERROR), then prints the median time of `task-list --filter state=ERROR
--oldest --limit 100` and `action-execution-list --filter accepted=true` read both ways, in
this process (no process start counted).
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.api import ACTION_EXECUTION_FIELDS, TASK_FIELDS, Filter, Page, open_backend  # noqa: E402
from tripleo_tui.list_options import choose  # noqa: E402


def build(db: Path, tasks: int) -> None:
    subprocess.run(
        [sys.executable, "-m", "tripleo_tui", "--db", str(db), "workbook-list"],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    execution = str(uuid.uuid4())
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO workflow_executions (id, workflow_name, state, input, params, context,"
            " spec, created_at) VALUES (?, 'bench', 'ERROR', '{}', '{}', '{}', '', ?)",
            (execution, "2026-01-01 00:00:00"),
        )
        for index in range(tasks):
            task, stamp = str(uuid.uuid4()), f"2026-01-01 {index // 3600 % 24:02d}:00:00"
            conn.execute(
                "INSERT INTO task_executions (id, workflow_execution_id, name, seq, type, state,"
                " created_at) VALUES (?, ?, ?, ?, 'ACTION', ?, ?)",
                (
                    task,
                    execution,
                    f"t{index}",
                    index,
                    "ERROR" if index % 10 == 0 else "SUCCESS",
                    stamp,
                ),
            )
            conn.execute(
                "INSERT INTO action_executions (id, task_execution_id, name, state, accepted,"
                " input, output, created_at) VALUES (?, ?, 'std.echo', 'SUCCESS', 1, '{}',"
                " '{\"result\": 1}', ?)",
                (str(uuid.uuid4()), task, stamp),
            )


async def measure(db: Path, runs: int) -> None:
    options = argparse.Namespace(
        sort_keys="created_at", sort_dirs="asc", marker="", limit=100, oldest=True
    )
    async with await open_backend(db) as api:
        cases = (
            (
                "task-list --filter state=ERROR",
                TASK_FIELDS,
                Filter("state", "eq", "ERROR"),
                api.page_tasks,
                lambda: api.list_tasks(None, limit=None),
            ),
            (
                "action-execution-list --filter accepted=true",
                ACTION_EXECUTION_FIELDS,
                Filter("accepted", "eq", "true"),
                api.page_action_executions,
                lambda: api.list_action_executions(None, limit=None),
            ),
        )
        for name, fields, wanted, page, whole in cases:
            sql = Page(filters=(wanted,), limit=100, columns=fields)
            in_memory = argparse.Namespace(
                **vars(options), filters=[f"{wanted.column}={wanted.value}"]
            )
            paged = await timed(runs, page, sql)
            chosen = await timed(runs, aschosen, whole, in_memory)
            print(
                f"{name} (100 rows): SQL page {paged:.0f} ms, whole list in memory {chosen:.0f} ms"
            )


async def aschosen(whole, options) -> list:
    return choose(await whole(), options)


async def timed(runs: int, read, *args) -> float:
    """The median milliseconds of `await read(*args)`, which must give one page of 100."""
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        rows = await read(*args)
        times.append(time.perf_counter() - began)
        assert len(rows) == 100, len(rows)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "state.sqlite"
        build(db, args.tasks)
        asyncio.run(measure(db, args.runs))


if __name__ == "__main__":
    main()
