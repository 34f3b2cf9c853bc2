""":func:`consolidate`: submissions → batch statuses → evaluation → the summary tables."""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from ..engine import Engine, get_engine
from ..expr.pyeval import is_yes
from ..formdata import FormData
from ..safetext import safe_path
from ..verdicts import message
from ..workbook.form import population_band
from .entries import _display, _expected_rows, _finish_status, assign_statuses, survey_year
from .evaluation import EvaluationError, evaluate_all
from .facts import _Facts, _facts
from .records import BASIC_COLUMNS, Consolidation, Entry, FINDING_COLUMNS, IMPORT_COLUMNS, MISSING_COLUMNS, NEEDS_ACTION, NO_POWIAT, REJECTED, STATUS_PL, _EPOCH, _clean, _text
from .population import overlaps
from .review import review_list
from .statistics import _Aggregator, _group_stats, _powiaty, _region, accepted_values, flagged_mask, numeric_items


# =============================================================================== the verdicts
def judge(
    submissions: Iterable[Any],
    *,
    engine: Engine,
    expected: Mapping[str, Mapping[str, Any]] | None = None,
    year: int | None = None,
    progress: bool = False,
) -> tuple[list[Entry], int]:
    """The final verdict, code and reason of every submission, and the survey year: the
    batch policy (:func:`assign_statuses`), then the evaluation of every file it keeps.
    ``xl-afbp check`` calls this on a batch of one, so it says what ``consolidate`` says.
    ``year`` defaults to the year the forms state (:class:`~.entries.MixedYears` when they
    state several), else the edition's first year."""
    subs = list(submissions)
    if year is None:
        year = survey_year(subs) or engine.spec.edition.serves_from
    entries = assign_statuses(subs, year=year, expected=expected)
    used = [e for e in entries if e.used]
    for e, ev in zip(used, evaluate_all(engine, [e.sub for e in used], progress=progress)):
        if isinstance(ev, EvaluationError):
            e.status, e.code, e.reason = REJECTED, "evaluation_error", message("evaluation_error", detail=ev.detail)
            continue
        e.evaluation = ev
        _finish_status(e)
    return entries, year


# =============================================================================== the core
def consolidate(
    submissions: Iterable[Any],
    *,
    engine: Engine | None = None,
    expected: Any = None,
    region: str | None = None,
    year: int | None = None,
    progress: bool = False,
    include_flagged: bool = False,
) -> Consolidation:
    """Batch statuses, recomputed results and every summary table (see the module doc).

    ``expected`` is the coordinator's library list: a CSV path (``read_library_csv``) or
    rows with at least ``id``. ``year`` defaults to the year the forms state (see :func:`judge`).
    ``include_flagged``: the statistics also use values the checks mark as errors (by
    default they are left out and counted).
    """
    engine = engine or get_engine()
    facts = _facts(engine)
    exp_rows = _expected_rows(expected)
    exp = {str(r["id"]).strip(): r for r in exp_rows} if exp_rows is not None else None
    entries, year = judge(submissions, engine=engine, expected=exp, year=year, progress=progress)
    used = [e for e in entries if e.used]

    if region is None:
        votes = Counter(_text(r.get("wojewodztwo")) for r in (exp_rows or []) if r.get("wojewodztwo"))
        if not votes:
            votes = Counter(_text(e.sub.data.basic.get("WOJEWODZTWO")) for e in used if e.sub.data.basic.get("WOJEWODZTWO"))
        names_ = sorted(votes)
        region = names_[0] if len(names_) == 1 else "Polska" if len(names_) >= 16 else ", ".join(names_) if len(names_) <= 3 else f"{len(names_)} województw"

    libraries = _libraries_table(facts, used, exp)
    nums = numeric_items(facts, libraries)
    flagged = _flagged(facts, used, libraries, nums)
    libraries.insert(libraries.columns.get_loc("braki") + 1, "pominiete", _left_out_text(facts, flagged))
    excluded = flagged & (not include_flagged)
    acc = accepted_values(facts, libraries, nums, excluded)
    agg = _Aggregator(facts, acc)
    group_stats = _group_stats(facts, libraries, acc, agg)
    con = Consolidation(
        year=year,
        region_name=region,
        spec_label=engine.spec.label,
        catalogue=engine.spec.edition.catalogue,
        libraries=libraries,
        group_stats=group_stats,
        powiaty=_powiaty(facts, libraries, acc, agg, exp),
        region=_region(facts, libraries, acc, group_stats),
        findings=_findings(used),
        import_log=_import_log(entries),
        missing=_missing(entries, exp),
        entries=entries,
        expected_count=len(exp) if exp is not None else None,
        generated_at=datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
        excluded=excluded,
        review=review_list(facts, libraries, acc.indicators),
        include_flagged=include_flagged,
        overlaps=overlaps(acc.units, list(nums[f"P{facts.population_nr:02d}"]) if facts.population_nr else [], list(libraries["id"])),
        flagged_values=int(flagged.to_numpy().sum()),
        flagged_libraries=int(flagged.any(axis=1).sum()) if len(flagged.columns) else 0,
    )
    return con


def _left_out_text(facts: _Facts, flagged: pd.DataFrame) -> list[str]:
    """Per library: the items whose values the checks mark as wrong and the indicators
    they leave out of the statistics ("poz. 27 → R06, R07")."""
    out = [""] * len(flagged)
    marks = flagged.to_numpy(dtype=bool)
    for i in np.flatnonzero(marks.any(axis=1)):
        r = dict(zip(flagged.columns, marks[i]))
        items = [it.nr for it in facts.numeric if r[f"P{it.nr:02d}"]]
        codes = [c for c in facts.codes if r[c]]
        out[i] = ", ".join(f"poz. {nr}" for nr in items) + (" → " + ", ".join(codes) if codes else "")
    return out


