"""Tests for xl_afbp.teryt and xl_afbp.regions.

Expected figures are checked against the data files read independently with
the csv module (and against the counts documented in the data READMEs), not
against what the code under test produced.
"""

from __future__ import annotations

import csv
import importlib.resources
import re
import statistics
from collections import Counter
from pathlib import Path

import pytest

from xl_afbp import regions, teryt
from xl_afbp.regions import (
    allowed_subtypes,
    LIBRARY_COLUMNS,
    build_library_list,
    locative,
    read_library_csv,
    write_library_csv,
)

DATA = importlib.resources.files("xl_afbp") / "data"
SHARED = Path("/work/shared/data")
GMINA_SUBTYPES = {
    "biblioteka gminy miejskiej",
    "biblioteka gminy wiejskiej",
    "biblioteka gminy miejsko-wiejskiej",
}


# ---------------------------------------------------------------------------
# independent readers
# ---------------------------------------------------------------------------
def _terc_rows(name: str = "terc.csv") -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8-sig", newline="") as fh:
        return [r for r in csv.DictReader(fh, delimiter=";") if r["WOJ"]]


def _independent_counts(name: str = "terc.csv") -> tuple[int, int, int]:
    rows = _terc_rows(name)
    woj = sum(1 for r in rows if not r["POW"])
    pow_ = sum(1 for r in rows if r["POW"] and not r["GMI"])
    gmi = len({r["WOJ"] + r["POW"] + r["GMI"] for r in rows if r["RODZ"] in ("1", "2", "3")})
    return woj, pow_, gmi


def _gus_population(woj_code: str) -> int:
    with (DATA / "gus_ludnosc_wojewodztwa_2023.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh, delimiter=";"):
            if r["woj_kod_teryt"] == woj_code:
                return int(r["ludnosc_ogolem_31_12_2023"])
    raise AssertionError(woj_code)


def _ebib_rows() -> list[dict[str, str]]:
    with (DATA / "ebib_biblioteki_publiczne_2021.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


# ---------------------------------------------------------------------------
# package data
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "terc.csv",
        "terc_2020-01-01.csv",
        "ebib_biblioteki_publiczne_2021.csv",
        "gus_ludnosc_wojewodztwa_2023.csv",
        "gus_biblioteki_publiczne_2023_wojewodztwa.csv",
        "README.md",
        "sample_libraries.csv",
    ],
)
def test_package_data_present(name):
    assert (DATA / name).is_file()


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared reference data not available")
@pytest.mark.parametrize(
    "name,src",
    [
        ("terc.csv", "teryt/terc.csv"),
        ("terc_2020-01-01.csv", "teryt/terc_2020-01-01.csv"),
        ("ebib_biblioteki_publiczne_2021.csv", "real/ebib_biblioteki_publiczne_2021.csv"),
        ("gus_ludnosc_wojewodztwa_2023.csv", "real/gus_ludnosc_wojewodztwa_2023.csv"),
        ("gus_biblioteki_publiczne_2023_wojewodztwa.csv", "real/gus_biblioteki_publiczne_2023_wojewodztwa.csv"),
    ],
)
def test_package_data_is_a_byte_copy(name, src):
    assert (DATA / name).read_bytes() == (SHARED / src).read_bytes()


def test_raw_row_counts_match_readme():
    assert len(_terc_rows("terc.csv")) == 4348
    assert len(_terc_rows("terc_2020-01-01.csv")) == 4194
    assert len(_ebib_rows()) == 1128


# ---------------------------------------------------------------------------
# teryt
# ---------------------------------------------------------------------------
def test_counts_2025():
    assert _independent_counts() == (16, 380, 2479)
    assert len(teryt.wojewodztwa()) == 16
    assert sum(len(teryt.powiaty(w.code)) for w in teryt.wojewodztwa()) == 380
    assert len(teryt.all_gminy()) == 2479
    assert teryt.load_terc().counts() == (16, 380, 2479)
    by_rodz = Counter(g.rodz for g in teryt.all_gminy())
    assert by_rodz == {"1": 302, "2": 1459, "3": 718}


def test_counts_2020_edition():
    assert _independent_counts("terc_2020-01-01.csv") == (16, 380, 2477)
    assert teryt.load_terc("2020").counts() == (16, 380, 2477)
    assert teryt.load_terc("2020-01-01") is teryt.load_terc("2020")
    assert teryt.load_terc("2020").stan_na == "2020-01-01"
    assert teryt.load_terc().stan_na == "2025-01-01"


