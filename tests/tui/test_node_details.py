"""The Nodes pane when Ironic stops answering: the rows stay, marked stale with the time of the
last good read; they are fresh again once Ironic answers."""

from __future__ import annotations

import re

import pytest

from engine import clouds
from tests.openstack.conftest import ironic_cloud, make_node  # noqa: F401 (fixtures)
from tests.tui.conftest import wait_for
from tripleo_tui.app import TripleoTuiApp
from tripleo_tui.widgets import nodes_pane

SLOW = 60.0


def note(app) -> str:
    return str(app.pane("nodes").query_one(".note").render())


@pytest.fixture
def refused_ironic():
    """An ironicclient at a port nobody listens on (the sandbox's credentials otherwise)."""
    from ironicclient import client

    credentials = clouds.current()
    return client.Client(
        "1", session=credentials.session(), endpoint_override="http://127.0.0.1:9", max_retries=0
    )


async def test_unreachable_ironic_marks_the_rows_stale_with_the_last_good_read(
    tmp_path,
    ironic_cloud,  # noqa: F811
    make_node,  # noqa: F811
    refused_ironic,
    monkeypatch,
):
    monkeypatch.setattr(nodes_pane, "REFRESH_SECONDS", 0.5)
    uuid = make_node()["uuid"]
    reach = {"client": clouds.ironic_client()}
    app = TripleoTuiApp(tmp_path / "state.sqlite", ironic_client=lambda: reach["client"])
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await pilot.press("4")
        pane = app.pane("nodes")
        await wait_for(pilot, lambda: uuid in pane.nodes, "the node", SLOW)
        assert "STALE" not in note(app)

        reach["client"] = refused_ironic
        await wait_for(pilot, lambda: "STALE" in note(app), "the stale mark", SLOW)
        assert re.match(r"STALE \(as read at \d\d:\d\d:\d\d; Ironic: .+\) · \d+ nodes", note(app))
        assert uuid in pane.nodes and pane.table.row_count  # the last rows stay

        reach["client"] = clouds.ironic_client()
        await wait_for(pilot, lambda: "STALE" not in note(app), "fresh rows again", SLOW)
