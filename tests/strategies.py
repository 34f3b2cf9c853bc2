"""Hypothesis strategies for form inputs, derived from the spec.

A consistent simulated library (every check OK) is perturbed field by field, so the
generated sets mix passing and failing rules and K-03 checks, and include empty cells,
``#``, text, zeros, negatives, too many decimals and very large numbers.
"""

from __future__ import annotations

from contextlib import contextmanager

from hypothesis import HealthCheck, given, seed as hseed, settings
from hypothesis import strategies as st

from xl_afbp.formdata import FormData
from xl_afbp.demo.simulate import simulate_form, simulate_previous
from xl_afbp.spec.model import Spec

# Values that break numeric items in every way the semantics distinguish. Large values stay
# below 2**53 so that sums are exact in IEEE doubles (Excel and Python alike).
SPECIAL_NUMBERS = [None, "#", "abc", "12a", 0, 0.0, -1, -250, 1, 7, 0.5, 1.234, 2.675, 10.75, 99.99, 168, 169, 10**12, 10**15, 4 * 10**15]
SPECIAL_SERVICES = [None, "TAK", "NIE", "tak", "Nie", "x", 1]
SPECIAL_TEXT = [None, "", "Powiat Kołobrzeski", "powiat x", "Gmina Barlinek", "=HYPERLINK(\"x\")", "@SUM(1)", 12]
SPECIAL_K03 = [None, 0, 1, 3, 10, 55, 100, 250, 10**9, -5, 2.25, 0.01, "TAK", "NIE"]


def _perturbed(draw, value, specials, p_change):
    if draw(st.floats(0, 1)) < p_change:
        return draw(st.sampled_from(specials))
    return value


@st.composite
def form_inputs(draw, spec: Spec, *, units: int = 6) -> FormData:
    filie = draw(st.integers(0, units - 1))
    population = draw(st.sampled_from([150, 4_999, 5_000, 5_001, 12_500, 48_000, 200_000, 750_000]))
    base = simulate_form(population, filie, seed=draw(st.integers(0, 10**6)), www=draw(st.sampled_from([None, "http://biblioteka.example.pl"])))
    p = draw(st.sampled_from([0.0, 0.05, 0.15, 0.4]))  # how many fields are damaged
    items = {nr: _perturbed(draw, v, SPECIAL_NUMBERS, p) for nr, v in base.items.items()}
    if draw(st.booleans()):  # equal neighbours exercise the <= boundaries exactly
        a, b = draw(st.sampled_from([(5, 6), (22, 23), (23, 24), (31, 33), (1, 2), (4, 9), (28, 29)]))
        items[b] = items.get(a)
    services = {nr: _perturbed(draw, v, SPECIAL_SERVICES, p) for nr, v in base.services.items()}
    if draw(st.integers(0, 24)) == 0:  # a form returned untouched: every check lacks data
        items, services = {}, {}
    basic = dict(base.basic)
    for key in ("ORGANIZATOR", "WWW"):
        basic[key] = _perturbed(draw, basic.get(key), SPECIAL_TEXT, p)
    basic["PODTYP"] = _perturbed(draw, basic.get("PODTYP"), [None, "biblioteka powiatowa", "biblioteka inna"], p)
    basic["PRZEDZIAL"] = _perturbed(draw, basic.get("PRZEDZIAL"), [None, *[b.label for b in spec.bands], "DO 5 000"], p)
    basic["PONADLOKALNE"] = _perturbed(draw, basic.get("PONADLOKALNE"), [None, "TAK", "NIE"], p)
    basic.update(_place(draw, basic, p))
    if draw(st.integers(0, 3)) == 0:  # the county-library rules B1/B2 need this combination
        basic["PODTYP"] = "biblioteka powiatowa"
        basic["PONADLOKALNE"] = draw(st.sampled_from(["TAK", "NIE", None]))
        basic["ORGANIZATOR"] = draw(st.sampled_from(["Powiat Kołobrzeski", "Gmina Barlinek", None]))
    k03 = {}
    for addr, row in base.k03.items():
        row = list(row) + [None] * (units - len(row))
        k03[addr] = [_perturbed(draw, v, SPECIAL_K03, p / 3) for v in row[:units]]
    if draw(st.integers(0, 5)) == 0 and "D6.P1.W1" in k03:  # no registration: row 1 typed as 0
        k03["D6.P1.W1"] = [0 if v is not None else None for v in k03["D6.P1.W1"]]
    for addr in draw(st.lists(st.sampled_from(sorted(k03)), max_size=4)):  # a unit's figures mistyped
        factor = draw(st.sampled_from([0, 0.5, 2, 10]))
        k03[addr] = [v * factor if isinstance(v, (int, float)) and not isinstance(v, bool) else v for v in k03[addr]]
    previous = {}
    if draw(st.booleans()):
        prev = simulate_previous(base, seed=draw(st.integers(0, 1000)))  # also for an untouched form
        previous = {nr: _perturbed(draw, v, [None, 0, 1, 9.5, 10, 10**6, "#"], p) for nr, v in prev.items()}
    return FormData(items=items, services=services, basic=basic, previous=previous, k03=k03)


