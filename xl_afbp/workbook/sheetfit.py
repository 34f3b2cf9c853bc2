"""Row heights and printable sections of a written sheet (see :mod:`.metrics`, :mod:`.printing`).

Every row of a visible sheet gets an explicit height: the tallest of its cells, each
estimated from its text, font and the width it wraps in (a merged cell: the visible
columns it spans). Formula cells count with the longest text they may show.
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .layout import SheetLayout
from .metrics import column_px, line_pt, row_pt, wrapped_lines

#: Rows of these kinds keep the row before them on the same page (a definition under its
#: input); a section's title or a table header keeps the next entry with it.
FOLLOWERS = ("help", "service_help")
LEADERS = ("section", "header")


def _spans(ws: Worksheet) -> dict[tuple[int, int], tuple[int, int]]:
    """(row, column) of a merged range's first cell → (first, last column)."""
    return {(m.min_row, m.min_col): (m.min_col, m.max_col) for m in ws.merged_cells.ranges}


def fit_rows(ws: Worksheet, sheet: SheetLayout, estimates: dict[tuple[str, int, int], str]) -> dict[int, float]:
    """Give every used row an explicit height; return the heights (0 for hidden rows)."""
    px = {i: (0 if c.hidden else column_px(c.width)) for i, c in enumerate(sheet.grid.columns, start=1)}
    spans = _spans(ws)
    heights: dict[int, float] = {}
    for row in ws.iter_rows(min_row=1, max_row=max(ws.max_row, sheet.last_row)):
        r = row[0].row
        height = line_pt(11)
        for cell in row:
            value = estimates.get((ws.title, r, cell.column), cell.value)
            if value is None or (isinstance(value, str) and value.startswith("=")):
                continue
            size = float(cell.font.sz or 11) if cell.font is not None else 11.0
            bold = bool(cell.font is not None and cell.font.b)
            first, last = spans.get((r, cell.column), (cell.column, cell.column))
            width = sum(px.get(c, column_px(ws.column_dimensions[get_column_letter(c)].width or 8.43)) for c in range(first, last + 1))
            wrap = cell.alignment is not None and cell.alignment.wrap_text
            lines = wrapped_lines(str(value), width, size, bold) if wrap and width else 1
            height = max(height, row_pt(lines, size))
        dim = ws.row_dimensions[r]
        dim.height = height
        if r in sheet.hidden_rows:
            dim.hidden = True
            heights[r] = 0.0
        else:
            heights[r] = height
    return heights


def sections_of(sheet: SheetLayout) -> list[list[list[int]]]:
    """The sheet's sections (from each section or header row on), as atoms of rows that
    must stay on one page: an entry with the definition under it; a section's title with
    the first entry."""
    sections: list[list[list[int]]] = []
    lead = False
    for row in sorted(sheet.rows, key=lambda x: x.row):
        if row.kind in LEADERS:
            sections.append([[row.row]])
            lead = True
        elif not sections:
            continue
        elif row.kind in FOLLOWERS:
            sections[-1][-1].append(row.row)
        elif lead:
            sections[-1][-1].append(row.row)
            lead = False
        else:
            sections[-1].append([row.row])
    return sections
