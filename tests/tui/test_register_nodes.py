"""`i` in the Nodes pane registers the nodes of an instackenv.json file through
tripleo.baremetal.v1.register_or_update, against the real sandbox Ironic: the form lists the
file's nodes as the path is typed (never their passwords) or says why the file cannot be read,
and the new nodes appear in the pane, brought to the state asked for."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input, Switch

from engine import clouds
from tests.openstack.conftest import ironic_cloud  # noqa: F401 (fixture)
from tests.tui.conftest import wait_for
from tripleo_tui.app import TripleoTuiApp
from tripleo_tui.instackenv import InstackenvError, describe, read_nodes
from tripleo_tui.screens.confirm import ConfirmScreen
from tripleo_tui.screens.register import RegisterScreen

SLOW = 90.0  # Ironic and the engine at work
PASSWORD = "not-to-be-shown"


def instackenv(path: Path, names: list[str], **fields) -> Path:
    """Nodes of the sandbox's fake-hardware driver (it takes no pm_* address or credentials)."""
    tail = uuid.uuid4().hex[:4]
    nodes = [
        {
            "name": name,
            "pm_type": "fake-hardware",
            "mac": [f"52:54:03:{index:02x}:{tail[:2]}:{tail[2:]}"],
            **fields,
        }
        for index, name in enumerate(names)
    ]
    path.write_text(json.dumps({"nodes": nodes}, indent=2))
    return path


def test_a_file_that_cannot_be_registered_says_why_in_one_line(tmp_path):
    with pytest.raises(InstackenvError, match=r"missing.json: No such file or directory"):
        read_nodes(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"nodes": [\n  {"name": "a",}\n]}')
    with pytest.raises(InstackenvError, match=r"broken.json:2: invalid JSON at line 2, column"):
        read_nodes(broken)
    broken.write_text('{"nodes": []}')
    with pytest.raises(InstackenvError, match=r'expected \{"nodes": \[...\]\} or a list'):
        read_nodes(broken)
    broken.write_text('[{"name": "a"}, 3]')
    with pytest.raises(InstackenvError, match="node #1 is not a JSON object"):
        read_nodes(broken)
    given = {"pm_addr": "192.0.2.10", "pm_user": "admin", "pm_password": PASSWORD}
    nodes = read_nodes(instackenv(tmp_path / "instackenv.json", ["n1"], **given))
    assert describe(nodes[0]).startswith("n1: fake-hardware at 192.0.2.10, mac 52:54:03:00:")
    assert PASSWORD not in describe(nodes[0])


@pytest.fixture
def names(ironic_cloud):  # noqa: F811
    """Two node names of this test's own, deleted from Ironic after it."""
    names = [f"tt-register-{uuid.uuid4().hex[:6]}-{index}" for index in (1, 2)]
    yield names
    client = clouds.ironic_client()
    for found in client.node.list(limit=0):
        if found.name in names:
            client.node.delete(found.uuid)


async def test_i_registers_the_nodes_of_an_instackenv_file(tmp_path, names):
    path = instackenv(tmp_path / "instackenv.json", names)
    (tmp_path / "broken.json").write_text("{")
    refused = instackenv(tmp_path / "refused.json", names[:1], pm_addr="192.0.2.10")
    app = TripleoTuiApp(tmp_path / "state.sqlite")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("4")
        pane = app.pane("nodes")
        await wait_for(pilot, lambda: pane.loaded.is_set() and pane.last_good_read, "Ironic")
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, RegisterScreen), "the form")
        form = app.screen
        found = form.query_one("#found")

        await pilot.press(*str(tmp_path / "broken.json"))
        await wait_for(pilot, lambda: "invalid JSON" in str(found.render()), "the JSON error")
        await pilot.press("ctrl+r")  # nothing to register: the form stays
        assert app.screen is form

        form.query_one("#path").value = str(refused)
        await wait_for(pilot, lambda: "1 node:" in str(found.render()), "the node listed")
        form.query_one("#remove", Switch).value = True  # asks first, naming what goes
        await pilot.pause()
        assert "will be deleted" in str(form.query_one("#remove-warning").render())
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        assert "delete the nodes it does not list" in app.screen.question
        await pilot.press("n")
        assert not pane.following and not await app.api.list_executions()

        await pilot.press("i")  # the workflow refuses this file: the toast says why
        await wait_for(pilot, lambda: isinstance(app.screen, RegisterScreen), "the form")
        assert app.screen.query_one("#remove", Switch).value is False
        await wait_for(pilot, lambda: app.screen.nodes, "the file read again")
        await pilot.press("ctrl+r")
        reason = "register 1 node: ERROR in task validate_nodes: node #0: Unknown field pm_addr"
        await wait_for(
            pilot, lambda: any(reason in n.message for n in app._notifications), "the reason", SLOW
        )

        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, RegisterScreen), "the form")
        form = app.screen
        assert form.query_one("#path").value == str(refused)  # the last file, offered again
        form.query_one("#path").value = str(path)
        found = form.query_one("#found")
        await wait_for(pilot, lambda: "2 nodes:" in str(found.render()), "the nodes listed")
        assert f"{names[0]}: fake-hardware, mac 52:54:03:00:" in str(found.render())
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: pane.following, "the registering execution")
        (execution_id,) = pane.following
        execution = await app.api.get_execution(execution_id)
        assert execution.workflow_name == "tripleo.baremetal.v1.register_or_update"
        assert execution.input["initial_state"] == "manageable"
        assert [node["name"] for node in execution.input["nodes_json"]] == names

        def registered() -> dict[str, str]:
            return {
                node.name: node.provision_state
                for node in pane.nodes.values()
                if node.name in names
            }

        await wait_for(pilot, lambda: not pane.following, "the registering to end", SLOW)
        assert "register 2 nodes: SUCCESS" in [n.message for n in app._notifications]
        await wait_for(
            pilot,
            lambda: registered() == dict.fromkeys(names, "manageable"),
            "the new nodes, manageable",
            SLOW,
        )


async def test_keys_typed_while_the_form_opens_reach_its_path(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        for key in "i~/nodes.json":  # as a terminal delivers them: no waiting between keys
            app.post_message(events.Key("tilde" if key == "~" else key, key))
        await wait_for(pilot, lambda: isinstance(app.screen, RegisterScreen), "the form")
        path = app.screen.query_one("#path", Input)
        await wait_for(pilot, lambda: path.value == "~/nodes.json", "the typed path")
        await wait_for(
            pilot, lambda: "No such file" in str(app.screen.query_one("#found").render()), "why"
        )
