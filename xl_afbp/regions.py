"""Lists of the public libraries of a województwo, for generating forms.

:func:`build_library_list` produces one row per library in the CSV schema the
form generator reads (:data:`LIBRARY_COLUMNS`); :func:`write_library_csv` and
:func:`read_library_csv` store and validate such lists.

What the list contains
----------------------
* **One library per gmina** (TERC RODZ 1/2/3) — the gminna / miejska /
  miejsko-gminna public library, with the AFBP subtype from
  :func:`xl_afbp.teryt.subtype_for_gmina`.
* In mazowieckie also **one library per Warsaw dzielnica** (subtype
  "biblioteka gminy miejskiej – dzielnicowa").
* **The województwo library** (:data:`REGIONAL_LIBRARIES`, real names).  Where
  it is a "biblioteka wojewódzka i miejska" it *is* the library of its city,
  so it replaces that city's gmina row (teryt = the city's code).  Where it is
  a plain "biblioteka wojewódzka" (e.g. the Książnica Pomorska in Szczecin,
  which has the Miejska Biblioteka Publiczna w Szczecinie beside it) it is an
  extra row, with teryt = the code of its seat and id suffix ``-W``.
  Kujawsko-pomorskie and lubuskie have two such libraries each (18 in all,
  as in the AFBP counts).  Which libraries are "i miejska" is general
  knowledge, not taken from the shared data.
* **The powiat libraries** (subtype "biblioteka powiatowa": a powiat is their
  organiser): the EBIB entries named "Powiatowa Biblioteka …" or "Biblioteka
  Powiatowa …" (not "Miejska i Powiatowa …", which are gmina libraries with
  powiat tasks by agreement), an extra row at their seat with id suffix
  ``-P``; residents of the seat, as AFBP item 1 defines it for them.

Where the data comes from
-------------------------
* Names: the real name from the EBIB directory (2021) when an EBIB entry of
  the same województwo has the gmina's name as its miejscowość (hyphens and
  case ignored; the powiat and words like "Miejska"/"Gminna" settle a town
  and a rural gmina of the same name; branches, school and other non-public
  entries are skipped).  Otherwise a name in the usual pattern, "Gminna /
  Miejska / Miejsko-Gminna Biblioteka Publiczna w <locative>", with the
  locative built by the rule-based :func:`locative` (it reproduces about 97%
  of the locatives found in EBIB names; when it cannot decline a name the
  nominative pattern "Biblioteka Publiczna Gminy <name>" is used).
* ``mieszkancy`` is **simulated**: there is no per-gmina population in the
  shared data.  Every gmina gets a deterministic log-normal draw (seeded by
  ``seed`` and its TERC code) whose median depends on its kind — the
  województwo capital > other cities with powiat rights > gminy miejskie >
  miejsko-wiejskie > wiejskie — and the draws are scaled (largest-remainder
  rounding) so that the gminy of the województwo sum exactly to its GUS
  population on 31 Dec 2023 (``gus_ludnosc_wojewodztwa_2023.csv``).  Warsaw's
  figure is split the same way among its dzielnice.  A plain "biblioteka
  wojewódzka" gets the population of its seat city, as AFBP item 1 defines it
  for województwo libraries (so the region's sum counts that city twice).
* ``filie`` (0–15, growing with the population), ``www`` (empty for some,
  more often in rural gminy) and ``email`` are simulated too: plausible
  values, **not** real addresses.
* ``organizator``: "Gmina X" (RODZ 2/3), "Gmina Miasto X" (RODZ 1),
  "Miasto Stołeczne Warszawa" (Warsaw, its dzielnice), "Województwo X" for
  the województwo libraries (Warsaw's library: the city).
* ``id``: the old ISO 3166-2:PL letter code of the województwo + the TERC
  code, e.g. ``"ZP-3201011"``; stable across runs and seeds.
* ``wojewodztwo``/``powiat``/``gmina`` hold the display names of
  :mod:`xl_afbp.teryt` (the values of the form's dropdown lists);
  ``teryt`` is the 7-digit TERC code of the gmina / dzielnica.
"""

from __future__ import annotations

import csv
import functools
import importlib.resources
import math
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

from .teryt import (
    DEFAULT_EDITION,
    Gmina,
    Powiat,
    TercRegister,
    Wojewodztwo,
    load_terc,
    subtype_for_gmina,
)

__all__ = [
    "DEFAULT_SEED",
    "LIBRARY_COLUMNS",
    "REGIONAL_LIBRARIES",
    "REQUIRED_COLUMNS",
    "WOJ_PREFIXES",
    "RegionalLibrary",
    "allowed_subtypes",
    "build_library_list",
    "starting_list",
    "ebib_libraries",
    "gus_population",
    "locative",
    "read_library_csv",
    "simulate_population",
    "write_library_csv",
]

DEFAULT_SEED = 2023

LIBRARY_COLUMNS: tuple[str, ...] = (
    "id", "nazwa", "organizator", "podtyp", "wojewodztwo", "powiat", "gmina",
    "miejscowosc", "teryt", "mieszkancy", "filie", "www", "email",
)

#: columns that must be present in the header and filled in every row;
#: the others may be missing (read as empty) or empty
REQUIRED_COLUMNS: tuple[str, ...] = (
    "id", "nazwa", "organizator", "podtyp", "teryt", "mieszkancy", "filie",
)



@functools.lru_cache(maxsize=8)
def allowed_subtypes(edition: int | str | None = None) -> tuple[str, ...]:
    """The library subtypes a list may name: the choices of the spec's subtype field."""
    from .spec import load_spec

    return load_spec(edition).subtypes

