"""A plain calculation workbook: every input and computed cell of the engine, unstyled.

It holds the whole defined-name contract with the engine's native formulas and one set of
input values, so a spreadsheet engine (LibreOffice, ``formulas``) can recalculate it and the
results can be compared with :meth:`xl_afbp.engine.Engine.values`. The styled form of
:mod:`xl_afbp.workbook.form` uses the same formulas; this one exists for parity tests and
for debugging a spec (``xl-afbp evaluate FILE --xlsx OUT``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook

from .. import names
from ..engine import Engine
from ..formdata import FormData
from .cells import absolute, define, set_formula, set_text
from .k03_helpers import write_unit_flags
from .lists import add_register_sheet

INPUT_SHEET, K03_SHEET, RESULT_SHEET = "Dane", "K03", "Wyniki"


def input_cells(engine: Engine) -> list[tuple[str, str]]:
    """``(defined name, spec reference)`` of every single-cell input, in sheet order."""
    spec = engine.spec
    out: list[tuple[str, str]] = []
    for it in spec.items:
        if it.type == "services":
            out += [(names.service(s.nr, it.nr), f"P{it.nr}_{s.nr:02d}") for s in spec.services]
        else:
            out.append((names.item(it.nr), it.ref))
    out += [(names.previous(it.nr), f"PREV{it.nr}") for it in spec.numeric_items]
    out += [(names.basic(b.key), f"B_{b.key}") for b in spec.basic]
    return out


def _cell_value(value: Any) -> Any:
    return None if value == "" else value


def build_plain_workbook(engine: Engine, data: FormData, *, units: int | None = None) -> Workbook:
    spec = engine.spec
    wb = Workbook()
    ws_in = wb.active
    ws_in.title = INPUT_SHEET
    row = 1
    svc = spec.services_item
    for name, ref in input_cells(engine):
        ws_in.cell(row=row, column=1, value=name)
        set_text(ws_in, row, 2, _cell_value(data.get(ref)))
        define(wb, name, absolute(ws_in, row, 2))
        row += 1
    if svc is not None:
        first = next(r for r, (n, _) in enumerate(input_cells(engine), start=1) if n == names.service(1, svc.nr))
        define(wb, names.item(svc.nr), absolute(ws_in, first, 2, first + len(spec.services) - 1, 2))

    ws_k = wb.create_sheet(K03_SHEET)
    n_units = units or max([len(v) for v in data.k03.values()] + [1])
    first_row, first_col = 2, 2
    for i, cell in enumerate(spec.k03_cells):
        r = first_row + i
        ws_k.cell(row=r, column=1, value=cell.address)
        for u, v in enumerate(data.k03.get(cell.address, ())):
            set_text(ws_k, r, first_col + u, _cell_value(v))
        define(wb, names.k03_row(cell.address), absolute(ws_k, r, first_col, r, first_col + n_units - 1))
    last_row = first_row + len(spec.k03_cells) - 1
    write_unit_flags(wb, ws_k, first_row=first_row, last_row=last_row, first_col=first_col, units=n_units, flag_row=last_row + 2, total_col=first_col + n_units + 1)

    add_register_sheet(wb)  # teryt_ok() looks places up in the workbook's own lists

    ws_out = wb.create_sheet(RESULT_SHEET)
    for r, f in enumerate(engine.formulas, start=1):
        ws_out.cell(row=r, column=1, value=f.name)
        set_formula(ws_out, r, 2, f.excel)
        define(wb, f.name, absolute(ws_out, r, 2))
    return wb


def write_plain_workbook(engine: Engine, data: FormData, path: Path, *, units: int | None = None) -> Path:
    build_plain_workbook(engine, data, units=units).save(path)
    return path
