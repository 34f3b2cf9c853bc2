"""The batch policy: duplicates, files without an id, wrong years; versions and identities
of one id are decided by :mod:`.versions`. One consolidation is one survey year: a file of
another year is rejected with a reason naming both years (``wrong_year``); without a year
given, the files' own year is the batch's, and files of several years are refused together
(:class:`MixedYears`)."""

from __future__ import annotations

import os
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping, Sequence

from .. import completeness
from .. import status as st
from ..safetext import comparable, safe_path
from ..verdicts import SKIPPED, USED, message, verdict_of
from .records import ACCEPTED, ACCEPTED_WITH_WARNINGS, Entry, REJECTED, _EPOCH, _int, _mtime, _text, _when
from .versions import canonical_id, expected_row, resolve_group, run_clock


# =============================================================================== the survey year
class MixedYears(ValueError):
    """The files state several survey years: a consolidation never mixes them silently."""

    def __init__(self, files: Mapping[int, Sequence[str]]):
        self.files = {year: sorted(names) for year, names in sorted(files.items())}
        super().__init__(f"the input holds forms of several survey years: {self.describe()}")

    def describe(self, shown: int = 3) -> str:
        """``2016 (1 file: a.xlsx), 2017 (70 files)``: each year, its count, and the files
        of the smaller years by name."""
        largest = max(len(v) for v in self.files.values())
        parts = []
        for year, names in self.files.items():
            count = f"{len(names)} file{'s' if len(names) != 1 else ''}"
            listed = "" if len(names) == largest else ": " + ", ".join(names[:shown]) + (", …" if len(names) > shown else "")
            parts.append(f"{year} ({count}{listed})")
        return ", ".join(parts)


def file_year(sub: Any) -> int | None:
    """The survey year a file of ours states in its ``_meta`` (None for other files)."""
    meta = sub.meta or {}
    return _int(meta.get("year")) if meta.get("generator") == "xl-afbp" else None


def survey_year(subs: Sequence[Any]) -> int | None:
    """The one survey year of the files (None when none states one); :class:`MixedYears`
    when they state several – whatever their verdicts, so no file's year goes unnoticed."""
    files: dict[int, list[str]] = {}
    for s in subs:
        y = file_year(s)
        if y is not None:
            files.setdefault(y, []).append(str(s.name or Path(s.path).name))
    if len(files) > 1:
        raise MixedYears(files)
    return next(iter(files), None)


# =============================================================================== batch statuses
def _display(e: Entry) -> str:
    return str(e.sub.name or safe_path(Path(e.sub.path).name))


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
    name = comparable(basic.get("NAZWA"))
    if name:
        hits = [i for i, r in expected.items() if comparable(r.get("nazwa")) == name]
        if len(hits) == 1:
            return hits[0]
    place = (comparable(basic.get("POWIAT")), comparable(basic.get("GMINA")))
    if all(place):
        hits = [i for i, r in expected.items() if (comparable(r.get("powiat")), comparable(r.get("gmina"))) == place]
        if len(hits) == 1:
            return hits[0]
    return None