WOJEWODZKA = "biblioteka wojewódzka"
WOJEWODZKA_I_MIEJSKA = "biblioteka wojewódzka i miejska"
POWIATOWA = "biblioteka powiatowa"

#: TERC code -> former ISO 3166-2:PL letter code, used as the id prefix
WOJ_PREFIXES: dict[str, str] = {
    "02": "DS", "04": "KP", "06": "LU", "08": "LB", "10": "LD", "12": "MA",
    "14": "MZ", "16": "OP", "18": "PK", "20": "PD", "22": "PM", "24": "SL",
    "26": "SK", "28": "WN", "30": "WP", "32": "ZP",
}

WARSAW_CODE7 = "1465011"
WARSAW_ORGANIZER = "Miasto Stołeczne Warszawa"


@dataclass(frozen=True)
class RegionalLibrary:
    """A województwo library: seat = TERC code of the gmina it is in."""

    woj_code: str
    nazwa: str
    seat: str
    podtyp: str
    organizator: str | None = None  # None -> "Województwo <Name>"


REGIONAL_LIBRARIES: tuple[RegionalLibrary, ...] = (
    RegionalLibrary("02", "Dolnośląska Biblioteka Publiczna im. Tadeusza Mikulskiego we Wrocławiu",
                    "0264011", WOJEWODZKA),
    RegionalLibrary("04", "Wojewódzka i Miejska Biblioteka Publiczna im. dr. Witolda Bełzy w Bydgoszczy",
                    "0461011", WOJEWODZKA_I_MIEJSKA),
    RegionalLibrary("04", "Wojewódzka Biblioteka Publiczna – Książnica Kopernikańska w Toruniu",
                    "0463011", WOJEWODZKA_I_MIEJSKA),
    RegionalLibrary("06", "Wojewódzka Biblioteka Publiczna im. Hieronima Łopacińskiego w Lublinie",
                    "0663011", WOJEWODZKA),
    RegionalLibrary("08", "Wojewódzka i Miejska Biblioteka Publiczna im. Zbigniewa Herberta w Gorzowie "
                    "Wielkopolskim", "0861011", WOJEWODZKA_I_MIEJSKA),
    RegionalLibrary("08", "Wojewódzka i Miejska Biblioteka Publiczna im. Cypriana Kamila Norwida "
                    "w Zielonej Górze", "0862011", WOJEWODZKA_I_MIEJSKA),
    RegionalLibrary("10", "Wojewódzka Biblioteka Publiczna im. Marszałka Józefa Piłsudskiego w Łodzi",
                    "1061011", WOJEWODZKA),
    RegionalLibrary("12", "Wojewódzka Biblioteka Publiczna w Krakowie", "1261011", WOJEWODZKA),
    RegionalLibrary("14", "Biblioteka Publiczna m.st. Warszawy – Biblioteka Główna Województwa "
                    "Mazowieckiego", WARSAW_CODE7, WOJEWODZKA_I_MIEJSKA, WARSAW_ORGANIZER),
    RegionalLibrary("16", "Wojewódzka Biblioteka Publiczna im. Emanuela Smołki w Opolu", "1661011", WOJEWODZKA),
    RegionalLibrary("18", "Wojewódzka i Miejska Biblioteka Publiczna w Rzeszowie", "1863011",
                    WOJEWODZKA_I_MIEJSKA),
    RegionalLibrary("20", "Książnica Podlaska im. Łukasza Górnickiego w Białymstoku", "2061011",
                    WOJEWODZKA_I_MIEJSKA),
    RegionalLibrary("22", "Wojewódzka i Miejska Biblioteka Publiczna im. Josepha Conrada-Korzeniowskiego "
                    "w Gdańsku", "2261011", WOJEWODZKA_I_MIEJSKA),
    RegionalLibrary("24", "Biblioteka Śląska w Katowicach", "2469011", WOJEWODZKA),
    RegionalLibrary("26", "Wojewódzka Biblioteka Publiczna im. Witolda Gombrowicza w Kielcach", "2661011",
                    WOJEWODZKA),
    RegionalLibrary("28", "Wojewódzka Biblioteka Publiczna im. Emilii Sukertowej-Biedrawiny w Olsztynie",
                    "2862011", WOJEWODZKA),
    RegionalLibrary("30", "Wojewódzka Biblioteka Publiczna i Centrum Animacji Kultury w Poznaniu",
                    "3064011", WOJEWODZKA),
    RegionalLibrary("32", "Książnica Pomorska im. Stanisława Staszica w Szczecinie", "3262011", WOJEWODZKA),
)


# ---------------------------------------------------------------------------
# package data
# ---------------------------------------------------------------------------
def _data_text(name: str) -> str:
    return (importlib.resources.files("xl_afbp") / "data" / name).read_text(encoding="utf-8-sig")


@functools.lru_cache(maxsize=None)
def gus_population() -> dict[str, int]:
    """GUS population on 31 Dec 2023 by województwo TERC code (16 entries)."""
    rows = csv.DictReader(_data_text("gus_ludnosc_wojewodztwa_2023.csv").splitlines(), delimiter=";")
    return {r["woj_kod_teryt"]: int(r["ludnosc_ogolem_31_12_2023"]) for r in rows if r["woj_kod_teryt"]}


@functools.lru_cache(maxsize=None)
def ebib_libraries() -> tuple[dict[str, str], ...]:
    """The EBIB 2021 public-library directory (1,128 rows, as shipped)."""
    rows = csv.DictReader(_data_text("ebib_biblioteki_publiczne_2021.csv").splitlines(), delimiter=";")
    return tuple(dict(r) for r in rows)


