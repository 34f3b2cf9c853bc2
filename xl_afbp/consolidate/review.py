""""Do sprawdzenia": values far from their group, for the coordinator to confirm with the library.

A ten-times typo (2 947 610 zł of spending in a gmina of 7 700 people) passes every check
of the form: nothing in one form says it is wrong. Against the library's group it stands
out. The rule is robust – the group's median and quartiles, which one wild value cannot
move much – and deliberately conservative, so the list stays short enough to phone through:

* the group is the library's subtype × population band when it has at least
  :data:`MIN_REVIEW_GROUP` accepted values of the indicator, else its subtype, else the
  region (the first with enough values);
* a value is far when it lies beyond Tukey's far-out fences, below Q1 − 3·IQR or above
  Q3 + 3·IQR, **and** is at least :data:`MIN_RATIO` times the group's median or at most
  1/:data:`MIN_RATIO` of it (so a group whose values are nearly equal does not flag a small
  difference, and a group whose median is 0 – investments – flags nothing).

The values stay in the statistics: being unusual is not being wrong. The list gives the
value, the group's median and quartiles, the ratio and the inputs the indicator reads.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .facts import _Facts
from .records import ALL_SUBTYPES, LEVEL_GROUP, LEVEL_REGION, LEVEL_SUBTYPE, REVIEW_COLUMNS, _clean, _fmt_value

#: the fewest accepted values a group needs to judge a value against it
MIN_REVIEW_GROUP = 5
#: Tukey's "far out" fence, in interquartile ranges beyond the quartiles
FENCE = 3.0
#: how many times the median (or its fraction) a far value must also be
MIN_RATIO = 2.0


def review_list(facts: _Facts, lib: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """The review list of the accepted indicator values ``indicators`` (rows of ``lib``)."""
    rows: list[dict[str, Any]] = []
    if not len(lib):
        return pd.DataFrame(rows, columns=REVIEW_COLUMNS)
    records = lib.to_dict("records")
    levels = _levels(lib)
    for code in facts.codes:
        values = indicators[code].to_numpy(dtype=float)
        quart = {name: _quartiles(values, keys) for name, keys in levels.items()}
        for i, v in enumerate(values):
            if math.isnan(v):
                continue
            for name, keys in levels.items():
                stats = quart[name].get(keys[i])
                if stats is None:
                    continue
                hit = _far(v, *stats)
                if hit:
                    rows.append(_row(facts, records[i], code, v, _label(name, keys[i]), stats, hit))
                break
    df = pd.DataFrame(rows, columns=REVIEW_COLUMNS)
    return df.sort_values(["id", "wskaznik"], kind="stable").reset_index(drop=True)


def _levels(lib: pd.DataFrame) -> dict[str, list[tuple[str, str]]]:
    """Each library's group key at each level, most specific first."""
    p, b = list(lib["podtyp"]), list(lib["przedzial"])
    return {
        LEVEL_GROUP: list(zip(p, b)),
        LEVEL_SUBTYPE: [(x, "") for x in p],
        LEVEL_REGION: [(ALL_SUBTYPES, "")] * len(p),
    }


def _quartiles(values: np.ndarray, keys: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[float, float, float, int]]:
    """(median, Q1, Q3, n) of each group with at least MIN_REVIEW_GROUP values."""
    groups: dict[tuple[str, str], list[float]] = {}
    for v, k in zip(values, keys):
        if not math.isnan(v):
            groups.setdefault(k, []).append(v)
    out = {}
    for k, vs in groups.items():
        if len(vs) >= MIN_REVIEW_GROUP:
            q1, med, q3 = np.quantile(vs, [0.25, 0.5, 0.75])
            out[k] = (float(med), float(q1), float(q3), len(vs))
    return out


def _far(v: float, median: float, q1: float, q3: float, n: int) -> str:
    """Why ``v`` is far from its group ("" when it is not)."""
    if median <= 0:
        return ""
    iqr = q3 - q1
    ratio = v / median
    if v > q3 + FENCE * iqr and ratio >= MIN_RATIO:
        return f"powyżej Q3 + {FENCE:g}×IQR i {MIN_RATIO:g}× mediany"
    if v < q1 - FENCE * iqr and ratio <= 1 / MIN_RATIO:
        return f"poniżej Q1 − {FENCE:g}×IQR i 1/{MIN_RATIO:g} mediany"
    return ""


def _label(level: str, key: tuple[str, str]) -> str:
    if level == LEVEL_GROUP:
        return f"{key[0]} × {key[1]}"
    if level == LEVEL_SUBTYPE:
        return f"{key[0]} (wszystkie przedziały)"
    return "region"


def _row(facts: _Facts, r: dict[str, Any], code: str, v: float, group: str, stats: tuple[float, float, float, int], why: str) -> dict[str, Any]:
    median, q1, q3, n = stats
    ind = facts.indicators[code]
    inputs = "; ".join(f"P{nr} = {_fmt_value(_clean(r.get(f'P{nr:02d}')))}" for nr in facts.indicator_items[code])
    return {
        "id": r["id"], "nazwa": r["nazwa"], "podtyp": r["podtyp"], "przedzial": r["przedzial"],
        "wskaznik": code, "wskaznik_nazwa": ind.name, "jednostka": ind.unit, "wartosc": v,
        "grupa": group, "n_grupy": n, "mediana": median, "q1": q1, "q3": q3, "iloraz": v / median,
        "powod": why, "wartosci": inputs,
    }
