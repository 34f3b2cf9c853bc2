"""``xl-afbp evaluate FILE``: indicators, rules and K-03 checks of one form (JSON or CSV)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .base import UsageError, _spec_arg, command, spec_source, table

@command("evaluate")
def _add_evaluate(sub) -> None:
    p = sub.add_parser("evaluate", help="compute indicators, rules and K-03 checks of one form (JSON or CSV)")
    p.add_argument("file", type=Path, help="JSON or CSV of one form: items, services, optional basic data (B_*), last year's values (PREV*), K-03 rows")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--xlsx", type=Path, default=None, help="also write a plain workbook with the native formulas")
    _spec_arg(p)
    p.set_defaults(func=cmd_evaluate)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from ..engine import get_engine
    from ..inputfile import InputError, read_form_file

    engine = get_engine(spec_source(args))
    try:
        data = read_form_file(args.file, engine.spec)
    except InputError as exc:
        raise UsageError(str(exc)) from exc
    result = engine.evaluate(data)
    if args.xlsx:
        from ..workbook.plain import write_plain_workbook

        write_plain_workbook(engine, data, args.xlsx)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return 0
    spec = engine.spec
    print(f"{spec.label} — {args.file}")
    print()
    rows = [[i.code, i.name, _fmt(result.indicators[i.code]), i.unit] for i in spec.indicators]
    print(table(rows, ["kod", "wskaźnik", "wartość", "jednostka"]))
    print()
    print(table([[r.id, r.status, r.message if r.status not in ("OK",) else ""] for r in result.rules], ["reguła", "status", "komunikat"]))
    print()
    rows = [[k.item, k.status, _fmt(k.afbp), f"{_fmt(k.k03)} – {_fmt(k.k03_upper)}" if k.ranged else _fmt(k.k03), k.message if k.status != "OK" else ""] for k in result.k03]
    print(table(rows, ["poz.", "K-03", "AFBP", "wg K-03", "uwagi"]))
    print()
    print(f"Status: {result.status} (błędy: {result.errors}, ostrzeżenia: {result.warnings})")
    if result.missing:
        print(f"Puste pola wymagane ({len(result.missing)}): {'; '.join(result.missing)}")
    print(result.k03_state)
    return 0


def _fmt(v: object) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:,.2f}".replace(",", " ").replace(".", ",")
    return str(v)
