"""Group statistics and aggregate indicators (ratio of sums) of libraries, powiaty and the region.

What enters: only the values the tool accepts (:class:`Accepted`): a value that breaks its
item's validation or an error-level rule reading it is left out of every statistic of the
indicators that use it, and of the item's sums; ``n`` counts the values used and
``n_pominiete`` those left out (``include_flagged`` puts them back in). The population of a
set of libraries counts each inhabitant once (:mod:`.population`). A statistic that would
rest on fewer than :data:`~.records.MIN_GROUP` values is not given (NaN, with a note).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ..expr.pyeval import as_number
from ..formdata import FormData
from .facts import _Facts
from .population import Population, Unit, unit_of
from .records import ALL_SUBTYPES, LEVEL_BAND, LEVEL_GROUP, LEVEL_REGION, LEVEL_SUBTYPE, MIN_GROUP, NO_POWIAT, REGION_COLUMNS, SMALL_GROUP_NOTE, STAT_COLUMNS, _text

#: the levels of the group statistics: (level, subtype column, band column); a level without
#: a column groups all subtypes / all bands
LEVELS = ((LEVEL_GROUP, True, True), (LEVEL_SUBTYPE, True, False), (LEVEL_BAND, False, True), (LEVEL_REGION, False, False))
_STATS = ("srednia", "mediana", "q1", "q3", "min", "max")


#: the column of a database year that holds each library's stored findings
#: (``(kind, check, severity)`` tuples, :func:`xl_afbp.database.history`)
FINDINGS = "_findings"


def numeric_items(facts: _Facts, libraries: pd.DataFrame) -> pd.DataFrame:
    """The item columns as floats (NaN for '#', text and empty)."""
    cols = {f"P{it.nr:02d}": it.nr for it in facts.numeric}
    return pd.DataFrame({c: [as_number(v) for v in libraries[c]] for c in cols}, index=libraries.index, dtype=float)


@dataclass
class Accepted:
    """The values that enter the statistics: indicators and items as floats, NaN where a
    library has no value or its value is left out; the mask of what was left out."""

    indicators: pd.DataFrame  # libraries × codes
    items: pd.DataFrame  # libraries × numeric item columns
    left_out: pd.DataFrame  # libraries × (codes + item columns), bool: a value that was left out
    units: list[Unit]
    population: Population  # of the accepted population figures (``items``)


def accepted_values(facts: _Facts, lib: pd.DataFrame, nums: pd.DataFrame, excluded: pd.DataFrame) -> Accepted:
    """Indicators and items without the excluded values (``excluded``: bool per library and
    code / item column, all False to include everything)."""
    ex = excluded.reset_index(drop=True)
    ind, ind_out = _without(lib[facts.codes].astype(float).reset_index(drop=True), ex)
    items, items_out = _without(nums.reset_index(drop=True), ex)
    left_out = pd.DataFrame(np.hstack([ind_out, items_out]), index=ind.index, columns=[*facts.codes, *items.columns])
    where = [lib[c].tolist() if c in lib.columns else [None] * len(lib) for c in ("teryt", "powiat", "gmina", "id")]
    units = [unit_of(*r) for r in zip(*where)]
    pop = f"P{facts.population_nr:02d}" if facts.population_nr is not None else None
    return Accepted(ind, items, left_out, units, Population(units, items[pop].tolist() if pop in items.columns else [None] * len(units)))


def _without(frame: pd.DataFrame, ex: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """``frame`` (floats) with NaN where ``ex`` excludes a value it has, and the mask of the
    values so left out (a column ``ex`` lacks keeps its values)."""
    values = frame.to_numpy(dtype=float, copy=True)
    hit = np.zeros(values.shape, dtype=bool)
    cols = [j for j, c in enumerate(frame.columns) if c in ex.columns]
    hit[:, cols] = ex[frame.columns[cols]].to_numpy(dtype=bool) & ~np.isnan(values[:, cols])
    values[hit] = math.nan
    return pd.DataFrame(values, index=frame.index, columns=frame.columns), hit


class _Aggregator:
    """Aggregate indicators of a set of libraries: for each indicator the items of the
    libraries with an accepted value of it are summed – the population as the distinct
    units they serve – and the engine computes the indicator from that form of sums (the
    same compiled formula as in the workbook and per library). Returns (value, n)."""

    def __init__(self, facts: _Facts, acc: Accepted):
        self.facts = facts
        self.values = np.nan_to_num(acc.items.to_numpy(dtype=float), nan=0.0, posinf=np.inf, neginf=-np.inf)  # NaN as 0: the sums np.nansum made
        self.cols = {it.nr: i for i, it in enumerate(facts.numeric)}
        self.have = ~np.isnan(acc.indicators.to_numpy(dtype=float)) if len(acc.indicators) else None  # libraries × codes
        self.population = acc.population
        self.cache: dict[bytes, FormData] = {}

    def __call__(self, rows) -> dict[str, tuple[float | None, int]]:
        rows = np.asarray(rows, dtype=np.intp)
        if self.have is None or not len(rows):
            return {code: (None, 0) for code in self.facts.codes}
        have = self.have[rows]
        counts = have.sum(axis=0)
        out: dict[str, tuple[float | None, int]] = {}
        for j, code in enumerate(self.facts.codes):
            n = int(counts[j])
            if self.facts.aggregate_note[code] or not n:
                out[code] = (None, n)
                continue
            mask = rows if n == len(rows) else rows[have[:, j]]
            key = mask.tobytes()
            if key not in self.cache:
                self.cache[key] = self._sums(mask)
            try:
                out[code] = (self.facts.engine.indicator(code, self.cache[key]), n)
            except (ArithmeticError, ValueError):  # sums beyond float range
                out[code] = (None, n)
        return out

    def _sums(self, mask: np.ndarray) -> FormData:
        sums = self.values[mask].sum(axis=0)
        items = {it.nr: float(sums[self.cols[it.nr]]) for it in self.facts.additive}
        pop = self.facts.population_nr
        if pop in items:
            items[pop] = self.population.total(mask)
        return FormData(items=items)


def _group_stats(facts: _Facts, lib: pd.DataFrame, acc: Accepted, agg: _Aggregator) -> pd.DataFrame:
    """One row per level, group (in the spec's order of subtypes and bands) and indicator:
    each statistic is one groupby per level, read out as a groups × indicators array."""
    if not len(lib):
        return _typed_stats(pd.DataFrame([], columns=STAT_COLUMNS))
    base = pd.DataFrame({"podtyp": lib["podtyp"].to_numpy(), "przedzial": lib["przedzial"].to_numpy()})
    parts = [_level_stats(facts, level, base, acc, agg, by_subtype, by_band) for level, by_subtype, by_band in LEVELS]
    columns = {c: np.concatenate([p[c] for p in parts]) if isinstance(parts[0][c], np.ndarray) else [x for p in parts for x in p[c]] for c in STAT_COLUMNS}
    return _typed_stats(pd.DataFrame(columns, columns=STAT_COLUMNS))


def _level_stats(facts: _Facts, level: str, base: pd.DataFrame, acc: Accepted, agg: _Aggregator, by_subtype: bool, by_band: bool) -> dict[str, Any]:
    """The columns of one level's rows (groups × indicators, indicators varying fastest)."""
    codes = facts.codes
    keys = pd.DataFrame({"_p": base["podtyp"] if by_subtype else ALL_SUBTYPES, "_b": base["przedzial"] if by_band else ""}, index=base.index)
    g = pd.concat([keys, acc.indicators], axis=1).groupby(["_p", "_b"], sort=False)[codes]
    dropped = pd.concat([keys, acc.left_out[codes]], axis=1).groupby(["_p", "_b"], sort=False)[codes].sum()
    order = sorted(g.indices, key=lambda k: (facts.order_podtyp(k[0]), facts.order_band(k[1])))

    def table(frame: pd.DataFrame, dtype: Any) -> np.ndarray:  # groups (in ``order``) × codes
        where = {k: i for i, k in enumerate(frame.index)}
        return frame.to_numpy(dtype=dtype)[[where[k] for k in order]]

    n = table(g.count(), np.int64)
    small = (n > 0) & (n < MIN_GROUP)
    stats = {"srednia": g.mean(), "mediana": g.median(), "q1": g.quantile(0.25), "q3": g.quantile(0.75), "min": g.min(), "max": g.max()}
    sizes = [len(g.indices[k]) for k in order]
    aggregates = [agg(g.indices[k]) for k in order]
    value = np.array([[math.nan if a[c][0] is None else a[c][0] for c in codes] for a in aggregates], dtype=float).reshape(len(order), len(codes))
    inds = [facts.indicators[c] for c in codes]
    out: dict[str, Any] = {
        "poziom": [level] * n.size,
        "podtyp": [k[0] for k in order for _ in codes],
        "przedzial": [k[1] for k in order for _ in codes],
        "wskaznik": codes * len(order),
        "nazwa": [i.name for i in inds] * len(order),
        "jednostka": [i.unit for i in inds] * len(order),
        "n_grupy": np.repeat(np.asarray(sizes, dtype=np.int64), len(codes)),
        "n": n.ravel(),
        "n_pominiete": table(dropped, np.int64).ravel(),
        "agregat": np.where(small, math.nan, value).ravel(),
        "agregat_uwagi": [facts.aggregate_note[c] for c in codes] * len(order),
        "uwagi": [SMALL_GROUP_NOTE if s else "" for s in small.ravel()],
    }
    for name, frame in stats.items():
        out[name] = np.where(small, math.nan, table(frame, float)).ravel()
    return out


def _typed_stats(df: pd.DataFrame) -> pd.DataFrame:
    for c in ("srednia", "mediana", "q1", "q3", "min", "max", "agregat"):
        df[c] = df[c].astype(float)
    for c in ("n", "n_grupy", "n_pominiete"):
        df[c] = df[c].astype(int)
    return df


def _powiaty(facts: _Facts, lib: pd.DataFrame, acc: Accepted, agg: _Aggregator, exp: Mapping[str, Mapping[str, Any]] | None) -> pd.DataFrame:
    """Per powiat: libraries, sums of the additive items (the population counted once) and
    aggregate indicators; none of them from fewer than MIN_GROUP libraries."""
    expected = Counter(_text(r.get("powiat")) or NO_POWIAT for r in exp.values()) if exp is not None else Counter()
    powiaty = sorted(set(lib["powiat"]) | set(expected), key=lambda p: (p == NO_POWIAT, p.casefold()))
    add_cols = [f"P{it.nr:02d}" for it in facts.additive]
    codes = [c for c in facts.codes if not facts.aggregate_note[c]]
    rows = []
    pos: dict[str, list[int]] = {p: [] for p in powiaty}
    for i, p in enumerate(lib["powiat"]):
        pos[p].append(i)
    for p, sums in zip(powiaty, _item_sums(facts, acc, [pos[p] for p in powiaty])):
        idx = pos[p]
        row: dict[str, Any] = {"powiat": p, "biblioteki": len(idx), "oczekiwane": expected.get(p) if exp is not None else None}
        row["brakujace"] = max(0, expected.get(p, 0) - len(idx)) if exp is not None else None
        for c, (value, n) in sums.items():
            row[c] = value if n >= MIN_GROUP else math.nan
        a = agg(idx)
        for c in codes:
            value, n = a[c]
            row[c] = value if value is not None and n >= MIN_GROUP else math.nan
        row["uwagi"] = SMALL_GROUP_NOTE if len(idx) < MIN_GROUP else ""
        rows.append(row)
    df = pd.DataFrame(rows, columns=["powiat", "biblioteki", "oczekiwane", "brakujace", *add_cols, *codes, "uwagi"])
    for c in [*add_cols, *codes]:
        df[c] = df[c].astype(float)
    return df


def _item_sums(facts: _Facts, acc: Accepted, groups: Sequence[Sequence[int]] | None = None) -> list[dict[str, tuple[float, int]]]:
    """For each group of rows (one group of all rows when None): the sum and count of the
    accepted values of each additive item; the population as the distinct units served.
    A sum is ``math.fsum`` (exactly rounded: it depends neither on the rows' order nor on
    the zeros that stand in for missing values)."""
    cols = [f"P{it.nr:02d}" for it in facts.additive]
    values = acc.items[cols].to_numpy(dtype=float)
    pop = f"P{facts.population_nr:02d}" if facts.population_nr is not None else None
    out = []
    for rows in [range(len(values))] if groups is None else groups:
        idx = np.asarray(rows, dtype=np.intp)
        block = values[idx]
        have = ~np.isnan(block)
        counts = have.sum(axis=0).tolist()
        sums = {}
        for col, n, column in zip(cols, counts, np.where(have, block, 0.0).T.tolist()):
            sums[col] = (math.nan if not n else acc.population.total(idx) if col == pop else math.fsum(column), n)
        out.append(sums)
    return out


def _region(facts: _Facts, lib: pd.DataFrame, acc: Accepted, stats: pd.DataFrame) -> pd.DataFrame:
    rows = []
    sums = _item_sums(facts, acc)[0]
    for it in facts.additive:
        col = f"P{it.nr:02d}"
        value, n = sums[col]
        dropped = int(acc.left_out[col].sum())
        note = "każdy mieszkaniec policzony raz (zob. metoda)" if it.nr == facts.population_nr else ""
        rows.append({"rodzaj": "suma pozycji", "kod": col, "nazwa": it.label, "jednostka": it.unit, "wartosc": value, "n": n, "n_brak": len(lib) - n - dropped, "n_pominiete": dropped, "mediana_bibliotek": math.nan, "uwagi": note})
    region = stats[stats["poziom"] == LEVEL_REGION].set_index("wskaznik")
    for ind in facts.spec.indicators:
        r = region.loc[ind.code] if ind.code in region.index else None
        n = int(r["n"]) if r is not None else 0
        dropped = int(r["n_pominiete"]) if r is not None else 0
        rows.append({
            "rodzaj": "wskaźnik zagregowany",
            "kod": ind.code,
            "nazwa": ind.name,
            "jednostka": ind.unit,
            "wartosc": r["agregat"] if r is not None else math.nan,
            "n": n,
            "n_brak": len(lib) - n - dropped,
            "n_pominiete": dropped,
            "mediana_bibliotek": r["mediana"] if r is not None else math.nan,
            "uwagi": "; ".join(x for x in (facts.aggregate_note[ind.code], r["uwagi"] if r is not None else "") if x),
        })
    df = pd.DataFrame(rows, columns=REGION_COLUMNS)
    df["wartosc"] = df["wartosc"].astype(float)
    df["mediana_bibliotek"] = df["mediana_bibliotek"].astype(float)
    return df


def group_statistics(facts: _Facts, libraries: pd.DataFrame) -> pd.DataFrame:
    """The statistics of the groups, subtypes and region of a table of libraries: the
    consolidator's ``libraries``, or one year of the database (benchmarks, trends). The
    table needs ``podtyp`` and ``przedzial``; a numeric item or indicator without a column
    (a year of another edition) counts as empty."""
    absent = [c for c in [f"P{it.nr:02d}" for it in facts.numeric] + list(facts.codes) if c not in libraries.columns]
    if absent:
        libraries = libraries.assign(**{c: float("nan") for c in absent})
    nums = numeric_items(facts, libraries)
    if FINDINGS in libraries.columns:  # a year of the database: leave out what its checks marked wrong
        from .evaluation import stored_flagged_items

        bad = [stored_flagged_items(facts, f or ()) for f in libraries[FINDINGS]]
        excluded = flagged_mask(facts, libraries, bad, nums)
    else:
        excluded = pd.DataFrame(False, index=libraries.index, columns=[*facts.codes, *nums.columns])
    acc = accepted_values(facts, libraries, nums, excluded)
    return _group_stats(facts, libraries, acc, _Aggregator(facts, acc))


def flagged_mask(facts: _Facts, lib: pd.DataFrame, bad: Sequence[frozenset[int]], nums: pd.DataFrame) -> pd.DataFrame:
    """Per library (rows of ``lib``, ``bad`` its flagged items, ``nums`` its items as numbers): True for each indicator and
    item column whose value the checks mark as wrong – an item an error-level rule reads,
    and every indicator that uses such an item – where the library has a value there."""
    cols = [*facts.codes, *(f"P{it.nr:02d}" for it in facts.numeric)]
    hit: dict[int, list[int]] = {it.nr: [len(facts.codes) + k] for k, it in enumerate(facts.numeric)}
    for j, code in enumerate(facts.codes):
        for nr in facts.indicator_items[code]:
            hit.setdefault(nr, []).append(j)
    mask = np.zeros((len(bad), len(cols)), dtype=bool)
    for i, items in enumerate(bad):
        for nr in items:
            mask[i, hit.get(nr, [])] = True
    values = np.hstack([lib[facts.codes].to_numpy(dtype=float), nums[cols[len(facts.codes):]].to_numpy(dtype=float)])
    return pd.DataFrame(mask & ~np.isnan(values), columns=cols, index=lib.index)