def test_load_is_cached_and_unknown_edition_rejected():
    assert teryt.load_terc() is teryt.load_terc("2025")
    with pytest.raises(KeyError):
        teryt.load_terc("1999")


def test_check_counts_detects_a_mismatch():
    reg = teryt.load_terc()
    fake = teryt.TercRegister("2025", teryt.read_terc_frame("2020"))  # 2020 data labelled 2025
    with pytest.raises(ValueError):
        teryt.check_counts(fake)
    teryt.check_counts(reg)  # the real one passes


def test_every_gmina_code_is_found_and_nothing_else():
    expected = {r["WOJ"] + r["POW"] + r["GMI"] + r["RODZ"] for r in _terc_rows() if r["RODZ"] in ("1", "2", "3")}
    got = {g.code7 for g in teryt.all_gminy()}
    assert got == expected
    dz = {r["WOJ"] + r["POW"] + r["GMI"] + r["RODZ"] for r in _terc_rows() if r["RODZ"] == "8"}
    assert len(dz) == 18
    assert {g.code7 for g in teryt.all_gminy(include_dzielnice=True)} == expected | dz


def test_display_names_unique_within_parent():
    names = [w.display_name for w in teryt.wojewodztwa()]
    assert len(set(names)) == 16
    for w in teryt.wojewodztwa():
        pw = [p.display_name for p in teryt.powiaty(w.code)]
        assert len(pw) == len(set(pw)), w.name
        for p in teryt.powiaty(w.code):
            gm = [g.display_name for g in teryt.gminy(p.code)]
            assert len(gm) == len(set(gm)), p.display_name
            assert all(g.pow_code == p.code for g in teryt.gminy(p.code))


def test_wojewodztwo_names_lower_case():
    names = {w.code: w.display_name for w in teryt.wojewodztwa()}
    assert names["32"] == "zachodniopomorskie"
    assert names["02"] == "dolnośląskie"
    assert names["04"] == "kujawsko-pomorskie"
    assert all(n == n.lower() for n in names.values())


@pytest.mark.parametrize("text", ["zachodniopomorskie", "ZACHODNIOPOMORSKIE", " Zachodniopomorskie ", "32",
                                  "województwo zachodniopomorskie"])
def test_find_wojewodztwo(text):
    assert teryt.find_wojewodztwo(text) == teryt.Wojewodztwo("32", "zachodniopomorskie")


def test_find_wojewodztwo_unknown():
    with pytest.raises(KeyError):
        teryt.find_wojewodztwo("pomorze")
    assert teryt.find_wojewodztwo("ŚLĄSKIE").code == "24"
    assert teryt.find_wojewodztwo("śląskie").code == "24"


def test_known_codes():
    g = teryt.lookup_gmina("3201011")
    assert (g.name, g.rodz, g.kind, g.pow_code, g.woj_code) == ("Białogard", "1", "gmina miejska", "3201", "32")
    assert g.display_name == "Białogard (gmina miejska)"
    assert teryt.lookup_gmina("3201022").display_name == "Białogard (gmina wiejska)"
    assert teryt.lookup_gmina("0201011").display_name == "Bolesławiec (gmina miejska)"
    assert teryt.lookup_gmina("0201022").display_name == "Bolesławiec (gmina wiejska)"
    assert teryt.lookup_gmina("3201033").kind == "gmina miejsko-wiejska"
    assert teryt.lookup_gmina("3262011").name == "Szczecin"
    assert teryt.lookup_gmina("1465011").name == "Warszawa"
    mok = teryt.lookup_gmina("1465058")
    assert (mok.name, mok.kind, mok.is_dzielnica) == ("Mokotów", "dzielnica", True)
    assert mok.display_name == "Mokotów (dzielnica)"
    assert teryt.lookup_gmina(" 3201011 ").code7 == "3201011"


@pytest.mark.parametrize("code", ["3201034", "3201035", "9999999", "320101", "", "3201012"])
def test_unknown_or_non_gmina_codes(code):
    # 3201034/5: town and rural part of Karlino (RODZ 4/5)
    with pytest.raises(KeyError):
        teryt.lookup_gmina(code)


