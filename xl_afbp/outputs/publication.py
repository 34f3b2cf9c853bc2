"""``raport.html`` and ``raport.pdf``: the region's results as a coordinator publishes them.

For readers outside the survey: the summary in numbers, the method (what enters the
statistics, how the population is counted, what a group and an aggregate are), tables by
subtype and by population band, figures with numbered captions and "Źródło" lines, the
powiaty, and the trends when the database holds several years. It names no file, no
library and shows no value of a group of fewer than three libraries ("—" with n): the
import log, the errors and the review list are in the coordinator's quality report
(:mod:`.quality`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..consolidate.facts import _Facts, _facts
from ..consolidate.trends import Trends
from ..consolidate.records import LEVEL_BAND, LEVEL_REGION, LEVEL_SUBTYPE, MIN_GROUP, Consolidation
from ..engine import Engine, get_engine
from . import charts
from .document import Cell, Numbering, Section, num, text
from .html import html_to_pdf, render, write_html
from .numbers import DASH, decimals_of, format_count, format_number, format_percent, is_number


# =============================================================================== trends
@dataclass(frozen=True)
class TrendSeries:
    """One indicator of one group over the survey years (a value None: no published value)."""

    code: str
    group: str
    values: tuple[float | None, ...]
    libraries: tuple[int, ...] = ()


@dataclass(frozen=True)
class TrendFigures:
    """What the trends section shows: the years and the series. Empty or one year: no
    section. :meth:`of` draws them from the yearly cycle's :class:`~xl_afbp.consolidate.trends.Trends`
    (which already leaves out every group under :data:`MIN_GROUP` libraries)."""

    years: tuple[int, ...]
    series: tuple[TrendSeries, ...]

    @classmethod
    def of(cls, trends: Trends) -> "TrendFigures":
        """Per key indicator: the region's aggregate (ratio of sums, the region's own value)
        and the median of each subtype shown, year by year (None: no published value)."""
        years = tuple(trends.years)
        out: list[TrendSeries] = []
        region = trends.region
        groups = trends.groups[trends.groups["poziom"] == LEVEL_SUBTYPE]
        for code in trends.indicators:
            rows = {int(r.rok): r for r in region[region["wskaznik"] == code].itertuples(index=False)}
            n = tuple(int(rows[y].n) if y in rows else 0 for y in years)
            aggregate = tuple(_plain(rows[y].agregat) if y in rows else None for y in years)
            if any(v is not None for v in aggregate):
                out.append(TrendSeries(code, "region (wskaźnik zagregowany)", aggregate, n))
            else:  # an indicator without a ratio-of-sums aggregate: the libraries' median
                out.append(TrendSeries(code, "region (mediana)", tuple(_plain(rows[y].mediana) if y in rows else None for y in years), n))
            mine = groups[groups["wskaznik"] == code]
            for podtyp in dict.fromkeys(mine["podtyp"]):
                g = {int(r.rok): r for r in mine[mine["podtyp"] == podtyp].itertuples(index=False)}
                out.append(TrendSeries(code, f"{podtyp} (mediana)", tuple(_plain(g[y].mediana) if y in g else None for y in years), tuple(int(g[y].n) if y in g else 0 for y in years)))
        return cls(years, tuple(s for s in out if any(v is not None for v in s.values)))


def _plain(v: Any) -> float | None:
    """A published value, or None for NaN (not shown)."""
    return float(v) if is_number(v) else None


# =============================================================================== the document
def source_line(con: Consolidation, n: int | None = None) -> str:
    n = len(con.libraries) if n is None else n
    return f"Źródło: opracowanie własne na podstawie formularzy AFBP za {con.year} r. ({n} bibliotek, {con.region_label or con.region_name})."


class _Publication:
    """Builds the sections of the publication in reading order; a figure whose chart is one
    of ``drawn`` (drawn by another process, :mod:`.figureprocess`) is taken from there."""

    #: the sections by group level: level, column, title, the groups' name in the text
    LEVELS = (
        (LEVEL_SUBTYPE, "podtyp", "Kluczowe wskaźniki wg podtypu biblioteki", "podtypu"),
        (LEVEL_BAND, "przedzial", "Kluczowe wskaźniki wg przedziału liczby mieszkańców", "przedziału liczby mieszkańców"),
    )

    def __init__(self, con: Consolidation, facts: _Facts, trends: TrendFigures | None, drawn: Mapping[charts.Chart, str] | None = None):
        self.con, self.facts, self.trends = con, facts, trends
        self.drawn = dict(drawn or {})
        self.numbers = Numbering()
        self.gs = con.group_stats
        self.region = self.gs[self.gs["poziom"] == LEVEL_REGION].set_index("wskaznik")
        self.dec = {i.code: decimals_of(i.format) for i in facts.spec.indicators}
        self.keys = list(facts.key_indicators)
        self.source = source_line(con)

    # ---------------------------------------------------------------- helpers
    def value(self, r: Any, stat: str) -> str:
        """A statistic of a row of group_stats, or "—" (with n for a small group)."""
        v = r[stat]
        if is_number(v):
            return format_number(v, self.dec[r["wskaznik"]])
        return f"{DASH} (n={int(r['n'])})" if r["uwagi"] else DASH

    def ind_title(self, code: str) -> str:
        ind = self.facts.indicators[code]
        return f"{ind.name}" + (f" [{ind.unit}]" if ind.unit else "")

    def podtypy(self) -> tuple[str, ...]:
        """The subtypes of the libraries, in the spec's order."""
        return tuple(sorted(set(self.con.libraries["podtyp"]), key=self.facts.order_podtyp))

    def draw(self, chart: charts.Chart) -> str:
        """The figure of ``chart``: drawn already, or drawn now."""
        return self.drawn.get(chart) or chart.draw()

    def region_pop(self) -> float | None:
        pop = f"P{self.facts.population_nr:02d}" if self.facts.population_nr else None
        rows = self.con.region.set_index("kod")
        return float(rows.loc[pop, "wartosc"]) if pop in rows.index and is_number(rows.loc[pop, "wartosc"]) else None

    # ---------------------------------------------------------------- sections
    def summary(self) -> Section:
        con, lib = self.con, self.con.libraries
        s = Section("streszczenie", "Streszczenie")
        n = len(lib)
        if con.expected_count:
            s.bullets.append(f"W badaniu AFBP za {con.year} r. wzięło udział {n} z {con.expected_count} bibliotek publicznych ({format_percent(n, con.expected_count)}).")
        else:
            s.bullets.append(f"W badaniu AFBP za {con.year} r. wzięło udział {n} bibliotek publicznych.")
        pop = self.region_pop()
        if pop is not None:
            s.bullets.append(f"Biblioteki te służą {format_count(pop)} mieszkańcom (każdy mieszkaniec policzony raz).")
        for code in self.keys:
            if code not in self.region.index:
                continue
            r = self.region.loc[code]
            agg, med = r["agregat"], r["mediana"]
            if is_number(agg):
                s.bullets.append(f"{self.ind_title(code)}: {format_number(agg, self.dec[code])} w regionie (wskaźnik zagregowany); mediana bibliotek {self.value(r.to_dict() | {'wskaznik': code}, 'mediana')} (n = {int(r['n'])}).")
            elif is_number(med):
                s.bullets.append(f"{self.ind_title(code)}: mediana bibliotek {format_number(med, self.dec[code])} (n = {int(r['n'])}).")
        return s

    def method(self) -> Section:
        con, facts = self.con, self.facts
        s = Section("metoda", "Metoda")
        s.paragraphs.append(
            f"Dane pochodzą z formularzy AFBP za {con.year} r. ({con.spec_label}) przesłanych przez biblioteki publiczne: {con.region_label or con.region_name}. "
            "Wskaźniki, reguły logiczne i porównania ze sprawozdaniem GUS K-03 przeliczono z danych wpisanych w formularze; wartości zapisane w plikach nie były używane."
        )
        if con.include_flagged:
            s.paragraphs.append(f"Do statystyk włączono także wartości, które kontrola formularza oznacza jako błędne ({con.flagged_values} wartości {con.flagged_libraries} bibliotek).")
        else:
            s.paragraphs.append(
                "Do statystyk nie wchodzą wartości, które kontrola formularza oznacza jako błędne: wartość spoza dopuszczalnego zakresu pozycji oraz każda wartość, "
                f"którą czyta niespełniona reguła o wadze „błąd”; pomija się je we wszystkich wskaźnikach, które z nich korzystają (pominięto {con.flagged_values} wartości "
                f"{con.flagged_libraries} bibliotek). n w tabelach to liczba wartości użytych."
            )
        s.paragraphs.append(
            "Biblioteki porównuje się w grupach według podtypu i przedziału liczby mieszkańców. Mediana to środkowa wartość bibliotek grupy, Q1 i Q3 – pierwszy i trzeci kwartyl "
            "(metoda liniowa, jak KWARTYL.PRZEDZ.ZAMK w Excelu). Wskaźnik zagregowany to iloraz sum pozycji wszystkich bibliotek grupy z wartością wskaźnika – opisuje grupę jako całość i zwykle różni się od mediany."
        )
        s.paragraphs.append(
            f"Nie publikuje się statystyk grupy, w której jest mniej niż {MIN_GROUP} wartości (tabela pokazuje wtedy „{DASH}” i n), aby nie ujawniać danych pojedynczej biblioteki."
        )
        overlap = ""
        if con.overlaps:
            libs = sum(len(o.libraries) for o in con.overlaps)
            twice = sum(o.reported - o.counted for o in con.overlaps)
            overlap = f" W tym zestawieniu dotyczy to {len(con.overlaps)} obszarów i {libs} bibliotek: bez tej zasady {format_count(twice)} mieszkańców policzono by podwójnie."
        s.paragraphs.append(
            "Każdy mieszkaniec liczy się raz. Biblioteka wojewódzka podaje liczbę mieszkańców miasta, w którym ma siedzibę, a biblioteka powiatowa – gminy lub miejscowości siedziby; "
            "tych samych mieszkańców podaje biblioteka tej gminy. We wskaźnikach „na mieszkańca” regionu, powiatów i grup liczba mieszkańców jest sumą mieszkańców odrębnych gmin "
            "(według kodu TERYT; w mieście z dzielnicami lub delegaturami – całego miasta), a dla gminy, którą obsługuje kilka bibliotek, bierze się największą z podanych liczb. "
            "Pozostałe dane bibliotek wojewódzkich i powiatowych – czytelnicy, wypożyczenia, zbiory, wydatki – wchodzą do sum w całości." + overlap
        )
        s.paragraphs.append("Liczby zaokrąglono jak w Excelu (połówki w górę, od zera) do miejsc po przecinku podanych przy każdym wskaźniku; pozycje z częściami dziesiętnymi zachowują je.")
        return s

    def libraries(self) -> Section:
        con, facts, lib = self.con, self.facts, self.con.libraries
        s = Section("biblioteki", "Biblioteki w badaniu")
        podtypy = self.podtypy()
        bands = sorted(set(lib["przedzial"]), key=facts.order_band)
        head = [("Podtyp", *bands, "Razem")]
        rows = []
        for p in podtypy:
            mine = lib[lib["podtyp"] == p]
            rows.append([text(p), *(num(format_count((mine["przedzial"] == b).sum()) if (mine["przedzial"] == b).any() else "") for b in bands), num(format_count(len(mine)))])
        rows.append([Cell("Razem", css="total"), *(num(format_count((lib["przedzial"] == b).sum()), "total") for b in bands), num(format_count(len(lib)), "total")])
        s.blocks.append(self.numbers.table("Biblioteki w badaniu wg podtypu i przedziału liczby mieszkańców", head, rows, self.source))
        chart = self.libraries_chart()
        if chart is not None:
            s.blocks.append(self.numbers.figure("Biblioteki w badaniu wg podtypu", self.draw(chart), self.source))
        return s

    def libraries_chart(self) -> charts.Chart | None:
        """The libraries by subtype (none without libraries)."""
        lib, podtypy = self.con.libraries, self.podtypy()
        if not podtypy:
            return None
        return charts.Chart("counts_chart", (podtypy, tuple(int((lib["podtyp"] == p).sum()) for p in podtypy)), (("xlabel", "liczba bibliotek"),))

    def level(self, level: str, key: str) -> tuple[Any, list, Any]:
        """The groups of a level: their rows of group_stats, their names in order, the rows
        by (group, indicator)."""
        part = self.gs[self.gs["poziom"] == level]
        return part, list(dict.fromkeys(part[key])), part.set_index([key, "wskaznik"])

    def level_chart(self, level: str, key: str) -> charts.Chart | None:
        """Each key indicator's median and Q1–Q3 by group of a level (none: no group has a
        published median)."""
        _, groups, by = self.level(level, key)
        panels = []
        for c in self.keys:
            rows_ = tuple(charts.RangeRow(str(g), float(by.loc[(g, c), "q1"]), float(by.loc[(g, c), "mediana"]), float(by.loc[(g, c), "q3"]), int(by.loc[(g, c), "n"])) for g in groups if is_number(by.loc[(g, c), "mediana"]))
            if rows_:
                ref = self.region.loc[c, "agregat"] if c in self.region.index and is_number(self.region.loc[c, "agregat"]) else None
                panels.append(charts.RangePanel(f"{c}: {self.ind_title(c)}", rows_, ref, "region", self.dec[c]))
        return charts.Chart("ranges_chart", (tuple(panels),)) if panels else None

    def consolidation_charts(self) -> tuple[charts.Chart, ...]:
        """The figures that depend on the consolidation alone (not on the trends), in
        reading order."""
        if not len(self.con.libraries):
            return ()
        found = [self.libraries_chart(), *(self.level_chart(level, key) for level, key, _, _ in self.LEVELS)]
        return tuple(c for c in found if c is not None)

    def by_level(self, level: str, key: str, title: str, label: str) -> Section:
        part, groups, by = self.level(level, key)
        s = Section(f"wg-{key}", title)
        s.paragraphs.append(f"Kluczowe wskaźniki bibliotek wg {label}: mediana i rozstęp ćwiartkowy (Q1–Q3) wartości bibliotek oraz wskaźnik zagregowany grupy (iloraz sum). Ostatni wiersz: cały region.")
        for stat, caption in (("mediana", "Mediana"), ("agregat", "Wskaźnik zagregowany (iloraz sum)")):
            head = [(label.capitalize(), *(f"{c}" for c in self.keys))]
            rows = []
            for g in groups:
                size = int(part[part[key] == g]["n_grupy"].iloc[0])
                cells = [text(f"{g} ({size})")]
                for c in self.keys:
                    r = by.loc[(g, c)].to_dict() | {"wskaznik": c}
                    cells.append(num(self.value(r, stat) + ("" if stat == "agregat" or not is_number(r["mediana"]) else f" ({int(r['n'])})")))
                rows.append(cells)
            cells = [Cell("Region", css="total")]
            for c in self.keys:
                r = self.region.loc[c].to_dict() | {"wskaznik": c}
                cells.append(num(self.value(r, stat) + ("" if stat == "agregat" else f" ({int(r['n'])})"), "total"))
            rows.append(cells)
            legend = "; ".join(f"{c} – {self.ind_title(c)}" for c in self.keys)
            note = ("W nawiasie: liczba bibliotek w grupie (przy nazwie) i liczba wartości użytych (przy medianie). " if stat == "mediana" else "") + legend
            s.blocks.append(self.numbers.table(f"{caption} kluczowych wskaźników wg {label}", head, rows, self.source, note))
        chart = self.level_chart(level, key)
        if chart is not None:
            s.blocks.append(self.numbers.figure(f"Mediana (kropka) i rozstęp Q1–Q3 (kreska) kluczowych wskaźników wg {label}; linia przerywana – wskaźnik zagregowany regionu", self.draw(chart), self.source, f"Tylko grupy z co najmniej {MIN_GROUP} wartościami."))
        return s

    def all_indicators(self) -> Section:
        facts = self.facts
        s = Section("wskazniki", "Wszystkie wskaźniki regionu")
        persp = {p.id: p.label for p in facts.spec.perspectives}
        head = [("Kod", "Wskaźnik [jednostka]", "Zagregowany", "Mediana", "Q1", "Q3", "n", "Pominięte")]
        rows = []
        current = None
        for ind in facts.spec.indicators:
            if ind.perspective != current:
                current = ind.perspective
                rows.append([Cell(persp.get(current, current), css="group", span=len(head[0]))])
            r = self.region.loc[ind.code].to_dict() | {"wskaznik": ind.code}
            agg = self.value(r, "agregat") if is_number(r["agregat"]) or r["uwagi"] else DASH
            rows.append([text(ind.code), text(self.ind_title(ind.code)), num(agg, "agg"), num(self.value(r, "mediana")), num(self.value(r, "q1")), num(self.value(r, "q3")), num(format_count(r["n"])), num(format_count(r["n_pominiete"]))])
        note = "Zagregowany: iloraz sum pozycji bibliotek z wartością wskaźnika; „—” przy wskaźnikach z pozycją nieaddytywną (godziny, satysfakcja, usługi) lub stałą w formule. Pominięte: wartości oznaczone przez kontrolę jako błędne."
        s.blocks.append(self.numbers.table("Wskaźniki regionu: wskaźnik zagregowany i rozkład wartości bibliotek", head, rows, self.source, note))
        sums = self.con.region[self.con.region["rodzaj"] == "suma pozycji"]
        item_dec = {f"P{it.nr:02d}": int(it.decimals or 0) for it in facts.numeric}
        rows = [[text(r.kod), text(r.nazwa), text(r.jednostka), num(format_number(r.wartosc, item_dec.get(r.kod, 0))), num(format_count(r.n))] for r in sums.itertuples(index=False)]
        s.blocks.append(self.numbers.table("Sumy pozycji formularza w regionie", [("Poz.", "Pozycja", "Jednostka", "Suma", "n")], rows, self.source, "Liczba mieszkańców: każdy mieszkaniec policzony raz (zob. Metoda)."))
        return s

    def powiaty(self) -> Section:
        pw, facts = self.con.powiaty, self.facts
        s = Section("powiaty", "Powiaty")
        pop = f"P{facts.population_nr:02d}" if facts.population_nr else None
        codes = [c for c in self.keys if c in pw.columns]
        head = [("Powiat", "Bibliotek", "Mieszkańcy", *codes)]
        rows = []
        for r in pw.to_dict("records"):
            if not r["biblioteki"]:
                continue
            small = bool(r["uwagi"])
            dash = f"{DASH} (n={r['biblioteki']})"
            cells = [text(r["powiat"]), num(format_count(r["biblioteki"])), num(dash if small else format_count(r.get(pop)))]
            cells += [num(dash if small else format_number(r[c], self.dec[c])) for c in codes]
            rows.append(cells)
        legend = "; ".join(f"{c} – {self.ind_title(c)}" for c in codes)
        s.blocks.append(self.numbers.table("Mieszkańcy i wskaźniki zagregowane bibliotek w powiatach", head, rows, self.source, f"Wskaźniki zagregowane (ilorazy sum), nie mediany; powiat z mniej niż {MIN_GROUP} bibliotekami: „{DASH}”. {legend}"))
        return s

    def trends_section(self) -> Section | None:
        t = self.trends
        if t is None or len(t.years) < 2 or not t.series:
            return None
        s = Section("trendy", f"Zmiany w latach {t.years[0]}–{t.years[-1]}")
        by_code: dict[str, list[TrendSeries]] = {}
        for series in t.series:
            by_code.setdefault(series.code, []).append(series)
        for code, group in by_code.items():
            if code not in self.facts.indicators:
                continue
            uri = charts.trend_chart(f"{code}: {self.ind_title(code)}", t.years, [(x.group, x.values) for x in group], decimals=self.dec[code])
            s.blocks.append(self.numbers.figure(f"{code}: {self.ind_title(code)} w latach {t.years[0]}–{t.years[-1]}", uri, f"Źródło: opracowanie własne na podstawie formularzy AFBP za lata {t.years[0]}–{t.years[-1]}.", f"Grupy z co najmniej {MIN_GROUP} bibliotekami."))
        return s if s.blocks else None

    def sections(self) -> list[Section]:
        if not len(self.con.libraries):
            empty = Section("wyniki", "Wyniki")
            empty.paragraphs.append("Nie przyjęto żadnego formularza: nie ma wyników do opublikowania.")
            return [self.summary(), self.method(), empty]
        out = [self.summary(), self.method(), self.libraries(), *(self.by_level(*level) for level in self.LEVELS), self.all_indicators(), self.powiaty()]
        trends = self.trends_section()
        if trends is not None:
            out.append(trends)
        return out


