"""TERC (TERYT) register: województwa, powiaty, gminy, Warsaw dzielnice and city delegatury.

The register is read from the GUS "Urzędowy" TERC export shipped as package
data (``xl_afbp/data/terc.csv`` for the 2025 edition, which is the default,
and ``xl_afbp/data/terc_2020-01-01.csv`` for 2020).  Files are UTF-8 with a
BOM, ``;``-separated; every column is read as ``str`` so leading zeros stay.

Decisions
---------
* A **gmina** is a TERC row with RODZ 1 (gmina miejska), 2 (gmina wiejska)
  or 3 (gmina miejsko-wiejska).  Its code is the 7-digit TERC code
  ``WOJ + POW + GMI + RODZ`` (e.g. ``"3201011"`` for Białogard, gmina miejska).
  RODZ 4/5 (town and rural part of a gmina miejsko-wiejska) are not gminy and
  are not exposed.
* The 19 **delegatury** of Kraków, Łódź, Poznań and Wrocław (RODZ 9) are
  exposed like the dzielnice below (``kind == "delegatura"``): the AFBP form's
  list is "Gmina/Dzielnica" and the district libraries of these cities report
  for their part of the city (subtype "biblioteka gminy miejskiej –
  dzielnicowa").  They are in :func:`gminy` (the per-powiat drop-down) but not
  in :func:`all_gminy` unless asked (``include_delegatury=True``).
* The 18 **dzielnice of Warsaw** (RODZ 8) are exposed as :class:`Gmina`
  objects with ``rodz == "8"`` and ``kind == "dzielnica"``, attached to the
  powiat of Warsaw (``"1465"``), because the AFBP form's list is
  "Gmina/Dzielnica" and Warsaw's district libraries report separately.
  They are **not** counted as gminy: :func:`all_gminy` and the count check
  exclude them unless asked (2,479 gminy in 2025), while :func:`gminy`, which
  feeds the per-powiat dropdown list, includes them by default.
* Display names (for Excel dropdown lists, shown to Polish users):
  - województwo: the name in lower case, as usual in Polish
    (``"zachodniopomorskie"``; TERC writes it in upper case);
  - powiat: a land powiat keeps its TERC name (``"koszaliński"``); a city with
    powiat rights gets a suffix: ``"Koszalin (miasto na prawach powiatu)"``,
    ``"Warszawa (miasto stołeczne na prawach powiatu)"``;
  - gmina: always ``"<name> (<kind>)"``, e.g. ``"Bolesławiec (gmina
    miejska)"`` vs ``"Bolesławiec (gmina wiejska)"``; a dzielnica is
    ``"Mokotów (dzielnica)"``.
  Uniqueness within the parent unit is checked when the register is loaded
  (a clash would raise ``ValueError``).
* Loading checks the counts of województwa / powiaty / gminy against the
  figures documented for each shipped edition (:data:`EXPECTED_COUNTS`,
  16 / 380 / 2,479 for 2025) and raises ``ValueError`` on a mismatch.

Lookups raise ``KeyError`` for unknown codes or names.
"""

from __future__ import annotations

import functools
import importlib.resources
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from .expr.context import Places

__all__ = [
    "DEFAULT_EDITION",
    "EDITIONS",
    "EXPECTED_COUNTS",
    "GMINA_KINDS",
    "SUBTYPE_BY_RODZ",
    "Gmina",
    "Powiat",
    "TercRegister",
    "Wojewodztwo",
    "all_gminy",
    "check_counts",
    "find_wojewodztwo",
    "gminy",
    "load_terc",
    "lookup_gmina",
    "lookup_powiat",
    "lookup_wojewodztwo",
    "place_names",
    "places",
    "powiaty",
    "register_texts",
    "subtype_for_gmina",
    "wojewodztwa",
]

DEFAULT_EDITION = "2025"

#: edition key -> file name inside ``xl_afbp/data``
EDITIONS: dict[str, str] = {
    "2025": "terc.csv",
    "2020": "terc_2020-01-01.csv",
}

#: aliases accepted by :func:`load_terc` (the STAN_NA dates of the files)
_EDITION_ALIASES = {
    "2025-01-01": "2025",
    "2020-01-01": "2020",
}

