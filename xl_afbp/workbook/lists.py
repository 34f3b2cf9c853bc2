"""The hidden ``_teryt`` sheet: the TERYT register as the form's drop-downs and rules read it.

Columns (every list starts in row 1):

=====  ===================================  ==================================================
A      ``L_WOJEWODZTWO``                    województwa
B, C   ``L_POW_KEYS``, ``L_POW_NAMES``      powiaty, grouped by województwo (for OFFSET)
D–F    ``L_GMI_KEYS``, ``L_GMI_NAMES``,     gminy, dzielnice and delegatury, grouped by
       ``L_GMI_CODES``                      "województwo|powiat", with their TERC codes
G, H   ``L_TERYT_WOJ``,                     16 rows: a województwo and the text of its units
       ``L_TERYT_JEDNOSTKI``                ``|powiat>gmina=code|…|`` that ``teryt_ok()`` searches
I      ``L_GMI_FULL``                       "województwo|powiat|gmina", same rows as D–F
J      ``L_MSC_COUNT``                      number of localities of the gmina in that row
K…     ``L_MSC_FIRST`` (K1)                 the localities (SIMC) of that gmina, across
=====  ===================================  ==================================================

Rule ``teryt_ok()`` reads only G and H (Python reads the same texts from
:func:`xl_afbp.teryt.places`): 32 cells, so any engine recalculates it quickly. The rest
feeds the drop-downs; the localities run across a row (105 at most), so the sheet has
~2,500 rows, not 50,000. J and K… (the Miejscowość lists, most of a blank form) are left
out of a personalised form, whose place is prefilled.

The lists are the same in every form: :mod:`.template` writes them once per process and
copies that sheet into every layout instead of letting openpyxl write them again for each.
"""

from __future__ import annotations

from functools import lru_cache

from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from .. import names
from .cells import absolute, define
from .layout import TERYT

#: Defined name → column of the lists every form has (rows 1 … the list's length).
NAMES = {
    "L_WOJEWODZTWO": 1,
    "L_POW_KEYS": 2,
    "L_POW_NAMES": 3,
    "L_GMI_KEYS": 4,
    "L_GMI_NAMES": 5,
    "L_GMI_CODES": 6,
    names.TERYT_WOJ: 7,
    names.TERYT_UNITS: 8,
    "L_GMI_FULL": 9,
}
#: The columns rule ``teryt_ok()`` reads (all a workbook without drop-downs needs).
REGISTER = (names.TERYT_WOJ, names.TERYT_UNITS)
COUNT_COL, LOCALITIES_COL = 10, 11  # J: localities per gmina row; K…: the localities


@lru_cache(maxsize=1)
def teryt_columns() -> tuple[tuple[str, ...], ...]:
    """Columns A–I (see the module's table). Each powiat's gminy are contiguous, so an
    OFFSET over them is the dependent list."""
    from .. import teryt

    register = teryt.load_terc()
    cols: list[list[str]] = [[w.display_name for w in register.wojewodztwa()]] + [[] for _ in range(8)]
    last = None
    for w, p, g in register.units():
        pow_key = f"{w.display_name}|{p.display_name}"
        if pow_key != last:  # the first gmina of a powiat: the powiat's own row
            last = pow_key
            cols[1].append(w.display_name)
            cols[2].append(p.display_name)
        cols[3].append(pow_key)
        cols[4].append(g.display_name)
        cols[5].append(g.code7)
        cols[8].append(f"{pow_key}|{g.display_name}")
    for woj, units in teryt.register_texts():
        cols[6].append(woj)
        cols[7].append(units)
    return tuple(tuple(c) for c in cols)


@lru_cache(maxsize=1)
def locality_rows() -> tuple[tuple[str, ...], ...]:
    """The localities of each gmina row of column F (SIMC), in the same order."""
    from ..simc import localities_by_unit

    places = localities_by_unit()
    return tuple(places[code] for code in teryt_columns()[5])


def write_teryt(ws: Worksheet, *, localities: bool = True, register_only: bool = False) -> None:
    """The lists' cells; ``register_only`` writes only what ``teryt_ok()`` reads (G, H:
    a workbook without drop-downs), ``localities=False`` leaves out J and K…."""
    cols = teryt_columns()
    for name, c in NAMES.items():
        if register_only and name not in REGISTER:
            continue
        for r, value in enumerate(cols[c - 1], start=1):
            ws.cell(row=r, column=c, value=value)
    if localities and not register_only:
        for r, row in enumerate(locality_rows(), start=1):
            ws.cell(row=r, column=COUNT_COL, value=len(row))
            for c, value in enumerate(row, start=LOCALITIES_COL):
                ws.cell(row=r, column=c, value=value)


def teryt_ranges(*, localities: bool = True, register_only: bool = False) -> dict[str, tuple[int, int, int]]:
    """Defined name → (column, last row, last column) on the _teryt sheet."""
    cols = teryt_columns()
    out = {name: (c, len(cols[c - 1]), c) for name, c in NAMES.items() if not register_only or name in REGISTER}
    if localities and not register_only:
        out["L_MSC_COUNT"] = (COUNT_COL, len(cols[5]), COUNT_COL)
        out["L_MSC_FIRST"] = (LOCALITIES_COL, 1, LOCALITIES_COL)
    return out


def define_teryt(wb: Workbook, ws: Worksheet, *, localities: bool = True, register_only: bool = False) -> None:
    """The defined names of the lists on ``ws`` (whether or not its cells are written yet)."""
    for name, (col, last_row, last_col) in teryt_ranges(localities=localities, register_only=register_only).items():
        single = (last_row, last_col) == (1, col)
        define(wb, name, absolute(ws, 1, col, None if single else last_row, None if single else last_col))


def add_register_sheet(wb: Workbook) -> None:
    """A hidden _teryt sheet with only what rule ``teryt_ok()`` reads (a workbook without
    the drop-downs, such as the plain parity workbook)."""
    ws = wb.create_sheet(TERYT)
    ws.sheet_state = "hidden"
    write_teryt(ws, register_only=True)
    define_teryt(wb, ws, register_only=True)


def list_source(level: str, parent_keys: list[str]) -> str | None:
    """The data-validation list formula of a TERYT basic field: ``parent_keys`` are the
    defined names of the fields above it (województwo, powiat, gmina), in that order."""
    if level == "wojewodztwo":
        return "L_WOJEWODZTWO"
    key = '&"|"&'.join(parent_keys)
    if level == "powiat":
        return f"OFFSET(L_POW_NAMES,MATCH({key},L_POW_KEYS,0)-1,0,COUNTIF(L_POW_KEYS,{key}),1)"
    if level == "gmina":
        return f"OFFSET(L_GMI_NAMES,MATCH({key},L_GMI_KEYS,0)-1,0,COUNTIF(L_GMI_KEYS,{key}),1)"
    if level == "miejscowosc":
        row = f"MATCH({key},L_GMI_FULL,0)"
        return f"OFFSET(L_MSC_FIRST,{row}-1,0,1,MAX(1,INDEX(L_MSC_COUNT,{row})))"
    return None
