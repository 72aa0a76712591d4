"""A keyed DataTable over a model of records: updated in place, filtered in the model, filled in
batches so the first screenful paints at once even with 10,000 rows.

A record becomes cells only when its row enters the table (`render`), and the `/` filter reads
a plain text of it (`search`), so a big list costs nothing before it is shown. With `parent_of`
the rows are a tree one level deep: a row's children follow it once it is unfolded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual._two_way_dict import TwoWayDict
from textual.binding import Binding
from textual.cache import LRUCache
from textual.coordinate import Coordinate
from textual.geometry import Region, Size
from textual.message import Message
from textual.widget import PseudoClasses, Widget
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, Row, RowKey
from textual.worker import Worker

from tripleo_tui.widgets.cells import Cell, Cells
from tripleo_tui.widgets.columns import GAP, Column, share_width

# The first batch covers a tall screen; later ones are small enough that a key press waits for
# at most one of them (~50 us a row, cells included).
FIRST_BATCH = 120
BATCH = 500
FIRST_PAUSE = 0.05
PAUSE = 0.005
MANY_GONE = 20
PLACE_SCAN = 50  # rows compared to place a new one in a kept order, at most
ROW = "row"  # the one DataTable column


class RowLine:
    """A whole row as one DataTable cell, its columns laid out here: Textual draws a cell at a
    fixed cost, so one cell a row draws a screen about twice as fast as one cell a column.
    `widths` is the table's own list, changed in place when the columns share the width anew."""

    __slots__ = ("cells", "widths")

    def __init__(self, cells: Cells, widths: list[int]) -> None:
        self.cells = cells
        self.widths = widths

    def __rich__(self) -> Text:
        line = Text(no_wrap=True, end="")
        for cell, width in zip(self.cells, self.widths, strict=True):
            if not width:
                continue  # a hidden column
            plain = cell.plain
            if cell_len(plain) > width:
                plain = set_cell_size(plain, width - 1) + "…"
            line.append(set_cell_size(plain, width) + GAP, cell.style or None)
        return line


class RowsInOrder(Sequence):
    """The table's rows top to bottom, looked up when asked. DataTable copies them into a list
    after every change and sums the heights of all rows above one to place it: milliseconds
    per added row or cursor move with 10,000 rows. A slice is an iterator, as DataTable only
    walks slices."""

    __slots__ = ("_table",)

    def __init__(self, table: DataTable) -> None:
        self._table = table

    def __len__(self) -> int:
        return len(self._table.rows)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return (self[at] for at in range(*index.indices(len(self))))
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._table.rows[self._table._row_locations.get_key(index)]


class OneLineRows(RowsInOrder):
    """DataTable's line -> (row key, line in row) table, for rows one line high."""

    __slots__ = ()

    def __getitem__(self, y):
        return (super().__getitem__(y).key, 0)

    def clear(self) -> None:
        """Nothing to empty: DataTable.clear() empties its own list through this."""


def _same(cells: Any) -> Cells:
    return cells


def _plain(cells: Cells) -> str:
    return " ".join(cell.plain for cell in cells)


