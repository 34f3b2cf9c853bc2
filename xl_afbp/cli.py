"""The ``xl-afbp`` command line. Thin: parse arguments, call the library, print, exit.

Exit codes: 0 success; 1 the job ran but found rejected input (``consolidate``, ``check``);
2 usage errors and unreadable input. Library exceptions become one line on stderr, never a
traceback (``--debug`` shows it).
"""

from __future__ import annotations

import argparse
import sys

from . import __version__, commands  # noqa: F401 - importing the package registers every sub-command
from .commands.base import _COMMANDS, UsageError
from .safetext import terminal


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xl-afbp", description="AFBP forms, checks and regional summaries in Excel.")
    parser.add_argument("--version", action="version", version=f"xl-afbp {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="cmd", required=True, metavar="COMMAND")
    for _, add in _COMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(terminal(f"xl-afbp: {exc}"), file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the CLI edge turns errors into one line
        if args.debug:
            raise
        from .spec import SpecError

        print(terminal(f"xl-afbp: {type(exc).__name__}: {exc}"), file=sys.stderr)  # a file name can hold an ESC sequence
        return 2 if isinstance(exc, (SpecError, FileNotFoundError)) else 1


if __name__ == "__main__":  # pragma: no cover - run as `python -m xl_afbp.cli`
    from xl_afbp.cli import main as _main  # the registered commands live in the imported module

    sys.exit(_main())
