"""How big text is in a cell: column widths in pixels, wrapped lines, row heights.

Neither Excel nor LibreOffice grows a row to fit wrapped text when the file gives the row a
height, and LibreOffice does not grow merged cells at all; the forms therefore give every
row an explicit height, estimated here from Calibri's metrics (Carlito has the same advance
widths). Explicit heights also make printing predictable: both applications then break
pages at the same rows, so :mod:`.printing` can place page breaks between sections.

Units: Excel measures a column in characters of the default font's widest digit (7 px
for Calibri 11 at 96 dpi) plus 5 px of padding; row heights are in points (0.75 pt per px).
"""

from __future__ import annotations

from functools import lru_cache

from . import _carlito

DIGIT_PX = 7  # Calibri 11 at 96 dpi: the unit of Excel column widths
PADDING_PX = 5
CELL_MARGIN_PX = 3  # text starts ~2-3 px inside each cell edge
PX_PER_PT = 96 / 72
#: Line height in points by font size (Excel's row height for one line of Calibri).
LINE_PT = {8: 11.25, 9: 12.0, 10: 12.75, 11: 15.0, 12: 15.75, 14: 18.75}
#: Estimates err towards more lines: a clipped line is worse than a little white space.
SAFETY = 0.995

_WIDTHS = {False: dict(zip(_carlito.CHARS, _carlito.REGULAR)), True: dict(zip(_carlito.CHARS, _carlito.BOLD))}
_AVERAGE = {bold: sum(w.values()) / len(w) for bold, w in _WIDTHS.items()}


def column_px(width: float) -> int:
    """Pixels of a column of ``width`` characters (Excel's formula for Calibri 11)."""
    return int(width * DIGIT_PX + PADDING_PX)


def columns_pt(widths) -> float:
    """Printed width in points of columns given in characters."""
    return sum(column_px(w) for w in widths) / PX_PER_PT


@lru_cache(maxsize=8192)
def text_px(text: str, size: float = 11, bold: bool = False) -> float:
    """Width in pixels of one line of ``text`` at ``size`` points."""
    table, avg = _WIDTHS[bold], _AVERAGE[bold]
    units = sum(table.get(ch, avg) for ch in text)
    return units / _carlito.UNITS_PER_EM * size * PX_PER_PT


def wrapped_lines(text: str, width_px: float, size: float = 11, bold: bool = False) -> int:
    """Lines ``text`` takes when wrapped at word boundaries in a cell ``width_px`` wide."""
    room = max(1.0, (width_px - CELL_MARGIN_PX) * SAFETY)
    lines = 0
    for paragraph in str(text).split("\n"):
        lines += 1
        used = 0.0
        space = text_px(" ", size, bold)
        for word in paragraph.split(" "):
            w = text_px(word, size, bold)
            if used and used + space + w > room:
                lines += 1
                used = 0.0
            if w > room:  # a word longer than the cell is broken inside
                extra = int(w // room)
                lines += extra
                w -= extra * room
            used += (space if used else 0.0) + w
    return lines


def line_pt(size: float) -> float:
    return LINE_PT.get(int(size), round(size * 1.36, 2))


def row_pt(lines: int, size: float = 11) -> float:
    """Row height in points for ``lines`` lines of text at ``size`` points."""
    return round(max(1, lines) * line_pt(size), 2)
