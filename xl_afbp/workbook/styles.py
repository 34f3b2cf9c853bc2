"""Cell styles of the generated workbooks: what colours mean, in one place.

Input cells are pale yellow and unlocked; computed cells are grey, locked and their
formulas hidden; prefilled data is pale blue and locked. Conditional formatting adds
green / orange / red to statuses and red to inputs that break their rule.

One look in Excel and LibreOffice: every font is named (a font without a name is drawn in
each application's own default: Cambria beside Calibri in LibreOffice), every cell is
aligned to the top (labels that wrap and their values start on the same line), and number
formats never end in optional decimals: Excel shows ``#,##0.##`` as "2 354," for a whole
number, LibreOffice as "2 354". A number is shown with the decimals its definition allows.
"""

from __future__ import annotations

from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.worksheet import Worksheet

from .. import status

FONT = "Calibri"
INPUT_FILL = PatternFill("solid", fgColor="FFF9DB")
PREFILLED_FILL = PatternFill("solid", fgColor="E3F0FB")
COMPUTED_FILL = PatternFill("solid", fgColor="EEEEEE")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
SECTION_FILL = PatternFill("solid", fgColor="D9E2F3")
OK_FILL = PatternFill("solid", fgColor="C6EFCE")
WARN_FILL = PatternFill("solid", fgColor="FFE699")
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")

BODY_SIZE, NOTE_SIZE, TITLE_SIZE = 11, 9, 14
BODY_FONT = Font(name=FONT, size=BODY_SIZE)
HEADER_FONT = Font(name=FONT, size=BODY_SIZE, bold=True, color="FFFFFF")
TITLE_FONT = Font(name=FONT, size=TITLE_SIZE, bold=True, color="1F4E79")
BOLD = Font(name=FONT, size=BODY_SIZE, bold=True)
NOTE_FONT = Font(name=FONT, size=NOTE_SIZE, italic=True, color="595959")
DETAIL_FONT = Font(name=FONT, size=NOTE_SIZE, color="404040")
THIN = Side(style="thin", color="BFBFBF")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TOP = Alignment(vertical="top")
WRAP = Alignment(wrap_text=True, vertical="top")

UNLOCKED = Protection(locked=False, hidden=False)
LOCKED_HIDDEN = Protection(locked=True, hidden=True)
LOCKED = Protection(locked=True, hidden=False)

GENERAL = "General"  # shows what was typed, whole or decimal, alike in both applications
TEXT = "@"  # a text cell: a code typed with leading zeros (a TERYT code) keeps them
COUNT = "0"
CHANGE = "+0%;-0%;0%"
INDEX = "0"


def number_format(decimals: int = 0) -> str:
    """Thousands separated, exactly ``decimals`` decimal places: ``#,##0`` or ``#,##0.00``."""
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def grouped(fmt: str) -> str:
    """A spec number format (``0.00``) with thousands separators (``#,##0.00``)."""
    if fmt.startswith("0") and "#" not in fmt:
        return "#,##" + fmt
    return fmt


def _style(cell, fill: PatternFill, protection: Protection, number_format: str | None) -> None:
    cell.fill, cell.border, cell.protection, cell.alignment = fill, BOX, protection, TOP
    if number_format:
        cell.number_format = number_format


def style_input(cell, number_format: str | None = None) -> None:
    _style(cell, INPUT_FILL, UNLOCKED, number_format)


def style_prefilled(cell, number_format: str | None = None) -> None:
    _style(cell, PREFILLED_FILL, LOCKED, number_format)


def style_computed(cell, number_format: str | None = None) -> None:
    _style(cell, COMPUTED_FILL, LOCKED_HIDDEN, number_format)


def label(cell, *, wrap: bool = True, font: Font | None = None) -> None:
    cell.alignment = WRAP if wrap else TOP
    if font is not None:
        cell.font = font


def header_row(ws: Worksheet, row: int, labels: list[str], start_col: int = 1) -> None:
    for i, text in enumerate(labels):
        cell = ws.cell(row=row, column=start_col + i, value=text)
        cell.fill, cell.font, cell.alignment, cell.border = HEADER_FILL, HEADER_FONT, WRAP, BOX


def section_row(ws: Worksheet, row: int, text: str, last_col: int, text_col: int = 1) -> None:
    ws.cell(row=row, column=text_col, value=text).font = BOLD
    for c in range(1, last_col + 1):
        cell = ws.cell(row=row, column=c)
        cell.fill = SECTION_FILL
        cell.alignment = TOP


def status_colours(ws: Worksheet, ref: str) -> None:
    """Green OK, orange warning/difference/incomplete, red error, grey text for "brak
    danych", "nie dotyczy" and "informacja" (a form being filled is mostly "brak danych": it
    should not shout; the other two ask for nothing)."""
    for text, fill in (
        (status.OK, OK_FILL),
        (status.WARNING, WARN_FILL),
        (status.DIFFERENCE, WARN_FILL),
        (status.INCOMPLETE, WARN_FILL),
        (status.ERROR, ERROR_FILL),
    ):
        ws.conditional_formatting.add(ref, CellIsRule(operator="equal", formula=[f'"{text}"'], fill=fill))
    for text in (status.NO_DATA, status.NOT_APPLICABLE, status.INFO):
        ws.conditional_formatting.add(ref, CellIsRule(operator="equal", formula=[f'"{text}"'], font=Font(color="A6A6A6")))


def flag_input_when(ws: Worksheet, ref: str, condition: str) -> None:
    """Red fill on an input cell while ``condition`` (a formula without '=') is true."""
    ws.conditional_formatting.add(ref, FormulaRule(formula=[condition], fill=ERROR_FILL, stopIfTrue=True))
