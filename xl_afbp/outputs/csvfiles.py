"""The one CSV writer of the summary folder, and its tables.

Two dialects:

* :data:`EXCEL_PL` (the default): what a Polish Excel opens by double-click – UTF-8 with a
  byte-order mark (without it Excel reads UTF-8 as Windows-1250 and breaks every Polish
  letter), ``;`` between fields (a Polish Windows lists with ``;`` because ``,`` is the
  decimal mark) and decimal commas, numbers without grouping;
* :data:`MACHINE`: for programs – UTF-8 without BOM, ``,`` and decimal points.

Numbers are rounded as every other output rounds them (:mod:`.numbers`: Excel's half away
from zero, the decimals of the indicator's format or of the item). Text is data, never a
formula (``=``, ``+``, ``-``, ``@``, tab or CR first get an apostrophe), never breaks a row (a
field with ``;``, a quote, CR or LF is quoted: rows end with CRLF, so a bare CR is quoted too)
and never stops the writer (lone surrogates and control characters: :mod:`xl_afbp.safetext`).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from ..consolidate.facts import _Facts
from ..consolidate.records import Consolidation
from ..safetext import formula_safe, printable
from .numbers import MACHINE as MACHINE_NUMBERS
from .numbers import POLISH_PLAIN, NumberStyle, format_number, format_numbers, is_number, value_decimals


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV file is written."""

    name: str
    delimiter: str
    bom: bool
    numbers: NumberStyle


EXCEL_PL = CsvDialect("excel", ";", True, POLISH_PLAIN)
MACHINE = CsvDialect("machine", ",", False, MACHINE_NUMBERS)
DIALECTS = {d.name: d for d in (EXCEL_PL, MACHINE)}

#: decimals of a column: a fixed number, or one per row (a function of the row's values);
#: None: not a number
Decimals = int | Callable[[dict[str, Any]], int | None] | None


def _cell(value: Any, decimals: int | None, dialect: CsvDialect) -> str:
    if isinstance(value, float):  # the commonest cell first (numpy's float64 too)
        if value != value:
            return ""
        return format_number(value, value_decimals(value) if decimals is None else decimals, dialect.numbers, empty="")
    if decimals is None and type(value) is str:  # text (with decimals, "12" is written as a number)
        return formula_safe(printable(value))
    if value is None:
        return ""
    if decimals is not None and is_number(value):
        return format_number(value, decimals, dialect.numbers, empty="")
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)) or hasattr(value, "dtype"):
        return format_number(value, value_decimals(value), dialect.numbers, empty="") if is_number(value) else ""
    return formula_safe(printable(str(value)))


def write_csv(path: Path | str, columns: Sequence[str], rows: Iterable[dict[str, Any]], *, dialect: CsvDialect = EXCEL_PL, decimals: dict[str, Decimals] | None = None) -> Path:
    """Write ``rows`` (dicts) under ``columns``; ``decimals`` per column (see :data:`Decimals`)."""
    per_column = [(c, (decimals or {}).get(c)) for c in columns]
    cells = ([_cell(row.get(c), d(row) if callable(d) else d, dialect) for c, d in per_column] for row in rows)
    return _write(path, columns, cells, dialect)


def write_frame(df: pd.DataFrame, path: Path | str, *, dialect: CsvDialect = EXCEL_PL, decimals: dict[str, Decimals] | None = None) -> Path:
    """:func:`write_csv` of a DataFrame (NaN: empty), column by column: a float column with
    decimals is formatted at once (:func:`~.numbers.format_numbers`), the rest cell by cell."""
    records = df.to_dict("records")
    if not df.columns.is_unique:  # records keep one value per name: as write_csv writes them
        return write_csv(path, list(df.columns), records, dialect=dialect, decimals=decimals)
    columns = [_column(df[c], c, (decimals or {}).get(c), records, dialect) for c in df.columns]
    return _write(path, list(df.columns), zip(*columns) if columns else ([] for _ in records), dialect)


