"""``podsumowanie.xlsx`` plumbing: openpyxl for layout, styles and charts; table rows spliced in as XML."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from ..consolidate.facts import _Facts
from ..consolidate.records import Consolidation
from ..ooxml.cells import column_letter, data_cell_xml
from ..ooxml.parts import append_rows, sheet_parts, zipfile_text
from ..ooxml.zipcopy import compress, read_members, write_zip
from ..safetext import ooxml_text


# =============================================================================== outputs: labels
def _headers(facts: _Facts) -> dict[str, str]:
    """Column key → the Polish header of the workbook."""
    h = {
        "id": "Identyfikator", "nazwa": "Nazwa", "organizator": "Organizator", "podtyp": "Podtyp", "przedzial": "Przedział liczby mieszkańców",
        "wojewodztwo": "Województwo", "powiat": "Powiat", "gmina": "Gmina", "miejscowosc": "Miejscowość", "teryt": "TERYT",
        "status": "Status formularza", "bledy": "Błędy", "ostrzezenia": "Ostrzeżenia i różnice K-03", "braki": "Puste pola wymagane",
        "import": "Status importu", "plik": "Plik", "sha256": "SHA-256", "zapisano": "Zapisano",
    }
    for it in facts.items:
        h[f"P{it.nr:02d}"] = f"P{it.nr:02d} {it.short}"
    if facts.svc:
        for s in facts.spec.services:
            h[f"P{facts.svc.nr}_{s.nr:02d}"] = f"P{facts.svc.nr}_{s.nr:02d} {s.label}"
    for ind in facts.spec.indicators:
        h[ind.code] = f"{ind.code} {ind.name}" + (f" [{ind.unit}]" if ind.unit else "")
    return h


def _item_format(it) -> str:
    return "#,##0" if it.type != "decimal" else "#,##0." + "0" * max(1, int(it.decimals or 0))


# =============================================================================== outputs: workbook


def _col(n: int) -> str:
    return column_letter(n)


@dataclass
class _Bulk:
    """Data rows of one sheet, written as XML after openpyxl has saved the rest."""

    title: str
    first_row: int
    rows: list[list[Any]]
    styles: list[int] | Callable[[int], list[int]]
    last_col: int


class _SummaryWriter:
    """``podsumowanie.xlsx``: openpyxl for layout, styles and charts; table rows spliced in.

    openpyxl without lxml writes ~70 000 cells a second; the summary of 2,500 libraries has
    over 250 000. Headers, widths, filters, frozen panes, conditional formats and charts are
    made by openpyxl; the data rows are rendered here as sheet XML (numbers as numbers, every
    text as an inline string, so nothing read from a returned file can become a formula) with
    style ids registered in openpyxl's own style table, and inserted into the saved package.
    """

    def __init__(self, con: Consolidation, facts: _Facts):
        from openpyxl import Workbook

        self.con, self.facts = con, facts
        self.wb = Workbook()
        self.bulk: list[_Bulk] = []
        self._styles: dict[tuple, int] = {}
        self._sealed = False
        self.headers = _headers(facts)

    # -- styles ---------------------------------------------------------------------
    def style(self, number_format: str | None = None, *, bold: bool = False, fill: str | None = None, wrap: bool = False) -> int:
        key = (number_format, bold, fill, wrap)
        if key not in self._styles:
            if self._sealed:  # styles.xml is already written: register every style before save()
                raise RuntimeError(f"style {key} registered after the workbook was saved")
            from openpyxl.cell import Cell
            from openpyxl.styles import Alignment, Font, PatternFill

            cell = Cell(self.wb.active)
            if number_format:
                cell.number_format = number_format
            if bold:
                cell.font = Font(bold=True)
            if fill:
                cell.fill = PatternFill("solid", fgColor=fill)
            if wrap:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            self._styles[key] = cell.style_id
        return self._styles[key]

    # -- sheets ---------------------------------------------------------------------
    def sheet(self, title: str, heading: str, notes: Sequence[str] = ()):
        from ..workbook import styles as sty

        ws = self.wb.create_sheet(title)
        ws["A1"] = ooxml_text(heading)  # a heading may carry the region's name: data
        ws["A1"].data_type = "s"
        ws["A1"].font = sty.TITLE_FONT
        for i, note in enumerate(notes, start=2):
            cell = ws.cell(row=i, column=1, value=ooxml_text(note))
            cell.font, cell.data_type = sty.NOTE_FONT, "s"
        return ws

    def table(self, ws, header_row: int, columns: Sequence[tuple[str, str, str | None, float]], rows: list[list[Any]], *, styles: Callable[[int], list[int]] | None = None, freeze_col: int = 1, special: dict[str, str] | None = None) -> int:
        """Header (openpyxl) + bulk rows; columns = (key, header, number format, width). Returns the last row."""
        from openpyxl.styles import PatternFill

        from ..workbook import styles as sty

        sty.header_row(ws, header_row, [ooxml_text(c[1]) for c in columns])
        for i in range(1, len(columns) + 1):  # a group's name may be a subtype a form typed: text, never a formula
            ws.cell(row=header_row, column=i).data_type = "s"
        for k, fill in (special or {}).items():
            for i, c in enumerate(columns, start=1):
                if c[0] == k:
                    ws.cell(row=header_row, column=i).fill = PatternFill("solid", fgColor=fill)
        for i, c in enumerate(columns, start=1):
            ws.column_dimensions[_col(i)].width = c[3]
        longest = max((len(c[1]) / max(c[3], 1) for c in columns), default=1)
        ws.row_dimensions[header_row].height = 15 * min(6, max(1, math.ceil(longest * 1.15)))
        last = header_row + max(1, len(rows))
        ws.freeze_panes = f"{_col(freeze_col + 1)}{header_row + 1}"
        ws.auto_filter.ref = f"A{header_row}:{_col(len(columns))}{last}"
        per_col = [self.style(c[2]) for c in columns]
        self.bulk.append(_Bulk(ws.title, header_row + 1, rows, styles or per_col, len(columns)))
        ws.print_title_rows = f"{header_row}:{header_row}"
        if freeze_col > 1:
            ws.print_title_cols = f"A:{_col(freeze_col)}"
        return last

    # -- rendering ------------------------------------------------------------------
    def render(self, b: _Bulk) -> str:
        letters = [_col(i) for i in range(1, b.last_col + 1)]
        out = []
        fixed = b.styles if isinstance(b.styles, list) else None
        for i, row in enumerate(b.rows):
            r = b.first_row + i
            styles = fixed or b.styles(i)  # type: ignore[operator]
            cells = "".join(data_cell_xml(f"{letters[j]}{r}", styles[j], v) for j, v in enumerate(row))
            out.append(f'<row r="{r}">{cells}</row>')
        return "".join(out)

    def print_setup(self) -> None:
        """Every sheet prints on A4 landscape, one page wide (columns never run onto a second
        page), with the region and year in the header and the sheet and "strona x z y" in
        the footer – Excel's codes, which LibreOffice reads."""
        from ..workbook.printing import MARGINS_IN, header_text
        from openpyxl.worksheet.page import PageMargins

        con = self.con
        region = header_text(ooxml_text(con.region_label or con.region_name or ""))
        for ws in self.wb.worksheets:
            ws.page_setup.paperSize = ws.PAPERSIZE_A4
            ws.page_setup.orientation = "landscape"
            ws.sheet_properties.pageSetUpPr.fitToPage = True
            ws.page_setup.fitToWidth = 1
            ws.page_setup.fitToHeight = 0
            ws.page_margins = PageMargins(**MARGINS_IN)
            for part, text in ((ws.oddHeader.left, f"AFBP – {region}" if region else "AFBP"), (ws.oddHeader.right, f"dane za {con.year} r."), (ws.oddFooter.left, "&A"), (ws.oddFooter.right, "strona &P z &N")):
                part.text = text
                part.size = 9

    def save(self, path: Path) -> Path:
        self.print_setup()
        buf = io.BytesIO()
        self.wb.save(buf)
        self._sealed = True
        members = read_members(buf.getvalue())
        parts = sheet_parts(members)
        changed: dict[str, str] = {}
        for b in self.bulk:
            part = parts[b.title]
            xml = changed.get(part) or zipfile_text(members[part])
            changed[part] = append_rows(xml, self.render(b), b.first_row + len(b.rows) - 1, b.last_col)
        out = [compress(name, changed[name].encode("utf-8"), level=6) if name in changed else m for name, m in members.items()]
        write_zip(path, out)
        return path
