"""The run form generated from declared inputs: kinds, order, defaults, inline errors; node
pickers that also take typed UUIDs and names."""

from __future__ import annotations

import pytest
from textual import events
from textual.widgets import Input, SelectionList, Static, Switch, TextArea

from engine.lang.spec import InputParam
from tests.tui.conftest import wait_for
from tripleo_tui.form_fields import (
    FieldError,
    Kind,
    field_for,
    fields_for,
    node_uuid,
    node_uuids,
    parse_text,
)
from tripleo_tui.nodes import NodeInfo
from tripleo_tui.screens.run_form import RunFormScreen, RunRequest

PARAMS = (
    InputParam("count", 3, required=False),
    InputParam("plan"),
    InputParam("verbose", False, required=False),
    InputParam("options", {"retries": 2}, required=False),
    InputParam("node_uuids"),
    InputParam("role", None, required=False),
)


def test_field_kinds_follow_default_types_and_names():
    kinds = {spec.name: spec.kind for spec in fields_for(PARAMS)}
    assert kinds == {
        "plan": Kind.TEXT,
        "node_uuids": Kind.NODES,
        "count": Kind.NUMBER,
        "verbose": Kind.SWITCH,
        "options": Kind.JSON,
        "role": Kind.TEXT,
    }
    assert [spec.name for spec in fields_for(PARAMS)][:2] == ["plan", "node_uuids"]
    assert field_for(InputParam("node_uuid")).kind is Kind.NODE


def test_parse_text_rules():
    count = field_for(InputParam("count", 3, required=False))
    assert parse_text(count, "") == 3
    assert parse_text(count, "7") == 7
    assert parse_text(count, "2.5") == 2.5
    with pytest.raises(FieldError, match="not a number"):
        parse_text(count, "seven")
    plan = field_for(InputParam("plan"))
    with pytest.raises(FieldError, match="required"):
        parse_text(plan, "  ")
    assert parse_text(plan, "overcloud") == "overcloud"
    assert parse_text(plan, '["a", 1]') == ["a", 1]
    options = field_for(InputParam("options", {}, required=False))
    with pytest.raises(FieldError, match="line 1, column"):
        parse_text(options, "{retries: 2}")
    nodes = field_for(InputParam("node_uuids"))
    with pytest.raises(FieldError, match="expected a JSON list"):
        parse_text(nodes, '{"a": 1}')


async def open_form(app, pilot, screen: RunFormScreen) -> list:
    results: list = []
    await app.push_screen(screen, results.append)
    await wait_for(pilot, lambda: isinstance(app.screen, RunFormScreen), "the form")
    return results


async def submitted(pilot, results: list) -> dict:
    """Run the form; the input it sent."""
    await pilot.press("ctrl+r")
    await wait_for(pilot, lambda: results, "the form's result")
    return results[0].input


def error_text(screen: RunFormScreen, index: int) -> str:
    return str(screen.query_one(f"#error-{index}", Static).render())


async def test_form_refuses_missing_and_invalid_fields_then_runs(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        screen = RunFormScreen("test.everything", PARAMS)
        results = await open_form(app, pilot, screen)
        # required first, marked; defaults filled; kinds by type
        labels = [str(label.render()) for label in screen.query(".field-label")]
        assert labels[:6] == ["plan *", "node_uuids *", "count", "verbose", "options", "role"]
        assert screen.query_one("#field-2", Input).value == "3"
        assert isinstance(screen.query_one("#field-3"), Switch)
        assert '"retries": 2' in screen.query_one("#field-4", TextArea).text

        await pilot.press("ctrl+r")
        assert results == [] and isinstance(app.screen, RunFormScreen)
        assert "required" in error_text(screen, 0)
        assert "required" in error_text(screen, 1)
        assert any("fix plan, node_uuids" in n.message for n in app._notifications)
        assert app.focused is screen.query_one("#field-0")

        await pilot.press(*"overcloud")
        screen.query_one("#field-1", TextArea).text = '["n1", "n2"]'
        screen.query_one("#field-4", TextArea).text = "{retries: 2"
        await pilot.pause()
        assert "invalid JSON" in error_text(screen, 4)
        await pilot.press("ctrl+r")
        assert results == []
        assert app.focused is screen.query_one("#field-4")

        screen.query_one("#field-4", TextArea).text = '{"retries": 5}'
        screen.query_one("#field-3", Switch).value = True
        screen.query_one("#description", Input).value = "from the test"
        await pilot.pause()
        assert error_text(screen, 4) == ""
        assert '"retries": 5' in screen.preview_json
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: results, "the form's result")
        assert results == [
            RunRequest(
                "test.everything",
                {
                    "plan": "overcloud",
                    "node_uuids": ["n1", "n2"],
                    "count": 3,
                    "verbose": True,
                    "options": {"retries": 5},
                    "role": None,
                },
                {},
                "from the test",
            )
        ]


NODES = [
    NodeInfo(f"uuid-{i}", f"compute-{i}", None, "power off", "available", None, False, None, None)
    for i in range(3)
]
UNLISTED = "6f1c2b9e-8d1a-4c3e-9f0a-1b2c3d4e5f60"  # a node Ironic did not list (yet)


