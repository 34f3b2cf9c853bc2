"""What the consolidation produces: batch statuses, table columns, :class:`Entry` and :class:`Consolidation`."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from ..expr.pyeval import as_number
from ..verdicts import ACCEPTED, ACCEPTED_WITH_WARNINGS, DUPLICATE, NEEDS_ACTION, REJECTED, SKIPPED, SUPERSEDED, UNRESOLVED, USED, VERDICT_PL, VERDICTS  # noqa: F401 - imported from here by the outputs


# the statuses of a file in the batch: the verdicts of the catalogue (xl_afbp.verdicts)
STATUSES = VERDICTS
#: batch status → the Polish word of the import log
STATUS_PL = VERDICT_PL

LEVEL_GROUP = "podtyp × przedział"
LEVEL_SUBTYPE = "podtyp"
LEVEL_REGION = "region"
ALL_SUBTYPES = "(wszystkie)"
NO_SUBTYPE = "(brak podtypu)"
NO_POWIAT = "(brak powiatu)"
BASIC_COLUMNS = ("nazwa", "organizator", "podtyp", "przedzial", "wojewodztwo", "powiat", "gmina", "miejscowosc", "teryt")
FINDING_COLUMNS = ["id", "nazwa", "plik", "rodzaj", "kontrola", "waga", "komunikat", "wartosci", "afbp", "k03", "k03_gorna"]
IMPORT_COLUMNS = ["plik", "nazwa_pliku", "sha256", "rozmiar", "id", "nazwa", "status", "kod", "powod", "uwagi", "zapisano"]
MISSING_COLUMNS = ["id", "nazwa", "podtyp", "powiat", "gmina", "email", "uwagi"]
STAT_COLUMNS = ["poziom", "podtyp", "przedzial", "wskaznik", "nazwa", "jednostka", "n_grupy", "n", "srednia", "mediana", "q1", "q3", "min", "max", "agregat", "agregat_uwagi"]
REGION_COLUMNS = ["rodzaj", "kod", "nazwa", "jednostka", "wartosc", "n", "n_brak", "mediana_bibliotek", "uwagi"]


# =============================================================================== records
@dataclass
class Entry:
    """One input file through the batch."""

    sub: Any  # xl_afbp.reader.Submission
    status: str
    code: str
    reason: str
    warnings: list[str]
    library_id: str | None
    when: datetime  # what "newest" compares: saved_at, else generated_at, else mtime
    evaluation: Any = None  # consolidate.evaluation.FormEvaluation of a used file
    other: str | None = None  # the winning / first file of a superseded / duplicate entry
    notes: list[str] = field(default_factory=list)  # catalogue codes of the batch's warnings (the last ones of ``warnings``)

    @property
    def used(self) -> bool:
        return self.status in USED


@dataclass
class Consolidation:
    """Everything the outputs show, as DataFrames (column keys are plain ASCII)."""

    year: int
    region_name: str
    spec_label: str
    catalogue: str
    libraries: pd.DataFrame
    group_stats: pd.DataFrame
    powiaty: pd.DataFrame
    region: pd.DataFrame
    findings: pd.DataFrame
    import_log: pd.DataFrame
    missing: pd.DataFrame
    entries: list[Entry] = field(default_factory=list, repr=False)
    expected_count: int | None = None
    generated_at: str = ""

    @property
    def region_label(self) -> str:
        """``województwo X`` for a województwo name, else the name as given."""
        name = self.region_name.strip()
        if re.fullmatch(r"[a-ząćęłńóśźż-]+(?:ie|ckie|skie)", name):
            return f"województwo {name}"
        return name

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={v}" for k, v in self.counts.items() if v)
        return f"<Consolidation {self.region_name or '?'} {self.year}: {len(self.entries)} files ({counts}), {len(self.libraries)} libraries, {len(self.missing)} missing>"

    @property
    def counts(self) -> dict[str, int]:
        c = Counter(e.status for e in self.entries)
        return {s: c.get(s, 0) for s in STATUSES}

    @property
    def rejected(self) -> int:
        return self.counts[REJECTED]

    @property
    def needs_action(self) -> int:
        """Files the coordinator must act on: rejected ones and unresolved versions."""
        counts = self.counts
        return sum(counts[v] for v in NEEDS_ACTION)

    def benchmark_rows(self) -> list[dict[str, Any]]:
        """Rows of ``benchmark-<year>.csv``: group and subtype medians (not the region)."""
        out = []
        for r in self.group_stats.itertuples(index=False):
            if r.poziom == LEVEL_REGION or r.n == 0 or pd.isna(r.mediana):
                continue
            out.append({"podtyp": r.podtyp, "przedzial": r.przedzial if r.poziom == LEVEL_GROUP else "", "wskaznik": r.wskaznik, "n": int(r.n), "mediana": float(r.mediana)})
        return out


# =============================================================================== helpers
def _norm_name(text: Any) -> str:
    s = unicodedata.normalize("NFKC", str(text or "")).casefold()
    return re.sub(r"[\s\"'„”«»]+", " ", s).strip()


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _as_utc(v: Any) -> datetime | None:
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        return v.replace(tzinfo=timezone.utc) if v.tzinfo is None else v.astimezone(timezone.utc)
    try:
        return _as_utc(datetime.fromisoformat(str(v).strip().replace("Z", "+00:00")))
    except ValueError:
        return None


def _mtime(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(Path(path).stat().st_mtime, timezone.utc)
    except OSError:
        return None


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _when(sub: Any) -> datetime:
    meta = getattr(sub, "meta", None) or {}
    return _as_utc(getattr(sub, "saved_at", None)) or _as_utc(meta.get("generated_at")) or _mtime(sub.path) or _EPOCH


def _int(v: Any) -> int | None:
    n = as_number(v) if not isinstance(v, str) else as_number(float(v)) if re.fullmatch(r"\s*\d+(\.0*)?\s*", v) else None
    return int(n) if n is not None and float(n).is_integer() else None


def _clean(v: Any) -> Any:
    """An input value for the tables: integral floats of whole items as ints, NaN as None."""
    if isinstance(v, float):
        if not math.isfinite(v):
            return None
        return int(v) if v.is_integer() and abs(v) < 2**53 else v
    return v


def _fmt_value(v: Any) -> str:
    if v is None:
        return "(puste)"
    if isinstance(v, float):
        return f"{v:g}" if abs(v) < 1e15 else repr(v)
    return str(v)
