"""``raport.pdf`` rendered by WeasyPrint in a fresh interpreter, while the consolidating
process writes the workbook.

Why a fresh process and not a fork: a forked child counts again, in its resident memory,
every page the consolidating process holds (~250 MB with 2,500 libraries), so the job's
processes together passed the 500 MB the coordinator's laptop is promised
(docs/performance.md); a fresh interpreter holds only WeasyPrint and the HTML (~100 MB).
It reads the ``raport.html`` already written, so nothing is piped. When it fails, the
caller renders the PDF itself – which then reports the real error.

Run as ``python -m xl_afbp.outputs.pdfprocess SOURCE.html TARGET.pdf``.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


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
        proc = subprocess.Popen([sys.executable, "-m", __name__, str(source), str(target)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        proc = None
    return PdfProcess(proc, target)


def main(argv: list[str]) -> int:
    from .html import html_to_pdf

    source, target = (Path(a) for a in argv)
    html_to_pdf(source.read_text(encoding="utf-8"), target)
    return 0


if __name__ == "__main__":  # pragma: no cover - runs in the fresh process
    sys.exit(main(sys.argv[1:]))
