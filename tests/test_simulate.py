"""The simulator of returned forms (xl_afbp.demo.simulate), checked against the engine.

The engine is an independent component: these tests can fail because of either side.
"""

from __future__ import annotations

import copy
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xl_afbp import names
from xl_afbp.formdata import FormData
from xl_afbp.demo.simulate import (
    DEFAULT_WWW,
    MISTAKE_KINDS,
    MISTAKES,
    inject_mistake,
    sample_form,
    simulate_form,
    simulate_previous,
)

OK, ERROR, WARNING, NO_DATA, DIFF = "OK", "błąd", "ostrzeżenie", "brak danych", "różnica"
NA, INFO, INCOMPLETE = "nie dotyczy", "informacja", "niekompletny"
FAILED = (ERROR, WARNING, DIFF)

FTE = (22, 23, 24)
MONEY = (26, 27, 28, 29, 30, 31, 32, 33, 34)

populations = st.one_of(
    st.integers(100, 800_000),
    st.sampled_from([100, 5_000, 5_001, 10_000, 10_001, 50_000, 200_000, 200_001, 800_000]),
)
seeds = st.one_of(st.integers(0, 10**9), st.text(min_size=0, max_size=12))
wwws = st.sampled_from([DEFAULT_WWW, "https://www.mbp.example.pl", None, ""])
# (podtyp, organizator) pairs that rules B1/B2 accept
kinds = st.sampled_from(
    [
        ("biblioteka gminy wiejskiej", "Gmina X"),
        ("biblioteka gminy miejsko-wiejskiej", "Gmina Kościerzyna"),
        ("biblioteka gminy miejskiej", "Gmina Miasto Koszalin"),
        ("biblioteka gminy miejskiej – dzielnicowa", "Miasto Stołeczne Warszawa"),
        ("biblioteka powiatowa", "Powiat Inowrocław"),
        ("biblioteka wojewódzka", "Województwo Kujawsko-Pomorskie"),
        ("biblioteka wojewódzka i miejska", "Gmina Miasto Rzeszów"),
        ("biblioteka inna", "Gmina Y"),
    ]
)
FAST = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def _numeric_items(spec):
    return [i.nr for i in spec.numeric_items]


def assert_all_ok(engine, form: FormData, *, with_previous: bool) -> None:
    res = engine.evaluate(form)
    p3_hash, p15_hash = form.items[3] == "#", form.items[15] == "#"
    bad_rules = {r.id: (r.status, {n: s for n, s in r.parts.items() if s not in (OK, NA)}) for r in res.rules if r.status != OK}
    if not with_previous:  # L9 and L12 have nothing to compare with
        assert bad_rules.pop("L12", (NA,))[0] == NA
        assert bad_rules.pop("L9", (NA,))[0] == NA
    assert bad_rules == {}
    info = {c.item for c in engine.spec.k03_checks if c.kind == "info"}
    bad_k03 = {k.item: (k.status, k.afbp, k.k03, k.k03_upper) for k in res.k03 if k.status != (INFO if k.item in info else OK)}
    if p15_hash:  # no website statistics: neither AFBP nor K-03 has a number
        assert bad_k03.pop(15, (NO_DATA,))[0] == NO_DATA
    assert bad_k03 == {}
    assert len(res.indicators) == 42
    missing = {c for c, v in res.indicators.items() if v is None}
    expected = ({"U02"} if p3_hash else set()) | ({"U04"} if p15_hash else set())
    assert missing == expected
    assert res.errors == 0 and res.warnings == 0
    assert res.status == OK


