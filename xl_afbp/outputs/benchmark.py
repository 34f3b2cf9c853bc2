"""Group medians per indicator: written by the consolidator, read by the generator.

File ``benchmark-<year>.csv`` (UTF-8, comma-separated, decimal points: a file for programs) with the columns
``rok, poziom, podtyp, przedzial, wskaznik, n_grupy, n, mediana``: one row per level
(``podtyp × przedział``, ``podtyp`` – przedzial empty –, ``region`` – podtyp and
przedzial empty) and indicator. Only groups of at least :data:`MIN_GROUP` libraries are
written, and of those only the medians of at least as many values
(:func:`~xl_afbp.consolidate.records.benchmark_rows`).

A library of next year's form is compared with its group (subtype × population band); a
group under :data:`MIN_GROUP` libraries is never a benchmark: the form falls back to the
whole subtype, then to all the libraries of the summary, and names the group it used and
its n (:meth:`Benchmark.for_library`). The same medians come from the database
(:func:`benchmark_from_history`, ``generate --benchmark build/afbp.sqlite``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..consolidate.facts import _facts
from ..consolidate.records import BENCHMARK_COLUMNS, LEVEL_GROUP, LEVEL_REGION, LEVEL_SUBTYPE, MIN_GROUP, benchmark_rows
from ..consolidate.statistics import group_statistics
from ..engine import Engine

COLUMNS = BENCHMARK_COLUMNS


@dataclass(frozen=True)
class BenchmarkGroup:
    """The group a form is compared with: its medians by indicator code, its size, and the
    Polish label the form shows (the group, its n, the year of the data, any fallback)."""

    level: str
    podtyp: str
    przedzial: str
    n: int
    medians: dict[str, float]
    label: str


@dataclass
class Benchmark:
    """Medians by (level, podtyp, przedzial) → (libraries in the group, {code: median})."""

    year: int | None = None
    groups: dict[tuple[str, str, str], tuple[int, dict[str, float]]] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: list[dict], year: int | None = None) -> "Benchmark":
        bench = cls(year=year)
        for r in rows:
            n_group, n = int(r.get("n_grupy") or r["n"]), int(r["n"])
            if n_group < MIN_GROUP or n < MIN_GROUP:  # an older file may hold small groups: never used
                continue
            level = r.get("poziom") or (LEVEL_GROUP if r.get("przedzial") else LEVEL_SUBTYPE)
            key = (level, r.get("podtyp", "") if level != LEVEL_REGION else "", r.get("przedzial", "") if level == LEVEL_GROUP else "")
            size, medians = bench.groups.get(key, (n_group, {}))
            medians[str(r["wskaznik"]).strip().upper()] = float(r["mediana"])
            bench.groups[key] = (max(size, n_group), medians)
            if r.get("rok") not in (None, "") and bench.year is None:
                bench.year = int(r["rok"])
        return bench

    @classmethod
    def of_subtype(cls, podtyp: str, medians: dict[str, float], n: int = MIN_GROUP, year: int | None = None) -> "Benchmark":
        """A benchmark of one whole subtype (its forms compare with ``medians``)."""
        return cls(year=year, groups={(LEVEL_SUBTYPE, podtyp, ""): (n, dict(medians))})

    def for_library(self, podtyp: str, przedzial: str) -> BenchmarkGroup | None:
        """The group of a library of ``podtyp`` in population band ``przedzial``, or the
        first larger one with at least :data:`MIN_GROUP` libraries (None: no benchmark)."""
        few = f"mniej niż {MIN_GROUP} biblioteki"
        for level, key, name, why in (
            (LEVEL_GROUP, (LEVEL_GROUP, podtyp, przedzial), f"{podtyp}, {przedzial} mieszkańców", ""),
            (LEVEL_SUBTYPE, (LEVEL_SUBTYPE, podtyp, ""), f"{podtyp}, wszystkie przedziały", f"w przedziale {przedzial}: {few}"),
            (LEVEL_REGION, (LEVEL_REGION, "", ""), "wszystkie biblioteki zestawienia", f"podtyp {podtyp}: {few}"),
        ):
            if key in self.groups:
                n, medians = self.groups[key]
                year = f", dane za {self.year} r." if self.year else ""
                return BenchmarkGroup(level, key[1], key[2], n, dict(medians), f"{name} (n = {n}{year}{'; ' + why if why else ''})")
        return None

    def for_group(self, podtyp: str, przedzial: str) -> tuple[str, dict[str, float]]:
        """(label, medians) of :meth:`for_library`; ("", {}) without a benchmark."""
        g = self.for_library(podtyp, przedzial)
        return (g.label, g.medians) if g else ("", {})


def read_benchmark(path: Path | str) -> Benchmark:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"podtyp", "przedzial", "wskaznik", "n", "mediana"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: not a benchmark file (missing columns {', '.join(sorted(missing))})")
        rows = [{k: (v or "").strip() for k, v in r.items() if k} for r in reader if (r.get("mediana") or "").strip()]
    return Benchmark.from_rows(rows)


def write_benchmark(rows: list[dict], path: Path | str) -> Path:
    """A file for the generator, not for people: the machine dialect of the one CSV writer
    (its text is as safe as every other CSV's), medians to 10 decimals."""
    from .csvfiles import MACHINE, write_csv

    return write_csv(path, COLUMNS, rows, dialect=MACHINE, decimals={"rok": 0, "n_grupy": 0, "n": 0})


def benchmark_from_history(libraries: pd.DataFrame, engine: Engine, year: int) -> Benchmark:
    """The benchmark of survey ``year`` from the libraries of that year in the database
    (:func:`xl_afbp.database.history`): the consolidator's own group statistics."""
    stats = group_statistics(_facts(engine), libraries.reset_index(drop=True))
    return Benchmark.from_rows(benchmark_rows(stats, year), year)
