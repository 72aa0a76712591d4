"""How fast the console paints and answers with 10,000 executions and 1,000 nodes.

    python3 bench/bench_tui.py [--executions N] [--nodes N] [--runs N]

The state file gets real executions run by the engine, cloned to N rows (new ids and times).
Nodes come from a recorded list of N nodes fed through the Nodes pane's own code path
(`tripleo_tui.nodes.list_nodes`) instead of a live Ironic, so the figure is the console's.

The app runs headless at 120x40: it lays out and renders every frame as on a terminal, without
writing the bytes. "Paint" is the first screen update written while the state the test waits
for holds (the app's `_display` hook). Times are medians of --runs.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import os
import resource
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

from textual import events

from engine.api.embedded import EmbeddedBackend
from engine.core import states
from tripleo_tui.app import TripleoTuiApp

SIZE = (120, 40)
REPEAT = 10
LOAD_ITEMS = 1000
SEED_RUNS = 20  # real executions, copied to the wanted count
LOAD_WORKBOOK = """
version: '2.0'
name: bench_tui_load
workflows:
  items:
    input: [items]
    tasks:
      each:
        with-items: item in <% $.items %>
        action: std.echo output=<% $.item %>
"""


# ---- data ----------------------------------------------------------------------------------


def seed_run(index: int) -> tuple[str, dict]:
    """The workflow (of tripleo.examples.v1) and input of the index-th real run, of the
    SEED_RUNS that the copies are made from."""
    if index % 2:
        return "tripleo.examples.v1.hello", {"name": f"op{index}"}
    return "tripleo.examples.v1.wait_and_echo", {"seconds": 0}


async def _seed(path: Path) -> None:
    api = await EmbeddedBackend.open(path)
    try:
        for index in range(SEED_RUNS):
            started = await api.start_execution(*seed_run(index))
            await api.wait_execution(started.id, timeout=30)
    finally:
        await api.close()


def make_state(path: Path, executions: int) -> None:
    """`executions` rows: SEED_RUNS real runs, then copies with fresh ids and later times."""
    asyncio.run(_seed(path))
    conn = sqlite3.connect(path)
    with conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(workflow_executions)")]
        others = ", ".join(column for column in columns if column not in ("id", "created_at"))
        rows = conn.execute("SELECT rowid FROM workflow_executions").fetchall()
        for number in range(executions - len(rows)):
            (source,) = rows[number % len(rows)]
            created = (
                f"2026-01-01 {number // 3600 % 24:02d}:{number // 60 % 60:02d}:{number % 60:02d}"
            )
            conn.execute(
                f"INSERT INTO workflow_executions (id, created_at, {others})"
                f" SELECT ?, ?, {others} FROM workflow_executions WHERE rowid = ?",
                (str(uuid.uuid4()), created, source),
            )
    conn.close()


def recorded_nodes(count: int) -> list[SimpleNamespace]:
    """Nodes shaped as python-ironicclient returns them for the Nodes pane's fields."""
    roles = ("control", "compute", "ceph-storage")
    return [
        SimpleNamespace(
            uuid=str(uuid.UUID(int=index + 1)),
            name=f"{roles[index % 3]}-{index}",
            instance_uuid=None if index % 4 else str(uuid.UUID(int=10**6 + index)),
            power_state="power on" if index % 4 == 0 else "power off",
            provision_state="active" if index % 4 == 0 else "available",
            target_provision_state=None,
            maintenance=index % 50 == 0,
            properties={"capabilities": f"profile:{roles[index % 3]},boot_option:local"},
            last_error=None,
        )
        for index in range(count)
    ]


class RecordedIronic:
    """Answers `node.list(fields=..., limit=0)` with the recorded nodes."""

    def __init__(self, nodes: list[SimpleNamespace]) -> None:
        self.node = SimpleNamespace(list=lambda **_: nodes)


# ---- measuring -----------------------------------------------------------------------------