def assign_statuses(subs: Sequence[Any], *, year: int, expected: Mapping[str, Mapping[str, Any]] | None = None, now: datetime | None = None) -> list[Entry]:
    """The batch status of every submission (see :mod:`.versions` for versions and ids);
    entries come back in a canonical order (path, then sha256), and no status depends on
    the order of ``subs``."""
    now = now or run_clock()
    ordered = sorted(subs, key=lambda s: (str(s.path), s.sha256))
    entries: list[Entry] = []
    for s in ordered:
        meta = s.meta or {}
        verdict = s.verdict if s.verdict in (ACCEPTED, ACCEPTED_WITH_WARNINGS, REJECTED, SKIPPED) else REJECTED
        e = Entry(s, verdict, s.code or ("ok" if verdict != REJECTED else "rejected"), s.reason or "", list(s.warnings or []), canonical_id(s.library_id or meta.get("library_id")), _when(s))
        if e.status in USED and s.data is None:
            _reject(e, "no_data")
        if e.status in USED and not e.library_id and expected and (match := _match_expected(s, expected)):
            e.library_id = match
            _note(e, "assigned_from_list", library_id=match)
        if e.status in USED and not e.library_id:
            _reject(e, "no_library_id")
        form_year = _int(meta.get("year"))
        if e.status in USED and form_year is not None and form_year != year:
            _reject(e, "wrong_year", form_year=form_year, year=year)
        entries.append(e)

    # the same content twice: the earliest file (by mtime, then path) is the original
    by_content: dict[str, list[Entry]] = {}
    for e in entries:
        if e.sub.sha256 and e.status != SKIPPED:  # not even hashed (unreadable, timeout), or no form
            by_content.setdefault(e.sub.sha256, []).append(e)
    for copies in by_content.values():
        if len(copies) < 2:  # a content sent once (the usual case): no file's time to read
            continue
        f, *later = sorted(copies, key=lambda e: (_mtime(e.sub.path) or _EPOCH, str(e.sub.path)))
        for e in later:
            same_name = _display(f) == _display(e)
            e.other = _display(f) if not same_name else safe_path(f.sub.path)
            _judge(e, "duplicate", other=e.other)

    by_id: dict[str, list[Entry]] = {}
    for e in entries:
        if e.used:
            by_id.setdefault(comparable(e.library_id), []).append(e)
    for group in by_id.values():
        lib_id = _display_id(group)
        for e in group:
            e.library_id = lib_id
        resolve_group(lib_id, group, expected, judge=_judge, note=_note, display=_display, now=now)
    if expected is not None:
        for e in entries:
            if not e.used:
                continue
            found = expected_row(expected, e.library_id)
            if found is None:
                _note(e, "not_on_list", library_id=e.library_id)
                continue
            e.library_id = found[0]
            listed, form = _text(found[1].get("teryt")), _text((e.sub.meta or {}).get("teryt"))
            if listed and form and comparable(listed) != comparable(form):
                _note(e, "teryt_mismatch", form=form, listed=listed)
    return entries


def _display_id(group: list[Entry]) -> str:
    """The id the files of one group share: its most common spelling (then the smallest)."""
    spellings = Counter(e.library_id or "" for e in group)
    return min(spellings, key=lambda s: (-spellings[s], s))


def _judge(e: Entry, code: str, **values: Any) -> None:
    """Give the entry a catalogue code: its verdict and its reason."""
    e.status, e.code, e.reason = verdict_of(code), code, message(code, **values)


_reject = _judge  # the batch codes that reject read better as "_reject(e, …)"


def _note(e: Entry, code: str, **values: Any) -> None:
    """A batch warning: the file is used, the coordinator should look (e.g. an id assigned from the list)."""
    e.warnings.append(message(code, **values))
    e.notes.append(code)


def _finish_status(e: Entry) -> None:
    """Accepted files whose recomputed checks (or the batch) found something become
    'przyjęty z uwagami': the reader's reason, then the evaluation's notes, then the other
    warnings; the code stays the reader's warning, else the most important new one."""
    ev = e.evaluation
    codes: list[str] = []
    notes: list[str] = []
    if ev is not None and ev.errors:
        codes.append("check_errors")
        notes.append(message("check_errors", count=ev.errors, rules=", ".join(ev.failed_rules(st.ERROR))))
    if ev is not None and ev.missing:  # never "OK" while a required field is empty
        codes.append("incomplete")
        notes.append(message("incomplete", count=len(ev.missing), fields=completeness.SEPARATOR.join(ev.missing)))
    if ev is not None and ev.warnings:
        codes.append("check_warnings")
        notes.append(message("check_warnings", count=ev.warnings))
    notes += [w for w in e.warnings if w not in e.reason]
    if notes:
        e.status = ACCEPTED_WITH_WARNINGS
        e.reason = "; ".join(([e.reason] if e.reason else []) + notes)
        if e.code == "ok":
            e.code = (codes + e.notes)[0]
