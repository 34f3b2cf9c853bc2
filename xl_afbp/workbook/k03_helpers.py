"""Helper formulas of the K-03 sheet: which unit columns hold data.

Every workbook with a K-03 sheet provides two defined names: the number of unit columns
holding any value (``K_JEDNOSTKI_Z_DANYMI``: 0 means the K-03 sheet was not filled, and the
form's K-03 state cell says so) and the number of *branch* columns among them
(``K_FILIE_Z_DANYMI``; the first unit column is the main library), shown on the K-03 sheet.
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from .. import names
from .cells import absolute, define, set_formula


def write_unit_flags(wb: Workbook, ws: Worksheet, *, first_row: int, last_row: int, first_col: int, units: int, flag_row: int, total_col: int) -> None:
    """Write a 1/0 flag per unit column in ``flag_row`` and the two totals in ``total_col``.

    ``COUNTA`` counts numbers and text (TAK/NIE) alike, so a branch that only answered the
    service questions still counts as filled.
    """
    for u in range(units):
        col = get_column_letter(first_col + u)
        set_formula(ws, flag_row, first_col + u, f"IF(COUNTA({col}{first_row}:{col}{last_row})>0,1,0)")
    first = get_column_letter(first_col)
    second = get_column_letter(first_col + 1)
    last = get_column_letter(first_col + units - 1)
    set_formula(ws, flag_row, total_col, f"SUM({first}{flag_row}:{last}{flag_row})")
    set_formula(ws, flag_row + 1, total_col, f"SUM({second}{flag_row}:{last}{flag_row})" if units > 1 else "0")
    define(wb, names.UNITS_WITH_DATA, absolute(ws, flag_row, total_col))
    define(wb, names.BRANCHES_WITH_DATA, absolute(ws, flag_row + 1, total_col))
