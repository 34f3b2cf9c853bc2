"""What every sub-command shares: the registry, the usage error, argument helpers, tables."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Callable

from ..safetext import terminal

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
    """A plain fixed-width text table, safe for a terminal: text from a file (a name with
    an ESC sequence or a bare CR) is shown escaped (``⟨U+001B⟩``), never sent raw."""
    cells = [[("" if v is None else terminal(str(v).replace("\n", " "))) for v in r] for r in [header, *rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _spec_arg(p: argparse.ArgumentParser) -> None:
    """``--year`` (the survey year) and ``--edition`` (which form edition), shared by the
    commands that read the spec; ``--spec`` is the old name of ``--edition``."""
    p.add_argument("--year", type=int, default=None, help="survey (data) year; picks the newest edition that serves it")
    p.add_argument("--edition", default=None, metavar="NAME|PATH", help="form edition: a shipped one (afbp-2016) or an edition folder/file (default: the one serving --year)")
    p.add_argument("--spec", dest="edition", default=None, help=argparse.SUPPRESS)


def choose_edition(args: argparse.Namespace, year: int | None = None, *, say: bool = True):
    """The :class:`~xl_afbp.spec.editions.EditionChoice` of ``--edition`` / ``--year``
    (or ``year``); unless ``say`` is false it tells the user on stderr which edition it took."""
    from ..spec.editions import EditionError, choose_edition as choose

    try:
        choice = choose(getattr(args, "edition", None), year if year is not None else getattr(args, "year", None))
    except EditionError as exc:
        raise UsageError(str(exc)) from exc
    if say:
        note(choice.note)
    return choice


def note(text: str) -> None:
    """A line about a choice the command made for the user (stderr: stdout stays data)."""
    print(f"note: {text}", file=sys.stderr)


def spec_source(args: argparse.Namespace) -> str | int:
    """The edition to load for commands that print a spec or compute one form."""
    return choose_edition(args).source


def batch_parser(sub, name: str, *, help: str, description: str, out_help: str, func: Handler) -> argparse.ArgumentParser:
    """The sub-command ``name`` over returned files, with :func:`batch_args`; the caller
    adds its own options to the parser returned."""
    p = sub.add_parser(name, help=help, description=description)
    batch_args(p, out_help=out_help)
    p.set_defaults(func=func)
    return p


def batch_args(p: argparse.ArgumentParser, *, out_help: str) -> None:
    """The arguments every command over returned files shares (consolidate, feedback)."""
    p.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help="returned files or folders holding them")
    p.add_argument("--expected", type=Path, help="CSV of the libraries expected to answer (the list the forms were generated from)")
    p.add_argument("--out", type=Path, default=None, help=out_help)
    p.add_argument("--year", type=int, default=None, help="survey year (default: the year the forms state; forms of several years are refused)")
    p.add_argument("--edition", default=None, metavar="NAME|PATH", help="form edition of the forms (default: the newest edition serving the year)")
    p.add_argument("--region", default=None, help="region name for the titles (default: from --expected or the forms)")
    p.add_argument("--workers", type=int, default=None, help="processes for reading and recomputing (default: 2 for large batches)")
    p.add_argument("--include-flagged", action="store_true", help="statistics also use values the checks mark as errors (default: left out and counted)")
    p.add_argument("--csv", choices=["excel", "machine"], default="excel", help="CSV files for a Polish Excel (default: UTF-8 with BOM, ';', decimal comma) or for programs ('machine': ',', decimal point)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def check_batch_args(args: argparse.Namespace) -> None:
    """Usage errors of :func:`batch_args`: inputs and the expected list must exist."""
    missing = [str(p) for p in args.inputs if not os.path.lexists(p)]  # a broken link is an entry: the reader judges it
    if missing:
        raise UsageError(f"input not found: {', '.join(missing)}")
    if args.expected is not None and not args.expected.is_file():
        raise UsageError(f"--expected: file not found: {args.expected}")
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be at least 1")
