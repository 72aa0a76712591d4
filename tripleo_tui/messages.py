"""Messages the console's widgets post upward; the app and screens handle them with @on."""

from __future__ import annotations

from textual.message import Message
from textual.widget import Widget


class FilterChanged(Message):
    """A pane's `/` filter changed (the status bar shows it)."""

    def __init__(self, pane: Widget, text: str) -> None:
        super().__init__()
        self.pane = pane
        self.text = text


class MarksChanged(Message):
    """The rows marked in a pane changed (the status bar counts the shown pane's)."""

    def __init__(self, pane: Widget, count: int) -> None:
        super().__init__()
        self.pane = pane
        self.count = count


class OpenExecution(Message):
    """Show this execution (its screen), and over it why it failed if `failure`."""

    def __init__(self, execution_id: str, *, failure: bool = False) -> None:
        super().__init__()
        self.execution_id = execution_id
        self.failure = failure


class OpenRunForm(Message):
    """Ask for this workflow's input and run it."""

    def __init__(self, workflow: str) -> None:
        super().__init__()
        self.workflow = workflow


class ExecutionFinished(Message):
    """An execution reached SUCCESS, ERROR or CANCELLED."""

    def __init__(self, execution_id: str, workflow: str, state: str) -> None:
        super().__init__()
        self.execution_id = execution_id
        self.workflow = workflow
        self.state = state