# ---------------------------------------------------------------------------
# Polish locative (miejscownik) of place names, rule based
# ---------------------------------------------------------------------------
_ADJ_WORDS = {
    "nowy", "nowa", "nowe", "stary", "stara", "stare", "wielki", "wielka", "wielkie",
    "mały", "mała", "małe", "biały", "biała", "białe", "czarny", "czarna", "czarne",
    "dobra", "dobre", "dobry", "górny", "górna", "górne", "dolny", "dolna", "dolne",
    "zielona", "zielony", "sucha", "suchy", "wysoka", "wysokie", "wysoki", "borne",
    "krzywa", "kamienna", "kamienny", "złoty", "złota", "złote", "ruciane", "święta",
    "święty", "święte", "duży", "duża", "duże", "jelenia",
}

# (ending, replacement) for nouns; the longest matching ending wins
_NOUN_RULES: list[tuple[str, str]] = [
    # neuter -o
    ("owo", "owie"), ("ewo", "ewie"), ("sto", "ście"), ("sło", "śle"), ("zło", "źle"),
    ("sno", "śnie"), ("zno", "źnie"), ("czno", "cznie"), ("szno", "sznie"), ("rzno", "rznie"),
    ("ko", "ku"), ("go", "gu"), ("cho", "chu"), ("no", "nie"), ("to", "cie"), ("do", "dzie"),
    ("ło", "le"), ("ro", "rze"), ("mo", "mie"), ("po", "pie"), ("bo", "bie"), ("so", "sie"),
    ("zo", "zie"), ("wo", "wie"), ("lo", "le"), ("co", "cu"), ("io", "iu"),
    # neuter names declined like adjectives (Krasne -> Krasnem)
    ("ane", "anem"), ("ne", "nem"), ("pe", "pem"), ("se", "sem"), ("te", "tem"), ("ze", "zem"),
    ("kie", "kiem"), ("owe", "owem"),
    # plural -ce / -je / -cze / -sze / -nie, neuter -e
    ("ice", "icach"), ("yce", "ycach"), ("ce", "cach"), ("je", "jach"), ("dze", "dzach"),
    ("cze", "czach"), ("sze", "szach"), ("nie", "niach"), ("onie", "oniu"), ("ie", "iu"),
    ("le", "lu"), ("rze", "rzu"), ("że", "żu"),
    # plural -y / -i
    ("ki", "kach"), ("gi", "gach"), ("y", "ach"),
    # feminine -a
    ("iska", "iskach"), ("yska", "yskach"),
    ("nia", "ni"), ("sia", "si"), ("cia", "ci"), ("zia", "zi"), ("ria", "rii"), ("gia", "gii"),
    ("kia", "kii"), ("lia", "lii"), ("ia", "i"),
    ("ka", "ce"), ("ga", "dze"), ("cha", "sze"), ("sła", "śle"), ("ła", "le"),
    ("rza", "rzy"), ("cza", "czy"), ("sza", "szy"), ("ża", "ży"), ("dza", "dzy"), ("ca", "cy"),
    ("la", "li"), ("ja", "i"), ("ra", "rze"), ("sta", "ście"), ("da", "dzie"), ("ta", "cie"),
    ("ina", "inie"), ("yna", "ynie"), ("jna", "jnie"), ("ona", "onie"), ("ana", "anie"),
    ("na", "nej"), ("browa", "browie"), ("owa", "owej"), ("ewa", "ewej"), ("wa", "wie"),
    ("ma", "mie"), ("ba", "bie"), ("pa", "pie"), ("sa", "sie"), ("za", "zie"), ("fa", "fie"),
    # consonant-final
    ("ów", "owie"), ("ław", "ławiu"), ("ew", "ewie"), ("w", "wie"),
    ("dziec", "dźcu"), ("ściec", "śćcu"), ("ciec", "ćcu"), ("ziec", "źcu"), ("siec", "ścu"),
    ("niec", "ńcu"), ("iec", "cu"), ("ec", "cu"),
    ("ek", "ku"), ("k", "ku"), ("g", "gu"), ("ch", "chu"),
    ("sz", "szu"), ("cz", "czu"), ("rz", "rzu"), ("ż", "żu"), ("dz", "dzu"),
    ("c", "cu"), ("j", "ju"), ("ól", "oli"), ("l", "lu"), ("ń", "niu"), ("ść", "ściu"),
    ("ś", "siu"), ("ć", "ciu"), ("dź", "dzi"), ("ź", "ziu"), ("st", "ście"), ("zd", "ździe"),
    ("sł", "śle"), ("ł", "le"), ("d", "dzie"), ("t", "cie"), ("r", "rze"), ("n", "nie"),
    ("om", "omiu"), ("im", "imiu"), ("ym", "ymiu"), ("m", "mie"), ("b", "bie"), ("p", "pie"),
    ("f", "fie"), ("s", "sie"), ("z", "zie"),
]
_NOUN_RULES.sort(key=lambda r: -len(r[0]))
_ADJ_SING = sorted(
    [("ski", "skim"), ("cki", "ckim"), ("dzki", "dzkim"), ("ki", "kim"), ("gi", "gim"),
     ("kie", "kim"), ("gie", "gim"), ("ka", "kiej"), ("ga", "giej"), ("ia", "iej"), ("ie", "im"),
     ("y", "ym"), ("e", "ym"), ("a", "ej"), ("i", "im")],
    key=lambda r: -len(r[0]),
)
_ADJ_PLUR = sorted(
    [("kie", "kich"), ("gie", "gich"), ("ki", "kich"), ("gi", "gich"), ("ie", "ich"),
     ("e", "ych"), ("y", "ych"), ("i", "ich")],
    key=lambda r: -len(r[0]),
)
_SPECIAL_WORDS = {"zdrój": "Zdroju", "miasto": "Mieście", "wieś": "Wsi", "las": "Lesie",
                  "dół": "Dole", "koło": "Kole", "łódź": "Łodzi"}