def assert_plausible(spec, form: FormData, population: int, filie: int) -> None:
    it = form.items
    assert it[1] == population and it[13] == filie
    for i in spec.numeric_items:
        v = it[i.nr]
        if v == "#":
            assert i.hash, i.nr
            continue
        assert isinstance(v, (int, float)) and not isinstance(v, bool), (i.nr, v)
        assert v >= 0 and (i.min is None or v >= i.min) and (i.max is None or v <= i.max), (i.nr, v)
        assert round(v, int(i.decimals or 0)) == v, (i.nr, v)
        if not i.decimals:
            assert isinstance(v, int), (i.nr, v)
    for nr in FTE:
        assert round(it[nr], 2) == it[nr]
    for nr in MONEY:
        assert isinstance(it[nr], int)
    if it[3] != "#":
        assert 3.5 <= it[3] <= 4.9 and round(it[3], 1) == it[3]
    # Polish public-library orders of magnitude
    assert 0.08 * population - 1 <= it[2] <= 0.25 * population + 1
    assert 2.5 * population - 1 <= it[4] <= 6 * population + filie + 1 or population < 10
    assert 5 <= it[16] / it[2] <= 30
    assert it[34] <= 0.7 * it[26] + 1 and it[34] >= 0.55 * it[26] - 1
    assert 55_000 <= it[26] / it[22] <= 95_000
    assert it[11] <= 168
    assert set(form.services) == set(range(1, 13)) and set(form.services.values()) <= {"TAK", "NIE"}
    # one K-03 column per unit, every K-03 cell of the spec present, every branch column filled
    assert set(form.k03) == {c.address for c in spec.k03_cells}
    assert all(len(row) == filie + 1 for row in form.k03.values())
    assert form.branches_with_data() == filie
    b = form.basic
    assert b["PRZEDZIAL"] in {x.label for x in spec.bands}
    assert b["PONADLOKALNE"] in ("TAK", "NIE") and b["STATUS_NAUKOWY"] in ("TAK", "NIE")
    assert b["STATUS_PRAWNY"] in next(x.choices for x in spec.basic if x.key == "STATUS_PRAWNY")
    assert form.previous == {}


# --------------------------------------------------------------------------- all OK
@settings(FAST, max_examples=250)
@given(population=populations, filie=st.integers(0, 12), seed=seeds, www=wwws, kind=kinds, prev_seed=st.integers(0, 99))
def test_simulated_forms_pass_every_check(engine, population, filie, seed, www, kind, prev_seed):
    podtyp, organizator = kind
    form = simulate_form(population, filie, seed=seed, podtyp=podtyp, organizator=organizator, www=www)
    assert_plausible(engine.spec, form, population, filie)
    assert_all_ok(engine, form, with_previous=False)
    form.previous = simulate_previous(form, seed=prev_seed)
    assert_all_ok(engine, form, with_previous=True)


def test_many_seeds_grid(engine):
    """A fixed grid over the whole population range and 0-12 branches."""
    for i, population in enumerate([100, 999, 4_321, 12_500, 37_000, 99_999, 250_000, 800_000]):
        for filie in (0, 1, 3, 7, 12):
            for seed in range(4):
                form = simulate_form(population, filie, seed=f"grid-{i}-{seed}", www=DEFAULT_WWW if seed % 3 else None)
                form.previous = simulate_previous(form, seed=seed)
                assert_all_ok(engine, form, with_previous=True)


def test_hash_items_occur_and_can_be_forced(engine):
    forms = [simulate_form(20_000, 2, seed=s) for s in range(200)]
    n3 = sum(f.items[3] == "#" for f in forms)
    n15 = sum(f.items[15] == "#" for f in forms)
    assert n3 > 100, "most libraries run no satisfaction survey"
    assert n3 < 200, "some do"
    assert 0 < n15 < 60, "a few libraries with a website have no statistics"
    f = simulate_form(20_000, 2, seed=1, survey=True, visit_stats=False)
    assert f.items[3] != "#" and f.items[15] == "#"
    assert all(v is None for v in f.k03["D7.P3"])
    assert_all_ok(engine, f, with_previous=False)
    f = simulate_form(20_000, 2, seed=1, survey=False, visit_stats=True)
    assert f.items[3] == "#" and isinstance(f.items[15], int)


