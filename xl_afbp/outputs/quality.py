"""``kontrola.html``: the quality report, for the coordinator only.

Everything the publication leaves out because it names files and libraries: the import
log (files with remarks, rejected, duplicates, superseded), the checks that failed and in
which forms, the values left out of the statistics, the review list ("Do sprawdzenia"),
the areas several libraries report, and the missing forms with their contacts.
"""

from __future__ import annotations

from pathlib import Path

from .. import status as st
from ..consolidate.facts import _Facts, _facts
from ..consolidate.records import ACCEPTED, STATUS_PL, Consolidation
from ..engine import Engine, get_engine
from .document import Cell, Numbering, Section, num, text
from .html import render, write_html
from .numbers import decimals_of, format_count, format_number

_STATUS_CSS = {"odrzucony": "bad", "przyjęty z uwagami": "warn", "przyjęty": "good"}
_SEVERITY_CSS = {st.ERROR: "bad", st.INCOMPLETE: "warn", st.WARNING: "warn", st.DIFFERENCE: "warn"}


def _source(con: Consolidation) -> str:
    return f"Źródło: pliki otrzymane przez koordynatora, AFBP {con.year} ({len(con.entries)} plików)."


def _import(con: Consolidation, numbers: Numbering) -> Section:
    s = Section("import", "Import plików")
    counts = con.counts
    rows = [[text(STATUS_PL[k]), num(format_count(v))] for k, v in counts.items()]
    s.blocks.append(numbers.table("Pliki wg statusu importu", [("Status", "Plików")], rows, _source(con)))
    il = con.import_log
    problems = il[il["status"] != STATUS_PL[ACCEPTED]]
    rows = [[text(r.nazwa_pliku), text(r.id), text(r.nazwa), Cell(r.status, css=_STATUS_CSS.get(r.status, "")), text(r.powod + (f"; {r.uwagi}" if r.uwagi and r.uwagi not in r.powod else ""))] for r in problems.itertuples(index=False)]
    s.blocks.append(numbers.table("Pliki przyjęte z uwagami, odrzucone, zduplikowane i zastąpione", [("Plik", "Identyfikator", "Biblioteka", "Status", "Powód")], rows, _source(con)))
    return s


#: a library without findings of a severity
_NO_FINDINGS: dict[str, list[str]] = {"kontrola": [], "wartosci": [], "komunikat": []}


def _findings_by_library(fd, severity: str) -> dict[str, dict[str, list[str]]]:
    """Library id → its findings of ``severity`` (checks, values, messages; in the table's
    order), in one pass: filtering the table once per library took seconds for 2,500."""
    out: dict[str, dict[str, list[str]]] = {}
    if not len(fd):
        return out
    mine = fd[fd["waga"] == severity]
    for lib_id, check, values, msg in zip(mine["id"], mine["kontrola"], mine["wartosci"], mine["komunikat"]):
        if isinstance(lib_id, str):
            found = out.setdefault(lib_id, {k: [] for k in _NO_FINDINGS})
            found["kontrola"].append(check)
            found["wartosci"].append(values)
            found["komunikat"].append(msg)
    return out


def _checks(con: Consolidation, numbers: Numbering) -> Section:
    s = Section("kontrola", "Wyniki kontroli formularzy")
    fd = con.findings
    rows = []
    if len(fd):
        g = fd.groupby(["waga", "kontrola"]).agg(biblioteki=("id", "nunique"), wystapienia=("id", "size")).reset_index()
        order = {st.ERROR: 0, st.INCOMPLETE: 1, st.DIFFERENCE: 2, st.WARNING: 3, st.NO_DATA: 4}
        msgs = fd.drop_duplicates("kontrola").set_index("kontrola")["komunikat"]
        for r in sorted(g.itertuples(index=False), key=lambda r: (order.get(r.waga, 9), -r.biblioteki, r.kontrola)):
            rows.append([Cell(r.waga, css=_SEVERITY_CSS.get(r.waga, "")), text(r.kontrola), num(format_count(r.biblioteki)), num(format_count(r.wystapienia)), text(msgs.get(r.kontrola, ""))])
    s.blocks.append(numbers.table("Niespełnione kontrole", [("Waga", "Kontrola", "Bibliotek", "Wystąpień", "Komunikat")], rows, f"Źródło: kontrole przeliczone z formularzy AFBP {con.year}."))
    lib = con.libraries
    rows = []
    errors = _findings_by_library(fd, st.ERROR)
    for r in lib[lib["status"] == st.ERROR].itertuples(index=False):
        mine = errors.get(r.id, _NO_FINDINGS)
        rows.append([text(r.id), text(r.nazwa), text(r.email), text(", ".join(mine["kontrola"])), text("; ".join(x for x in mine["wartosci"] if x))])
    s.blocks.append(numbers.table("Formularze z błędami", [("Identyfikator", "Biblioteka", "E-mail", "Kontrole z błędem", "Wartości")], rows, f"Źródło: kontrole przeliczone z formularzy AFBP {con.year}."))
    rows = []
    gaps = _findings_by_library(fd, st.INCOMPLETE)
    for r in lib[lib["status"] == st.INCOMPLETE].itertuples(index=False):
        mine = gaps.get(r.id, _NO_FINDINGS)
        rows.append([text(r.id), text(r.nazwa), text(r.email), text("; ".join(x for x in mine["wartosci"] if x) or "; ".join(mine["komunikat"]))])
    s.blocks.append(numbers.table("Formularze niekompletne", [("Identyfikator", "Biblioteka", "E-mail", "Puste pola wymagane")], rows, f"Źródło: kontrole przeliczone z formularzy AFBP {con.year}."))
    return s


