"""The analyst workbook: a library table with the AFBP add-in functions next to native formulas.

One row per library with the inputs under the headers ``P01`` … ``P34`` and ``P21_01`` …
``P21_12`` (the consolidator's column names), then, for a few key indicators, two columns:

* ``=AFBP_INDICATOR("U05",$B$1:$AU$1,B2:AU2)`` – the UDF of :mod:`afbp_udfs` (needs the
  xlwings add-in, Lite or Server; without it Excel shows ``#NAME?``);
* the same indicator as a **native** Excel formula over that row's cells, rendered by the
  engine's :class:`~xl_afbp.expr.excel.ExcelRenderer` (the defined names of the form, e.g.
  ``P_16``, replaced by the row's cell, e.g. ``Q2``) – works in any spreadsheet.

Both must agree; the second sheet shows the array functions (``AFBP_INDICATORS``,
``AFBP_CHECKS``, ``AFBP_INFO``, ``AFBP_INDICATOR`` over a range of codes), each as one
single-cell dynamic-array formula that spills (:mod:`xl_afbp.spill`). Written with
openpyxl, so formulas have no cached values: Excel calculates them on opening.
"""

from __future__ import annotations

import csv
import importlib.resources
import io
import re
from pathlib import Path
from typing import Any, Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula

from . import names, spelling
from .engine import Engine, get_engine
from .spill import make_dynamic
from .expr.excel import ExcelRenderer
from .formdata import FormData

#: Indicators shown with both formulas (a ratio, a percentage, a "+1" divisor, the services count …).
DEFAULT_FILENAME = "afbp-analityk.xlsx"
TABLE_SHEET, ARRAY_SHEET, INFO_SHEET = "Biblioteki", "Funkcje tablicowe", "Informacje"

_NAME_TOKEN = re.compile(r"(?<![A-Za-z0-9_.$])([A-Z][A-Z0-9]*_[A-Z0-9_]+)(?![A-Za-z0-9_(])")
_STRING = re.compile(r'("(?:[^"]|"")*")')
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_UDF_FILL = PatternFill("solid", fgColor="FFF2CC")
_NATIVE_FILL = PatternFill("solid", fgColor="E2EFDA")


# ---------------------------------------------------------------------------- columns
def input_headers(engine: Engine) -> list[tuple[str, str]]:
    """``(header, spec reference)`` of the table's input columns: P01…P34, then P21_01…P21_12."""
    spec = engine.spec
    out = [(f"P{it.nr:02d}", it.ref) for it in sorted(spec.items, key=lambda i: i.nr)]
    svc = spec.services_item
    if svc is not None:
        out += [(f"P{svc.nr}_{s.nr:02d}", f"P{svc.nr}_{s.nr:02d}") for s in spec.services]
    return out


def row_cells(engine: Engine, row: int, first_col: int = 2) -> dict[str, str]:
    """Defined name → that row's cell (``P_16`` → ``Q2``; the services group ``P_21`` → ``AJ2:AU2``)."""
    spec = engine.spec
    out: dict[str, str] = {}
    col = first_col
    for header, ref in input_headers(engine):
        letter = get_column_letter(col)
        if "_" in ref:
            nr, s = ref[1:].split("_")
            out[names.service(int(s), int(nr))] = f"{letter}{row}"
        else:
            out[names.item(int(ref[1:]))] = f"{letter}{row}"
        col += 1
    svc = spec.services_item
    if svc is not None and spec.services:
        first = out[names.service(spec.services[0].nr, svc.nr)]
        last = out[names.service(spec.services[-1].nr, svc.nr)]
        out[names.item(svc.nr)] = f"{first}:{last}"  # the services group (``P_21``), used by count_yes
    return out


def localize(formula: str, cells: dict[str, str]) -> str:
    """Replace the defined names of a rendered formula by cell addresses (text literals untouched).

    Raises ``ValueError`` when the formula uses a name that has no cell in ``cells`` (e.g. a
    K-03 row or last year's value), so a half-translated formula is never written.
    """
    parts = _STRING.split(formula)
    for i in range(0, len(parts), 2):  # even parts are outside string literals
        def repl(m: re.Match) -> str:
            name = m.group(1)
            if name not in cells:
                raise ValueError(f"no cell for the defined name {name} in {formula!r}")
            return cells[name]

        parts[i] = _NAME_TOKEN.sub(repl, parts[i])
    return "".join(parts)


