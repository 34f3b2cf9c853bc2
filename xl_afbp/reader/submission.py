"""What reading one file gives: the verdict codes, the limits, the :class:`Submission`."""

from __future__ import annotations
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..formdata import FormData

from ..safetext import safe_path
from ..verdicts import ACCEPTED_WITH_WARNINGS as WARNED, CATALOGUE, READ, REJECTED, USED, codes, message

#: Every code :func:`read_submission` or :func:`read_many` can give, with its verdict: the
#: ``read`` stage of the verdict catalogue (:mod:`xl_afbp.verdicts`). The batch and
#: evaluation codes (duplicates, ids, the engine's checks) are the consolidator's.
CODES: dict[str, str] = {c: v.verdict for c, v in CATALOGUE.items() if v.stage == READ}
#: Warning codes in order of importance: the first one present becomes ``Submission.code``.
WARNING_ORDER = codes(READ, WARNED)

META_SHEET = "_meta"
META_ROWS = 60  # key/value rows of _meta that are read (the generator writes 12)
REL_TOL = 1e-9


@dataclass(frozen=True)
class Limits:
    """Hard limits checked before (or instead of) parsing; see docs/hostile-files.md."""

    max_file_bytes: int = 5_000_000  # a filled form is ~0.1-0.2 MB
    max_uncompressed: int = 60_000_000  # sum of the declared member sizes (form: ~1.3 MB)
    max_ratio: float = 150.0  # uncompressed/compressed, archive and big members (form: ≤ 15)
    max_entries: int = 200  # zip members (form: 17-18)
    max_rows_per_sheet: int = 20_000  # <dimension> and real rows (largest sheet: ~2,500)
    max_cols_per_sheet: int = 1_100  # K-03 has 4 + units columns; item 13 allows 1,000 branches
    seconds: float = 10.0  # per file, enforced by read_many


@dataclass
class Submission:
    path: Path
    name: str  # the file name made safe for every writer (safe_path)
    sha256: str
    size: int
    verdict: str  # "accepted" | "accepted_with_warnings" | "rejected"
    code: str  # a key of CODES
    reason: str  # Polish, for the import log; "" when clean
    warnings: list[str] = field(default_factory=list)
    library_id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    data: FormData | None = None
    cached: dict[str, Any] = field(default_factory=dict)
    saved_at: datetime | None = None
    #: every computed cell's value by the engine (computed once, here; the consolidator
    #: builds the form's evaluation from it), or None with ``values_error`` when the engine
    #: could not evaluate the form's values
    values: dict[str, Any] | None = field(default=None, repr=False)
    values_error: str | None = None
    #: the form's evaluation when a consolidation job made it in the reader's worker (from
    #: ``values``, which are then dropped): only this compact result travels back
    evaluation: Any = field(default=None, repr=False)

    @property
    def accepted(self) -> bool:
        return self.verdict in USED

    @property
    def path_text(self) -> str:
        """The path as text every writer can carry (file names are bytes on Linux)."""
        return safe_path(self.path)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary (without the form data)."""
        return {
            "path": self.path_text,
            "name": self.name,
            "sha256": self.sha256,
            "size": self.size,
            "verdict": self.verdict,
            "code": self.code,
            "reason": self.reason,
            "warnings": list(self.warnings),
            "library_id": self.library_id,
            "saved_at": self.saved_at.isoformat() if self.saved_at else None,
        }


class _Reject(Exception):
    """A rejection: a catalogue code and the values of its message's placeholders."""

    kind: str | None = None  # wrong_format: which format (xls, pdf, …)

    def __init__(self, code: str, **values: Any):
        super().__init__(code)
        self.code, self.reason = code, message(code, **values)

    def fresh(self) -> "_Reject":
        """The same rejection as a new exception (a cached one re-raised would grow its traceback)."""
        out = _Reject.__new__(_Reject)
        Exception.__init__(out, self.code)
        out.code, out.reason, out.kind = self.code, self.reason, self.kind
        return out


class _Timeout(BaseException):
    """Raised by the in-process alarm; a BaseException so no ``except Exception`` eats it."""


def _submission(path: Path, sha: str, size: int, code: str, reason: str, **kw: Any) -> Submission:
    return Submission(path=path, name=safe_path(path.name), sha256=sha, size=size, verdict=CODES[code], code=code, reason=reason, **kw)


def _rejected(path: Path, sha: str, size: int, rej: "_Reject", **kw: Any) -> Submission:
    return _submission(path, sha, size, rej.code, rej.reason, **kw)
