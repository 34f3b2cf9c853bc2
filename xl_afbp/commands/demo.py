"""``xl-afbp demo``: the whole tour on a real region, offline."""

from __future__ import annotations

import argparse
from pathlib import Path

from .base import command


@command("demo")
def _add(sub) -> None:
    p = sub.add_parser("demo", help="the whole tour on zachodniopomorskie: list → forms → returned files → summary")
    p.add_argument("--out", type=Path, default=Path("build") / "demo", help="output folder (default build/demo; replaced on each run)")
    p.add_argument("--region", default="zachodniopomorskie", help="województwo (default zachodniopomorskie)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..demo.run import run_demo

    result = run_demo(args.out, region=args.region, progress=not args.quiet)
    print()
    print("Gotowe. Podsumowanie regionu:")
    for label, key in (("skoroszyt", "summary"), ("raport (HTML)", "report"), ("raport (PDF)", "pdf"), ("raport kontroli", "quality"), ("informacje zwrotne", "feedback"),
                       ("baza danych", "db"), ("dziennik importu", "import_log"), ("pusty formularz", "blank")):
        print(f"  {label:18} {result[key]}")
    return 0