_WHOLE_NAMES = {
    "częstochowa": "Częstochowie", "wschowa": "Wschowie", "włoszczowa": "Włoszczowie",
    "podkowa leśna": "Podkowie Leśnej", "białystok": "Białymstoku", "łobez": "Łobzie",
    "gołdap": "Gołdapi", "krasnystaw": "Krasnymstawie", "rumia": "Rumii", "biała": "Białej",
    "bydgoszcz": "Bydgoszczy", "pakość": "Pakości", "nowa sól": "Nowej Soli",
    "chodzież": "Chodzieży", "bielsko-biała": "Bielsku-Białej", "kalwaria": "Kalwarii",
    "góra kalwaria": "Górze Kalwarii", "kalwaria zebrzydowska": "Kalwarii Zebrzydowskiej",
    "ostrów mazowiecka": "Ostrowi Mazowieckiej", "konstancin-jeziorna": "Konstancinie-Jeziornie",
    "golub-dobrzyń": "Golubiu-Dobrzyniu", "jabłonna": "Jabłonnie", "zakopane": "Zakopanem",
    "polska cerekiew": "Polskiej Cerekwi", "dębe wielkie": "Dębem Wielkim",
}
_ONE_CONSONANT = ("rz", "sz", "cz", "ch", "dz", "b", "d", "g", "k", "ł", "l", "m", "n", "r",
                  "s", "t", "z", "ż", "ź", "j")
_POST_ADJ = ("ska", "cka", "dzka", "ski", "cki", "dzki", "skie", "ckie", "dzkie")
_STOP_WORDS = {"nad", "pod", "przy", "na", "w"}


def _noun_locative(word: str) -> str | None:
    low = word.lower()
    if low in _SPECIAL_WORDS:
        rep = _SPECIAL_WORDS[low]
        return rep if word[:1].isupper() else rep.lower()
    for cons in _ONE_CONSONANT:  # ó -> o in the last syllable: Bór -> Borze
        if low.endswith("ó" + cons) and len(low) > len(cons) + 1:
            i = len(word) - len(cons) - 1
            word = word[:i] + ("O" if word[i] == "Ó" else "o") + word[i + 1:]
            low = word.lower()
            break
    for suf, rep in _NOUN_RULES:
        if low.endswith(suf) and len(low) > len(suf):
            return word[: len(word) - len(suf)] + rep
    return None


def _adj_locative(word: str, plural: bool = False) -> str | None:
    low = word.lower()
    if low == "borne":
        return word + "m"
    for suf, rep in _ADJ_PLUR if plural else _ADJ_SING:
        if low.endswith(suf):
            return word[: len(word) - len(suf)] + rep
    return None


def _is_adjective(word: str, first: bool) -> bool:
    low = word.lower()
    if low in _ADJ_WORDS:
        return True
    if first:
        return low.endswith(("ska", "cka", "dzka", "skie", "ckie", "dzkie", "sia", "bia", "zia",
                             "wia", "owana", "ięta")) and not low.endswith(("iska", "yska"))
    return low.endswith(("i", "y", "a", "e"))


def locative(name: str) -> str | None:
    """Locative case of a Polish place name, for "w <locative>".

    Rule based (endings of nouns and adjectives, a short list of irregular
    names); returns ``None`` when no rule applies.  Examples: "Szczecinek" →
    "Szczecinku", "Drawsko Pomorskie" → "Drawsku Pomorskim", "Police" →
    "Policach", "Widuchowa" → "Widuchowej", "Połczyn-Zdrój" →
    "Połczynie-Zdroju", "Dobra (Szczecińska)" → "Dobrej (Szczecińskiej)".
    """
    name = " ".join(str(name).split())
    if not name:
        return None
    m = re.fullmatch(r"(.+?) \((.+)\)", name)
    if m:
        main = locative(m.group(1))
        extra = " ".join(_adj_locative(w) or w for w in m.group(2).split())
        return None if main is None else f"{main} ({extra})"
    words = name.split(" ")
    tail: list[str] = []
    for i, w in enumerate(words):
        if i and w.lower() in _STOP_WORDS:  # "Nowe Miasto nad Pilicą"
            words, tail = words[:i], words[i:]
            break
    whole = " ".join(words).lower()
    if whole in _WHOLE_NAMES:
        return " ".join([_WHOLE_NAMES[whole], *tail])
    if len(words) == 1:
        kinds = ["noun"]
    else:
        head = 1 if _is_adjective(words[0], True) and not words[1].lower().endswith(_POST_ADJ) else 0
        kinds = ["adj"] * head + ["noun"] + [
            "adj" if _is_adjective(w, False) else "noun" for w in words[head + 1:]
        ]
    out: list[str | None] = [None] * len(words)
    plural = False
    for i, w in enumerate(words):
        if kinds[i] == "noun":
            res = [_adj_locative(p) if p.lower() in _ADJ_WORDS else _noun_locative(p) for p in w.split("-")]
            if any(r is None for r in res):
                return None
            out[i] = "-".join(res)  # type: ignore[arg-type]
            plural = plural or res[0].endswith("ach")  # type: ignore[union-attr]
    for i, w in enumerate(words):
        if kinds[i] == "adj":
            out[i] = _adj_locative(w, plural)
            if out[i] is None:
                return None
    return " ".join([*out, *tail])  # type: ignore[list-item]