#: (województwa, powiaty, gminy RODZ 1/2/3) per edition, from the data README
EXPECTED_COUNTS: dict[str, tuple[int, int, int]] = {
    "2025": (16, 380, 2479),
    "2020": (16, 380, 2477),
}

#: RODZ -> Polish label of the kind of unit
GMINA_KINDS: dict[str, str] = {
    "1": "gmina miejska",
    "2": "gmina wiejska",
    "3": "gmina miejsko-wiejska",
    "8": "dzielnica",
    "9": "delegatura",
}

#: RODZ -> AFBP library subtype (the "Podtyp" list of the form)
SUBTYPE_BY_RODZ: dict[str, str] = {
    "1": "biblioteka gminy miejskiej",
    "2": "biblioteka gminy wiejskiej",
    "3": "biblioteka gminy miejsko-wiejskiej",
    "8": "biblioteka gminy miejskiej – dzielnicowa",
    "9": "biblioteka gminy miejskiej – dzielnicowa",
}

_GMINA_RODZ = ("1", "2", "3")
_DZIELNICA_RODZ = "8"
_DELEGATURA_RODZ = "9"
_CITY_POW_MIN = 61  # POW >= 61: city with powiat rights


@dataclass(frozen=True)
class Wojewodztwo:
    """A województwo. ``code`` is the 2-digit TERC code, ``name`` lower case."""

    code: str
    name: str

    @property
    def display_name(self) -> str:
        return self.name


@dataclass(frozen=True)
class Powiat:
    """A powiat or a city with powiat rights. ``code`` = WOJ + POW (4 digits)."""

    code: str
    name: str
    woj_code: str
    kind: str = "powiat"  # TERC NAZWA_DOD
    display_name: str = field(default="", compare=False)

    @property
    def is_city(self) -> bool:
        """True for a city with powiat rights (POW >= 61)."""
        return int(self.code[2:4]) >= _CITY_POW_MIN


@dataclass(frozen=True)
class Gmina:
    """A gmina (RODZ 1/2/3) or a Warsaw dzielnica (RODZ 8).

    ``code7`` is WOJ + POW + GMI + RODZ, ``kind`` the Polish label
    (see :data:`GMINA_KINDS`), ``pow_code`` the 4-digit powiat code.
    """

    code7: str
    name: str
    rodz: str
    kind: str
    pow_code: str
    display_name: str = field(default="", compare=False)

    @property
    def woj_code(self) -> str:
        return self.code7[:2]

    @property
    def is_dzielnica(self) -> bool:
        """A Warsaw dzielnica (RODZ 8)."""
        return self.rodz == _DZIELNICA_RODZ

    @property
    def is_delegatura(self) -> bool:
        """A delegatura of Kraków, Łódź, Poznań or Wrocław (RODZ 9)."""
        return self.rodz == _DELEGATURA_RODZ

    @property
    def is_city_part(self) -> bool:
        """A dzielnica or a delegatura: part of a city, not a gmina."""
        return self.is_dzielnica or self.is_delegatura


def _powiat_display(name: str, pow_digits: str, kind: str) -> str:
    if int(pow_digits) < _CITY_POW_MIN:
        return name
    if "stołeczne" in kind:
        return f"{name} (miasto stołeczne na prawach powiatu)"
    return f"{name} (miasto na prawach powiatu)"


def _gmina_display(name: str, kind: str) -> str:
    return f"{name} ({kind})"