def native_formula(engine: Engine, code: str, row: int, first_col: int = 2) -> str:
    """The native Excel formula (without ``=``) of indicator ``code`` over one table row."""
    ind = engine.spec.indicator(code)
    text = ExcelRenderer(engine.ctx).guarded(engine.parse(ind.formula))
    return localize(text, row_cells(engine, row, first_col))


def udf_formula(code: str, header_range: str, row_range: str) -> str:
    return f'AFBP_INDICATOR("{code}",{header_range},{row_range})'


# ---------------------------------------------------------------------------- example rows
def _sample_libraries(limit: int) -> list[dict[str, str]]:
    path = importlib.resources.files("xl_afbp") / "data" / "sample_libraries.csv"
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    # a spread of sizes: every k-th library of the sample
    step = max(1, len(rows) // limit)
    return rows[::step] + [r for i, r in enumerate(rows) if i % step]


def example_rows(count: int = 12) -> list[tuple[str, FormData]]:
    """``(library name, form)`` of simulated libraries; hand-written rows if simulation is unavailable."""
    try:
        from .demo.simulate import simulate_form
    except ImportError:
        return _handwritten_rows()
    out: list[tuple[str, FormData]] = []
    try:
        for i, lib in enumerate(_sample_libraries(count)):
            try:
                form = simulate_form(
                    int(lib["mieszkancy"]),
                    int(lib["filie"]),
                    seed=f"analyst-{i}",
                    podtyp=lib["podtyp"],
                    organizator=lib["organizator"],
                    www=lib.get("www") or None,
                    nazwa=lib["nazwa"],
                )
            except ValueError:
                continue
            out.append((lib["nazwa"], form))
            if len(out) >= count:
                break
    except Exception:  # noqa: BLE001 - the simulator is optional; fall back to fixed rows
        return _handwritten_rows()
    return out or _handwritten_rows()


def _handwritten_rows() -> list[tuple[str, FormData]]:
    """Three plausible libraries typed by hand (one without a survey, one with a gap)."""
    services = {i: ("TAK" if i <= 7 else "NIE") for i in range(1, 13)}

    def form(items: dict[int, Any], svc: dict[int, str]) -> FormData:
        return FormData(items=items, services=dict(svc))

    small = form({1: 6896, 2: 980, 3: "#", 4: 31000, 5: 950, 6: 620, 7: 700, 8: 12, 9: 30500, 10: 180, 11: 38,
                  12: 5, 13: 1, 14: 9800, 15: 4200, 16: 14500, 17: 3, 18: 900, 19: 1600, 20: 210, 22: 3.25,
                  23: 3, 24: 2.5, 25: 40, 26: 310000, 27: 0, 28: 290000, 29: 32000000, 30: 15000, 31: 28000,
                  32: 500, 33: 1500, 34: 205000}, services)
    town = form({1: 39789, 2: 6900, 3: 4.4, 4: 160000, 5: 5200, 6: 3900, 7: 4100, 8: 85, 9: 158000, 10: 1400,
                 11: 52.5, 12: 28, 13: 7, 14: 61000, 15: 38000, 16: 98000, 17: 40, 18: 12000, 19: 14000,
                 20: 1900, 22: 24.75, 23: 20.5, 24: 17.25, 25: 310, 26: 2150000, 27: 120000, 28: 1950000,
                 29: 165000000, 30: 120000, 31: 190000, 32: 4000, 33: 12000, 34: 1420000},
                {i: ("TAK" if i != 7 else "NIE") for i in range(1, 13)})
    gap = form({1: 8618, 2: 1100, 3: "#", 4: 42000, 5: 1300, 6: 900, 7: 1200, 8: 15, 9: 41000, 10: 240, 11: 40,
                12: 6, 13: 3, 14: 12500, 15: "#", 16: None, 17: 0, 18: 1500, 19: 2300, 20: 300, 22: 5.5,
                23: 5, 24: 4, 25: 60, 26: 520000, 27: 30000, 28: 480000, 29: 45000000, 30: 25000, 31: 41000,
                32: 800, 33: 2000, 34: 350000}, services)
    return [
        ("Gminna Biblioteka Publiczna (przykład, ręcznie)", small),
        ("Miejska Biblioteka Publiczna (przykład, ręcznie)", town),
        ("Biblioteka z luką w danych (przykład, ręcznie)", gap),
    ]


def _normalize_rows(rows: Iterable[Any]) -> list[tuple[str, FormData]]:
    out = []
    for i, r in enumerate(rows, start=1):
        if isinstance(r, FormData):
            name = r.basic.get("NAZWA") or f"Biblioteka {i}"
            out.append((str(name), r))
        else:
            name, form = r
            out.append((str(name), form))
    return out


# ---------------------------------------------------------------------------- workbook
def build_analyst_workbook(
    rows: Iterable[Any] | None = None,
    *,
    engine: Engine | None = None,
    indicators: Sequence[str] | None = None,
) -> Workbook:
    engine = engine or get_engine()
    spec = engine.spec
    indicators = tuple(indicators) if indicators is not None else spec.key_indicators
    table = _normalize_rows(rows) if rows is not None else example_rows()
    headers = input_headers(engine)
    first_col, last_col = 2, 1 + len(headers)
    last_letter = get_column_letter(last_col)
    header_range = f"$B$1:${last_letter}$1"
    svc = spec.services_item

    wb = Workbook()
    ws = wb.active
    ws.title = TABLE_SHEET
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")

    ws.cell(row=1, column=1, value="Biblioteka")
    for j, (header, _) in enumerate(headers):
        ws.cell(row=1, column=first_col + j, value=header)
    col = last_col + 1
    ind_cols: list[tuple[str, int]] = []
    for code in indicators:
        ind = spec.indicator(code)
        ws.cell(row=1, column=col, value=f"{code} {ind.name} – funkcja AFBP_INDICATOR (dodatek)")
        ws.cell(row=1, column=col + 1, value=f"{code} {ind.name} – formuła Excela (bez dodatku)")
        ind_cols.append((code, col))
        col += 2
    for c in range(1, col):
        cell = ws.cell(row=1, column=c)
        cell.font, cell.alignment, cell.fill = bold, wrap, _HEADER_FILL

    for r, (name, form) in enumerate(table, start=2):
        ws.cell(row=r, column=1, value=name)
        for j, (header, ref) in enumerate(headers):
            cell = ws.cell(row=r, column=first_col + j)
            if svc is not None and ref == svc.ref:
                first = get_column_letter(first_col + len(headers) - len(spec.services))
                cell.value = f'=COUNTIF({first}{r}:{last_letter}{r},"TAK")'  # poz. 21 = number of TAK
                continue
            value = form.get(ref)
            cell.value = None if value == "" else value
        row_range = f"B{r}:{last_letter}{r}"
        for code, c in ind_cols:
            fmt = spec.indicator(code).format
            udf = ws.cell(row=r, column=c, value="=" + udf_formula(code, header_range, row_range))
            native = ws.cell(row=r, column=c + 1, value="=" + native_formula(engine, code, r, first_col))
            udf.fill, native.fill = _UDF_FILL, _NATIVE_FILL
            udf.number_format = native.number_format = fmt

    ws.freeze_panes = "B2"
    ws.column_dimensions["A"].width = 48
    for c in range(first_col, last_col + 1):
        ws.column_dimensions[get_column_letter(c)].width = 10
    for _, c in ind_cols:
        ws.column_dimensions[get_column_letter(c)].width = 22
        ws.column_dimensions[get_column_letter(c + 1)].width = 22
    ws.row_dimensions[1].height = 75

    _array_sheet(wb, header_range, last_letter, indicators)
    _info_sheet(wb, spec)
    return wb


def _spilling(ws, cell: str, formula: str) -> None:
    """One formula in one cell whose result spills (made dynamic by :func:`make_dynamic`)."""
    ws[cell] = ArrayFormula(cell, formula)


def _array_sheet(wb: Workbook, header_range: str, last_letter: str, codes: Sequence[str]) -> None:
    ws = wb.create_sheet(ARRAY_SHEET)
    src = f"'{TABLE_SHEET}'!"
    row = f"{src}{header_range},{src}B2:{last_letter}2"
    titles = {
        "A1": "Wszystkie wskaźniki pierwszej biblioteki z tabeli – AFBP_INDICATORS (jedna formuła, wynik się rozlewa):",
        "F1": "Opis wskaźnika – AFBP_INFO:",
        "F4": "Niespełnione reguły pierwszej biblioteki – AFBP_CHECKS:",
        "K1": "AFBP_INDICATOR z zakresem kodów (wiersz 2) – jeden wynik na kod:",
    }
    for cell, text in titles.items():
        ws[cell] = text
        ws[cell].font = Font(bold=True)
    _spilling(ws, "A2", f"=AFBP_INDICATORS({row})")
    _spilling(ws, "F2", '=AFBP_INFO("U05")')
    _spilling(ws, "F5", f"=AFBP_CHECKS({row})")
    for j, code in enumerate(codes):
        ws.cell(row=2, column=11 + j, value=code).font = Font(bold=True)
    last_code = get_column_letter(10 + len(codes))
    _spilling(ws, "K3", f"=AFBP_INDICATOR(K2:{last_code}2,{row})")
    ws.column_dimensions["B"].width = 60
    ws.column_dimensions["F"].width = 40
    ws.column_dimensions["G"].width = 40
    ws.column_dimensions["H"].width = 60


def _info_sheet(wb: Workbook, spec) -> None:
    ws = wb.create_sheet(INFO_SHEET)
    svc = spec.services_item
    first = spelling.item(min(i.nr for i in spec.items))
    services = [spelling.service(svc.nr, s.nr).header for s in spec.services] if svc else []
    svc_line = (
        f"Poz. {svc.nr} w tabeli to liczba usług TAK (formuła), a {services[0]}…{services[-1]} to odpowiedzi na {len(services)} usług."
        if svc else ""
    )
    n_items = len(spec.items)
    lines = [
        "Arkusz analityka AFBP (xl-afbp)",
        "",
        "Kolumny żółte: funkcje dodatku AFBP (AFBP_INDICATOR, AFBP_INDICATORS, AFBP_INFO, AFBP_CHECKS). Działają tylko z",
        "dodatkiem xlwings (Windows, moduł UDF afbp_udfs), w xlwings Lite albo z xlwings Server (tam z przestrzenią nazw",
        "dodatku, np. =AFBP.AFBP_INDICATOR(...)). Bez dodatku Excel pokaże #NAZWA?.",
        "Kolumny zielone: ten sam wskaźnik jako zwykła formuła Excela – działa wszędzie; obie wartości muszą być równe.",
        "",
        "Puste pole = brak wartości (brak danych, znak # – nie badano, tekst albo dzielnik równy 0).",
        "Błędny argument daje błąd #ARG! (#VALUE!) – opis błędu po najechaniu na znacznik komórki (Lite, Server).",
        "Błąd można przechwycić: =JEŻELI.BŁĄD(AFBP_INDICATOR(\"U05\"; B2:AU2); \"sprawdź dane\").",
        svc_line,
        f"Funkcje przyjmują: {n_items} lub {n_items + len(services)} komórek w kolejności pozycji, pary (pozycja, wartość) albo nagłówki i wartości.",
        f"Nagłówki to tekst ({first.header}, {names.item(first.nr)}, {first.label}); dwa wiersze liczb albo dwa razy ta sama pozycja to błąd.",
        "",
        "Arkusz „Funkcje tablicowe”: każda funkcja to jedna formuła w jednej komórce, a wynik rozlewa się na sąsiednie",
        "komórki (tablice dynamiczne, Excel 365 i 2021). Excel 2016 i 2019 pokażą tylko pierwszą wartość: zaznacz cały",
        "zakres wyniku, wpisz formułę i zatwierdź klawiszami Ctrl+Shift+Enter.",
        "",
        "Instrukcja instalacji: docs/udfs.md w repozytorium xl-afbp (polecenia xl-afbp udfs config / lite / server).",
    ]
    for i, text in enumerate(lines, start=1):
        ws.cell(row=i, column=1, value=text)
    ws["A1"].font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 120


def write_analyst_workbook(path: str | Path, rows: Iterable[Any] | None = None) -> Path:
    """Write the analyst workbook (.xlsx) to ``path`` (a file, or a folder → ``afbp-analityk.xlsx``).

    ``rows``: ``(library name, FormData)`` pairs or FormData objects; default: simulated
    example libraries (:func:`xl_afbp.demo.simulate.simulate_form`), or three hand-written rows.
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        path = path / DEFAULT_FILENAME
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    build_analyst_workbook(rows).save(buffer)
    path.write_bytes(make_dynamic(buffer.getvalue()))  # the array formulas spill in Excel 365
    return path


__all__ = [
    "build_analyst_workbook",
    "example_rows",
    "input_headers",
    "localize",
    "native_formula",
    "row_cells",
    "udf_formula",
    "write_analyst_workbook",
]
