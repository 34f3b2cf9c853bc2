"""``podsumowanie.xlsx``: one function per sheet."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.styles import Alignment

from .. import status as st
from ..consolidate.facts import _Facts, _facts
from ..consolidate.records import ACCEPTED, ACCEPTED_WITH_WARNINGS, Consolidation, DUPLICATE, LEVEL_SUBTYPE, MIN_GROUP, REJECTED, SUPERSEDED
from ..consolidate.trends import Trends
from ..engine import Engine, get_engine
from ..workbook import styles as sty
from ..workbook.cells import set_text
from .sheetwriter import _SummaryWriter, _col, _item_format
from .trendsheets import write_trend_sheets


AGG_FILL = "FCE4D6"  # the aggregate columns: "this is not a median"


@dataclass
class _Sheets:
    """What every sheet function of the summary workbook needs."""

    w: _SummaryWriter
    con: Consolidation
    facts: _Facts

    @property
    def spec(self):
        return self.facts.spec

    @property
    def ind_fmt(self) -> dict[str, str]:
        return {i.code: i.format or "0.00" for i in self.spec.indicators}

    @property
    def item_by_col(self) -> dict[str, Any]:
        return {f"P{it.nr:02d}": it for it in self.facts.items}


def write_workbook(con: Consolidation, path: Path, *, engine: Engine | None = None, trends: Trends | None = None) -> Path:
    """``podsumowanie.xlsx``: Podsumowanie, Biblioteki, Wskaźniki wg grup, Powiaty, Region,
    Wykresy, the trend sheets (with ``trends``: every year of the database,
    :mod:`.trendsheets`), Kontrola, Import, Brakujące – one function per sheet, in that order."""
    facts = _facts(engine or get_engine(con.year))
    x = _Sheets(_SummaryWriter(con, facts), con, facts)
    _sheet_summary(x)
    _sheet_libraries(x)
    _sheet_groups(x)
    _sheet_powiaty(x)
    _sheet_region(x)
    _sheet_charts(x)
    if trends is not None:
        write_trend_sheets(x, trends)
    _sheet_findings(x)
    _sheet_import(x)
    _sheet_missing(x)
    x.w.wb.calculation.fullCalcOnLoad = False
    return x.w.save(Path(path))


def _colour_status(ws, ref: str, words: dict[str, Any]) -> None:
    """Conditional fills of a status column by the words its cells contain."""
    from openpyxl.formatting.rule import FormulaRule

    first = ref.split(":")[0]
    for word, fill in words.items():
        ws.conditional_formatting.add(ref, FormulaRule(formula=[f'ISNUMBER(SEARCH("{word}",{first}))'], fill=fill, stopIfTrue=True))


def _sheet_summary(x: _Sheets) -> None:
    """Podsumowanie: the counts of the import and a guide to the sheets."""
    w, con, facts, counts = x.w, x.con, x.facts, x.con.counts
    ws = w.wb.active
    ws.title = "Podsumowanie"
    ws["A1"] = f"AFBP {con.year} – zestawienie regionalne" + (f": {con.region_label}" if con.region_label else "")
    ws["A1"].font = sty.TITLE_FONT
    ws["A2"] = f"{con.spec_label}; {con.catalogue}. Wygenerowano {con.generated_at} (xl-afbp)."
    ws["A2"].font = sty.NOTE_FONT
    lines: list[tuple[str, Any]] = [
        ("Plików otrzymanych", len(con.entries)),
        ("przyjęte", counts[ACCEPTED]),
        ("przyjęte z uwagami", counts[ACCEPTED_WITH_WARNINGS]),
        ("odrzucone", counts[REJECTED]),
        ("duplikaty", counts[DUPLICATE]),
        ("zastąpione nowszym plikiem", counts[SUPERSEDED]),
        ("Bibliotek w zestawieniu", len(con.libraries)),
    ]
    if con.expected_count is not None:
        lines += [("Bibliotek na liście oczekiwanych", con.expected_count), ("Brakujące formularze", len(con.missing))]
    for text, label in ((st.ERROR, "Formularze z błędami (status „błąd”)"), (st.INCOMPLETE, "Formularze niekompletne (status „niekompletny”)")):
        lines.append((label, int((con.libraries["status"] == text).sum()) if len(con.libraries) else 0))
    for r, (label, value) in enumerate(lines, start=4):
        ws.cell(row=r, column=1, value=label).font = sty.BOLD if not label[0].islower() else sty.NOTE_FONT
        ws.cell(row=r, column=2, value=value).alignment = Alignment(horizontal="left")
    r = 5 + len(lines)
    item_range = f"P{facts.items[0].nr:02d}–P{facts.items[-1].nr:02d}"
    services = f"P{facts.svc.nr}" if facts.svc else "–"
    guide = [
        ("Arkusz", "Zawartość"),
        ("Biblioteki", f"jeden wiersz na bibliotekę: dane podstawowe, pozycje {item_range} i usługi {services}, {len(facts.codes)} wskaźniki przeliczone w Pythonie z danych wejściowych, status kontroli"),
        ("Wskaźniki wg grup", "dla grup podtyp × przedział, podtypów i regionu: n, średnia, mediana, Q1, Q3, min, max wartości bibliotek; osobno (pomarańczowa kolumna) wskaźnik zagregowany grupy = iloraz sum pozycji – to NIE jest mediana"),
        ("Powiaty", "liczba bibliotek, sumy pozycji addytywnych i wskaźniki zagregowane (ilorazy sum) w powiatach"),
        ("Region", "sumy pozycji addytywnych regionu i wskaźniki zagregowane liczone tym samym silnikiem z sum (nie mediany); obok, osobno, mediana bibliotek"),
        ("Wykresy", "mediany kluczowych wskaźników wg podtypu i liczba bibliotek wg podtypu"),
        ("Trendy – region", "kluczowe wskaźniki regionu w każdym roku z bazy danych: wskaźnik zagregowany i mediana bibliotek, z wykresami"),
        ("Trendy – grupy", f"mediany kluczowych wskaźników w podtypach i grupach (co najmniej {MIN_GROUP} biblioteki) w kolejnych latach, z wykresem indeksu"),
        ("Historia bibliotek", "kluczowe wskaźniki każdej biblioteki rok po roku"),
        ("Kontrola", "każdy błąd, ostrzeżenie, różnica K-03 i puste pole – biblioteka, kontrola, waga, komunikat, wartości"),
        ("Import", "każdy otrzymany plik: SHA-256, rozmiar, identyfikator, status importu i powód"),
        ("Brakujące", "biblioteki z listy, od których nie ma przyjętego formularza"),
        ("Kwartyle", "Q1 i Q3 metodą liniową (jak KWARTYL.PRZEDZ.ZAMK / QUARTILE.INC w Excelu); n = liczba bibliotek z wartością wskaźnika"),
    ]
    for i, (a, b) in enumerate(guide):
        ca, cb = ws.cell(row=r + i, column=1, value=a), ws.cell(row=r + i, column=2, value=b)
        cb.alignment = ca.alignment = sty.WRAP
        ws.row_dimensions[r + i].height = 15 * max(1, math.ceil(len(b) / 95))
        if i == 0:
            ca.font = cb.font = sty.BOLD
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 100
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0


def _sheet_libraries(x: _Sheets) -> None:
    """Biblioteki: one row per library (inputs, indicators, status)."""
    w, con, facts, ind_fmt = x.w, x.con, x.facts, x.ind_fmt
    lib = con.libraries
    ws = w.sheet("Biblioteki", f"Biblioteki – AFBP {con.year}", ["Wartości z formularzy (dane wejściowe); wskaźniki, kontrole i status przeliczone w Pythonie – wartości zapisane w plikach nie są używane."])
    item_by_col = {f"P{it.nr:02d}": it for it in facts.items}
    columns = []
    for c in lib.columns:
        if c in item_by_col:
            it = item_by_col[c]
            fmt = "0" if it.type == "services" else _item_format(it)
            columns.append((c, w.headers[c], fmt, 13))
        elif c in ind_fmt:
            columns.append((c, w.headers[c], ind_fmt[c], 13))
        elif c.startswith("P") and "_" in c:
            columns.append((c, w.headers.get(c, c), None, 9))
        elif c in ("bledy", "ostrzezenia", "braki"):
            columns.append((c, w.headers[c], "0", 10))
        else:
            columns.append((c, w.headers.get(c, c), None, {"id": 16, "nazwa": 44, "organizator": 28, "podtyp": 30, "sha256": 20}.get(c, 16)))
    rows = lib.astype(object).where(lib.notna(), None).values.tolist()
    last = w.table(ws, 4, columns, rows, freeze_col=2)
    keys = list(lib.columns)
    st_col = _col(keys.index("status") + 1)
    sty.status_colours(ws, f"{st_col}5:{st_col}{last}")
    imp_col = _col(keys.index("import") + 1)
    _colour_status(ws, f"{imp_col}5:{imp_col}{last}", {"uwagami": sty.WARN_FILL})


def _sheet_groups(x: _Sheets) -> None:
    """Wskaźniki wg grup: statistics of groups, subtypes and the region; the aggregate apart."""
    w, con, ind_fmt = x.w, x.con, x.ind_fmt
    gs = con.group_stats
    ws = w.sheet("Wskaźniki wg grup", f"Wskaźniki wg grup – AFBP {con.year}", [
        "Kolumny n … max: statystyki wartości wskaźnika w bibliotekach grupy (n = bibliotek z wartością; Q1/Q3 metodą liniową).",
        "Pomarańczowe kolumny: WSKAŹNIK ZAGREGOWANY grupy = iloraz sum pozycji wszystkich bibliotek grupy z wartością wskaźnika (ten sam silnik co w formularzu). To nie jest mediana ani średnia.",
    ])
    gcols = [
        ("poziom", "Poziom", None, 16), ("podtyp", "Podtyp", None, 30), ("przedzial", "Przedział", None, 16), ("wskaznik", "Kod", None, 7),
        ("nazwa", "Wskaźnik", None, 44), ("jednostka", "Jednostka", None, 9), ("n_grupy", "Bibliotek w grupie", "0", 10), ("n", "n (z wartością)", "0", 9),
        ("srednia", "Średnia", None, 11), ("mediana", "Mediana", None, 11), ("q1", "Q1", None, 11), ("q3", "Q3", None, 11), ("min", "Min", None, 11), ("max", "Max", None, 11),
        ("agregat", "Wskaźnik zagregowany grupy (iloraz sum – nie mediana)", None, 16), ("agregat_uwagi", "Uwagi do wskaźnika zagregowanego", None, 40),
    ]
    keys_g = [c[0] for c in gcols]
    gs_rows = gs[keys_g].astype(object).where(gs[keys_g].notna(), None).values.tolist()
    text_style, int_style = w.style(None), w.style("0")
    fmt_styles = {fmt: w.style(fmt) for fmt in sorted(set(ind_fmt.values()))}
    agg_styles = {fmt: w.style(fmt, fill=AGG_FILL) for fmt in sorted(set(ind_fmt.values()))}
    agg_text = w.style(None, fill=AGG_FILL)
    codes_g = gs["wskaznik"].tolist()

    def gstyles(i: int) -> list[int]:
        f = ind_fmt.get(codes_g[i], "0.00")
        return [text_style] * 6 + [int_style, int_style] + [fmt_styles[f]] * 6 + [agg_styles[f], agg_text]

    w.table(ws, 5, gcols, gs_rows, styles=gstyles, freeze_col=4, special={"agregat": "C65911", "agregat_uwagi": "C65911"})


def _sheet_powiaty(x: _Sheets) -> None:
    """Powiaty: sums of the additive items and aggregate indicators per powiat."""
    w, con, ind_fmt, item_by_col = x.w, x.con, x.ind_fmt, x.item_by_col
    pw = con.powiaty
    ws = w.sheet("Powiaty", f"Powiaty – AFBP {con.year}", ["Sumy pozycji addytywnych i wskaźniki zagregowane (ilorazy sum) bibliotek powiatu – nie mediany."])
    pcols = []
    for c in pw.columns:
        if c in item_by_col:
            pcols.append((c, "Σ " + w.headers[c], _item_format(item_by_col[c]), 13))
        elif c in ind_fmt:
            pcols.append((c, w.headers[c] + " – zagregowany", ind_fmt[c], 14))
        else:
            pcols.append((c, {"powiat": "Powiat", "biblioteki": "Bibliotek w zestawieniu", "oczekiwane": "Bibliotek na liście", "brakujace": "Brakujące"}[c], None if c == "powiat" else "0", 28 if c == "powiat" else 11))
    w.table(ws, 4, pcols, pw.astype(object).where(pw.notna(), None).values.tolist())


def _sheet_region(x: _Sheets) -> None:
    """Region: the region's sums and aggregate indicators (not medians)."""
    w, con, facts, ind_fmt, text_style, int_style = x.w, x.con, x.facts, x.ind_fmt, x.w.style(None), x.w.style("0")
    rg = con.region
    ws = w.sheet("Region", f"Region{(' – ' + con.region_label) if con.region_label else ''} – AFBP {con.year}", [
        "Sumy pozycji addytywnych wszystkich bibliotek w zestawieniu oraz wskaźniki ZAGREGOWANE regionu: ten sam silnik co w formularzu liczy je z formularza sum (iloraz sum).",
        "To NIE są mediany. Mediana wartości bibliotek jest obok, w osobnej kolumnie, dla porównania.",
    ])
    rcols = [("rodzaj", "Rodzaj", None, 22), ("kod", "Kod", None, 7), ("nazwa", "Pozycja / wskaźnik", None, 60), ("jednostka", "Jednostka", None, 12), ("wartosc", "Suma / wskaźnik zagregowany (iloraz sum)", None, 20), ("n", "Bibliotek z wartością", "0", 11), ("n_brak", "Bibliotek bez wartości", "0", 11), ("mediana_bibliotek", "Mediana bibliotek (dla porównania)", None, 16), ("uwagi", "Uwagi", None, 50)]
    keys_r = [c[0] for c in rcols]
    rg_rows = rg[keys_r].astype(object).where(rg[keys_r].notna(), None).values.tolist()
    item_fmt = {f"P{it.nr:02d}": _item_format(it) for it in facts.items}
    kinds = rg["kod"].tolist()

    def rstyles(i: int) -> list[int]:
        f = item_fmt.get(kinds[i]) or ind_fmt.get(kinds[i], "0.00")
        return [text_style] * 4 + [w.style(f, fill=AGG_FILL if kinds[i] in ind_fmt else None), int_style, int_style, w.style(ind_fmt.get(kinds[i], "0.00")), text_style]

    for i in range(len(kinds)):
        rstyles(i)  # register every style before the workbook is saved
    w.table(ws, 5, rcols, rg_rows, styles=rstyles, freeze_col=2)


