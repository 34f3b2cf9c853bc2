"""``raport.pdf`` rendered by WeasyPrint in a fresh interpreter, while the consolidating
process writes the workbook; and :func:`render`, the one WeasyPrint call of the package.

Why a fresh process and not a fork: a forked child counts again, in its resident memory,
every page the consolidating process holds (~250 MB with 2,500 libraries), so the job's
processes together passed the 500 MB the coordinator's laptop is promised
(docs/performance.md). The fresh interpreter loads this file alone – not the package,
whose outputs import pandas and matplotlib – so it holds WeasyPrint and the document
only. It reads the ``raport.html`` already written: nothing is piped. When it fails, the
caller renders the PDF itself, which then reports the real error.

This module imports nothing of the package, so that the child can load it by its path.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

#: what the child runs: this file loaded by its path (the package is never imported), the
#: working folder left out of the module path (a file there must not shadow a module)
_CHILD = (
    "import sys, importlib.util as u; sys.path[:] = [p for p in sys.path if p not in ('', '.')]; "
    "s = u.spec_from_file_location('xl_afbp_pdfprocess', sys.argv[1]); m = u.module_from_spec(s); "
    "sys.modules[s.name] = m; s.loader.exec_module(m); sys.exit(m.main(sys.argv[2:]))"
)


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


def start_pdf(source: Path, target: Path) -> PdfProcess:
    """Start rendering the HTML file ``source`` to ``target`` in a fresh interpreter."""
    target = Path(target)
    target.unlink(missing_ok=True)
    try:
        proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(Path(__file__).resolve()), str(source), str(target)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        proc = None
    return PdfProcess(proc, target)


def main(argv: list[str]) -> int:
    """In the child: ``SOURCE.html TARGET.pdf``."""
    source, target = (Path(a) for a in argv)
    render(source.read_text(encoding="utf-8"), target)
    return 0
