"""Our tripleo.baremetal.v1 workbook on a real Mistral 23 with mistral-extra (the sandbox):
tag_node runs there, its ironic.* actions reaching the sandbox Ironic through the target-cloud
headers the Mistral backend sends; also from the console's Nodes pane, which reads that Ironic
with the same credentials.

Nothing serves Zaqar on this machine, so Mistral's zaqar.queue_post fails: the execution ends
ERROR at send_message, after the profile was set in Ironic. That is what is checked."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from engine import clouds
from engine.api import AlreadyExistsError, states
from engine.api.mistral import MistralBackend
from tests.openstack.conftest import ironic_cloud, make_node  # noqa: F401 (fixtures)
from tests.tui.conftest import wait_for
from tests.tui.test_nodes import profile, put_cursor_on
from tripleo_tui.app import TripleoTuiApp
from tripleo_tui.cli import MistralChoice
from tripleo_tui.screens.profile import ProfileScreen

WORKBOOK = Path(__file__).resolve().parents[2] / "workbooks" / "tripleo.baremetal.v1.yaml"
TIMEOUT = 90.0


@pytest.fixture
async def backend(mistral_sandbox, ironic_cloud):  # noqa: F811
    async with await MistralBackend.open(mistral_sandbox) as opened:
        text = WORKBOOK.read_text()
        try:
            await opened.create_workbook(text)
        except AlreadyExistsError:  # the sandbox is shared by the session's tests
            await opened.update_workbook(text)
        yield opened


async def test_tag_node_sets_the_profile_in_ironic_then_fails_at_zaqar(backend, make_node):  # noqa: F811
    mine = make_node("profile:control,boot_option:local")
    role = f"role{uuid.uuid4().hex[:8]}"
    started = await backend.start_execution(
        "tripleo.baremetal.v1.tag_node", {"node_uuid": mine["uuid"], "role": role}
    )
    done = await asyncio.wait_for(backend.wait_execution(started.id), TIMEOUT)

    capabilities = clouds.ironic_client().node.get(mine["uuid"]).properties["capabilities"]
    assert capabilities == f"profile:{role},boot_option:local"
    tasks = {task.name: task for task in await backend.list_tasks(done.id)}
    assert {name: task.state for name, task in tasks.items()} == {
        "get_node": states.SUCCESS,
        "make_patch": states.SUCCESS,
        "update_node": states.SUCCESS,
        "send_message": states.ERROR,
    }
    assert tasks["update_node"].published["status"] == "SUCCESS"
    assert done.state == states.ERROR
    assert "zaqar" in tasks["send_message"].state_info.lower()
    assert "zaqar" in done.state_info.lower()


async def test_without_a_role_the_profile_is_removed(backend, make_node):  # noqa: F811
    mine = make_node("boot_option:local,profile:control")
    started = await backend.start_execution(
        "tripleo.baremetal.v1.tag_node", {"node_uuid": mine["uuid"]}
    )
    done = await asyncio.wait_for(backend.wait_execution(started.id), TIMEOUT)
    capabilities = clouds.ironic_client().node.get(mine["uuid"]).properties["capabilities"]
    assert capabilities == "boot_option:local"
    assert done.state == states.ERROR  # at send_message, as above


async def test_the_nodes_pane_tags_through_mistral(tmp_path, backend, make_node, mistral_sandbox):  # noqa: F811
    """The console's tagging of one node (tag_node) runs in Mistral: the new profile shows
    once it ends, and the toast names where it failed."""
    mine = make_node("profile:control,boot_option:local")["uuid"]
    app = TripleoTuiApp(tmp_path / "state.sqlite", mistral=MistralChoice(mistral_sandbox))
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await pilot.press("4")
        await put_cursor_on(app, pilot, mine)
        assert profile(app, mine) == "control"
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen), "profile dialog")
        await pilot.press(*"tui-mistral", "enter")
        nodes = app.pane("nodes")
        await wait_for(pilot, lambda: nodes.following, "the tagging execution", TIMEOUT)
        (execution_id,) = nodes.following
        await wait_for(pilot, lambda: not nodes.following, "the execution's end", TIMEOUT)
        await wait_for(pilot, lambda: profile(app, mine) == "tui-mistral", "the profile", TIMEOUT)

        tagging = await app.api.get_execution(execution_id)
        assert (tagging.workflow_name, tagging.state) == (
            "tripleo.baremetal.v1.tag_node",
            states.ERROR,
        )

        def said() -> list[str]:
            return [toast.message for toast in app._notifications if "ERROR in" in toast.message]

        await wait_for(pilot, said, "the toast saying why", TIMEOUT)
        assert "send_message" in said()[0]