def _w(loc: str) -> str:
    """The preposition "w" or "we" (before w/f + consonant: "we Wrocławiu")."""
    low = loc.lower()
    if len(low) > 1 and low[0] in "wf" and low[1] not in "aeiouyąęó":
        return "we"
    return "w"


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
_TRANSLIT = str.maketrans("ąćęłńóśźż", "acelnoszz")


def _slug(text: str) -> str:
    text = text.lower().translate(_TRANSLIT)
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _plain_name(gmina: Gmina) -> str:
    """Gmina name without a parenthesised qualifier ("Dobra (Szczecińska)")."""
    return re.sub(r"\s*\(.*?\)\s*", " ", gmina.name).strip()


def _norm(text: str) -> str:
    text = text.casefold().replace("-", " ")
    text = re.sub(r"\(.*?\)", " ", text)
    return " ".join(text.split())


def _woj_title(woj: Wojewodztwo | Powiat) -> str:
    return "-".join(p[:1].upper() + p[1:] for p in woj.name.split("-"))


def _rng(seed: object, *parts: str) -> random.Random:
    return random.Random(":".join([str(seed), *parts]))


def _largest_remainder(weights: Mapping[str, float], total: int) -> dict[str, int]:
    wsum = sum(weights.values())
    exact = {k: w * total / wsum for k, w in weights.items()}
    out = {k: int(math.floor(v)) for k, v in exact.items()}
    rest = total - sum(out.values())
    for k in sorted(exact, key=lambda k: (-(exact[k] - out[k]), k))[:rest]:
        out[k] += 1
    return out


def _regional(woj_code: str) -> list[RegionalLibrary]:
    return [r for r in REGIONAL_LIBRARIES if r.woj_code == woj_code]


# ---------------------------------------------------------------------------
# simulated population
# ---------------------------------------------------------------------------
#: rough size (median of the draw) of the cities that host a województwo
#: library; general knowledge, rounded — only the order of magnitude matters
_CAPITAL_MEDIANS: dict[str, int] = {
    "0264011": 650_000, "0461011": 330_000, "0463011": 195_000, "0663011": 330_000,
    "0861011": 120_000, "0862011": 140_000, "1061011": 650_000, "1261011": 800_000,
    "1465011": 1_800_000, "1661011": 125_000, "1863011": 195_000, "2061011": 295_000,
    "2261011": 485_000, "2469011": 280_000, "2661011": 185_000, "2862011": 170_000,
    "3064011": 540_000, "3262011": 390_000,
}


def _population_median(g: Gmina, register: TercRegister) -> tuple[float, float]:
    """(median, sigma of the log) of the simulated population of a gmina."""
    if g.code7 in _CAPITAL_MEDIANS:
        return _CAPITAL_MEDIANS[g.code7], 0.1
    if g.rodz == "1" and register.lookup_powiat(g.pow_code).is_city:
        return 60_000, 0.5
    return {"1": (20_000, 0.5), "3": (10_000, 0.4), "2": (5_500, 0.35)}[g.rodz]


def simulate_population(
    wojewodztwo: str, *, seed: object = DEFAULT_SEED, edition: str = DEFAULT_EDITION
) -> dict[str, int]:
    """Simulated residents per gmina (and Warsaw dzielnica) of a województwo.

    Deterministic for a given seed.  The gminy (RODZ 1/2/3) sum exactly to the
    GUS population of the województwo on 31 Dec 2023; Warsaw's dzielnice sum
    to Warsaw's figure.  Not real data — see the module docstring.
    """
    register = load_terc(edition)
    woj = register.find_wojewodztwo(wojewodztwo)
    weights: dict[str, float] = {}
    for g in register.gminy_of_wojewodztwo(woj.code):
        median, sigma = _population_median(g, register)
        weights[g.code7] = math.exp(_rng(seed, g.code7, "pop").gauss(math.log(median), sigma))
    result = _largest_remainder(weights, gus_population()[woj.code])
    if WARSAW_CODE7 in result:
        dz = [g for g in register.gminy("1465") if g.is_dzielnica]
        dweights = {g.code7: math.exp(_rng(seed, g.code7, "pop").gauss(math.log(100_000), 0.45)) for g in dz}
        result.update(_largest_remainder(dweights, result[WARSAW_CODE7]))
    return result


# ---------------------------------------------------------------------------
# EBIB matching
# ---------------------------------------------------------------------------
_EBIB_SKIP = (
    "filia", "filii", "oddział", "wypożyczal", "czytelni", "punkt bibl", "szkoł", "pedagogiczn",
    "narodowego banku", "nbp", "wojewódzk", "centrum informacji", "naukow", "uczelni",
    "książnica pomorska", "biblioteka śląska", "książnica podlaska", "książnica kopernikańska",
    "biblioteka główna województwa",
)


def _kind_hint(name: str) -> str | None:
    n = name.casefold()
    if any(k in n for k in ("miejsko-gminn", "miejsko gminn", "miasta i gminy", "gminy i miasta",
                            "miejska i gminna")):
        return "3"
    if "gminn" in n or "gminy" in n:
        return "2"
    if "miejsk" in n or "miasta" in n:
        return "1"
    return None


def _is_powiat_library(name: str) -> bool:
    """A library whose organiser is a powiat (not a gmina library with powiat tasks)."""
    low = name.casefold()
    return low.startswith(("powiatowa biblioteka", "biblioteka powiatowa")) and not any(k in low for k in ("miejsk", "gminn"))


