"""End-to-end engine benchmark on the exact workbooks Mistral 23 was timed with.

Each workload runs through the real engine (EmbeddedBackend -> engine loop -> SQLite state
file -> std actions) and prints the median wall time of 3 runs from `start_execution` to the
committed end, then the peak Python memory (tracemalloc) of one more run. Larger generated
variants of the same shapes (2x, 5x) show how time and memory grow with size.

    python bench/bench_engine.py [--workloads DIR] [--runs 3] [--no-scaling]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.api.embedded import EmbeddedBackend

DEFAULT_WORKLOADS = Path(__file__).resolve().parent / "workloads"
BENCH_FILES = ("bench_small", "bench_chain", "bench_items", "bench_fanout", "bench_fanout50")


@dataclass(frozen=True)
class Workload:
    label: str
    workflow: str
    input: dict[str, Any]
    mistral: str = ""  # Mistral 23's median from bench/workloads/README.md
    target: float | None = None  # seconds


def items(count: int) -> dict[str, Any]:
    return {"items": list(range(count))}


EXACT = (
    Workload("bench_small.small", "bench_small.small", {}, "0.32 s"),
    Workload("chain100", "bench_chain.chain100", {}, "11.8 s", 0.15),
    Workload("items (1000)", "bench_items.items", items(1000), "40.3 s", 0.3),
    Workload("items_c10 (1000)", "bench_items.items_c10", items(1000), "120-227 s", 0.3),
    Workload("fanout200 + join all", "bench_fanout.fanout200", {}, "425-430 s", 0.2),
    Workload("fanout50 + join all", "bench_fanout50.fanout50", {}, "11.4 s"),
)


def chain_workbook(length: int) -> str:
    """bench_chain's shape with `length` tasks."""
    lines = ["version: '2.0'", f"name: gen_chain{length}", "workflows:", "  chain:", "    tasks:"]
    for number in range(1, length + 1):
        lines += [f"      t{number:04}:", "        action: std.noop"]
        if number < length:
            lines.append(f"        on-success: t{number + 1:04}")
    return "\n".join(lines) + "\n"


def fanout_workbook(width: int) -> str:
    """bench_fanout's shape with `width` parallel tasks."""
    names = [f"p{number:04}" for number in range(1, width + 1)]
    lines = ["version: '2.0'", f"name: gen_fanout{width}", "workflows:", "  fanout:", "    tasks:"]
    lines += ["      start:", "        action: std.noop", "        on-success:"]
    lines += [f"          - {name}" for name in names]
    for name in names:
        lines += [f"      {name}:", "        action: std.noop", "        on-success: join_all"]
    lines += ["      join_all:", "        join: all", "        action: std.noop"]
    return "\n".join(lines) + "\n"


SCALED: tuple[tuple[str, Callable[[], str] | None, Workload], ...] = (
    ("", None, Workload("items x2 (2000)", "bench_items.items", items(2000))),
    ("", None, Workload("items x5 (5000)", "bench_items.items", items(5000))),
    ("", None, Workload("items_c10 x2 (2000)", "bench_items.items_c10", items(2000))),
    ("", None, Workload("items_c10 x5 (5000)", "bench_items.items_c10", items(5000))),
    ("chain200", lambda: chain_workbook(200), Workload("chain x2 (200)", "gen_chain200.chain", {})),
    ("chain500", lambda: chain_workbook(500), Workload("chain x5 (500)", "gen_chain500.chain", {})),
    (
        "fanout400",
        lambda: fanout_workbook(400),
        Workload("fanout x2 (400)", "gen_fanout400.fanout", {}),
    ),
    (
        "fanout1000",
        lambda: fanout_workbook(1000),
        Workload("fanout x5 (1000)", "gen_fanout1000.fanout", {}),
    ),
)


async def run_once(api: EmbeddedBackend, workload: Workload) -> float:
    started = time.perf_counter()
    execution = await api.start_execution(workload.workflow, workload.input)
    done = await api.wait_execution(execution.id, timeout=600)
    elapsed = time.perf_counter() - started
    if done.state != "SUCCESS":
        raise SystemExit(f"{workload.label}: ended {done.state}: {done.state_info}")
    return elapsed


async def peak_memory(api: EmbeddedBackend, workload: Workload) -> float:
    """Peak Python allocation (MiB) above the level before the run."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    await run_once(api, workload)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return (peak - base) / (1 << 20)


async def measure(api: EmbeddedBackend, workload: Workload, runs: int) -> tuple[float, float]:
    await run_once(api, workload)  # warm-up: parse caches, imports
    times = [await run_once(api, workload) for _ in range(runs)]
    return statistics.median(times), await peak_memory(api, workload)


def row(workload: Workload, seconds: float, mib: float) -> str:
    verdict = ""
    if workload.target is not None:
        verdict = "ok" if seconds < workload.target else f"SLOW (target {workload.target} s)"
    return (
        f"{workload.label:26} {seconds * 1000:9.1f} ms {mib:8.2f} MiB  "
        f"{workload.mistral:>10}  {verdict}"
    )


async def main(workloads: Path, runs: int, scaling: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        api = await EmbeddedBackend.open(
            Path(folder) / "bench.db", workbooks_folder=Path(folder) / "none"
        )
        try:
            for name in BENCH_FILES:
                await api.create_workbook((workloads / f"{name}.yaml").read_text(), name)
            await api.start_engine()
            print(f"state file: {Path(folder) / 'bench.db'} (WAL, synchronous=NORMAL)")
            print(f"{'workload':26} {'median':>12} {'peak mem':>12}  {'Mistral 23':>10}")
            for workload in EXACT:
                print(row(workload, *await measure(api, workload, runs)), flush=True)
            if scaling:
                print("\nlarger variants of the same shapes (time and memory grow ~linearly)")
                for _, generate, workload in SCALED:
                    if generate is not None:
                        await api.create_workbook(generate(), workload.workflow)
                    print(row(workload, *await measure(api, workload, runs)), flush=True)
        finally:
            await api.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workloads", type=Path, default=DEFAULT_WORKLOADS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-scaling", dest="scaling", action="store_false")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.workloads, arguments.runs, arguments.scaling))