def test_no_website_means_no_virtual_visits(engine):
    for seed in range(30):
        f = simulate_form(8_000, 1, seed=seed, www=None)
        assert f.items[15] == 0 and f.services[5] == "NIE" and f.basic["WWW"] is None
        # services "na własnej witrynie" need a website
        assert all(f.services[n] == "NIE" for n in (6, 7, 9, 11))
        res = engine.evaluate(f)
        assert {r.id: r.status for r in res.rules}["B4"] == OK


def test_blogs_and_rss_move_together():
    """K-03 has one line "blogi, kanał RSS" and the spec compares both services with it."""
    for seed in range(100):
        f = simulate_form(30_000, 3, seed=seed)
        assert f.services[8] == f.services[9]


@pytest.mark.parametrize(
    "population,label",
    [(1, "do 5 000"), (5_000, "do 5 000"), (5_001, "5 001-10 000"), (15_000, "10 001-15 000"),
     (200_000, "100 001-200 000"), (200_001, "Powyżej 200 000"), (800_000, "Powyżej 200 000")],
)
def test_population_band(population, label):
    assert simulate_form(population, 0, seed=0).basic["PRZEDZIAL"] == label


def test_item_11_is_the_longest_unit_and_item_13_the_branch_columns():
    f = simulate_form(60_000, 6, seed="hours")
    assert f.items[11] == max(f.k03["D2.P1.W1B"])
    assert f.items[11] != sum(f.k03["D2.P1.W1B"])
    assert f.items[13] == 6 == f.branches_with_data()


def test_bad_arguments():
    with pytest.raises(ValueError):
        simulate_form(10_000, 1, seed=0, podtyp="biblioteka powiatowa", organizator="Gmina X")  # B1
    with pytest.raises(ValueError):
        simulate_form(10_000, 1, seed=0, podtyp="biblioteka szkolna")
    with pytest.raises(ValueError):
        simulate_form(0, 1, seed=0)
    with pytest.raises(ValueError):
        simulate_form(10_000, -1, seed=0)
    f = simulate_form(10_000, 1, seed=0, podtyp="biblioteka powiatowa", organizator="Powiat Inowrocław")
    assert f.basic["PONADLOKALNE"] == "NIE"  # B2


# --------------------------------------------------------------------------- determinism
@settings(FAST, max_examples=30)
@given(population=populations, filie=st.integers(0, 12), seed=seeds)
def test_deterministic(population, filie, seed):
    a = simulate_form(population, filie, seed=seed)
    b = simulate_form(population, filie, seed=seed)
    assert a == b and repr(a) == repr(b)
    assert simulate_previous(a, seed=seed) == simulate_previous(b, seed=seed)
    for kind in MISTAKE_KINDS:
        assert inject_mistake(a, kind, seed=seed) == inject_mistake(b, kind, seed=seed)


def test_different_seeds_differ():
    forms = [simulate_form(25_000, 3, seed=s) for s in ("a", "b", 1, 2)]
    assert len({repr(f.items) for f in forms}) == 4


def test_no_shared_state():
    """Interleaved calls give the same results as isolated calls."""
    a1 = simulate_form(9_000, 1, seed=7)
    simulate_form(400_000, 12, seed=8)
    inject_mistake(a1, "missing_item", seed=3)
    a2 = simulate_form(9_000, 1, seed=7)
    assert a1 == a2


