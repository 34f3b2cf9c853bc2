"""Cell styles of the generated workbooks: what colours mean, in one place.

Input cells are pale yellow and unlocked; computed cells are grey, locked and their
formulas hidden; prefilled basic data is pale blue and locked. Conditional formatting adds
green / orange / red to statuses and red to inputs that break their rule.
"""

from __future__ import annotations

from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.worksheet import Worksheet

from .. import status

INPUT_FILL = PatternFill("solid", fgColor="FFF9DB")
PREFILLED_FILL = PatternFill("solid", fgColor="E3F0FB")
COMPUTED_FILL = PatternFill("solid", fgColor="EEEEEE")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
SECTION_FILL = PatternFill("solid", fgColor="D9E2F3")
OK_FILL = PatternFill("solid", fgColor="C6EFCE")
WARN_FILL = PatternFill("solid", fgColor="FFE699")
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")

HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=14, color="1F4E79")
BOLD = Font(bold=True)
NOTE_FONT = Font(italic=True, color="595959", size=9)
THIN = Side(style="thin", color="BFBFBF")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")

UNLOCKED = Protection(locked=False, hidden=False)
LOCKED_HIDDEN = Protection(locked=True, hidden=True)
LOCKED = Protection(locked=True, hidden=False)


def _style(cell, fill: PatternFill, protection: Protection, number_format: str | None) -> None:
    cell.fill, cell.border, cell.protection = fill, BOX, protection
    if number_format:
        cell.number_format = number_format


def style_input(cell, number_format: str | None = None) -> None:
    _style(cell, INPUT_FILL, UNLOCKED, number_format)


def style_prefilled(cell) -> None:
    _style(cell, PREFILLED_FILL, LOCKED, None)


def style_computed(cell, number_format: str | None = None) -> None:
    _style(cell, COMPUTED_FILL, LOCKED_HIDDEN, number_format)


def header_row(ws: Worksheet, row: int, labels: list[str], start_col: int = 1) -> None:
    for i, label in enumerate(labels):
        cell = ws.cell(row=row, column=start_col + i, value=label)
        cell.fill, cell.font, cell.alignment, cell.border = HEADER_FILL, HEADER_FONT, WRAP, BOX


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
