"""``xl-afbp spec lint|show|new``: check an edition, print it as tables, or start a new one."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .base import UsageError, _spec_arg, command, spec_source, table


@command("spec")
def _add_spec(sub) -> None:
    p = sub.add_parser("spec", help="lint, show or start a form edition (the declarative spec)")
    ssub = p.add_subparsers(dest="spec_cmd", required=True)
    lint = ssub.add_parser("lint", help="check an edition; list every problem with its location")
    lint.add_argument("path", nargs="?", type=Path, metavar="PATH", help="an edition folder or YAML file (default: --edition, or the edition serving --year, or the newest)")
    _spec_arg(lint)
    lint.set_defaults(func=cmd_spec_lint)
    show = ssub.add_parser("show", help="print the spec as tables")
    _spec_arg(show)
    what = show.add_mutually_exclusive_group(required=True)
    for flag in ("items", "indicators", "rules", "k03", "basic"):
        what.add_argument(f"--{flag}", action="store_const", dest="what", const=flag)
    show.set_defaults(func=cmd_spec_show)
    new = ssub.add_parser("new", help="start a new edition: a copy of an existing one, in a folder to edit")
    new.add_argument("name", type=Path, metavar="NAME", help="the new edition's folder (its name is the edition's name, e.g. editions/afbp-2018)")
    new.add_argument("--from", dest="source", default=None, metavar="EDITION", help="the edition to copy: a shipped name (afbp-2016) or a folder (default: the newest shipped)")
    new.add_argument("--first-year", type=int, default=None, metavar="YEAR", help="the first survey year it serves (default: the year ending NAME)")
    new.set_defaults(func=cmd_spec_new)


def cmd_spec_lint(args: argparse.Namespace) -> int:
    from ..spec import lint_path
    from ..spec.editions import EditionError, edition_for_year, newest_edition

    if args.path is not None:
        source: str | Path = args.path
        if not args.path.exists():
            raise UsageError(f"no such edition folder or file: {args.path}")
    elif args.edition is not None:
        source = args.edition
    else:  # shipped editions are clean: choosing one by year loads it
        try:
            chosen = edition_for_year(args.year) if args.year is not None else newest_edition()
        except EditionError as exc:
            raise UsageError(str(exc)) from exc
        source = chosen.source[0].parent
    spec, issues = lint_path(source)
    for issue in issues:
        print(issue)
    if issues:
        print(f"{len(issues)} problem(s)", file=sys.stderr)
        return 1
    assert spec is not None
    print(
        f"{spec.label} [{spec.edition.id}, survey years from {spec.edition.serves_from}]: OK — {len(spec.items)} items, {len(spec.services)} services, {len(spec.rules)} rules, "
        f"{len(spec.indicators)} indicators, {len(spec.k03_cells)} K-03 cells, {len(spec.k03_checks)} K-03 checks; "
        f"sha256 {spec.digest[:12]}"
    )
    return 0


def cmd_spec_new(args: argparse.Namespace) -> int:
    from ..spec.editions import newest_edition
    from ..spec.newedition import new_edition

    source = args.source or newest_edition().source[0].parent
    try:
        path = new_edition(args.name, source, args.first_year)
    except (ValueError, FileExistsError) as exc:
        raise UsageError(str(exc)) from exc
    print(f"New edition {path.name} in {path} (copied from {args.source or Path(source).name}); edit its YAML, then: xl-afbp spec lint {path}")
    return 0


def cmd_spec_show(args: argparse.Namespace) -> int:
    from ..spec import load_spec

    spec = load_spec(spec_source(args))
    if args.what == "items":
        rows = [
            [i.nr, i.key, i.type, i.unit, i.min, i.max, i.decimals, "#" if i.hash else "", i.section, i.label]
            for i in spec.items
        ]
        print(table(rows, ["nr", "key", "type", "unit", "min", "max", "dec", "#", "section", "label"]))
    elif args.what == "indicators":
        rows = [[i.code, i.perspective, i.formula, i.unit, i.name] for i in spec.indicators]
        print(table(rows, ["code", "perspective", "formula", "unit", "name"]))
    elif args.what == "rules":
        rows = [[r.id, r.severity, ((r.for_each and f"each {r.for_each}: ") or "") + (f"when {r.applies}: " if r.applies else ""), r.check, r.message] for r in spec.rules]
        print(table(rows, ["id", "severity", "", "check", "message"]))
    elif args.what == "k03":
        from ..spec.expand import k03_expressions

        rows = [[c.item, c.kind, k03_expressions(spec, c)["condition"], c.explanation] for c in spec.k03_checks]
        print(table(rows, ["item", "kind", "condition", "explanation"]))
        print()
        print(table([[c.address, c.type, c.label] for c in spec.k03_cells], ["address", "type", "label"]))
    else:
        rows = [[b.key, b.type, b.label, "; ".join(b.choices)] for b in spec.basic]
        print(table(rows, ["key", "type", "label", "choices"]))
    return 0
