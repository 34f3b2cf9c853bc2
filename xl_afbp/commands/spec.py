"""``xl-afbp spec lint|show``: check a spec edition, or print it as tables."""

from __future__ import annotations

import argparse
import sys

from .base import _spec_arg, command, spec_source, table

@command("spec")
def _add_spec(sub) -> None:
    p = sub.add_parser("spec", help="lint or show the declarative form spec")
    ssub = p.add_subparsers(dest="spec_cmd", required=True)
    lint = ssub.add_parser("lint", help="check a spec edition; list every problem with its location")
    _spec_arg(lint)
    lint.set_defaults(func=cmd_spec_lint)
    show = ssub.add_parser("show", help="print the spec as tables")
    _spec_arg(show)
    what = show.add_mutually_exclusive_group(required=True)
    for flag in ("items", "indicators", "rules", "k03", "basic"):
        what.add_argument(f"--{flag}", action="store_const", dest="what", const=flag)
    show.set_defaults(func=cmd_spec_show)


def cmd_spec_lint(args: argparse.Namespace) -> int:
    from ..spec import lint_path

    spec, issues = lint_path(spec_source(args))
    for issue in issues:
        print(issue)
    if issues:
        print(f"{len(issues)} problem(s)", file=sys.stderr)
        return 1
    assert spec is not None
    print(
        f"{spec.label}: OK — {len(spec.items)} items, {len(spec.services)} services, {len(spec.rules)} rules, "
        f"{len(spec.indicators)} indicators, {len(spec.k03_cells)} K-03 cells, {len(spec.k03_checks)} K-03 checks; "
        f"sha256 {spec.digest[:12]}"
    )
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
