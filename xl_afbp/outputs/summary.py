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
from ..consolidate.records import ACCEPTED, ACCEPTED_WITH_WARNINGS, Consolidation, DUPLICATE, LEVEL_BAND, LEVEL_GROUP, LEVEL_REGION, LEVEL_SUBTYPE, MIN_GROUP, REJECTED, SUPERSEDED
from ..consolidate.trends import Trends
from ..engine import Engine, get_engine
from ..workbook import styles as sty
from ..safetext import ooxml_text
from ..workbook.cells import set_text
from .numbers import DASH, value_decimals
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
    facts = _facts(engine or get_engine())
    x = _Sheets(_SummaryWriter(con, facts), con, facts)
    _sheet_summary(x)
    _sheet_libraries(x)
    _sheet_values(x)
    _sheet_groups(x)
    _sheet_pivot(x, LEVEL_SUBTYPE, "Wg podtypów", "podtypów")
    _sheet_pivot(x, LEVEL_BAND, "Wg przedziałów", "przedziałów liczby mieszkańców")
    _sheet_powiaty(x)
    _sheet_region(x)
    _sheet_charts(x)
    if trends is not None:
        write_trend_sheets(x, trends)
    _sheet_findings(x)
    _sheet_review(x)
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
    set_text(ws, 1, 1, ooxml_text(f"AFBP {con.year} – zestawienie regionalne" + (f": {con.region_label}" if con.region_label else "")))
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
        ("Biblioteki", "jeden wiersz na bibliotekę: identyfikator, podtyp, przedział, powiat, gmina, status kontroli, wartości pominięte w statystykach"),
        ("Dane …, Usługi …", f"wartości z formularzy: pozycje {item_range} i usługi {services}, po kilkanaście kolumn na arkusz"),
        ("Wskaźniki …", f"{len(facts.codes)} wskaźniki bibliotek przeliczone w Pythonie z danych wejściowych, wg perspektyw"),
        ("Wskaźniki wg grup", "dla grup podtyp × przedział: n (wartości użyte), pominięte (błędne), średnia, mediana, Q1, Q3, min, max; osobno (pomarańczowa kolumna) wskaźnik zagregowany grupy = iloraz sum pozycji – to NIE jest mediana"),
        ("Wg podtypów, Wg przedziałów", "mediany i wskaźniki zagregowane podtypów i przedziałów liczby mieszkańców obok wartości regionu"),
        ("Powiaty", "liczba bibliotek, mieszkańcy i wskaźniki zagregowane kluczowych wskaźników (ilorazy sum) w powiatach; pełna tabela: powiaty.csv"),
        ("Region", "sumy pozycji addytywnych regionu (mieszkańcy policzeni raz) i wskaźniki zagregowane liczone tym samym silnikiem z sum (nie mediany); obok, osobno, mediana bibliotek"),
        ("Wykresy", "mediany kluczowych wskaźników wg podtypu i liczba bibliotek wg podtypu"),
        ("Trendy – region", "kluczowe wskaźniki regionu w każdym roku z bazy danych: wskaźnik zagregowany i mediana bibliotek, z wykresami"),
        ("Trendy – grupy", f"mediany kluczowych wskaźników w podtypach i grupach (co najmniej {MIN_GROUP} biblioteki) w kolejnych latach, z wykresem indeksu"),
        ("Historia bibliotek", "kluczowe wskaźniki każdej biblioteki rok po roku"),
        ("Kontrola", "każdy błąd, ostrzeżenie, różnica K-03 i puste pole – biblioteka, kontrola, waga, komunikat, wartości"),
        ("Do sprawdzenia", "wartości daleko od grupy (poza Q1 − 3×IQR … Q3 + 3×IQR i co najmniej 2× od mediany) – do potwierdzenia z biblioteką"),
        ("Import", "każdy otrzymany plik: SHA-256, rozmiar, identyfikator, status importu i powód"),
        ("Brakujące", "biblioteki z listy, od których nie ma przyjętego formularza"),
        ("Statystyki", f"do statystyk nie wchodzą wartości, które kontrole oznaczają jako błędne ({'włączone opcją --include-flagged' if con.include_flagged else f'pominięto {con.flagged_values} wartości {con.flagged_libraries} bibliotek'}); grupa z mniej niż {MIN_GROUP} wartościami: „—”"),
        ("Kwartyle", "Q1 i Q3 metodą liniową (jak KWARTYL.PRZEDZ.ZAMK / QUARTILE.INC w Excelu); n = liczba wartości użytych"),
    ]
    for i, (a, b) in enumerate(guide):
        ca, cb = ws.cell(row=r + i, column=1, value=a), ws.cell(row=r + i, column=2, value=b)
        cb.alignment = ca.alignment = sty.WRAP
        ws.row_dimensions[r + i].height = 15 * max(1, math.ceil(len(b) / 95))
        if i == 0:
            ca.font = cb.font = sty.BOLD
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 100
    ws.print_title_rows = f"{r}:{r}"  # the guide runs onto a second page: its header again


