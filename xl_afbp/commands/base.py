"""What every sub-command shares: the registry, the usage error, argument helpers, tables."""

from __future__ import annotations

import argparse
import sys
from typing import Callable

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
