"""Feedback sheets: one PDF per accepted library, and the mail-merge CSV that sends them.

What AFBP gives a library back for its work: each of its indicators beside its group's
quartiles and median and the region's values, an index chart (the group's median = 100)
and the checks its form did not pass, with the values left out of the statistics.

The group is the library's subtype × population band when that group has at least
:data:`~xl_afbp.consolidate.records.MIN_GROUP` libraries, else its subtype, else the region
(the sheet says which): a group of one or two would show the library itself, or reveal its
neighbour's values. A median resting on fewer than three values is not shown.

Files are named by library id (``<id>.pdf``, the id made safe for a file name);
``korespondencja.csv`` (Polish Excel CSV: id; biblioteka; email; plik) feeds a mail merge.
Rendering runs in the project's process pool with a progress bar.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..consolidate.facts import _Facts, _facts
from ..consolidate.records import ALL_SUBTYPES, LEVEL_GROUP, LEVEL_REGION, LEVEL_SUBTYPE, MIN_GROUP, Consolidation
from ..engine import Engine, get_engine
from ..safetext import printable
from . import charts
from .csvfiles import EXCEL_PL, CsvDialect, write_csv
from .document import Cell, Numbering, Section, num, text
from .html import html_to_pdf, render
from .numbers import DASH, decimals_of, format_number, is_number

MAIL_MERGE = "korespondencja.csv"
MAIL_COLUMNS = ["id", "biblioteka", "email", "plik"]


def file_stem(library_id: str) -> str:
    """A library id as a file name: letters, digits, ``-`` and ``_`` kept, the rest ``_``
    (an id from a form is data: never a path)."""
    stem = re.sub(r"[^0-9A-Za-z_-]+", "_", printable(str(library_id))).strip("._") or "biblioteka"
    return stem[:80]


@dataclass(frozen=True)
class Comparison:
    level: str
    label: str
    stats: pd.DataFrame  # group_stats rows of the group, by indicator code


def comparison_group(con: Consolidation, podtyp: str, przedzial: str) -> Comparison:
    """The library's group for comparison (see the module doc)."""
    gs = con.group_stats
    for level, p, b, label in ((LEVEL_GROUP, podtyp, przedzial, f"{podtyp} × {przedzial}"), (LEVEL_SUBTYPE, podtyp, "", f"{podtyp} (wszystkie przedziały)"), (LEVEL_REGION, ALL_SUBTYPES, "", "cały region")):
        rows = gs[(gs["poziom"] == level) & (gs["podtyp"] == p) & (gs["przedzial"] == b)]
        if len(rows) and (int(rows["n_grupy"].iloc[0]) >= MIN_GROUP or level == LEVEL_REGION):
            return Comparison(level, f"{label} ({int(rows['n_grupy'].iloc[0])} bibliotek)", rows.set_index("wskaznik"))
    return Comparison(LEVEL_REGION, "cały region", gs.iloc[0:0].set_index("wskaznik"))


