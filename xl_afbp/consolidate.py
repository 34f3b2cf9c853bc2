"""Consolidator: returned workbooks → regional summary, import log and the multi-year database.

:func:`consolidate` is the pure core. It takes the :class:`xl_afbp.reader.Submission` of
every file received (read by :func:`xl_afbp.reader.read_many`), decides the batch status
of each file, recomputes indicators, rules and K-03 checks **in Python from the raw
inputs** (cached values in the files are never used), and returns a :class:`Consolidation`
of pandas DataFrames:

``libraries``     one row per library in the summary: basic data, ``P01`` … ``P34``
                  (``P21`` = number of TAK services), ``P21_01`` … ``P21_12``, the
                  indicators, the form status and counts of errors / warnings / gaps;
``group_stats``   per podtyp × przedział, per podtyp and for the whole region: n, mean,
                  median, Q1, Q3, min, max of the per-library values of each indicator,
                  and, apart, the group's **aggregate** indicator (ratio of sums);
``powiaty``       per powiat: libraries, sums of the additive items, aggregate indicators;
``region``        sums of the additive items and the aggregate indicators of the region
                  (the same engine evaluates a form of summed items: these are not medians);
``findings``      every failed rule, K-03 difference, gap and reader note, per library;
``import_log``    one row per input file, whatever happened to it;
``missing``       libraries of the ``expected`` list without an accepted form.

Batch statuses (Polish in the outputs): ``accepted`` "przyjęty", ``accepted_with_warnings``
"przyjęty z uwagami" (the reader noted something, or the recomputed checks found errors,
warnings, K-03 differences or empty fields: the data is used and the findings listed),
``rejected`` "odrzucony", ``duplicate`` "duplikat" (the same content as another file,
same sha256), ``superseded`` "zastąpiony" (an older file of the same library: the newest
by ``saved_at``, else the form's ``generated_at``, else the file's mtime, wins). Two
different libraries (different TERYT or name) claiming one id are both rejected with the
code ``id_conflict``. The result does not depend on the order of the inputs.

Aggregates: for each indicator the numerator and denominator items are summed over the
libraries of the group that have a value of that indicator, and the engine evaluates that
summed form. Indicators that cannot be aggregated that way (a non-additive item such as
opening hours or satisfaction, the services count, or a constant in a sum such as
``P1 / (P13 + 1)``) have no aggregate; the reason is given.

:func:`write_outputs` writes ``podsumowanie.xlsx``, the CSVs, ``benchmark-<year>.csv`` and
``raport.html``; :func:`run_consolidation` is the whole job (files → reader → core →
outputs → database) used by ``xl-afbp consolidate`` and the demo.
"""

from __future__ import annotations

import base64
import io
import math
import multiprocessing
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence
from xml.sax.saxutils import escape

import pandas as pd

from . import names
from . import status as st
from .engine import Engine, get_engine
from .expr.ast import Bin, Call, Group, Num, Ref, walk
from .expr.pyeval import as_number, is_yes
from .formdata import FormData
from .workbook.cells import safe_text, set_text
from .workbook.form import population_band

DEFAULT_OUT = Path("build") / "summary"
DEFAULT_DB = Path("build") / "afbp.sqlite"
PARALLEL_FROM = 300  # forms; below this a worker pool costs more than it saves

ACCEPTED = "accepted"
ACCEPTED_WITH_WARNINGS = "accepted_with_warnings"
REJECTED = "rejected"
DUPLICATE = "duplicate"
SUPERSEDED = "superseded"
STATUSES = (ACCEPTED, ACCEPTED_WITH_WARNINGS, REJECTED, DUPLICATE, SUPERSEDED)
#: batch status → the Polish word of the import log
STATUS_PL = {
    ACCEPTED: "przyjęty",
    ACCEPTED_WITH_WARNINGS: "przyjęty z uwagami",
    REJECTED: "odrzucony",
    DUPLICATE: "duplikat",
    SUPERSEDED: "zastąpiony",
}
USED = (ACCEPTED, ACCEPTED_WITH_WARNINGS)

LEVEL_GROUP = "podtyp × przedział"
LEVEL_SUBTYPE = "podtyp"
LEVEL_REGION = "region"
ALL_SUBTYPES = "(wszystkie)"
NO_SUBTYPE = "(brak podtypu)"
NO_POWIAT = "(brak powiatu)"
#: indicators shown in the charts and the report's key table
KEY_INDICATORS = ("U01", "U03", "U05", "Z01", "Z04", "E01")
BASIC_COLUMNS = ("nazwa", "organizator", "podtyp", "przedzial", "wojewodztwo", "powiat", "gmina", "miejscowosc", "teryt")
FINDING_COLUMNS = ["id", "nazwa", "plik", "rodzaj", "kontrola", "waga", "komunikat", "wartosci", "afbp", "k03", "k03_gorna"]
IMPORT_COLUMNS = ["plik", "nazwa_pliku", "sha256", "rozmiar", "id", "nazwa", "status", "kod", "powod", "uwagi", "zapisano"]
MISSING_COLUMNS = ["id", "nazwa", "podtyp", "powiat", "gmina", "email", "uwagi"]
STAT_COLUMNS = ["poziom", "podtyp", "przedzial", "wskaznik", "nazwa", "jednostka", "n_grupy", "n", "srednia", "mediana", "q1", "q3", "min", "max", "agregat", "agregat_uwagi"]
REGION_COLUMNS = ["rodzaj", "kod", "nazwa", "jednostka", "wartosc", "n", "n_brak", "mediana_bibliotek", "uwagi"]


# =============================================================================== records
@dataclass
class Entry:
    """One input file through the batch."""

    sub: Any  # xl_afbp.reader.Submission
    status: str
    code: str
    reason: str
    warnings: list[str]
    library_id: str | None
    when: datetime  # what "newest" compares: saved_at, else generated_at, else mtime
    evaluation: dict[str, Any] | None = None
    other: str | None = None  # the winning / first file of a superseded / duplicate entry

    @property
    def used(self) -> bool:
        return self.status in USED


@dataclass
class Consolidation:
    """Everything the outputs show, as DataFrames (column keys are plain ASCII)."""

    year: int
    region_name: str
    spec_label: str
    catalogue: str
    libraries: pd.DataFrame
    group_stats: pd.DataFrame
    powiaty: pd.DataFrame
    region: pd.DataFrame
    findings: pd.DataFrame
    import_log: pd.DataFrame
    missing: pd.DataFrame
    entries: list[Entry] = field(default_factory=list, repr=False)
    expected_count: int | None = None
    generated_at: str = ""

    @property
    def region_label(self) -> str:
        """``województwo X`` for a województwo name, else the name as given."""
        name = self.region_name.strip()
        if re.fullmatch(r"[a-ząćęłńóśźż-]+(?:ie|ckie|skie)", name):
            return f"województwo {name}"
        return name

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={v}" for k, v in self.counts.items() if v)
        return f"<Consolidation {self.region_name or '?'} {self.year}: {len(self.entries)} files ({counts}), {len(self.libraries)} libraries, {len(self.missing)} missing>"

    @property
    def counts(self) -> dict[str, int]:
        c = Counter(e.status for e in self.entries)
        return {s: c.get(s, 0) for s in STATUSES}

    @property
    def rejected(self) -> int:
        return self.counts[REJECTED]

    def benchmark_rows(self) -> list[dict[str, Any]]:
        """Rows of ``benchmark-<year>.csv``: group and subtype medians (not the region)."""
        out = []
        for r in self.group_stats.itertuples(index=False):
            if r.poziom == LEVEL_REGION or r.n == 0 or pd.isna(r.mediana):
                continue
            out.append({"podtyp": r.podtyp, "przedzial": r.przedzial if r.poziom == LEVEL_GROUP else "", "wskaznik": r.wskaznik, "n": int(r.n), "mediana": float(r.mediana)})
        return out


# =============================================================================== helpers
def _norm_name(text: Any) -> str:
    s = unicodedata.normalize("NFKC", str(text or "")).casefold()
    return re.sub(r"[\s\"'„”«»]+", " ", s).strip()


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _as_utc(v: Any) -> datetime | None:
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        return v.replace(tzinfo=timezone.utc) if v.tzinfo is None else v.astimezone(timezone.utc)
    try:
        return _as_utc(datetime.fromisoformat(str(v).strip().replace("Z", "+00:00")))
    except ValueError:
        return None


