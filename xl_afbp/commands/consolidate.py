"""``xl-afbp consolidate``: returned workbooks → regional summary, import log and database."""

from __future__ import annotations

import argparse
from pathlib import Path

from .base import UsageError, command


@command("consolidate")
def _add(sub) -> None:
    p = sub.add_parser(
        "consolidate",
        help="consolidate returned forms: summary workbook, CSVs, HTML report, import log, database",
        description="Read every file of INPUTS (files and folders, recursively; every file gets a row of the import log), "
        "recompute indicators, rules and K-03 checks from the inputs, and write the regional summary.",
    )
    p.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help="returned files or folders holding them")
    p.add_argument("--expected", type=Path, help="CSV of the libraries expected to answer (the list the forms were generated from): lists the missing ones")
    p.add_argument("--out", type=Path, default=None, help="output folder (default build/summary)")
    p.add_argument("--db", type=Path, default=None, help="SQLite database of all years (default build/afbp.sqlite)")
    p.add_argument("--no-db", action="store_true", help="do not write the database")
    p.add_argument("--year", type=int, default=None, help="survey year (default: the year in the forms)")
    p.add_argument("--region", default=None, help="region name for the titles (default: from --expected or the forms)")
    p.add_argument("--workers", type=int, default=None, help="processes for reading and recomputing (default: 2 for large batches)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..consolidate import STATUS_PL
    from ..verdicts import UNRESOLVED
    from ..jobs.consolidation import DEFAULT_DB, DEFAULT_OUT, run_consolidation

    missing = [str(p) for p in args.inputs if not p.exists()]
    if missing:
        raise UsageError(f"input not found: {', '.join(missing)}")
    if args.expected is not None:
        if not args.expected.is_file():
            raise UsageError(f"--expected: file not found: {args.expected}")
        from ..regions import read_library_csv

        rows, errors = read_library_csv(args.expected)
        if not rows and errors:
            raise UsageError(f"--expected {args.expected}: {errors[0][1]}")
        for line, reason in errors:
            print(f"{args.expected}:{line}: pominięto: {reason}")
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be at least 1")
    if args.no_db and args.db is not None:
        raise UsageError("--db and --no-db exclude each other")
    out = args.out or DEFAULT_OUT
    db = None if args.no_db else (args.db or DEFAULT_DB)
    from ..jobs.consolidation import collect_inputs

    if not collect_inputs(args.inputs, exclude=[out] + ([db] if db else [])):
        raise UsageError(f"no files in {', '.join(map(str, args.inputs))}")
    report = run_consolidation(args.inputs, expected=args.expected, out=out, db=db, year=args.year, region=args.region, progress=not args.quiet, workers=args.workers)
    con = report.consolidation
    counts = con.counts
    print(f"Plików: {report.inputs} — " + ", ".join(f"{STATUS_PL[k]}: {v}" for k, v in counts.items() if v))
    print(f"Bibliotek w zestawieniu: {len(con.libraries)}" + (f" z {con.expected_count} oczekiwanych; brakuje {len(con.missing)}" if con.expected_count is not None else ""))
    print(f"Zestawienie: {out / 'podsumowanie.xlsx'}, raport: {out / 'raport.html'}, dziennik importu: {out / 'import.csv'}")
    if db is not None and report.database is not None:
        d = report.database
        print(f"Baza danych: {db} (nowe pliki: {d.new}, bez zmian: {d.unchanged}, zastąpione dane bibliotek: {d.replaced})")
    if report.rejected:
        print(f"Odrzucono {report.rejected} plik(ów): powody w {out / 'import.csv'} (arkusz Import)")
    unresolved = counts.get(UNRESOLVED, 0)
    if unresolved:
        print(f"Do wyjaśnienia: {unresolved} plik(ów) – wersje tej samej biblioteki, których nie da się uporządkować (powody w {out / 'import.csv'})")
    return report.exit_code