class TercRegister:
    """One edition of the TERC register, indexed for lookups.

    Build it with :func:`load_terc` (cached) rather than directly.
    """

    def __init__(self, edition: str, frame: pd.DataFrame) -> None:
        self.edition = edition
        stan = sorted(set(frame["STAN_NA"]) - {""})
        self.stan_na = stan[-1] if stan else ""
        self._woj: dict[str, Wojewodztwo] = {}
        self._pow: dict[str, Powiat] = {}
        self._gmina: dict[str, Gmina] = {}
        self._pow_by_woj: dict[str, list[Powiat]] = {}
        self._gmina_by_pow: dict[str, list[Gmina]] = {}

        for rec in frame.itertuples(index=False):
            woj, pw, gmi, rodz = rec.WOJ, rec.POW, rec.GMI, rec.RODZ
            name, dod = rec.NAZWA.strip(), rec.NAZWA_DOD.strip()
            if not woj:
                continue
            if not pw:
                self._woj[woj] = Wojewodztwo(code=woj, name=name.lower())
            elif not gmi:
                code = woj + pw
                self._pow[code] = Powiat(
                    code=code,
                    name=name,
                    woj_code=woj,
                    kind=dod,
                    display_name=_powiat_display(name, pw, dod),
                )
            elif rodz in _GMINA_RODZ or rodz in (_DZIELNICA_RODZ, _DELEGATURA_RODZ):
                code7 = woj + pw + gmi + rodz
                kind = GMINA_KINDS[rodz]
                if code7 in self._gmina:
                    raise ValueError(f"duplicate TERC code {code7} in edition {edition}")
                self._gmina[code7] = Gmina(
                    code7=code7,
                    name=name,
                    rodz=rodz,
                    kind=kind,
                    pow_code=woj + pw,
                    display_name=_gmina_display(name, kind),
                )

        for p in self._pow.values():
            if p.woj_code not in self._woj:
                raise ValueError(f"powiat {p.code} has no województwo row")
            self._pow_by_woj.setdefault(p.woj_code, []).append(p)
        for g in self._gmina.values():
            if g.pow_code not in self._pow:
                raise ValueError(f"gmina {g.code7} has no powiat row")
            self._gmina_by_pow.setdefault(g.pow_code, []).append(g)
        for lst in self._pow_by_woj.values():
            lst.sort(key=lambda p: p.code)
        for lst in self._gmina_by_pow.values():
            lst.sort(key=lambda g: g.code7)
        self._check_unique_display_names()

    def _check_unique_display_names(self) -> None:
        groups: list[tuple[str, list[str]]] = [
            ("województwa", [w.display_name for w in self._woj.values()])
        ]
        groups += [(f"powiaty of {k}", [p.display_name for p in v]) for k, v in self._pow_by_woj.items()]
        groups += [(f"gminy of {k}", [g.display_name for g in v]) for k, v in self._gmina_by_pow.items()]
        for label, names in groups:
            dup = [n for n, c in Counter(names).items() if c > 1]
            if dup:
                raise ValueError(f"display names not unique in {label}: {dup}")

    # -- queries ---------------------------------------------------------
    def wojewodztwa(self) -> list[Wojewodztwo]:
        return sorted(self._woj.values(), key=lambda w: w.code)

    def powiaty(self, woj_code: str | None = None) -> list[Powiat]:
        if woj_code is None:
            return sorted(self._pow.values(), key=lambda p: p.code)
        woj_code = str(woj_code).strip()
        if woj_code not in self._woj:
            raise KeyError(f"unknown województwo code {woj_code!r}")
        return list(self._pow_by_woj.get(woj_code, []))

    def gminy(self, pow_code: str, *, include_dzielnice: bool = True, include_delegatury: bool = True) -> list[Gmina]:
        pow_code = str(pow_code).strip()
        if pow_code not in self._pow:
            raise KeyError(f"unknown powiat code {pow_code!r}")
        items = self._gmina_by_pow.get(pow_code, [])
        return [g for g in items if _wanted(g, include_dzielnice, include_delegatury)]

    def all_gminy(self, *, include_dzielnice: bool = False, include_delegatury: bool = False) -> list[Gmina]:
        items = sorted(self._gmina.values(), key=lambda g: g.code7)
        return [g for g in items if _wanted(g, include_dzielnice, include_delegatury)]

    def gminy_of_wojewodztwo(self, woj_code: str, *, include_dzielnice: bool = False, include_delegatury: bool = False) -> list[Gmina]:
        woj_code = str(woj_code).strip()
        if woj_code not in self._woj:
            raise KeyError(f"unknown województwo code {woj_code!r}")
        units = self.all_gminy(include_dzielnice=include_dzielnice, include_delegatury=include_delegatury)
        return [g for g in units if g.woj_code == woj_code]

    def units(self) -> list[tuple[Wojewodztwo, Powiat, Gmina]]:
        """Every (województwo, powiat, gmina/dzielnica/delegatura) of the form's drop-down
        lists, in TERC order: the workbook's hidden lists and :func:`places` both come
        from here, so Excel and Python look places up in the same register."""
        return [(w, p, g) for w in self.wojewodztwa() for p in self.powiaty(w.code) for g in self.gminy(p.code)]

    def lookup_gmina(self, code7: str) -> Gmina:
        code = str(code7).strip()
        try:
            return self._gmina[code]
        except KeyError:
            raise KeyError(
                f"no gmina or dzielnica with TERC code {code!r} in edition {self.edition}"
            ) from None

    def lookup_powiat(self, code: str) -> Powiat:
        code = str(code).strip()
        try:
            return self._pow[code]
        except KeyError:
            raise KeyError(f"no powiat with TERC code {code!r} in edition {self.edition}") from None

    def lookup_wojewodztwo(self, code: str) -> Wojewodztwo:
        code = str(code).strip()
        try:
            return self._woj[code]
        except KeyError:
            raise KeyError(f"no województwo with TERC code {code!r}") from None

    def find_wojewodztwo(self, name: str) -> Wojewodztwo:
        """Find by name, case-insensitively ("zachodniopomorskie",
        "ZACHODNIOPOMORSKIE", "województwo zachodniopomorskie") or by
        2-digit code ("32")."""
        key = " ".join(str(name).split()).casefold()
        if key.startswith("województwo "):
            key = key[len("województwo "):]
        if key in self._woj:
            return self._woj[key]
        for w in self._woj.values():
            if w.name.casefold() == key:
                return w
        raise KeyError(f"unknown województwo {name!r}")

    def counts(self) -> tuple[int, int, int]:
        """(województwa, powiaty, gminy RODZ 1/2/3)."""
        return len(self._woj), len(self._pow), len(self.all_gminy())