def _left_out(con: Consolidation, numbers: Numbering) -> Section:
    s = Section("pominiete", "Wartości pominięte w statystykach")
    if con.include_flagged:
        s.paragraphs.append(f"Uruchomiono z opcją --include-flagged: {con.flagged_values} wartości oznaczonych jako błędne weszło do statystyk.")
    else:
        s.paragraphs.append(f"Pominięto {con.flagged_values} wartości {con.flagged_libraries} bibliotek: pozycje, które czyta niespełniona reguła o wadze „błąd”, i wskaźniki, które z nich korzystają. Po poprawieniu formularza przez bibliotekę wejdą do statystyk.")
    lib = con.libraries
    rows = [[text(r.id), text(r.nazwa), text(r.pominiete)] for r in lib[lib["pominiete"] != ""].itertuples(index=False)]
    s.blocks.append(numbers.table("Biblioteki z wartościami pominiętymi", [("Identyfikator", "Biblioteka", "Pozycje → wskaźniki")], rows, f"Źródło: kontrole przeliczone z formularzy AFBP {con.year}."))
    return s


def _review(con: Consolidation, facts: _Facts, numbers: Numbering) -> Section:
    s = Section("do-sprawdzenia", "Do sprawdzenia")
    s.paragraphs.append("Wartości wskaźników daleko od grupy biblioteki: poza Q1 − 3×IQR … Q3 + 3×IQR grupy (co najmniej 5 wartości; mniejsza grupa – podtyp, potem region) "
                        "i co najmniej dwukrotnie większe lub mniejsze od mediany. Nie muszą być błędne; pozostają w statystykach – warto je potwierdzić z biblioteką.")
    dec = {i.code: decimals_of(i.format) for i in facts.spec.indicators}
    rows = [[text(r.id), text(r.nazwa), text(f"{r.wskaznik} {r.wskaznik_nazwa}"), num(format_number(r.wartosc, dec[r.wskaznik])), text(f"{r.grupa} (n={r.n_grupy})"),
             num(format_number(r.mediana, dec[r.wskaznik])), num(format_number(r.iloraz, 1)), text(r.wartosci)] for r in con.review.itertuples(index=False)]
    s.blocks.append(numbers.table("Wartości do sprawdzenia", [("Identyfikator", "Biblioteka", "Wskaźnik", "Wartość", "Grupa", "Mediana grupy", "Wartość / mediana", "Dane")], rows, f"Źródło: formularze AFBP {con.year}."))
    return s


def _overlaps(con: Consolidation, numbers: Numbering) -> Section:
    s = Section("obszary", "Obszary podane przez kilka bibliotek")
    s.paragraphs.append("Mieszkańcy tych gmin (miast) wchodzą do wskaźników regionu i powiatów raz – zob. metoda w raporcie.")
    names = con.libraries.set_index("id")["nazwa"].to_dict()
    rows = [[text(o.unit), text("; ".join(f"{i} {names.get(i, '')}" for i in o.libraries)), num(format_count(o.reported)), num(format_count(o.counted))] for o in con.overlaps]
    s.blocks.append(numbers.table("Gminy obsługiwane przez więcej niż jedną bibliotekę", [("TERYT", "Biblioteki", "Suma podanych liczb mieszkańców", "Policzono")], rows, f"Źródło: formularze AFBP {con.year}."))
    return s


def _missing(con: Consolidation, numbers: Numbering) -> Section:
    s = Section("brakujace", "Brakujące formularze")
    if con.expected_count is None:
        s.paragraphs.append("Nie podano listy oczekiwanych bibliotek (opcja --expected), więc brakujących formularzy nie można ustalić.")
        return s
    rows = [[text(m["id"]), text(m["nazwa"]), text(m["powiat"]), text(m["gmina"]), text(m["email"]), text(m["uwagi"])] for m in con.missing.to_dict("records")]
    s.blocks.append(numbers.table("Biblioteki bez przyjętego formularza", [("Identyfikator", "Biblioteka", "Powiat", "Gmina", "E-mail", "Uwagi")], rows, "Źródło: lista bibliotek koordynatora i pliki otrzymane."))
    return s


def quality_html(con: Consolidation, *, engine: Engine | None = None) -> str:
    facts = _facts(engine or get_engine())
    numbers = Numbering()
    sections = [_import(con, numbers), _checks(con, numbers), _left_out(con, numbers), _review(con, facts, numbers), _overlaps(con, numbers), _missing(con, numbers)]
    return render("raport.html.j2", title="AFBP – raport kontroli danych (dla koordynatora)", subtitle=f"{con.region_label or con.region_name} – dane za {con.year} r.", sections=sections, con=con, kind="quality")


def render_quality(con: Consolidation, path: Path, *, engine: Engine | None = None) -> Path:
    """``kontrola.html``."""
    return write_html(quality_html(con, engine=engine), path)