def _powiat_libraries(woj: Wojewodztwo, register: TercRegister) -> list[tuple[str, Gmina]]:
    """(EBIB name, seat gmina) of the powiat libraries of ``woj``: the seat is the urban or
    urban-rural gmina of the entry's miejscowość (in its powiat when EBIB names one)."""
    out: dict[str, tuple[str, Gmina]] = {}
    gminy = [g for g in register.gminy_of_wojewodztwo(woj.code) if g.rodz in ("1", "3")]
    for row in ebib_libraries():
        name = " ".join(row["nazwa"].split())
        if row.get("wojewodztwo", "").strip().casefold() != woj.name or not _is_powiat_library(name) or any(k in name.casefold() for k in _EBIB_SKIP):
            continue
        place = _norm(row.get("miejscowosc", ""))
        pw = _norm(re.sub(r"^powiat\s+", "", row.get("powiat", "").strip(), flags=re.I))
        seats = [g for g in gminy if _norm(_plain_name(g)) == place]
        if len(seats) > 1 and pw:
            seats = [g for g in seats if _norm(register.lookup_powiat(g.pow_code).name) == pw] or seats
        if len(seats) == 1 and seats[0].code7 not in out:
            out[seats[0].code7] = (name, seats[0])
    return [out[k] for k in sorted(out)]


def _ebib_names(woj: Wojewodztwo, register: TercRegister) -> dict[str, str]:
    """TERC code -> real EBIB name for the gminy / dzielnice of ``woj``."""
    gminy = register.gminy_of_wojewodztwo(woj.code)
    by_name: dict[str, list[Gmina]] = {}
    for g in gminy:
        by_name.setdefault(_norm(_plain_name(g)), []).append(g)
    dzielnice = {_norm(g.name): g for g in register.gminy_of_wojewodztwo(woj.code, include_dzielnice=True)
                 if g.is_dzielnica}
    candidates: dict[str, list[tuple[tuple, str]]] = {}

    for row in ebib_libraries():
        if row.get("wojewodztwo", "").strip().casefold() != woj.name:
            continue
        name = " ".join(row["nazwa"].split())
        low = name.casefold()
        if not name or any(k in low for k in _EBIB_SKIP) or _is_powiat_library(name):
            continue
        try:
            ebib_id = int(row.get("ebib_id") or 0)
        except ValueError:
            ebib_id = 0
        place = _norm(row.get("miejscowosc", ""))
        hint = _kind_hint(name)
        target: Gmina | None = None
        m = re.search(r"dzielnic\w*\s+(\S+)", low)
        if dzielnice and place == "warszawa" and m:
            target = dzielnice.get(_norm(m.group(1)))
        elif place in by_name:
            cands = by_name[place]
            pw = _norm(re.sub(r"^powiat\s+", "", row.get("powiat", "").strip(), flags=re.I))
            if len(cands) > 1 and pw:
                same = [g for g in cands if _norm(register.lookup_powiat(g.pow_code).name) == pw]
                cands = same or cands
            if len(cands) > 1:
                pows = {g.pow_code for g in cands}
                if len(pows) == 1:  # town + rural gmina of the same name
                    want = "2" if hint == "2" else "1"
                    cands = [g for g in cands if g.rodz == want] or cands
            if len(cands) == 1:
                target = cands[0]
        if target is None:
            continue
        rank = (
            0 if hint == target.rodz or target.is_dzielnica else 1,
            0 if low.startswith(("biblioteka", "gminna", "miejska", "miejsko")) else 1,
            len(name),
            ebib_id,
        )
        candidates.setdefault(target.code7, []).append((rank, name))
    return {code: min(c)[1] for code, c in candidates.items()}


# ---------------------------------------------------------------------------
# the list
# ---------------------------------------------------------------------------
def _generated_name(g: Gmina) -> str:
    if g.is_dzielnica:
        return f"Biblioteka Publiczna w Dzielnicy {g.name} m.st. Warszawy"
    loc = locative(g.name)
    if loc is None:
        return {"1": "Biblioteka Publiczna Miasta {n}", "2": "Biblioteka Publiczna Gminy {n}",
                "3": "Biblioteka Publiczna Miasta i Gminy {n}"}[g.rodz].format(n=g.name)
    prefix = {"1": "Miejska", "2": "Gminna", "3": "Miejsko-Gminna"}[g.rodz]
    return f"{prefix} Biblioteka Publiczna {_w(loc)} {loc}"


def _organizer(g: Gmina) -> str:
    if g.is_dzielnica or g.code7 == WARSAW_CODE7:
        return WARSAW_ORGANIZER
    return f"Gmina Miasto {g.name}" if g.rodz == "1" else f"Gmina {g.name}"


def _filie(pop: int, rng: random.Random, bonus: float = 0.0) -> int:
    expected = 2.2 * math.log(max(pop, 1) / 3_000) + bonus
    return int(min(15, max(0, round(expected + rng.gauss(0, 1.0)))))