def test_delegatury_in_gmina_list_not_among_gminy():
    """The 19 delegatury (RODZ 9) of Kraków, Łódź, Poznań, Wrocław are in the form's
    Gmina/Dzielnica list of their city, for the district libraries, and are not gminy."""
    krakow = [g.display_name for g in teryt.gminy("1261")]
    assert krakow == ["Kraków (gmina miejska)", "Kraków-Krowodrza (delegatura)", "Kraków-Nowa Huta (delegatura)",
                      "Kraków-Podgórze (delegatura)", "Kraków-Śródmieście (delegatura)"]
    dele = [g for g in teryt.all_gminy(include_delegatury=True) if g.is_delegatura]
    assert len(dele) == 19 and {g.pow_code for g in dele} == {"0264", "1061", "1261", "3064"}
    assert teryt.lookup_gmina("0264029").name == "Wrocław-Fabryczna"
    assert teryt.subtype_for_gmina(teryt.lookup_gmina("0264029")) == "biblioteka gminy miejskiej – dzielnicowa"
    assert not any(g.is_delegatura for g in teryt.all_gminy(include_dzielnice=True))
    assert [g.code7 for g in teryt.gminy("1261", include_delegatury=False)] == ["1261011"]


def test_powiat_display_names():
    zp = {p.code: p.display_name for p in teryt.powiaty("32")}
    assert len(zp) == 21
    assert zp["3209"] == "koszaliński"
    assert zp["3261"] == "Koszalin (miasto na prawach powiatu)"
    assert zp["3262"] == "Szczecin (miasto na prawach powiatu)"
    assert teryt.lookup_powiat("1465").display_name == "Warszawa (miasto stołeczne na prawach powiatu)"
    assert teryt.lookup_powiat("3261").is_city and not teryt.lookup_powiat("3209").is_city
    with pytest.raises(KeyError):
        teryt.powiaty("33")


def test_warsaw_dzielnice_in_gmina_list():
    lst = teryt.gminy("1465")
    assert len(lst) == 19
    assert sum(g.is_dzielnica for g in lst) == 18
    assert [g.code7 for g in teryt.gminy("1465", include_dzielnice=False)] == ["1465011"]
    assert all(not g.is_dzielnica for g in teryt.all_gminy())


def test_subtype_for_gmina():
    f = teryt.subtype_for_gmina
    assert f(teryt.lookup_gmina("3201011")) == "biblioteka gminy miejskiej"
    assert f(teryt.lookup_gmina("3201022")) == "biblioteka gminy wiejskiej"
    assert f(teryt.lookup_gmina("3201033")) == "biblioteka gminy miejsko-wiejskiej"
    assert f(teryt.lookup_gmina("1465058")) == "biblioteka gminy miejskiej – dzielnicowa"
    assert {f(g) for g in teryt.all_gminy(include_dzielnice=True)} <= set(allowed_subtypes())


# ---------------------------------------------------------------------------
# locative
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name,expected",
    [
        ("Szczecin", "Szczecinie"), ("Szczecinek", "Szczecinku"), ("Białogard", "Białogardzie"),
        ("Drawsko Pomorskie", "Drawsku Pomorskim"), ("Police", "Policach"), ("Płoty", "Płotach"),
        ("Widuchowa", "Widuchowej"), ("Kobylanka", "Kobylance"), ("Moryń", "Moryniu"),
        ("Połczyn-Zdrój", "Połczynie-Zdroju"), ("Myślibórz", "Myśliborzu"), ("Biały Bór", "Białym Borze"),
        ("Nowe Warpno", "Nowym Warpnie"), ("Złocieniec", "Złocieńcu"), ("Goleniów", "Goleniowie"),
        ("Świnoujście", "Świnoujściu"), ("Dobra (Szczecińska)", "Dobrej (Szczecińskiej)"),
        ("Wrocław", "Wrocławiu"), ("Łódź", "Łodzi"), ("Zielona Góra", "Zielonej Górze"),
    ],
)
def test_locative_examples(name, expected):
    assert locative(name) == expected


def test_locative_agrees_with_real_ebib_names():
    """Compare with the "w <place>" part of real EBIB names."""
    ok = total = 0
    for r in _ebib_rows():
        place = r["miejscowosc"].strip()
        if not place or not re.fullmatch(r"[\wąćęłńóśźżĄĆĘŁŃÓŚŹŻ -]+", place):
            continue
        name = " ".join(r["nazwa"].split())
        m = re.search(r"\bwe? (" + re.escape(place[:3]) + r"[^ ,.]*(?: [^ ,.]+){%d})" % place.count(" "), name)
        if not m:
            continue
        total += 1
        ok += locative(place) == m.group(1)
    assert total > 800
    assert ok / total > 0.9


