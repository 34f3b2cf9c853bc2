"""The files of one library id: who they belong to, and which version holds.

The policy (``docs/hostile-files.md``, "Versions and identities"), in this order:

1. **Ids** are compared as people read them: Unicode-normalised (NFKC), invisible
   characters removed, case folded (:func:`~xl_afbp.safetext.comparable`); the id kept is
   the normalised one without the invisible characters.
2. **Identity**: the files of one id must name one library – one TERYT and one name,
   compared the same way. When they do not, the coordinator's list of expected libraries
   decides: files matching the library the list gives that id keep it, the others are
   rejected (``id_claimed``). Without a list – or when no file matches it – every file of
   the id is rejected (``id_conflict``), and the reason shows the names with their
   invisible characters (``⟨U+200B⟩``) and what differs.
3. **Versions** of one library: the newest save time wins (``saved_at``, else
   ``generated_at``, else the file's mtime); the others are ``superseded``. When the newest
   time is shared by several files, or a save time lies in the future, nothing can tell
   which version holds: those files are ``unresolved`` ("do wyjaśnienia",
   ``version_unclear``) and none is used until the coordinator decides. The file names and
   the order the files were read in never decide anything.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Mapping

from ..safetext import comparable, show_invisible, strip_invisible
from .records import Entry, _text

#: a save time this far past the run's clock is "in the future" (time zones, skewed clocks)
FUTURE_SLACK = timedelta(days=1)


def canonical_id(raw: Any) -> str | None:
    """The id kept: NFKC-normalised, invisible characters removed, trimmed."""
    text = unicodedata.normalize("NFKC", strip_invisible(_text(raw))).strip()
    return text or None


def expected_row(expected: Mapping[str, Mapping[str, Any]] | None, library_id: str | None) -> tuple[str, Mapping[str, Any]] | None:
    """(the list's id, its row) of the expected library with this id, compared as people read ids."""
    if not expected or not library_id:
        return None
    if library_id in expected:
        return library_id, expected[library_id]
    key = comparable(library_id)
    hits = [(i, r) for i, r in expected.items() if comparable(i) == key]
    return hits[0] if len(hits) == 1 else None


def identity(e: Entry) -> tuple[str, str]:
    """(TERYT, name) as compared: the form's ``_meta`` TERYT and its library name."""
    meta = e.sub.meta or {}
    data = e.sub.data
    return comparable(meta.get("teryt")), comparable((data.basic.get("NAZWA") if data else None) or "")


def _shown(e: Entry, display: Callable[[Entry], str]) -> str:
    data = e.sub.data
    name = _text(data.basic.get("NAZWA")) if data is not None else ""
    teryt = _text((e.sub.meta or {}).get("teryt"))
    return f"„{show_invisible(name) or '?'}” (TERYT {show_invisible(teryt) or '?'}, plik {display(e)})"


def _differs(group: list[Entry]) -> str:
    idents = [identity(e) for e in group]
    what = []
    if len({t for t, _ in idents if t}) > 1:
        what.append("TERYT")
    if len({n for _, n in idents if n}) > 1:
        what.append("nazwa")
    return " i ".join(what)


def _matches(ident: tuple[str, str], row: Mapping[str, Any]) -> bool:
    """Whether a form's identity is the listed library's: every part that both give agrees."""
    teryt, name = ident
    listed = (comparable(row.get("teryt")), comparable(row.get("nazwa")))
    pairs = [(a, b) for a, b in zip((teryt, name), listed) if a and b]
    return bool(pairs) and all(a == b for a, b in pairs)


def resolve_group(lib_id: str, group: list[Entry], expected: Mapping[str, Mapping[str, Any]] | None, *, judge: Callable[..., None], note: Callable[..., None], display: Callable[[Entry], str], now: datetime) -> None:
    """Decide the used files of one id (see the module doc); ``judge(e, code, **values)``
    gives an entry its catalogue code, ``note(e, code, **values)`` a batch warning."""
    listed = expected_row(expected, lib_id)
    if len(group) > 1 and len({identity(e) for e in group}) > 1:
        keep = [e for e in group if listed is not None and _matches(identity(e), listed[1])]
        if not keep or len({identity(e) for e in keep}) > 1:
            who = "; ".join(sorted({_shown(e, display) for e in group}))
            for e in group:
                judge(e, "id_conflict", library_id=show_invisible(lib_id), who=f"{who} – różni się: {_differs(group)}")
            return
        for e in group:
            if e not in keep:
                judge(e, "id_claimed", library_id=lib_id, listed=_listed(listed[1]), form=_shown(e, display))  # type: ignore[index]
        group = keep
    elif listed is not None and not _matches(identity(group[0]), listed[1]) and all(identity(group[0])) and _all_differ(identity(group[0]), listed[1]):
        for e in group:
            judge(e, "id_claimed", library_id=lib_id, listed=_listed(listed[1]), form=_shown(e, display))
        return
    _versions(group, judge=judge, note=note, display=display, now=now)


def _all_differ(ident: tuple[str, str], row: Mapping[str, Any]) -> bool:
    """Both the TERYT and the name differ from the list's (one alone is a warning)."""
    teryt, name = comparable(row.get("teryt")), comparable(row.get("nazwa"))
    return bool(teryt and name) and ident[0] != teryt and ident[1] != name


def _listed(row: Mapping[str, Any]) -> str:
    return f"„{_text(row.get('nazwa')) or '?'}” (TERYT {_text(row.get('teryt')) or '?'})"


def _when(e: Entry) -> str:
    return e.when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _versions(group: list[Entry], *, judge: Callable[..., None], note: Callable[..., None], display: Callable[[Entry], str], now: datetime) -> None:
    """One library's files: the newest wins; a tie or a future time is left to the coordinator."""
    future = [e for e in group if e.when > now + FUTURE_SLACK]
    if len(group) == 1:
        if future:
            e = group[0]
            note(e, "future_date", when=_when(e))
        return
    names = ", ".join(sorted(display(e) for e in group))
    if future:
        detail = f"pliki tej samej biblioteki ({names}); " + "; ".join(f"plik {display(e)} ma datę zapisu w przyszłości ({_when(e)})" for e in sorted(future, key=display))
        for e in group:
            judge(e, "version_unclear", detail=detail)
        return
    newest = max(e.when for e in group)
    top = [e for e in group if e.when == newest]
    if len(top) > 1:
        tied = ", ".join(sorted(display(e) for e in top))
        for e in top:
            judge(e, "version_unclear", detail=f"pliki tej samej biblioteki mają tę samą datę zapisu ({_when(e)}): {tied}")
        for e in group:
            if e not in top:
                e.other = tied
                judge(e, "superseded", other=tied)
        return
    winner = top[0]
    for e in group:
        if e is not winner:
            e.other = display(winner)
            judge(e, "superseded", other=e.other)


def run_clock() -> datetime:
    """The run's clock (a future save time is measured against it)."""
    return datetime.now(timezone.utc)
