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
LEVEL_BAND = "przedział"
LEVEL_REGION = "region"
ALL_SUBTYPES = "(wszystkie)"
#: the fewest values a published statistic may rest on: a group of one or two libraries
#: would reveal a library's own value (its median, mean, aggregate, benchmark)
MIN_GROUP = 3
SMALL_GROUP_NOTE = f"mniej niż {MIN_GROUP} biblioteki z wartością – statystyk nie podaje się"
NO_SUBTYPE = "(brak podtypu)"
NO_POWIAT = "(brak powiatu)"
BENCHMARK_COLUMNS = ["rok", "poziom", "podtyp", "przedzial", "wskaznik", "n_grupy", "n", "mediana"]
BASIC_COLUMNS = ("nazwa", "organizator", "podtyp", "przedzial", "wojewodztwo", "powiat", "gmina", "miejscowosc", "teryt", "email")
FINDING_COLUMNS = ["id", "nazwa", "plik", "rodzaj", "kontrola", "waga", "komunikat", "wartosci", "afbp", "k03", "k03_gorna"]
IMPORT_COLUMNS = ["plik", "nazwa_pliku", "sha256", "rozmiar", "id", "nazwa", "status", "kod", "powod", "uwagi", "zapisano"]
MISSING_COLUMNS = ["id", "nazwa", "podtyp", "powiat", "gmina", "email", "uwagi"]
STAT_COLUMNS = ["poziom", "podtyp", "przedzial", "wskaznik", "nazwa", "jednostka", "n_grupy", "n", "n_pominiete", "srednia", "mediana", "q1", "q3", "min", "max", "agregat", "agregat_uwagi", "uwagi"]
REGION_COLUMNS = ["rodzaj", "kod", "nazwa", "jednostka", "wartosc", "n", "n_brak", "n_pominiete", "mediana_bibliotek", "uwagi"]
REVIEW_COLUMNS = ["id", "nazwa", "podtyp", "przedzial", "wskaznik", "wskaznik_nazwa", "jednostka", "wartosc", "grupa", "n_grupy", "mediana", "q1", "q3", "iloraz", "powod", "wartosci"]


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
    #: per library (rows of ``libraries``): True where a value is left out of the statistics
    #: (indicator codes and item columns ``P01`` …); all False with ``include_flagged``
    excluded: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    #: "Do sprawdzenia": values far from their group (consolidate.review)
    review: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    #: values the checks mark as errors are in the statistics (``--include-flagged``)
    include_flagged: bool = False
    #: units reported by more than one library, counted once (consolidate.population.Overlap)
    overlaps: list[Any] = field(default_factory=list, repr=False)
    #: how many values were left out of the statistics, and of how many libraries
    flagged_values: int = 0
    flagged_libraries: int = 0

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
        """Rows of ``benchmark-<year>.csv`` (see :func:`benchmark_rows`)."""
        return benchmark_rows(self.group_stats, self.year)


def benchmark_rows(group_stats: pd.DataFrame, year: int) -> list[dict[str, Any]]:
    """The medians next year's forms compare with, of every level next year's form may fall back to (group, subtype, region; not the band):
    only groups of at least :data:`MIN_GROUP` libraries, and of those only the indicators
    with a value in at least :data:`MIN_GROUP` of them – a benchmark never shows (or lets
    anyone compute) the values of one or two libraries."""
    out = []
    for r in group_stats.itertuples(index=False):
        if r.poziom not in (LEVEL_GROUP, LEVEL_SUBTYPE, LEVEL_REGION) or r.n_grupy < MIN_GROUP or r.n < MIN_GROUP or pd.isna(r.mediana):
            continue
        out.append({
            "rok": year, "poziom": r.poziom, "podtyp": r.podtyp if r.poziom != LEVEL_REGION else "",
            "przedzial": r.przedzial if r.poziom == LEVEL_GROUP else "", "wskaznik": r.wskaznik,
            "n_grupy": int(r.n_grupy), "n": int(r.n), "mediana": float(r.mediana),
        })
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
    except (OSError, ValueError):  # ValueError: a name no file system can encode (a lone surrogate)
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