class Paints:
    """Timestamps of the app's screen updates."""

    def __init__(self, app: TripleoTuiApp) -> None:
        self.times: list[float] = []
        self._waiting: list[tuple[Callable[[], bool], asyncio.Future]] = []
        original = app._display

        def display(screen, renderable) -> None:
            original(screen, renderable)
            if renderable is not None:
                now = time.perf_counter()
                self.times.append(now)
                for condition, painted in self._waiting:
                    if not painted.done() and condition():
                        painted.set_result(now)

        app._display = display

    async def after(self, condition: Callable[[], bool], timeout: float = 60.0) -> float:
        """The time of the first paint made while `condition()` holds. It is checked as each
        frame is written: a task polling for it may first run after that frame (it shares the
        event loop) and would count the frame after."""
        waiting = (condition, asyncio.get_running_loop().create_future())
        self._waiting.append(waiting)
        try:
            return await asyncio.wait_for(waiting[1], timeout)
        finally:
            self._waiting.remove(waiting)


async def key_to_paint(app: TripleoTuiApp, paints: Paints, key: str, done: Callable[[], bool]):
    started = time.perf_counter()
    app._driver.send_message(events.Key(key, key if len(key) == 1 else None))
    return await paints.after(done) - started


async def filled_at(pane, rows: int) -> float:
    """When the pane's table first holds `rows` rows (it loads as the console starts)."""
    while pane.table.row_count < rows:
        await asyncio.sleep(0.001)
    return time.perf_counter()


def cpu_now() -> tuple[float, float]:
    """CPU seconds so far: the calling thread's (the console's loop), and the whole
    process's (with the engine's conductor and store threads)."""
    return time.thread_time(), time.process_time()


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