#: the most value columns of one sheet, so that it prints one page wide at a readable size
SHEET_COLUMNS = 16


def _sheet_libraries(x: _Sheets) -> None:
    """Biblioteki: one row per library – who, where, the status of its form, what was left out."""
    w, con = x.w, x.con
    lib = con.libraries
    ws = w.sheet("Biblioteki", f"Biblioteki – AFBP {con.year}", ["Biblioteki w zestawieniu i status ich formularzy; wartości pozycji i wskaźniki na kolejnych arkuszach (Dane …, Usługi, Wskaźniki …).",
                                                               "Pominięte: pozycje, których wartości kontrole oznaczają jako błędne, i wskaźniki, które ich nie wliczają do statystyk."])
    widths = {"id": 16, "nazwa": 40, "organizator": 22, "podtyp": 26, "przedzial": 14, "powiat": 20, "gmina": 22, "miejscowosc": 16, "status": 12, "bledy": 8, "ostrzezenia": 10, "braki": 8, "pominiete": 26, "import": 16, "plik": 22}
    columns = [(c, w.headers.get(c, c), "0" if c in ("bledy", "ostrzezenia", "braki") else None, widths[c]) for c in widths]
    keys = [c[0] for c in columns]
    last = w.table(ws, 5, columns, _rows(lib, keys), freeze_col=2)
    sty.status_colours(ws, f"{_col(keys.index('status') + 1)}6:{_col(keys.index('status') + 1)}{last}")
    imp_col = _col(keys.index("import") + 1)
    _colour_status(ws, f"{imp_col}6:{imp_col}{last}", {"uwagami": sty.WARN_FILL})


def _rows(df: pd.DataFrame, keys: list[str]) -> list[list[Any]]:
    return df[keys].astype(object).where(df[keys].notna(), None).values.tolist()


def _chunks(groups: list[tuple[str, list[str]]], size: int = SHEET_COLUMNS) -> list[list[str]]:
    """Consecutive groups of columns (sections, perspectives) packed into sheets of at most
    ``size`` columns; a group larger than that is split."""
    out: list[list[str]] = []
    for _, cols in groups:
        for i in range(0, len(cols), size):
            part = cols[i : i + size]
            if out and len(out[-1]) + len(part) <= size and i == 0:
                out[-1] += part
            else:
                out.append(list(part))
    return out


