"""Values are shown as JSON, never as Python reprs."""

from __future__ import annotations

from rich.console import Console

from engine.api import InputParam
from tripleo_tui.form_fields import field_for
from tripleo_tui.screens.definition import inputs_table
from tripleo_tui.widgets import cells


def test_defaults_in_a_definition_are_json_not_python():
    params = (
        InputParam("role", required=False, default=None),
        InputParam("remove", required=False, default=False),
        InputParam("queue_name", required=False, default="tripleo"),
    )
    console = Console(width=100, record=True)
    console.print(inputs_table(params))
    text = console.export_text()
    assert "null" in text and "false" in text and '"tripleo"' in text
    assert "None" not in text and "False" not in text and "'tripleo'" not in text


def test_the_workflows_input_column_shows_json_defaults():
    line = "nodes, role=None, remove=False, queue_name=tripleo, extra={'a': [1, True]}, w=a b"
    assert cells.input_signature(line) == (
        'nodes, role=null, remove=false, queue_name="tripleo", extra={"a": [1, true]}, w="a b"'
    )
    assert cells.input_signature("") == ""


def test_a_placeholder_names_the_real_default():
    assert field_for(InputParam("wait", required=False, default="done waiting")).placeholder == (
        "empty: the default (done waiting)"
    )
    assert field_for(InputParam("role", required=False, default=None)).placeholder == (
        "empty: the default (null)"
    )
    assert field_for(InputParam("x", required=True)).placeholder == "required"