def _contacts(g: Gmina, podtyp: str, rng: random.Random, used: set[str]) -> tuple[str, str]:
    """Simulated (www, email); ``used`` collects domains to keep them unique."""
    slug = _slug(_plain_name(g))
    flat = slug.replace("-", "")
    abbr = {"1": "mbp", "2": "gbp", "3": "mgbp"}.get(g.rodz, "bp")
    if podtyp in (WOJEWODZKA, WOJEWODZKA_I_MIEJSKA):
        options = [f"wbp.{slug}.pl", f"wbp-{slug}.pl"]
        p_empty = 0.0
    elif g.is_dzielnica:
        options = [f"bp-{slug}.waw.pl", f"biblioteka-{slug}.waw.pl"]
        p_empty = 0.0
    else:
        options = [f"{abbr}.{slug}.pl", f"biblioteka.{slug}.pl", f"{abbr}{flat}.pl"]
        rng.shuffle(options)
        p_empty = {"1": 0.03, "3": 0.10, "2": 0.25}[g.rodz]
    options.append(f"{options[0].rsplit('.', 1)[0]}-{g.code7}.pl")  # last resort, unique
    domain = next(d for d in options if d not in used)
    used.add(domain)
    if rng.random() < p_empty:
        mailbox = rng.choice(["wp.pl", "op.pl", "onet.pl", "interia.pl", "o2.pl"])
        email = f"{rng.choice([abbr, 'biblioteka'])}.{flat}@{mailbox}"
        if email in used:
            email = email.replace("@", f".{g.code7[:4]}@")
        used.add(email)
        return "", email
    box = rng.choice(["biblioteka", "sekretariat", "kontakt", domain.split(".")[0].split("-")[0]])
    return f"https://www.{domain}", f"{box}@{domain}"


def _row(woj: Wojewodztwo, g: Gmina, register: TercRegister, *, rid: str, nazwa: str,
         organizator: str, podtyp: str, mieszkancy: int, filie: int, www: str, email: str) -> dict:
    return {
        "id": rid,
        "nazwa": nazwa,
        "organizator": organizator,
        "podtyp": podtyp,
        "wojewodztwo": woj.display_name,
        "powiat": register.lookup_powiat(g.pow_code).display_name,
        "gmina": g.display_name,
        "miejscowosc": "Warszawa" if g.is_dzielnica else _plain_name(g),
        "teryt": g.code7,
        "mieszkancy": mieszkancy,
        "filie": filie,
        "www": www,
        "email": email,
    }


def build_library_list(
    wojewodztwo: str, *, seed: object = DEFAULT_SEED, edition: str = DEFAULT_EDITION
) -> list[dict]:
    """The public libraries of a województwo, one dict per library with the
    keys of :data:`LIBRARY_COLUMNS` (``mieszkancy`` and ``filie`` as ints).

    ``wojewodztwo`` is a name in any case ("zachodniopomorskie") or a TERC
    code.  The województwo libraries come first, then the gminy and Warsaw
    dzielnice in TERC order.  Names from EBIB where possible; population,
    branches, www and e-mail are simulated (see the module docstring).
    Deterministic for a given ``seed``; ids do not depend on the seed.
    """
    return [row for row, _checks in _library_rows(wojewodztwo, seed=seed, edition=edition)]


#: What a coordinator must fill in or check in a starting list (column ``do_sprawdzenia``).
CHECK_POPULATION = "mieszkancy: szacunek – wpisz liczbę mieszkańców wg GUS"
CHECK_BRANCHES = "filie: szacunek – wpisz liczbę filii"
CHECK_CONTACT = "www, email: uzupełnij"
CHECK_NAME = "nazwa: utworzona z nazwy gminy – wpisz oficjalną nazwę biblioteki"
CHECK_POWIAT = "podtyp: wg nazwy w katalogu EBIB – sprawdź, czy organizatorem jest powiat"
CHECK_COLUMN = "do_sprawdzenia"


def starting_list(wojewodztwo: str, *, edition: str = DEFAULT_EDITION) -> list[dict]:
    """The region's list for ``xl-afbp libraries``: the rows of :func:`build_library_list`
    without the simulated www and e-mail (no address is invented), each with
    ``do_sprawdzenia`` saying which of its values are estimates or guesses to replace."""
    out = []
    for row, checks in _library_rows(wojewodztwo, edition=edition):
        row = dict(row, www="", email="")
        row[CHECK_COLUMN] = "; ".join((*checks, CHECK_POPULATION, CHECK_BRANCHES, CHECK_CONTACT))
        out.append(row)
    return out


def _library_rows(wojewodztwo: str, *, seed: object = DEFAULT_SEED, edition: str = DEFAULT_EDITION) -> list[tuple[dict, tuple[str, ...]]]:
    """(row, what to check besides the simulated values) of every library of the region."""
    register = load_terc(edition)
    woj = register.find_wojewodztwo(wojewodztwo)
    prefix = WOJ_PREFIXES.get(woj.code, woj.code)
    population = simulate_population(woj.code, seed=seed, edition=edition)
    real_names = _ebib_names(woj, register)
    regional = _regional(woj.code)
    city_seats = {r.seat for r in regional if r.podtyp == WOJEWODZKA_I_MIEJSKA}

    rows: list[tuple[dict, tuple[str, ...]]] = []
    used: set[str] = set()
    for lib in regional:
        g = register.lookup_gmina(lib.seat)
        rng = _rng(seed, g.code7, "regional")
        www, email = _contacts(g, lib.podtyp, rng, used)
        if lib.podtyp == WOJEWODZKA_I_MIEJSKA:
            rid, pop, filie = f"{prefix}-{g.code7}", population[g.code7], _filie(population[g.code7], rng, 4)
        else:
            # AFBP item 1 for a województwo library: the residents of its seat city, not of the region
            rid, pop, filie = f"{prefix}-{g.code7}-W", population[g.code7], rng.randint(0, 1)
        rows.append((_row(woj, g, register, rid=rid, nazwa=lib.nazwa,
                          organizator=lib.organizator or f"Województwo {_woj_title(woj)}",
                          podtyp=lib.podtyp, mieszkancy=pop, filie=filie, www=www, email=email), ()))

    for name, g in _powiat_libraries(woj, register):
        rng = _rng(seed, g.code7, "powiat")
        www, email = _contacts(g, POWIATOWA, rng, used)
        powiat = register.lookup_powiat(g.pow_code)
        rows.append((_row(woj, g, register, rid=f"{prefix}-{g.code7}-P", nazwa=name, organizator=f"Powiat {_woj_title(powiat)}",
                          podtyp=POWIATOWA, mieszkancy=population[g.code7], filie=rng.randint(0, 2), www=www, email=email), (CHECK_POWIAT,)))

    for g in register.gminy_of_wojewodztwo(woj.code, include_dzielnice=True):
        if g.code7 in city_seats:
            continue
        podtyp = subtype_for_gmina(g)
        rng = _rng(seed, g.code7, "library")
        www, email = _contacts(g, podtyp, rng, used)
        pop = population[g.code7]
        rows.append((_row(woj, g, register, rid=f"{prefix}-{g.code7}",
                          nazwa=real_names.get(g.code7) or _generated_name(g),
                          organizator=_organizer(g), podtyp=podtyp, mieszkancy=pop,
                          filie=_filie(pop, rng), www=www, email=email), () if g.code7 in real_names else (CHECK_NAME,)))
    return rows