# --------------------------------------------------------------------------- previous year
@settings(FAST, max_examples=60)
@given(population=populations, filie=st.integers(0, 12), seed=seeds, prev_seed=seeds)
def test_previous_within_20_percent(engine, population, filie, seed, prev_seed):
    form = simulate_form(population, filie, seed=seed)
    before = copy.deepcopy(form)
    prev = simulate_previous(form, seed=prev_seed)
    assert form == before, "simulate_previous must not change the form"
    numeric = {nr for nr, v in form.items.items() if isinstance(v, (int, float))}
    assert set(prev) == numeric
    for nr, p in prev.items():
        v = form.items[nr]
        assert 0.8 * v - 0.5 <= p <= 1.2 * v + 0.5, (nr, v, p)
        dec = int(engine.spec.item(nr).decimals or 0)
        assert round(p, dec) == p
    assert prev[4] == form.items[4] - form.items[5] + form.items[7]  # last year's holdings
    form.previous = prev
    res = engine.evaluate(form)
    l12 = next(r for r in res.rules if r.id == "L12")
    assert l12.status == OK


# --------------------------------------------------------------------------- the sample
def test_sample_form(engine):
    a, b = sample_form(), sample_form()
    assert a == b
    assert a.items[1] == 12_500 and a.items[13] == 2
    assert a.previous, "the sample carries last year's values"
    assert a.items[3] != "#" and a.items[15] != "#"
    assert_plausible(engine.spec, FormData(a.items, a.services, a.basic, {}, a.k03), 12_500, 2)
    assert_all_ok(engine, a, with_previous=True)
    res = engine.evaluate(a)
    assert all(v is not None for v in res.indicators.values())
    assert a.basic["NAZWA"] and a.basic["WWW"]
    a.items[1] = 1  # a caller's change does not leak into the next sample
    assert sample_form().items[1] == 12_500


# --------------------------------------------------------------------------- mistakes
def _diff_items(a: FormData, b: FormData) -> dict[int, tuple]:
    return {nr: (a.items.get(nr), b.items.get(nr)) for nr in set(a.items) | set(b.items) if a.items.get(nr) != b.items.get(nr)}


def _diff_k03(a: FormData, b: FormData) -> list[tuple[str, int]]:
    out = []
    for addr in set(a.k03) | set(b.k03):
        ra, rb = list(a.k03.get(addr, ())), list(b.k03.get(addr, ()))
        out += [(addr, i) for i in range(max(len(ra), len(rb))) if (ra + [None] * 99)[i] != (rb + [None] * 99)[i]]
    return out


def _statuses(res):
    rules = {r.id: r.status for r in res.rules}
    k03 = {k.item: k.status for k in res.k03}
    return rules, k03


def _forms_for_mistakes():
    out = []
    for i, (population, filie) in enumerate([(150, 0), (4_800, 1), (12_500, 2), (60_000, 5), (750_000, 12)]):
        for seed in range(6):
            f = simulate_form(population, filie, seed=f"m{i}-{seed}", www=None if seed == 5 else DEFAULT_WWW)
            f.previous = simulate_previous(f, seed=seed)
            out.append(f)
    out.append(sample_form())
    return out


MISTAKE_FORMS = _forms_for_mistakes()
K03_OF_ROW = {"D6.P1.W1": 2, "D4.W1.R2": 5, "D4.W1.R4": 7, "D6.P1.W3": 14,
              "D7.P1.W2.R2": 18, "D9.W3.R2": 19, "D9.W1.R2": 20, "D3.P2.R2": 25}


def _baseline(engine, form):
    rules, k03 = _statuses(engine.evaluate(form))
    allowed_k03 = {15} if form.items[15] == "#" else set()
    info = {c.item for c in engine.spec.k03_checks if c.kind == "info"}
    assert all(s == OK for s in rules.values())
    assert all(s == (INFO if n in info else OK) for n, s in k03.items() if n not in allowed_k03)
    return rules, k03


def test_mistake_kinds_are_documented():
    assert set(MISTAKE_KINDS) == {"missing_item", "k03_difference", "rule_error", "hash_not_allowed", "too_many_decimals"}
    assert all(MISTAKES[k] for k in MISTAKE_KINDS)
    with pytest.raises(ValueError):
        inject_mistake(sample_form(), "typo", seed=0)