def test_typed_nodes_are_uuids_or_known_names():
    known = {"uuid-1": "uuid-1", "compute-1": "uuid-1"}
    assert node_uuid("compute-1", known) == "uuid-1"
    assert node_uuid(UNLISTED, known) == UNLISTED
    assert node_uuids(f" compute-1,{UNLISTED}  uuid-1 ", known) == ["uuid-1", UNLISTED, "uuid-1"]
    with pytest.raises(FieldError, match="not a node UUID nor a known node's name: 'compute-9'"):
        node_uuids("compute-1 compute-9", known)


async def test_node_fields_offer_the_known_nodes_and_take_typed_ones(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = RunFormScreen("test.nodes", (InputParam("node_uuids"),), nodes=NODES)
        results = await open_form(app, pilot, screen)
        choices = screen.query_one("#field-0 SelectionList", SelectionList)
        assert choices.option_count == 3
        await wait_for(pilot, lambda: app.focused is choices, "the focus on the known nodes")
        choices.select("uuid-0")
        choices.select("uuid-2")
        others = screen.query_one("#field-0 Input", Input)
        others.value = "compute-9"
        await pilot.press("ctrl+r")
        assert results == []
        assert "not a node UUID nor a known node's name: 'compute-9'" in error_text(screen, 0)
        others.value = f"{UNLISTED}, compute-1 compute-2"
        sent = await submitted(pilot, results)
        assert sent == {"node_uuids": ["uuid-0", "uuid-2", UNLISTED, "uuid-1"]}


async def test_a_one_node_field_completes_a_known_node_and_takes_a_typed_uuid(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = RunFormScreen("test.node", (InputParam("node_uuid"),), nodes=NODES)
        results = await open_form(app, pilot, screen)
        field = screen.query_one("#field-0", Input)
        await pilot.press(*"comp")
        await wait_for(pilot, lambda: field._suggestion == "compute-0", "the completion")
        await pilot.press("right")  # takes the completion
        assert field.value == "compute-0"
        await pilot.pause()
        assert '"node_uuid": "uuid-0"' in screen.preview_json
        field.value = UNLISTED
        assert await submitted(pilot, results) == {"node_uuid": UNLISTED}

    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:  # no nodes known: a UUID still goes
        screen = RunFormScreen("test.node", (InputParam("node_uuid"),))
        results = await open_form(app, pilot, screen)
        await pilot.press(*"compute-0", "ctrl+r")
        assert "not a node UUID" in error_text(screen, 0) and results == []
        screen.query_one("#field-0", Input).value = UNLISTED
        assert await submitted(pilot, results) == {"node_uuid": UNLISTED}


async def test_environment_must_be_a_name_or_a_json_object(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = RunFormScreen("test.env", ())
        results = await open_form(app, pilot, screen)
        screen.query_one("#environment", Input).value = "[1]"
        await pilot.press("ctrl+r")
        assert results == []
        assert "expected a JSON object" in str(screen.query_one("#error-environment").render())
        screen.query_one("#environment", Input).value = '{"region": "r1"}'
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: results, "the form's result")
        assert results[0].params == {"env": {"region": "r1"}}


async def test_an_unknown_environment_name_keeps_the_form_and_shows_why_in_view(make_app):
    app = make_app()
    many = tuple(InputParam(f"input_{index}", index, required=False) for index in range(14))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = RunFormScreen("test.env", many, environments=["prod", "lab"])
        results = await open_form(app, pilot, screen)
        screen.query_one("#field-0", Input).value = "41"
        screen.query_one("#environment", Input).value = "prodd"
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert results == [] and app.screen is screen  # what was typed stays
        assert screen.query_one("#field-0", Input).value == "41"
        error = screen.query_one("#error-environment", Static)
        assert "no stored environment named 'prodd'" in str(error.render())
        assert app.focused is screen.query_one("#environment")
        form = screen.query_one("#form")
        await wait_for(
            pilot, lambda: form.region.contains_region(error.region), "the error in view"
        )
        screen.query_one("#environment", Input).value = "lab"
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: results, "the form's result")
        assert results[0].params == {"env": "lab"} and results[0].input["input_0"] == 41


async def test_escape_cancels_the_form(make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        results = await open_form(app, pilot, RunFormScreen("test.env", ()))
        await pilot.press("escape")
        await wait_for(pilot, lambda: results, "the form's result")
        assert results == [None]


async def test_keys_typed_while_the_form_opens_reach_its_first_field(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.api_ready.is_set(), "the api")
        await pilot.press("2")
        pane = app.pane("workflows")
        await wait_for(pilot, lambda: "tripleo.examples.v1.hello" in pane.table.rows, "hello")
        await pilot.press("slash", *"tr")  # r in the filter line is text, not Run
        assert app.focused.value == "tr" and not isinstance(app.screen, RunFormScreen)
        await pilot.press("enter")
        pane.table.move_cursor(row=pane.table.get_row_index("tripleo.examples.v1.hello"))
        for key in "rBart":  # as a terminal delivers them: no waiting between keys
            app.post_message(events.Key(key, key))
        await wait_for(pilot, lambda: isinstance(app.screen, RunFormScreen), "the form")
        field = app.screen.query_one("#field-0", Input)
        await wait_for(pilot, lambda: field.value.endswith("Bart"), "the typed keys")
        assert field.value == "Bart"  # the default was selected on focus: typing replaces it
        assert len(app.screen_stack) == 2  # the r of Bart is text, not a second form
