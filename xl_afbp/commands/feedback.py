"""``xl-afbp feedback``: a feedback PDF per accepted library and the mail-merge CSV."""

from __future__ import annotations

import argparse
from pathlib import Path

from .base import UsageError, batch_parser, check_batch_args, command


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
    from ..consolidate import consolidate
    from ..engine import get_engine
    from ..jobs.consolidation import collect_inputs, read_files
    from ..outputs.csvfiles import DIALECTS
    from ..outputs.feedback import MAIL_MERGE, write_feedback

    check_batch_args(args)
    args.out = args.out or Path("build") / "summary" / "informacje"
    paths = collect_inputs(args.inputs, exclude=[args.out])
    if not paths:
        raise UsageError(f"no files in {', '.join(map(str, args.inputs))}")
    engine = get_engine(2016)
    subs = read_files(paths, workers=args.workers, progress=not args.quiet, engine=engine)
    con = consolidate(subs, engine=engine, expected=args.expected, region=args.region, year=args.year, progress=not args.quiet, include_flagged=args.include_flagged)
    written = write_feedback(con, args.out, engine=engine, progress=not args.quiet, workers=args.workers, dialect=DIALECTS[args.csv])
    sheets = len(written) - 1
    print(f"Informacje zwrotne: {sheets} z {len(con.libraries)} bibliotek → {args.out} (korespondencja seryjna: {args.out / MAIL_MERGE})")
    return 0 if sheets == len(con.libraries) else 1
