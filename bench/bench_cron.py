"""Cron triggers at scale: what 1,000 triggers cost the engine's event loop.

    python3 bench/bench_cron.py [--triggers N]

On a fresh state file, in one process (the engine's clock moved by the bench, so nothing waits
for a real minute): the time to create N triggers; one scheduler look with none due (the
queries each wake-up makes, at most every LOOK_EVERY seconds); then all N due at once: the time
until every one has fired (its execution committed and its trigger advanced) and the event
loop's longest stall meanwhile, measured by a ticker that asks for 10 ms sleeps, beside the
longest full garbage collection then (it pauses the whole process), the same ticker while
nothing fires (the machine's own noise), and the same number of executions started directly.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from loop_hold import longest_hold  # noqa: E402 (bench/, beside this script)

from engine.api.embedded import EmbeddedBackend  # noqa: E402
from engine.core import cron  # noqa: E402
from engine.runtime.scheduler import LOOK_EVERY  # noqa: E402
from engine.store import cron_triggers  # noqa: E402

WORKBOOK = """\
version: '2.0'
name: cron_bench
workflows:
  tick:
    input: [n]
    tasks:
      noop:
        action: std.noop
"""


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


class FullCollections:
    """The longest full (generation 2) garbage collection since `reset()`: a pause of the
    whole process, whatever the loop was doing."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._began = 0.0
        gc.callbacks.append(self._seen)

    def reset(self) -> None:
        self.longest = 0.0

    def _seen(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._began = time.perf_counter()
        elif info["generation"] == 2:
            self.longest = max(self.longest, time.perf_counter() - self._began)


COLLECTIONS = FullCollections()


async def stalled(work) -> tuple[float, float, float]:
    """Seconds `work` takes, the loop's longest stall meanwhile, and the longest full garbage
    collection among them."""
    stop = asyncio.Event()
    ticker = asyncio.create_task(longest_hold(stop))
    COLLECTIONS.reset()
    started = time.perf_counter()
    await work
    took = time.perf_counter() - started
    stop.set()
    return took, await ticker, COLLECTIONS.longest


async def all_fired(api: EmbeddedBackend, now: str) -> None:
    while await cron_triggers.due_cron_triggers(api.store, now, 1):
        await asyncio.sleep(0.01)


async def start_directly(api: EmbeddedBackend, count: int) -> None:
    for first in range(0, count, 100):
        numbers = range(first, min(first + 100, count))
        await asyncio.gather(*(api.start_execution("cron_bench.tick", {"n": n}) for n in numbers))


async def bench(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        clock = Clock()
        api = await EmbeddedBackend.open(Path(folder) / "state.db", workbooks_folder=Path(folder))
        await api.create_workbook(WORKBOOK)
        engine = await api.start_engine(clock=clock)
        try:
            started = time.perf_counter()
            for number in range(count):
                await api.create_cron_trigger(
                    f"t{number}", "cron_bench.tick", {"n": number}, pattern="0 * * * *"
                )
            created = time.perf_counter() - started
            each = created / count * 1000
            print(f"create {count} triggers: {created:.2f} s ({each:.1f} ms each)")

            looks = []
            for _ in range(20):
                started = time.perf_counter()
                await engine.cron._fire_due()
                looks.append(time.perf_counter() - started)
            print(
                f"one scheduler look, none due ({count} triggers; at most every "
                f"{LOOK_EVERY:g} s): median {statistics.median(looks) * 1000:.2f} ms"
            )

            await api.start_execution("cron_bench.tick", {"n": -1})  # its spec parsed once
            _, idle, _ = await stalled(asyncio.sleep(2))
            print(f"longest event-loop stall with nothing to do, for 2 s: {idle * 1000:.0f} ms")

            clock.now += 3600
            engine.cron.wake()
            now = cron.utc(clock.now).strftime(cron.TIME_FORMAT)
            fired, worst, collection = await stalled(all_fired(api, now))
            print(
                f"fire {count} due at once: {fired:.2f} s until all fired, longest event-loop "
                f"stall {worst * 1000:.0f} ms (longest full GC {collection * 1000:.0f} ms)"
            )
            started, worst, collection = await stalled(start_directly(api, count))
            print(
                f"the same {count} starts through start_execution (100 at a time), for "
                f"comparison: {started:.2f} s, longest stall {worst * 1000:.0f} ms (longest "
                f"full GC {collection * 1000:.0f} ms)"
            )
        finally:
            await api.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triggers", type=int, default=1000)
    asyncio.run(bench(parser.parse_args().triggers))


if __name__ == "__main__":
    main()
