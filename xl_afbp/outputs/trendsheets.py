"""The trend sheets of ``podsumowanie.xlsx``: the key indicators over every survey year.

*Trendy – region*: the region's aggregate (ratio of sums) and median per year, a line chart
per indicator. *Trendy – grupy*: for each subtype and each subtype × population band of at
least three libraries, the medians per year and a chart of their index (first year = 100,
so indicators of different units share one chart). *Historia bibliotek*: each library's
values, year by year. The data is :class:`~xl_afbp.consolidate.trends.Trends`, computed
from the database (every year it holds); this module only lays it out.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from openpyxl.chart import LineChart, Reference

from ..consolidate.records import LEVEL_SUBTYPE, MIN_GROUP
from ..consolidate.trends import Trends
from .numbers import excel_round
from ..workbook import styles as sty
from ..workbook.cells import set_text
from .sheetwriter import _col

CHART_ROWS = 15  # rows a chart covers (7.5 cm)


def write_trend_sheets(x: Any, trends: Trends) -> None:
    """The three trend sheets (``x``: the summary's :class:`~.summary._Sheets`)."""
    if not trends.years:
        return
    _region_sheet(x, trends)
    _groups_sheet(x, trends)
    _libraries_sheet(x, trends)


def _span(trends: Trends) -> str:
    first, last = trends.years[0], trends.years[-1]
    return f"{first}–{last}" if first != last else str(first)


def _number(v: Any) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def _line_chart(title: str, y_title: str, height: float = 7.5, width: float = 15) -> LineChart:
    chart = LineChart()
    chart.title = title
    chart.y_axis.title = y_title
    chart.x_axis.title = "rok"
    chart.x_axis.delete = False  # openpyxl ≥ 3.1 hides axes unless told otherwise
    chart.y_axis.delete = False
    chart.height, chart.width = height, width
    return chart


def _region_sheet(x: Any, trends: Trends) -> None:
    w, con, ind_fmt = x.w, x.con, x.ind_fmt
    ws = w.sheet("Trendy – region", f"Kluczowe wskaźniki {_span(trends)}{' – ' + con.region_label if con.region_label else ''}", [
        "Każdy rok z bazy danych: wskaźnik ZAGREGOWANY regionu (iloraz sum pozycji bibliotek z wartością wskaźnika) i, osobno, mediana wartości bibliotek.",
        f"Rok z mniej niż {MIN_GROUP} bibliotekami z wartością wskaźnika nie ma wartości (pojedyncze biblioteki nie są ujawniane).",
    ])
    agg, med, n = trends.region_table("agregat"), trends.region_table("mediana"), trends.region_table("n_bibliotek")
    header = ["Rok", "Bibliotek"] + [f"{c} zagregowany" for c in trends.indicators] + [f"{c} mediana" for c in trends.indicators]
    sty.header_row(ws, 5, header)
    for i, year in enumerate(trends.years, start=6):
        ws.cell(row=i, column=1, value=year)
        libs = n.loc[year].max() if len(trends.indicators) else None
        ws.cell(row=i, column=2, value=None if libs is None or pd.isna(libs) else int(libs))
        for j, code in enumerate(trends.indicators):
            for k, table in ((3 + j, agg), (3 + len(trends.indicators) + j, med)):
                cell = ws.cell(row=i, column=k, value=_number(table.loc[year, code]))
                cell.number_format = ind_fmt.get(code, "0.00")
    ws.column_dimensions["A"].width = 8
    for j in range(2, len(header) + 1):
        ws.column_dimensions[_col(j)].width = 13
    ws.row_dimensions[5].height = 30
    last = 5 + len(trends.years)
    names = {i.code: i.name for i in x.spec.indicators}
    for j, code in enumerate(trends.indicators):
        chart = _line_chart(f"{code}: {names.get(code, code)}", "wartość")
        for col in (3 + j, 3 + len(trends.indicators) + j):
            chart.add_data(Reference(ws, min_col=col, min_row=5, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=6, max_row=last))
        ws.add_chart(chart, f"{'A' if j % 2 == 0 else 'I'}{last + 3 + (CHART_ROWS + 1) * (j // 2)}")
    _landscape(ws)


def _group_title(poziom: str, podtyp: str, przedzial: str) -> str:
    return f"{podtyp} – wszystkie przedziały" if poziom == LEVEL_SUBTYPE else f"{podtyp}, {przedzial} mieszkańców"


def _groups_sheet(x: Any, trends: Trends) -> None:
    w, ind_fmt = x.w, x.ind_fmt
    ws = w.sheet("Trendy – grupy", f"Mediany kluczowych wskaźników w grupach bibliotek {_span(trends)}", [
        f"Podtypy i grupy podtyp × przedział liczby mieszkańców; tylko lata, w których grupa liczyła co najmniej {MIN_GROUP} biblioteki z wartością wskaźnika.",
        "Wykres grupy: indeks mediany (pierwszy rok z wartością = 100), żeby wskaźniki o różnych jednostkach zmieściły się na jednym wykresie.",
    ])
    codes = trends.indicators
    row = 5
    for poziom, podtyp, przedzial in trends.group_keys():
        medians = trends.group_table(podtyp, przedzial, "mediana")
        sizes = trends.group_table(podtyp, przedzial, "n_grupy")
        set_text(ws, row, 1, _group_title(poziom, podtyp, przedzial))  # names come from the forms: never formulas
        ws.cell(row=row, column=1).font = sty.BOLD
        header_row = row + 1
        sty.header_row(ws, header_row, ["Rok", "Bibliotek w grupie"] + [f"{c} mediana" for c in codes] + [f"{c} indeks" for c in codes])
        ws.row_dimensions[header_row].height = 30
        # the index base of each indicator: its first year with a median
        bases = {code: next((_number(medians.loc[y, code]) for y in trends.years if _number(medians.loc[y, code])), None) for code in codes}
        for i, year in enumerate(trends.years, start=header_row + 1):
            ws.cell(row=i, column=1, value=year)
            size = sizes.loc[year].max() if len(codes) else None
            ws.cell(row=i, column=2, value=None if size is None or pd.isna(size) else int(size))
            for j, code in enumerate(codes):
                v = _number(medians.loc[year, code])
                ws.cell(row=i, column=3 + j, value=v).number_format = ind_fmt.get(code, "0.00")
                base = bases[code]
                index = excel_round(v / base * 100, 1) if v is not None and base else None
                ws.cell(row=i, column=3 + len(codes) + j, value=index).number_format = "0.0"
        last = header_row + len(trends.years)
        chart = _line_chart(_group_title(poziom, podtyp, przedzial), "indeks (pierwszy rok = 100)", height=6.5, width=16)
        chart.add_data(Reference(ws, min_col=3 + len(codes), max_col=2 + 2 * len(codes), min_row=header_row, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=header_row + 1, max_row=last))
        ws.add_chart(chart, f"A{last + 2}")
        row = last + 2 + CHART_ROWS
    ws.column_dimensions["A"].width = 14
    for j in range(2, 3 + 2 * len(codes)):
        ws.column_dimensions[_col(j)].width = 12
    _landscape(ws)


def _libraries_sheet(x: Any, trends: Trends) -> None:
    w, ind_fmt = x.w, x.ind_fmt
    table = trends.library_table()
    ws = w.sheet("Historia bibliotek", f"Kluczowe wskaźniki bibliotek {_span(trends)}", ["Wartości wskaźników każdej biblioteki z kolejnych lat (z bazy danych); puste pole: brak wartości albo brak formularza w danym roku."])
    columns = [("id", "Identyfikator", None, 16), ("nazwa", "Nazwa", None, 44), ("podtyp", "Podtyp", None, 30)]
    columns += [(c, c, ind_fmt.get(c.split(" ")[0], "0.00"), 11) for c in table.columns if c not in ("id", "nazwa", "podtyp")]
    keys = [c[0] for c in columns]
    rows = table[keys].astype(object).where(table[keys].notna(), None).values.tolist()
    w.table(ws, 4, columns, rows, freeze_col=2)


def _landscape(ws) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
