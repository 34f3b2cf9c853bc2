"""``xl-afbp check FILE…``: what the consolidator would say about returned workbooks.

The same verdicts as the import (``xl_afbp.reader``): one row per file, then, for each
accepted file, the rules and K-03 checks the engine finds failing. Exit status 1 when any
file would be rejected, 2 for usage errors (no such file).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .base import UsageError, command, spec_source, table

VERDICTS = {"accepted": "przyjęty", "accepted_with_warnings": "przyjęty z uwagami", "rejected": "odrzucony"}


@command("check")
def _add(sub) -> None:
    p = sub.add_parser("check", help="check returned workbooks as the import would: verdict, reason, failing rules")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="returned .xlsx files")
    p.add_argument("--json", action="store_true", help="print one JSON object per file (a list)")
    p.add_argument("--spec", default=None, help="spec edition: a shipped year (2016) or a path")
    p.add_argument("--year", type=int, default=None, help="form edition year (default 2016)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..engine import get_engine
    from ..reader import read_many

    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        raise UsageError("file not found: " + ", ".join(missing))
    engine = get_engine(spec_source(args))
    subs = read_many(args.files, engine=engine, progress=False)
    failing: dict[int, list[list[str]]] = {}
    for i, s in enumerate(subs):
        if s.data is None:
            continue
        result = engine.evaluate(s.data)
        rows = [[r.id, r.status, _parts(r), r.message] for r in result.failing_rules()]
        rows += [[f"K-03 poz. {k.item}", k.status, "", k.message] for k in result.k03 if k.code == "difference"]
        failing[i] = rows
    if args.json:
        out = []
        for i, s in enumerate(subs):
            d = s.to_json()
            d["failing"] = [dict(zip(("check", "status", "items", "message"), r)) for r in failing.get(i, [])]
            out.append(d)
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(table([[s.name, VERDICTS.get(s.verdict, s.verdict), s.code, s.reason] for s in subs], ["plik", "werdykt", "kod", "powód"]))
        for i, s in enumerate(subs):
            extra = [w for w in s.warnings if w != s.reason]
            if not extra and not failing.get(i):
                continue
            print()
            print(f"{s.name}:")
            for w in extra:
                print(f"  uwaga: {w}")
            if failing.get(i):
                print("  " + table(failing[i], ["kontrola", "status", "pozycje", "komunikat"]).replace("\n", "\n  "))
    return 1 if any(s.verdict == "rejected" for s in subs) else 0


def _parts(rule) -> str:
    from .. import status

    bad = [str(nr) for nr, st in sorted(rule.parts.items()) if st in (status.ERROR, status.WARNING)]
    return ", ".join(bad)
