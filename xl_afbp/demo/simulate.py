"""Simulated, plausible returned AFBP forms (2016 edition layout), for tests, samples, demos.

Everything here is **pure and deterministic**: every function takes a ``seed`` (int or
str), draws from its own ``random.Random`` and never touches global state, files or the
network (the only thing read is the packaged spec, through the cached engine).

API
---
:func:`simulate_form`
    One library's form: items 1-34, the 12 services of item 21, complete basic data (a
    real TERYT location, the director's account) and a K-03 sheet with one column per
    unit (index 0 = main library, 1.. = branches). Values are scaled by the population and
    built **from the K-03 units upwards**, so that every basic/logical rule (B1-B6,
    L1-L11) and every K-03 cross-check of the engine says "OK" (``informacja`` for the
    relations without an inequality). Exceptions, by design of the form:

    * item 3 is ``"#"`` for most libraries (no satisfaction survey) → indicator U02 has no
      value; item 15 is ``"#"`` for some libraries with a website (no statistics) → U04
      has no value and the K-03 check of item 15 says "brak danych" (D7.P3 is left empty
      too);
    * ``previous`` is empty, so rules L9 and L12 say "nie dotyczy" until the caller sets
      it (e.g. with :func:`simulate_previous`). The overall status is "OK" either way.

    No value sits on a check boundary that depends on float rounding (see the FTE block),
    so the workbook's Excel formulas agree with the Python engine on these forms.

:func:`simulate_previous`
    Last year's values of the numeric items, each within ±20 % of this year's (L12 OK),
    last year's holdings such that the holdings identity holds (L9 OK).

:func:`sample_form`
    The fixed shipped sample: a miejsko-gminna library, 12 500 residents, 2 branches,
    with a satisfaction survey, website statistics and last year's values: all 42
    indicators have a value and every rule and K-03 check says "OK".

:func:`inject_mistake`
    A copy of a form with one typical mistake (see :data:`MISTAKES` for what each kind
    trips).

Orders of magnitude (Polish public libraries, per network = main library + branches):
users 8-25 % of residents, 2.5-6 inventory units per resident, acquisitions 2-7 % and
discards 0.5-5 % of the holdings, 10-25 loans and 5-12 visits per user, FTE about
``units × 1.2-2.8 + residents / 3-6 thousand``, current expenditure 60-90 thousand zł per
FTE, personnel 55-70 % and collections 6-13 % of it, the organizer's subsidy 82-96 % of
it, the organizer's own budget 3 200-5 200 zł per resident.
"""

from __future__ import annotations

import copy
import math
import random
import re
from typing import Any, Sequence

from ..formdata import FormData

__all__ = [
    "DEFAULT_WWW",
    "MISTAKES",
    "MISTAKE_KINDS",
    "inject_mistake",
    "sample_form",
    "simulate_form",
    "simulate_previous",
]

DEFAULT_WWW = "http://www.biblioteka.example.pl"

#: what each kind of :func:`inject_mistake` does and which engine results it changes
#: (for a form of :func:`simulate_form` whose checks were all OK before)
MISTAKES: dict[str, str] = {
    "missing_item": (
        "One numeric item (not item 1) is emptied (None). Nothing fails: the item's L11 part, "
        "its K-03 check (if it has one) and every rule/check/indicator reading it become "
        "'brak danych' / no value; the form status becomes 'niekompletny' (1 gap)."
    ),
    "k03_difference": (
        "One unit's value in a K-03 row used by exactly one 'equal' check (items 2, 5, 7, "
        "14, 18, 19, 20 or 25) is raised: that K-03 check says 'różnica', all rules stay OK, "
        "the form status becomes 'ostrzeżenie'."
    ),
    "rule_error": (
        "Item 6 (books bought) is set above item 5 (all acquisitions): rule L1 says 'błąd' and, "
        "since the K-03 sheet still holds the true purchases, the K-03 check of item 6 says "
        "'różnica'; the form status becomes 'błąd'. With previous values set, L12 may also warn "
        "about item 6."
    ),
    "hash_not_allowed": (
        "'#' is typed in a numeric item other than 1, 3 and 15: rule L11 (its part for that "
        "item) says 'błąd'; the item's K-03 check and the rules/indicators reading it become "
        "'brak danych' / no value; the form status becomes 'błąd'."
    ),
    "too_many_decimals": (
        "An FTE item (22, or 23 when it stays ≤ item 22) gets a third decimal (+0.001…0.004): "
        "rule L11 (its part for that item) says 'błąd'; every K-03 check stays OK (the "
        "tolerance is half a hundredth); the form status becomes 'błąd'."
    ),
}
MISTAKE_KINDS: tuple[str, ...] = tuple(MISTAKES)

