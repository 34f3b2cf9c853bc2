"""The TERYT lists behind the województwo → powiat → gmina drop-downs (hidden sheet ``_teryt``).

The lists are the same in every form, and they are the biggest part of one (some 7,500
cells): :mod:`.template` writes them once per process and copies that sheet into every
layout instead of letting openpyxl write them again for each.
"""

from __future__ import annotations

from functools import lru_cache

from openpyxl.worksheet.worksheet import Worksheet

#: Defined name → column of the _teryt sheet (the rows run from 1 to the list's length).
NAMES = {"L_WOJEWODZTWO": 1, "L_POW_KEYS": 2, "L_POW_NAMES": 3, "L_GMI_KEYS": 4, "L_GMI_NAMES": 5}


@lru_cache(maxsize=1)
def teryt_columns() -> tuple[tuple[str, ...], ...]:
    """Six columns: województwa; (województwo, powiat) per powiat; (key, gmina, code) per gmina.
    Each powiat's gminy are contiguous, so an OFFSET over them is the dependent list."""
    from .. import teryt

    woj = teryt.wojewodztwa()
    cols: list[list[str]] = [[w.name for w in woj], [], [], [], [], []]
    for w in woj:
        for p in teryt.powiaty(w.code):
            cols[1].append(w.name)
            cols[2].append(p.display_name)
            for g in teryt.gminy(p.code):
                cols[3].append(f"{w.name}|{p.display_name}")
                cols[4].append(g.display_name)
                cols[5].append(g.code7)
    return tuple(tuple(c) for c in cols)


def write_teryt(ws: Worksheet) -> None:
    for c, values in enumerate(teryt_columns(), start=1):
        for r, value in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=value)


def teryt_ranges() -> dict[str, tuple[int, int]]:
    """Defined name → (column, last row) on the _teryt sheet."""
    cols = teryt_columns()
    return {name: (col, len(cols[col - 1])) for name, col in NAMES.items()}
