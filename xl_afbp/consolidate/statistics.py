"""Group statistics and aggregate indicators (ratio of sums) of libraries, powiaty and the region."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any, Mapping

import pandas as pd

from ..expr.pyeval import as_number
from ..formdata import FormData
from .facts import _Facts
from .records import ALL_SUBTYPES, LEVEL_GROUP, LEVEL_REGION, LEVEL_SUBTYPE, NO_POWIAT, REGION_COLUMNS, STAT_COLUMNS, _text


def numeric_items(facts: _Facts, libraries: pd.DataFrame) -> pd.DataFrame:
    """The item columns as floats (NaN for '#', text and empty)."""
    cols = {f"P{it.nr:02d}": it.nr for it in facts.numeric}
    return pd.DataFrame({c: [as_number(v) for v in libraries[c]] for c in cols}, index=libraries.index, dtype=float)


class _Aggregator:
    """Aggregate indicators of a set of libraries: for each indicator the items of the
    libraries with a value of it are summed, and the engine computes the indicator from
    that form of sums (the same compiled formula as in the workbook and per library)."""

    def __init__(self, facts: _Facts, libraries: pd.DataFrame, nums: pd.DataFrame):
        self.facts = facts
        self.values = nums.to_numpy()
        self.cols = {it.nr: i for i, it in enumerate(facts.numeric)}
        self.ind = libraries[facts.codes].to_numpy() if len(libraries) else None
        self.cache: dict[bytes, FormData] = {}

    def __call__(self, rows) -> dict[str, float | None]:
        import numpy as np

        rows = np.asarray(rows, dtype=int)
        out: dict[str, float | None] = {}
        for j, code in enumerate(self.facts.codes):
            if self.facts.aggregate_note[code] or self.ind is None or not len(rows):
                out[code] = None
                continue
            mask = rows[~np.isnan(self.ind[rows, j])]
            if not len(mask):
                out[code] = None
                continue
            key = mask.tobytes()
            if key not in self.cache:
                sums = np.nansum(self.values[mask], axis=0)
                self.cache[key] = FormData(items={it.nr: float(sums[self.cols[it.nr]]) for it in self.facts.additive})
            try:
                out[code] = self.facts.engine.indicator(code, self.cache[key])
            except (ArithmeticError, ValueError):  # sums beyond float range
                out[code] = None
        return out


def _group_stats(facts: _Facts, lib: pd.DataFrame, agg: _Aggregator) -> pd.DataFrame:
    import numpy as np

    meta = {i.code: i for i in facts.spec.indicators}
    codes = facts.codes
    rows: list[dict[str, Any]] = []
    frame = lib.reset_index(drop=True)
    if len(frame):
        frame = frame.assign(_all=ALL_SUBTYPES)
    levels = [(LEVEL_GROUP, ["podtyp", "przedzial"]), (LEVEL_SUBTYPE, ["podtyp"]), (LEVEL_REGION, ["_all"])]
    names_ = ("n", "srednia", "mediana", "q1", "q3", "min", "max")
    for level, keys in levels:
        if not len(frame):
            continue
        g = frame.groupby(keys, sort=False)[codes]
        stats = [g.count(), g.mean(), g.median(), g.quantile(0.25), g.quantile(0.75), g.min(), g.max()]
        index = stats[0].index
        arrays = [st_.reindex(index).to_numpy(dtype=float) for st_ in stats]
        groups = []
        for i, key in enumerate(index):
            key = key if isinstance(key, tuple) else (key,)
            groups.append((key, i))
        groups.sort(key=lambda g_: (facts.order_podtyp(g_[0][0]), facts.order_band(g_[0][1]) if len(g_[0]) > 1 else (0, "")))
        indices = g.indices
        for key, i in groups:
            idx = np.asarray(indices[key if len(keys) > 1 else key[0]])
            aggregate = agg(idx)
            for j, code in enumerate(codes):
                ind = meta[code]
                row = {
                    "poziom": level,
                    "podtyp": key[0],
                    "przedzial": key[1] if level == LEVEL_GROUP else "",
                    "wskaznik": code,
                    "nazwa": ind.name,
                    "jednostka": ind.unit,
                    "n_grupy": len(idx),
                }
                for name, arr in zip(names_, arrays):
                    row[name] = int(arr[i, j]) if name == "n" else float(arr[i, j])
                row["agregat"] = aggregate[code]
                row["agregat_uwagi"] = facts.aggregate_note[code]
                rows.append(row)
    df = pd.DataFrame(rows, columns=STAT_COLUMNS)
    df["agregat"] = df["agregat"].astype(float)
    df["n"] = df["n"].astype(int)
    return df


def _powiaty(facts: _Facts, lib: pd.DataFrame, nums: pd.DataFrame, agg: _Aggregator, exp: Mapping[str, Mapping[str, Any]] | None) -> pd.DataFrame:
    expected = Counter(_text(r.get("powiat")) or NO_POWIAT for r in exp.values()) if exp is not None else Counter()
    powiaty = sorted(set(lib["powiat"]) | set(expected), key=lambda p: (p == NO_POWIAT, p.casefold()))
    add_cols = [f"P{it.nr:02d}" for it in facts.additive]
    codes = [c for c in facts.codes if not facts.aggregate_note[c]]
    import numpy as np

    rows = []
    pos: dict[str, list[int]] = {p: [] for p in powiaty}
    for i, p in enumerate(lib["powiat"]):
        pos[p].append(i)
    values = nums[add_cols].to_numpy()
    for p in powiaty:
        idx = pos[p]
        row: dict[str, Any] = {"powiat": p, "biblioteki": len(idx), "oczekiwane": expected.get(p) if exp is not None else None}
        row["brakujace"] = max(0, expected.get(p, 0) - len(idx)) if exp is not None else None
        block = values[idx]
        have = (~np.isnan(block)).any(axis=0) if idx else np.zeros(len(add_cols), dtype=bool)
        sums = np.nansum(block, axis=0) if idx else np.zeros(len(add_cols))
        for j, c in enumerate(add_cols):
            row[c] = float(sums[j]) if have[j] else math.nan
        a = agg(idx)
        for c in codes:
            row[c] = a[c]
        rows.append(row)
    df = pd.DataFrame(rows, columns=["powiat", "biblioteki", "oczekiwane", "brakujace", *add_cols, *codes])
    for c in [*add_cols, *codes]:
        df[c] = df[c].astype(float)
    return df


def _region(facts: _Facts, lib: pd.DataFrame, nums: pd.DataFrame, stats: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for it in facts.additive:
        col = nums[f"P{it.nr:02d}"]
        rows.append({"rodzaj": "suma pozycji", "kod": f"P{it.nr:02d}", "nazwa": it.label, "jednostka": it.unit, "wartosc": float(col.sum(min_count=1)) if col.count() else math.nan, "n": int(col.count()), "n_brak": int(len(col) - col.count()), "mediana_bibliotek": math.nan, "uwagi": ""})
    region = stats[stats["poziom"] == LEVEL_REGION].set_index("wskaznik")
    for ind in facts.spec.indicators:
        r = region.loc[ind.code] if ind.code in region.index else None
        rows.append({
            "rodzaj": "wskaźnik zagregowany",
            "kod": ind.code,
            "nazwa": ind.name,
            "jednostka": ind.unit,
            "wartosc": r["agregat"] if r is not None else math.nan,
            "n": int(r["n"]) if r is not None else 0,
            "n_brak": int(len(lib) - (r["n"] if r is not None else 0)),
            "mediana_bibliotek": r["mediana"] if r is not None else math.nan,
            "uwagi": facts.aggregate_note[ind.code],
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
    return _group_stats(facts, libraries, _Aggregator(facts, libraries, nums))
