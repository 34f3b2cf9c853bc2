"""``xl-afbp feedback``: a feedback PDF per accepted library and the mail-merge CSV."""

from __future__ import annotations

import argparse
from pathlib import Path

from .base import UsageError, batch_parser, check_batch_args, command, note


@command("feedback")
def _add(sub) -> None:
    batch_parser(
        sub,
        "feedback",
        help="a feedback PDF per accepted library (its indicators against its group) and a mail-merge CSV",
        description="Read the returned files as consolidate does and write, for every accepted library, a PDF with its indicators "
        "against its group's quartiles and the region, an index chart and the checks it failed, plus korespondencja.csv (id, library, e-mail, file).",
        out_help="output folder (default build/summary/informacje)",
        func=run,
    )


def run(args: argparse.Namespace) -> int:
    from ..consolidate import MixedYears, consolidate
    from ..jobs.consolidation import collect_inputs, read_for_year
    from ..spec.editions import EditionError
    from ..outputs.csvfiles import DIALECTS
    from ..outputs.feedback import MAIL_MERGE, write_feedback

    check_batch_args(args)
    args.out = args.out or Path("build") / "summary" / "informacje"
    paths = collect_inputs(args.inputs, exclude=[args.out])
    if not paths:
        raise UsageError(f"no files in {', '.join(map(str, args.inputs))}")
    try:
        subs, engine, year, notes = read_for_year(paths, year=args.year, edition=args.edition, workers=args.workers, progress=not args.quiet)
    except (MixedYears, EditionError) as exc:
        raise UsageError(str(exc)) from exc
    for text in notes:
        note(text)
    con = consolidate(subs, engine=engine, expected=args.expected, region=args.region, year=year, progress=not args.quiet, include_flagged=args.include_flagged)
    written = write_feedback(con, args.out, engine=engine, progress=not args.quiet, workers=args.workers, dialect=DIALECTS[args.csv])
    sheets = len(written) - 1
    print(f"Informacje zwrotne: {sheets} z {len(con.libraries)} bibliotek → {args.out} (korespondencja seryjna: {args.out / MAIL_MERGE})")
    return 0 if sheets == len(con.libraries) else 1