class ResourceTable(DataTable):
    """Rows keyed by id. `show()` reconciles the whole model, `upsert()` one row; only changed
    rows are redrawn, never the whole table. `filter_text` keeps the rows whose text holds every
    word of it (case-insensitive). Records are Cells unless `render` says how to make them."""

    DEFAULT_CSS = """
    ResourceTable { height: 1fr; }
    """
    # In a list, home and end go to its first and last row (DataTable scrolls sideways);
    # j, k, g and G move as in vim; right and left unfold and fold a tree's row.
    BINDINGS: ClassVar = [
        Binding("home,g", "scroll_top", "First row", show=False),
        Binding("end,G", "scroll_bottom", "Last row", show=False),
        Binding("j", "cursor_down", "Next row", show=False),
        Binding("k", "cursor_up", "Previous row", show=False),
        Binding("right", "unfold", "Unfold the rows under this one (else scroll)", show=False),
        Binding("left", "fold", "Fold them again (else scroll)", show=False),
    ]

    class HeaderClicked(Message):
        """A click on a column's label in the header (the table draws one DataTable column)."""

        def __init__(self, column: str) -> None:
            super().__init__()
            self.column = column

    def __init__(
        self,
        columns: Iterable[Column],
        *,
        render: Callable[[Any], Cells] = _same,
        search: Callable[[Any], str] | None = None,
        id: str | None = None,
    ) -> None:
        self._rows_in_order = RowsInOrder(self)
        self._row_lines = OneLineRows(self)
        super().__init__(id=id, cursor_type="row", cursor_foreground_priority="renderable")
        self.spec = tuple(columns)
        self._widths = [column.width for column in self.spec]  # 0: hidden; see RowLine
        self._longest = [0] * len(self.spec)  # the longest value seen in each column
        self._measured = False  # whether a row was measured yet
        self._index = {column.key: index for index, column in enumerate(self.spec)}
        self.render_row = render
        self.search_text = search or (lambda record: _plain(render(record)))
        self.model: dict[str, Any] = {}
        self.filter_text = ""
        # A pane's own filter (a quick state filter) and order (None: the model's order).
        self.row_filter: Callable[[Any], bool] | None = None
        self.sort_key: Callable[[Any], Any] | None = None
        self.sort_reverse = False
        # A tree one level deep: the key of the top row a record is folded under (None: a top
        # row itself).
        self.parent_of: Callable[[Any], str | None] | None = None
        self.unfolded: set[str] = set()
        # Every model key in order (children after their parent), until the model changes.
        self._order: list[str] | None = None
        self._children: dict[str, list[str]] = {}  # made with _order
        self._awaited: set[str] = set()  # parents named by rows shown as tops (not in yet)
        self._shown: list[str] | None = None  # see shown_keys
        self._words: list[str] = []
        # Rows as last rendered, kept while their record stays the same: a refill (a filter
        # letter) adds the same objects again instead of rendering and allocating 10,000 anew.
        self._lines: dict[str, RowLine] = {}
        self._search: dict[str, str] = {}  # lower-case texts, made when a filter needs them
        self._queue: list[str] = []  # keys to add, in order
        self._queued: set[str] = set()
        self._filler: Worker | None = None
        self._keep: str | None = None  # the row to put the cursor back on after a refill
        self.filled = asyncio.Event()  # set once the rows asked for are all in the table
        self.follow_end = False  # keep the cursor on the last row as rows are added
        self._laid_out_size = Size(0, 0)
        self._styled_state: PseudoClasses | None = None  # focus and hover at the last restyle
        self._cells_by_key: LRUCache[tuple, tuple[int, list]] = LRUCache(1000)  # _render_cell
        self._drawing_style: Style | None = None  # rich_style while the table is drawn

    def on_mount(self) -> None:
        self.add_column(self._header(), width=self._row_width(), key=ROW)

    # ---- the columns' widths ---------------------------------------------------------------

    def _header(self) -> Text:
        return RowLine(tuple(Cell(column.label) for column in self.spec), self._widths).__rich__()

    def _row_width(self) -> int:
        shown = [width for width in self._widths if width]
        return sum(shown) + len(GAP) * len(shown)

    def _measure(self, cells: Cells) -> bool:
        """Note each value's length; whether one is longer than any before in its column."""
        longest = self._longest
        grown = not self._measured
        self._measured = True
        for at, cell in enumerate(cells):
            if len(cell.plain) > longest[at]:
                longest[at] = len(cell.plain)
                grown = True
        return grown

    def _layout(self) -> None:
        """Share the width among the columns again: the table was resized or a value is longer
        than its column's. Every row is drawn again, the rows' cells are kept."""
        available = self.size.width - self.styles.scrollbar_size_vertical - 2 * self.cell_padding
        column = self.columns.get(ColumnKey(ROW))
        if available <= 0 or column is None:
            return
        widths = list(share_width(self.spec, self._longest if self._measured else None, available))
        if widths == self._widths and column.width == max(self._row_width(), available):
            return
        self._widths[:] = widths
        column.label = self._header()
        column.width = max(self._row_width(), available)  # the cursor spans the whole width
        self._update_count += 1
        self._clear_caches()
        self._update_dimensions(())
        self.refresh()

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """With a fixed width and one-line rows nothing needs measuring, yet DataTable measures
        every new cell (1.5 s for 10,000 rows); only the virtual size is updated then. A list
        longer than the table, before and after, only tells its scrollbar: a new virtual size
        lays the whole screen out again (25 ms at 120x40, for each execution started).
        (Overrides a private DataTable method: textual is pinned below 9.)"""
        width = sum(column.get_render_width(self) for column in self.columns.values())
        height = self._total_row_height + (self.header_height if self.show_header else 0)
        before, after = self.virtual_size, Size(width, height)
        if after == before:
            return
        if after.width == before.width and min(before.height, after.height) > self.size.height:
            self.set_reactive(ResourceTable.virtual_size, after)
            self._scroll_update(after)
            self.refresh()
        else:
            self.virtual_size = after

    # Rows are added one line high; a sort only renumbers them (`_reorder`): their order, lines
    # and places are read from DataTable's row locations, not from lists or sums over all rows.
    # (Overrides of DataTable's private parts: textual is pinned below 9.)

    @property
    def ordered_rows(self) -> Sequence[Row]:
        return self._rows_in_order

    @property
    def _y_offsets(self) -> Sequence[tuple[RowKey, int]]:
        return self._row_lines

    def _get_row_region(self, row_index: int) -> Region:
        if not self.is_valid_row_index(row_index):
            return Region(0, 0, 0, 0)
        return super()._get_row_region(0).translate((0, row_index))

    def _get_cell_region(self, coordinate: Coordinate) -> Region:
        if not self.is_valid_coordinate(coordinate):
            return Region(0, 0, 0, 0)
        first = super()._get_cell_region(Coordinate(0, coordinate.column))
        return first.translate((0, coordinate.row))

    # A pane switch must not redraw its whole table: DataTable drops every rendered line when
    # its pane is shown again (a Resize to the same size) and when the focus moves in or out,
    # though its caches are keyed by size and focus state already. (textual is pinned below 9.)

    def _on_resize(self, event: events.Resize) -> None:
        if event.size == self._laid_out_size:
            event.prevent_default()  # DataTable's handler would drop the caches
        else:
            self._laid_out_size = event.size
            self._layout()

    def notify_style_update(self) -> None:
        state, self._styled_state = self._styled_state, self.get_pseudo_class_state()
        if state == self._styled_state:
            super().notify_style_update()  # a new theme or stylesheet: everything again
            return
        Widget.notify_style_update(self)
        self._styles_cache.clear()
        self._get_styles_to_render_cell.cache_clear()
        self.refresh()

    # A row's drawing is kept by its key, not its place: DataTable keys it by a count of every
    # change, so a new execution on top (each one started while a run goes) drew all the rows on
    # screen again, ~10 ms on the next pane switch back to Executions. Only the row number the
    # mouse reads in each cell is renewed when a row moves. (textual is pinned below 9.)

    def _render_cell(self, row_index, column_index, base_style, width, cursor=False, hover=False):
        if row_index < 0 or column_index < 0:  # the header
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        line = self._data[row_key][ROW]  # a changed row has a new one
        hover_shown, state = self._show_hover_cursor, self._pseudo_class_state
        key = (row_key, line, base_style, width, cursor, hover, hover_shown, state)
        kept = self._cells_by_key.get(key)
        if kept is None:
            lines = super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        elif kept[0] == row_index:
            return kept[1]
        else:
            place = Style.from_meta({"row": row_index, "column": column_index})
            lines = [list(Segment.apply_style(each, post_style=place)) for each in kept[1]]
        self._cells_by_key[key] = (row_index, lines)
        return lines

    # DataTable asks for its style once per line drawn, and each time Textual walks every node
    # above the table to blend their colours (a third of a table's drawing after a new row).
    # Nothing can change it while the table is drawn: it is worked out once then.

    def render_lines(self, crop: Region) -> list:
        self._drawing_style = super().rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._drawing_style = None

    @property
    def rich_style(self) -> Style:
        return self._drawing_style or super().rich_style

    def _clear_caches(self) -> None:
        super()._clear_caches()
        self._cells_by_key.clear()

    # A pane switch moves the focus from a table being hidden to one being shown: Textual
    # restyled both (its CSS for each of DataTable's component classes, ~3 ms each) and drew
    # the shown one again. A hidden table keeps its focused look; it usually has the focus
    # back when shown, else it is restyled then.

    def watch_has_focus(self, has_focus: bool) -> None:
        if self._styled_state is not None and self._styled_state.focus == has_focus:
            return  # styled so already
        if not has_focus and not all(node.display for node in self.ancestors_with_self):
            return
        super().watch_has_focus(has_focus)

    def on_show(self) -> None:
        if self._styled_state is not None and self._styled_state.focus != self.has_focus:
            self.update_node_styles()

    def on_click(self, event: events.Click) -> None:
        if not self.show_header or event.y != 0:
            return
        x = event.x + int(self.scroll_x) - self.cell_padding
        for column, width in zip(self.spec, self._widths, strict=True):
            if width and 0 <= x < width + len(GAP):
                self.post_message(self.HeaderClicked(column.key))
                return
            x -= width + len(GAP)

    def column_x(self, key: str) -> int:
        """Where a column starts in a row, from the left edge (what a header click is tested
        with)."""
        return sum(width + len(GAP) for width in self._widths[: self._index[key]] if width)

    def rows_in_order(self) -> list[str]:
        """Keys of the rows in the table, top to bottom."""
        return [row.key.value for row in self.ordered_rows]

    def cell(self, key: str, column: str) -> Cell:
        """What a row shows in a column."""
        return self._lines[key].cells[self._index[column]]

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
        """Keys of the records that match the filters, in the table's order (queued ones
        included). Kept until the model, a filter or a fold changes: a filter letter needs
        them for the rows and again for the note's count."""
        if self._shown is None:
            order = self._all_in_order()
            matches = self.matches if self._children else self._matches_alone  # a flat list
            self._shown = [key for key in order if matches(key)]
        return self._shown

    def _changed(self) -> None:
        """What is shown may differ now."""
        self._shown = None

    def _all_in_order(self) -> list[str]:
        """Every model key in the table's order; sorted once per change, not per filter letter."""
        if self._order is None:
            sort_key, model = self.sort_key, self.model
            keys = (
                list(model)
                if sort_key is None
                else sorted(model, key=lambda key: sort_key(model[key]), reverse=self.sort_reverse)
            )
            self._order = self._as_tree(keys) if self.parent_of is not None else keys
        return self._order

    def _as_tree(self, keys: list[str]) -> list[str]:
        """`keys` with each row's children (in the same order) right after it."""
        self._children = children = {}
        self._awaited = set()
        tops = []
        for key in keys:
            parent = self.parent_key(key)
            if parent is None:
                tops.append(key)
                self._note_awaited(key)
            else:
                children.setdefault(parent, []).append(key)
        return [each for key in tops for each in (key, *children.get(key, ()))]

    def _note_awaited(self, key: str) -> None:
        named = self.parent_of(self.model[key])
        if named is not None and named != key:
            self._awaited.add(named)  # its row comes later: this one moves under it then

    def _place(self, key: str) -> bool:
        """Put a new key where a sort would, without sorting every key again (each execution
        started would sort 10,000 rows: 10 ms); whether it could, within PLACE_SCAN steps."""
        order = self._order
        if order is None:
            return True  # made when needed
        if self.sort_key is None or key in self._awaited:
            return False
        parent = self.parent_key(key)
        if parent is None:
            tops = (each for each in order if self.parent_key(each) is None)
            at = self._first_after(key, tops)
            if at is None:
                return False
            order.insert(order.index(at) if at else len(order), key)
            if self.parent_of is not None:
                self._note_awaited(key)
            return True
        siblings = self._children.setdefault(parent, [])
        at = self._first_after(key, iter(siblings))
        if at is None:
            return False
        before = order.index(at) if at else order.index(siblings[-1] if siblings else parent) + 1
        order.insert(before, key)
        siblings.insert(siblings.index(at) if at else len(siblings), key)
        return True

    def _first_after(self, key: str, others: Iterator[str]) -> str | None:
        """The first of `others` (in order) that `key` sorts before; "" when none does; None
        after PLACE_SCAN of them (a sort costs less then). A sort is stable: `key`, the newest
        in the model, goes after the ones it ties with."""
        sort_key, reverse = self.sort_key, self.sort_reverse
        mine = sort_key(self.model[key])
        for steps, other in enumerate(others):
            if steps == PLACE_SCAN:
                return None
            theirs = sort_key(self.model[other])
            if (mine > theirs) if reverse else (mine < theirs):
                return other
        return ""

    def parent_key(self, key: str) -> str | None:
        """The row `key` is folded under, if that row is in the model."""
        parent = self.parent_of(self.model[key]) if self.parent_of is not None else None
        return parent if parent != key and parent in self.model else None

    def children_of(self, key: str) -> list[str]:
        self._all_in_order()
        return self._children.get(key, [])

    def ordered(self, keys: Iterable[str]) -> list[str]:
        """Those of `keys` in the model, in the table's order."""
        wanted = set(keys)
        return [key for key in self._all_in_order() if key in wanted]

    def matches(self, key: str) -> bool:
        """Whether the row is shown: a child while its parent is shown and unfolded; a top row
        when it or one of its children matches the filters."""
        if self.parent_of is None:
            return self._matches_alone(key)
        parent = self.parent_key(key)
        if parent is not None:
            return parent in self.unfolded and self.matches(parent)
        return self._matches_alone(key) or any(map(self._matches_alone, self.children_of(key)))

    def _matches_alone(self, key: str) -> bool:
        if self.row_filter is not None and not self.row_filter(self.model[key]):
            return False
        if not self._words:
            return True
        text = self._search.get(key)
        if text is None:
            text = self._search[key] = self.search_text(self.model[key]).lower()
        return all(word in text for word in self._words)

    # ---- writing ---------------------------------------------------------------------------

    def show(self, records: Mapping[str, Any]) -> None:
        """Make the model exactly `records`: new keys are added, changed cells updated, gone rows
        removed (a rebuild when many go, as each removal costs O(rows))."""
        gone = [key for key in self.model if key not in records]
        if len(gone) > MANY_GONE:
            self.model = dict(records)
            self._order = None
            self._search.clear()
            self._lines.clear()
            self.refill()
            return
        for key in gone:
            self.remove(key)
        for key, record in records.items():
            self._set(key, record)
        self._queue = self.ordered(self._queue)  # the first screenful is the top one
        self._drain()

    def upsert(self, key: str, record: Any) -> None:
        """Add or update one row in place."""
        self._set(key, record)
        self._drain()

    def remove(self, key: str) -> None:
        self._changed()
        parent = self.parent_key(key) if key in self.model else None
        self.model.pop(key, None)
        self._order = None
        self._search.pop(key, None)
        self._lines.pop(key, None)
        self.unfolded.discard(key)
        if key in self.rows:
            self.remove_row(key)
        if parent is not None:
            self.redraw(parent)

    # ---- a tree's folds --------------------------------------------------------------------

    def unfold(self, key: str) -> bool:
        """Show the rows under `key`; whether it has any."""
        children = self.children_of(key)
        if not children or key in self.unfolded:
            return False
        self.unfolded.add(key)
        self._changed()
        self.redraw(key)  # its fold mark
        for child in children:
            if child not in self._queued and self.matches(child):
                self._queue.append(child)
                self._queued.add(child)
        self._drain()
        return True

    def fold(self, key: str) -> bool:
        """Hide the rows under `key` again, the cursor put on it; whether it was unfolded."""
        if key not in self.unfolded:
            return False
        self.unfolded.discard(key)
        self._changed()
        if key in self.rows:  # above its children: removing them does not move it
            self.move_cursor(row=self.get_row_index(key), animate=False)
        shown = [child for child in self.children_of(key) if child in self.rows]
        if len(shown) > MANY_GONE:
            self.refill()
        else:
            for child in shown:
                self._remove_row(child)
        self.redraw(key)
        return True

    def action_unfold(self) -> None:
        key = self.current_key
        if key is None or not self.unfold(key):
            self.action_cursor_right()

    def action_fold(self) -> None:
        key = self.current_key
        if key is None or not self.fold(self.parent_key(key) or key):
            self.action_cursor_left()

    def redraw(self, key: str) -> None:
        """Render a row again (what it shows depends on more than its record)."""
        if key in self.model:
            self._set(key, self.model[key], force=True)

    def set_order(self, key: Callable[[Any], Any] | None, *, reverse: bool = False) -> None:
        """Sort the rows by `key(record)` (None: the model's order), the cursor kept on its row."""
        self.sort_key, self.sort_reverse, self._order = key, reverse, None
        self._changed()
        self._reorder()

    def _reorder(self, *, follow_top: bool = False) -> None:
        """Put the table's rows in order: a new row is added at the end, then moved here. The
        cursor stays on its row, or with `follow_top` on the first row if it was there (so it
        follows the newest execution as they come)."""
        if self.sort_key is None or not self.row_count:
            return
        keep = None if follow_top and self.cursor_row == 0 else self.current_key
        row_keys = {row_key.value: row_key for row_key in self.rows}
        keys = self.ordered(row_keys)
        placed = self._row_locations._forward  # RowKey -> row, looked up by its text
        if all(placed.get(key) == at for at, key in enumerate(keys)):
            return
        # The rows' own keys: 10,000 new ones per execution started were garbage to collect.
        self._row_locations = TwoWayDict({row_keys[key]: at for at, key in enumerate(keys)})
        self._update_count += 1
        self.refresh()
        row = self.get_row_index(keep) if keep in self.rows else 0
        self.move_cursor(row=row, animate=False)

    def set_filter(self, text: str) -> None:
        if text != self.filter_text:
            self.filter_text = text
            self._words = text.lower().split()
            self.refill()

    def refill(self) -> None:
        """Rebuild the table from the model; the cursor stays on its row if it is still shown."""
        self._changed()  # a filter may have changed
        current = self.current_key
        self._keep = current if current in self.model and self.matches(current) else None
        if self._filler is not None:
            self._filler.cancel()
            self._filler = None
        self.clear()
        self._queue = list(self.shown_keys())  # drained as rows go in
        self._queued = set(self._queue)
        self._drain()

    def _set(self, key: str, record: Any, force: bool = False) -> None:
        old = self.model.get(key)
        self.model[key] = record
        if old == record and not force:
            return
        self._changed()
        moved = (
            old is not None
            and self.sort_key is not None
            and self.sort_key(old) != self.sort_key(record)
        )
        if moved or (old is None and not self._place(key)):
            self._order = None
        if old is None and self.parent_key(key) is not None:
            self._child_added(self.parent_key(key))
        self._search.pop(key, None)
        if key in self.rows:
            if not self.matches(key):
                self._remove_row(key)
                return
            cells = self.render_row(record)
            if cells != self._lines[key].cells:
                self._lines[key] = line = RowLine(cells, self._widths)
                if self._measure(cells):
                    self._layout()
                self._replace_line(key, line)
                if moved:
                    self._reorder()
            return
        self._lines.pop(key, None)
        if key not in self._queued and self.matches(key):
            self._queue.append(key)
            self._queued.add(key)

    def _replace_line(self, key: str, line: RowLine) -> None:
        """Show a changed row, dropping only its own drawing from DataTable's caches: its
        update_cell drops every row's, and a change while a run goes (each task) drew the 35
        rows on screen again, 15 ms. (DataTable's private caches: textual is pinned below 9.)"""
        self._data[RowKey(key)][ROW] = line
        for cache in (self._cells_by_key, self._cell_render_cache, self._row_render_cache):
            cached_keys = cache.keys()  # an LRUCache cannot be iterated itself
            for cached in [cached for cached in cached_keys if cached[0] == key]:
                cache.discard(cached)
        row = self.get_row_index(key)
        self._row_renderable_cache.discard((self._update_count, row))
        self._line_cache.clear()  # by screen line; made again from the rows' drawings
        self.refresh_row(row)

    def _child_added(self, parent: str) -> None:
        """Draw the parent's fold mark; while filtered, the child may make it match. (Not while
        a whole model is being read: the parent is drawn once it comes in.)"""
        filtered = self._words or self.row_filter is not None
        if parent in self.rows or (filtered and parent not in self._queued):
            self.redraw(parent)

    def _remove_row(self, key: str) -> None:
        self._lines.pop(key, None)
        self.remove_row(key)

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
        await asyncio.sleep(FIRST_PAUSE)  # the screen shows the first batch before any other
        while self._queue:
            self._add_batch(BATCH)
            await asyncio.sleep(PAUSE)  # keys and repaints go between batches
        self.filled.set()
        # Make the filter's texts now, in slices, so the first `/` letter does not wait on them.
        keys = list(self.model)
        for start in range(0, len(keys), BATCH):
            for key in keys[start : start + BATCH]:
                if key in self.model and key not in self._search:
                    self._search[key] = self.search_text(self.model[key]).lower()
            await asyncio.sleep(PAUSE)

    def _add_batch(self, size: int) -> None:
        batch, self._queue[:size] = self._queue[:size], []
        at_end = self.follow_end and self.cursor_row >= self.row_count - 1
        grown = False
        for key in batch:
            self._queued.discard(key)
            record = self.model.get(key)
            if record is not None and key not in self.rows and self.matches(key):
                line = self._lines.get(key)
                if line is None:
                    line = self._lines[key] = RowLine(self.render_row(record), self._widths)
                    grown = self._measure(line.cells) or grown
                self.add_row(line, key=key)
        if grown:
            self._layout()
        if self.sort_key is not None and self._keep is None and batch:
            self._reorder(follow_top=True)
        if self._keep is not None and self._keep in self.rows:
            self.move_cursor(row=self.get_row_index(self._keep), animate=False)
            self._keep = None
        elif at_end and batch:
            self.move_cursor(row=self.row_count - 1, animate=False)