def _sheet_values(x: _Sheets) -> None:
    """Dane …, Usługi, Wskaźniki …: the libraries' item values, services and indicators, in
    sheets of at most SHEET_COLUMNS columns beside the id and name (printable one page wide)."""
    w, con, facts = x.w, x.con, x.facts
    lib = con.libraries
    by_section = [(sec.id, [f"P{it.nr:02d}" for it in facts.items if it.section == sec.id]) for sec in facts.spec.sections]
    for cols in _chunks([g for g in by_section if g[1]]):
        title = f"Dane {cols[0]}–{cols[-1]}" if len(cols) > 1 else f"Dane {cols[0]}"
        _value_sheet(x, title, f"Wartości z formularzy: {cols[0]}–{cols[-1]}", cols, lib)
    if facts.svc:
        svc = [f"P{facts.svc.nr}_{s.nr:02d}" for s in facts.spec.services]
        _value_sheet(x, f"Usługi P{facts.svc.nr}", f"Usługi sieciowe i interaktywne (poz. {facts.svc.nr}): TAK / NIE", svc, lib)
    by_perspective = [(p.id, [i.code for i in facts.spec.indicators if i.perspective == p.id]) for p in facts.spec.perspectives]
    for cols in _chunks([g for g in by_perspective if g[1]]):
        _value_sheet(x, f"Wskaźniki {cols[0]}–{cols[-1]}", "Wskaźniki bibliotek przeliczone z danych wejściowych; wartości oznaczone jako błędne nie wchodzą do statystyk (arkusz Biblioteki, kolumna Pominięte).", cols, lib)


def _value_sheet(x: _Sheets, title: str, note: str, cols: list[str], lib: pd.DataFrame) -> None:
    w, con, facts, ind_fmt = x.w, x.con, x.facts, x.ind_fmt
    ws = w.sheet(title, f"{title} – AFBP {con.year}", [note])
    items = x.item_by_col
    text, plain = w.style(None), w.style("0")
    columns = [("id", w.headers["id"], None, 16), ("nazwa", w.headers["nazwa"], None, 34)]
    fixed: list[int] = [text, text]
    per_value: dict[int, Any] = {}
    for j, c in enumerate(cols, start=2):
        if c in items and items[c].numeric:
            per_value[j] = items[c]
            columns.append((c, w.headers[c], _item_format(items[c]), 12))
        else:
            columns.append((c, w.headers.get(c, c), ind_fmt.get(c, "0") if c in ind_fmt or c in items else None, 11))
        fixed.append(w.style(columns[-1][2]))
    keys = [c[0] for c in columns]
    rows = _rows(lib, keys)
    # a value with more decimals than its item keeps them: every row's styles, registered
    # before the workbook is saved (and worked out once, not again when the rows are written)
    shown = {j: [value_decimals(r[j], int(it.decimals or 0)) for r in rows] for j, it in per_value.items()}
    style_of = {d: w.style(_value_format(d)) for j in per_value for d in dict.fromkeys(shown[j])}  # column by column, as ever
    row_styles = []
    for i in range(len(rows)):
        out = list(fixed)
        for j in per_value:
            out[j] = style_of[shown[j][i]]
        row_styles.append(out)

    w.table(ws, 4, columns, rows, styles=row_styles.__getitem__ if per_value else None, freeze_col=2)