# ---------------------------------------------------------------------------
# CSV I/O
# ---------------------------------------------------------------------------
def write_library_csv(rows: Iterable[Mapping[str, object]], path: str | PathLike[str], *, columns: Sequence[str] = LIBRARY_COLUMNS) -> None:
    """Write rows as UTF-8, comma-separated CSV with the :data:`LIBRARY_COLUMNS`
    header, or ``columns`` (other keys are ignored, missing ones written empty; the reader
    ignores columns it does not know, e.g. ``do_sprawdzenia``)."""
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: "" if row.get(c) is None else row.get(c) for c in columns})


def _parse_int(value: str) -> int | None:
    value = value.strip().replace("\u00a0", "").replace(" ", "")
    if re.fullmatch(r"[+-]?\d+", value):
        return int(value)
    return None


def read_library_csv(
    path: str | PathLike[str], *, edition: str = DEFAULT_EDITION
) -> tuple[list[dict], list[tuple[int, str]]]:
    """Read and validate a library list written by :func:`write_library_csv`
    (or by hand / Excel: a UTF-8 BOM is accepted).

    Returns ``(rows, errors)``: the valid rows (dicts with the keys of
    :data:`LIBRARY_COLUMNS`, ``mieszkancy``/``filie`` as ints, unknown columns
    dropped) and ``(line_number, message)`` for every rejected row, line 1
    being the header.  A row is rejected when a required value is empty, the
    ``teryt`` code is not a gmina/dzielnica of the TERC edition, ``podtyp`` is
    not in :func:`allowed_subtypes`, ``mieszkancy`` is not a positive integer,
    ``filie`` is not an integer >= 0, ``wojewodztwo`` (if given) does not
    match the ``teryt`` code, or the ``id`` repeats an earlier row.  Empty
    ``wojewodztwo``/``powiat``/``gmina`` are filled from the TERC code.  If a
    required column is missing from the header, no row is returned.
    """
    register = load_terc(edition)
    rows: list[dict] = []
    errors: list[tuple[int, str]] = []
    seen_ids: dict[str, int] = {}
    with Path(path).open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            return [], [(1, "file is empty (no header)")]
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            return [], [(1, f"missing required column(s): {', '.join(missing)}")]
        index = {c: header.index(c) for c in LIBRARY_COLUMNS if c in header}
        line = reader.line_num + 1
        for record in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            row = {c: (record[i].strip() if i < len(record) else "") for c, i in index.items()}
            for c in LIBRARY_COLUMNS:
                row.setdefault(c, "")
            problems: list[str] = []
            if len(record) > len(header):
                problems.append(f"{len(record)} fields, header has {len(header)}")
            empty = [c for c in REQUIRED_COLUMNS if not row[c]]
            if empty:
                problems.append(f"empty required value(s): {', '.join(empty)}")
            gmina = None
            if row["teryt"]:
                try:
                    gmina = register.lookup_gmina(row["teryt"])
                except KeyError:
                    problems.append(f"teryt {row['teryt']!r} is not a gmina or dzielnica code in TERC {edition}")
            if row["podtyp"] and row["podtyp"] not in allowed_subtypes():
                problems.append(f"podtyp {row['podtyp']!r} is not an allowed subtype")
            if row["mieszkancy"]:
                n = _parse_int(row["mieszkancy"])
                if n is None or n <= 0:
                    problems.append(f"mieszkancy {row['mieszkancy']!r} is not a positive integer")
                else:
                    row["mieszkancy"] = n
            if row["filie"]:
                n = _parse_int(row["filie"])
                if n is None or n < 0:
                    problems.append(f"filie {row['filie']!r} is not an integer >= 0")
                else:
                    row["filie"] = n
            if gmina is not None:
                woj = register.lookup_wojewodztwo(gmina.woj_code)
                if row["wojewodztwo"] and row["wojewodztwo"].casefold() != woj.name:
                    problems.append(
                        f"wojewodztwo {row['wojewodztwo']!r} does not match teryt {gmina.code7} ({woj.name})"
                    )
                row["wojewodztwo"] = row["wojewodztwo"] or woj.display_name
                row["powiat"] = row["powiat"] or register.lookup_powiat(gmina.pow_code).display_name
                row["gmina"] = row["gmina"] or gmina.display_name
            if row["id"] and row["id"] in seen_ids:
                problems.append(f"id {row['id']!r} already used on line {seen_ids[row['id']]}")
            if problems:
                errors.append((start, "; ".join(problems)))
                continue
            seen_ids[row["id"]] = start
            rows.append(row)
    return rows, errors