def _sheet_charts(x: _Sheets) -> None:
    """Wykresy: medians of the key indicators and libraries by subtype, as native charts."""
    w, con, facts, spec, ind_fmt, gs, lib = x.w, x.con, x.facts, x.spec, x.ind_fmt, x.con.group_stats, x.con.libraries
    ws = w.sheet("Wykresy", f"Wykresy – AFBP {con.year}", ["Mediana wartości bibliotek każdego podtypu (nie wskaźnik zagregowany) i liczba bibliotek w zestawieniu wg podtypu."])
    sub = gs[gs["poziom"] == LEVEL_SUBTYPE]
    podtypy = list(dict.fromkeys(sub["podtyp"]))
    keys_k = [c for c in facts.key_indicators if c in ind_fmt]
    sty.header_row(ws, 4, ["Podtyp", "Bibliotek"] + [f"{c} mediana" for c in keys_k])
    med = sub.set_index(["podtyp", "wskaznik"])["mediana"]
    for i, p in enumerate(podtypy, start=5):
        set_text(ws, i, 1, p)  # a subtype comes from the forms: never a formula
        ws.cell(row=i, column=2, value=int((lib["podtyp"] == p).sum()))
        for j, c in enumerate(keys_k, start=3):
            v = med.get((p, c))
            cell = ws.cell(row=i, column=j, value=None if v is None or pd.isna(v) else float(v))
            cell.number_format = ind_fmt[c]
    ws.column_dimensions["A"].width = 40
    for j in range(2, 3 + len(keys_k)):
        ws.column_dimensions[_col(j)].width = 12
    ws.row_dimensions[4].height = 30
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    last = 4 + len(podtypy)

    def bar(title: str, col: int) -> BarChart:
        chart = BarChart()
        chart.type = "bar"
        chart.title = title
        chart.add_data(Reference(ws, min_col=col, min_row=4, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=5, max_row=last))
        chart.legend = None
        chart.y_axis.scaling.min = 0
        chart.x_axis.delete = False  # openpyxl ≥ 3.1 hides axes unless told otherwise
        chart.y_axis.delete = False
        chart.y_axis.majorGridlines = None
        chart.dataLabels = DataLabelList()
        chart.dataLabels.showVal = True
        for flag in ("showSerName", "showCatName", "showLegendKey", "showPercent"):
            setattr(chart.dataLabels, flag, False)
        chart.height, chart.width = 7.5, 15
        return chart

    if podtypy:
        anchor_row = last + 3
        names_by_code = {i.code: i.name for i in spec.indicators}
        charts = [bar("Liczba bibliotek wg podtypu", 2)]
        charts += [bar(f"{c}: {names_by_code[c]} – mediana wg podtypu", 3 + k) for k, c in enumerate(keys_k)]
        for k, chart in enumerate(charts):
            ws.add_chart(chart, f"{'A' if k % 2 == 0 else 'G'}{anchor_row + 16 * (k // 2)}")


