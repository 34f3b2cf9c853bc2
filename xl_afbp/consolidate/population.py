"""Each inhabitant counted once: the population of the territorial units a set of libraries serves.

The form defines the population (the spec's ``prefill: population`` item) as the people a
library was founded to serve, and for some libraries that is someone else's area too: a
**województwo library** reports the population of its seat city, which the city's own
library reports as well; a **powiat library** reports its seat gmina (or seat town), which
the gmina's library reports; a city library with functions of a województwo library covers
the city whose **dzielnice** (Warsaw) or **delegatury** have libraries of their own. Adding
up the libraries' populations counts those people twice, and every per-inhabitant aggregate
of a region or powiat comes out too low.

So the population of a set of libraries is the population of the distinct units they serve,
identified by the TERC code of each library (7 digits ``WWPPGGR``):

* a **unit** is a gmina, ``WWPPGG`` (the town and the rural area of an urban-rural gmina,
  ``R`` = 4 and 5, belong to the gmina, ``R`` = 3);
* a dzielnica or delegatura (``R`` = 8, 9) is a unit **inside** its city (``WWPP01``);
* a unit's population is the **largest** figure its libraries report (the areas of a
  województwo or powiat library lie within the seat gmina: the largest covers them all), and
  a city's is the larger of its own figure and the sum of its dzielnice.

A library without a usable TERC code is matched by its powiat and gmina names; without
those it is a unit of its own. The libraries' other items (users, loans, money) are all
summed: they are different libraries' work for the same people.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from .records import _norm_name, _text

#: TERC kinds of a city's part that has a library of its own: dzielnica (Warsaw), delegatura
CITY_PARTS = ("8", "9")
_TERC = re.compile(r"^\d{7}$")


@dataclass(frozen=True)
class Unit:
    """The territorial unit a library serves: its key, and the city it lies in (a dzielnica)."""

    key: str
    parent: str | None = None


def unit_of(teryt: object, powiat: object = "", gmina: object = "", library_id: object = "") -> Unit:
    """The unit of one library (see the module doc)."""
    code = _text(teryt)
    if _TERC.match(code):
        if code[6] in CITY_PARTS:
            return Unit(code[:6], code[:4] + "01")
        return Unit(code[:6])
    p, g = _norm_name(powiat), _norm_name(gmina)
    if g:
        return Unit(f"{p}|{g}")
    return Unit(f"#{_text(library_id)}")


class Population:
    """The population of any set of the libraries ``units`` (population figures ``values``,
    NaN or None where a library has none): the units are numbered once, so each set costs a
    per-unit maximum and an exact sum in numpy; only the city parts (dzielnice,
    delegatury: a handful) are walked one by one."""

    def __init__(self, units: Sequence[Unit], values: Sequence[float | None]):
        keys: dict[str, int] = {}
        self.unit = np.array([keys.setdefault(u.key, len(keys)) for u in units], dtype=np.intp)
        self.parent = np.array([keys.setdefault(u.parent, len(keys)) if u.parent else -1 for u in units], dtype=np.intp)
        self.count = len(keys)
        self.values = np.array([math.nan if v is None else v for v in values], dtype=float)
        self.finite = np.isfinite(self.values)

    def total(self, rows: Iterable[int]) -> float:
        """The population of the distinct units of the libraries ``rows`` (see the module
        doc); NaN when none of them has a population."""
        r = np.asarray(rows if isinstance(rows, np.ndarray) else list(rows), dtype=np.intp)
        r = r[self.finite[r]]
        if not len(r):
            return math.nan
        own = np.full(self.count, -math.inf)  # each unit's largest figure
        np.maximum.at(own, self.unit[r], self.values[r])
        counted = own > -math.inf
        parent_of: dict[int, int] = {}  # a city part → its city, in the order the parts come
        for i in r[self.parent[r] >= 0].tolist():
            parent_of[int(self.unit[i])] = int(self.parent[i])
        parts: dict[int, float] = {}
        for key, parent in parent_of.items():
            parts[parent] = parts.get(parent, 0.0) + float(own[key])
            counted[key] = False
        total = 0.0
        for parent, s in parts.items():  # a city: its own figure or the sum of its parts, the larger
            total += max(float(own[parent]) if counted[parent] else 0.0, s)
            counted[parent] = False
        return float(total + math.fsum(own[counted].tolist()))


@dataclass(frozen=True)
class Overlap:
    """Libraries that serve one unit together (for the method note and the quality report)."""

    unit: str
    libraries: tuple[str, ...]
    counted: float
    reported: float


def overlaps(units: Sequence[Unit], values: Sequence[float], ids: Sequence[str]) -> list[Overlap]:
    """Every unit (a city with its dzielnice included) reported by more than one library."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, u in enumerate(units):
        if values[i] is not None and math.isfinite(values[i]):
            groups[u.parent or u.key].append(i)
    population = Population(units, values)
    out = []
    for key, rows in sorted(groups.items()):
        if len(rows) < 2:
            continue
        reported, counted = math.fsum(values[i] for i in rows), population.total(rows)
        if counted < reported:  # dzielnice alone do not overlap
            out.append(Overlap(key, tuple(ids[i] for i in rows), counted, reported))
    return out
