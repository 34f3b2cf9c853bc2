"""``xl-afbp render``: PNG pictures of workbook sheets through LibreOffice."""

from __future__ import annotations

import argparse
from pathlib import Path

from .base import UsageError, command


@command("render")
def _add(sub) -> None:
    p = sub.add_parser("render", help="render sheets of a workbook to PNG with LibreOffice (recalculated)")
    p.add_argument("file", type=Path, help="an .xlsx workbook")
    p.add_argument("--sheets", nargs="+", help="sheet names (default: every visible sheet)")
    p.add_argument("--out", type=Path, default=Path("build") / "images", help="output folder (default build/images)")
    p.add_argument("--dpi", type=int, default=80, help="resolution (default 80)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from openpyxl import load_workbook

    from ..demo.render import sheet_images

    if not args.file.exists():
        raise UsageError(f"file not found: {args.file}")
    sheets = args.sheets or [ws.title for ws in load_workbook(args.file, read_only=True).worksheets if ws.sheet_state == "visible"]
    for sheet, png in sheet_images(args.file, args.out, sheets, dpi=args.dpi).items():
        print(f"{sheet}: {png}")
    return 0
