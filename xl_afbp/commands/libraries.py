"""``xl-afbp libraries --region NAME``: the starting list of a region's libraries."""

from __future__ import annotations

import argparse
from pathlib import Path

from .base import UsageError, command


@command("libraries")
def _add(sub) -> None:
    p = sub.add_parser(
        "libraries",
        help="write the starting list of a region's libraries (the CSV generate --libraries takes)",
        description="Every gmina of the województwo from TERYT, plus its powiat and województwo libraries, "
        "names matched to the shipped public-library list where possible. The column do_sprawdzenia says, "
        "row by row, what to fill in or check before generating forms.",
    )
    p.add_argument("--region", required=True, metavar="NAME", help="województwo: a name (opolskie) or its TERC code (16)")
    p.add_argument("--out", type=Path, default=None, metavar="FILE", help="the CSV to write (default build/biblioteki-<region>.csv)")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..regions import CHECK_COLUMN, LIBRARY_COLUMNS, starting_list, write_library_csv

    try:
        rows = starting_list(args.region)
    except KeyError as exc:
        raise UsageError(str(exc).strip("'\"")) from exc
    region = rows[0]["wojewodztwo"] if rows else args.region
    out = args.out or Path("build") / f"biblioteki-{region}.csv"
    if out.exists() and not args.force:
        raise UsageError(f"{out} exists already (an edited list?): give another --out, or --force to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    write_library_csv(rows, out, columns=(*LIBRARY_COLUMNS, CHECK_COLUMN))
    kinds = {}
    for r in rows:
        kinds[r["podtyp"]] = kinds.get(r["podtyp"], 0) + 1
    print(f"{len(rows)} libraries of województwo {region} → {out}")
    for podtyp, n in sorted(kinds.items(), key=lambda kv: -kv[1]):
        print(f"  {n:4}  {podtyp}")
    print(f"Before generating forms, fill in or check what the column {CHECK_COLUMN} names in each row "
          "(residents and branches are estimates, www and e-mail are empty); then: xl-afbp generate --libraries " + str(out))
    return 0
