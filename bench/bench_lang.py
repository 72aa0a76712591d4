"""How long engine.lang takes to parse and validate workbooks, and to store them too.

Figures are medians of several runs; the store figures open a fresh state file per run.

    python3 bench/bench_lang.py [--runs N]

Cases: the 14 TripleO corpus workbooks; one workflow of 1,000 chained tasks, each with a
publish and a guarded transition (idiomatic repeated expressions, and a worst case where all
3,000 expressions differ so each is validated on its own); a 200-task fan-out joined by one task.
Validation runs YAQL's parser only on what `yaql_surely_valid()` cannot prove valid.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import yaml

from engine.api.embedded import EmbeddedBackend
from engine.expr.syntax import yaql_engine
from engine.lang import parse_workbook

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "tripleo-common"


def chain_workbook(size: int, *, distinct: bool) -> str:
    """A chain where each task publishes and moves on under a guard.

    distinct: every expression differs (names the task), so each one is validated on its own;
    otherwise the idiomatic `task()` / `$.last` forms repeat and are compiled once.
    """
    lines = ["version: '2.0'", "name: bench.chain", "workflows:", "  chain:", "    tasks:"]
    for index in range(size):
        if distinct:
            output = f"<% $.get('v{index - 1}', 0) + {index} %>"
            publish = f"v{index}: <% task(t{index}).result %>"
            guard = f"<% $.v{index} >= 0 %>"
        else:
            output, publish, guard = str(index), "last: <% task().result %>", "<% $.last >= 0 %>"
        lines += [
            f"      t{index}:",
            f"        action: std.echo output={output}",
            "        publish:",
            f"          {publish}",
        ]
        if index + 1 < size:
            lines += ["        on-success:", f"          - t{index + 1}: {guard}"]
    return "\n".join(lines) + "\n"


def fan_out_workbook(width: int) -> str:
    lines = ["version: '2.0'", "name: bench.fan", "workflows:", "  fan:", "    tasks:"]
    lines += ["      start:", "        on-success:"]
    lines += [f"          - branch{index}" for index in range(width)]
    for index in range(width):
        lines += [
            f"      branch{index}:",
            f"        action: std.echo output={index}",
            "        publish:",
            f"          r{index}: <% task(branch{index}).result %>",
            "        on-success: gather",
        ]
    lines += ["      gather:", "        join: all", "        action: std.noop"]
    return "\n".join(lines) + "\n"


def measure(work: Callable[[], object], runs: int) -> tuple[float, float]:
    """(median wall-clock ms, fastest CPU ms): the CPU figure is steadier on a busy machine."""
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        work()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return statistics.median(wall), min(cpu)


def store_all(documents: list[tuple[str, str]]) -> None:
    """Parse, validate and store `documents` through the api into a new state file."""

    async def run() -> None:
        with tempfile.TemporaryDirectory() as folder:
            api = await EmbeddedBackend.open(
                Path(folder) / "state.sqlite", workbooks_folder=Path(folder)
            )
            try:
                for name, text in documents:
                    await api.create_workbook(text, name)
            finally:
                await api.close()

    asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs
    corpus = [(path.name, path.read_text()) for path in sorted(CORPUS.glob("*.yaml"))]
    distinct = chain_workbook(1000, distinct=True)
    expressions = set(re.findall(r"<%(.*?)%>", distinct))
    cases = {
        f"corpus: {len(corpus)} TripleO workbooks": lambda: [
            parse_workbook(text, name) for name, text in corpus
        ],
        "chain: 1,000 tasks, repeated expressions": partial(
            parse_workbook, chain_workbook(1000, distinct=False)
        ),
        f"chain: 1,000 tasks, {len(expressions):,} distinct expressions": partial(
            parse_workbook, distinct
        ),
        "fan-out: 200 tasks joined by one": partial(parse_workbook, fan_out_workbook(200)),
    }
    stored = {
        f"corpus: {len(corpus)} TripleO workbooks": partial(store_all, corpus),
        "chain: 1,000 tasks, repeated expressions": partial(
            store_all, [("chain", chain_workbook(1000, distinct=False))]
        ),
        "fan-out: 200 tasks joined by one": partial(store_all, [("fan", fan_out_workbook(200))]),
    }
    baselines = {
        "PyYAML C safe_load alone, chain (repeated)": partial(
            yaml.load, chain_workbook(1000, distinct=False), Loader=yaml.CSafeLoader
        ),
        f"YAQL parse alone of the {len(expressions):,} distinct": lambda: [
            yaql_engine()(text.strip()) for text in expressions
        ],
    }
    parse_workbook(chain_workbook(10, distinct=True))  # warm imports and YAQL's tables
    print(f"engine.lang parse + validate ({runs} runs): median wall ms, fastest CPU ms")
    for label, work in cases.items():
        wall, cpu = measure(work, runs)
        print(f"  {label:48} {wall:8.1f} {cpu:8.1f}")
    print("parse + validate + store in a new state file (includes opening it):")
    for label, work in stored.items():
        wall, cpu = measure(work, runs)
        print(f"  {label:48} {wall:8.1f} {cpu:8.1f}")
    print("for scale, the libraries alone:")
    for label, work in baselines.items():
        wall, cpu = measure(work, runs)
        print(f"  {label:48} {wall:8.1f} {cpu:8.1f}")


if __name__ == "__main__":
    main()
