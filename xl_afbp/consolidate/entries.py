"""The batch policy: duplicates, superseded files, id conflicts, files without an id."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping, Sequence


from .. import status as st
from .records import ACCEPTED, ACCEPTED_WITH_WARNINGS, DUPLICATE, Entry, REJECTED, SUPERSEDED, _EPOCH, _int, _mtime, _norm_name, _text, _when


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
        from ..regions import read_library_csv

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



