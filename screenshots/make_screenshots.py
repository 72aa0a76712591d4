"""Make the SVG screenshots in this folder from the real console against the Ironic sandbox.

    python3 screenshots/make_screenshots.py

Brings the sandbox up if it is not running (and down again after), opens the console on a
fresh state file, runs a few example workflows and takes one screenshot per pane, of the run
form, of an execution's output and of a tagging in progress. The tagging gives two nodes the
profile they already have, so the sandbox is left as it was.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from engine import clouds, sandbox  # noqa: E402
from tripleo_tui.app import TripleoTuiApp  # noqa: E402
from tripleo_tui.screens.execution import ExecutionScreen  # noqa: E402
from tripleo_tui.screens.profile import ProfileScreen  # noqa: E402
from tripleo_tui.screens.run_form import RunFormScreen  # noqa: E402

SIZE = (120, 36)


async def wait_for(pilot, condition: Callable[[], object], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the console did not get there in time")
        await pilot.pause(0.05)


async def shoot(pilot, name: str) -> None:
    await pilot.wait_for_scheduled_animations()
    await pilot.pause(0.3)
    path = pilot.app.save_screenshot(filename=f"{name}.svg", path=str(HERE))
    print("wrote", path)


async def main() -> None:
    started = sandbox.find_endpoint() is None
    if started:
        print("starting the Ironic sandbox ...")
        sandbox.up(nodes=4)
    try:
        await take_all()
    finally:
        if started:
            sandbox.down()


async def take_all() -> None:
    for name in [name for name in os.environ if name.startswith("OS_")]:
        del os.environ[name]
    clouds.reset()
    state = Path(tempfile.mkdtemp(prefix="screenshots-")) / "state.sqlite"
    app = TripleoTuiApp(state)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.engine_ready.is_set())
        nodes = app.pane("nodes")
        await wait_for(pilot, lambda: nodes.loaded.is_set() and nodes.nodes)
        for seconds in (0, 1):
            await app.start_execution("tripleo.examples.v1.wait_and_echo", {"seconds": seconds})
        hello = await app.start_execution("tripleo.examples.v1.hello", {"name": "operator"})
        await app.start_execution("tripleo.examples.v1.wait_and_echo", {"seconds": 600})
        await wait_for(pilot, lambda: app.pane("executions").executions[hello].state == "SUCCESS")
        await pilot.pause(1.5)
        app.clear_notifications()

        await shoot(pilot, "workbooks")
        await pilot.press("2")
        await shoot(pilot, "workflows")
        await pilot.press("3")
        await shoot(pilot, "executions")
        await pilot.press("4")
        await shoot(pilot, "nodes")

        # A tagging in progress: two nodes of one profile, tagged with that same profile.
        by_profile: dict[str, list[str]] = {}
        for node in nodes.nodes.values():
            by_profile.setdefault(node.profile or "", []).append(node.uuid)
        profile, uuids = max(by_profile.items(), key=lambda item: len(item[1]))
        for uuid in uuids[:2]:
            nodes.table.move_cursor(row=nodes.table.get_row_index(uuid), animate=False)
            await pilot.press("space")
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen))
        await pilot.press(*profile, "enter")
        await wait_for(pilot, lambda: nodes.following)
        await shoot(pilot, "tagging")
        await wait_for(pilot, lambda: not nodes.following)
        app.clear_notifications()

        await pilot.press("2")
        app.open_run_form("tripleo.baremetal.v1.tag_node")
        await wait_for(pilot, lambda: isinstance(app.screen, RunFormScreen))
        await shoot(pilot, "run_form")
        await pilot.press("escape")

        app.open_execution(hello)
        await wait_for(pilot, lambda: isinstance(app.screen, ExecutionScreen) and app.screen.tasks)
        app.screen.query_one("#parts").active = "tab-output"
        await shoot(pilot, "execution_output")
        await pilot.press("escape", "5")
        await wait_for(pilot, lambda: app.pane("messages").messages)
        await shoot(pilot, "messages")


if __name__ == "__main__":
    asyncio.run(main())
