"""``xl-afbp check FILE…``: what ``consolidate`` says about each file on its own.

Each file is read by the reader and judged by the consolidator's own batch policy and
evaluation on a batch of one (:func:`xl_afbp.consolidate.judge`): the verdict, code and
reason are exactly those of the import log of a consolidation of that file alone (a test
proves it over the hostile corpus and the demo's files). Then, for each file used, the rules
and K-03 checks that fail. Exit status 1 when any file would be rejected, 2 for usage
errors (no such file).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from .base import UsageError, _spec_arg, choose_edition, command, table


@command("check")
def _add(sub) -> None:
    p = sub.add_parser("check", help="check returned workbooks as the import would: verdict, reason, failing rules")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="returned .xlsx files")
    p.add_argument("--json", action="store_true", help="print one JSON object per file (a list)")
    _spec_arg(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .. import status
    from ..consolidate import judge
    from ..engine import get_engine
    from ..reader import read_many
    from ..safetext import terminal
    from ..verdicts import NEEDS_ACTION, VERDICT_PL

    missing = [str(f) for f in args.files if not os.path.lexists(f)]  # shown safely by the CLI edge
    if missing:  # a directory, a FIFO or a broken link is there: the reader says what it is
        raise UsageError("file not found: " + ", ".join(missing))
    subs, engines = _read(args, read_many, get_engine)
    entries = [judge([s], engine=e, year=args.year)[0][0] for s, e in zip(subs, engines)]
    failing = [_failing(e) for e in entries]
    if args.json:
        out = []
        for e, rows in zip(entries, failing):
            d = e.sub.to_json()
            d.update(verdict=e.status, code=e.code, reason=e.reason, warnings=list(e.warnings), library_id=e.library_id)
            ev = e.evaluation  # the form's own status (ok, error, warning, incomplete) and its empty required fields
            d.update(status=status.code(ev.status) if ev else None, missing=list(ev.missing) if ev else [])
            d["failing"] = [dict(zip(("check", "status", "items", "message"), r)) for r in rows]
            out.append(d)
        # JSON escapes control characters; lone surrogates (a file name that is not UTF-8) too
        print(json.dumps(out, ensure_ascii=False, indent=2).encode("utf-8", "backslashreplace").decode("utf-8"))
    else:
        print(table([[e.sub.name, VERDICT_PL[e.status], e.code, e.reason] for e in entries], ["plik", "werdykt", "kod", "powód"]))
        for e, rows in zip(entries, failing):
            extra = [w for w in e.warnings if w not in e.reason]
            if not extra and not rows:
                continue
            print()
            print(terminal(f"{e.sub.name}:"))
            for w in extra:
                print(terminal(f"  uwaga: {w}"))
            if rows:
                print("  " + table(rows, ["kontrola", "status", "pozycje", "komunikat"]).replace("\n", "\n  "))
    return 1 if any(e.status in NEEDS_ACTION for e in entries) else 0


def _read(args: argparse.Namespace, read_many, get_engine) -> tuple[list, list]:
    """Each file read with the edition of its survey year (as ``consolidate`` of that file
    alone would), or with ``--edition`` / the edition serving ``--year``."""
    from ..consolidate import survey_year
    from ..spec.editions import EditionError, choose_edition as choose

    choice = choose_edition(args)
    engine = get_engine(choice.source)
    subs = list(read_many(args.files, engine=engine, progress=False))
    engines = [engine] * len(subs)
    if args.edition is None and args.year is None:
        for i, s in enumerate(subs):
            year = survey_year([s])
            try:
                serving = choose(None, year) if year is not None else None
            except EditionError:  # no edition serves that year: the reader's verdict stands
                continue
            if serving is not None and serving.spec.digest != engine.spec.digest:
                engines[i] = get_engine(serving.source)
                subs[i] = next(iter(read_many([s.path], engine=engines[i], progress=False)))
    return subs, engines


def _failing(entry) -> list[list[str]]:
    """The failing rules (with the items of per-item rules) and K-03 differences of a file
    the consolidator used, from its evaluation (the engine does not run again)."""
    from ..consolidate.evaluation import EMPTY

    rows: dict[str, list[str]] = {}
    for f in entry.evaluation.findings if entry.evaluation else ():
        if f.kind == EMPTY:
            continue
        key = f.rule or f.check
        row = rows.setdefault(key, [key, f.severity, "", f.message.split(" (poz. ")[0] if f.rule else f.message])
        if f.rule and f.check != f.rule:
            row[2] = ", ".join(filter(None, [row[2], f.check.rpartition(" ")[2]]))
    return list(rows.values())
