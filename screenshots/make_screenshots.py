"""Make the SVG screenshots in this folder from the real console against the Ironic sandbox.

    python3 screenshots/make_screenshots.py

Brings the sandbox up if it is not running (and down again after), opens the console on a
fresh state file, runs a few example workflows and takes one screenshot per pane, of the run
form, of an execution's output, of a failed execution's error view and task graph, of a
tagging in progress, of a node's details and of the form that registers an instackenv.json.
The tagging and the details use two nodes of its own, enrolled for it and deleted after; the
register form is shown, not sent: the sandbox's other nodes are left as they were.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from engine import clouds, sandbox  # noqa: E402
from engine.sandbox.service import ironic_client  # noqa: E402
from tripleo_tui.app import TripleoTuiApp  # noqa: E402
from tripleo_tui.screens.execution import ExecutionScreen  # noqa: E402
from tripleo_tui.screens.failure import FailureScreen  # noqa: E402
from tripleo_tui.screens.graph import GraphScreen  # noqa: E402
from tripleo_tui.screens.node import NodeScreen  # noqa: E402
from tripleo_tui.screens.profile import ProfileScreen  # noqa: E402
from tripleo_tui.screens.register import RegisterScreen  # noqa: E402
from tripleo_tui.screens.run_form import RunFormScreen  # noqa: E402

SIZE = (120, 36)
PROFILE = "compute"
FAILING = """\
version: '2.0'
name: screenshots.deploy
workflows:
  provide_nodes:
    tasks:
      check_nodes:
        action: std.noop
        on-success: [provide]
        on-error: [report_failure]
      provide:
        action: std.fail
        input:
          error_data: 'Node compute-3 cannot be provided in state "available". (HTTP 400)'
        on-success: [notify]
        on-error: [report_failure]
      notify:
        action: std.noop
      report_failure:
        action: std.echo output="provide failed"
        on-complete:
          - fail
"""


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
    client = ironic_client(sandbox.find_endpoint())
    suffix = uuid.uuid4().hex[:4]
    own = [
        client.node.create(
            name=f"shots-{suffix}-{index}",
            driver="fake-hardware",
            resource_class="baremetal",
            properties={
                "cpus": 16,
                "memory_mb": 65536,
                "local_gb": 200,
                "cpu_arch": "x86_64",
                "capabilities": "boot_option:local",
            },
            driver_info={"ipmi_address": f"192.0.2.{index}", "ipmi_password": "masked"},
        ).uuid
        for index in (1, 2)
    ]
    try:
        await take_all(own)
    finally:
        for node_uuid in own:
            client.node.delete(node_uuid)
        if started:
            sandbox.down()


def instackenv(folder: Path) -> Path:
    """An instackenv.json of three nodes, for the register form (never sent)."""
    nodes = [
        {
            "name": f"compute-{index}",
            "pm_type": "ipmi",
            "pm_addr": f"192.0.2.{20 + index}",
            "pm_user": "admin",
            "pm_password": "not shown",
            "mac": [f"52:54:00:12:34:{index:02x}"],
            "capabilities": "profile:compute,boot_option:local",
        }
        for index in range(3)
    ]
    path = folder / "instackenv.json"
    path.write_text(json.dumps({"nodes": nodes}, indent=2))
    return path


async def take_all(own_nodes: list[str]) -> None:
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

        # A tagging in progress: this script's own two nodes.
        await wait_for(pilot, lambda: all(uuid in nodes.table.rows for uuid in own_nodes))
        for node_uuid in own_nodes:
            nodes.table.move_cursor(row=nodes.table.get_row_index(node_uuid), animate=False)
            await pilot.press("space")
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen))
        await pilot.press(*PROFILE, "enter")
        await wait_for(pilot, lambda: nodes.following)
        await shoot(pilot, "tagging")
        await wait_for(pilot, lambda: not nodes.following)
        app.clear_notifications()

        nodes.table.move_cursor(row=nodes.table.get_row_index(own_nodes[0]), animate=False)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, NodeScreen) and app.screen.details)
        await shoot(pilot, "node_details")
        await pilot.press("escape")

        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, RegisterScreen))
        app.screen.query_one("#path").value = str(instackenv(state.parent))
        await wait_for(pilot, lambda: app.screen.nodes)
        await shoot(pilot, "register_nodes")
        await pilot.press("escape")

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

        await app.api.create_workbook(FAILING)
        failed = await app.start_execution("screenshots.deploy.provide_nodes", {})
        executions = app.pane("executions").executions
        await wait_for(pilot, lambda: getattr(executions.get(failed), "state", "") == "ERROR")
        app.clear_notifications()
        app.open_execution(failed)
        await wait_for(pilot, lambda: isinstance(app.screen, ExecutionScreen) and app.screen.tasks)
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, GraphScreen) and app.screen.graph)
        app.clear_notifications()  # the failure's toast
        await shoot(pilot, "task_graph")
        await pilot.press("escape", "e")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, FailureScreen)
                and "std.fail" in app.screen.query_one("#failure").text
            ),
        )
        app.clear_notifications()
        await shoot(pilot, "error_view")


if __name__ == "__main__":
    asyncio.run(main())