def _value_format(decimals: int) -> str:
    """The number format of an input value: its item's, with the decimals the value has
    (:func:`~.numbers.value_decimals`)."""
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def _sheet_groups(x: _Sheets) -> None:
    """Wskaźniki wg grup: statistics of the subtype × band groups; the aggregate apart."""
    w, con, ind_fmt = x.w, x.con, x.ind_fmt
    gs = con.group_stats[con.group_stats["poziom"] == LEVEL_GROUP]
    ws = w.sheet("Wskaźniki wg grup", f"Wskaźniki wg grup (podtyp × przedział) – AFBP {con.year}", [
        f"Kolumny n … max: statystyki wartości wskaźnika w bibliotekach grupy (n = wartości użyte, pominięte = oznaczone jako błędne; Q1/Q3 metodą liniową). Grupa z mniej niż {MIN_GROUP} wartościami: statystyk nie podaje się.",
        "Pomarańczowe kolumny: WSKAŹNIK ZAGREGOWANY grupy = iloraz sum pozycji bibliotek grupy z wartością wskaźnika (ten sam silnik co w formularzu). To nie jest mediana ani średnia. Podtypy, przedziały: arkusze Wg podtypów, Wg przedziałów.",
    ])
    gcols = [
        ("podtyp", "Podtyp", None, 26), ("przedzial", "Przedział", None, 14), ("wskaznik", "Kod", None, 6),
        ("nazwa", "Wskaźnik", None, 50), ("jednostka", "Jednostka", None, 8), ("n_grupy", "Bibliotek w grupie", "0", 9), ("n", "n (użyte)", "0", 8), ("n_pominiete", "Pominięte (błędne)", "0", 9),
        ("srednia", "Średnia", None, 10), ("mediana", "Mediana", None, 10), ("q1", "Q1", None, 10), ("q3", "Q3", None, 10), ("min", "Min", None, 10), ("max", "Max", None, 10),
        ("agregat", "Wskaźnik zagregowany grupy (iloraz sum – nie mediana)", None, 13), ("uwagi", "Uwagi", None, 26),
    ]
    keys_g = [c[0] for c in gcols]
    # a group under MIN_GROUP libraries publishes nothing: one row says so, instead of one
    # empty row per indicator (for 120 libraries those took a page and more)
    small = gs["n_grupy"] < MIN_GROUP
    shown = gs[~small | ~gs.duplicated(["podtyp", "przedzial"])].copy()
    one = small.loc[shown.index]
    shown.loc[one, ["wskaznik", "jednostka"]] = ""
    shown.loc[one, "nazwa"] = "(wszystkie wskaźniki)"
    shown.loc[one, "uwagi"] = f"grupa: {MIN_GROUP - 1} lub mniej bibliotek – statystyk nie podaje się"
    shown.loc[one, "agregat_uwagi"] = ""
    shown[["n", "n_pominiete"]] = shown[["n", "n_pominiete"]].astype(float)
    shown.loc[one, ["n", "n_pominiete"]] = float("nan")
    gs = shown
    gs = gs.assign(uwagi=[u or a for u, a in zip(gs["uwagi"], gs["agregat_uwagi"])])
    text_style, int_style = w.style(None), w.style("0")
    fmt_styles = {fmt: w.style(fmt) for fmt in sorted(set(ind_fmt.values()))}
    agg_styles = {fmt: w.style(fmt, fill=AGG_FILL) for fmt in sorted(set(ind_fmt.values()))}
    agg_text = w.style(None, fill=AGG_FILL)
    codes_g = gs["wskaznik"].tolist()

    def gstyles(i: int) -> list[int]:
        f = ind_fmt.get(codes_g[i], "0.00")
        return [text_style] * 5 + [int_style] * 3 + [fmt_styles[f]] * 6 + [agg_styles[f], agg_text]

    w.table(ws, 5, gcols, _rows(gs, keys_g), styles=gstyles, freeze_col=3, special={"agregat": "C65911"})