@pytest.mark.parametrize("kind", MISTAKE_KINDS)
def test_mistake_leaves_the_original_alone(kind):
    form = sample_form()
    before = copy.deepcopy(form)
    out = inject_mistake(form, kind, seed=1)
    assert form == before and out != form


@pytest.mark.parametrize("seed", range(3))
def test_missing_item(engine, seed):
    for form in MISTAKE_FORMS:
        base_rules, base_k03 = _baseline(engine, form)
        bad = inject_mistake(form, "missing_item", seed=seed)
        diff = _diff_items(form, bad)
        assert len(diff) == 1 and not _diff_k03(form, bad)
        (nr, (old, new)), = diff.items()
        assert new is None and isinstance(old, (int, float)) and nr != 1
        res = engine.evaluate(bad)
        rules, k03 = _statuses(res)
        assert not [r for r, s in rules.items() if s in FAILED], rules
        assert not [n for n, s in k03.items() if s in FAILED], k03
        l11 = next(r for r in res.rules if r.id == "L11")
        assert l11.status == OK and l11.parts[nr] == NO_DATA
        if nr in k03:
            assert k03[nr] == NO_DATA
        assert res.values[names.GAPS] == 1 and res.missing == [f"poz. {nr}"]
        assert res.errors == 0 and res.warnings == 0
        assert res.status == INCOMPLETE


@pytest.mark.parametrize("seed", range(3))
def test_k03_difference(engine, seed):
    for form in MISTAKE_FORMS:
        base_rules, base_k03 = _baseline(engine, form)
        bad = inject_mistake(form, "k03_difference", seed=seed)
        assert not _diff_items(form, bad)
        changed = _diff_k03(form, bad)
        assert len(changed) == 1
        addr, unit = changed[0]
        assert bad.k03[addr][unit] > form.k03[addr][unit]
        item = K03_OF_ROW[addr]
        res = engine.evaluate(bad)
        rules, k03 = _statuses(res)
        assert rules == base_rules
        assert {n: s for n, s in k03.items() if s != base_k03[n]} == {item: DIFF}
        assert res.errors == 0 and res.warnings == 1
        assert res.status == WARNING


@pytest.mark.parametrize("seed", range(3))
def test_rule_error(engine, seed):
    for form in MISTAKE_FORMS:
        base_rules, base_k03 = _baseline(engine, form)
        bad = inject_mistake(form, "rule_error", seed=seed)
        assert set(_diff_items(form, bad)) == {6} and not _diff_k03(form, bad)
        assert bad.items[6] > bad.items[5]
        res = engine.evaluate(bad)
        rules, k03 = _statuses(res)
        changed_rules = {r: s for r, s in rules.items() if s != base_rules[r]}
        assert changed_rules.pop("L1") == ERROR
        # last year's item 6 may be far from the new value: the documented L12 side effect
        assert changed_rules in ({}, {"L12": WARNING}), changed_rules
        if "L12" in changed_rules:
            l12 = next(r for r in res.rules if r.id == "L12")
            assert {n for n, s in l12.parts.items() if s == WARNING} == {6}
        assert {n: s for n, s in k03.items() if s != base_k03[n]} == {6: DIFF}
        assert res.status == ERROR


@pytest.mark.parametrize("seed", range(3))
def test_hash_not_allowed(engine, seed):
    for form in MISTAKE_FORMS:
        base_rules, base_k03 = _baseline(engine, form)
        bad = inject_mistake(form, "hash_not_allowed", seed=seed)
        diff = _diff_items(form, bad)
        assert len(diff) == 1 and not _diff_k03(form, bad)
        (nr, (old, new)), = diff.items()
        assert new == "#" and nr not in (1, 3, 15)
        res = engine.evaluate(bad)
        rules, k03 = _statuses(res)
        l11 = next(r for r in res.rules if r.id == "L11")
        assert l11.status == ERROR
        assert {n for n, s in l11.parts.items() if s != OK} == {nr}
        assert not [r for r, s in rules.items() if s in FAILED and r != "L11"], rules
        assert not [n for n, s in k03.items() if s in FAILED], k03
        if nr in k03:
            assert k03[nr] == NO_DATA
        assert res.errors == 1 and res.warnings == 0
        assert res.status == ERROR