def test_generated_names_use_we_before_w_consonant():
    assert regions._generated_name(teryt.lookup_gmina("0264011")).endswith("we Wrocławiu")


# ---------------------------------------------------------------------------
# regions: zachodniopomorskie
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def zp_rows():
    return build_library_list("zachodniopomorskie")


def _zp_gmina_codes() -> set[str]:
    return {r["WOJ"] + r["POW"] + r["GMI"] + r["RODZ"] for r in _terc_rows()
            if r["WOJ"] == "32" and r["RODZ"] in ("1", "2", "3")}


def test_zp_one_library_per_gmina(zp_rows):
    codes = _zp_gmina_codes()
    assert len(codes) == 113
    gmina_rows = [r for r in zp_rows if r["podtyp"] in GMINA_SUBTYPES]
    assert sorted(r["teryt"] for r in gmina_rows) == sorted(codes)
    assert len(zp_rows) == 114


def test_zp_wojewodztwo_library(zp_rows):
    woj = [r for r in zp_rows if r["podtyp"] in ("biblioteka wojewódzka", "biblioteka wojewódzka i miejska")]
    assert len(woj) == 1
    k = woj[0]
    assert k["nazwa"].startswith("Książnica Pomorska")
    assert k["podtyp"] == "biblioteka wojewódzka"
    assert k["organizator"] == "Województwo Zachodniopomorskie"
    assert k["teryt"] == "3262011" and k["miejscowosc"] == "Szczecin"
    assert k["id"] == "ZP-3262011-W"


def test_zp_population_sums_to_gus(zp_rows):
    gus = _gus_population("32")
    assert gus == 1_640_622
    assert sum(r["mieszkancy"] for r in zp_rows if r["podtyp"] in GMINA_SUBTYPES) == gus
    assert all(isinstance(r["mieszkancy"], int) and r["mieszkancy"] > 0 for r in zp_rows)


def test_zp_population_ordering(zp_rows):
    def med(podtyp):
        return statistics.median(r["mieszkancy"] for r in zp_rows if r["podtyp"] == podtyp)

    assert med("biblioteka gminy miejskiej") > med("biblioteka gminy miejsko-wiejskiej") > med(
        "biblioteka gminy wiejskiej")
    szczecin = next(r for r in zp_rows if r["id"] == "ZP-3262011")
    assert szczecin["mieszkancy"] == max(r["mieszkancy"] for r in zp_rows if r["podtyp"] in GMINA_SUBTYPES)


def test_zp_ids_and_columns(zp_rows):
    ids = [r["id"] for r in zp_rows]
    assert len(ids) == len(set(ids))
    for r in zp_rows:
        assert tuple(r) == LIBRARY_COLUMNS
        assert re.fullmatch(r"ZP-\d{7}(-W)?", r["id"])
        assert r["id"][3:10] == r["teryt"]
        assert r["wojewodztwo"] == "zachodniopomorskie"
        assert r["podtyp"] in allowed_subtypes()
        assert 0 <= r["filie"] <= 15
        assert r["nazwa"] and r["organizator"] and "@" in r["email"]
        assert r["www"] == "" or r["www"].startswith("https://www.")
        g = teryt.lookup_gmina(r["teryt"])
        assert r["gmina"] == g.display_name
        assert r["powiat"] == teryt.lookup_powiat(g.pow_code).display_name
    assert any(r["www"] == "" for r in zp_rows)
    assert sum(r["www"] != "" for r in zp_rows) > len(zp_rows) / 2
    wwws = [r["www"] for r in zp_rows if r["www"]]
    assert len(wwws) == len(set(wwws))


def test_zp_organizers(zp_rows):
    by_id = {r["id"]: r for r in zp_rows}
    assert by_id["ZP-3201022"]["organizator"] == "Gmina Białogard"
    assert by_id["ZP-3201033"]["organizator"] == "Gmina Karlino"
    assert by_id["ZP-3201011"]["organizator"] == "Gmina Miasto Białogard"