def _sheet_findings(x: _Sheets) -> None:
    """Kontrola: every failed check, K-03 difference and gap."""
    w, con = x.w, x.con
    fd = con.findings
    ws = w.sheet("Kontrola", f"Kontrola – AFBP {con.year}", ["Wyniki kontroli przeliczonych w Pythonie z danych wejściowych (reguły danych podstawowych i logiczne, kontrole K-03, puste pola wymagane) i uwagi do plików."])
    fcols = [("id", "Identyfikator", None, 16), ("nazwa", "Biblioteka", None, 40), ("plik", "Plik", None, 22), ("rodzaj", "Rodzaj", None, 9), ("kontrola", "Kontrola", None, 14), ("waga", "Waga", None, 12), ("komunikat", "Komunikat", None, 70), ("wartosci", "Wartości", None, 40), ("afbp", "AFBP", "#,##0.##", 12), ("k03", "wg K-03", "#,##0.##", 12), ("k03_gorna", "wg K-03 (górna granica)", "#,##0.##", 12)]
    last = w.table(ws, 4, fcols, fd.astype(object).where(fd.notna(), None).values.tolist(), freeze_col=2)
    sty.status_colours(ws, f"F5:F{last}")


def _sheet_import(x: _Sheets) -> None:
    """Import: every file received, with its status and reason."""
    w, con = x.w, x.con
    il = con.import_log
    ws = w.sheet("Import", f"Import plików – AFBP {con.year}", ["Każdy otrzymany plik, także odrzucony, zduplikowany lub zastąpiony nowszym."])
    icols = [("plik", "Plik (ścieżka)", None, 40), ("nazwa_pliku", "Nazwa pliku", None, 24), ("sha256", "SHA-256", None, 20), ("rozmiar", "Rozmiar [B]", "#,##0", 11), ("id", "Identyfikator", None, 16), ("nazwa", "Biblioteka", None, 36), ("status", "Status", None, 18), ("kod", "Kod", None, 16), ("powod", "Powód / uwagi", None, 80), ("uwagi", "Uwagi czytnika", None, 40), ("zapisano", "Zapisano", None, 20)]
    last = w.table(ws, 4, icols, il.astype(object).where(il.notna(), None).values.tolist(), freeze_col=2)
    _colour_status(ws, f"G5:G{last}", {"odrzucony": sty.ERROR_FILL, "uwagami": sty.WARN_FILL, "duplikat": sty.SECTION_FILL, "zastąpiony": sty.SECTION_FILL, "przyjęty": sty.OK_FILL})


def _sheet_missing(x: _Sheets) -> None:
    """Brakujące: expected libraries without an accepted form."""
    w, con = x.w, x.con
    ms = con.missing
    note = "Biblioteki z listy oczekiwanych (--expected), od których nie ma przyjętego formularza." if con.expected_count is not None else "Nie podano listy oczekiwanych bibliotek (--expected): brakujących nie można ustalić."
    ws = w.sheet("Brakujące", f"Brakujące formularze – AFBP {con.year}", [note])
    mcols = [("id", "Identyfikator", None, 16), ("nazwa", "Biblioteka", None, 44), ("podtyp", "Podtyp", None, 30), ("powiat", "Powiat", None, 24), ("gmina", "Gmina", None, 26), ("email", "E-mail", None, 30), ("uwagi", "Uwagi", None, 80)]
    w.table(ws, 4, mcols, ms.astype(object).where(ms.notna(), None).values.tolist(), freeze_col=2)
