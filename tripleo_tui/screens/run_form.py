"""The run form, generated from a workflow's declared inputs (see `form_fields`).

Required inputs come first, marked `*`; defaults are filled in. Each field says inline what is
wrong with it, the preview shows the input JSON as it will be sent, and nothing runs until
every field is valid. Dismisses with a RunRequest, or None on `esc`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rich.syntax import Syntax
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.validation import Number
from textual.widget import Widget
from textual.widgets import (
    Button,
    Header,
    Input,
    Label,
    SelectionList,
    Static,
    Switch,
    TextArea,
)

from engine.api import InputParam
from tripleo_tui.form_fields import (
    FieldError,
    FieldSpec,
    Kind,
    check_choice,
    fields_for,
    node_uuid,
    node_uuids,
    parse_text,
)
from tripleo_tui.nodes import NodeInfo
from tripleo_tui.widgets.key_bar import KeyBar
from tripleo_tui.widgets.node_picker import NodesPicker, known_nodes, node_input


@dataclass(frozen=True, slots=True)
class RunRequest:
    workflow: str
    input: dict[str, Any]
    params: dict[str, Any] = field(default_factory=dict)
    description: str = ""


class RunFormScreen(Screen[RunRequest | None]):
    BINDINGS: ClassVar = [
        Binding("escape", "cancel", "Cancel", id="cancel"),
        Binding("ctrl+r", "run", "Run", id="run-form", priority=True),
    ]
    DEFAULT_CSS = """
    RunFormScreen #form { height: 1fr; padding: 0 1; }
    RunFormScreen .field { height: auto; margin-top: 1; }
    RunFormScreen .field-label { width: 24; text-style: bold; }
    RunFormScreen .field-label.-required { color: $warning; }
    RunFormScreen .field > Input { width: 1fr; }
    RunFormScreen .field > TextArea { width: 1fr; height: 5; }
    RunFormScreen .field-error { color: $error; height: auto; padding-left: 24; }
    RunFormScreen #preview {
        height: 7; border: round $primary; border-title-align: left; padding: 0 1;
        overflow-y: auto;
    }
    RunFormScreen #buttons { height: 1; align-horizontal: right; padding: 0 1; }
    RunFormScreen #buttons Button { margin-left: 2; }
    """

    def __init__(
        self,
        workflow: str,
        params: tuple[InputParam, ...],
        *,
        nodes: list[NodeInfo] | None = None,
        environments: list[str] | None = None,
    ) -> None:
        super().__init__()
        self.workflow = workflow
        self.fields = fields_for(params)
        self.nodes = nodes or []
        self.known_nodes = known_nodes(self.nodes)
        self.environments = environments  # None: not known, any name goes to the engine
        self.sub_title = f"Run {workflow}"
        self._tried = False
        self.preview_json = "{}"

    # ---- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="form"):
            if not self.fields:
                yield Label("This workflow takes no input.", classes="field-label")
            for index, spec in enumerate(self.fields):
                with Horizontal(classes="field"):
                    label = Label(spec.label, classes="field-label")
                    label.set_class(spec.required, "-required")
                    yield label
                    yield self._widget_for(spec, f"field-{index}")
                yield Static("", id=f"error-{index}", classes="field-error")
            with Horizontal(classes="field"):
                yield Label("description", classes="field-label")
                yield Input(placeholder="optional", id="description", compact=True)
            with Horizontal(classes="field"):
                yield Label("environment", classes="field-label")
                yield Input(
                    placeholder="optional: a stored environment's name, or a JSON object",
                    suggester=SuggestFromList(self.environments) if self.environments else None,
                    id="environment",
                    compact=True,
                )
            yield Static("", id="error-environment", classes="field-error")
        preview = Static(id="preview")
        preview.border_title = "input"
        yield preview
        with Horizontal(id="buttons"):
            yield Button("Run (ctrl+r)", id="run", variant="primary", compact=True)
            yield Button("Cancel (esc)", id="cancel", compact=True)
        yield KeyBar()

    def _widget_for(self, spec: FieldSpec, widget_id: str) -> Widget:
        if spec.kind is Kind.SWITCH:
            return Switch(value=bool(spec.default), id=widget_id)
        if spec.kind is Kind.NUMBER:
            number = [Number()]
            return Input(spec.initial_text, validators=number, id=widget_id, compact=True)
        if spec.kind is Kind.NODE:
            return node_input(self.known_nodes, widget_id)
        if spec.kind is Kind.NODES and self.nodes:
            return NodesPicker(self.nodes, id=widget_id)
        if spec.kind in (Kind.JSON, Kind.NODES):
            return TextArea(spec.initial_text, id=widget_id, compact=True)
        return Input(spec.initial_text, placeholder=spec.placeholder, id=widget_id, compact=True)

    def on_mount(self) -> None:
        first = "#field-0" if self.fields else "#description"
        self.query_one(first).focus()
        self._refresh_preview()

    # ---- values ----------------------------------------------------------------------------

    def _value_of(self, spec: FieldSpec, widget: Widget) -> Any:
        if isinstance(widget, Switch):
            return widget.value
        if isinstance(widget, NodesPicker):
            typed = node_uuids(widget.typed, self.known_nodes)
            return check_choice(spec, list(dict.fromkeys([*widget.ticked, *typed])))
        if isinstance(widget, TextArea):
            return parse_text(spec, widget.text)
        assert isinstance(widget, Input)
        if spec.kind is Kind.NODE and widget.value.strip():
            return node_uuid(widget.value.strip(), self.known_nodes)
        return parse_text(spec, widget.value)

    def collect(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The input as it would be sent, and the error of each invalid field by widget id."""
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for index, spec in enumerate(self.fields):
            try:
                values[spec.name] = self._value_of(spec, self.query_one(f"#field-{index}"))
            except FieldError as error:
                errors[f"field-{index}"] = str(error)
        return values, errors

    def _environment(self) -> tuple[Any, str | None]:
        text = self.query_one("#environment", Input).value.strip()
        if text[:1] not in ("{", "[", '"'):  # anything else is an environment's name
            if text and self.environments is not None and text not in self.environments:
                return None, f"no stored environment named {text!r}"
            return text or None, None
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            return None, f"invalid JSON at column {error.colno}: {error.msg}"
        return (value, None) if isinstance(value, dict) else (None, "expected a JSON object")

    # ---- feedback --------------------------------------------------------------------------

    @on(Input.Changed)
    @on(Switch.Changed)
    @on(TextArea.Changed)
    @on(SelectionList.SelectedChanged)
    def _changed(self) -> None:
        self._refresh_preview()

    def _refresh_preview(self) -> tuple[dict[str, Any], dict[str, str]]:
        values, errors = self.collect()
        env, env_error = self._environment()
        if env_error:
            errors["environment"] = env_error
        for index, spec in enumerate(self.fields):
            message = errors.get(f"field-{index}", "")
            if message == "required" or message.startswith("required:"):
                message = message if self._tried else ""  # don't shout before the first Run
            self.query_one(f"#error-{index}", Static).update(
                f"✗ {spec.name}: {message}" if message else ""
            )
        self.query_one("#error-environment", Static).update(
            f"✗ environment: {env_error}" if env_error else ""
        )
        self.preview_json = json.dumps(values, indent=2, default=str)
        preview = self.query_one("#preview", Static)
        preview.update(Syntax(self.preview_json, "json", theme="ansi_dark", word_wrap=True))
        preview.border_subtitle = Text(f"{len(errors)} to fix") if errors else "ready"
        return values, errors

    # ---- actions ---------------------------------------------------------------------------

    def action_run(self) -> None:
        self._tried = True
        values, errors = self._refresh_preview()
        if errors:
            first = next(iter(errors))
            names = ", ".join(self._name_of(key) for key in errors)
            self.notify(f"Not run: fix {names}", severity="error")
            self.query_one(f"#{first}").focus()
            return
        env, _ = self._environment()
        params = {"env": env} if env is not None else {}
        description = self.query_one("#description", Input).value.strip()
        self.dismiss(RunRequest(self.workflow, values, params, description))

    def _name_of(self, key: str) -> str:
        if key.startswith("field-"):
            return self.fields[int(key.removeprefix("field-"))].name
        return key

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#run")
    def _run_pressed(self) -> None:
        self.action_run()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()
