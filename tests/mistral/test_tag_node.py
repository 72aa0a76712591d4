"""Our tripleo.baremetal.v1 workbook on a real Mistral 23 with mistral-extra (the sandbox):
tag_node runs there, its ironic.* actions reaching the sandbox Ironic through the target-cloud
headers the Mistral backend sends.

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
