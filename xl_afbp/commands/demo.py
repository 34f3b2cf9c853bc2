"""``xl-afbp demo``: the whole tour on a real region, offline."""

from __future__ import annotations

import argparse
from pathlib import Path

from .base import command


@command("demo")
def _add(sub) -> None:
    p = sub.add_parser("demo", help="the yearly cycle on zachodniopomorskie, two survey years: list → forms → returned files → summary and database → next year's forms → trends")
    p.add_argument("--out", type=Path, default=Path("build") / "demo", help="output folder (default build/demo; replaced on each run)")
    p.add_argument("--region", default="zachodniopomorskie", help="województwo (default zachodniopomorskie)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..demo.run import run_demo

    result = run_demo(args.out, region=args.region, progress=not args.quiet)
    print()
    print("Gotowe. Podsumowanie regionu za ostatni rok (z trendami wszystkich lat z bazy danych):")
    for label, key in (("skoroszyt", "summary"), ("raport (HTML)", "report"), ("raport (PDF)", "pdf"), ("raport kontroli", "quality"), ("informacje zwrotne", "feedback"),
                       ("baza danych", "db"), ("dziennik importu", "import_log"), ("pusty formularz", "blank")):
        print(f"  {label:18} {result[key]}")
    for key in sorted(k for k in result if k.startswith("year_")):
        print(f"  rok {key.removeprefix('year_'):14} {result[key]}")
    return 0
