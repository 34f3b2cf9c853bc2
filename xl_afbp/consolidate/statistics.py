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
from .population import Unit, distinct_population, unit_of
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


def accepted_values(facts: _Facts, lib: pd.DataFrame, nums: pd.DataFrame, excluded: pd.DataFrame) -> Accepted:
    """Indicators and items without the excluded values (``excluded``: bool per library and
    code / item column, all False to include everything)."""
    ind = lib[facts.codes].astype(float).reset_index(drop=True).copy()
    items = nums.reset_index(drop=True).copy()
    ex = excluded.reset_index(drop=True)
    left_out = pd.DataFrame(False, index=ind.index, columns=[*facts.codes, *items.columns])
    for frame in (ind, items):
        for c in frame.columns:
            if c in ex.columns:
                hit = ex[c].to_numpy(dtype=bool) & frame[c].notna().to_numpy()
                left_out[c] = hit
                frame.loc[hit, c] = math.nan
    units = [unit_of(r.get("teryt"), r.get("powiat"), r.get("gmina"), r.get("id")) for r in lib.to_dict("records")]
    return Accepted(ind, items, left_out, units)


class _Aggregator:
    """Aggregate indicators of a set of libraries: for each indicator the items of the
    libraries with an accepted value of it are summed – the population as the distinct
    units they serve – and the engine computes the indicator from that form of sums (the
    same compiled formula as in the workbook and per library). Returns (value, n)."""

    def __init__(self, facts: _Facts, acc: Accepted):
        self.facts = facts
        self.values = acc.items.to_numpy()
        self.cols = {it.nr: i for i, it in enumerate(facts.numeric)}
        self.ind = acc.indicators.to_numpy() if len(acc.indicators) else None
        self.units = acc.units
        pop = facts.population_nr
        self.population = list(self.values[:, self.cols[pop]]) if pop in self.cols and len(self.values) else []
        self.cache: dict[bytes, FormData] = {}

    def __call__(self, rows) -> dict[str, tuple[float | None, int]]:
        rows = np.asarray(rows, dtype=int)
        out: dict[str, tuple[float | None, int]] = {}
        for j, code in enumerate(self.facts.codes):
            if self.ind is None or not len(rows):
                out[code] = (None, 0)
                continue
            mask = rows[~np.isnan(self.ind[rows, j])]
            if self.facts.aggregate_note[code] or not len(mask):
                out[code] = (None, len(mask))
                continue
            key = mask.tobytes()
            if key not in self.cache:
                self.cache[key] = self._sums(mask)
            try:
                out[code] = (self.facts.engine.indicator(code, self.cache[key]), len(mask))
            except (ArithmeticError, ValueError):  # sums beyond float range
                out[code] = (None, len(mask))
        return out

    def _sums(self, mask: np.ndarray) -> FormData:
        sums = np.nansum(self.values[mask], axis=0)
        items = {it.nr: float(sums[self.cols[it.nr]]) for it in self.facts.additive}
        pop = self.facts.population_nr
        if pop in items:
            items[pop] = distinct_population(self.units, self.population, mask)
        return FormData(items=items)


def _group_stats(facts: _Facts, lib: pd.DataFrame, acc: Accepted, agg: _Aggregator) -> pd.DataFrame:
    codes = facts.codes
    rows: list[dict[str, Any]] = []
    if not len(lib):
        return _typed_stats(pd.DataFrame(rows, columns=STAT_COLUMNS))
    base = pd.DataFrame({"podtyp": lib["podtyp"].to_numpy(), "przedzial": lib["przedzial"].to_numpy()})
    left = acc.left_out[codes]
    for level, by_subtype, by_band in LEVELS:
        keys = pd.DataFrame({"_p": base["podtyp"] if by_subtype else ALL_SUBTYPES, "_b": base["przedzial"] if by_band else ""}, index=base.index)
        frame = pd.concat([keys, acc.indicators], axis=1)
        g = frame.groupby(["_p", "_b"], sort=False)[codes]
        stats = {"n": g.count(), "srednia": g.mean(), "mediana": g.median(), "q1": g.quantile(0.25), "q3": g.quantile(0.75), "min": g.min(), "max": g.max()}
        dropped = pd.concat([keys, left], axis=1).groupby(["_p", "_b"], sort=False)[codes].sum()
        order = sorted(g.indices, key=lambda k: (facts.order_podtyp(k[0]), facts.order_band(k[1])))
        for key in order:
            idx = np.asarray(g.indices[key])
            aggregate = agg(idx)
            for code in codes:
                ind = facts.indicators[code]
                n = int(stats["n"].loc[key, code])
                row = {"poziom": level, "podtyp": key[0], "przedzial": key[1], "wskaznik": code, "nazwa": ind.name, "jednostka": ind.unit, "n_grupy": len(idx), "n": n, "n_pominiete": int(dropped.loc[key, code])}
                small = 0 < n < MIN_GROUP
                for name in _STATS:
                    row[name] = math.nan if small else float(stats[name].loc[key, code])
                row["agregat"] = math.nan if small or aggregate[code][0] is None else aggregate[code][0]
                row["agregat_uwagi"] = facts.aggregate_note[code]
                row["uwagi"] = SMALL_GROUP_NOTE if small else ""
                rows.append(row)
    return _typed_stats(pd.DataFrame(rows, columns=STAT_COLUMNS))


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
    for p in powiaty:
        idx = pos[p]
        row: dict[str, Any] = {"powiat": p, "biblioteki": len(idx), "oczekiwane": expected.get(p) if exp is not None else None}
        row["brakujace"] = max(0, expected.get(p, 0) - len(idx)) if exp is not None else None
        for c, (value, n) in _item_sums(facts, acc, idx).items():
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


def _item_sums(facts: _Facts, acc: Accepted, rows: list[int] | None = None) -> dict[str, tuple[float, int]]:
    """Sum and count of the accepted values of each additive item over ``rows`` (all when
    None); the population as the distinct units served."""
    out = {}
    block = acc.items if rows is None else acc.items.iloc[rows]
    for it in facts.additive:
        col = block[f"P{it.nr:02d}"]
        n = int(col.count())
        if it.nr == facts.population_nr:
            value = distinct_population(acc.units, list(acc.items[col.name]), [int(i) for i in col.index])
        else:
            value = math.fsum(col.dropna()) if n else math.nan
        out[col.name] = (value if n else math.nan, n)
    return out


def _region(facts: _Facts, lib: pd.DataFrame, acc: Accepted, stats: pd.DataFrame) -> pd.DataFrame:
    rows = []
    sums = _item_sums(facts, acc)
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
    rows = [[bool(b.intersection(facts.indicator_items[c])) for c in facts.codes] + [it.nr in b for it in facts.numeric] for b in bad]
    out = pd.DataFrame(rows, columns=cols, index=lib.index, dtype=bool)
    values = pd.concat([lib[facts.codes].astype(float), nums], axis=1)[cols]
    return out & values.notna()
