"""SVG snapshots of the main screens (pytest --snapshot-update rewrites them after a change
that is meant). The state file has fixed ids and times (snapshot_state); no endpoint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.tui.conftest import wait_for
from tests.tui.snapshot_state import fixed_id, make_state
from tripleo_tui.app import TripleoTuiApp

WIDE = (120, 36)
SMALL = (80, 24)


@pytest.fixture
def snapshot_app(tmp_path, no_endpoint, no_blink):
    path = tmp_path / "state.sqlite"
    make_state(path)
    return TripleoTuiApp(path)


async def loaded(pilot) -> None:
    """Every pane has its rows and the endpoint is known."""
    app = pilot.app
    await wait_for(pilot, lambda: app.api_ready.is_set(), "the api")
    await wait_for(pilot, lambda: len(app.pane("executions").executions) == 5, "executions")
    await wait_for(pilot, lambda: app.pane("messages").messages, "messages")
    await wait_for(pilot, lambda: app.pane("nodes").loaded.is_set(), "nodes")
    await wait_for(pilot, lambda: "No bare-metal" in app.status.endpoint, "endpoint")
    await pilot.pause()


def keys_then(*keys: str, until=None):
    async def run_before(pilot) -> None:
        await loaded(pilot)
        await pilot.press(*keys)
        if until is not None:
            await wait_for(pilot, lambda: until(pilot.app), "the screen")
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    return run_before


def test_workbooks(snap_compare, snapshot_app):
    assert snap_compare(snapshot_app, terminal_size=WIDE, run_before=keys_then())


def test_workflows_at_80x24(snap_compare, snapshot_app):
    assert snap_compare(snapshot_app, terminal_size=SMALL, run_before=keys_then("2"))


def test_executions(snap_compare, snapshot_app):
    assert snap_compare(snapshot_app, terminal_size=WIDE, run_before=keys_then("3"))


def test_executions_at_80x24(snap_compare, snapshot_app):
    assert snap_compare(snapshot_app, terminal_size=SMALL, run_before=keys_then("3"))


def test_executions_at_200x50(snap_compare, snapshot_app):
    assert snap_compare(snapshot_app, terminal_size=(200, 50), run_before=keys_then("3"))


def test_executions_filtered(snap_compare, snapshot_app):
    run_before = keys_then("3", "slash", *"hello")
    assert snap_compare(snapshot_app, terminal_size=WIDE, run_before=run_before)


def test_execution_tasks(snap_compare, snapshot_app):
    def opened(app):
        return getattr(app.screen, "tasks", None) and app.screen.execution_id == fixed_id(3)

    failure_shown = keys_then(
        "3", "down", "down", "enter", until=lambda app: app.screen.query("#failure")
    )

    async def run_before(pilot) -> None:  # enter on an ERROR row: why it failed, over it
        await failure_shown(pilot)
        await pilot.press("escape")
        await wait_for(pilot, lambda: opened(pilot.app), "the execution")
        await pilot.pause()

    assert snap_compare(snapshot_app, terminal_size=WIDE, run_before=run_before)


def test_execution_output(snap_compare, snapshot_app):
    def output_shown(app):
        screen = app.screen
        return getattr(screen, "execution", None) and screen.execution.output

    async def run_before(pilot) -> None:
        await keys_then("3", "enter", until=output_shown)(pilot)
        pilot.app.screen.query_one("#parts").active = "tab-output"
        await pilot.pause()

    assert snap_compare(snapshot_app, terminal_size=WIDE, run_before=run_before)


def test_nodes_without_endpoint(snap_compare, snapshot_app):
    assert snap_compare(snapshot_app, terminal_size=SMALL, run_before=keys_then("4"))


def test_messages(snap_compare, snapshot_app):
    assert snap_compare(snapshot_app, terminal_size=WIDE, run_before=keys_then("5"))


def test_run_form_with_an_error(snap_compare, snapshot_app):
    def form(app):
        return type(app.screen).__name__ == "RunFormScreen"

    run_before = keys_then("2", "slash", *"wait_and", "enter", "r", until=form)

    async def with_error(pilot) -> None:
        await run_before(pilot)
        pilot.app.screen.query_one("#field-0").value = "soon"
        await pilot.press("ctrl+r")
        await pilot.pause()

    assert snap_compare(snapshot_app, terminal_size=SMALL, run_before=with_error)


def test_help(snap_compare, snapshot_app):
    assert snap_compare(snapshot_app, terminal_size=WIDE, run_before=keys_then("question_mark"))


def test_failure_view(snap_compare, snapshot_app):
    def shown(app):
        area = app.screen.query("#failure")
        return area and "task parse" in area.first().text

    run_before = keys_then("3", "down", "down", "e", until=shown)
    assert snap_compare(snapshot_app, terminal_size=SMALL, run_before=run_before)


def test_task_graph(snap_compare, snapshot_app):
    def drawn(app):
        graph = app.screen.query("#graph")
        return graph and "wait_and_echo" in str(graph.first().content)

    run_before = keys_then("3", "down", "down", "down", "enter", "g", until=drawn)
    assert snap_compare(snapshot_app, terminal_size=SMALL, run_before=run_before)


def test_register_form(snap_compare, snapshot_app):
    nodes = [
        {"name": f"compute-{index}", "pm_type": "ipmi", "pm_addr": f"192.0.2.{index}",
         "pm_user": "admin", "pm_password": "not shown", "mac": [f"52:54:00:00:00:0{index}"]}
        for index in range(3)
    ]  # fmt: skip
    Path("instackenv.json").write_text(json.dumps({"nodes": nodes}))  # in the test's own folder

    async def run_before(pilot) -> None:
        await keys_then("4", "i", until=lambda app: app.screen.query("#found"))(pilot)
        pilot.app.screen.query_one("#path").value = "instackenv.json"
        found = pilot.app.screen.query_one("#found")
        await wait_for(pilot, lambda: "3 nodes" in str(found.render()), "the nodes listed")
        await pilot.pause()

    assert snap_compare(snapshot_app, terminal_size=SMALL, run_before=run_before)
