"""Hand-made forms for issue 12: one legitimate library, and each defect as a scenario.

The library (a gmina wiejska with one branch, in Krzęcin, zachodniopomorskie) is typed by
hand from the definitions of the 2016 form (the seed), AFBP and K-03 alike, so every rule
and every K-03 relation must hold for it. Each :class:`Scenario` changes it the way a
real library's data would change and says, independently of the code, what the form must
show: rule and check statuses by defined name (the workbook's contract), as Polish texts.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from xl_afbp.formdata import FormData

OK, ERROR, WARNING, NO_DATA, DIFF = "OK", "błąd", "ostrzeżenie", "brak danych", "różnica"
NA, INFO, INCOMPLETE = "nie dotyczy", "informacja", "niekompletny"
K03_EMPTY = "K-03 nie wypełniono – kontrole K-03 pominięte"

ITEMS: dict[int, Any] = {
    1: 6_896, 2: 812, 3: 4.3, 4: 41_000, 5: 1_500, 6: 1_020, 7: 900, 8: 15, 9: 37_915, 10: 180,
    11: 40, 12: 6, 13: 1, 14: 9_500, 15: 12_000, 16: 14_000, 17: 2, 18: 2_100, 19: 1_450, 20: 180,
    22: 5.75, 23: 4.5, 24: 3.5, 25: 96, 26: 420_000, 27: 0, 28: 380_000, 29: 31_000_000, 30: 30_000,
    31: 42_000, 32: 800, 33: 1_000, 34: 270_000,
}
SERVICES = {1: "TAK", 2: "TAK", 3: "TAK", 4: "NIE", 5: "TAK", 6: "TAK", 7: "NIE", 8: "NIE", 9: "NIE", 10: "TAK", 11: "NIE", 12: "NIE"}
BASIC = {
    "ORGANIZATOR": "Gmina Krzęcin",
    "NAZWA": "Gminna Biblioteka Publiczna w Krzęcinie",
    "TYP": "biblioteka publiczna",
    "PODTYP": "biblioteka gminy wiejskiej",
    "WWW": "http://www.gbp.krzecin.example.pl",
    "WOJEWODZTWO": "zachodniopomorskie",
    "POWIAT": "choszczeński",
    "GMINA": "Krzęcin (gmina wiejska)",
    "MIEJSCOWOSC": "Krzęcin",
    "TERYT": "3202042",
    "PRZEDZIAL": "5 001-10 000",
    "PONADLOKALNE": "NIE",
    "STATUS_PRAWNY": "samodzielna instytucja kultury",
    "STATUS_NAUKOWY": "NIE",
    "LOGIN": "gbpkrzecin",
    "IMIE": "Anna",
    "NAZWISKO": "Nowak",
    "EMAIL": "biblioteka@krzecin.example.pl",
}
# K-03: main library, then the branch (each files its own report)
K03: dict[str, list[Any]] = {
    "D2.P1.W1B": [40, 20],
    "D2.P4.W1": [250, 60],
    "D2.P5.W3": [5, 1],
    "D3.P1.W5.R1": [4.75, 1.0],
    "D3.P1.W5.R2": [3.5, 1.0],
    "D3.P1.W5.R3": [3.0, 1.0],
    "D3.P1.W5.R4": [1.0, 0.5],
    "D3.P1.W5.R5": [1.5, 0.5],
    "D3.P1.W5.R6": [0.5, 0],
    "D3.P2.R2": [80, 16],
    "D4.W1.R2": [1_160, 280],
    "D4.W1.R4": [700, 180],
    "D4.W1.R5": [33_000, 6_800],
    "D4.W2.R3": [800, 200],
    "D4.W4.R2": [12, 4],  # 16 titles, 2 of them gifts
    "D4.W5.R2": [50, 10],
    "D4.W5.R4": [15, 5],
    "D4.W5.R5": [900, 100],
    "D4.W14.R3": [15, 0],
    "D4.W16.R2": [0, 0],
    "D4.W16.R3": [8, 0],
    "D4.W16.R4": [0, 0],
    "D4.W16.R5": [200, 0],
    "D4.W18.R5": [1, None],  # one e-journal
    "D5.P1.R2": [380_000, None],
    "D5.P1.R3": [20_000, None],
    "D5.P1.R4": [8_000, None],
    "D5.P1.R5": [2_000, None],  # money donations: AFBP item 30 counts them
    "D5.P2.W1": [38_000, None],
    "D5.P2.W2": [2_000, None],
    "D5.P2.W3": [1_000, None],
    "D5.P2.W6": [500, None],
    "D5.P2.W7": [500, None],
    "D6.P1.W1": [700, 112],
    "D6.P1.W2": [610, 95],
    "D6.P1.W3": [7_800, 1_700],
    "D7.P1.W1.R2": [11_000, 2_400],
    "D7.P1.W1.R3": [400, 100],
    "D7.P1.W1.R4": [60, 0],
    "D7.P1.W1.R7": [42, 0],  # 14,002 loans out = item 16 + 2 interlibrary originals
    "D7.P1.W2.R2": [1_500, 300],
    "D7.P1.W2.R3": [200, 60],
    "D7.P1.W2.R4": [20, 5],
    "D7.P1.W2.R7": [15, 0],
    "D7.P3": [12_000, None],
    "D8.P1.W13": [95, 80],  # 0.95 × 34,100 + 0.80 × 6,900 = 37,915 records
    "D8.P1.KAT": ["TAK", "TAK"],
    "D8.P1.ZAM": ["TAK", "NIE"],
    "D8.P1.REZ": ["NIE", "NIE"],
    "D8.P1.PRZ": ["TAK", "NIE"],
    "D8.P1.POW": ["NIE", "NIE"],
    "D8.P1.INF": ["TAK", "NIE"],
    "D8.P1.ELR": ["NIE", "NIE"],
    "D8.P1.BLG": ["NIE", "NIE"],
    "D8.P1.SPO": ["TAK", "NIE"],
    "D8.P2.W2": ["NIE", "NIE"],
    "D9.W1.R2": [150, 30],
    "D9.W2.R2": [0, None],
    "D9.W3.R2": [900, 250],
    "D9.W4.R2": [250, 50],
}
# last year, as reported then: holdings 41,000 - 1,500 + 900 = 40,400; the rest within ±20 %
PREVIOUS: dict[int, Any] = {
    1: 6_950, 2: 790, 3: 4.2, 4: 40_400, 5: 1_450, 6: 980, 7: 850, 8: 15, 9: 36_000, 10: 180, 11: 40,
    12: 6, 13: 1, 14: 9_100, 15: 11_000, 16: 14_500, 17: 3, 18: 2_000, 19: 1_300, 20: 170, 22: 5.75,
    23: 4.5, 24: 3.5, 25: 90, 26: 405_000, 27: 0, 28: 370_000, 29: 30_000_000, 30: 28_000, 31: 40_000,
    32: 700, 33: 900, 34: 262_000,
}


def base_form(*, previous: bool = True) -> FormData:
    return FormData(
        items=dict(ITEMS),
        services=dict(SERVICES),
        basic=dict(BASIC),
        previous=dict(PREVIOUS) if previous else {},
        k03=copy.deepcopy(K03),
    )


@dataclass
class Scenario:
    """A defect of the issue as data: the form, what it must show, names that must not exist."""

    id: str
    defect: str
    data: FormData
    expect: dict[str, Any]
    absent: tuple[str, ...] = ()
    legitimate: bool = True  # a correct library: no error, no "różnica" anywhere
    extra: dict[str, Any] = field(default_factory=dict)


def _with(*, items=None, services=None, basic=None, previous=None, k03=None, base_previous: bool = True) -> FormData:
    f = base_form(previous=base_previous)
    f.items.update(items or {})
    f.services.update(services or {})
    f.basic.update(basic or {})
    if previous is not None:
        f.previous = previous
    f.k03.update(copy.deepcopy(k03 or {}))
    return f


def scenarios() -> list[Scenario]:
    out = [
        Scenario("legitimate", "a correct library is OK everywhere", base_form(),
                 {"R_STATUS": OK, "R_BLEDY": 0, "R_OSTRZEZENIA": 0, "R_BRAKI": 0, "R_L9": OK, "R_L12": OK,
                  "R_B5": OK, "R_B6": OK, "K03_P_17": INFO, "K03_P_28": INFO, "K03_P_30": INFO,
                  "R_K03_STAN": "K-03: różnic: 0; zgodnych: 23; informacji: 3; bez danych: 0"}),
        Scenario("hours_quarter", "item 11: a week of 36,25 h (quarter-hour openings) is valid",
                 _with(items={11: 36.25}, k03={"D2.P1.W1B": [36.25, 20]}),
                 {"R_L11_11": OK, "R_L11": OK, "K03_P_11": OK, "R_STATUS": OK}, extra={"valid": {11: True}}),
        Scenario("training_decimals", "item 25: 1,5 h × 3 people = 4,5; K-03 holds whole hours",
                 _with(items={25: 4.5}, previous={**PREVIOUS, 25: 5}, k03={"D3.P2.R2": [5, None]}),
                 {"R_L11_25": OK, "K03_P_25": OK, "R_STATUS": OK}, extra={"valid": {25: True}}),
        Scenario("targeted_grant", "items 28/30: a 20,000 zł targeted grant of the organiser (K-03 rubryka 2, AFBP item 30)",
                 _with(items={30: 50_000}, k03={"D5.P1.R2": [400_000, None]}),
                 {"K03_P_28": INFO, "K03_P_30": INFO, "R_OSTRZEZENIA": 0, "R_STATUS": OK}),
        Scenario("services_off_site", "item 21: K-03 lines 'interaktywne usługi', 'e-learning', 'blogi, RSS' not on the own website",
                 _with(k03={"D8.P1.ELR": ["TAK", "NIE"], "D8.P1.BLG": ["TAK", "NIE"], "D8.P1.ZAM": ["TAK", "TAK"], "D8.P1.PRZ": ["TAK", "TAK"]},
                       services={3: "NIE"}),
                 {"K03_P_21": OK, "R_STATUS": OK}),
        Scenario("catalogue_computers", "item 12: two Internet computers serve the catalogue only",
                 _with(k03={"D2.P5.W3": [7, 1]}), {"K03_P_12": OK, "R_STATUS": OK}),
        Scenario("interlibrary_copies", "items 16/17: 5 article copies sent to other libraries (item 17, not K-03 loans)",
                 _with(items={17: 7}, previous={**PREVIOUS, 17: 6}), {"K03_P_16": OK, "K03_P_17": INFO, "R_STATUS": OK}),
        Scenario("leave_under_3_months", "items 22-24: a qualified librarian (1 FTE) on 2 months' unpaid leave: K-03 counts her, AFBP does not",
                 _with(k03={"D3.P1.W5.R1": [5.75, 2.0], "D3.P1.W5.R2": [3.5, 2.0], "D3.P1.W5.R3": [3.0, 2.0], "D3.P1.W5.R4": [1.0, 1.5]}),
                 {"K03_P_22": OK, "K03_P_23": OK, "K03_P_24": OK, "R_STATUS": OK}),
        Scenario("branch_without_k03", "item 13: a second branch opened in December, no K-03 of its own",
                 _with(items={13: 2}, previous={**PREVIOUS, 13: 1}), {"R_STATUS": OK}, absent=("K03_P_13",)),
        Scenario("no_registration", "item 2: no registration of users: readers (K-03 row 2), row 1 typed as 0",
                 _with(items={2: 705}, previous={**PREVIOUS, 2: 700}, k03={"D6.P1.W1": [0, 0]}), {"K03_P_02": OK, "R_STATUS": OK}),
        Scenario("electronic_serials", "item 8: 3 e-journals in Dział 4 row 18, rubryka 5",
                 _with(items={8: 15}, k03={"D4.W4.R2": [10, 2], "D4.W18.R5": [3, None]}), {"K03_P_08": OK, "R_STATUS": OK}),
        Scenario("records_without_holdings", "item 9 compares although item 4 is empty (its tolerance comes from K-03)",
                 _with(items={4: None}), {"K03_P_09": OK, "K03_P_04": NO_DATA, "R_STATUS": INCOMPLETE, "R_BRAKI_LISTA": "poz. 4"}),
        Scenario("heavy_weeding", "L9: 21,500 withdrawals of a 30,000 collection are no error; the holdings identity holds",
                 _with(items={4: 10_000, 7: 21_500, 9: 9_223},
                       previous={4: 30_000},
                       k03={"D4.W1.R5": [8_000, 1_800], "D4.W5.R5": [150, 50], "D4.W16.R5": [0, 0],
                            "D4.W1.R4": [17_000, 4_300], "D4.W5.R4": [150, 50]}),
                 {"R_L9": OK, "K03_P_04": OK, "K03_P_07": OK, "K03_P_09": OK, "R_BLEDY": 0}),
        Scenario("holdings_identity_broken", "L9: last year 40,400 + 1,500 - 900 = 41,000, but 41,500 reported",
                 _with(items={4: 41_500}, k03={"D4.W1.R5": [33_500, 6_800]}),
                 {"R_L9": WARNING, "K03_P_04": OK}, legitimate=False),
        Scenario("no_last_year", "L9 and L12 do not apply without last year's values",
                 base_form(previous=False), {"R_L9": NA, "R_L12": NA, "R_L12_16": NA, "R_STATUS": OK}),
        Scenario("lumpy_changes", "L12: a branch 0 → 1, interlibrary loans 0 → 2, grants doubled, 8 → 15 titles are no warning",
                 _with(previous={**PREVIOUS, 13: 0, 17: 0, 30: 12_000, 27: 0, 32: 300, 33: 400, 8: 8, 12: 3, 3: 2.5}),
                 {"R_L12": OK, "R_L12_08": NA, "R_L12_12": NA, "R_STATUS": OK}, absent=("R_L12_13", "R_L12_17", "R_L12_30")),
        Scenario("loans_halved", "L12 still warns where ±50 % says something: loans 30,000 → 14,000",
                 _with(previous={**PREVIOUS, 16: 30_000}), {"R_L12": WARNING, "R_L12_16": WARNING}, legitimate=False),
        Scenario("no_website", "B4: a library without a website offers no own-website service",
                 _with(basic={"WWW": None}, items={15: 0}, services={5: "NIE", 6: "NIE"}, previous={**PREVIOUS, 15: 0},
                       k03={"D7.P3": [0, None]}),
                 {"R_B4": OK, "R_STATUS": OK}),
        Scenario("no_website_but_form", "B4: no website, yet service 6 (form on the own website) is TAK",
                 _with(basic={"WWW": None}, items={15: 0}, services={5: "NIE", 6: "TAK"}, previous={**PREVIOUS, 15: 0},
                       k03={"D7.P3": [0, None]}),
                 {"R_B4": ERROR, "R_STATUS": ERROR}, legitimate=False),
        Scenario("incomplete", "every Formularz input filled, Organizator, Nazwa, Podtyp, Przedział and K-03 empty",
                 _with(basic={"ORGANIZATOR": None, "NAZWA": None, "PODTYP": None, "PRZEDZIAL": None}, k03={a: [None, None] for a in K03}),
                 {"R_STATUS": INCOMPLETE, "R_BRAKI": 4, "R_BRAKI_LISTA": "Organizator; Nazwa biblioteki; Podtyp; Liczba mieszkańców – przedział",
                  "R_K03_STAN": K03_EMPTY, "R_K03_ROZNICE": 0, "R_BLEDY": 0}, legitimate=False),
        Scenario("stale_powiat", "B5: województwo changed to mazowieckie, powiat and gmina left from zachodniopomorskie",
                 _with(basic={"WOJEWODZTWO": "mazowieckie"}), {"R_B5": ERROR, "R_STATUS": ERROR}, legitimate=False),
        Scenario("other_gmina_code", "B6: a gmina of the powiat, but not the one of the library's TERYT code",
                 _with(basic={"GMINA": "Drawno (gmina miejsko-wiejska)", "MIEJSCOWOSC": "Drawno"}),
                 {"R_B5": OK, "R_B6": ERROR}, legitimate=False),
        Scenario("delegatura", "B5/B6: a district library of Kraków chooses its delegatura",
                 _with(basic={"WOJEWODZTWO": "małopolskie", "POWIAT": "Kraków (miasto na prawach powiatu)",
                              "GMINA": "Kraków-Krowodrza (delegatura)", "MIEJSCOWOSC": "Kraków", "TERYT": "1261029",
                              "PODTYP": "biblioteka gminy miejskiej – dzielnicowa", "ORGANIZATOR": "Gmina Miejska Kraków"}),
                 {"R_B5": OK, "R_B6": OK, "R_STATUS": OK}),
    ]
    return out
