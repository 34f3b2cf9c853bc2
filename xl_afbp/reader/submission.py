"""What reading one file gives: the verdict codes, the limits, the :class:`Submission`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..formdata import FormData


ACCEPTED = "accepted"
WARNED = "accepted_with_warnings"
REJECTED = "rejected"

#: Every code :func:`read_submission` or :func:`read_many` can give, with its verdict.
#: ``duplicate``/``superseded``/``id_conflict`` are NOT given here: they are batch-level
#: verdicts of the consolidator (see docs/hostile-files.md).
CODES: dict[str, str] = {
    "ok": ACCEPTED,
    # data or cosmetics: accepted, with warnings (most important first)
    "layout_changed": WARNED,
    "formulas_replaced": WARNED,
    "cached_mismatch": WARNED,
    "invalid_values": WARNED,
    "input_formulas": WARNED,
    "no_library_id": WARNED,
    # the file cannot or must not be read
    "read_error": REJECTED,
    "empty_file": REJECTED,
    "too_large": REJECTED,
    "not_zip": REJECTED,
    "corrupt_zip": REJECTED,
    "wrong_format": REJECTED,
    "encrypted": REJECTED,
    "too_many_entries": REJECTED,
    "zip_bomb": REJECTED,
    "macro": REJECTED,
    "external_links": REJECTED,
    "embedded_objects": REJECTED,
    "unexpected_parts": REJECTED,
    "xml_entities": REJECTED,
    "too_many_rows": REJECTED,
    "too_many_columns": REJECTED,
    "not_our_form": REJECTED,
    "meta_missing": REJECTED,
    "meta_altered": REJECTED,
    "wrong_edition": REJECTED,
    "layout_broken": REJECTED,
    "empty_form": REJECTED,
    "timeout": REJECTED,
}
#: Warning codes in order of importance: the first one present becomes ``Submission.code``.
WARNING_ORDER = tuple(c for c, v in CODES.items() if v == WARNED)

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
    name: str
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

    @property
    def accepted(self) -> bool:
        return self.verdict != REJECTED

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary (without the form data)."""
        return {
            "path": str(self.path),
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
    def __init__(self, code: str, reason: str):
        super().__init__(code)
        self.code, self.reason = code, reason


class _Timeout(BaseException):
    """Raised by the in-process alarm; a BaseException so no ``except Exception`` eats it."""



def _submission(path: Path, sha: str, size: int, code: str, reason: str, **kw: Any) -> Submission:
    return Submission(path=path, name=path.name, sha256=sha, size=size, verdict=CODES[code], code=code, reason=reason, **kw)



