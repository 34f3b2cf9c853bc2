"""The vectorised statistics of the consolidator against straightforward computations.

The group statistics, powiat sums, population counted once and the review list are
computed in numpy and pandas one table at a time (:mod:`xl_afbp.consolidate.statistics`,
:mod:`~xl_afbp.consolidate.population`, :mod:`~xl_afbp.consolidate.review`). Here the same
numbers are computed the plain way – one group, one indicator, one library at a time, with
``statistics`` and dicts – on hypothesis-generated tables of libraries: empty values, groups
of one and two libraries, values the checks flag, ties, city parts (dzielnice) of one city.
"""

from __future__ import annotations

import math
import statistics as pystats

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xl_afbp.consolidate import ALL_SUBTYPES, LEVEL_BAND, LEVEL_GROUP, LEVEL_REGION, LEVEL_SUBTYPE, MIN_GROUP
from xl_afbp.consolidate.facts import _facts
from xl_afbp.consolidate.population import Population, unit_of
from xl_afbp.consolidate.review import FENCE, MIN_RATIO, MIN_REVIEW_GROUP, _quartiles, review_list
from xl_afbp.consolidate.statistics import _Aggregator, _group_stats, _powiaty, accepted_values, flagged_mask, numeric_items
from xl_afbp.engine import get_engine
from xl_afbp.formdata import FormData

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: TERC codes of one city with two dzielnice (R = 8), a rural gmina, and none
TERYT = ["1465011", "1465028", "1465038", "0201022", "0201032", ""]


@pytest.fixture(scope="module")
def facts():
    return _facts(get_engine(2016))


# =============================================================================== tables
@st.composite
def tables(draw, facts):
    """A libraries table as the consolidator builds it, and each library's flagged items."""
    n = draw(st.integers(0, 24))
    seed = draw(st.integers(0, 2**32 - 1))
    empty = draw(st.sampled_from([0.0, 0.2, 0.6]))
    rng = np.random.default_rng(seed)
    subtypes = list(facts.podtypy[: draw(st.integers(1, 3))])
    bands = list(facts.bands[: draw(st.integers(1, 3))])
    frame = pd.DataFrame({
        "id": [f"L{i:03d}" for i in range(n)],
        "nazwa": [f"Biblioteka {i}" for i in range(n)],
        "podtyp": rng.choice(subtypes, n).tolist() if n else [],
        "przedzial": rng.choice(bands, n).tolist() if n else [],
        "teryt": rng.choice(TERYT, n).tolist() if n else [],
        "powiat": rng.choice(["a", "b", "c", "d"], n).tolist() if n else [],
        "gmina": rng.choice(["x", "y", ""], n).tolist() if n else [],
    })
    for it in facts.numeric:  # whole numbers with ties, some empty, some with grosze
        v = np.round(rng.gamma(2.0, 500.0, n), int(rng.integers(0, 3)))
        frame[f"P{it.nr:02d}"] = pd.Series([None if rng.random() < empty / 2 else (int(x) if x.is_integer() else float(x)) for x in v], dtype=object)
    for code in facts.codes:  # indicators: some empty, ties, a few far values
        v = np.round(rng.lognormal(0, 1, n) * rng.choice([1, 1, 1, 10], n), 2)
        frame[code] = np.where(rng.random(n) < empty, np.nan, v)
    nrs = [it.nr for it in facts.numeric]
    bad = [frozenset(rng.choice(nrs, int(rng.integers(0, 3)), replace=False).tolist()) if rng.random() < 0.3 else frozenset() for _ in range(n)]
    return frame, bad


def _accepted(facts, frame, bad, include_flagged=False):
    nums = numeric_items(facts, frame)
    flagged = flagged_mask(facts, frame, bad, nums)
    return accepted_values(facts, frame, nums, flagged & (not include_flagged)), flagged