def _place(draw, basic: dict, p: float) -> dict:
    """The TERYT place, consistent or broken the ways a form breaks: a stale powiat or gmina
    after a change of województwo, another gmina's code, a code typed as a number, names in
    another case (Excel's "=" ignores it), wildcard characters, empty fields."""
    from xl_afbp import teryt

    units = teryt.load_terc().units()
    w, pw, g = draw(st.sampled_from(units[:: max(1, len(units) // 200)] + [u for u in units if u[2].is_city_part][:5]))
    place = {"WOJEWODZTWO": w.display_name, "POWIAT": pw.display_name, "GMINA": g.display_name, "TERYT": g.code7}
    other = draw(st.sampled_from(units))
    kind = draw(st.sampled_from(["same", "same", "stale_woj", "stale_pow", "other_code", "code_number", "upper", "wildcard", "no_code", "empty"]))
    if draw(st.floats(0, 1)) < 2 * p:
        if kind == "stale_woj":
            place["WOJEWODZTWO"] = other[0].display_name
        elif kind == "stale_pow":
            place["POWIAT"] = other[1].display_name
        elif kind == "other_code":
            place["TERYT"] = other[2].code7
        elif kind == "code_number":
            place["TERYT"] = int(g.code7)
        elif kind == "upper":
            place = {k: v.upper() for k, v in place.items()}
        elif kind == "wildcard":
            place["GMINA"] = "*"
        elif kind == "no_code":
            place["TERYT"] = None
        elif kind == "empty":
            place[draw(st.sampled_from(["WOJEWODZTWO", "POWIAT", "GMINA"]))] = None
    extra = draw(st.integers(0, 9))  # whatever the damage level, so that every outcome is seen
    if extra == 0:  # an empty place field: B5/B6 "brak danych"
        place[draw(st.sampled_from(["WOJEWODZTWO", "POWIAT", "GMINA"]))] = None
    elif extra == 1:  # no TERYT code: B6 "nie dotyczy"
        place["TERYT"] = None
    return place


def collect(strategy, n: int, seed: int = 20161231) -> list:
    """Draw ``n`` distinct examples deterministically (for oracles that run in one batch).

    Hypothesis starts with small and repeated examples; several seeded rounds are merged
    until ``n`` distinct ones are found.
    """
    out: dict[str, object] = {}
    with _without_local_constants():
        for round_ in range(20):

            @hseed(seed + round_)
            @settings(max_examples=n, database=None, deadline=None, suppress_health_check=list(HealthCheck))
            @given(strategy)
            def draw(x):
                out.setdefault(repr(x), x)

            draw()
            if len(out) >= n:
                break
    return list(out.values())[:n]


@contextmanager
def _without_local_constants():
    """Hypothesis mixes literals found in the loaded project modules into what it draws
    (``hypothesis.internal.conjecture.providers``, cached on first use); which modules are
    loaded depends on the tests run before, so a seeded draw changed with the test order –
    the parity samples lost every P11 > 168 in the whole suite and had it alone. The oracle
    batches must be the same in every run: the pool is empty while they are collected."""
    try:
        from hypothesis.internal.cache import LRUCache
        from hypothesis.internal.conjecture import providers as pv

        saved = pv._get_local_constants, pv.CONSTANTS_CACHE
        empty = pv.Constants(integers=pv.SortedSet(), floats=pv.SortedSet(key=pv.float_to_int), bytes=pv.SortedSet(), strings=pv.SortedSet())
    except (ImportError, AttributeError):  # another Hypothesis: nothing to hold
        yield
        return
    pv._get_local_constants, pv.CONSTANTS_CACHE = (lambda: empty), LRUCache(1024)
    try:
        yield
    finally:
        pv._get_local_constants, pv.CONSTANTS_CACHE = saved
