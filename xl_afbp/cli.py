"""The ``xl-afbp`` command line. Thin: parse arguments, call the library, print, exit.

Exit codes: 0 success; 1 the job ran but found rejected input (``consolidate``, ``check``);
2 usage errors and unreadable input. Library exceptions become one line on stderr, never a
traceback (``--debug`` shows it).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable

from . import __version__

Handler = Callable[[argparse.Namespace], int]
_COMMANDS: list[tuple[str, Callable[[argparse._SubParsersAction], None]]] = []


class UsageError(Exception):
    """Bad arguments or unreadable input: exit status 2."""


def command(name: str):
    """Register a function that adds one sub-command to the parser."""

    def register(fn):
        _COMMANDS.append((name, fn))
        return fn

    return register


def table(rows: list[list[object]], header: list[str]) -> str:
    """A plain fixed-width text table."""
    cells = [[("" if v is None else str(v)) for v in r] for r in [header, *rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _spec_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--spec", default=None, help="spec edition: a shipped year (2016) or a path to a YAML file/folder")
    p.add_argument("--year", type=int, default=None, help="form edition year (default 2016)")


def spec_source(args: argparse.Namespace) -> str | int:
    return args.spec or args.year or 2016


# ---------------------------------------------------------------------------- spec
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
    from .spec import lint_path

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
    from .spec import load_spec

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
        from .spec.expand import k03_expressions

        rows = [[c.item, c.kind, k03_expressions(spec, c)["condition"], c.explanation] for c in spec.k03_checks]
        print(table(rows, ["item", "kind", "condition", "explanation"]))
        print()
        print(table([[c.address, c.type, c.label] for c in spec.k03_cells], ["address", "type", "label"]))
    else:
        rows = [[b.key, b.type, b.label, "; ".join(b.choices)] for b in spec.basic]
        print(table(rows, ["key", "type", "label", "choices"]))
    return 0


# ---------------------------------------------------------------------------- evaluate
@command("evaluate")
def _add_evaluate(sub) -> None:
    p = sub.add_parser("evaluate", help="compute indicators, rules and K-03 checks of one form (JSON or CSV)")
    p.add_argument("file", type=Path, help="JSON or CSV with P01…P34, P21_01…P21_12, optional B_*, PREV*, K-03 values")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--xlsx", type=Path, default=None, help="also write a plain workbook with the native formulas")
    _spec_arg(p)
    p.set_defaults(func=cmd_evaluate)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .engine import get_engine
    from .inputfile import InputError, read_form_file

    engine = get_engine(spec_source(args))
    try:
        data = read_form_file(args.file, engine.spec)
    except InputError as exc:
        raise UsageError(str(exc)) from exc
    result = engine.evaluate(data)
    if args.xlsx:
        from .workbook.plain import write_plain_workbook

        write_plain_workbook(engine, data, args.xlsx)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return 0
    spec = engine.spec
    print(f"{spec.label} — {args.file}")
    print()
    rows = [[i.code, i.name, _fmt(result.indicators[i.code]), i.unit] for i in spec.indicators]
    print(table(rows, ["kod", "wskaźnik", "wartość", "jednostka"]))
    print()
    print(table([[r.id, r.status, r.message if r.status not in ("OK",) else ""] for r in result.rules], ["reguła", "status", "komunikat"]))
    print()
    rows = [[k.item, k.status, _fmt(k.afbp), f"{_fmt(k.k03)} – {_fmt(k.k03_upper)}" if k.ranged else _fmt(k.k03), k.message if k.status != "OK" else ""] for k in result.k03]
    print(table(rows, ["poz.", "K-03", "AFBP", "wg K-03", "uwagi"]))
    print()
    print(f"Status: {result.status} (błędy: {result.errors}, ostrzeżenia: {result.warnings})")
    if result.missing:
        print(f"Puste pola wymagane ({len(result.missing)}): {', '.join(result.missing)}")
    print(result.k03_state)
    return 0


def _fmt(v: object) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:,.2f}".replace(",", " ").replace(".", ",")
    return str(v)


# ---------------------------------------------------------------------------- main
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xl-afbp", description="AFBP forms, checks and regional summaries in Excel.")
    parser.add_argument("--version", action="version", version=f"xl-afbp {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="cmd", required=True, metavar="COMMAND")
    _load_plugins()
    for _, add in _COMMANDS:
        add(sub)
    return parser


def _load_plugins() -> None:
    """Import the modules that register further commands (generate, consolidate, …)."""
    import importlib

    for mod in ("xl_afbp.commands",):
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name != mod:
                raise


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"xl-afbp: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the CLI edge turns errors into one line
        if args.debug:
            raise
        from .spec import SpecError

        print(f"xl-afbp: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, (SpecError, FileNotFoundError)) else 1


if __name__ == "__main__":  # pragma: no cover - run as `python -m xl_afbp.cli`
    from xl_afbp.cli import main as _main  # the registered commands live in the imported module

    sys.exit(_main())
