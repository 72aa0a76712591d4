"""Messages the console's widgets post upward; the app and screens handle them with @on."""

from __future__ import annotations

from typing import Any

from textual.message import Message
from textual.widget import Widget


class FilterChanged(Message):
    """A pane's `/` filter changed (the status bar shows it)."""

    def __init__(self, pane: Widget, text: str) -> None:
        super().__init__()
        self.pane = pane
        self.text = text


class MarksChanged(Message):
    """The set of marked nodes changed."""

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count


class RunWorkflow(Message):
    """Someone asked to run a workflow with this input (from the run form, or a pane action).

    `origin` names what asked (e.g. "nodes"), so it can follow the execution it started.
    """

    def __init__(
        self,
        workflow: str,
        workflow_input: dict[str, Any],
        *,
        params: dict[str, Any] | None = None,
        description: str = "",
        origin: str = "",
    ) -> None:
        super().__init__()
        self.workflow = workflow
        self.workflow_input = workflow_input
        self.params = params or {}
        self.description = description
        self.origin = origin


class ExecutionStarted(Message):
    """An execution was created by this console."""

    def __init__(self, execution_id: str, workflow: str, origin: str) -> None:
        super().__init__()
        self.execution_id = execution_id
        self.workflow = workflow
        self.origin = origin


class ExecutionFinished(Message):
    """An execution reached SUCCESS, ERROR or CANCELLED."""

    def __init__(self, execution_id: str, workflow: str, state: str) -> None:
        super().__init__()
        self.execution_id = execution_id
        self.workflow = workflow
        self.state = state