# K-03 rows each used by exactly one "equal" cross-check (row → AFBP item)
_SINGLE_USE_ROWS: dict[str, int] = {
    "D6.P1.W1": 2,
    "D4.W1.R2": 5,
    "D4.W1.R4": 7,
    "D6.P1.W3": 14,
    "D7.P1.W2.R2": 18,
    "D9.W3.R2": 19,
    "D9.W1.R2": 20,
    "D3.P2.R2": 25,
}

_NAME_PREFIX = {
    "biblioteka wojewódzka": "Wojewódzka Biblioteka Publiczna",
    "biblioteka wojewódzka i miejska": "Wojewódzka i Miejska Biblioteka Publiczna",
    "biblioteka powiatowa": "Powiatowa Biblioteka Publiczna",
    "biblioteka gminy miejskiej": "Miejska Biblioteka Publiczna",
    "biblioteka gminy miejskiej – dzielnicowa": "Biblioteka Publiczna w Dzielnicy",
    "biblioteka gminy miejsko-wiejskiej": "Miejsko-Gminna Biblioteka Publiczna",
    "biblioteka gminy wiejskiej": "Gminna Biblioteka Publiczna",
    "biblioteka inna": "Biblioteka Publiczna",
}
_ORGANIZER_PREFIXES = ("Gmina Miasto ", "Miasto Stołeczne ", "Gmina ", "Miasto ", "Powiat ", "Województwo ")


# --------------------------------------------------------------------------- helpers
def _spec(year: int):
    from ..engine import get_engine  # cached: the spec is parsed once per process

    return get_engine(year).spec


