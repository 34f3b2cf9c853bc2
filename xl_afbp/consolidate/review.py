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
    codes = facts.codes
    values = indicators[codes].to_numpy(dtype=float)
    levels = _levels(lib)
    stats, level = _group_of_each(values, levels)
    why = _far(values, stats[..., 0], stats[..., 1], stats[..., 2])
    hits = [(int(i), int(j)) for j, i in zip(*np.nonzero(why.T != ""))]  # indicator by indicator, library by library
    records = _records(facts, lib, sorted({i for i, _ in hits}))
    for i, j in hits:
        median, q1, q3, n = (float(x) for x in stats[i, j])
        groups, keys = levels[level[i, j]]
        rows.append(_row(facts, records[i], codes[j], float(values[i, j]), _label(level[i, j], keys[groups[i]]), (median, q1, q3, int(n)), why[i, j]))
    df = pd.DataFrame(rows, columns=REVIEW_COLUMNS)
    return df.sort_values(["id", "wskaznik"], kind="stable").reset_index(drop=True)


def _records(facts: _Facts, lib: pd.DataFrame, rows: list[int]) -> dict[int, dict[str, Any]]:
    """The libraries ``rows`` as dicts of what a row of the list shows (name, group, inputs)."""
    wanted = {"id", "nazwa", "podtyp", "przedzial"} | {f"P{nr:02d}" for nrs in facts.indicator_items.values() for nr in nrs}
    return dict(zip(rows, lib.iloc[rows][[c for c in lib.columns if c in wanted]].to_dict("records")))


def _levels(lib: pd.DataFrame) -> dict[str, tuple[np.ndarray, list[tuple[str, str]]]]:
    """Each library's group at each level, most specific first: (group number of each
    library, the groups' keys)."""
    p, b = list(lib["podtyp"]), list(lib["przedzial"])
    out = {}
    for level, keys in ((LEVEL_GROUP, list(zip(p, b))), (LEVEL_SUBTYPE, [(x, "") for x in p]), (LEVEL_REGION, [(ALL_SUBTYPES, "")] * len(p))):
        number: dict[tuple[str, str], int] = {}
        out[level] = (np.array([number.setdefault(k, len(number)) for k in keys], dtype=np.intp), list(number))
    return out


def _group_of_each(values: np.ndarray, levels: dict[str, tuple[np.ndarray, list[tuple[str, str]]]]) -> tuple[np.ndarray, np.ndarray]:
    """Per value (libraries × indicators): (median, Q1, Q3, n) of the indicator in the first
    level whose group has enough values of it, and that level's name (NaN and "" for a
    missing value or one no group judges)."""
    rows, cols = values.shape
    stats = np.full((rows, cols, 4), math.nan)
    level = np.full((rows, cols), "", dtype=object)
    todo = ~np.isnan(values)
    for name, (groups, keys) in levels.items():
        cell = groups[:, None] * cols + np.arange(cols)  # one group per indicator
        quart = _quartiles(values.ravel(), cell.ravel(), len(keys) * cols)[cell]
        take = todo & ~np.isnan(quart[..., 3])
        stats[take], level[take] = quart[take], name
        todo &= ~take
    return stats, level


def _quartiles(values: np.ndarray, groups: np.ndarray, count: int) -> np.ndarray:
    """(median, Q1, Q3, n) of each of ``count`` groups (``groups``: each value's group
    number) over its non-NaN values; NaN for a group of fewer than MIN_REVIEW_GROUP.
    Groups of one size are sorted into one matrix: one ``np.quantile`` per size."""
    ok = ~np.isnan(values)
    v, g = values[ok], groups[ok]
    rank = np.empty(len(v), dtype=np.int64)
    rank[np.argsort(v)] = np.arange(len(v))
    v = v[np.argsort(g.astype(np.int64) * len(v) + rank)]  # by group, then by value
    n = np.bincount(g, minlength=count)
    start = np.cumsum(n) - n
    out = np.full((count, 4), math.nan)
    for size in np.unique(n[n >= MIN_REVIEW_GROUP]):
        which = np.flatnonzero(n == size)
        q1, med, q3 = np.quantile(v[start[which, None] + np.arange(size)], [0.25, 0.5, 0.75], axis=1)
        out[which] = np.column_stack([med, q1, q3, np.full(len(which), float(size))])
    return out


def _far(v: np.ndarray, median: np.ndarray, q1: np.ndarray, q3: np.ndarray) -> np.ndarray:
    """Why each value is far from its group ("" when it is not, or has no group)."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        iqr = q3 - q1
        ratio = v / median
        above = (median > 0) & (v > q3 + FENCE * iqr) & (ratio >= MIN_RATIO)
        below = (median > 0) & ~above & (v < q1 - FENCE * iqr) & (ratio <= 1 / MIN_RATIO)
    why = np.full(v.shape, "", dtype=object)
    why[above] = f"powyżej Q3 + {FENCE:g}×IQR i {MIN_RATIO:g}× mediany"
    why[below] = f"poniżej Q1 − {FENCE:g}×IQR i 1/{MIN_RATIO:g} mediany"
    return why


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
