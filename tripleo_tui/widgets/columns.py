"""How a table's columns share its width: names and free texts get the room their values need;
when the table is too narrow, growing columns are cut back to their usual width, then the last
declared (the least important) first, down to their minimum or out of sight. A cut value ends
with an ellipsis (RowLine)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

GAP = "  "  # between two columns


@dataclass(frozen=True, slots=True)
class Column:
    """`width`: a fixed column's width, a growing one's usual width (and its width before any
    row is in). `grow`: as wide as its longest value when there is room (names, messages).
    `min_width`: how far it may be cut when there is no room (None: not below `width`; 0: it
    vanishes rather than show less than half its width)."""

    key: str
    label: str
    width: int
    grow: bool = False
    min_width: int | None = None


def share_width(
    columns: Sequence[Column], longest: Sequence[int] | None, available: int
) -> tuple[int, ...]:
    """Each column's width (0: hidden) in `available` cells, gaps included. `longest`: the
    longest value seen in each column (None: no row yet). What is still too wide scrolls
    sideways."""
    longest = longest or [None] * len(columns)
    wanted = [_wanted(column, most) for column, most in zip(columns, longest, strict=True)]
    widths = list(wanted)
    excess = sum(widths) + len(GAP) * len(widths) - available
    for floor in (_usual, _least):
        for at in reversed(range(len(columns))):
            if excess <= 0:
                break
            cut = max(0, min(excess, widths[at] - floor(columns[at], wanted[at])))
            widths[at] -= cut
            excess -= cut
            if (
                floor is _least
                and columns[at].min_width == 0
                and widths[at] * 2 < columns[at].width
            ):
                excess -= widths[at] + len(GAP)
                widths[at] = 0
    for at, column in enumerate(columns):  # room freed by a hidden column: back to the cut
        if excess >= 0:
            break
        if widths[at] and column.grow:
            back = min(-excess, wanted[at] - widths[at])
            widths[at] += back
            excess += back
    return tuple(widths)


def _wanted(column: Column, longest: int | None) -> int:
    if not column.grow:
        return column.width
    return column.width if longest is None else max(len(column.label), longest)


def _usual(column: Column, wanted: int) -> int:
    return min(column.width, wanted)


def _least(column: Column, wanted: int) -> int:
    return min(column.width if column.min_width is None else column.min_width, wanted)
