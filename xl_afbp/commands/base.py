"""What every sub-command shares: the registry, the usage error, argument helpers, tables."""

from __future__ import annotations

import argparse
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
    p.add_argument("--spec", default=None, help="spec edition: a shipped year (2016) or a path to a YAML file/folder")
    p.add_argument("--year", type=int, default=None, help="form edition year (default 2016)")


def spec_source(args: argparse.Namespace) -> str | int:
    return args.spec or args.year or 2016
