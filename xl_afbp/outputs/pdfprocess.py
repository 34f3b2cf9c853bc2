"""``raport.pdf`` rendered by WeasyPrint in a fresh interpreter, while the consolidating
process writes the workbook; and :func:`render`, the one WeasyPrint call of the package.

A fresh process and not a fork (:mod:`.fresh` says why): it loads this module alone – not
the package, whose outputs import pandas and matplotlib – so it holds WeasyPrint and the
document only. It reads the ``raport.html`` already written: only the paths are piped.
When it fails, the caller renders the PDF itself, which then reports the real error.

The interpreter is started (:func:`start_renderer`) before the document exists: it imports
WeasyPrint and loads the fonts – 0.3–0.5 s – while the consolidating process works (the
consolidation job starts it before ``consolidate()``, which leaves the second core idle),
then waits for the one line that names the HTML file and the PDF to write
(:meth:`PdfRenderer.render`).

This module imports nothing of the package but :mod:`.fresh` (the standard library only),
so that the child loads little more than WeasyPrint.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from . import fresh


def render(html: str, path: Path | str) -> Path:
    """An A4 PDF of ``html`` (its ``@page`` rules) rendered by WeasyPrint."""
    import logging

    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # no CSS chatter on the console
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    weasyprint.HTML(string=html, base_url=str(Path(path).parent)).write_pdf(str(path))
    return Path(path)


@dataclass
class PdfProcess:
    """A PDF being rendered by another process."""

    proc: subprocess.Popen | None
    target: Path

    def wait(self) -> bool:
        """Whether the PDF was written (False: the caller renders it itself)."""
        if self.proc is None:
            return False
        self.proc.wait()
        return self.proc.returncode == 0 and self.target.is_file()


class PdfRenderer:
    """A fresh interpreter that has loaded WeasyPrint and waits for one document.

    Use it once (:meth:`render`) or close it (:meth:`close`: the child reads the end of its
    input and exits); a context manager closes it."""

    def __init__(self, proc: subprocess.Popen | None):
        self.proc = proc

    def render(self, source: Path, target: Path) -> PdfProcess:
        """Render the HTML file ``source`` to ``target`` in the waiting interpreter."""
        target = Path(target)
        target.unlink(missing_ok=True)
        proc, self.proc = self.proc, None
        if proc is None or proc.stdin is None:
            return PdfProcess(None, target)
        try:  # one line: the two paths, as JSON (a path may hold any character)
            proc.stdin.write(json.dumps([str(source), str(target)]).encode() + b"\n")
            proc.stdin.close()
        except OSError:  # the child is gone: the caller renders the PDF itself
            proc.wait()
            return PdfProcess(None, target)
        return PdfProcess(proc, target)

    def close(self) -> None:
        """Let an unused interpreter go (a no-op after :meth:`render`)."""
        proc, self.proc = self.proc, None
        if proc is not None:
            try:
                if proc.stdin is not None:
                    proc.stdin.close()
            except OSError:
                pass
            proc.wait()

    def __enter__(self) -> "PdfRenderer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def start_renderer() -> PdfRenderer:
    """A fresh interpreter loading WeasyPrint, to be given a document later."""
    return PdfRenderer(fresh.start(__name__))


def start_pdf(source: Path, target: Path) -> PdfProcess:
    """Start rendering the HTML file ``source`` to ``target`` in a fresh interpreter."""
    return start_renderer().render(source, target)


#: what the waiting child renders first, to load the fonts before the document comes
_WARM_UP = '<html><body><p style="font-family: DejaVu Sans">Zażółć <b>gęślą</b> jaźń 1 234,5</p></body></html>'


def main(argv: list[str]) -> int:
    """In the child: load WeasyPrint and the fonts, then render the one document named
    on the input line (``["SOURCE.html", "TARGET.pdf"]``); no line: exit."""
    import io

    import weasyprint

    weasyprint.HTML(string=_WARM_UP).write_pdf(io.BytesIO())
    line = sys.stdin.buffer.readline()
    if not line.strip():
        return 0
    source, target = (Path(a) for a in json.loads(line))
    render(source.read_text(encoding="utf-8"), target)
    return 0
