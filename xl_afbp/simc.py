"""SIMC (TERYT localities): the Miejscowość list of every gmina, dzielnica and delegatura.

The shipped file ``xl_afbp/data/simc_2020-01-01.csv`` holds the independent localities of
the GUS SIMC register of 2020-01-01 (see ``xl_afbp/data/README.md``). The form's units come
from TERC 2025 (:mod:`xl_afbp.teryt`), so the two registers are joined with care:

* A gmina gets the localities whose ``WOJ + POW + GMI`` equal its own. ``RODZ`` is left out
  of the join: 76 gminy became miejsko-wiejskie (RODZ 2 → 3) between 2020 and 2025, and
  every SIMC row still matches a 2025 gmina this way.
* A dzielnica of Warsaw or a delegatura of Kraków, Łódź, Poznań, Wrocław gets the city
  itself (the locality of the city's gmina miejska): its library's seat is in that city.
* A gmina whose seat bears its name but lies outside it (the gmina wiejska Białogard is
  seated in the town Białogard; a gmina created after 2020, Szczawa or Grabówka, has no
  SIMC 2020 localities at all) also gets that seat: the locality of the same name in its
  powiat or, failing that, the town of that name in its województwo.

Names are unique and in Polish alphabetical order within a unit.
"""

from __future__ import annotations

import functools
import importlib.resources
import re

import pandas as pd

from .teryt import DEFAULT_EDITION, Gmina, load_terc

SIMC_FILE = "simc_2020-01-01.csv"
TOWN = "96"  # SIMC RM: miasto
_ALPHABET = "aąbcćdeęfghijklłmnńoóprsśtuvwxyzźż"
_ORDER = {ch: i for i, ch in enumerate(_ALPHABET)}


def polish_sort_key(text: str) -> tuple:
    """Polish alphabetical order (ą after a, ł after l, ż last), case-insensitive."""
    return tuple((_ORDER.get(ch, len(_ALPHABET) + ord(ch)), ch) for ch in text.lower())


def read_simc_frame() -> pd.DataFrame:
    """The shipped SIMC localities as a DataFrame of strings."""
    resource = importlib.resources.files("xl_afbp") / "data" / SIMC_FILE
    with resource.open("r", encoding="utf-8-sig", newline="") as fh:
        return pd.read_csv(fh, sep=";", dtype=str, keep_default_na=False)


def seat_name(g: Gmina) -> str:
    """``Dobra (Szczecińska)`` → ``Dobra``: TERC tells same-named gminy apart in brackets."""
    return re.sub(r"\s*\(.*\)$", "", g.name)


@functools.lru_cache(maxsize=None)
def localities_by_unit(edition: str = DEFAULT_EDITION) -> dict[str, tuple[str, ...]]:
    """7-digit TERC code of every unit of the form's Gmina/Dzielnica list → its localities."""
    register = load_terc(edition)
    frame = read_simc_frame()
    by_gmi: dict[str, set[str]] = {}
    by_pow: dict[str, dict[str, set[str]]] = {}  # powiat → name → gmi keys holding it
    towns: dict[str, set[str]] = {}  # województwo → town names
    for rec in frame.itertuples(index=False):
        gmi = rec.WOJ + rec.POW + rec.GMI
        by_gmi.setdefault(gmi, set()).add(rec.NAZWA)
        by_pow.setdefault(rec.WOJ + rec.POW, {}).setdefault(rec.NAZWA, set()).add(gmi)
        if rec.RM == TOWN:
            towns.setdefault(rec.WOJ, set()).add(rec.NAZWA)
    out: dict[str, tuple[str, ...]] = {}
    for _w, p, g in register.units():
        if g.is_city_part:
            city = next(c for c in register.gminy(p.code) if c.rodz == "1")
            names = set(by_gmi.get(city.code7[:6], ()))
        else:
            names = set(by_gmi.get(g.code7[:6], ()))
            seat = seat_name(g)
            if seat not in names:
                if seat in by_pow.get(p.code, {}) or seat in towns.get(g.woj_code, set()):
                    names.add(seat)
        out[g.code7] = tuple(sorted(names, key=polish_sort_key))
    return out


def localities(code7: str, *, edition: str = DEFAULT_EDITION) -> tuple[str, ...]:
    """The Miejscowość list of a gmina, dzielnica or delegatura (KeyError if unknown)."""
    table = localities_by_unit(edition)
    code = str(code7).strip()
    if code not in table:
        raise KeyError(f"no gmina, dzielnica or delegatura with TERC code {code!r}")
    return table[code]


def seat(code7: str, *, edition: str = DEFAULT_EDITION) -> str | None:
    """The likely seat of a unit's library: the locality named like the gmina, or the only
    locality of a dzielnica/delegatura (its city); None when the register cannot tell."""
    try:
        places = localities(code7, edition=edition)
    except KeyError:
        return None
    g = load_terc(edition).lookup_gmina(code7)
    name = seat_name(g)
    if name in places:
        return name
    return places[0] if len(places) == 1 else None