def _mtime(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(Path(path).stat().st_mtime, timezone.utc)
    except OSError:
        return None


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _when(sub: Any) -> datetime:
    meta = getattr(sub, "meta", None) or {}
    return _as_utc(getattr(sub, "saved_at", None)) or _as_utc(meta.get("generated_at")) or _mtime(sub.path) or _EPOCH


def _int(v: Any) -> int | None:
    n = as_number(v) if not isinstance(v, str) else as_number(float(v)) if re.fullmatch(r"\s*\d+(\.0*)?\s*", v) else None
    return int(n) if n is not None and float(n).is_integer() else None


def _clean(v: Any) -> Any:
    """An input value for the tables: integral floats of whole items as ints, NaN as None."""
    if isinstance(v, float):
        if not math.isfinite(v):
            return None
        return int(v) if v.is_integer() and abs(v) < 2**53 else v
    return v


def _fmt_value(v: Any) -> str:
    if v is None:
        return "(puste)"
    if isinstance(v, float):
        return f"{v:g}" if abs(v) < 1e15 else repr(v)
    return str(v)


# =============================================================================== engine facts
class _Facts:
    """What the consolidator needs to know about the compiled spec, computed once."""

    def __init__(self, engine: Engine):
        spec = engine.spec
        self.engine = engine
        self.spec = spec
        self.items = sorted(spec.items, key=lambda i: i.nr)
        self.numeric = [i for i in self.items if i.numeric]
        self.additive = [i for i in self.numeric if i.additive]
        self.svc = spec.services_item
        self.codes = [i.code for i in spec.indicators]
        self.podtypy = next((b.choices for b in spec.basic if b.key == "PODTYP"), ())
        self.bands = [b.label for b in spec.bands]
        ref = re.compile(r"\b(P\d+(?:_\d+)?|PREV\d+|B_[A-Z_]+)\b")
        from .spec.expand import rule_expressions

        self.rule_refs: dict[tuple[str, int | None], list[str]] = {}
        for rule in spec.rules:
            for nr, text in rule_expressions(spec, rule):
                self.rule_refs[(rule.id, nr)] = list(dict.fromkeys(ref.findall(text)))
        self.aggregate_note: dict[str, str] = {}
        additive = {f"P{i.nr}" for i in self.additive}
        for ind in spec.indicators:
            node = engine.parse(ind.formula)
            note = ""
            for n in walk(node):
                if isinstance(n, (Call, Group)) or (isinstance(n, Ref) and n.name not in additive):
                    note = "brak: pozycja nieaddytywna (godziny, satysfakcja, usługi) – zob. medianę"
                    break
                if isinstance(n, Bin) and n.op in "+-" and any(isinstance(x, Num) for side in (n.left, n.right) for x in walk(side)):
                    note = "brak: stała w formule, iloraz sum bez sensu – zob. medianę"
                    break
            self.aggregate_note[ind.code] = note

    def band(self, population: Any, fallback: Any = "") -> str:
        p = as_number(population)
        if p is not None:
            label = population_band(self.spec, int(p))
            if label:
                return label
        return _text(fallback)

    def podtyp(self, *values: Any) -> str:
        """The first given subtype, spelled as in the spec's list (case and spaces ignored)."""
        for v in values:
            text = _text(v)
            if text:
                key = _norm_name(text)
                return next((p for p in self.podtypy if _norm_name(p) == key), text)
        return NO_SUBTYPE

    def order_podtyp(self, p: str) -> tuple[int, str]:
        return (self.podtypy.index(p) if p in self.podtypy else len(self.podtypy), p)

    def order_band(self, b: str) -> tuple[int, str]:
        return (self.bands.index(b) if b in self.bands else len(self.bands), b)


# =============================================================================== evaluation
_WORKER_ENGINE: Engine | None = None


def evaluate_form(engine: Engine, data: FormData, facts: _Facts | None = None) -> dict[str, Any]:
    """Indicators, status, counts and the findings of one form (compact, picklable)."""
    facts = facts or _facts(engine)
    res = engine.evaluate(data)
    out: list[tuple] = []
    items = {it.nr: it for it in facts.items}

    def values(refs: list[str]) -> str:
        parts = []
        for r in refs:
            try:
                parts.append(f"{r} = {_fmt_value(_clean(data.get(r)))}")
            except KeyError:
                continue
        return "; ".join(parts)

    for r in res.rules:
        if r.status not in (st.ERROR, st.WARNING):
            continue
        failed = [nr for nr, s in r.parts.items() if s == r.status]
        if failed:
            for nr in failed:
                label = items[nr].short if nr in items else ""
                out.append(("reguła", f"{r.id} poz. {nr}", r.status, f"{r.message} (poz. {nr}: {label})", values(facts.rule_refs.get((r.id, nr), [f"P{nr}"])), None, None, None))
        else:
            out.append(("reguła", r.id, r.status, r.message, values(facts.rule_refs.get((r.id, None), [])), None, None, None))
    for k in res.k03:
        if k.status == st.DIFFERENCE:
            out.append(("K-03", f"K-03 poz. {k.item}", k.status, k.explanation, f"P{k.item} = {_fmt_value(_clean(data.items.get(k.item)))}", k.afbp, k.k03, k.k03_upper))
    empty = []
    for it in facts.numeric:
        v = data.items.get(it.nr)
        if as_number(v) is None and not (it.hash and v == "#"):
            empty.append(f"poz. {it.nr}" if v is None or v == "" else f"poz. {it.nr} ({_fmt_value(v)})")
    if facts.svc is not None:
        for s in facts.spec.services:
            if is_yes(data.services.get(s.nr)) is None:
                empty.append(f"poz. {facts.svc.nr}.{s.nr}")
    if empty:
        out.append(("braki", "puste pola", st.NO_DATA, f"Puste lub niepoprawne pola formularza: {len(empty)}", ", ".join(empty), None, None, None))
    return {
        "indicators": dict(res.indicators),
        "status": res.status,
        "errors": res.errors,
        "warnings": res.warnings,
        "gaps": int(res.values.get(names.GAPS) or 0),
        "findings": out,
    }


_FACTS: dict[int, _Facts] = {}


def _facts(engine: Engine) -> _Facts:
    key = id(engine)
    if key not in _FACTS:
        _FACTS[key] = _Facts(engine)
    return _FACTS[key]


_WORKER_FORMS: Sequence[FormData] = ()


def _safe_evaluate(engine: Engine, data: FormData, facts: _Facts) -> dict[str, Any]:
    """:func:`evaluate_form`, or ``{"error": …}`` when the engine fails on this form's values."""
    try:
        return evaluate_form(engine, data, facts)
    except Exception as exc:  # noqa: BLE001 - one hostile form must not stop the batch
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}


def _eval_chunk(bounds: tuple[int, int]) -> list[dict[str, Any]]:
    engine = _WORKER_ENGINE
    assert engine is not None
    facts = _facts(engine)
    return [_safe_evaluate(engine, d, facts) for d in _WORKER_FORMS[bounds[0] : bounds[1]]]