# =============================================================================== references
def _plain_population(units, values, rows) -> float:
    """Each inhabitant once, the plain way (what the module doc says, with dicts)."""
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
    parts: dict[str, float] = {}
    for key, parent in parent_of.items():
        parts[parent] = parts.get(parent, 0.0) + own.pop(key)
    total = 0.0
    for parent, s in parts.items():
        total += max(own.pop(parent, 0.0), s)
    return total + math.fsum(own.values())


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def _groups(frame: pd.DataFrame):
    """(level, podtyp, przedzial, row positions) of every group, the plain way."""
    for level, by_p, by_b in ((LEVEL_GROUP, True, True), (LEVEL_SUBTYPE, True, False), (LEVEL_BAND, False, True), (LEVEL_REGION, False, False)):
        keys = [(p if by_p else ALL_SUBTYPES, b if by_b else "") for p, b in zip(frame["podtyp"], frame["przedzial"])]
        for key in dict.fromkeys(keys):
            yield level, key[0], key[1], [i for i, k in enumerate(keys) if k == key]


def _plain_aggregate(facts, frame, acc, rows, code):
    """The indicator of the summed items of ``rows`` (those with a value of ``code``)."""
    have = [i for i in rows if not math.isnan(acc.indicators[code].iloc[i])]
    if facts.aggregate_note[code] or not have:
        return math.nan
    items = {}
    for it in facts.additive:
        col = acc.items[f"P{it.nr:02d}"]
        items[it.nr] = math.fsum(col.iloc[i] for i in have if not math.isnan(col.iloc[i]))
    if facts.population_nr in items:
        items[facts.population_nr] = _plain_population(acc.units, list(acc.items[f"P{facts.population_nr:02d}"]), have)
    try:
        value = facts.engine.indicator(code, FormData(items=items))
    except (ArithmeticError, ValueError):
        return math.nan
    return math.nan if value is None else value


# =============================================================================== tests
@FAST
@given(st.data())
def test_population_counted_once_equals_the_plain_count(data):
    n = data.draw(st.integers(0, 12))
    units = [unit_of(data.draw(st.sampled_from(TERYT)), "p", data.draw(st.sampled_from(["", "g1", "g2"])), f"L{i}") for i in range(n)]
    values = data.draw(st.lists(st.one_of(st.none(), st.just(math.nan), st.just(math.inf), st.integers(0, 10**6).map(float), st.floats(0, 1e6)), min_size=n, max_size=n))
    rows = data.draw(st.lists(st.integers(0, n - 1), unique=True)) if n else []
    assert _same(Population(units, values).total(rows), _plain_population(units, values, rows))


@FAST
@given(st.data())
def test_quartiles_of_all_groups_equal_numpy_group_by_group(data):
    n = data.draw(st.integers(0, 40))
    count = data.draw(st.integers(1, 6))
    values = np.array(data.draw(st.lists(st.one_of(st.just(math.nan), st.floats(-1e6, 1e6), st.sampled_from([0.0, 1.0, 2.5])), min_size=n, max_size=n)), dtype=float)
    groups = np.array(data.draw(st.lists(st.integers(0, count - 1), min_size=n, max_size=n)), dtype=np.intp)
    got = _quartiles(values, groups, count)
    for g in range(count):
        vs = [v for v, k in zip(values, groups) if k == g and not math.isnan(v)]
        if len(vs) < MIN_REVIEW_GROUP:
            assert np.isnan(got[g]).all()
            continue
        q1, med, q3 = np.quantile(vs, [0.25, 0.5, 0.75])
        assert got[g].tolist() == [med, q1, q3, len(vs)]  # exactly numpy's, group by group