def test_zp_uses_real_ebib_names(zp_rows):
    ebib_zp = [r for r in _ebib_rows() if r["wojewodztwo"] == "zachodniopomorskie"]
    assert len(ebib_zp) == 46
    real = {" ".join(r["nazwa"].split()) for r in ebib_zp}
    used = [r for r in zp_rows if r["nazwa"] in real]
    assert len(used) >= 30
    by_id = {r["id"]: r["nazwa"] for r in zp_rows}
    assert by_id["ZP-3262011"] == "Miejska Biblioteka Publiczna w Szczecinie"
    assert by_id["ZP-3261011"].startswith("Koszalińska Biblioteka Publiczna")
    # a town and a rural gmina of the same name: the "Miejska" library goes to the town
    assert by_id["ZP-3201011"] == "Miejska Biblioteka w Białogardzie"
    assert by_id["ZP-3201022"] != by_id["ZP-3201011"]
    # branches ("Filia") are never used as a gmina's library
    assert not any("Filia" in n for n in by_id.values())
    # generated names follow the usual pattern
    assert by_id["ZP-3202042"] == "Gminna Biblioteka Publiczna w Krzęcinie"


def test_zp_rows_pass_validation(zp_rows, tmp_path):
    path = tmp_path / "zp.csv"
    write_library_csv(zp_rows, path)
    rows, errors = read_library_csv(path)
    assert errors == []
    assert rows == zp_rows
    with path.open(encoding="utf-8", newline="") as fh:
        data = list(csv.reader(fh))
    assert data[0] == list(LIBRARY_COLUMNS)
    assert len(data) == 115


def test_deterministic_and_seeded(zp_rows):
    again = build_library_list("ZACHODNIOPOMORSKIE")
    assert again == zp_rows
    other = build_library_list("32", seed=7)
    assert [r["id"] for r in other] == [r["id"] for r in zp_rows]
    assert [r["mieszkancy"] for r in other] != [r["mieszkancy"] for r in zp_rows]
    assert sum(r["mieszkancy"] for r in other if r["podtyp"] in GMINA_SUBTYPES) == _gus_population("32")


# ---------------------------------------------------------------------------
# regions: other województwa
# ---------------------------------------------------------------------------
def test_all_wojewodztwa_population_and_coverage():
    rows_by_code = {r["WOJ"]: r["NAZWA"] for r in _terc_rows() if not r["POW"]}
    total_regional = 0
    for code, upper in rows_by_code.items():
        rows = build_library_list(upper)
        gminy = {r["WOJ"] + r["POW"] + r["GMI"] + r["RODZ"] for r in _terc_rows()
                 if r["WOJ"] == code and r["RODZ"] in ("1", "2", "3")}
        city = [r for r in rows if r["podtyp"] in GMINA_SUBTYPES | {"biblioteka wojewódzka i miejska"}]
        assert sorted(r["teryt"] for r in city) == sorted(gminy), upper
        assert sum(r["mieszkancy"] for r in city) == _gus_population(code), upper
        ids = [r["id"] for r in rows]
        assert len(ids) == len(set(ids))
        assert not any(re.search(r"\bfili[ai]\b", r["nazwa"], re.I) for r in rows), upper  # no branches
        regional = [r for r in rows if r["podtyp"].startswith("biblioteka wojewódzka")]
        assert 1 <= len(regional) <= 2
        total_regional += len(regional)
    assert total_regional == 18  # as in the AFBP participation figures


def test_mazowieckie_dzielnice():
    rows = build_library_list("mazowieckie")
    dz = [r for r in rows if r["podtyp"] == "biblioteka gminy miejskiej – dzielnicowa"]
    assert len(dz) == 18
    assert all(r["teryt"].startswith("1465") and r["teryt"].endswith("8") for r in dz)
    warsaw = next(r for r in rows if r["teryt"] == "1465011")
    assert warsaw["podtyp"] == "biblioteka wojewódzka i miejska"
    assert sum(r["mieszkancy"] for r in dz) == warsaw["mieszkancy"]
    assert sum("Dzielnic" in r["nazwa"] or "dzielnic" in r["nazwa"] for r in dz) == 18
    assert all(r["organizator"] == "Miasto Stołeczne Warszawa" for r in dz)


# ---------------------------------------------------------------------------
# CSV validation
# ---------------------------------------------------------------------------
GOOD = ("ZP-1,Biblioteka A,Gmina Karlino,biblioteka gminy miejsko-wiejskiej,zachodniopomorskie,"
        "białogardzki,Karlino (gmina miejsko-wiejska),Karlino,3201033,9000,2,,a@b.pl")