@pytest.mark.parametrize("seed", range(3))
def test_too_many_decimals(engine, seed):
    for form in MISTAKE_FORMS:
        base_rules, base_k03 = _baseline(engine, form)
        bad = inject_mistake(form, "too_many_decimals", seed=seed)
        diff = _diff_items(form, bad)
        assert len(diff) == 1 and not _diff_k03(form, bad)
        (nr, (old, new)), = diff.items()
        assert nr in (22, 23)
        assert round(new, 3) == new and round(new, 2) != new and 0 < new - old < 0.005
        res = engine.evaluate(bad)
        rules, k03 = _statuses(res)
        l11 = next(r for r in res.rules if r.id == "L11")
        assert l11.status == ERROR and {n for n, s in l11.parts.items() if s != OK} == {nr}
        assert {r: s for r, s in rules.items() if s != base_rules[r]} == {"L11": ERROR}
        assert k03 == base_k03  # within the half-hundredth tolerance
        assert all(v is not None for c, v in res.indicators.items()
                   if c not in ("U02", "U04"))
        assert res.errors == 1 and res.warnings == 0
        assert res.status == ERROR


def test_too_many_decimals_hits_item_23_sometimes():
    hit = {next(iter(_diff_items(f, inject_mistake(f, "too_many_decimals", seed=s))))
           for f in MISTAKE_FORMS for s in range(4)}
    assert hit == {22, 23}


def test_mistakes_on_an_empty_form_are_refused():
    for kind in MISTAKE_KINDS:
        with pytest.raises(ValueError):
            inject_mistake(FormData(), kind, seed=0)


def test_item_24_never_sits_on_a_rounding_dependent_bound():
    """Unit FTEs like 0.1 + 0.2 sum to 0.30000000000000004; Python (math.fsum) and Excel
    (left to right) may round differently, and the between-check of item 24 has no
    tolerance. So item 24 is either ≥ 0.01 inside both bounds or the bounds are exact sums
    (whole quarters), and it passes whatever the summation order."""
    rows = ("D3.P1.W5.R4", "D3.P1.W5.R5", "D3.P1.W5.R6")
    for seed in range(400):
        f = simulate_form(3_000 + 97 * seed, seed % 5, seed=seed)
        values = {a: [v for v in f.k03[a] if v is not None] for a in rows}
        for order in (1, -1):
            lo = up = 0.0
            for a in rows[:2]:
                for v in values[a][::order]:
                    lo += v
            up = lo
            for v in values[rows[2]][::order]:
                up += v
            assert lo <= f.items[24] <= up
            assert math.fsum(values[rows[0]] + values[rows[1]]) <= f.items[24] <= math.fsum(sum(values.values(), []))
        if sum(values[rows[2]]) < 0.015:
            assert all(round(v * 4) == v * 4 for a in rows[:2] for v in values[a])


@settings(FAST, max_examples=60)
@given(values=st.dictionaries(
    st.integers(1, 34),
    st.one_of(st.none(), st.sampled_from(["#", "abc", "", True]), st.integers(-10**6, 4 * 10**15),
              st.floats(allow_nan=True, allow_infinity=True)),
))
def test_previous_of_arbitrary_items_never_raises(values):
    """tests/strategies.py feeds perturbed items (text, '#', negatives, NaN) to simulate_previous."""
    prev = simulate_previous(FormData(items=values), seed=1)
    for nr, p in prev.items():
        assert isinstance(p, (int, float)) and math.isfinite(p) and p >= 0
        assert isinstance(values[nr], (int, float)) and not isinstance(values[nr], bool)
