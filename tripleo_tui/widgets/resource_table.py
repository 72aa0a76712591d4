"""A keyed DataTable over a model of rows: updated in place, filtered in the model, filled in
batches so the first screenful paints at once even with 10,000 rows."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist

Cells = tuple[Text, ...]

# The first batch covers a tall screen; later ones are small enough that a key press waits for
# at most one of them (DataTable measures every new cell once, ~25 us each).
FIRST_BATCH = 120
BATCH = 150


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
        self._pending: set[str] = set()
        self.filled = asyncio.Event()  # set once the rows asked for are all in the table
        self.follow_end = False  # keep the cursor on the last row as rows are added

    def on_mount(self) -> None:
        for column in self.spec:
            self.add_column(column.label, width=column.width, key=column.key)

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
        """Keys of the rows that match the filter, in table order (pending ones included)."""
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
        if len(gone) > 20:
            self.model = dict(rows)
            self._search = {key: _search_text(cells) for key, cells in rows.items()}
            self.refill()
            return
        for key in gone:
            self.remove(key)
        for key, cells in rows.items():
            self.upsert(key, cells)
        if not self._pending:
            self.filled.set()

    def upsert(self, key: str, cells: Cells) -> None:
        """Add or update one row in place."""
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
        elif key not in self._pending and self.matches(key):
            self._add(key, cells)

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
        """Rebuild the table from the model, in batches; the cursor stays on its row if shown."""
        keep = self.current_key
        self.clear()
        keys = self.shown_keys()
        self._pending = set(keys)
        self.filled.clear()
        self.run_worker(self._fill(keys, keep), exclusive=True, group="fill")

    async def _fill(self, keys: list[str], keep: str | None) -> None:
        start = 0
        size = FIRST_BATCH
        while start < len(keys):
            for key in keys[start : start + size]:
                self._pending.discard(key)
                cells = self.model.get(key)
                if cells is not None and key not in self.rows:
                    self._add(key, cells)
            start += size
            size = BATCH
            if keep is not None and keep in self.rows:
                self.move_cursor(row=self.get_row_index(keep), animate=False)
                keep = None
            # Let the table measure this batch and the screen repaint before the next one.
            await asyncio.sleep(0.005)
        self._pending.clear()
        self.filled.set()

    def _add(self, key: str, cells: Cells) -> None:
        at_end = self.follow_end and self.cursor_row >= self.row_count - 1
        self.add_row(*cells, key=key)
        if at_end:
            self.move_cursor(row=self.row_count - 1, animate=False)


def _search_text(cells: Cells) -> str:
    return " ".join(cell.plain for cell in cells).lower()