class _Sheet:
    def __init__(self, con: Consolidation, facts: _Facts):
        self.con, self.facts = con, facts
        self.region = con.group_stats[con.group_stats["poziom"] == LEVEL_REGION].set_index("wskaznik")
        self.dec = {i.code: decimals_of(i.format) for i in facts.spec.indicators}

    def stat(self, frame: pd.DataFrame, code: str, name: str) -> str:
        if code not in frame.index or not is_number(frame.loc[code, name]):
            return DASH
        return format_number(frame.loc[code, name], self.dec[code])

    def html(self, i: int) -> str:
        con, facts = self.con, self.facts
        lib = con.libraries.iloc[i]
        group = comparison_group(con, lib["podtyp"], lib["przedzial"])
        excluded = con.excluded.iloc[i] if len(con.excluded) else pd.Series(dtype=bool)
        numbers = Numbering()
        source = f"Źródło: opracowanie własne na podstawie formularzy AFBP za {con.year} r."
        intro = Section("wskazniki", "Wskaźniki biblioteki na tle grupy")
        intro.paragraphs.append(f"Grupa porównawcza: {group.label}. Q1, mediana, Q3 – wartości bibliotek grupy; region – wskaźnik zagregowany (iloraz sum) i mediana bibliotek regionu. Indeks: wartość biblioteki, gdy mediana grupy = 100.")
        rows, labels, indexes = [], [], []
        persp = {p.id: p.label for p in facts.spec.perspectives}
        current = None
        for ind in facts.spec.indicators:
            code = ind.code
            if ind.perspective != current:
                current = ind.perspective
                rows.append([Cell(persp.get(current, current), css="group", span=8)])
            v = lib[code]
            med = group.stats.loc[code, "mediana"] if code in group.stats.index else math.nan
            index = float(v) / float(med) * 100 if is_number(v) and is_number(med) and float(med) != 0 else None
            left_out = bool(excluded.get(code, False))
            mine = format_number(v, self.dec[code]) + (" *" if left_out else "")
            rows.append([text(f"{code} {ind.name}" + (f" [{ind.unit}]" if ind.unit else "")), num(mine, "bad" if left_out else ""), num(self.stat(group.stats, code, "q1")), num(self.stat(group.stats, code, "mediana")),
                         num(self.stat(group.stats, code, "q3")), num(self.stat(self.region, code, "agregat"), "agg"), num(self.stat(self.region, code, "mediana")), num(format_number(index, 0) if index is not None else DASH)])
            if is_number(v):
                labels.append(f"{code} {ind.name}")
                indexes.append(index)
        note = f"* wartość oznaczona przez kontrolę jako błędna – nie weszła do statystyk regionu; „—”: brak wartości lub grupa z mniej niż {MIN_GROUP} wartościami."
        intro.blocks.append(numbers.table("Wskaźniki biblioteki, grupy porównawczej i regionu", [("Wskaźnik", "Biblioteka", "Q1", "Mediana", "Q3", "Region – zagregowany", "Region – mediana", "Indeks")], rows, source, note))
        if labels:
            intro.blocks.append(numbers.figure("Wskaźniki biblioteki jako indeks mediany grupy (mediana = 100)", charts.index_chart(labels, indexes), source))
        checks = Section("kontrola", "Kontrola formularza")
        fd = con.findings[con.findings["id"] == lib["id"]]
        if len(fd):
            checks.paragraphs.append("Kontrole, których formularz nie przeszedł – prosimy sprawdzić te wartości przed kolejną edycją badania (lub przesłać poprawiony formularz).")
            frows = [[text(r.kontrola), Cell(r.waga, css="bad" if r.waga == "błąd" else "warn"), text(r.komunikat), text(r.wartosci)] for r in fd.itertuples(index=False)]
            checks.blocks.append(numbers.table("Niespełnione kontrole", [("Kontrola", "Waga", "Komunikat", "Wartości")], frows, source))
        else:
            checks.paragraphs.append("Formularz przeszedł wszystkie kontrole.")
        if lib["pominiete"]:
            checks.paragraphs.append(f"Wartości pominięte w statystykach regionu: {lib['pominiete']}.")
        subtitle = f"{lib['nazwa'] or lib['id']} – dane za {con.year} r."
        return render("informacja.html.j2", title="AFBP – informacja zwrotna dla biblioteki", subtitle=subtitle, lib=lib.to_dict(), group=group.label, sections=[intro, checks], con=con)


def feedback_targets(con: Consolidation, out: Path) -> list[tuple[int, Path]]:
    """(row of ``con.libraries``, PDF path) of every accepted library, names unique."""
    used: dict[str, int] = {}
    targets = []
    for i, lib_id in enumerate(con.libraries["id"]):
        stem = file_stem(lib_id)
        used[stem] = used.get(stem, 0) + 1
        if used[stem] > 1:
            stem = f"{stem}_{used[stem]}"
        targets.append((i, out / f"{stem}.pdf"))
    return targets


def write_feedback(con: Consolidation, out: Path, *, engine: Engine | None = None, progress: bool = True, workers: int | None = None, dialect: CsvDialect = EXCEL_PL) -> dict[str, Path]:
    """A PDF per accepted library in ``out`` and ``out/korespondencja.csv``; returns
    name → path. A sheet that cannot be rendered is reported in the CSV's ``plik`` column
    as "błąd: …" and the others are written."""
    from tqdm import tqdm

    from ..pool import run_tasks

    facts = _facts(engine or get_engine())
    out.mkdir(parents=True, exist_ok=True)
    sheet = _Sheet(con, facts)
    targets = feedback_targets(con, out)

    def one(job: tuple[int, Path]) -> str:
        i, path = job
        try:
            html_to_pdf(sheet.html(i), path)
            return ""
        except Exception as exc:  # noqa: BLE001 - one library's sheet must not stop the others
            return f"błąd: {type(exc).__name__}: {exc}"[:200]

    n = workers if workers is not None else (2 if len(targets) >= 8 else 1)
    bar = lambda: tqdm(total=len(targets), desc="Informacje zwrotne (PDF)", unit="bibl.", disable=not progress, leave=False)  # noqa: E731
    if n > 1:
        errors = run_tasks(one, targets, workers=n, seconds=300, on_timeout=lambda job: "błąd: przekroczono czas", on_crash=lambda job: "błąd: proces przerwany", make_bar=bar)
    else:
        b = bar()
        errors = []
        for job in targets:
            errors.append(one(job))
            b.update(1)
        b.close()
    rows = []
    written: dict[str, Path] = {}
    for (i, path), error in zip(targets, errors):
        lib = con.libraries.iloc[i]
        rows.append({"id": lib["id"], "biblioteka": lib["nazwa"], "email": lib["email"], "plik": error or path.name})
        if not error:
            written[path.name] = path
    written[MAIL_MERGE] = write_csv(out / MAIL_MERGE, MAIL_COLUMNS, rows, dialect=dialect)
    return written