@FAST
@given(st.data())
def test_group_statistics_equal_the_plain_computation(facts, data):
    frame, bad = data.draw(tables(facts))
    include = data.draw(st.booleans())
    acc, flagged = _accepted(facts, frame, bad, include)
    # the mask: an item a failing error rule reads, and each indicator using it, where there is a value
    for i, b in enumerate(bad):
        for it in facts.numeric:
            assert flagged[f"P{it.nr:02d}"].iloc[i] == (it.nr in b and frame[f"P{it.nr:02d}"].iloc[i] is not None)
        for code in facts.codes:
            assert flagged[code].iloc[i] == (bool(b & set(facts.indicator_items[code])) and not math.isnan(frame[code].iloc[i]))
    stats = _group_stats(facts, frame, acc, _Aggregator(facts, acc))
    expected = []
    for level, p, b, rows in _groups(frame):
        for code in facts.codes:
            vals = [frame[code].iloc[i] for i in rows if not math.isnan(frame[code].iloc[i]) and (include or not flagged[code].iloc[i])]
            dropped = 0 if include else sum(bool(flagged[code].iloc[i]) for i in rows)
            expected.append((level, p, b, code, len(rows), len(vals), dropped, vals, rows))
    # the order: levels, then the spec's order of subtypes and bands, then the indicators
    order = [(lv, p, b) for lv, p, b, *_ in expected]
    want = sorted(dict.fromkeys(order), key=lambda k: ([LEVEL_GROUP, LEVEL_SUBTYPE, LEVEL_BAND, LEVEL_REGION].index(k[0]), facts.order_podtyp(k[1]), facts.order_band(k[2])))
    assert list(dict.fromkeys(zip(stats["poziom"], stats["podtyp"], stats["przedzial"]))) == want
    got = {(r.poziom, r.podtyp, r.przedzial, r.wskaznik): r for r in stats.itertuples(index=False)}
    assert len(got) == len(stats) == len(expected)
    for level, p, b, code, size, n, dropped, vals, rows in expected:
        r = got[(level, p, b, code)]
        assert (r.n_grupy, r.n, r.n_pominiete) == (size, n, dropped)
        if 0 < n < MIN_GROUP or n == 0:  # never a statistic of one or two libraries
            assert all(math.isnan(getattr(r, c)) for c in ("srednia", "mediana", "q1", "q3", "min", "max", "agregat"))
            assert bool(r.uwagi) == (n > 0)
            continue
        q1, _, q3 = pystats.quantiles(vals, n=4, method="inclusive")
        plain = (pystats.fmean(vals), pystats.median(vals), q1, q3, min(vals), max(vals), _plain_aggregate(facts, frame, acc, rows, code))
        assert all(_same(a, e) for a, e in zip((r.srednia, r.mediana, r.q1, r.q3, r.min, r.max, r.agregat), plain)), (level, p, b, code)


@FAST
@given(st.data())
def test_powiat_sums_equal_the_plain_sums(facts, data):
    frame, bad = data.draw(tables(facts))
    acc, _ = _accepted(facts, frame, bad)
    powiaty = _powiaty(facts, frame, acc, _Aggregator(facts, acc), None)
    assert list(powiaty["powiat"]) == sorted(set(frame["powiat"]))
    pop = f"P{facts.population_nr:02d}"
    for r in powiaty.to_dict("records"):
        rows = [i for i, p in enumerate(frame["powiat"]) if p == r["powiat"]]
        assert r["biblioteki"] == len(rows)
        for it in facts.additive:
            col = f"P{it.nr:02d}"
            vals = [acc.items[col].iloc[i] for i in rows if not math.isnan(acc.items[col].iloc[i])]
            plain = _plain_population(acc.units, list(acc.items[pop]), rows) if col == pop else math.fsum(vals)
            want = plain if len(vals) >= MIN_GROUP else math.nan
            assert r[col] == want or (math.isnan(r[col]) and math.isnan(want)), (r["powiat"], col)  # exact sums


@FAST
@given(st.data())
def test_review_list_equals_the_plain_rule(facts, data):
    frame, bad = data.draw(tables(facts))
    acc, _ = _accepted(facts, frame, bad)
    got = review_list(facts, frame, acc.indicators)
    levels = [
        ("grupa", [(p, b) for p, b in zip(frame["podtyp"], frame["przedzial"])]),
        ("podtyp", [(p, "") for p in frame["podtyp"]]),
        ("region", [("", "")] * len(frame)),
    ]
    want = []
    for code in facts.codes:
        values = acc.indicators[code].tolist()
        for i, v in enumerate(values):
            if math.isnan(v):
                continue
            for _, keys in levels:  # the most specific group with enough values judges
                vs = [w for w, k in zip(values, keys) if k == keys[i] and not math.isnan(w)]
                if len(vs) < MIN_REVIEW_GROUP:
                    continue
                q1, med, q3 = np.quantile(vs, [0.25, 0.5, 0.75])
                far = med > 0 and ((v > q3 + FENCE * (q3 - q1) and v / med >= MIN_RATIO) or (v < q1 - FENCE * (q3 - q1) and v / med <= 1 / MIN_RATIO))
                if far:
                    want.append((frame["id"].iloc[i], code, v, float(med), len(vs)))
                break
    assert sorted(zip(got["id"], got["wskaznik"], got["wartosc"], got["mediana"], got["n_grupy"])) == sorted(want)
    assert list(got["id"]) == sorted(got["id"])