def _column(values: pd.Series, name: str, decimals: Decimals, records: list[dict[str, Any]], dialect: CsvDialect) -> list[str]:
    """The cells of one column of :func:`write_frame`, as :func:`_cell` writes them."""
    per_row = [decimals(r) for r in records] if callable(decimals) else [decimals] * len(records)
    numbers = all(d is not None for d in per_row)
    if numbers and values.dtype == np.float64:
        return format_numbers(values.to_numpy(), per_row, dialect.numbers, empty="")
    if numbers and values.dtype == object and all(type(r[name]) in _PLAIN for r in records):  # the items: int, float, None
        return format_numbers([math.nan if r[name] is None else r[name] for r in records], per_row, dialect.numbers, empty="")
    return [_cell(r[name], d, dialect) for r, d in zip(records, per_row)]


#: the types of a column of numbers and gaps that :func:`format_numbers` writes as :func:`_cell` does
_PLAIN = (int, float, type(None))


def _write(path: Path | str, columns: Sequence[str], cells: Iterable[Sequence[str]], dialect: CsvDialect) -> Path:
    with open(path, "w", encoding="utf-8-sig" if dialect.bom else "utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=dialect.delimiter, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow([formula_safe(printable(str(c))) for c in columns])
        writer.writerows(cells)
    return Path(path)


# =============================================================================== the tables
class TableDecimals:
    """The decimals of every numeric column of the consolidation's tables, from the spec."""

    def __init__(self, facts: _Facts):
        from .numbers import decimals_of

        self.indicator = {i.code: decimals_of(i.format) for i in facts.spec.indicators}
        self.item = {f"P{it.nr:02d}": int(it.decimals or 0) for it in facts.numeric}

    def of_row_code(self, key: str) -> Callable[[dict[str, Any]], int | None]:
        """Per row: the decimals of the indicator or item named in column ``key``."""

        def decimals(row: dict[str, Any]) -> int | None:
            code = row.get(key)
            if code in self.indicator:
                return self.indicator[code]
            return self.item.get(code, 2)

        return decimals

    def items(self) -> dict[str, Decimals]:
        """Input values keep the decimals they have (a whole item typed as 123.5: 123,5)."""
        return {c: (lambda row, c=c, d=d: value_decimals(row.get(c), d)) for c, d in self.item.items()}

    def libraries(self) -> dict[str, Decimals]:
        return {**self.items(), **self.indicator, "bledy": 0, "ostrzezenia": 0, "braki": 0}

    def group_stats(self) -> dict[str, Decimals]:
        per = self.of_row_code("wskaznik")
        return {**{c: per for c in ("srednia", "mediana", "q1", "q3", "min", "max", "agregat")}, "n": 0, "n_grupy": 0, "n_pominiete": 0}

    def powiaty(self) -> dict[str, Decimals]:
        return {**self.item, **self.indicator}

    def region(self) -> dict[str, Decimals]:
        per = self.of_row_code("kod")
        return {"wartosc": per, "mediana_bibliotek": per, "n": 0, "n_brak": 0, "n_pominiete": 0}

    def review(self) -> dict[str, Decimals]:
        per = self.of_row_code("wskaznik")
        return {**{c: per for c in ("wartosc", "mediana", "q1", "q3")}, "iloraz": 1, "n_grupy": 0}

    def findings(self) -> dict[str, Decimals]:
        return {c: (lambda row, c=c: value_decimals(row.get(c), 0)) for c in ("afbp", "k03", "k03_gorna")}


def write_csvs(con: Consolidation, out: Path, facts: _Facts, *, dialect: CsvDialect = EXCEL_PL) -> dict[str, Path]:
    """The CSV tables of the summary folder."""
    d = TableDecimals(facts)
    tables = {
        "biblioteki.csv": (con.libraries, d.libraries()),
        "wskazniki_grupy.csv": (con.group_stats, d.group_stats()),
        "powiaty.csv": (con.powiaty, d.powiaty()),
        "region.csv": (con.region, d.region()),
        "kontrola.csv": (con.findings, d.findings()),
        "do_sprawdzenia.csv": (con.review, d.review()),
        "import.csv": (con.import_log, {"rozmiar": 0}),
        "brakujace.csv": (con.missing, {}),
    }
    return {name: write_frame(df, out / name, dialect=dialect, decimals=dec) for name, (df, dec) in tables.items()}