def _split(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` shared out in proportion to ``weights`` (largest remainder, exact sum)."""
    s = float(sum(weights))
    if total <= 0 or s <= 0:
        return [0] * len(weights)
    raw = [total * w / s for w in weights]
    out = [math.floor(r) for r in raw]
    rest = total - sum(out)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - out[i]), i))
    for i in order[:rest]:
        out[i] += 1
    return out


def _jitter(rng: random.Random, weights: Sequence[float], spread: float = 0.15) -> list[float]:
    return [w * rng.uniform(1 - spread, 1 + spread) for w in weights]


def _half(x: float) -> float:
    """Round to half an hour (exact in binary, so one decimal is safe)."""
    return round(x * 2) / 2


def _cents(c: int) -> float:
    return c / 100


def _band_label(spec, population: int) -> str:
    for b in spec.bands:
        if (b.min is None or population >= b.min) and (b.max is None or population <= b.max):
            return b.label
    raise ValueError(f"no population band of the {spec.edition.year} edition contains {population}")


def _library_name(podtyp: str, organizator: str) -> tuple[str, str]:
    """(NAZWA, MIEJSCOWOSC) in the usual pattern, from the organizer's name."""
    place = organizator
    for p in _ORGANIZER_PREFIXES:
        if place.startswith(p):
            place = place[len(p):]
            break
    place = place.strip() or organizator
    prefix = _NAME_PREFIX.get(podtyp, "Biblioteka Publiczna")
    if podtyp == "biblioteka gminy miejskiej – dzielnicowa":
        return f"{prefix} {place}", place
    try:
        from ..regions import locative  # lazy: regions imports pandas

        loc = locative(place)
    except Exception:  # pragma: no cover - naming is cosmetic
        loc = None
    if loc is None:
        return f"{prefix} ({organizator})", place
    low = loc.lower()
    w = "we" if len(low) > 1 and low[0] in "wf" and low[1] not in "aeiouyąęó" else "w"
    return f"{prefix} {w} {loc}", place


def _location(teryt: str | None, seed: int | str, podtyp: str) -> dict[str, str]:
    """Województwo, powiat, gmina, miejscowość and TERC code of one real unit of the
    register, of the library's subtype where the register tells it (drawn from its own
    stream, so the form's numbers do not depend on it)."""
    from ..simc import localities, seat_name
    from ..teryt import SUBTYPE_BY_RODZ, load_terc

    register = load_terc()
    units = register.units()
    if teryt is None:
        fitting = [u for u in units if SUBTYPE_BY_RODZ.get(u[2].rodz) == podtyp] or units
        w, p, g = random.Random(f"{seed}|location").choice(fitting)
    else:
        w, p, g = next(u for u in units if u[2].code7 == str(teryt).strip())
    places = localities(g.code7)
    seat = seat_name(g)
    return {
        "WOJEWODZTWO": w.display_name,
        "POWIAT": p.display_name,
        "GMINA": g.display_name,
        "MIEJSCOWOSC": seat if seat in places else places[0],
        "TERYT": g.code7,
    }


def _account(seed: int | str, www: str | None) -> dict[str, str]:
    """The director's account fields: a login of 8+ plain characters, a name, an e-mail."""
    rng = random.Random(f"{seed}|account")
    domain = re.sub(r"^https?://(www\.)?", "", www).split("/")[0] if www else "example.pl"
    imie, nazwisko = rng.choice((("Anna", "Nowak"), ("Maria", "Kowalska"), ("Ewa", "Wiśniewska"), ("Piotr", "Wójcik"), ("Tomasz", "Kamiński"), ("Katarzyna", "Lewandowska")))
    return {"LOGIN": f"dyrektor{rng.randint(100, 999)}", "IMIE": imie, "NAZWISKO": nazwisko, "EMAIL": f"biblioteka@{domain}"}


def _fte_bounds(r4: list[int], r5: list[int], r6: list[int]) -> tuple[float, float]:
    """The engine's bounds of the item 24 check (math.fsum over the unit values as floats)."""
    lower = math.fsum([_cents(v) for v in r4] + [_cents(v) for v in r5])
    upper = math.fsum([_cents(v) for v in r4] + [_cents(v) for v in r5] + [_cents(v) for v in r6])
    return lower, upper


# --------------------------------------------------------------------------- the form
def simulate_form(
    population: int,
    filie: int,
    *,
    seed: int | str,
    podtyp: str = "biblioteka gminy wiejskiej",
    organizator: str = "Gmina X",
    www: str | None = DEFAULT_WWW,
    year: int = 2016,
    nazwa: str | None = None,
    survey: bool | None = None,
    visit_stats: bool | None = None,
    teryt: str | None = None,
) -> FormData:
    """A plausible returned form of one library network with every rule and K-03 check OK.

    ``population`` (item 1, ≥ 1) and ``filie`` (item 13, branches, ≥ 0) drive the scale;
    ``www`` ``None`` or ``""`` means no website (item 15 = 0, service 5 = NIE, B4).
    ``survey`` forces item 3 to a value (True) or ``"#"`` (False); ``visit_stats`` forces
    item 15 to a number (True) or ``"#"`` (False, only meaningful with a website); ``None``
    draws them (most libraries have no survey; a few with a website have no statistics).
    ``teryt`` (a 7-digit TERC code) places the library in that gmina/dzielnica; ``None``
    draws a unit of the register. ``previous`` is left empty. Raises ``ValueError`` for arguments the rules reject
    (unknown podtyp, "biblioteka powiatowa" whose organizer is not a powiat, ...).
    """
    spec = _spec(year)
    if isinstance(population, bool) or not isinstance(population, int) or population < 1:
        raise ValueError(f"population must be an int ≥ 1, not {population!r}")
    max_filie = int(spec.item(13).max or 1000)
    if isinstance(filie, bool) or not isinstance(filie, int) or not 0 <= filie <= max_filie:
        raise ValueError(f"filie must be an int in 0..{max_filie}, not {filie!r}")
    podtypy = next((b.choices for b in spec.basic if b.key == "PODTYP"), ())
    if podtypy and podtyp not in podtypy:
        raise ValueError(f"unknown podtyp {podtyp!r}; expected one of {list(podtypy)}")
    if podtyp == "biblioteka powiatowa" and not organizator.lower().startswith("powiat"):
        raise ValueError("podtyp 'biblioteka powiatowa' needs an organizer starting with 'Powiat' (rule B1)")

    rng = random.Random(seed)
    u = rng.uniform
    P = population
    units = filie + 1
    has_www = www is not None and str(www).strip() != ""
    size = min(1.0, max(0.0, math.log10(P) / 6))  # 0 (tiny) .. 1 (a million)

    # relative weight of each unit: the main library is the biggest
    weight = [u(1.6, 3.0)] + [u(0.45, 1.2) for _ in range(filie)]

    def share(total: int, spread: float = 0.15) -> list[int]:
        return _split(total, _jitter(rng, weight, spread))

    k: dict[str, list[Any]] = {}

    def main_only(value: Any) -> list[Any]:
        return [value] + [None] * filie

    items: dict[int, Any] = {1: P, 13: filie}

    # ---- users, visits (items 2, 14)
    users = share(max(1, round(P * u(0.08, 0.25))))
    k["D6.P1.W1"] = users
    k["D6.P1.W2"] = [math.floor(x * u(0.72, 0.95)) for x in users]
    visits_per_user = u(5, 12)
    k["D6.P1.W3"] = [round(x * visits_per_user * u(0.85, 1.15)) for x in users]
    items[2] = sum(users)
    items[14] = sum(k["D6.P1.W3"])

    # ---- holdings, acquisitions, discards (items 4-7)
    holdings = share(max(units, round(P * u(2.5, 6.0))))
    s5, s16 = u(0.005, 0.06), u(0.0, 0.012)
    w5 = [round(h * s5 * u(0.7, 1.3)) for h in holdings]
    w16 = [round(h * s16 * u(0.5, 1.5)) for h in holdings]
    w1 = [h - a - b for h, a, b in zip(holdings, w5, w16)]
    k["D4.W1.R5"], k["D4.W5.R5"], k["D4.W16.R5"] = w1, w5, w16
    items[4] = sum(holdings)

    renewal = u(0.02, 0.07)
    acq = [round(h * renewal * u(0.85, 1.15)) for h in holdings]
    acq[0] = max(1, acq[0])
    a5 = [round(a * u(0.01, 0.08)) for a in acq]
    a16 = [round(a * u(0.0, 0.03)) for a in acq]
    a1 = [a - x - y for a, x, y in zip(acq, a5, a16)]
    k["D4.W1.R2"], k["D4.W5.R2"], k["D4.W16.R2"] = a1, a5, a16
    items[5] = sum(acq)
    bought = u(0.45, 0.85)  # the rest are gifts
    k["D4.W2.R3"] = [round(a * bought * u(0.9, 1.1)) if a else 0 for a in a1]
    k["D4.W2.R3"] = [min(b, a) for b, a in zip(k["D4.W2.R3"], a1)]
    k["D4.W14.R3"] = [round(a * u(0.2, 0.8)) for a in a5]
    k["D4.W16.R3"] = [round(a * u(0.3, 1.0)) for a in a16]
    lower6 = sum(k["D4.W2.R3"]) + sum(k["D4.W14.R3"])
    items[6] = lower6 + round(sum(k["D4.W16.R3"]) * u(0.0, 1.0))  # e-books among the e-collections

    selection = u(0.005, 0.05)
    disc = [round(h * selection * u(0.8, 1.2)) for h in holdings]
    d5 = [min(x, round(d * u(0.0, 0.08))) for d, x in zip(disc, w5)]
    d16 = [min(x, round(d * u(0.0, 0.02))) for d, x in zip(disc, w16)]
    d1 = [d - x - y for d, x, y in zip(disc, d5, d16)]
    k["D4.W1.R4"], k["D4.W5.R4"], k["D4.W16.R4"] = d1, d5, d16
    items[7] = sum(disc)

    # ---- periodicals (item 8): AFBP leaves out free titles, so it is at most K-03
    titles = share(max(units, round(P / 1000 * u(1.0, 4.0) + units * u(3, 8))))
    k["D4.W4.R2"] = [max(1, t) for t in titles]
    k["D4.W18.R5"] = main_only(0 if rng.random() < 0.8 else rng.randint(1, 5 + round(20 * size)))
    items[8] = math.floor((sum(k["D4.W4.R2"]) + k["D4.W18.R5"][0]) * u(0.7, 1.0))

    # ---- computerised records (item 9): K-03 gives a whole percentage per unit
    if rng.random() < 0.4:
        pct = [100] * units
    else:
        pct = [rng.randint(50, 100)] + [rng.randint(0, 100) for _ in range(filie)]
    exact = sum(p * h for p, h in zip(pct, holdings)) / 100
    if abs(round(exact) - exact) > items[4] / 100:  # only for a handful of units in all
        pct = [100] * units
        exact = float(items[4])
    k["D8.P1.W13"] = pct
    items[9] = round(exact)

    # ---- area, hours, computers (items 10-12)
    area = share(round(P * u(0.015, 0.04) + units * u(40, 90)))
    k["D2.P4.W1"] = [max(15, a) for a in area]
    items[10] = round(sum(k["D2.P4.W1"]) * u(0.55, 0.85))
    main_hours = _half(u(32, 44) + (u(8, 22) if P > 50_000 else u(0, 6)))
    hours = [main_hours] + [_half(u(10, min(40.0, main_hours))) for _ in range(filie)]
    k["D2.P1.W1B"] = hours
    items[11] = max(hours)
    pcs = share(round(P / 1000 * u(0.4, 1.6)) + units * rng.randint(1, 3))
    pcs[0] = max(1, pcs[0])
    k["D2.P5.W3"] = pcs
    items[12] = sum(pcs)

    # ---- loans, interlibrary loans, on-site use (items 16-18)
    per_user = u(10, 25)
    loans = [round(x * per_user * u(0.85, 1.15)) for x in users]
    ill = 0 if rng.random() < 0.5 else rng.randint(1, max(1, round(loans[0] * 0.002)))
    out_total = [n + (ill if i == 0 else 0) for i, n in enumerate(loans)]
    mix = [u(0.80, 0.95), u(0.02, 0.10), u(0.01, 0.06), u(0.0, 0.03)]
    parts = [_split(t, mix) for t in out_total]
    for j, r in enumerate(("R2", "R3", "R4", "R7")):
        k[f"D7.P1.W1.{r}"] = [p[j] for p in parts]
    items[16] = sum(loans)
    items[17] = ill
    onsite_rate = u(0.05, 0.35)
    onsite = [round(n * onsite_rate * u(0.8, 1.2)) for n in loans]
    mix = [u(0.55, 0.8), u(0.15, 0.35), u(0.01, 0.06), u(0.0, 0.05)]
    parts = [_split(t, mix) for t in onsite]
    for j, r in enumerate(("R2", "R3", "R4", "R7")):
        k[f"D7.P1.W2.{r}"] = [p[j] for p in parts]
    items[18] = sum(onsite)

    # ---- events and library trainings (items 19, 20)
    events = share(round(P * u(0.06, 0.35)), 0.3)
    events_share = u(0.6, 0.9)
    k["D9.W3.R2"] = [round(e * events_share) for e in events]
    k["D9.W4.R2"] = [e - x for e, x in zip(events, k["D9.W3.R2"])]
    items[19] = sum(events)
    k["D9.W1.R2"] = share(round(P * u(0.005, 0.04)), 0.3)
    k["D9.W2.R2"] = main_only(0 if rng.random() < 0.6 else rng.randint(1, 10 + round(40 * size)))
    items[20] = sum(k["D9.W1.R2"]) + k["D9.W2.R2"][0]

    # ---- staff in hundredths of an FTE (items 22-24)
    total_c = round((units * u(1.2, 2.8) + P / u(3000, 6000)) * 100)
    wsum = sum(weight)
    r1 = [0] + [max(25, 25 * round(total_c * w / wsum / 25)) for w in weight[1:]]  # branches: quarter posts
    r1[0] = max(50, total_c - sum(r1[1:]))
    admin = round(r1[0] * (u(0.05, 0.25) if r1[0] >= 200 else u(0.0, 0.15)))
    r2 = [r1[0] - admin] + r1[1:]  # branch staff all work in the core activity
    r6 = [round(r2[0] * u(0.02, 0.15)) if rng.random() < 0.5 else 0] + [0] * filie
    r3 = [a - b for a, b in zip(r2, r6)]
    # Item 24 lies between R4+R5 and R4+R5+R6 (K-03 has no "qualified staff"). The check has
    # no tolerance and sums float hundredths (0.1 + 0.2 = 0.30000000000000004 in Python,
    # Excel and LibreOffice alike, each summing in its own order), so item 24 never sits on
    # a bound that depends on rounding: with some R6 it is at least 0.01 inside both bounds;
    # without R6 the qualified posts are whole quarters, whose float sums are exact.
    quarters = sum(r6) < 2
    r4, r5 = [], []
    for x in r3:
        if quarters:
            qualified = 25 * math.floor(x * u(0.5, 1.0) / 25)
            hi = 25 * round(qualified * u(0.3, 0.7) / 25)
        else:
            qualified = round(x * u(0.5, 1.0))
            hi = round(qualified * u(0.3, 0.7))
        r4.append(hi)
        r5.append(qualified - hi)
    low_c = sum(r4) + sum(r5)
    q = low_c if quarters else low_c + rng.randint(1, sum(r6) - 1)
    lo_f, up_f = _fte_bounds(r4, r5, r6)
    assert lo_f <= _cents(q) <= up_f, (r4, r5, r6, q)
    for addr, row in (("R1", r1), ("R2", r2), ("R3", r3), ("R4", r4), ("R5", r5), ("R6", r6)):
        k[f"D3.P1.W5.{addr}"] = [_cents(c) for c in row]
    items[22] = _cents(sum(r1))
    items[23] = _cents(sum(r2))
    items[24] = _cents(q)
    training = 0 if rng.random() < 0.1 else round(items[22] * u(4, 30))
    k["D3.P2.R2"] = _split(training, r1)
    items[25] = float(training)  # a decimal item (1,5 h × 3 people = 4,5): typed as a float

    # ---- finances in whole zł (items 26-34); K-03 section 5 is filled by the main library
    current = round(items[22] * u(60_000, 90_000))
    items[26] = current
    items[34] = round(current * u(0.55, 0.70))
    collections = max(1, round(current * u(0.06, 0.13)))
    items[31] = collections
    electronic = 0 if rng.random() < 0.6 else round(collections * u(0.01, 0.10))
    items[33] = electronic
    items[32] = 0 if rng.random() < 0.5 else round(current * u(0.0005, 0.004))
    print_parts = _split(collections - electronic, [u(0.85, 0.95), u(0.03, 0.10), u(0.0, 0.05)])
    e_parts = _split(electronic, [u(0.0, 1.0), u(0.0, 1.0)]) if electronic else [0, 0]
    for addr, v in zip(("D5.P2.W1", "D5.P2.W2", "D5.P2.W3", "D5.P2.W6", "D5.P2.W7"), print_parts + e_parts):
        k[addr] = main_only(v)
    investment = 0 if rng.random() < 0.6 else round(current * u(0.01, 0.6))
    items[27] = investment
    subsidy = round(current * u(0.82, 0.96))
    rest = current - subsidy
    grants = round(rest * u(0.3, 0.8))
    own = round((rest - grants) * u(0.4, 0.9))
    other = rest - grants - own
    k["D5.P1.R2"], k["D5.P1.R3"], k["D5.P1.R4"], k["D5.P1.R5"] = (
        main_only(subsidy), main_only(grants), main_only(own), main_only(other))
    items[30] = grants + own + round(other * u(0.0, 1.0))  # money donations among "other"
    items[28] = subsidy + (round(investment * u(0.3, 1.0)) if investment else 0)
    items[29] = max(round(P * u(3200, 5200)), math.ceil(items[28] / u(0.008, 0.03)))

    # ---- services (item 21) and the K-03 service rows
    p_catalog = 0.55 + 0.4 * size
    svc: dict[int, bool] = {}
    svc[1] = rng.random() < p_catalog
    svc[2] = svc[1] and rng.random() < 0.6
    svc[3] = svc[1] and rng.random() < 0.55
    svc[4] = svc[1] and rng.random() < 0.4
    svc[5] = has_www
    svc[6] = has_www and rng.random() < 0.35
    svc[7] = has_www and rng.random() < 0.05
    svc[8] = svc[9] = has_www and rng.random() < 0.2  # K-03 has one line "blogi, kanał RSS"
    svc[10] = rng.random() < 0.7
    svc[11] = has_www and rng.random() < 0.1
    svc[12] = rng.random() < 0.15 + 0.4 * size
    services = {n: "TAK" if svc[n] else "NIE" for n in range(1, 13)}

    def yesno_row(offered: bool, p_branch: float, main: bool = True) -> list[str]:
        if not offered:
            return ["NIE"] * units
        row = ["TAK" if main else "NIE"] + ["TAK" if rng.random() < p_branch else "NIE" for _ in range(filie)]
        if "TAK" not in row:
            row[0] = "TAK"
        return row

    k["D8.P1.KAT"] = yesno_row(svc[1], 0.8)
    if svc[2]:
        how = rng.choice(("ZAM", "REZ", "both"))
        k["D8.P1.ZAM"] = yesno_row(True, 0.7) if how in ("ZAM", "both") else ["NIE"] * units
        k["D8.P1.REZ"] = yesno_row(True, 0.7) if how in ("REZ", "both") else ["NIE"] * units
    else:
        k["D8.P1.ZAM"] = ["NIE"] * units
        k["D8.P1.REZ"] = ["NIE"] * units
    k["D8.P1.PRZ"] = yesno_row(svc[3], 0.7)
    k["D8.P1.POW"] = yesno_row(svc[4], 0.7)
    k["D8.P1.INF"] = yesno_row(svc[6], 0.2)
    k["D8.P1.ELR"] = yesno_row(svc[7], 0.1)
    k["D8.P1.BLG"] = yesno_row(svc[8], 0.15)
    k["D8.P1.SPO"] = yesno_row(svc[10], 0.3)
    k["D8.P2.W2"] = yesno_row(svc[12], 0.0)

    # ---- satisfaction (item 3) and virtual visits (item 15)
    if survey is None:
        survey = rng.random() < 0.15 + 0.2 * size
    items[3] = round(u(3.5, 4.9), 1) if survey else "#"
    if not has_www:
        items[15] = 0
        k["D7.P3"] = main_only(0)
    else:
        stats = rng.random() >= 0.12 if visit_stats is None else visit_stats
        if stats:
            items[15] = round(P * u(0.3, 4.0))
            k["D7.P3"] = main_only(items[15])
        else:
            items[15] = "#"
            k["D7.P3"] = [None] * units

    # ---- basic data
    if podtyp == "biblioteka powiatowa":
        ponadlokalne = "NIE"
    elif podtyp in ("biblioteka gminy miejskiej", "biblioteka gminy miejsko-wiejskiej") and P >= 10_000:
        ponadlokalne = "TAK" if rng.random() < 0.3 else "NIE"
    else:
        ponadlokalne = "NIE"
    r = rng.random()
    status_prawny = (
        "samodzielna instytucja kultury" if r < 0.85
        else "biblioteka włączona w strukturę innej instytucji kultury" if r < 0.98
        else "biblioteka włączona w strukturę innej instytucji niż instytucja kultury"
    )
    naukowy = "TAK" if podtyp.startswith("biblioteka wojewódzka") and rng.random() < 0.5 else "NIE"
    gen_name, _place = _library_name(podtyp, organizator)
    basic = {
        "ORGANIZATOR": organizator,
        "NAZWA": nazwa or gen_name,
        "TYP": "biblioteka publiczna",
        "PODTYP": podtyp,
        "WWW": www if has_www else None,
        **_location(teryt, seed, podtyp),
        "PRZEDZIAL": _band_label(spec, P),
        "PONADLOKALNE": ponadlokalne,
        "STATUS_PRAWNY": status_prawny,
        "STATUS_NAUKOWY": naukowy,
        **_account(seed, www if has_www else None),
    }

    # every K-03 cell of the spec gets a row, in the spec's order
    k03 = {c.address: list(k.get(c.address, [None] * units)) for c in spec.k03_cells}
    return FormData(
        items={nr: items[nr] for nr in sorted(items)},
        services=services,
        basic=basic,
        previous={},
        k03=k03,
    )


# --------------------------------------------------------------------------- last year
_STABLE = {1: 0.01, 4: 0.05, 9: 0.05, 10: 0.03, 12: 0.1, 29: 0.08, 22: 0.06, 23: 0.06, 24: 0.08}


def simulate_previous(form: FormData, *, seed: int | str, year: int = 2016) -> dict[int, float]:
    """Last year's values of the form's numeric items, each within ±20 % of this year's.

    Stocks move little (population ±1 %, FTE ±6-8 %, holdings = this year's − acquisitions
    + discards), flows up to ±20 %; zeros stay zero; ``"#"``, text and empty items are
    left out. Whole items stay whole, decimals keep the item's decimals, so rule L12
    says "OK" when the result is used as ``form.previous``. ``form`` is not changed.
    """
    spec = _spec(year)
    rng = random.Random(seed)
    prev: dict[int, float] = {}

    def num(v: Any) -> float | None:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            return None
        return v

    for it in spec.numeric_items:
        v = num(form.items.get(it.nr))
        if v is None:
            continue
        dec = int(it.decimals or 0)
        if v == 0:
            prev[it.nr] = 0
            continue
        if it.nr == 13:
            p = v if v < 5 or rng.random() < 0.8 else v + rng.choice((-1, 1))
        elif it.nr == 11:
            p = v if rng.random() < 0.7 else max(0.5, _half(v + _pm(rng, 2.5)))
        elif it.nr == 3:
            p = min(5.0, max(1.0, round(v + _pm(rng, 0.3), 1)))
        elif it.nr == 4 and num(form.items.get(5)) is not None and num(form.items.get(7)) is not None:
            p = v - form.items[5] + form.items[7]
        else:
            spread = _STABLE.get(it.nr, 0.2)
            p = v * (1 + _pm(rng, spread))
        if not 0.8 * v <= p <= 1.2 * v:
            p = v * (1 + _pm(rng, 0.1))
        if not math.isfinite(p):  # only for absurd inputs near the float limit
            continue
        p = round(p, dec) if dec else round(p)
        prev[it.nr] = max(0, p)
    # keep last year's staff and records consistent among themselves
    if {22, 23, 24} <= prev.keys():
        prev[23] = min(prev[23], prev[22])
        prev[24] = min(prev[24], prev[23])
    if {4, 9} <= prev.keys():
        prev[9] = min(prev[9], prev[4])
    return prev


def _pm(rng: random.Random, spread: float) -> float:
    """A relative change in [-spread, +spread]."""
    return rng.uniform(-spread, spread)


# --------------------------------------------------------------------------- the sample
def sample_form() -> FormData:
    """The shipped sample: a fixed, realistic library with every check OK.

    Miejsko-Gminna Biblioteka Publiczna w Przykładowie: 12 500 residents, 2 branches,
    a website with visit statistics, a satisfaction survey, and last year's values
    (``previous``) so that L12 is "OK" too; all 42 indicators have a value.
    """
    form = simulate_form(
        12_500,
        2,
        seed="afbp-2016-sample-22",
        podtyp="biblioteka gminy miejsko-wiejskiej",
        organizator="Gmina Przykładowo",
        www="http://www.biblioteka.przykladowo.example.pl",
        survey=True,
        visit_stats=True,
    )
    form.previous = simulate_previous(form, seed="afbp-2015-sample")
    return form


# --------------------------------------------------------------------------- mistakes
def _number(v: Any) -> bool:
    return not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v)


def inject_mistake(form: FormData, kind: str, *, seed: int | str) -> FormData:
    """A copy of ``form`` with one typical mistake of ``kind`` (see :data:`MISTAKES`)."""
    if kind not in MISTAKES:
        raise ValueError(f"unknown mistake kind {kind!r}; expected one of {list(MISTAKE_KINDS)}")
    rng = random.Random(f"{kind}|{seed}")
    out = copy.deepcopy(form)
    items = out.items

    if kind == "missing_item":
        cands = sorted(nr for nr, v in items.items() if nr != 1 and _number(v))
        if not cands:
            raise ValueError("the form has no numeric item to empty")
        items[rng.choice(cands)] = None

    elif kind == "k03_difference":
        cands = [(a, i) for a in _SINGLE_USE_ROWS for i, v in enumerate(out.k03.get(a, ())) if _number(v)]
        if not cands:
            raise ValueError("the form has no K-03 value to change")
        addr, unit = rng.choice(cands)
        row = list(out.k03[addr])
        v = row[unit]
        row[unit] = round(v + max(1, round(abs(v) * rng.uniform(0.05, 0.3))))
        out.k03[addr] = row

    elif kind == "rule_error":
        p5, p6 = items.get(5), items.get(6)
        if not (_number(p5) and _number(p6)):
            raise ValueError("rule_error needs numbers in items 5 and 6")
        items[6] = round(p5) + max(1, round(p5 * rng.uniform(0.02, 0.2)))

    elif kind == "hash_not_allowed":
        cands = sorted(nr for nr, v in items.items() if nr not in (1, 3, 15) and _number(v))
        if not cands:
            raise ValueError("the form has no numeric item for '#'")
        items[rng.choice(cands)] = "#"

    elif kind == "too_many_decimals":
        p22, p23 = items.get(22), items.get(23)
        if not _number(p22):
            raise ValueError("too_many_decimals needs a number in item 22")
        nr = 22
        if _number(p23) and p22 - p23 >= 0.01 - 1e-9 and rng.random() < 0.5:
            nr = 23
        items[nr] = round(items[nr] + rng.randint(1, 4) / 1000, 3)

    return out
