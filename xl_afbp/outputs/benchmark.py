"""Group medians per indicator: written by the consolidator, read by the generator.

File ``benchmark-<year>.csv`` (UTF-8, comma-separated, decimal points: a file for programs) with the columns
``podtyp, przedzial, wskaznik, n, mediana``. A row with an empty ``przedzial`` is the
median of the whole subtype; the generator uses the subtype × population-band group when
it exists and falls back to the subtype, so a small group still gets a comparison.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

COLUMNS = ["podtyp", "przedzial", "wskaznik", "n", "mediana"]


@dataclass
class Benchmark:
    medians: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)

    def for_group(self, podtyp: str, przedzial: str) -> tuple[str, dict[str, float]]:
        """(group label, medians by indicator code); empty when nothing matches."""
        if (podtyp, przedzial) in self.medians:
            return f"{podtyp} × {przedzial}", self.medians[(podtyp, przedzial)]
        if (podtyp, "") in self.medians:
            return f"{podtyp} (wszystkie przedziały)", self.medians[(podtyp, "")]
        return "", {}


def read_benchmark(path: Path | str) -> Benchmark:
    bench = Benchmark()
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = set(COLUMNS) - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: not a benchmark file (missing columns {', '.join(sorted(missing))})")
        for row in reader:
            if not row["mediana"]:
                continue
            key = (row["podtyp"].strip(), row["przedzial"].strip())
            bench.medians.setdefault(key, {})[row["wskaznik"].strip().upper()] = float(row["mediana"])
    return bench


def write_benchmark(rows: list[dict], path: Path | str) -> Path:
    """A file for the generator, not for people: the machine dialect of the one CSV writer
    (its text is as safe as every other CSV's), medians to 10 decimals."""
    from .csvfiles import MACHINE, write_csv

    return write_csv(path, COLUMNS, rows, dialect=MACHINE, decimals={"n": 0})