def test_read_library_csv_reports_bad_rows_by_line(tmp_path):
    header = ",".join(LIBRARY_COLUMNS) + ",uwagi"
    lines = [
        header,                                                                           # 1
        GOOD + ",extra column is ignored",                                                # 2
        "ZP-2,Biblioteka B,Gmina X,biblioteka gminy wiejskiej,,,,,3201099,100,0,,",       # 3 bad teryt
        "ZP-3,Biblioteka C,Gmina X,biblioteka szkolna,,,,,3201022,100,0,,",               # 4 bad podtyp
        "ZP-4,Biblioteka D,Gmina X,biblioteka gminy wiejskiej,,,,,3201022,0,0,,",         # 5 mieszkancy 0
        "ZP-5,Biblioteka E,Gmina X,biblioteka gminy wiejskiej,,,,,3201022,12.5,0,,",      # 6 not integer
        "ZP-6,Biblioteka F,Gmina X,biblioteka gminy wiejskiej,,,,,3201022,100,-1,,",      # 7 filie < 0
        '"ZP-7","Biblioteka G,',                                                          # 8 multi-line
        'druga linia",Gmina X,biblioteka gminy wiejskiej,,,,,3201022,100,1,,',            # 9   ... good
        ",Biblioteka H,Gmina X,biblioteka gminy wiejskiej,,,,,3201022,100,1,,",           # 10 empty id
        "",                                                                               # 11 blank
        "ZP-1,Biblioteka I,Gmina X,biblioteka gminy wiejskiej,,,,,3201022,100,1,,",       # 12 dup id
        "ZP-9,Biblioteka J,Gmina X,biblioteka gminy wiejskiej,mazowieckie,,,,3201022,100,1,,",  # 13 woj
        "ZP-10,Biblioteka K,Gmina X,biblioteka gminy wiejskiej,,,,,3201022,1 200,3,,",    # 14 good
        '"ZP-11","Biblioteka L,',                                                         # 15 multi-line
        'druga linia",Gmina X,biblioteka gminy wiejskiej,,,,,0000000,100,1,,',            # 16   ... bad
        "ZP-12,Biblioteka M,Gmina X,biblioteka gminy wiejskiej,,,,,3201022,100,x,,",      # 17 filie
    ]
    path = tmp_path / "libs.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows, errors = read_library_csv(path)

    assert [r["id"] for r in rows] == ["ZP-1", "ZP-7", "ZP-10"]
    assert [line for line, _ in errors] == [3, 4, 5, 6, 7, 10, 12, 13, 15, 17]
    msg = dict(errors)
    assert "teryt" in msg[3]
    assert "podtyp" in msg[4]
    assert "mieszkancy" in msg[5] and "mieszkancy" in msg[6]
    assert "filie" in msg[7]
    assert "id" in msg[10]
    assert "already used on line 2" in msg[12]
    assert "wojewodztwo" in msg[13]
    assert "teryt" in msg[15] and "filie" in msg[17]
    first = rows[0]
    assert set(first) == set(LIBRARY_COLUMNS)
    assert first["mieszkancy"] == 9000 and first["filie"] == 2
    assert rows[1]["nazwa"] == "Biblioteka G,\ndruga linia"
    # empty TERYT-derived columns are filled from the code
    assert rows[1]["gmina"] == "Białogard (gmina wiejska)" and rows[1]["powiat"] == "białogardzki"
    assert rows[2]["mieszkancy"] == 1200


def test_read_library_csv_missing_required_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("id,nazwa,podtyp,teryt,mieszkancy\nZP-1,A,biblioteka inna,3201011,5\n", encoding="utf-8")
    rows, errors = read_library_csv(path)
    assert rows == []
    assert errors and errors[0][0] == 1 and "filie" in errors[0][1] and "organizator" in errors[0][1]


def test_read_library_csv_accepts_bom_and_missing_optional_columns(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_text("id,nazwa,organizator,podtyp,teryt,mieszkancy,filie\n"
                    "X-1,A,Gmina Karlino,biblioteka inna,3201033,5,0\n", encoding="utf-8-sig")
    rows, errors = read_library_csv(path)
    assert errors == []
    assert rows[0]["id"] == "X-1" and rows[0]["www"] == "" and rows[0]["wojewodztwo"] == "zachodniopomorskie"


# ---------------------------------------------------------------------------
# the demo sample
# ---------------------------------------------------------------------------
def test_sample_libraries_csv(zp_rows):
    with importlib.resources.as_file(DATA / "sample_libraries.csv") as path:
        rows, errors = read_library_csv(path)
    assert errors == []
    assert len(rows) == 8
    built = {r["id"]: r for r in zp_rows}
    for r in rows:  # the sample is in sync with the generator
        assert r == built[r["id"]]
    assert any(r["podtyp"] == "biblioteka wojewódzka" for r in rows)
    assert any(r["www"] == "" for r in rows)