async def one_run(path: Path, nodes: list[SimpleNamespace], executions: int) -> dict[str, float]:
    figures: dict[str, float] = {}
    started = time.perf_counter()
    app = TripleoTuiApp(path, ironic_client=lambda: RecordedIronic(nodes))
    paints = Paints(app)
    async with app.run_test(size=SIZE) as pilot:
        executions_pane, nodes_pane = app.pane("executions"), app.pane("nodes")
        nodes_filled = asyncio.create_task(filled_at(nodes_pane, len(nodes)))
        figures["first paint of the console (s)"] = paints.times[0] - started
        table = executions_pane.table
        await app.api_ready.wait()
        app._driver.send_message(events.Key("3", "3"))  # no pilot: it waits for idle
        figures["first paint of executions rows (s)"] = (
            await paints.after(lambda: table.row_count > 0) - started
        )
        await table.filled.wait()
        figures[f"all {executions} executions in the table (s)"] = time.perf_counter() - started
        assert table.row_count == executions, table.row_count

        await asyncio.sleep(0.5)
        tabs = app.screen.query_one("#panes")

        async def measure(name: str, key: str, done_for: Callable[[], Callable[[], bool]]):
            """`key` pressed REPEAT times: the median and the worst, in ms."""
            times = []
            for _ in range(REPEAT):
                done = done_for()
                times.append(1000 * await key_to_paint(app, paints, key, done))
                await asyncio.sleep(0.15)
            figures[f"key: {name}, median (ms)"] = statistics.median(times)
            figures[f"key: {name}, worst of {REPEAT} (ms)"] = max(times)

        def row_moved():
            row = table.cursor_row
            return lambda: table.cursor_row != row

        await measure("cursor down", "down", row_moved)  # newest first: the cursor starts on top
        await measure("page down", "pagedown", row_moved)

        async def filter_letter(letter: str) -> float:
            app._driver.send_message(events.Key("slash", "/"))
            await asyncio.sleep(0.2)
            started = time.perf_counter()
            app._driver.send_message(events.Key(letter, letter))
            painted = await paints.after(lambda: table.filter_text == letter and table.row_count)
            app._driver.send_message(events.Key("escape", None))
            await table.filled.wait()
            await asyncio.sleep(0.3)
            return 1000 * (painted - started)

        letters = [await filter_letter(letter) for letter in "weolhrwa"[: REPEAT // 2 + 1]]
        figures["key: filter letter over 10k rows, median (ms)"] = statistics.median(letters)
        figures["key: filter letter over 10k rows, worst (ms)"] = max(letters)

        def pane_is(name: str):
            return lambda: lambda: tabs.active == f"tab-{name}"

        switches = []
        for _ in range(REPEAT):
            for key, name in (("4", "nodes"), ("3", "executions")):
                done = pane_is(name)()
                switches.append(1000 * await key_to_paint(app, paints, key, done))
                await asyncio.sleep(0.15)
        figures["key: switch pane (3<->4), median (ms)"] = statistics.median(switches)
        figures[f"key: switch pane (3<->4), worst of {len(switches)} (ms)"] = max(switches)
        figures[f"all {len(nodes)} nodes in the table (s)"] = await nodes_filled - started

        await pilot.press("4")
        await asyncio.sleep(0.3)

        def marks_changed():
            before = set(nodes_pane.marked)
            return lambda: nodes_pane.marked != before

        await measure("mark a node", "space", marks_changed)
        figures["RSS after loading (MB)"] = rss_mb()
        await keys_while_the_engine_works(app, paints, figures)
    return figures


async def keys_while_the_engine_works(app: TripleoTuiApp, paints: Paints, figures: dict) -> None:
    """Pane switches while the console's own engine runs 1,000-task executions, one after
    another: the engine shares the event loop with the screen."""
    await app.api.create_workbook(LOAD_WORKBOOK)
    tabs = app.screen.query_one("#panes")
    executions = app.pane("executions").executions
    switches: list[float] = []
    used: list[tuple[float, float]] = []  # CPU ms during each switch: this thread, all
    runs: list[float] = []
    panes = itertools.cycle((("4", "nodes"), ("3", "executions")))
    while len(switches) < 2 * REPEAT:
        started = time.perf_counter()
        execution_id = await app.start_execution(
            "bench_tui_load.items", {"items": list(range(LOAD_ITEMS))}
        )
        while not states.is_completed(getattr(executions.get(execution_id), "state", "IDLE")):
            if len(switches) < 2 * REPEAT:
                key, name = next(panes)
                active = lambda name=name: tabs.active == f"tab-{name}"  # noqa: E731
                thread, process = cpu_now()
                switches.append(1000 * await key_to_paint(app, paints, key, active))
                thread_now, process_now = cpu_now()
                used.append((1000 * (thread_now - thread), 1000 * (process_now - process)))
            await asyncio.sleep(0.05)
        assert executions[execution_id].state == states.SUCCESS, executions[execution_id]
        runs.append(time.perf_counter() - started)
    figures[f"{LOAD_ITEMS}-task execution run in the console (s)"] = statistics.median(runs)
    figures["key: switch pane while it runs, median (ms)"] = statistics.median(switches)
    figures[f"key: switch pane while it runs, worst of {len(switches)} (ms)"] = max(switches)
    # On a shared machine a slow key may be others' load: the CPU used meanwhile says what it
    # cost here (the console's thread; all threads: the engine's conductor and store too).
    worst = used[switches.index(max(switches))]
    for at, whose in enumerate(("console thread", "all threads")):
        figures[f"  CPU during a key, {whose}, median (ms)"] = statistics.median(
            cpu[at] for cpu in used
        )
        figures[f"  CPU during the worst key, {whose} (ms)"] = worst[at]


def run_in_process(path: Path, nodes: list[SimpleNamespace], executions: int) -> dict:
    figures = asyncio.run(one_run(path, nodes, executions))
    figures["peak RSS of the console process (MB)"] = (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executions", type=int, default=10_000)
    parser.add_argument("--nodes", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.environ["TRIPLEO_TUI_SANDBOX_DIR"] = tempfile.mkdtemp()  # the recorded nodes only
    for name in [name for name in os.environ if name.startswith("OS_")]:
        del os.environ[name]
    folder = Path(tempfile.mkdtemp(prefix="bench-tui-"))
    template = folder / "template.sqlite"
    print(f"preparing {args.executions} executions ...", flush=True)
    # In another process, so this one starts as the console does: nothing imported or cached.
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        pool.apply(make_state, (template, args.executions))
    nodes = recorded_nodes(args.nodes)
    os.environ.pop("TRIPLEO_TUI_DB", None)
    results: dict[str, list[float]] = {}
    for run in range(args.runs):
        path = folder / f"run{run}.sqlite"
        path.write_bytes(template.read_bytes())
        # Each run in a new process: a cold start, and its own memory figures.
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            figures = pool.apply(run_in_process, (path, nodes, args.executions))
        for name, value in figures.items():
            results.setdefault(name, []).append(value)
    print(
        f"console, {args.executions} executions, {args.nodes} nodes, {SIZE[0]}x{SIZE[1]}, "
        f"median of {args.runs} runs:"
    )
    for name, values in results.items():
        print(
            f"  {name:48s} {statistics.median(values):9.3f}   (all: "
            + ", ".join(f"{value:.3f}" for value in values)
            + ")"
        )


if __name__ == "__main__":
    main()
