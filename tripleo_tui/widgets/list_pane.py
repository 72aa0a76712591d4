"""The frame every list pane shares: a ResourceTable, a `/` filter line and a one-line note,
and marks (`space`) for the panes whose keys act on several rows (MARK_BINDING).

A pane loads its rows in `load()` (run as a worker once the backend is open); `reload()` runs
it again. Errors raised there reach the app's one worker-error handler. Each pane is given the
console's session (tripleo_tui.session) and reaches the backend through it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from tripleo_tui.messages import FilterChanged, MarksChanged
from tripleo_tui.widgets import cells
from tripleo_tui.widgets.columns import Column
from tripleo_tui.widgets.resource_table import Cells, ResourceTable

if TYPE_CHECKING:
    from engine.api import Backend
    from tripleo_tui.session import ConsoleSession


MARK = cells.Cell("*", "bold cyan")
MARK_BINDING = Binding("space", "mark", "Mark", id="mark")
MARK_ALL_BINDINGS = [  # less used: declared last, the key bar drops them first
    Binding("a", "mark_all", "Mark shown", id="mark-all"),
    Binding("A", "unmark_all", "Unmark all", id="unmark-all"),
]


class Note(Static):
    """The line under a list. Its text changes often (counts, what runs) and its size never:
    a new text is a repaint, where Static.update would lay the whole screen out again (25 ms
    at 120x40, once per task change while a run goes). Plain text: no markup in it."""

    def __init__(self) -> None:
        super().__init__(classes="note")
        self._said = ""

    def say(self, text: str) -> None:
        if text != self._said:
            self._said = text
            self.refresh()

    def render(self) -> Text:
        return Text(self._said, no_wrap=True, overflow="ellipsis", end="")


class FilterInput(Input):
    """The `/` line: filters as you type; `enter` keeps the filter, `esc` clears it."""

    BINDINGS: ClassVar = [Binding("escape", "clear_filter", "Clear filter", id="clear-filter")]

    def action_clear_filter(self) -> None:
        self.value = ""
        self.post_message(self.Submitted(self, ""))


class ListPane(Vertical):
    """Base of the Workbooks, Workflows, Executions, Nodes and Messages panes."""

    COLUMNS: ClassVar[tuple[Column, ...]] = ()
    # Actions that open a screen from a priority binding (it runs as its key arrives): the
    # keys typed after it are kept for that screen (keep_keys); not while the filter is typed.
    OPENS_SCREEN: ClassVar[frozenset[str]] = frozenset()
    BINDINGS: ClassVar = [
        Binding("slash", "filter", "Filter", id="filter"),
        Binding("ctrl+r", "reload", "Reload", id="reload"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="clear-list-filter"),
    ]
    DEFAULT_CSS = """
    ListPane { height: 1fr; }
    ListPane > FilterInput, ListPane > FilterInput:focus {
        display: none; border: none; height: 1; padding: 0 1;
    }
    ListPane > FilterInput.-active { display: block; }
    ListPane > .note { height: 1; color: $text-muted; padding: 0 1; }
    """

    def __init__(self, session: ConsoleSession, *, id: str) -> None:
        super().__init__(id=id)
        self.session = session
        self.table = ResourceTable(
            self.COLUMNS, render=self.render_row, search=self.search_text, id=f"{id}-table"
        )
        self.filter_input = FilterInput(placeholder="/ filter: words to match (esc clears)")
        self.note = Note()
        self.marked: set[str] = set()

    def compose(self) -> ComposeResult:
        yield self.filter_input
        yield self.table
        yield self.note

    @property
    def api(self) -> Backend:
        return self.session.api

    def on_mount(self) -> None:
        self.run_worker(self._start(), group="load", exit_on_error=False)

    async def _start(self) -> None:
        if await self.session.opened() is not None:
            await self.load()

    async def load(self) -> None:
        """Fill the table from the api (override)."""

    def render_row(self, record: Any) -> Cells:
        """The cells of one record (override)."""
        raise NotImplementedError

    search_text: Callable[[Any], str] | None = None  # the `/` filter's text of a record

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.run_worker(self.load(), exclusive=True, group="load", exit_on_error=False)

    def set_note(self, message: str) -> None:
        self.note.say(message)

    def update_note(self) -> None:
        """Write the note again from the pane's state (override); the filter changed."""

    def counted(self, noun: str) -> str:
        """`12 workflows`, or `2 of 12 workflows` while a filter hides some."""
        total = len(self.table.model)
        noun = noun.removesuffix("s") if total == 1 else noun
        if not self.table.filter_text and self.table.row_filter is None:
            return f"{total} {noun}"
        return f"{len(self.table.shown_keys())} of {total} {noun}"

    # ---- keys typed while a screen opens ---------------------------------------------------

    def keep_keys(self) -> None:
        """The keys that come until the screen being opened has its focus are for it."""
        self.app.type_ahead.hold()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Not while the filter is typed (the key is text then)."""
        return action not in self.OPENS_SCREEN or not isinstance(self.app.focused, Input)

    # ---- marks -----------------------------------------------------------------------------

    def mark_cell(self, key: str) -> cells.Cell:
        return MARK if key in self.marked else cells.EMPTY

    def targets(self) -> list[Any]:
        """The marked records in the table's order, else the one under the cursor."""
        model = self.table.model
        if self.marked:
            return [model[key] for key in self.table.ordered(self.marked)]
        current = self.table.current_key
        return [model[current]] if current in model else []

    def set_marks(self, keys: set[str]) -> None:
        changed = self.marked ^ keys
        self.marked = keys
        for key in changed:
            self.table.redraw(key)  # the mark is drawn from the pane's state, not the record
        self.post_message(MarksChanged(self, len(self.marked)))

    def action_mark(self) -> None:
        key = self.table.current_key
        if key is None:
            return
        self.set_marks(self.marked ^ {key})
        self.table.action_cursor_down()

    def action_mark_all(self) -> None:
        self.set_marks(self.marked | set(self.table.shown_keys()))

    def action_unmark_all(self) -> None:
        self.set_marks(set())

    # ---- filter ----------------------------------------------------------------------------

    def action_clear_filter(self) -> None:
        if self.table.filter_text:
            self.filter_input.value = ""
            self.filter_input.post_message(Input.Submitted(self.filter_input, ""))

    def action_filter(self) -> None:
        self.filter_input.add_class("-active")
        self.filter_input.focus()

    @on(Input.Changed, "FilterInput")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.table.set_filter(event.value)
        self.update_note()
        self.post_message(FilterChanged(self, event.value))

    @on(Input.Submitted, "FilterInput")
    def _filter_done(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value:
            self.filter_input.remove_class("-active")
            self.table.set_filter("")
            self.update_note()
            self.post_message(FilterChanged(self, ""))
        self.table.focus()
