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
~2,500 rows, not 50,000.
"""

from __future__ import annotations

from openpyxl.workbook.workbook import Workbook

from .. import names
from .cells import absolute, define

SHEET = "_teryt"
LOCALITIES_COL = 11  # K


def write_teryt_lists(wb: Workbook, *, dropdowns: bool = True, localities: bool = True) -> None:
    """Add the hidden ``_teryt`` sheet and its defined names. ``dropdowns=False`` writes only
    what rule ``teryt_ok()`` reads (G, H: the plain parity workbook); ``localities=False``
    leaves out the Miejscowość lists, which a personalised form does not offer."""
    from .. import teryt

    ws = wb.create_sheet(SHEET)
    ws.sheet_state = "hidden"
    texts = teryt.register_texts()
    for r, (woj, units) in enumerate(texts, start=1):
        ws.cell(row=r, column=7, value=woj)
        ws.cell(row=r, column=8, value=units)
    define(wb, names.TERYT_WOJ, absolute(ws, 1, 7, len(texts), 7))
    define(wb, names.TERYT_UNITS, absolute(ws, 1, 8, len(texts), 8))
    if dropdowns:
        _dropdowns(wb, ws, localities)


def _dropdowns(wb: Workbook, ws, localities: bool) -> None:
    from .. import teryt
    from ..simc import localities_by_unit

    woj = teryt.wojewodztwa()
    for r, w in enumerate(woj, start=1):
        ws.cell(row=r, column=1, value=w.name)
    places = localities_by_unit() if localities else {}
    r_pow = r_gmi = 1
    last = None
    for w, p, g in teryt.load_terc().units():
        pow_key = f"{w.display_name}|{p.display_name}"
        if pow_key != last:  # the first gmina of a powiat: the powiat's own row
            last = pow_key
            ws.cell(row=r_pow, column=2, value=w.display_name)
            ws.cell(row=r_pow, column=3, value=p.display_name)
            r_pow += 1
        for col, value in ((4, pow_key), (5, g.display_name), (6, g.code7), (9, f"{pow_key}|{g.display_name}")):
            ws.cell(row=r_gmi, column=col, value=value)
        if places:
            ws.cell(row=r_gmi, column=10, value=len(places[g.code7]))
            for c, name in enumerate(places[g.code7], start=LOCALITIES_COL):
                ws.cell(row=r_gmi, column=c, value=name)
        r_gmi += 1
    define(wb, "L_WOJEWODZTWO", absolute(ws, 1, 1, len(woj), 1))
    define(wb, "L_POW_KEYS", absolute(ws, 1, 2, r_pow - 1, 2))
    define(wb, "L_POW_NAMES", absolute(ws, 1, 3, r_pow - 1, 3))
    define(wb, "L_GMI_KEYS", absolute(ws, 1, 4, r_gmi - 1, 4))
    define(wb, "L_GMI_NAMES", absolute(ws, 1, 5, r_gmi - 1, 5))
    define(wb, "L_GMI_CODES", absolute(ws, 1, 6, r_gmi - 1, 6))
    define(wb, "L_GMI_FULL", absolute(ws, 1, 9, r_gmi - 1, 9))
    if places:
        define(wb, "L_MSC_COUNT", absolute(ws, 1, 10, r_gmi - 1, 10))
        define(wb, "L_MSC_FIRST", absolute(ws, 1, LOCALITIES_COL))


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