def _wanted(g: Gmina, dzielnice: bool, delegatury: bool) -> bool:
    return (dzielnice or not g.is_dzielnica) and (delegatury or not g.is_delegatura)


def check_counts(register: TercRegister) -> None:
    """Raise ``ValueError`` if the register's counts differ from
    :data:`EXPECTED_COUNTS` for its edition (no-op for unknown editions)."""
    expected = EXPECTED_COUNTS.get(register.edition)
    got = register.counts()
    if expected is not None and got != expected:
        raise ValueError(
            f"TERC edition {register.edition}: expected województwa/powiaty/gminy "
            f"{expected}, got {got}"
        )


def _normalize_edition(edition: str | int) -> str:
    key = str(edition).strip()
    key = _EDITION_ALIASES.get(key, key)
    if key not in EDITIONS:
        raise KeyError(f"unknown TERC edition {edition!r}; known: {sorted(EDITIONS)}")
    return key


def read_terc_frame(edition: str | int = DEFAULT_EDITION) -> pd.DataFrame:
    """The raw TERC file of an edition as a DataFrame of strings."""
    key = _normalize_edition(edition)
    resource = importlib.resources.files("xl_afbp") / "data" / EDITIONS[key]
    with resource.open("r", encoding="utf-8-sig", newline="") as fh:
        frame = pd.read_csv(fh, sep=";", dtype=str, keep_default_na=False)
    frame.columns = [c.strip() for c in frame.columns]
    return frame


@functools.lru_cache(maxsize=None)
def _load(key: str) -> TercRegister:
    register = TercRegister(key, read_terc_frame(key))
    check_counts(register)
    return register


def load_terc(edition: str | int = DEFAULT_EDITION) -> TercRegister:
    """Load (once, cached) the TERC register of ``edition`` ("2025" or "2020";
    the STAN_NA dates "2025-01-01"/"2020-01-01" are accepted too)."""
    return _load(_normalize_edition(edition))


# -- module-level shortcuts on a given (default 2025) edition ---------------
def wojewodztwa(*, edition: str = DEFAULT_EDITION) -> list[Wojewodztwo]:
    """All 16 województwa, ordered by code."""
    return load_terc(edition).wojewodztwa()


