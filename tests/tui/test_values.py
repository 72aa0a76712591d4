"""Values are shown as JSON, never as Python reprs."""

from __future__ import annotations

from rich.console import Console

from engine.api import InputParam
from tripleo_tui.screens.definition import inputs_table


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