def figure_charts(con: Consolidation, *, engine: Engine | None = None) -> tuple[charts.Chart, ...]:
    """The publication's figures that need neither the database nor the trends: what the
    job has drawn (:mod:`.figureprocess`) while it stores the database."""
    return _Publication(con, _facts(engine or get_engine()), None).consolidation_charts()


def publication_html(con: Consolidation, *, engine: Engine | None = None, trends: TrendFigures | None = None, drawn: Mapping[charts.Chart, str] | None = None) -> str:
    """The publication's HTML; a figure whose chart is one of ``drawn`` (chart → PNG
    ``data:`` URI, :func:`figure_charts` drawn elsewhere) is not drawn again."""
    facts = _facts(engine or get_engine())
    pub = _Publication(con, facts, trends, drawn)
    title = "Analiza Funkcjonowania Bibliotek Publicznych"
    subtitle = f"{con.region_label or con.region_name} – dane za {con.year} r."
    return render("raport.html.j2", title=title, subtitle=subtitle, sections=pub.sections(), con=con, kind="publication")


def render_report(con: Consolidation, path: Path, *, engine: Engine | None = None, trends: TrendFigures | None = None) -> Path:
    """``raport.html``: the publication."""
    return write_html(publication_html(con, engine=engine, trends=trends), path)


def render_report_pdf(con: Consolidation, path: Path, *, engine: Engine | None = None, trends: TrendFigures | None = None) -> Path:
    """``raport.pdf``: the publication on A4, rendered from the same HTML by WeasyPrint."""
    return html_to_pdf(publication_html(con, engine=engine, trends=trends), path)


__all__: Sequence[str] = ["TrendFigures", "TrendSeries", "figure_charts", "publication_html", "render_report", "render_report_pdf", "source_line"]