def _sheet_pivot(x: _Sheets, level: str, title: str, label: str) -> None:
    """Wg podtypów / Wg przedziałów: one row per indicator, the median of each group beside
    the region's, then the same for the aggregates ("—": a group with fewer than 3 values)."""
    w, con, facts, ind_fmt = x.w, x.con, x.facts, x.ind_fmt
    gs = con.group_stats
    part = gs[gs["poziom"] == level]
    region = gs[gs["poziom"] == LEVEL_REGION].set_index("wskaznik")
    key = "podtyp" if level == LEVEL_SUBTYPE else "przedzial"
    groups = list(dict.fromkeys(part[key]))
    size = part.drop_duplicates(key).set_index(key)["n_grupy"]
    ws = w.sheet(title, f"Wskaźniki wg {label} – AFBP {con.year}", [
        f"Górna tabela: mediana wartości bibliotek (n = bibliotek w grupie); dolna: wskaźnik zagregowany (iloraz sum). „—”: mniej niż {MIN_GROUP} wartości w grupie – nie podaje się.",
    ])
    heads = [f"{g} (n={int(size[g])})" for g in groups] + ["Region"]
    columns = [("kod", "Kod", None, 6), ("nazwa", "Wskaźnik", None, 34), ("jednostka", "Jednostka", None, 8)] + [(f"g{i}", h, None, 11) for i, h in enumerate(heads)]
    by = part.set_index([key, "wskaznik"])
    rows, fmts = [], []
    shown = {stat: _stats(by, stat) for stat in ("mediana", "agregat")}
    shown_region = {stat: _stats(region, stat) for stat in ("mediana", "agregat")}
    for stat, caption in (("mediana", "Mediana"), ("agregat", "Wskaźnik zagregowany (iloraz sum)")):
        rows.append([caption] + [None] * (len(columns) - 1))
        fmts.append(None)
        for code in facts.codes:
            ind = facts.indicators[code]
            vals = [shown[stat].get((g, code)) for g in groups] + [shown_region[stat].get(code)]
            rows.append([code, ind.name, ind.unit] + vals)
            fmts.append(ind_fmt[code])
    text, bold = w.style(None), w.style(None, bold=True)
    num = {f: w.style(f) for f in set(ind_fmt.values())}
    dash = w.style(None)

    def styles(i: int) -> list[int]:
        if fmts[i] is None:
            return [bold] * len(columns)
        return [text] * 3 + [num[fmts[i]] if isinstance(v, float) else dash for v in rows[i][3:]]

    w.table(ws, 4, columns, rows, styles=styles, freeze_col=3)


def _stats(frame: pd.DataFrame, stat: str) -> dict[Any, Any]:
    """Index → a statistic for the pivot: the value, "—" for a suppressed group, None for no
    value (a key not in the frame: no value either). One pass, not a lookup per cell."""
    return {key: (DASH if uwagi else None) if pd.isna(v) else float(v) for key, v, uwagi in zip(frame.index, frame[stat], frame["uwagi"])}


def _sheet_powiaty(x: _Sheets) -> None:
    """Powiaty: libraries, population and the key indicators' aggregates per powiat (the
    full table: powiaty.csv)."""
    w, con, facts, ind_fmt, item_by_col = x.w, x.con, x.facts, x.ind_fmt, x.item_by_col
    pw = con.powiaty
    ws = w.sheet("Powiaty", f"Powiaty – AFBP {con.year}", [f"Mieszkańcy (każdy policzony raz) i wskaźniki zagregowane (ilorazy sum) kluczowych wskaźników bibliotek powiatu – nie mediany; wszystkie sumy i wskaźniki: powiaty.csv. Powiat z mniej niż {MIN_GROUP} bibliotekami: „—”."])
    pop = f"P{facts.population_nr:02d}" if facts.population_nr else None
    pcols = [("powiat", "Powiat", None, 26), ("biblioteki", "Bibliotek w zestawieniu", "0", 10), ("oczekiwane", "Bibliotek na liście", "0", 10), ("brakujace", "Brakujące", "0", 10)]
    if pop in pw.columns:
        pcols.append((pop, "Σ " + w.headers[pop], _item_format(item_by_col[pop]), 13))
    pcols += [(c, w.headers[c] + " – zagregowany", ind_fmt[c], 14) for c in facts.key_indicators if c in pw.columns]
    pcols.append(("uwagi", "Uwagi", None, 24))
    keys = [c[0] for c in pcols]
    w.table(ws, 4, pcols, _rows(pw, keys), freeze_col=1)


