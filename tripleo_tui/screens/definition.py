"""A definition (YAML, highlighted) of a workbook or workflow, with a workflow's inputs and
the cron triggers that start it."""

from __future__ import annotations

import json
from typing import ClassVar

from rich.syntax import Syntax
from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Static

from engine.api import NEVER_PATTERN, CronTriggerRecord, InputParam
from engine.masking import mask_secrets
from tripleo_tui.messages import OpenRunForm
from tripleo_tui.widgets.cells import compact_json
from tripleo_tui.widgets.key_bar import KeyBar


def inputs_table(params: tuple[InputParam, ...]) -> Table:
    """The declared inputs: required ones first, with their defaults."""
    table = Table(title="Inputs", title_justify="left", expand=False, box=None, padding=(0, 2))
    table.add_column("input", style="bold")
    table.add_column("required")
    table.add_column("default")
    for param in sorted(params, key=lambda param: not param.required):
        default = "" if param.required else json.dumps(param.default, default=str)
        table.add_row(param.name, "yes" if param.required else "", default)
    if not params:
        table.add_row("(none)", "", "")
    return table


def triggers_table(triggers: tuple[CronTriggerRecord, ...]) -> Table:
    """The cron triggers that start the workflow, soonest first; secrets in their input
    masked."""
    table = Table(
        title="Cron triggers (times in UTC)",
        title_justify="left",
        expand=False,
        box=None,
        padding=(0, 2),
    )
    for column in ("trigger", "pattern", "next", "remaining", "input"):
        table.add_column(column, style="bold" if column == "trigger" else "")
    for trigger in triggers:
        table.add_row(
            trigger.name,
            "(once)" if trigger.pattern in (None, NEVER_PATTERN) else trigger.pattern,
            trigger.next_execution_time,
            "" if trigger.remaining_executions is None else str(trigger.remaining_executions),
            compact_json(mask_secrets(trigger.workflow_input)),
        )
    return table


class DefinitionScreen(Screen):
    """`esc` goes back, `y` copies the YAML, `r` opens the run form (workflows only)."""

    BINDINGS: ClassVar = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("y", "copy", "Copy YAML", id="copy"),
        Binding("r", "run", "Run", id="run"),
    ]
    DEFAULT_CSS = """
    DefinitionScreen #inputs, DefinitionScreen #triggers { padding: 0 1 1 1; height: auto; }
    DefinitionScreen #yaml { padding: 0 1; height: auto; }
    """

    def __init__(
        self,
        kind: str,
        name: str,
        definition: str,
        params: tuple[InputParam, ...] | None = None,
        triggers: tuple[CronTriggerRecord, ...] = (),
    ) -> None:
        super().__init__()
        self.kind = kind
        self.resource_name = name
        self.definition = definition
        self.params = params
        self.triggers = triggers
        self.sub_title = f"{kind} {name}"

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="definition"):
            if self.params is not None:
                yield Static(inputs_table(self.params), id="inputs")
            if self.triggers:
                yield Static(triggers_table(self.triggers), id="triggers")
            syntax = Syntax(self.definition, "yaml", theme="ansi_dark", line_numbers=True)
            yield Static(syntax, id="yaml")
        yield KeyBar()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "run":
            return self.kind == "Workflow"
        return True

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.definition)
        self.notify(f"{self.kind} {self.resource_name}: YAML copied")

    def action_run(self) -> None:
        self.post_message(OpenRunForm(self.resource_name))
