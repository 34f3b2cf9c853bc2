"""Small openpyxl helpers shared by every workbook writer: names, addresses, safe values."""

from __future__ import annotations

from typing import Any

from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from .. import names


def absolute(ws: Worksheet, row: int, col: int, row2: int | None = None, col2: int | None = None) -> str:
    """``'Sheet'!$B$2`` or ``'Sheet'!$B$2:$F$2``."""
    ref = f"${get_column_letter(col)}${row}"
    if row2 is not None and col2 is not None:
        ref += f":${get_column_letter(col2)}${row2}"
    return f"{quote_sheetname(ws.title)}!{ref}"


def define(wb: Workbook, name: str, target: str) -> None:
    """Add a workbook-scoped defined name, refusing names Excel would reject."""
    problem = names.name_problem(name)
    if problem:
        raise ValueError(f"defined name {name!r}: {problem}")
    wb.defined_names[name] = DefinedName(name, attr_text=target)


def set_formula(ws: Worksheet, row: int, col: int, formula: str) -> None:
    ws.cell(row=row, column=col).value = "=" + formula


def set_text(ws: Worksheet, row: int, col: int, value: Any) -> None:
    """Write a value that came from outside as data, never as a formula.

    openpyxl stores any string starting with ``=`` as a formula; such text is written as an
    explicit string cell instead, so ``=HYPERLINK(...)`` typed by a user stays text.
    """
    cell = ws.cell(row=row, column=col)
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"