def _sheet_review(x: _Sheets) -> None:
    """Do sprawdzenia: values far from their group, to confirm with the library."""
    w, con, ind_fmt = x.w, x.con, x.ind_fmt
    rv = con.review
    ws = w.sheet("Do sprawdzenia", f"Do sprawdzenia – AFBP {con.year}", [
        "Wartości wskaźników daleko od grupy: poza Q1 − 3×IQR … Q3 + 3×IQR grupy (co najmniej 5 wartości) i co najmniej 2 razy większe od mediany lub 2 razy mniejsze.",
        "Nie muszą być błędne – warto je potwierdzić z biblioteką. Pozostają w statystykach.",
    ])
    cols = [("id", "Identyfikator", None, 16), ("nazwa", "Biblioteka", None, 34), ("wskaznik", "Kod", None, 6), ("wskaznik_nazwa", "Wskaźnik", None, 30), ("wartosc", "Wartość", None, 11),
            ("grupa", "Grupa", None, 30), ("n_grupy", "n", "0", 6), ("mediana", "Mediana grupy", None, 11), ("iloraz", "Wartość / mediana", "0.0", 9), ("powod", "Powód", None, 26), ("wartosci", "Dane", None, 30)]
    keys = [c[0] for c in cols]
    codes = rv["wskaznik"].tolist()
    text, n0, ratio = w.style(None), w.style("0"), w.style("0.0")
    num = {f: w.style(f) for f in set(ind_fmt.values())}

    def styles(i: int) -> list[int]:
        f = num[ind_fmt.get(codes[i], "0.00")]
        return [text] * 4 + [f, text, n0, f, ratio, text, text]

    w.table(ws, 5, cols, _rows(rv, keys), styles=styles, freeze_col=2)


def _sheet_region(x: _Sheets) -> None:
    """Region: the region's sums and aggregate indicators (not medians)."""
    w, con, facts, ind_fmt, text_style, int_style = x.w, x.con, x.facts, x.ind_fmt, x.w.style(None), x.w.style("0")
    rg = con.region
    ws = w.sheet("Region", f"Region{(' – ' + con.region_label) if con.region_label else ''} – AFBP {con.year}", [
        "Sumy pozycji addytywnych wszystkich bibliotek w zestawieniu oraz wskaźniki ZAGREGOWANE regionu: ten sam silnik co w formularzu liczy je z formularza sum (iloraz sum).",
        "To NIE są mediany. Mediana wartości bibliotek jest obok, w osobnej kolumnie, dla porównania.",
    ])
    rcols = [("rodzaj", "Rodzaj", None, 16), ("kod", "Kod", None, 6), ("nazwa", "Pozycja / wskaźnik", None, 44), ("jednostka", "Jednostka", None, 10), ("wartosc", "Suma / wskaźnik zagregowany (iloraz sum)", None, 16), ("n", "Bibliotek z wartością (użyte)", "0", 10), ("n_brak", "Bibliotek bez wartości", "0", 10), ("n_pominiete", "Pominięte (błędne)", "0", 10), ("mediana_bibliotek", "Mediana bibliotek (dla porównania)", None, 14), ("uwagi", "Uwagi", None, 36)]
    keys_r = [c[0] for c in rcols]
    rg_rows = rg[keys_r].astype(object).where(rg[keys_r].notna(), None).values.tolist()
    item_fmt = {f"P{it.nr:02d}": _item_format(it) for it in facts.items}
    kinds = rg["kod"].tolist()

    def rstyles(i: int) -> list[int]:
        f = item_fmt.get(kinds[i]) or ind_fmt.get(kinds[i], "0.00")
        return [text_style] * 4 + [w.style(f, fill=AGG_FILL if kinds[i] in ind_fmt else None), int_style, int_style, int_style, w.style(ind_fmt.get(kinds[i], "0.00")), text_style]

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
        set_text(ws, i, 1, ooxml_text(p))  # a subtype comes from the forms: never a formula
        ws.cell(row=i, column=2, value=int((lib["podtyp"] == p).sum()))
        for j, c in enumerate(keys_k, start=3):
            v = med.get((p, c))
            cell = ws.cell(row=i, column=j, value=None if v is None or pd.isna(v) else float(v))
            cell.number_format = ind_fmt[c]
    ws.column_dimensions["A"].width = 40
    for j in range(2, 3 + len(keys_k)):
        ws.column_dimensions[_col(j)].width = 12
    ws.row_dimensions[4].height = 30
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
