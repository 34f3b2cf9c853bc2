"""``xl-afbp generate``: the blank form, or one personalised workbook per library."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from .base import UsageError, _spec_arg, choose_edition, command, note


@command("generate")
def _add(sub) -> None:
    p = sub.add_parser("generate", help="generate the AFBP workbook(s) librarians fill in Excel")
    p.add_argument("--libraries", type=Path, help="CSV of libraries (id, nazwa, organizator, podtyp, wojewodztwo, powiat, gmina, miejscowosc, teryt, mieszkancy, filie, www, email): one workbook per row")
    _spec_arg(p)
    p.add_argument("--previous", type=Path, help="last year's values: the consolidator's database (year N-1 of --year N), or a CSV (id and one column per item, e.g. biblioteki.csv)")
    p.add_argument("--benchmark", type=Path, help="group medians of last year: the consolidator's database or its benchmark-<year>.csv")
    p.add_argument("--contact", default="", metavar="TEXT", help="where libraries send the form back (e.g. the coordinator's e-mail), shown on the form's first sheet")
    p.add_argument("--deadline", type=_date, default=None, metavar="DATE", help="return deadline YYYY-MM-DD, shown on the form's first sheet")
    p.add_argument("--branches", type=int, default=None, metavar="N", help="K-03 branch columns of the blank form (default 30; personalised forms have the library's own count)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default build/forms)")
    p.add_argument("--workers", type=int, default=None, help="processes for large batches (default: 2 from 200 libraries)")
    p.add_argument("--analyst", action="store_true", help="write the analyst workbook with =AFBP_INDICATOR() formulas instead")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in the form YYYY-MM-DD: {text!r}") from None


def default_year(args: argparse.Namespace) -> int:
    """The survey year when --year is not given: the year after the database's latest
    (--previous/--benchmark DB), else last calendar year (a survey collects the data of
    the year that ended); the command says which it took."""
    from ..generate import is_database

    sources = [p for p in (args.previous, args.benchmark) if p is not None and is_database(p)]
    if sources:
        from ..database import years

        have = years(sources[0])
        if have:
            note(f"survey year {have[-1] + 1} (the year after the latest in {sources[0]}; give --year to choose)")
            return have[-1] + 1
    year = date.today().year - 1
    note(f"survey year {year} (last calendar year; give --year to choose)")
    return year


def run(args: argparse.Namespace) -> int:
    from ..engine import get_engine
    from ..generate import DEFAULT_OUT, blank_form, generate_from_csv

    out = args.out or DEFAULT_OUT
    if args.analyst:
        from ..analyst import write_analyst_workbook

        path = write_analyst_workbook(out / "afbp-analityk.xlsx")
        print(f"Skoroszyt analityka: {path}")
        return 0
    for opt in ("libraries", "previous", "benchmark"):
        value = getattr(args, opt)
        if value is not None and not value.exists():
            raise UsageError(f"--{opt}: file not found: {value}")
    returning = {"contact": args.contact, "deadline": args.deadline}
    year = args.year if args.year is not None else default_year(args)
    engine = get_engine(choose_edition(args, year).source)
    if args.libraries is None:
        if args.previous or args.benchmark:
            raise UsageError("--previous and --benchmark personalise forms: give --libraries too")
        if args.branches is not None and not 0 <= args.branches <= 1000:
            raise UsageError("--branches: give a number of branch columns from 0 to 1000")
        branches = {} if args.branches is None else {"branches": args.branches}
        path = blank_form(out, year=year, engine=engine, **branches, **returning)
        print(f"Blank form: {path} (survey year {year}, edition {engine.spec.edition.id})")
        return 0
    if args.branches is not None:
        raise UsageError("--branches is for the blank form: personalised forms have a column for each of the library's branches (column filie)")
    report = generate_from_csv(args.libraries, out, year=year, engine=engine, previous_path=args.previous, benchmark_path=args.benchmark, workers=args.workers, progress=not args.quiet, **returning)
    for line, reason in report.skipped:
        print(f"{args.libraries}:{line}: skipped: {reason}")
    print(f"{len(report.written)} workbook(s) in {out} (survey year {year}, edition {engine.spec.edition.id})" + (f"; {len(report.skipped)} row(s) skipped" if report.skipped else ""))
    return 1 if report.skipped else 0
