"""Type values into a generated form through its defined names, as a librarian would.

Used by tests (fill, recalculate, compare) and by the demo (simulated returned forms).
openpyxl keeps validations, protection, hidden states and defined names when it saves, but
drops cached formula results: the file is like one typed in and saved without recalculation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from openpyxl import load_workbook

from .. import names
from ..formdata import FormData
from .cells import set_text
from .read_names import name_targets


def typed_values(data: FormData, engine, *, available: set[str]) -> Iterator[tuple[str, Any, int]]:
    """(defined name, value, unit offset) of every input ``data`` holds, as a librarian types
    them: items and services always, basic data and K-03 cells only when given."""
    for it in engine.spec.items:
        if it.numeric and it.nr in data.items:
            yield names.item(it.nr), data.items[it.nr], 0
    for nr, v in data.services.items():
        yield names.service(nr), v, 0
    for key, v in data.basic.items():
        if names.basic(key) in available and v is not None:
            yield names.basic(key), v, 0
    for address, row in data.k03.items():
        for u, v in enumerate(row):
            if v is not None:
                yield names.k03_row(address), v, u


def fill_form(src: Path | str, data: FormData, dst: Path | str, *, engine=None) -> Path:
    """Copy ``src`` to ``dst`` with the inputs of ``data`` typed in (empty stays empty)."""
    from ..engine import get_engine

    wb = load_workbook(src)
    targets = name_targets(wb)
    engine = engine or get_engine()

    for name, value, offset in typed_values(data, engine, available=set(targets)):
        sheet, (c1, r1, c2, _r2) = targets[name]
        if c1 + offset > c2:
            raise ValueError(f"{name} has {c2 - c1 + 1} unit columns, value for unit {offset + 1} does not fit")
        set_text(wb[sheet], r1, c1 + offset, None if value == "" else value)
    wb.save(dst)
    return Path(dst)
