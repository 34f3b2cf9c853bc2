"""Print setup of the form's sheets: A4, margins, orientation, titles, header/footer, breaks.

Each sheet is printed at 100 % on A4, portrait when its columns fit the portrait width and
landscape otherwise; a sheet wider than landscape (the K-03 sheet of a big network) runs
over several pages across with its address columns repeated. "Fit to one page wide" stays
on as a guard, but the column widths are chosen so that it never has to shrink the text
(Excel and LibreOffice would otherwise print a wide sheet at 6 pt).

Every row has an explicit height (:mod:`.metrics`), so both applications break pages at
the same rows and :func:`page_breaks` can put a break before a section that would not fit
on the rest of a page, and never between an input and the definition printed under it.

Header and footer (Excel's codes, which LibreOffice reads): the library's name and the
survey year at the top, the sheet's name and "strona x z y" at the bottom.
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break, RowBreak
from openpyxl.worksheet.worksheet import Worksheet

from .metrics import columns_pt

A4_IN = (8.27, 11.69)
MARGINS_IN = dict(left=0.4, right=0.4, top=0.75, bottom=0.75, header=0.3, footer=0.3)
#: Page body used for the break calculation: a little less than the paper minus margins,
#: for rounding of row heights in either application.
BODY_USE = 0.96
HEADER_FOOTER_PT = 9
#: A section moves to a new page when it does not fit and less than this part of the page
#: is left for it.
SECTION_ROOM = 0.35
#: Excel limits a header or footer section to 255 characters with its codes.
NAME_MAX = 90


@dataclass(frozen=True)
class Page:
    landscape: bool
    fit_width: bool

    @property
    def width_pt(self) -> float:
        w = A4_IN[1] if self.landscape else A4_IN[0]
        return (w - MARGINS_IN["left"] - MARGINS_IN["right"]) * 72

    @property
    def height_pt(self) -> float:
        h = A4_IN[0] if self.landscape else A4_IN[1]
        return (h - MARGINS_IN["top"] - MARGINS_IN["bottom"]) * 72 * BODY_USE


def choose_page(widths) -> Page:
    """Portrait when the columns fit its width at 100 %, else landscape; wider still: pages
    across (no shrinking)."""
    need = columns_pt(widths)
    if need <= Page(False, True).width_pt:
        return Page(False, True)
    return Page(True, need <= Page(True, True).width_pt)


def header_text(text: str) -> str:
    """Text for a header or footer: '&' is a code there and is written '&&'."""
    text = " ".join(str(text).split())
    if len(text) > NAME_MAX:
        text = text[: NAME_MAX - 1] + "…"
    return text.replace("&", "&&")


def setup_page(ws: Worksheet, page: Page, *, title_rows: tuple[int, int] | None, title_cols: tuple[int, int] | None, library: str, year: int | str) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if page.landscape else "portrait"
    ws.page_setup.scale = 100
    ws.sheet_properties.pageSetUpPr.fitToPage = page.fit_width
    if page.fit_width:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
    ws.page_margins = PageMargins(**MARGINS_IN)
    ws.print_options.horizontalCentered = False
    if title_rows:
        ws.print_title_rows = f"{title_rows[0]}:{title_rows[1]}"
    if title_cols:
        from openpyxl.utils import get_column_letter

        ws.print_title_cols = f"{get_column_letter(title_cols[0])}:{get_column_letter(title_cols[1])}"
    for part, text in (
        (ws.oddHeader.left, header_text(library)),
        (ws.oddHeader.right, header_text(f"AFBP – dane za {year} r.")),
        (ws.oddFooter.left, "&A"),
        (ws.oddFooter.right, "strona &P z &N"),
    ):
        part.text = text
        part.font = "Calibri,Regular"
        part.size = HEADER_FOOTER_PT


def page_breaks(heights: dict[int, float], sections: list[list[list[int]]], *, page: Page, title_rows: tuple[int, int] | None, first_row: int = 1, hard: set[int] | frozenset[int] = frozenset()) -> list[int]:
    """Rows after which a page break goes.

    ``sections`` are lists of atoms (lists of rows that must stay on one page, e.g. an item
    and the definition under it). A section that does not fit on the rest of a page moves
    to the next one when less than :data:`SECTION_ROOM` of the page is left (a short stub
    of a section is hard to read; a big white gap wastes paper); an atom never splits.
    ``hard`` rows always start a page (a new part of a sheet, the chart).
    """
    titles = sum(heights.get(r, 0.0) for r in range(title_rows[0], title_rows[1] + 1)) if title_rows else 0.0
    room = page.height_pt
    breaks: list[int] = []
    used = 0.0

    def new_page(before: int) -> None:
        nonlocal used
        breaks.append(before - 1)
        used = titles

    section_at = {s[0][0]: s for s in sections if s and s[0]}
    in_sections = {r for s in sections for a in s for r in a}
    last = max([*heights, *hard], default=first_row)
    r = first_row
    while r <= last:
        if r in hard and used > titles:
            new_page(r)
        if r in section_at:
            sec = section_at[r]
            h = sum(heights.get(x, 0.0) for a in sec for x in a)
            if used + h > room and used > titles and room - used < SECTION_ROOM * room:
                new_page(r)
            for atom in sec:
                h = sum(heights.get(x, 0.0) for x in atom)
                if atom[0] in hard and used > titles and atom[0] != r:
                    new_page(atom[0])
                elif used + h > room and used > titles:
                    new_page(atom[0])
                used += h
            r = max(x for a in sec for x in a) + 1
            continue
        h = heights.get(r, 0.0)
        if r not in in_sections and used + h > room and used > titles:
            used = titles  # an automatic break: both applications put it here
        used += h
        r += 1
    return sorted(set(b for b in breaks if b >= first_row))


def add_breaks(ws: Worksheet, rows: list[int]) -> None:
    ws.row_breaks = RowBreak()
    for r in rows:
        ws.row_breaks.append(Break(id=r))
