"""``xl-afbp consolidate``: returned workbooks → regional summary, import log and database."""

from __future__ import annotations

import argparse
from pathlib import Path

from .base import UsageError, batch_parser, check_batch_args, command, note


@command("consolidate")
def _add(sub) -> None:
    p = batch_parser(
        sub,
        "consolidate",
        help="consolidate returned forms: summary workbook, CSVs, HTML report, import log, database",
        description="Read every file of INPUTS (files and folders, recursively; every file gets a row of the import log), "
        "recompute indicators, rules and K-03 checks from the inputs, and write the regional summary.",
        out_help="output folder (default build/summary)",
        func=run,
    )
    p.add_argument("--db", type=Path, default=None, help="SQLite database of all years (default build/afbp.sqlite)")
    p.add_argument("--no-db", action="store_true", help="do not write the database")
    p.add_argument("--feedback", action="store_true", help="also write a feedback PDF per accepted library and a mail-merge CSV into OUT/informacje")


def run(args: argparse.Namespace) -> int:
    from ..consolidate import STATUS_PL
    from ..outputs.csvfiles import DIALECTS
    from ..verdicts import UNRESOLVED
    from ..jobs.consolidation import DEFAULT_DB, DEFAULT_OUT, FEEDBACK_DIR, run_consolidation

    check_batch_args(args)
    if args.expected is not None:
        from ..regions import read_library_csv

        rows, errors = read_library_csv(args.expected)
        if not rows and errors:
            raise UsageError(f"--expected {args.expected}: {errors[0][1]}")
        for line, reason in errors:
            print(f"{args.expected}:{line}: pominięto: {reason}")
    if args.no_db and args.db is not None:
        raise UsageError("--db and --no-db exclude each other")
    out = args.out or DEFAULT_OUT
    db = None if args.no_db else (args.db or DEFAULT_DB)
    from ..jobs.consolidation import collect_inputs

    if not collect_inputs(args.inputs, exclude=[out] + ([db] if db else [])):
        raise UsageError(f"no files in {', '.join(map(str, args.inputs))}")
    from ..consolidate import MixedYears
    from ..spec.editions import EditionError

    try:
        report = run_consolidation(
            args.inputs, expected=args.expected, out=out, db=db, year=args.year, edition=args.edition, region=args.region, progress=not args.quiet, workers=args.workers,
            include_flagged=args.include_flagged, dialect=DIALECTS[args.csv], feedback=args.feedback,
        )
    except MixedYears as exc:
        raise UsageError(
            f"the input holds forms of several survey years: {exc.describe()}; nothing was written. "
            "Give --year YEAR to consolidate one year (the files of other years then get a row in the import log), "
            "or put each year's files in a folder of its own"
        ) from exc
    except EditionError as exc:
        raise UsageError(str(exc)) from exc
    for text in report.notes:
        note(text)
    con = report.consolidation
    counts = con.counts
    print(f"Rok badania: {con.year}")
    print(f"Plików: {report.inputs} — " + ", ".join(f"{STATUS_PL[k]}: {v}" for k, v in counts.items() if v))
    print(f"Bibliotek w zestawieniu: {len(con.libraries)}" + (f" z {con.expected_count} oczekiwanych; brakuje {len(con.missing)}" if con.expected_count is not None else ""))
    print(f"Zestawienie: {out / 'podsumowanie.xlsx'}; raport do publikacji: {out / 'raport.html'}, {out / 'raport.pdf'}; raport kontroli: {out / 'kontrola.html'}; dziennik importu: {out / 'import.csv'}")
    if args.feedback:
        print(f"Informacje zwrotne dla bibliotek: {out / FEEDBACK_DIR} (lista do korespondencji seryjnej: {FEEDBACK_DIR}/korespondencja.csv)")
    if db is not None and report.database is not None:
        d = report.database
        print(f"Baza danych: {db} (nowe pliki: {d.new}, bez zmian: {d.unchanged}, zastąpione dane bibliotek: {d.replaced})")
    for name, reason in report.failures.items():
        print(f"Nie zapisano: {name} – {reason}")
    if report.rejected:
        print(f"Odrzucono {report.rejected} plik(ów): powody w {out / 'import.csv'} (arkusz Import)")
    unresolved = counts.get(UNRESOLVED, 0)
    if unresolved:
        print(f"Do wyjaśnienia: {unresolved} plik(ów) – wersje tej samej biblioteki, których nie da się uporządkować (powody w {out / 'import.csv'})")
    return report.exit_code
