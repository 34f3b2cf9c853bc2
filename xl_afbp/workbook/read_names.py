"""Read cell values through the defined-name contract (never through fixed addresses)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries


def name_targets(wb) -> dict[str, tuple[str, tuple[int, int, int, int]]]:
    """Defined name → (sheet title, (min_col, min_row, max_col, max_row))."""
    out = {}
    for name, dn in wb.defined_names.items():
        for sheet, ref in dn.destinations:
            out[name] = (sheet, range_boundaries(ref.replace("$", "")))
    return out


def normalise(value: Any) -> Any:
    """Empty text (a formula's "no value") and missing cells both become None."""
    return None if value == "" else value


def read_named_values(path: Path | str, wanted: Iterable[str] | None = None) -> dict[str, Any]:
    """Values (cached results for formulas) of single-cell names; ranges give lists."""
    wb = load_workbook(path, data_only=True, read_only=False)
    targets = name_targets(wb)
    out: dict[str, Any] = {}
    for name in wanted if wanted is not None else targets:
        sheet, (c1, r1, c2, r2) = targets[name]
        ws = wb[sheet]
        cells = [normalise(ws.cell(row=r, column=c).value) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]
        out[name] = cells[0] if len(cells) == 1 else cells
    return out
