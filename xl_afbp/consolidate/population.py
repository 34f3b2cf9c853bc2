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


def distinct_population(units: Sequence[Unit], values: Sequence[float], rows: Iterable[int]) -> float:
    """The population of the distinct units of the libraries ``rows`` (see the module doc);
    NaN when none of them has a population."""
    own: dict[str, float] = {}
    parent_of: dict[str, str] = {}
    for i in rows:
        v = values[i]
        if v is None or not math.isfinite(v):
            continue
        u = units[i]
        own[u.key] = max(own.get(u.key, -math.inf), v)
        if u.parent:
            parent_of[u.key] = u.parent
    if not own:
        return math.nan
    parts: dict[str, float] = defaultdict(float)
    for key, parent in parent_of.items():
        parts[parent] += own.pop(key)
    total = 0.0
    for parent, s in parts.items():
        total += max(own.pop(parent, 0.0), s)
    return total + math.fsum(own.values())


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
    out = []
    for key, rows in sorted(groups.items()):
        if len(rows) < 2:
            continue
        reported, counted = math.fsum(values[i] for i in rows), distinct_population(units, values, rows)
        if counted < reported:  # dzielnice alone do not overlap
            out.append(Overlap(key, tuple(ids[i] for i in rows), counted, reported))
    return out