def evaluate_all(engine: Engine, forms: Sequence[FormData], *, workers: int | None = None, progress: bool = False) -> list[dict[str, Any]]:
    """:func:`evaluate_form` for many forms (``{"error": …}`` for a form the engine cannot
    evaluate); two forked workers from :data:`PARALLEL_FROM` forms."""
    from tqdm import tqdm

    facts = _facts(engine)
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if len(forms) >= PARALLEL_FROM else 1
    bar = tqdm(total=len(forms), desc="Przeliczanie wskaźników", unit="form.", disable=not progress or len(forms) < 2, leave=False)
    try:
        if workers <= 1 or not hasattr(os, "fork"):
            out = []
            for d in forms:
                out.append(_safe_evaluate(engine, d, facts))
                bar.update(1)
            return out
        from concurrent.futures import ProcessPoolExecutor

        global _WORKER_ENGINE, _WORKER_FORMS
        _WORKER_ENGINE, _WORKER_FORMS = engine, forms  # inherited by the forked workers: nothing to pickle
        size = max(1, min(250, len(forms) // (workers * 4) or 1))
        chunks = [(i, min(len(forms), i + size)) for i in range(0, len(forms), size)]
        out = []
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
                for part in pool.map(_eval_chunk, chunks):
                    out += part
                    bar.update(len(part))
        finally:
            _WORKER_FORMS = ()
        return out
    finally:
        bar.close()


# =============================================================================== batch statuses
def _identity(e: Entry) -> tuple[str, str]:
    meta = e.sub.meta or {}
    data = e.sub.data
    name = _norm_name((data.basic.get("NAZWA") if data else None) or "")
    return (_text(meta.get("teryt")), name)


def _display(e: Entry) -> str:
    return str(e.sub.name or Path(e.sub.path).name)


def _expected_rows(expected: Any) -> list[dict[str, Any]] | None:
    if expected is None:
        return None
    if isinstance(expected, (str, os.PathLike)):
        from .regions import read_library_csv

        rows, _errors = read_library_csv(expected)
        return rows
    return [dict(r) for r in expected]


def _match_expected(sub: Any, expected: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The one expected library a form without an id belongs to (same name, else same
    powiat and gmina), or None."""
    basic = sub.data.basic if sub.data is not None else {}
    name = _norm_name(basic.get("NAZWA"))
    if name:
        hits = [i for i, r in expected.items() if _norm_name(r.get("nazwa")) == name]
        if len(hits) == 1:
            return hits[0]
    place = (_norm_name(basic.get("POWIAT")), _norm_name(basic.get("GMINA")))
    if all(place):
        hits = [i for i, r in expected.items() if (_norm_name(r.get("powiat")), _norm_name(r.get("gmina"))) == place]
        if len(hits) == 1:
            return hits[0]
    return None


def assign_statuses(subs: Sequence[Any], *, year: int, expected: Mapping[str, Mapping[str, Any]] | None = None) -> list[Entry]:
    """The batch status of every submission, in a canonical order (path, then sha256)."""
    ordered = sorted(subs, key=lambda s: (str(s.path), s.sha256))
    entries: list[Entry] = []
    for s in ordered:
        meta = s.meta or {}
        verdict = s.verdict if s.verdict in (ACCEPTED, ACCEPTED_WITH_WARNINGS, REJECTED) else REJECTED
        e = Entry(s, verdict, s.code or ("ok" if verdict != REJECTED else "rejected"), s.reason or "", list(s.warnings or []), _text(s.library_id or meta.get("library_id")) or None, _when(s))
        if e.status != REJECTED and s.data is None:
            e.status, e.code, e.reason = REJECTED, "no_data", "nie odczytano danych formularza"
        if e.status != REJECTED and not e.library_id and expected and (match := _match_expected(s, expected)):
            e.library_id = match
            e.warnings.append(f"formularz bez identyfikatora: przypisano do biblioteki {match} z listy na podstawie nazwy / gminy – sprawdź")
        if e.status != REJECTED and not e.library_id:
            e.status, e.code = REJECTED, "no_library_id"
            e.reason = "brak identyfikatora biblioteki (arkusz _meta): formularz nie pochodzi z generatora xl-afbp albo został przepisany do innego pliku"
        form_year = _int(meta.get("year"))
        if e.status != REJECTED and form_year is not None and form_year != year:
            e.status, e.code = REJECTED, "wrong_year"
            e.reason = f"formularz za rok {form_year}, a zestawienie dotyczy roku {year}"
        entries.append(e)

    first: dict[str, Entry] = {}
    # the same content twice: the earliest file (by mtime, then path) is the original
    for e in sorted(entries, key=lambda e: (_mtime(e.sub.path) or _EPOCH, str(e.sub.path))):
        if not e.sub.sha256:  # a file that could not even be hashed (unreadable, timeout)
            continue
        if e.sub.sha256 in first:
            f = first[e.sub.sha256]
            same_name = _display(f) == _display(e)
            e.status, e.code, e.other = DUPLICATE, "duplicate", _display(f) if not same_name else str(f.sub.path)
            e.reason = f"ten sam plik (identyczna zawartość) co {e.other} – pominięty"
        else:
            first[e.sub.sha256] = e

    by_id: dict[str, list[Entry]] = {}
    for e in entries:
        if e.used:
            by_id.setdefault(e.library_id or "", []).append(e)
    for lib_id, group in by_id.items():
        identities = {_identity(e) for e in group}
        teryts = {t for t, _ in identities if t}
        names_ = {n for _, n in identities if n}
        if len(teryts) > 1 or len(names_) > 1:
            who = "; ".join(sorted({f"{e.sub.data.basic.get('NAZWA') or '?'} (TERYT {_identity(e)[0] or '?'}, plik {_display(e)})" for e in group}))
            for e in group:
                e.status, e.code = REJECTED, "id_conflict"
                e.reason = f"konflikt identyfikatora: identyfikator {lib_id} podają różne biblioteki – {who}; wyjaśnij z bibliotekami i prześlij poprawione pliki"
            continue
        if len(group) > 1:
            winner = max(group, key=lambda e: (e.when, str(e.sub.path), e.sub.sha256))
            for e in group:
                if e is not winner:
                    e.status, e.code, e.other = SUPERSEDED, "superseded", _display(winner)
                    e.reason = f"zastąpiony nowszym plikiem tej samej biblioteki: {_display(winner)}"
    if expected is not None:
        for e in entries:
            if not e.used:
                continue
            exp = expected.get(e.library_id or "")
            if exp is None:
                e.warnings.append(f"biblioteka {e.library_id} nie występuje na liście oczekiwanych bibliotek")
            elif _text(exp.get("teryt")) and _identity(e)[0] and _text(exp.get("teryt")) != _identity(e)[0]:
                e.warnings.append(f"TERYT formularza ({_identity(e)[0]}) różni się od listy bibliotek ({_text(exp.get('teryt'))})")
    return entries


def _finish_status(e: Entry) -> None:
    """Accepted files whose recomputed checks found something become 'przyjęty z uwagami'."""
    ev = e.evaluation or {}
    notes = []
    if ev.get("errors"):
        rules = sorted({f[1].split(" ")[0] for f in ev["findings"] if f[0] == "reguła" and f[2] == st.ERROR})
        notes.append(f"błędy w formularzu: {ev['errors']} ({', '.join(rules)})")
    if ev.get("warnings"):
        notes.append(f"ostrzeżenia i różnice K-03: {ev['warnings']}")
    if ev.get("gaps"):
        notes.append(f"puste pola: {ev['gaps']}")
    notes += [w for w in e.warnings if w not in e.reason]
    if notes:
        e.status = ACCEPTED_WITH_WARNINGS
        e.reason = "; ".join(([e.reason] if e.reason else []) + notes)
        if e.code == "ok":
            e.code = "check_errors" if ev.get("errors") else "check_warnings" if ev.get("warnings") else "empty_fields" if ev.get("gaps") else "list_mismatch"


# =============================================================================== the core
def consolidate(
    submissions: Iterable[Any],
    *,
    engine: Engine | None = None,
    expected: Any = None,
    region: str | None = None,
    year: int | None = None,
    workers: int | None = None,
    progress: bool = False,
) -> Consolidation:
    """Batch statuses, recomputed results and every summary table (see the module doc).

    ``expected`` is the coordinator's library list: a CSV path (``read_library_csv``) or
    rows with at least ``id``. ``year`` defaults to the forms' most common ``_meta`` year.
    """
    engine = engine or get_engine(2016)
    facts = _facts(engine)
    subs = list(submissions)
    if year is None:
        years = Counter(y for s in subs if s.verdict != REJECTED and (y := _int((s.meta or {}).get("year"))) is not None)
        year = years.most_common(1)[0][0] if years else engine.spec.edition.year
    exp_rows = _expected_rows(expected)
    exp = {str(r["id"]).strip(): r for r in exp_rows} if exp_rows is not None else None
    entries = assign_statuses(subs, year=year, expected=exp)
    used = [e for e in entries if e.used]
    for e, ev in zip(used, evaluate_all(engine, [e.sub.data for e in used], workers=workers, progress=progress)):
        if "error" in ev:
            e.status, e.code = REJECTED, "evaluation_error"
            e.reason = f"nie udało się przeliczyć wskaźników i kontroli z wartości formularza ({ev['error']}) – sprawdź wartości (np. liczby o skrajnej wielkości) i poproś o poprawiony plik"
            continue
        e.evaluation = ev
        _finish_status(e)
    used = [e for e in used if e.used]

    if region is None:
        votes = Counter(_text(r.get("wojewodztwo")) for r in (exp_rows or []) if r.get("wojewodztwo"))
        if not votes:
            votes = Counter(_text(e.sub.data.basic.get("WOJEWODZTWO")) for e in used if e.sub.data.basic.get("WOJEWODZTWO"))
        names_ = sorted(votes)
        region = names_[0] if len(names_) == 1 else "Polska" if len(names_) >= 16 else ", ".join(names_) if len(names_) <= 3 else f"{len(names_)} województw"

    libraries = _libraries_table(facts, used, exp)
    nums = numeric_items(facts, libraries)
    agg = _Aggregator(facts, libraries, nums)
    group_stats = _group_stats(facts, libraries, agg)
    con = Consolidation(
        year=year,
        region_name=region,
        spec_label=engine.spec.label,
        catalogue=engine.spec.edition.catalogue,
        libraries=libraries,
        group_stats=group_stats,
        powiaty=_powiaty(facts, libraries, nums, agg, exp),
        region=_region(facts, libraries, nums, group_stats),
        findings=_findings(used),
        import_log=_import_log(entries),
        missing=_missing(entries, exp),
        entries=entries,
        expected_count=len(exp) if exp is not None else None,
        generated_at=datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
    )
    return con


def _libraries_table(facts: _Facts, used: list[Entry], exp: Mapping[str, Mapping[str, Any]] | None) -> pd.DataFrame:
    rows = []
    item_cols = [f"P{it.nr:02d}" for it in facts.items]
    svc_cols = [f"P{facts.svc.nr}_{s.nr:02d}" for s in facts.spec.services] if facts.svc else []
    for e in sorted(used, key=lambda e: e.library_id or ""):
        data: FormData = e.sub.data
        b = data.basic
        x = (exp or {}).get(e.library_id or "", {})
        meta = e.sub.meta or {}
        ev = e.evaluation or {}
        row: dict[str, Any] = {"id": e.library_id}
        row["nazwa"] = _text(b.get("NAZWA")) or _text(x.get("nazwa"))
        row["organizator"] = _text(b.get("ORGANIZATOR")) or _text(x.get("organizator"))
        row["podtyp"] = facts.podtyp(b.get("PODTYP"), x.get("podtyp"))
        row["przedzial"] = facts.band(data.items.get(1), b.get("PRZEDZIAL") or (population_band(facts.spec, x["mieszkancy"]) if x.get("mieszkancy") else ""))
        row["wojewodztwo"] = _text(b.get("WOJEWODZTWO")) or _text(x.get("wojewodztwo"))
        row["powiat"] = _text(b.get("POWIAT")) or _text(x.get("powiat")) or NO_POWIAT
        row["gmina"] = _text(b.get("GMINA")) or _text(x.get("gmina"))
        row["miejscowosc"] = _text(b.get("MIEJSCOWOSC")) or _text(x.get("miejscowosc"))
        row["teryt"] = _text(meta.get("teryt")) or _text(x.get("teryt"))
        for it, col in zip(facts.items, item_cols):
            if it.type == "services":
                answers = [is_yes(data.services.get(s.nr)) for s in facts.spec.services]
                row[col] = sum(1 for a in answers if a) if all(a is not None for a in answers) else None
            else:
                row[col] = _clean(data.items.get(it.nr))
        for s, col in zip(facts.spec.services, svc_cols):
            v = data.services.get(s.nr)
            row[col] = v.upper() if isinstance(v, str) and is_yes(v) is not None else _clean(v)
        for code in facts.codes:
            v = ev.get("indicators", {}).get(code)
            row[code] = float(v) if v is not None else math.nan
        row["status"] = ev.get("status", "")
        row["bledy"] = ev.get("errors", 0)
        row["ostrzezenia"] = ev.get("warnings", 0)
        row["braki"] = ev.get("gaps", 0)
        row["import"] = STATUS_PL[e.status]
        row["plik"] = _display(e)
        row["sha256"] = e.sub.sha256
        row["zapisano"] = e.when.isoformat(timespec="seconds") if e.when != _EPOCH else ""
        rows.append(row)
    columns = ["id", *BASIC_COLUMNS, *item_cols, *svc_cols, *facts.codes, "status", "bledy", "ostrzezenia", "braki", "import", "plik", "sha256", "zapisano"]
    df = pd.DataFrame(rows, columns=columns)
    for code in facts.codes:
        df[code] = df[code].astype(float)
    for c in item_cols + svc_cols:
        df[c] = df[c].astype(object)
    return df


def numeric_items(facts: _Facts, libraries: pd.DataFrame) -> pd.DataFrame:
    """The item columns as floats (NaN for '#', text and empty)."""
    cols = {f"P{it.nr:02d}": it.nr for it in facts.numeric}
    return pd.DataFrame({c: [as_number(v) for v in libraries[c]] for c in cols}, index=libraries.index, dtype=float)


class _Aggregator:
    """Aggregate indicators of a set of libraries: for each indicator the items of the
    libraries with a value of it are summed, and the engine computes the indicator from
    that form of sums (the same compiled formula as in the workbook and per library)."""

    def __init__(self, facts: _Facts, libraries: pd.DataFrame, nums: pd.DataFrame):
        self.facts = facts
        self.values = nums.to_numpy()
        self.cols = {it.nr: i for i, it in enumerate(facts.numeric)}
        self.ind = libraries[facts.codes].to_numpy() if len(libraries) else None
        self.cache: dict[bytes, FormData] = {}

    def __call__(self, rows) -> dict[str, float | None]:
        import numpy as np

        rows = np.asarray(rows, dtype=int)
        out: dict[str, float | None] = {}
        for j, code in enumerate(self.facts.codes):
            if self.facts.aggregate_note[code] or self.ind is None or not len(rows):
                out[code] = None
                continue
            mask = rows[~np.isnan(self.ind[rows, j])]
            if not len(mask):
                out[code] = None
                continue
            key = mask.tobytes()
            if key not in self.cache:
                sums = np.nansum(self.values[mask], axis=0)
                self.cache[key] = FormData(items={it.nr: float(sums[self.cols[it.nr]]) for it in self.facts.additive})
            try:
                out[code] = self.facts.engine.indicator(code, self.cache[key])
            except (ArithmeticError, ValueError):  # sums beyond float range
                out[code] = None
        return out


def _group_stats(facts: _Facts, lib: pd.DataFrame, agg: _Aggregator) -> pd.DataFrame:
    import numpy as np

    meta = {i.code: i for i in facts.spec.indicators}
    codes = facts.codes
    rows: list[dict[str, Any]] = []
    frame = lib.reset_index(drop=True)
    if len(frame):
        frame = frame.assign(_all=ALL_SUBTYPES)
    levels = [(LEVEL_GROUP, ["podtyp", "przedzial"]), (LEVEL_SUBTYPE, ["podtyp"]), (LEVEL_REGION, ["_all"])]
    names_ = ("n", "srednia", "mediana", "q1", "q3", "min", "max")
    for level, keys in levels:
        if not len(frame):
            continue
        g = frame.groupby(keys, sort=False)[codes]
        stats = [g.count(), g.mean(), g.median(), g.quantile(0.25), g.quantile(0.75), g.min(), g.max()]
        index = stats[0].index
        arrays = [st_.reindex(index).to_numpy(dtype=float) for st_ in stats]
        groups = []
        for i, key in enumerate(index):
            key = key if isinstance(key, tuple) else (key,)
            groups.append((key, i))
        groups.sort(key=lambda g_: (facts.order_podtyp(g_[0][0]), facts.order_band(g_[0][1]) if len(g_[0]) > 1 else (0, "")))
        indices = g.indices
        for key, i in groups:
            idx = np.asarray(indices[key if len(keys) > 1 else key[0]])
            aggregate = agg(idx)
            for j, code in enumerate(codes):
                ind = meta[code]
                row = {
                    "poziom": level,
                    "podtyp": key[0],
                    "przedzial": key[1] if level == LEVEL_GROUP else "",
                    "wskaznik": code,
                    "nazwa": ind.name,
                    "jednostka": ind.unit,
                    "n_grupy": len(idx),
                }
                for name, arr in zip(names_, arrays):
                    row[name] = int(arr[i, j]) if name == "n" else float(arr[i, j])
                row["agregat"] = aggregate[code]
                row["agregat_uwagi"] = facts.aggregate_note[code]
                rows.append(row)
    df = pd.DataFrame(rows, columns=STAT_COLUMNS)
    df["agregat"] = df["agregat"].astype(float)
    df["n"] = df["n"].astype(int)
    return df


def _powiaty(facts: _Facts, lib: pd.DataFrame, nums: pd.DataFrame, agg: _Aggregator, exp: Mapping[str, Mapping[str, Any]] | None) -> pd.DataFrame:
    expected = Counter(_text(r.get("powiat")) or NO_POWIAT for r in exp.values()) if exp is not None else Counter()
    powiaty = sorted(set(lib["powiat"]) | set(expected), key=lambda p: (p == NO_POWIAT, p.casefold()))
    add_cols = [f"P{it.nr:02d}" for it in facts.additive]
    codes = [c for c in facts.codes if not facts.aggregate_note[c]]
    import numpy as np

    rows = []
    pos: dict[str, list[int]] = {p: [] for p in powiaty}
    for i, p in enumerate(lib["powiat"]):
        pos[p].append(i)
    values = nums[add_cols].to_numpy()
    for p in powiaty:
        idx = pos[p]
        row: dict[str, Any] = {"powiat": p, "biblioteki": len(idx), "oczekiwane": expected.get(p) if exp is not None else None}
        row["brakujace"] = max(0, expected.get(p, 0) - len(idx)) if exp is not None else None
        block = values[idx]
        have = (~np.isnan(block)).any(axis=0) if idx else np.zeros(len(add_cols), dtype=bool)
        sums = np.nansum(block, axis=0) if idx else np.zeros(len(add_cols))
        for j, c in enumerate(add_cols):
            row[c] = float(sums[j]) if have[j] else math.nan
        a = agg(idx)
        for c in codes:
            row[c] = a[c]
        rows.append(row)
    df = pd.DataFrame(rows, columns=["powiat", "biblioteki", "oczekiwane", "brakujace", *add_cols, *codes])
    for c in [*add_cols, *codes]:
        df[c] = df[c].astype(float)
    return df


def _region(facts: _Facts, lib: pd.DataFrame, nums: pd.DataFrame, stats: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for it in facts.additive:
        col = nums[f"P{it.nr:02d}"]
        rows.append({"rodzaj": "suma pozycji", "kod": f"P{it.nr:02d}", "nazwa": it.label, "jednostka": it.unit, "wartosc": float(col.sum(min_count=1)) if col.count() else math.nan, "n": int(col.count()), "n_brak": int(len(col) - col.count()), "mediana_bibliotek": math.nan, "uwagi": ""})
    region = stats[stats["poziom"] == LEVEL_REGION].set_index("wskaznik")
    for ind in facts.spec.indicators:
        r = region.loc[ind.code] if ind.code in region.index else None
        rows.append({
            "rodzaj": "wskaźnik zagregowany",
            "kod": ind.code,
            "nazwa": ind.name,
            "jednostka": ind.unit,
            "wartosc": r["agregat"] if r is not None else math.nan,
            "n": int(r["n"]) if r is not None else 0,
            "n_brak": int(len(lib) - (r["n"] if r is not None else 0)),
            "mediana_bibliotek": r["mediana"] if r is not None else math.nan,
            "uwagi": facts.aggregate_note[ind.code],
        })
    df = pd.DataFrame(rows, columns=REGION_COLUMNS)
    df["wartosc"] = df["wartosc"].astype(float)
    df["mediana_bibliotek"] = df["mediana_bibliotek"].astype(float)
    return df


def _findings(used: list[Entry]) -> pd.DataFrame:
    rows = []
    for e in sorted(used, key=lambda e: e.library_id or ""):
        name = _text(e.sub.data.basic.get("NAZWA"))
        for w in e.warnings:
            rows.append([e.library_id, name, _display(e), "plik", "import", "uwaga", w, "", None, None, None])
        for f in (e.evaluation or {}).get("findings", []):
            rows.append([e.library_id, name, _display(e), *f])
    df = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    for c in ("afbp", "k03", "k03_gorna"):
        df[c] = df[c].astype(float)
    return df


def _import_log(entries: list[Entry]) -> pd.DataFrame:
    rows = []
    for e in entries:
        data = e.sub.data
        rows.append({
            "plik": str(e.sub.path),
            "nazwa_pliku": _display(e),
            "sha256": e.sub.sha256,
            "rozmiar": int(e.sub.size or 0),
            "id": e.library_id or "",
            "nazwa": _text(data.basic.get("NAZWA")) if data is not None else "",
            "status": STATUS_PL[e.status],
            "kod": e.code,
            "powod": e.reason,
            "uwagi": "; ".join(e.warnings),
            "zapisano": e.when.isoformat(timespec="seconds") if e.when != _EPOCH else "",
        })
    return pd.DataFrame(rows, columns=IMPORT_COLUMNS)


def _id_from_name(stem: str, exp: Mapping[str, Any]) -> str | None:
    """The expected id a file name starts with (forms are generated as ``<id>.xlsx``), for
    files whose content could not be read; the longest match wins."""
    hits = [i for i in exp if stem == i or (stem.startswith(i) and stem[len(i)] in " -_.(")]
    return max(hits, key=len) if hits else None


def _missing(entries: list[Entry], exp: Mapping[str, Mapping[str, Any]] | None) -> pd.DataFrame:
    if exp is None:
        return pd.DataFrame(columns=MISSING_COLUMNS)
    have = {e.library_id for e in entries if e.used}
    tried: dict[str, list[Entry]] = {}
    for e in entries:
        if e.status != REJECTED:
            continue
        lib_id = e.library_id or _id_from_name(Path(e.sub.path).stem, exp)
        if lib_id:
            tried.setdefault(lib_id, []).append(e)
    rows = []
    for lib_id in sorted(exp):
        if lib_id in have:
            continue
        r = exp[lib_id]
        note = "nie przesłano formularza"
        if lib_id in tried:
            note = "przesłano, ale odrzucono: " + "; ".join(f"{_display(e)} – {e.reason}" for e in tried[lib_id])
        rows.append({"id": lib_id, "nazwa": _text(r.get("nazwa")), "podtyp": _text(r.get("podtyp")), "powiat": _text(r.get("powiat")), "gmina": _text(r.get("gmina")), "email": _text(r.get("email")), "uwagi": note})
    return pd.DataFrame(rows, columns=MISSING_COLUMNS)


# =============================================================================== outputs: labels
def _headers(facts: _Facts) -> dict[str, str]:
    """Column key → the Polish header of the workbook."""
    h = {
        "id": "Identyfikator", "nazwa": "Nazwa", "organizator": "Organizator", "podtyp": "Podtyp", "przedzial": "Przedział liczby mieszkańców",
        "wojewodztwo": "Województwo", "powiat": "Powiat", "gmina": "Gmina", "miejscowosc": "Miejscowość", "teryt": "TERYT",
        "status": "Status formularza", "bledy": "Błędy", "ostrzezenia": "Ostrzeżenia i różnice K-03", "braki": "Puste pola",
        "import": "Status importu", "plik": "Plik", "sha256": "SHA-256", "zapisano": "Zapisano",
    }
    for it in facts.items:
        h[f"P{it.nr:02d}"] = f"P{it.nr:02d} {it.short}"
    if facts.svc:
        for s in facts.spec.services:
            h[f"P{facts.svc.nr}_{s.nr:02d}"] = f"P{facts.svc.nr}_{s.nr:02d} {s.label}"
    for ind in facts.spec.indicators:
        h[ind.code] = f"{ind.code} {ind.name}" + (f" [{ind.unit}]" if ind.unit else "")
    return h


def _item_format(it) -> str:
    return "#,##0" if it.type != "decimal" else "#,##0." + "0" * max(1, int(it.decimals or 0))


# =============================================================================== outputs: CSV
def _csv(df: pd.DataFrame, path: Path) -> Path:
    out = df.copy()
    for c in out.columns:
        if not pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c]):
            out[c] = out[c].astype(object).map(safe_text)
    out.to_csv(path, index=False, encoding="utf-8")
    return path


def write_csvs(con: Consolidation, out: Path) -> dict[str, Path]:
    return {
        "biblioteki.csv": _csv(con.libraries, out / "biblioteki.csv"),
        "wskazniki_grupy.csv": _csv(con.group_stats, out / "wskazniki_grupy.csv"),
        "powiaty.csv": _csv(con.powiaty, out / "powiaty.csv"),
        "region.csv": _csv(con.region, out / "region.csv"),
        "kontrola.csv": _csv(con.findings, out / "kontrola.csv"),
        "import.csv": _csv(con.import_log, out / "import.csv"),
        "brakujace.csv": _csv(con.missing, out / "brakujace.csv"),
    }


# =============================================================================== outputs: workbook
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CELL_MAX = 32767


def _col(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


@dataclass
class _Bulk:
    """Data rows of one sheet, written as XML after openpyxl has saved the rest."""

    title: str
    first_row: int
    rows: list[list[Any]]
    styles: list[int] | Callable[[int], list[int]]
    last_col: int


class _SummaryWriter:
    """``podsumowanie.xlsx``: openpyxl for layout, styles and charts; table rows spliced in.

    openpyxl without lxml writes ~70 000 cells a second; the summary of 2,500 libraries has
    over 250 000. Headers, widths, filters, frozen panes, conditional formats and charts are
    made by openpyxl; the data rows are rendered here as sheet XML (numbers as numbers, every
    text as an inline string, so nothing read from a returned file can become a formula) with
    style ids registered in openpyxl's own style table, and inserted into the saved package.
    """

    def __init__(self, con: Consolidation, facts: _Facts):
        from openpyxl import Workbook

        self.con, self.facts = con, facts
        self.wb = Workbook()
        self.bulk: list[_Bulk] = []
        self._styles: dict[tuple, int] = {}
        self._sealed = False
        self.headers = _headers(facts)

    # -- styles ---------------------------------------------------------------------
    def style(self, number_format: str | None = None, *, bold: bool = False, fill: str | None = None, wrap: bool = False) -> int:
        key = (number_format, bold, fill, wrap)
        if key not in self._styles:
            if self._sealed:  # styles.xml is already written: register every style before save()
                raise RuntimeError(f"style {key} registered after the workbook was saved")
            from openpyxl.cell import Cell
            from openpyxl.styles import Alignment, Font, PatternFill

            cell = Cell(self.wb.active)
            if number_format:
                cell.number_format = number_format
            if bold:
                cell.font = Font(bold=True)
            if fill:
                cell.fill = PatternFill("solid", fgColor=fill)
            if wrap:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            self._styles[key] = cell.style_id
        return self._styles[key]

    # -- sheets ---------------------------------------------------------------------
    def sheet(self, title: str, heading: str, notes: Sequence[str] = ()):
        from .workbook import styles as sty

        ws = self.wb.create_sheet(title)
        ws["A1"] = heading
        ws["A1"].font = sty.TITLE_FONT
        for i, note in enumerate(notes, start=2):
            ws.cell(row=i, column=1, value=note).font = sty.NOTE_FONT
        return ws

    def table(self, ws, header_row: int, columns: Sequence[tuple[str, str, str | None, float]], rows: list[list[Any]], *, styles: Callable[[int], list[int]] | None = None, freeze_col: int = 1, special: dict[str, str] | None = None) -> int:
        """Header (openpyxl) + bulk rows; columns = (key, header, number format, width). Returns the last row."""
        from openpyxl.styles import PatternFill

        from .workbook import styles as sty

        sty.header_row(ws, header_row, [c[1] for c in columns])
        for k, fill in (special or {}).items():
            for i, c in enumerate(columns, start=1):
                if c[0] == k:
                    ws.cell(row=header_row, column=i).fill = PatternFill("solid", fgColor=fill)
        for i, c in enumerate(columns, start=1):
            ws.column_dimensions[_col(i)].width = c[3]
        longest = max((len(c[1]) / max(c[3], 1) for c in columns), default=1)
        ws.row_dimensions[header_row].height = 15 * min(6, max(1, math.ceil(longest * 1.15)))
        last = header_row + max(1, len(rows))
        ws.freeze_panes = f"{_col(freeze_col + 1)}{header_row + 1}"
        ws.auto_filter.ref = f"A{header_row}:{_col(len(columns))}{last}"
        per_col = [self.style(c[2]) for c in columns]
        self.bulk.append(_Bulk(ws.title, header_row + 1, rows, styles or per_col, len(columns)))
        ws.print_title_rows = f"{header_row}:{header_row}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        if len(columns) <= 20:  # wider tables print across pages
            ws.sheet_properties.pageSetUpPr.fitToPage = True
            ws.page_setup.fitToWidth = 1
            ws.page_setup.fitToHeight = 0
        return last

    # -- rendering ------------------------------------------------------------------
    @staticmethod
    def cell_xml(ref: str, style: int, v: Any) -> str:
        s = f' s="{style}"' if style else ""
        if v is None:
            return ""
        if isinstance(v, bool):
            return f'<c r="{ref}"{s} t="b"><v>{int(v)}</v></c>'
        if isinstance(v, (int, float)) or hasattr(v, "dtype"):
            try:
                f = float(v)
            except (TypeError, ValueError):
                f = math.nan
            if not math.isfinite(f):
                return ""
            num = repr(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)
            return f'<c r="{ref}"{s}><v>{num}</v></c>'
        if isinstance(v, datetime):
            v = v.isoformat(sep=" ", timespec="minutes")
        text = _ILLEGAL_XML.sub("", str(v))[:_CELL_MAX]
        if text == "":
            return ""
        space = ' xml:space="preserve"' if text != text.strip() else ""
        return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'

    def render(self, b: _Bulk) -> str:
        letters = [_col(i) for i in range(1, b.last_col + 1)]
        out = []
        fixed = b.styles if isinstance(b.styles, list) else None
        for i, row in enumerate(b.rows):
            r = b.first_row + i
            styles = fixed or b.styles(i)  # type: ignore[operator]
            cells = "".join(self.cell_xml(f"{letters[j]}{r}", styles[j], v) for j, v in enumerate(row))
            out.append(f'<row r="{r}">{cells}</row>')
        return "".join(out)

    def save(self, path: Path) -> Path:
        from .workbook.template import _sheet_parts, zipfile_text
        from .workbook.zipcopy import compress, read_members, write_zip

        buf = io.BytesIO()
        self.wb.save(buf)
        self._sealed = True
        members = read_members(buf.getvalue())
        parts = _sheet_parts(members)
        changed: dict[str, str] = {}
        for b in self.bulk:
            part = parts[b.title]
            xml = changed.get(part) or zipfile_text(members[part])
            rows = self.render(b)
            if "</sheetData>" in xml:
                xml = xml.replace("</sheetData>", rows + "</sheetData>", 1)
            else:
                xml = re.sub(r"<sheetData\s*/>", lambda _m: f"<sheetData>{rows}</sheetData>", xml, count=1)
            last_row = b.first_row + len(b.rows) - 1
            m = re.search(r'<dimension ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"\s*/>', xml)
            if m and b.rows and last_row > int(m.group(4)):
                last_col = max(m.group(3), _col(b.last_col), key=lambda c: (len(c), c))
                xml = xml[: m.start()] + f'<dimension ref="{m.group(1)}{m.group(2)}:{last_col}{last_row}"/>' + xml[m.end() :]
            changed[part] = xml
        out = [compress(name, changed[name].encode("utf-8"), level=6) if name in changed else m for name, m in members.items()]
        write_zip(path, out)
        return path


def write_workbook(con: Consolidation, path: Path, *, engine: Engine | None = None) -> Path:
    """``podsumowanie.xlsx``: Podsumowanie, Biblioteki, Wskaźniki wg grup, Powiaty, Region,
    Wykresy, Kontrola, Import, Brakujące."""
    from openpyxl.chart import BarChart, Reference
    from openpyxl.chart.label import DataLabelList
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Alignment

    from .workbook import styles as sty

    engine = engine or get_engine(2016)
    facts = _facts(engine)
    w = _SummaryWriter(con, facts)
    spec = facts.spec
    ind_fmt = {i.code: i.format or "0.00" for i in spec.indicators}
    counts = con.counts
    AGG_FILL = "FCE4D6"

    def colour_status(ws, ref: str, words: dict[str, Any]) -> None:
        first = ref.split(":")[0]
        for word, fill in words.items():
            ws.conditional_formatting.add(ref, FormulaRule(formula=[f'ISNUMBER(SEARCH("{word}",{first}))'], fill=fill, stopIfTrue=True))

    # -- Podsumowanie ---------------------------------------------------------------
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
    lines += [("Formularze z błędami (status „błąd”)", int((con.libraries["status"] == st.ERROR).sum()) if len(con.libraries) else 0)]
    for r, (label, value) in enumerate(lines, start=4):
        ws.cell(row=r, column=1, value=label).font = sty.BOLD if not label[0].islower() else sty.NOTE_FONT
        ws.cell(row=r, column=2, value=value).alignment = Alignment(horizontal="left")
    r = 5 + len(lines)
    guide = [
        ("Arkusz", "Zawartość"),
        ("Biblioteki", "jeden wiersz na bibliotekę: dane podstawowe, pozycje P01–P34 i usługi P21, 42 wskaźniki przeliczone w Pythonie z danych wejściowych, status kontroli"),
        ("Wskaźniki wg grup", "dla grup podtyp × przedział, podtypów i regionu: n, średnia, mediana, Q1, Q3, min, max wartości bibliotek; osobno (pomarańczowa kolumna) wskaźnik zagregowany grupy = iloraz sum pozycji – to NIE jest mediana"),
        ("Powiaty", "liczba bibliotek, sumy pozycji addytywnych i wskaźniki zagregowane (ilorazy sum) w powiatach"),
        ("Region", "sumy pozycji addytywnych regionu i wskaźniki zagregowane liczone tym samym silnikiem z sum (nie mediany); obok, osobno, mediana bibliotek"),
        ("Wykresy", "mediany kluczowych wskaźników wg podtypu i liczba bibliotek wg podtypu"),
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

    # -- Biblioteki -----------------------------------------------------------------
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
    colour_status(ws, f"{imp_col}5:{imp_col}{last}", {"uwagami": sty.WARN_FILL})

    # -- Wskaźniki wg grup ------------------------------------------------------------
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
    fmt_styles = {fmt: w.style(fmt) for fmt in set(ind_fmt.values())}
    agg_styles = {fmt: w.style(fmt, fill=AGG_FILL) for fmt in set(ind_fmt.values())}
    agg_text = w.style(None, fill=AGG_FILL)
    codes_g = gs["wskaznik"].tolist()

    def gstyles(i: int) -> list[int]:
        f = ind_fmt.get(codes_g[i], "0.00")
        return [text_style] * 6 + [int_style, int_style] + [fmt_styles[f]] * 6 + [agg_styles[f], agg_text]

    w.table(ws, 5, gcols, gs_rows, styles=gstyles, freeze_col=4, special={"agregat": "C65911", "agregat_uwagi": "C65911"})

    # -- Powiaty ----------------------------------------------------------------------
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

    # -- Region -----------------------------------------------------------------------
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

    # -- Wykresy ----------------------------------------------------------------------
    ws = w.sheet("Wykresy", f"Wykresy – AFBP {con.year}", ["Mediana wartości bibliotek każdego podtypu (nie wskaźnik zagregowany) i liczba bibliotek w zestawieniu wg podtypu."])
    sub = gs[gs["poziom"] == LEVEL_SUBTYPE]
    podtypy = list(dict.fromkeys(sub["podtyp"]))
    keys_k = [c for c in KEY_INDICATORS if c in ind_fmt]
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

    # -- Kontrola ---------------------------------------------------------------------
    fd = con.findings
    ws = w.sheet("Kontrola", f"Kontrola – AFBP {con.year}", ["Wyniki kontroli przeliczonych w Pythonie z danych wejściowych (reguły B1–B4, L1–L12, kontrole K-03, puste pola) i uwagi do plików."])
    fcols = [("id", "Identyfikator", None, 16), ("nazwa", "Biblioteka", None, 40), ("plik", "Plik", None, 22), ("rodzaj", "Rodzaj", None, 9), ("kontrola", "Kontrola", None, 14), ("waga", "Waga", None, 12), ("komunikat", "Komunikat", None, 70), ("wartosci", "Wartości", None, 40), ("afbp", "AFBP", "#,##0.##", 12), ("k03", "wg K-03", "#,##0.##", 12), ("k03_gorna", "wg K-03 (górna granica)", "#,##0.##", 12)]
    last = w.table(ws, 4, fcols, fd.astype(object).where(fd.notna(), None).values.tolist(), freeze_col=2)
    sty.status_colours(ws, f"F5:F{last}")

    # -- Import -----------------------------------------------------------------------
    il = con.import_log
    ws = w.sheet("Import", f"Import plików – AFBP {con.year}", ["Każdy otrzymany plik, także odrzucony, zduplikowany lub zastąpiony nowszym."])
    icols = [("plik", "Plik (ścieżka)", None, 40), ("nazwa_pliku", "Nazwa pliku", None, 24), ("sha256", "SHA-256", None, 20), ("rozmiar", "Rozmiar [B]", "#,##0", 11), ("id", "Identyfikator", None, 16), ("nazwa", "Biblioteka", None, 36), ("status", "Status", None, 18), ("kod", "Kod", None, 16), ("powod", "Powód / uwagi", None, 80), ("uwagi", "Uwagi czytnika", None, 40), ("zapisano", "Zapisano", None, 20)]
    last = w.table(ws, 4, icols, il.astype(object).where(il.notna(), None).values.tolist(), freeze_col=2)
    colour_status(ws, f"G5:G{last}", {"odrzucony": sty.ERROR_FILL, "uwagami": sty.WARN_FILL, "duplikat": sty.SECTION_FILL, "zastąpiony": sty.SECTION_FILL, "przyjęty": sty.OK_FILL})

    # -- Brakujące --------------------------------------------------------------------
    ms = con.missing
    note = "Biblioteki z listy oczekiwanych (--expected), od których nie ma przyjętego formularza." if con.expected_count is not None else "Nie podano listy oczekiwanych bibliotek (--expected): brakujących nie można ustalić."
    ws = w.sheet("Brakujące", f"Brakujące formularze – AFBP {con.year}", [note])
    mcols = [("id", "Identyfikator", None, 16), ("nazwa", "Biblioteka", None, 44), ("podtyp", "Podtyp", None, 30), ("powiat", "Powiat", None, 24), ("gmina", "Gmina", None, 26), ("email", "E-mail", None, 30), ("uwagi", "Uwagi", None, 80)]
    w.table(ws, 4, mcols, ms.astype(object).where(ms.notna(), None).values.tolist(), freeze_col=2)

    w.wb.calculation.fullCalcOnLoad = False
    return w.save(Path(path))


# =============================================================================== outputs: HTML
def _pl_number(v: Any, decimals: int = 2) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    s = f"{f:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
    return s


def _decimals(fmt: str) -> int:
    fmt = fmt.split(";")[0]
    return len(fmt.split(".")[1].rstrip("#")) + fmt.split(".")[1].count("#") if "." in fmt else 0


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _charts(con: Consolidation, facts: _Facts) -> dict[str, str]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    out: dict[str, str] = {}
    lib = con.libraries
    if not len(lib):
        return out
    podtypy = sorted(set(lib["podtyp"]), key=facts.order_podtyp)
    counts = [int((lib["podtyp"] == p).sum()) for p in podtypy]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(podtypy) + 1.2))
    ax.barh(podtypy[::-1], counts[::-1], color="#1F4E79")
    for y, n in enumerate(counts[::-1]):
        ax.text(n, y, f" {n}", va="center", fontsize=9)
    ax.set_xlabel("liczba bibliotek")
    ax.set_title("Biblioteki w zestawieniu wg podtypu")
    ax.spines[["top", "right"]].set_visible(False)
    out["podtypy"] = _png(fig)

    codes = [c for c in KEY_INDICATORS if c in facts.codes]
    names_by_code = {i.code: i for i in facts.spec.indicators}
    cols = 2
    rows = -(-len(codes) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(11, 2.2 + 0.35 * len(podtypy) * rows), squeeze=False)
    for k, code in enumerate(codes):
        ax = axes[k // cols][k % cols]
        data = [lib.loc[lib["podtyp"] == p, code].dropna().to_numpy() for p in podtypy]
        labels = [f"{p} (n={len(d)})" for p, d in zip(podtypy, data)]
        keep = [(lab, d) for lab, d in zip(labels, data) if len(d)]
        if keep:
            style = dict(widths=0.6, medianprops={"color": "#C65911", "linewidth": 2}, flierprops={"markersize": 3})
            try:
                ax.boxplot([d for _, d in keep][::-1], orientation="horizontal", **style)
            except TypeError:  # matplotlib < 3.10
                ax.boxplot([d for _, d in keep][::-1], vert=False, **style)
            ax.set_yticks(range(1, len(keep) + 1), [lab for lab, _ in keep][::-1], fontsize=7)
        ind = names_by_code[code]
        ax.set_title(f"{code}: {ind.name}" + (f" [{ind.unit}]" if ind.unit else ""), fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
        ax.spines[["top", "right"]].set_visible(False)
    for k in range(len(codes), rows * cols):
        axes[k // cols][k % cols].axis("off")
    fig.suptitle("Rozkład wartości bibliotek wg podtypu (pomarańczowa kreska = mediana)", fontsize=10)
    fig.tight_layout()
    out["kluczowe"] = _png(fig)
    return out


def render_report(con: Consolidation, path: Path, *, engine: Engine | None = None) -> Path:
    """``raport.html``: one printable page in Polish (jinja2 ``templates/raport.html.j2``)."""
    import importlib.resources

    import jinja2

    engine = engine or get_engine(2016)
    facts = _facts(engine)
    source = (importlib.resources.files("xl_afbp.templates") / "raport.html.j2").read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = _pl_number
    fmt = {i.code: _decimals(i.format or "0.00") for i in facts.spec.indicators}
    gs = con.group_stats
    sub = gs[gs["poziom"] == LEVEL_SUBTYPE]
    region = gs[gs["poziom"] == LEVEL_REGION].set_index("wskaznik")
    podtypy = list(dict.fromkeys(sub["podtyp"]))
    key_codes = [c for c in KEY_INDICATORS if c in facts.codes]
    ind = {i.code: i for i in facts.spec.indicators}
    key_table = []
    for p in podtypy:
        s = sub[sub["podtyp"] == p].set_index("wskaznik")
        key_table.append({"podtyp": p, "n": int(s["n_grupy"].iloc[0]), "cells": [(_pl_number(s.loc[c, "mediana"], fmt[c]), int(s.loc[c, "n"]), _pl_number(s.loc[c, "agregat"], fmt[c])) for c in key_codes]})
    if len(region):
        key_table.append({"podtyp": "Region – wszystkie biblioteki", "n": int(region["n_grupy"].iloc[0]), "cells": [(_pl_number(region.loc[c, "mediana"], fmt[c]), int(region.loc[c, "n"]), _pl_number(region.loc[c, "agregat"], fmt[c])) for c in key_codes]})
    rt = con.region
    sums = [
        {"kod": r.kod, "nazwa": r.nazwa, "jednostka": r.jednostka, "wartosc": _pl_number(r.wartosc, 2 if r.kod in ("P22", "P23", "P24") else 0), "n": r.n, "n_brak": r.n_brak}
        for r in rt[rt["rodzaj"] == "suma pozycji"].itertuples(index=False)
    ]
    aggregates = [
        {"kod": r.kod, "nazwa": r.nazwa, "jednostka": r.jednostka, "wartosc": _pl_number(r.wartosc, fmt[r.kod]), "mediana": _pl_number(r.mediana_bibliotek, fmt[r.kod]), "n": r.n, "uwagi": r.uwagi, "perspektywa": ind[r.kod].perspective}
        for r in rt[rt["rodzaj"] != "suma pozycji"].itertuples(index=False)
    ]
    persp = {p.id: p.label for p in facts.spec.perspectives}
    fd = con.findings
    by_check = []
    if len(fd):
        g = fd.groupby(["waga", "kontrola"]).agg(biblioteki=("id", "nunique"), wystapienia=("id", "size")).reset_index()
        order = {st.ERROR: 0, st.DIFFERENCE: 1, st.WARNING: 2, st.NO_DATA: 3}
        msgs = fd.drop_duplicates("kontrola").set_index("kontrola")["komunikat"]
        for r in sorted(g.itertuples(index=False), key=lambda r: (order.get(r.waga, 9), -r.biblioteki, r.kontrola)):
            by_check.append({"waga": r.waga, "kontrola": r.kontrola, "biblioteki": r.biblioteki, "wystapienia": r.wystapienia, "komunikat": msgs.get(r.kontrola, "")})
    errors_by_lib = []
    lib = con.libraries
    if len(lib):
        bad = lib[lib["status"] == st.ERROR]
        for r in bad.itertuples(index=False):
            checks = fd[(fd["id"] == r.id) & (fd["waga"] == st.ERROR)]["kontrola"].tolist()
            errors_by_lib.append({"id": r.id, "nazwa": r.nazwa, "kontrole": ", ".join(checks)})
    il = con.import_log
    problems = il[~il["status"].isin([STATUS_PL[ACCEPTED]])].to_dict("records")
    counts = con.counts
    context = {
        "con": con,
        "title": f"AFBP {con.year} – zestawienie regionalne" + (f": {con.region_label}" if con.region_label else ""),
        "counts": {STATUS_PL[k]: v for k, v in counts.items()},
        "n_files": len(con.entries),
        "n_libraries": len(lib),
        "expected": con.expected_count,
        "n_missing": len(con.missing),
        "n_error_forms": int((lib["status"] == st.ERROR).sum()) if len(lib) else 0,
        "key_codes": [(c, ind[c].name, ind[c].unit) for c in key_codes],
        "key_table": key_table,
        "sums": sums,
        "aggregates": aggregates,
        "perspectives": persp,
        "by_check": by_check,
        "errors_by_lib": errors_by_lib,
        "problems": problems,
        "missing": con.missing.to_dict("records"),
        "charts": _charts(con, facts),
    }
    html = env.from_string(source).render(**context)
    Path(path).write_text(html, encoding="utf-8")
    return Path(path)


# =============================================================================== the job
def _child(fn: Callable[[], Any]) -> None:  # pragma: no cover - runs in a fork
    try:
        fn()
    except BaseException:  # noqa: BLE001 - the parent writes it again and reports the error
        os._exit(1)
    os._exit(0)


class OutputError(RuntimeError):
    """Some outputs could not be written; the others were (see ``written``)."""

    def __init__(self, failures: dict[str, BaseException], written: dict[str, Path]):
        super().__init__("; ".join(f"{name}: {type(exc).__name__}: {exc}" for name, exc in failures.items()))
        self.failures, self.written = failures, written


def write_outputs(con: Consolidation, out: Path, *, engine: Engine | None = None, then: Callable[[], Any] | None = None) -> dict[str, Path]:
    """Every file of the summary folder; returns name → path.

    Each output is attempted even when another one fails (then :class:`OutputError` lists
    the failures after everything else was written). For large regions the HTML report
    (matplotlib) is rendered in a forked process while this one writes the workbook, the
    CSVs and runs ``then`` (the database import)."""
    from .benchmark import write_benchmark

    engine = engine or get_engine(2016)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    report = out / "raport.html"
    paths: dict[str, Path] = {}
    failures: dict[str, BaseException] = {}

    def attempt(name: str, fn: Callable[[], Any]) -> None:
        try:
            result = fn()
            if isinstance(result, dict):
                paths.update(result)
            elif isinstance(result, Path):
                paths[name] = result
        except Exception as exc:  # noqa: BLE001 - the other outputs are still written
            failures[name] = exc

    # the two slowest writers run in forked processes for large regions (they only write files)
    forked: dict[str, tuple[Path, Callable[[], Any]]] = {
        "raport.html": (report, lambda: render_report(con, report, engine=engine)),
        "podsumowanie.xlsx": (out / "podsumowanie.xlsx", lambda: write_workbook(con, out / "podsumowanie.xlsx", engine=engine)),
    }
    children = {}
    if len(con.libraries) >= PARALLEL_FROM and hasattr(os, "fork"):
        ctx = multiprocessing.get_context("fork")
        for name, (target, fn) in forked.items():
            target.unlink(missing_ok=True)
            children[name] = ctx.Process(target=_child, args=(fn,), daemon=True)
            children[name].start()
    attempt("CSV", lambda: write_csvs(con, out))
    bench = f"benchmark-{con.year}.csv"
    attempt(bench, lambda: write_benchmark(con.benchmark_rows(), out / bench))
    if then is not None:
        attempt("database", then)
    for name, (target, fn) in forked.items():
        proc = children.get(name)
        if proc is not None:
            proc.join()
            if proc.exitcode == 0 and target.is_file():
                paths[name] = target
                continue
        attempt(name, fn)  # here: not forked, or the child failed (this reports the real error)
    if failures:
        raise OutputError(failures, paths)
    return paths


def collect_inputs(inputs: Iterable[Path | str], *, exclude: Iterable[Path | str] = ()) -> list[Path]:
    """Every file of the inputs (folders recursively), each once, sorted; ``exclude`` are
    files or folders left out (the output folder and the database, when they sit inside)."""
    skip = [Path(p).resolve() for p in exclude]
    seen: dict[Path, Path] = {}
    for raw in inputs:
        p = Path(raw)
        if p.is_dir():
            found = [q for q in p.rglob("*") if q.is_file()]
        elif p.is_file():
            found = [p]
        else:
            raise FileNotFoundError(f"input not found: {p}")
        for q in found:
            r = q.resolve()
            if any(r == s or s in r.parents for s in skip):
                continue
            seen.setdefault(r, q)
    return sorted(seen.values(), key=str)


def _fallback_submission(path: Path, code: str, reason: str):
    import hashlib

    from .reader import Submission

    try:
        raw = path.read_bytes()
    except OSError:
        raw = b""
    return Submission(path=path, name=path.name, sha256=hashlib.sha256(raw).hexdigest(), size=len(raw), verdict=REJECTED, code=code, reason=reason, warnings=[], library_id=None, meta={}, data=None, cached={}, saved_at=None)


def read_files(paths: Sequence[Path], *, workers: int | None = None, progress: bool = True) -> list[Any]:
    """:func:`xl_afbp.reader.read_many` over ``paths``, one submission per path whatever happens."""
    from .reader import read_many

    try:
        subs = list(read_many(list(paths), workers=workers, progress=progress))
    except Exception:  # noqa: BLE001 - one broken file must not stop the batch: retry one by one
        subs = []
        for p in paths:
            try:
                subs += list(read_many([p], workers=1, progress=False))
            except Exception as exc:  # noqa: BLE001
                subs.append(_fallback_submission(p, "reader_error", f"błąd odczytu pliku: {type(exc).__name__}: {exc}"))
    by_path = {}
    for s in subs:
        by_path.setdefault(Path(s.path).resolve(), s)
    out = []
    for p in paths:
        s = by_path.get(Path(p).resolve())
        out.append(s if s is not None else _fallback_submission(Path(p), "not_read", "plik nie został odczytany"))
    return out


@dataclass
class RunReport:
    consolidation: Consolidation
    outputs: dict[str, Path]
    database: Any = None  # xl_afbp.database.StoreReport
    inputs: int = 0

    def __repr__(self) -> str:
        return f"<RunReport {self.consolidation!r}; outputs in {next(iter(self.outputs.values())).parent if self.outputs else '-'}; exit {self.exit_code}>"

    @property
    def rejected(self) -> int:
        return self.consolidation.rejected

    @property
    def exit_code(self) -> int:
        return 1 if self.rejected else 0


def run_consolidation(
    inputs: Iterable[Path | str],
    *,
    expected: Path | str | None = None,
    out: Path | str = DEFAULT_OUT,
    db: Path | str | None = DEFAULT_DB,
    year: int | None = None,
    region: str | None = None,
    progress: bool = True,
    workers: int | None = None,
    engine: Engine | None = None,
) -> RunReport:
    """Files and folders → reader → :func:`consolidate` → outputs → database (``db=None``: none)."""
    engine = engine or get_engine(2016)
    out = Path(out)
    exclude: list[Path | str] = [out]
    if db is not None:
        exclude += [db, f"{db}-journal", f"{db}-wal", f"{db}-shm"]
    paths = collect_inputs(inputs, exclude=exclude)
    subs = read_files(paths, workers=workers, progress=progress)
    con = consolidate(subs, engine=engine, expected=expected, region=region, year=year, workers=workers, progress=progress)
    stored: list[Any] = []

    def to_database() -> None:
        if db is not None:
            from .database import store

            stored.append(store(db, con))

    outputs = write_outputs(con, out, engine=engine, then=to_database)
    return RunReport(con, outputs, stored[0] if stored else None, len(paths))


__all__ = [
    "ACCEPTED", "ACCEPTED_WITH_WARNINGS", "DEFAULT_DB", "DEFAULT_OUT", "DUPLICATE", "KEY_INDICATORS", "REJECTED", "STATUS_PL", "SUPERSEDED",
    "Consolidation", "Entry", "OutputError", "RunReport", "assign_statuses", "collect_inputs", "consolidate", "evaluate_all", "evaluate_form", "read_files",
    "render_report", "run_consolidation", "write_csvs", "write_outputs", "write_workbook",
]