def _flagged(facts: _Facts, used: list[Entry], lib: pd.DataFrame, nums: pd.DataFrame) -> pd.DataFrame:
    """Per library (rows of ``lib``): the values the checks mark as wrong (:func:`flagged_mask`)."""
    by_id = {e.library_id: e for e in used}
    bad = []
    for lib_id in lib["id"].tolist():
        e = by_id.get(lib_id)
        bad.append(e.evaluation.flagged_items() if e is not None and e.evaluation is not None else frozenset())
    return flagged_mask(facts, lib, bad, nums)


def _libraries_table(facts: _Facts, used: list[Entry], exp: Mapping[str, Mapping[str, Any]] | None) -> pd.DataFrame:
    item_cols = [f"P{it.nr:02d}" for it in facts.items]
    svc_cols = [f"P{facts.svc.nr}_{s.nr:02d}" for s in facts.spec.services] if facts.svc else []
    columns = ["id", *BASIC_COLUMNS, *item_cols, *svc_cols, *facts.codes, "status", "bledy", "ostrzezenia", "braki", "import", "plik", "sha256", "zapisano"]
    rows = [_library_row(facts, e, (exp or {}).get(e.library_id or "", {})) for e in sorted(used, key=lambda e: e.library_id or "")]
    df = pd.DataFrame(rows, columns=columns)  # rows as lists: the same column types as rows as dicts, without the key lookups
    for code in facts.codes:
        df[code] = df[code].astype(float)
    for c in item_cols + svc_cols:
        df[c] = df[c].astype(object)
    return df


def _library_row(facts: _Facts, e: Entry, x: Mapping[str, Any]) -> list[Any]:
    """One row of the libraries table (the columns of :func:`_libraries_table`): the form's
    basic data, else the expected list's; items, services, indicators, status, file."""
    data: FormData = e.sub.data
    b = data.basic
    meta = e.sub.meta or {}
    ev = e.evaluation
    row: list[Any] = [
        e.library_id,
        _text(b.get("NAZWA")) or _text(x.get("nazwa")),
        _text(b.get("ORGANIZATOR")) or _text(x.get("organizator")),
        facts.podtyp(b.get("PODTYP"), x.get("podtyp")),
        facts.band(data.items.get(facts.population_nr), b.get("PRZEDZIAL") or (population_band(facts.spec, x["mieszkancy"]) if x.get("mieszkancy") else "")),
        _text(b.get("WOJEWODZTWO")) or _text(x.get("wojewodztwo")),
        _text(b.get("POWIAT")) or _text(x.get("powiat")) or NO_POWIAT,
        _text(b.get("GMINA")) or _text(x.get("gmina")),
        _text(b.get("MIEJSCOWOSC")) or _text(x.get("miejscowosc")),
        _text(meta.get("teryt")) or _text(x.get("teryt")),
        _text(b.get("EMAIL")) or _text(x.get("email")),
    ]
    items, services, indicators = data.items, data.services, ev.indicators if ev else {}
    row += [(_clean(facts.count_yes(data)) if facts.count_yes else None) if it.type == "services" else _clean(items.get(it.nr)) for it in facts.items]
    row += [v.upper() if isinstance(v, str) and is_yes(v) is not None else _clean(v) for v in (services.get(s.nr) for s in (facts.spec.services if facts.svc else ()))]
    row += [math.nan if v is None else float(v) for v in map(indicators.get, facts.codes)]
    row += [ev.status if ev else "", ev.errors if ev else 0, ev.warnings if ev else 0, ev.gaps if ev else 0]
    row += [STATUS_PL[e.status], _display(e), e.sub.sha256, e.when.isoformat(timespec="seconds") if e.when != _EPOCH else ""]
    return row


def _findings(used: list[Entry]) -> pd.DataFrame:
    rows = []
    for e in sorted(used, key=lambda e: e.library_id or ""):
        name = _text(e.sub.data.basic.get("NAZWA"))
        for w in e.warnings:
            rows.append([e.library_id, name, _display(e), "plik", "import", "uwaga", w, "", None, None, None])
        for f in e.evaluation.findings if e.evaluation else ():
            rows.append([e.library_id, name, _display(e), *f.row()])
    df = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    for c in ("afbp", "k03", "k03_gorna"):
        df[c] = df[c].astype(float)
    return df


def _import_log(entries: list[Entry]) -> pd.DataFrame:
    rows = []
    for e in entries:
        data = e.sub.data
        rows.append({
            "plik": safe_path(e.sub.path),
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
        if e.status not in NEEDS_ACTION:
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
        if lib_id in tried:  # rejected files first; versions to clarify are not "rejected"
            files = sorted(tried[lib_id], key=lambda e: e.status != REJECTED)
            note = ("przesłano, ale odrzucono: " if files[0].status == REJECTED else "przesłano, do wyjaśnienia: ") + "; ".join(f"{_display(e)} – {e.reason}" for e in files)
        rows.append({"id": lib_id, "nazwa": _text(r.get("nazwa")), "podtyp": _text(r.get("podtyp")), "powiat": _text(r.get("powiat")), "gmina": _text(r.get("gmina")), "email": _text(r.get("email")), "uwagi": note})
    return pd.DataFrame(rows, columns=MISSING_COLUMNS)
