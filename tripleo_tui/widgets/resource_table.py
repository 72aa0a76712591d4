"""A keyed DataTable over a model of rows: updated in place, filtered in the model, filled in
batches so the first screenful paints at once even with 10,000 rows."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowKey
from textual.worker import Worker

Cells = tuple[Text, ...]

# The first batch covers a tall screen; later ones are small enough that a key press waits for
# at most one of them (~30 us a row).
FIRST_BATCH = 120
BATCH = 1000
PAUSE = 0.005
MANY_GONE = 20


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    width: int | None = None  # None: as wide as the widest cell


class ResourceTable(DataTable):
    """Rows keyed by id. `show()` reconciles the whole model, `upsert()` one row; only changed
    cells are redrawn, never the whole table. `filter_text` keeps the rows whose text holds every
    word of it (case-insensitive)."""

    DEFAULT_CSS = """
    ResourceTable { height: 1fr; }
    """

    def __init__(self, columns: Iterable[Column], *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", cursor_foreground_priority="renderable")
        self.spec = tuple(columns)
        self.model: dict[str, Cells] = {}
        self._search: dict[str, str] = {}
        self.filter_text = ""
        self._queue: list[str] = []  # keys to add, in order
        self._queued: set[str] = set()
        self._filler: Worker | None = None
        self._keep: str | None = None  # the row to put the cursor back on after a refill
        self.filled = asyncio.Event()  # set once the rows asked for are all in the table
        self.follow_end = False  # keep the cursor on the last row as rows are added

    def on_mount(self) -> None:
        for column in self.spec:
            self.add_column(column.label, width=column.width, key=column.key)

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """With fixed column widths and one-line rows nothing needs measuring, yet DataTable
        measures every new cell (1.5 s for 10,000 rows); only the virtual size is updated then.
        (Overrides a private DataTable method: textual is pinned below 9.)"""
        if any(column.auto_width for column in self.columns.values()):
            super()._update_dimensions(new_rows)
        else:
            super()._update_dimensions(())

    # ---- reading ---------------------------------------------------------------------------

    @property
    def current_key(self) -> str | None:
        """The key of the row under the cursor, if any."""
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except CellDoesNotExist:
            return None
        return key

    def shown_keys(self) -> list[str]:
        """Keys of the rows that match the filter, in model order (queued ones included)."""
        return [key for key in self.model if self.matches(key)]

    def matches(self, key: str) -> bool:
        words = self.filter_text.lower().split()
        text = self._search.get(key, "")
        return all(word in text for word in words)

    # ---- writing ---------------------------------------------------------------------------

    def show(self, rows: Mapping[str, Cells]) -> None:
        """Make the model exactly `rows`: new keys are added, changed cells updated, gone rows
        removed (a rebuild when many go, as each removal costs O(rows))."""
        gone = [key for key in self.model if key not in rows]
        if len(gone) > MANY_GONE:
            self.model = dict(rows)
            self._search = {key: _search_text(cells) for key, cells in rows.items()}
            self.refill()
            return
        for key in gone:
            self.remove(key)
        for key, cells in rows.items():
            self._set(key, cells)
        self._drain()

    def upsert(self, key: str, cells: Cells) -> None:
        """Add or update one row in place."""
        self._set(key, cells)
        self._drain()

    def remove(self, key: str) -> None:
        self.model.pop(key, None)
        self._search.pop(key, None)
        if key in self.rows:
            self.remove_row(key)

    def set_filter(self, text: str) -> None:
        if text != self.filter_text:
            self.filter_text = text
            self.refill()

    def refill(self) -> None:
        """Rebuild the table from the model; the cursor stays on its row if it is still shown."""
        self._keep = self.current_key
        if self._filler is not None:
            self._filler.cancel()
            self._filler = None
        self.clear()
        self._queue = self.shown_keys()
        self._queued = set(self._queue)
        self._drain()

    def _set(self, key: str, cells: Cells) -> None:
        old = self.model.get(key)
        self.model[key] = cells
        if old == cells:
            return
        self._search[key] = _search_text(cells)
        if key in self.rows:
            if not self.matches(key):
                self.remove_row(key)
                return
            for column, before, after in zip(self.spec, old or (), cells, strict=False):
                if before != after:
                    self.update_cell(key, column.key, after)
        elif key not in self._queued and self.matches(key):
            self._queue.append(key)
            self._queued.add(key)

    def _drain(self) -> None:
        """Add queued rows: a screenful now, the rest in batches by a worker."""
        if self._filler is not None and self._filler.is_running:
            return
        self._add_batch(FIRST_BATCH)
        if self._queue:
            self.filled.clear()
            self._filler = self.run_worker(self._fill(), group="fill")
        else:
            self.filled.set()

    async def _fill(self) -> None:
        while self._queue:
            # Let the table measure the last batch and the screen repaint before the next one.
            await asyncio.sleep(PAUSE)
            self._add_batch(BATCH)
        self.filled.set()

    def _add_batch(self, size: int) -> None:
        batch, self._queue[:size] = self._queue[:size], []
        at_end = self.follow_end and self.cursor_row >= self.row_count - 1
        for key in batch:
            self._queued.discard(key)
            cells = self.model.get(key)
            if cells is not None and key not in self.rows and self.matches(key):
                self.add_row(*cells, key=key)
        if self._keep is not None and self._keep in self.rows:
            self.move_cursor(row=self.get_row_index(self._keep), animate=False)
            self._keep = None
        elif at_end and batch:
            self.move_cursor(row=self.row_count - 1, animate=False)


def _search_text(cells: Cells) -> str:
    return " ".join(cell.plain for cell in cells).lower()
