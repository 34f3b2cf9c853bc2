"""Key indicators over the survey years: the region, each group of libraries, each library.

:func:`trends` is pure: it takes the history of the libraries (one row per library and
year, as :func:`xl_afbp.database.history` reads it from the database, or as one
consolidation's ``libraries`` table with a ``rok`` column) and computes every year with the
very statistics of the consolidator (:func:`~.statistics.group_statistics`): the region's
aggregate (ratio of sums) and median, the group medians, each library's values. The summary
workbook's trend sheets and the publication render its result; nothing here reads a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import pandas as pd

from ..engine import Engine
from .facts import _facts
from .records import LEVEL_GROUP, LEVEL_REGION, LEVEL_SUBTYPE, MIN_GROUP
from .statistics import group_statistics

YEAR = "rok"
REGION_TREND_COLUMNS = ["rok", "wskaznik", "nazwa", "jednostka", "agregat", "mediana", "n", "n_bibliotek"]
GROUP_TREND_COLUMNS = ["rok", "poziom", "podtyp", "przedzial", "wskaznik", "n_grupy", "n", "mediana"]
LIBRARY_TREND_COLUMNS = ["id", "nazwa", "podtyp", "przedzial", "rok", "wskaznik", "wartosc"]


@dataclass(frozen=True)
class Trends:
    """The key indicators year by year (DataFrames in long form, sorted by year).

    ``region``     rok, wskaznik, nazwa, jednostka, ``agregat`` (the region's ratio of
                   sums: items summed over the libraries with a value, the indicator's
                   formula on the sums; NaN for indicators that do not aggregate so),
                   ``mediana`` of the libraries' values, ``n`` libraries with a value,
                   ``n_bibliotek`` libraries in the year;
    ``groups``     rok, poziom (``podtyp × przedział`` or ``podtyp``), podtyp, przedzial
                   ("" for a subtype), wskaznik, ``n_grupy`` libraries in the group,
                   ``n`` with a value, ``mediana``; only groups of at least
                   :data:`~.records.MIN_GROUP` libraries and medians of at least as many
                   values (a smaller group is never shown);
    ``libraries``  id, nazwa, podtyp, przedzial (of that year), rok, wskaznik, wartosc
                   (NaN: no value that year).

    ``years`` are the survey years present, ``indicators`` the codes followed.
    """

    years: tuple[int, ...]
    indicators: tuple[str, ...]
    region: pd.DataFrame
    groups: pd.DataFrame
    libraries: pd.DataFrame

    def region_table(self, value: str = "agregat") -> pd.DataFrame:
        """Years × indicators of the region (``value``: agregat, mediana or n)."""
        return self.region.pivot(index=YEAR, columns="wskaznik", values=value).reindex(index=list(self.years), columns=list(self.indicators))

    def group_table(self, podtyp: str, przedzial: str = "", value: str = "mediana") -> pd.DataFrame:
        """Years × indicators of one group (``przedzial`` "" = the whole subtype)."""
        g = self.groups[(self.groups["podtyp"] == podtyp) & (self.groups["przedzial"] == przedzial)]
        return g.pivot(index=YEAR, columns="wskaznik", values=value).reindex(index=list(self.years), columns=list(self.indicators))

    def group_keys(self) -> list[tuple[str, str, str]]:
        """(poziom, podtyp, przedzial) of every group shown, subtypes first, in the spec's order."""
        seen = self.groups.drop_duplicates(["poziom", "podtyp", "przedzial"])
        order = {LEVEL_SUBTYPE: 0, LEVEL_GROUP: 1}
        keys = list(seen[["poziom", "podtyp", "przedzial"]].itertuples(index=False, name=None))
        first = {k: i for i, k in enumerate(keys)}
        return sorted(keys, key=lambda k: (order.get(k[0], 2), first[k]))

    def library_table(self) -> pd.DataFrame:
        """One row per library: id, nazwa, podtyp (latest year), then ``<code> <year>`` columns."""
        lib = self.libraries
        if not len(lib):
            return pd.DataFrame(columns=["id", "nazwa", "podtyp"])
        latest = lib.sort_values(YEAR).groupby("id")[["nazwa", "podtyp"]].last()
        wide = lib.pivot_table(index="id", columns=["wskaznik", YEAR], values="wartosc", aggfunc="first", dropna=False)
        wide = wide.reindex(columns=pd.MultiIndex.from_product([list(self.indicators), list(self.years)]))
        wide.columns = [f"{code} {year}" for code, year in wide.columns]
        return latest.join(wide).reset_index()


def trends(history: pd.DataFrame, engine: Engine, indicators: Sequence[str] | None = None) -> Trends:
    """The trends of ``indicators`` (default: the spec's key indicators) over the years of
    ``history``: one row per library and year with ``rok``, ``id``, ``nazwa``, ``podtyp``,
    ``przedzial``, a column per numeric item (``P01`` …) and per indicator. ``engine``
    computes the aggregates (the newest edition: one formula for every year)."""
    facts = _facts(engine)
    codes = tuple(c for c in (indicators if indicators is not None else facts.key_indicators) if c in facts.codes)
    names = {i.code: i for i in facts.spec.indicators}
    history = history.assign(**{c: float("nan") for c in codes if c not in history.columns})
    years = tuple(sorted(int(y) for y in history[YEAR].unique())) if len(history) else ()
    region, groups = [], []
    for year in years:
        frame = history[history[YEAR] == year].reset_index(drop=True)
        stats = group_statistics(facts, frame)
        stats = stats[stats["wskaznik"].isin(codes)]
        for r in stats[stats["poziom"] == LEVEL_REGION].itertuples(index=False):
            ind = names[r.wskaznik]
            enough = r.n >= MIN_GROUP  # fewer values would reveal single libraries
            region.append([year, r.wskaznik, ind.name, ind.unit, r.agregat if enough else float("nan"), r.mediana if enough else float("nan"), int(r.n), int(r.n_grupy)])
        shown = stats[stats["poziom"].isin((LEVEL_GROUP, LEVEL_SUBTYPE)) & (stats["n_grupy"] >= MIN_GROUP) & (stats["n"] >= MIN_GROUP)]
        for r in shown.itertuples(index=False):
            groups.append([year, r.poziom, r.podtyp, r.przedzial, r.wskaznik, int(r.n_grupy), int(r.n), float(r.mediana)])
    per_library = history.melt(id_vars=["id", "nazwa", "podtyp", "przedzial", YEAR], value_vars=list(codes), var_name="wskaznik", value_name="wartosc") if len(history) and codes else pd.DataFrame(columns=LIBRARY_TREND_COLUMNS)
    per_library = per_library[LIBRARY_TREND_COLUMNS].sort_values(["id", YEAR, "wskaznik"], kind="stable").reset_index(drop=True)
    per_library["wartosc"] = per_library["wartosc"].astype(float)
    return Trends(years, codes, pd.DataFrame(region, columns=REGION_TREND_COLUMNS), pd.DataFrame(groups, columns=GROUP_TREND_COLUMNS), per_library)