def powiaty(woj_code: str, *, edition: str = DEFAULT_EDITION) -> list[Powiat]:
    """Powiaty (incl. cities with powiat rights) of a województwo, by code."""
    return load_terc(edition).powiaty(woj_code)


def gminy(pow_code: str, *, include_dzielnice: bool = True, include_delegatury: bool = True, edition: str = DEFAULT_EDITION) -> list[Gmina]:
    """Gminy of a powiat, by code; for Warsaw ("1465") also the 18 dzielnice and for
    Kraków, Łódź, Poznań and Wrocław their delegatury, unless excluded (the
    "Gmina/Dzielnica" list)."""
    return load_terc(edition).gminy(pow_code, include_dzielnice=include_dzielnice, include_delegatury=include_delegatury)


def all_gminy(*, include_dzielnice: bool = False, include_delegatury: bool = False, edition: str = DEFAULT_EDITION) -> list[Gmina]:
    """Every gmina (RODZ 1/2/3) of the country; dzielnice and delegatury only on request."""
    return load_terc(edition).all_gminy(include_dzielnice=include_dzielnice, include_delegatury=include_delegatury)


def place_names(code7: str, *, edition: str = DEFAULT_EDITION) -> tuple[str, str, str] | None:
    """(województwo, powiat, gmina) display names of a unit's TERC code, as the form's
    drop-downs show them; None for an empty or unknown code."""
    register = load_terc(edition)
    try:
        g = register.lookup_gmina(code7)
    except KeyError:
        return None
    return register.lookup_wojewodztwo(g.woj_code).display_name, register.lookup_powiat(g.pow_code).display_name, g.display_name


def register_texts(edition: str = DEFAULT_EDITION) -> list[tuple[str, str]]:
    """(województwo, ``|powiat>gmina=code|…|``) per województwo, in lower case, from
    :meth:`TercRegister.units` (display names, as the drop-downs show them): what rule
    ``teryt_ok()`` searches, in the workbook's hidden list and in Python alike."""
    rows: dict[str, list[str]] = {}
    for w, p, g in load_terc(edition).units():
        rows.setdefault(w.display_name, []).append(f"{p.display_name}>{g.display_name}={g.code7}")
    return [(w.lower(), ("|" + "|".join(entries) + "|").lower()) for w, entries in rows.items()]


@functools.lru_cache(maxsize=None)
def places(edition: str = DEFAULT_EDITION) -> Places:
    """The register as rule ``teryt_ok()`` reads it in Python (see :func:`register_texts`)."""
    from .expr.context import Places

    return Places(units=dict(register_texts(edition)))


def lookup_gmina(code7: str, *, edition: str = DEFAULT_EDITION) -> Gmina:
    """The gmina or dzielnica with this 7-digit TERC code (KeyError if none)."""
    return load_terc(edition).lookup_gmina(code7)


def lookup_powiat(code: str, *, edition: str = DEFAULT_EDITION) -> Powiat:
    return load_terc(edition).lookup_powiat(code)


def lookup_wojewodztwo(code: str, *, edition: str = DEFAULT_EDITION) -> Wojewodztwo:
    return load_terc(edition).lookup_wojewodztwo(code)


def find_wojewodztwo(name: str, *, edition: str = DEFAULT_EDITION) -> Wojewodztwo:
    """Find a województwo by name (case-insensitive) or 2-digit code."""
    return load_terc(edition).find_wojewodztwo(name)


def subtype_for_gmina(gmina: Gmina) -> str:
    """AFBP library subtype of the library of a gmina / dzielnica:
    RODZ 1 → "biblioteka gminy miejskiej", 2 → "biblioteka gminy wiejskiej",
    3 → "biblioteka gminy miejsko-wiejskiej",
    8 (dzielnica) and 9 (delegatura) → "biblioteka gminy miejskiej – dzielnicowa"."""
    try:
        return SUBTYPE_BY_RODZ[gmina.rodz]
    except KeyError:
        raise ValueError(f"no AFBP subtype for RODZ {gmina.rodz!r} ({gmina.code7})") from None
