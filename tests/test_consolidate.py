"""The consolidator on a real region: generated forms, filled like libraries would, some
with mistakes, some saved through LibreOffice, a duplicate, a corrected second version, an
id conflict, broken and foreign files, libraries that never answered.

Everything is checked against independent computations: group statistics with the
``statistics`` module from the per-library table, aggregates as ratios of sums, region sums
as column sums, per-library indicators against the values LibreOffice cached in the files it
saved. The region is built once per module (~40 s, most of it openpyxl filling the forms).
"""

from __future__ import annotations

import copy
import csv
import math
import random
import re
import shutil
import sqlite3
import statistics
import zipfile
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from xl_afbp.demo import libreoffice
from xl_afbp import consolidate as c
from xl_afbp.jobs import consolidation as job
from xl_afbp import database
from xl_afbp.cli import main
from xl_afbp.formdata import FormData
from xl_afbp.generate import generate_batch, read_libraries, read_previous
from xl_afbp.reader import Submission
from xl_afbp.regions import build_library_list, write_library_csv
from xl_afbp.demo.simulate import inject_mistake, simulate_form
from xl_afbp.workbook.fill import fill_form
from xl_afbp.workbook.read_names import read_named_values
from xl_afbp.ooxml.zipcopy import set_saved_at

N_LIBRARIES = 62
MISTAKES = ("missing_item", "k03_difference", "rule_error", "hash_not_allowed", "too_many_decimals")
EVIL_NAME = '=HYPERLINK("http://example.com","<b>klik</b>")'
EVIL_PLACE = "+48 91 000 00 00"
EVIL_ORGANIZER = "@SUMA(A1)"
EVIL_FILE = "=2+3 notatka.txt"


@dataclass
class Region:
    root: Path
    libs_csv: Path
    returned: Path
    paths: list[Path]
    subs: list
    con: c.Consolidation
    outputs: dict[str, Path]
    db: Path
    plan: dict


def _simulated(lib, mistake: str | None, seed: str) -> FormData:
    data = simulate_form(lib.mieszkancy, lib.filie, seed=f"{seed}-{lib.id}", podtyp=lib.podtyp, organizator=lib.organizator, www=lib.www or None)
    if mistake:
        data = inject_mistake(data, mistake, seed=f"{seed}-{lib.id}")
    # the coordinator prefilled the place and the name; the library types the rest
    data.basic = {k: v for k, v in data.basic.items() if k in ("PONADLOKALNE", "STATUS_PRAWNY", "STATUS_NAUKOWY", "LOGIN", "IMIE", "NAZWISKO", "EMAIL")}
    return data


def _fill(job) -> str:
    src, data, dst = job
    fill_form(src, data, dst)
    return str(dst)




@pytest.fixture(scope="module")
def region(tmp_path_factory, engine) -> Region:
    root = tmp_path_factory.mktemp("region")
    rows = build_library_list("zachodniopomorskie")[:N_LIBRARIES]
    libs_csv = root / "biblioteki.csv"
    write_library_csv(rows, libs_csv)
    libs, skipped = read_libraries(libs_csv)
    assert not skipped
    forms = {p.stem: p for p in generate_batch(libs, root / "forms", progress=False, workers=2)}
    rng = random.Random(2016)
    ids = [lib.id for lib in libs]
    order = ids[1:]
    rng.shuffle(order)
    missing = sorted(order[:3])
    mistakes = dict(zip(order[3:8], MISTAKES))
    duplicate, corrected, conflict, evil, broken = order[8:13]
    by_id = {lib.id: lib for lib in libs}
    returned = root / "returned"
    (returned / "poczta" / "2017-03").mkdir(parents=True)
    jobs = []
    for lib in libs:
        if lib.id in missing:
            continue
        data = _simulated(lib, mistakes.get(lib.id, "k03_difference" if lib.id == evil else None), "t")
        if lib.id == evil:  # typed over the prefilled cells; with a K-03 difference, so the report lists it
            data.basic |= {"NAZWA": EVIL_NAME, "MIEJSCOWOSC": EVIL_PLACE, "ORGANIZATOR": EVIL_ORGANIZER}
        folder = returned / "poczta" / "2017-03" if lib.id in (duplicate, corrected) else returned
        jobs.append((forms[lib.id], data, folder / f"{lib.id}.xlsx"))
    # a first version of `corrected` (with a gap), saved a week earlier
    first = returned / f"{corrected}-wersja-1.xlsx"
    jobs.append((forms[corrected], _simulated(by_id[corrected], "missing_item", "t-v1"), first))
    # another library typed its own name into `conflict`'s form
    stranger = returned / f"{conflict}-od-innej-biblioteki.xlsx"
    other = _simulated(by_id[conflict], None, "t-other")
    other.basic["NAZWA"] = "Gminna Biblioteka Publiczna w Innym Miejscu"
    jobs.append((forms[conflict], other, stranger))
    with ProcessPoolExecutor(max_workers=2) as pool:
        list(pool.map(_fill, jobs))
    now = datetime.now(timezone.utc).replace(microsecond=0)
    set_saved_at(first, now - timedelta(days=7))
    set_saved_at(returned / "poczta" / "2017-03" / f"{corrected}.xlsx", now - timedelta(days=1))
    shutil.copy(returned / "poczta" / "2017-03" / f"{duplicate}.xlsx", returned / f"{duplicate} (kopia).xlsx")
    data = (returned / f"{broken}.xlsx").read_bytes()
    (returned / f"{broken}.xlsx").write_bytes(data[: len(data) // 3])
    (returned / EVIL_FILE).write_text("W załączniku formularz.\n", encoding="utf-8")
    # librarians' spreadsheets: shared strings and cached values, as Excel/Calc save them
    lo_saved = sorted(p for p in returned.glob("*.xlsx") if p.stem in ids and p.stem not in (broken, evil))[:8]
    for src, dst in libreoffice.recalculate(lo_saved, root / "lo").items():
        shutil.move(str(dst), src)
    out, db = root / "summary", root / "afbp.sqlite"
    paths = job.collect_inputs([returned])
    subs = job.read_files(paths, progress=False)
    con = c.consolidate(subs, engine=engine, expected=libs_csv)
    outputs = job.write_outputs(con, out, engine=engine, database=job.RunDatabase(con, db, engine))
    plan = dict(missing=missing, mistakes=mistakes, duplicate=duplicate, corrected=corrected, conflict=conflict, evil=evil, broken=broken, lo_saved=lo_saved, first=first, stranger=stranger)
    return Region(root, libs_csv, returned, paths, subs, con, outputs, db, plan)


def _log(region: Region) -> dict[str, dict]:
    return {r["nazwa_pliku"]: r for r in region.con.import_log.to_dict("records")}


# ----------------------------------------------------------------------------- import log
def test_every_file_gets_one_import_log_row(region):
    files = sorted(p for p in region.returned.rglob("*") if p.is_file())
    log = region.con.import_log
    assert len(log) == len(files) == len(region.paths)
    assert sorted(log["plik"]) == sorted(map(str, files))
    assert set(log["status"]) <= set(c.STATUS_PL.values())
    assert log["sha256"].str.fullmatch(r"[0-9a-f]{64}").all()


def test_duplicate_superseded_conflict_and_broken_files(region):
    p, log = region.plan, _log(region)
    assert log[f"{p['duplicate']} (kopia).xlsx"]["status"] == "duplikat"
    assert f"{p['duplicate']}.xlsx" in log[f"{p['duplicate']} (kopia).xlsx"]["powod"]
    assert log[f"{p['duplicate']}.xlsx"]["status"] in ("przyjęty", "przyjęty z uwagami")
    old = log[p["first"].name]
    assert old["status"] == "zastąpiony" and old["kod"] == "superseded" and f"{p['corrected']}.xlsx" in old["powod"]
    # the list of expected libraries says whose the id is: the library's own file is used,
    # the other library's is rejected and named (issue 14; before, both were rejected)
    assert log[f"{p['conflict']}.xlsx"]["status"] in ("przyjęty", "przyjęty z uwagami")
    stranger = log[p["stranger"].name]
    assert stranger["status"] == "odrzucony" and stranger["kod"] == "id_claimed" and "Innym Miejscu" in stranger["powod"]
    assert log[f"{p['broken']}.xlsx"]["status"] == "odrzucony"
    assert log[EVIL_FILE]["status"] == "pominięty" and log[EVIL_FILE]["kod"] == "not_a_form"  # a note, not a form (issue 13)
    counts = region.con.counts
    assert counts[c.DUPLICATE] == 1 and counts[c.SUPERSEDED] == 1 and counts[c.REJECTED] == 2 and counts[c.SKIPPED] == 1
    lib = region.con.libraries.set_index("id")
    assert p["conflict"] in lib.index and p["broken"] not in lib.index
    assert lib.loc[p["corrected"], "braki"] == 0  # the corrected version is the one used


def test_forms_with_mistakes_are_accepted_with_findings(region):
    lib = region.con.libraries.set_index("id")
    findings = region.con.findings
    for lib_id, kind in region.plan["mistakes"].items():
        assert lib.loc[lib_id, "import"] == "przyjęty z uwagami", kind
        mine = findings[findings["id"] == lib_id]
        assert len(mine), kind
        if kind in ("rule_error", "hash_not_allowed", "too_many_decimals"):
            assert lib.loc[lib_id, "status"] == "błąd" and (mine["waga"] == "błąd").any()
        if kind == "k03_difference":
            assert (mine["rodzaj"] == "K-03").any()
    rule_error = next(i for i, k in region.plan["mistakes"].items() if k == "rule_error")
    row = findings[(findings["id"] == rule_error) & (findings["kontrola"] == "L1")].iloc[0]
    assert "P6 = " in row["wartosci"] and "P5 = " in row["wartosci"]


def test_missing_libraries_are_listed(region):
    missing = region.con.missing.set_index("id")
    p = region.plan
    assert set(p["missing"]) | {p["broken"]} == set(missing.index)
    assert missing.loc[p["missing"][0], "uwagi"] == "nie przesłano formularza"
    assert missing.loc[p["broken"], "uwagi"].startswith("przesłano, ale odrzucono")
    assert missing.loc[p["broken"], "uwagi"].startswith("przesłano, ale odrzucono")  # unreadable: linked by its file name
    assert len(region.con.libraries) + len(missing) == N_LIBRARIES


# ----------------------------------------------------------------------------- numbers
def test_indicators_equal_the_values_libreoffice_cached(region, engine):
    """Files saved through LibreOffice hold LibreOffice's own results: an independent engine."""
    lib = region.con.libraries.set_index("id")
    codes = [i.code for i in engine.spec.indicators]
    compared = 0
    for path in region.plan["lo_saved"]:
        if path.stem not in lib.index:
            continue
        cached = read_named_values(path, [f"IND_{code}" for code in codes])
        for code in codes:
            lo, py = cached[f"IND_{code}"], lib.loc[path.stem, code]
            if lo is None:
                assert math.isnan(py), (path.stem, code)
            else:
                assert py == pytest.approx(lo, rel=1e-9, abs=1e-12), (path.stem, code)
            compared += 1
    assert compared >= 6 * len(codes)


def _quartiles(values: list[float]) -> tuple[float, float]:
    if len(values) == 1:
        return values[0], values[0]
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], q[2]


#: the items an error-level check reads when a planted mistake fails it: L1 compares items 5
#: and 6; a '#' where it is not allowed leaves no number to leave out; too many decimals:
#: the changed item itself (found by comparing with the clean form, see _planted_items)
ERROR_READS = {"rule_error": {5, 6}, "hash_not_allowed": set()}


def _planted_items(region, lib_id: str, kind: str) -> set[int]:
    """The items whose value the tool must not accept in ``lib_id``'s form: the items the
    failed check reads, or the items the mistake changed (the clean form, same seed)."""
    if kind in ERROR_READS:
        return ERROR_READS[kind]
    lib = next(x for x in read_libraries(region.libs_csv)[0] if x.id == lib_id)
    clean = simulate_form(lib.mieszkancy, lib.filie, seed=f"t-{lib_id}", podtyp=lib.podtyp, organizator=lib.organizator, www=lib.www or None)
    planted = _simulated(lib, kind, "t")
    return {nr for nr, v in planted.items.items() if v != clean.items.get(nr)}


def _reading(engine, items: set[int]) -> set[str]:
    """The indicators that read any of ``items``, found by the engine as a black box: change
    the item on a clean form and see which indicators move (not the consolidator's parsing)."""
    base = simulate_form(20000, 2, seed="reads")
    before = engine.evaluate(base).indicators
    out = set()
    for nr in items:
        moved = copy.deepcopy(base)
        moved.items[nr] = moved.items[nr] * 1.37 + 3
        after = engine.evaluate(moved).indicators
        out |= {code for code, v in after.items() if v != before[code]}
    return out


@pytest.fixture(scope="module")
def left_out_items(region) -> dict[str, set[int]]:
    """Per library: the items whose value must stay out of the sums (planted error-level
    mistakes only; every other form is clean)."""
    return {i: _planted_items(region, i, kind) for i, kind in region.plan["mistakes"].items() if kind in ("rule_error", "hash_not_allowed", "too_many_decimals")}


@pytest.fixture(scope="module")
def left_out(engine, left_out_items) -> dict[str, set[str]]:
    """Per library: the indicators whose value must stay out of the statistics."""
    return {i: _reading(engine, items) for i, items in left_out_items.items()}


def _accepted(region, code: str, left_out: dict[str, set[str]]) -> pd.Series:
    """The library values of ``code`` that enter the statistics: without the planted
    mistakes' values (computed here, independently of the consolidator's mask)."""
    lib = region.con.libraries
    return lib[code].where([not (i in left_out and code in left_out[i]) for i in lib["id"]])


def test_group_statistics_match_an_independent_computation(region, engine, left_out):
    lib = region.con.libraries
    gs = region.con.group_stats
    codes = [i.code for i in engine.spec.indicators]
    groups: dict[tuple[str, str, str], list[int]] = {}
    for i, r in enumerate(lib.to_dict("records")):
        groups.setdefault((c.LEVEL_GROUP, r["podtyp"], r["przedzial"]), []).append(i)
        groups.setdefault((c.LEVEL_SUBTYPE, r["podtyp"], ""), []).append(i)
        groups.setdefault((c.LEVEL_BAND, c.ALL_SUBTYPES, r["przedzial"]), []).append(i)
        groups.setdefault((c.LEVEL_REGION, c.ALL_SUBTYPES, ""), []).append(i)
    got = {(r["poziom"], r["podtyp"], r["przedzial"], r["wskaznik"]): r for r in gs.to_dict("records")}
    assert len(got) == len(groups) * len(codes) == len(gs)
    checked = suppressed = 0
    for key, rows in groups.items():
        for code in codes:
            acc = _accepted(region, code, left_out)
            values = [v for v in acc.iloc[rows] if not math.isnan(v)]
            r = got[(*key, code)]
            assert r["n_grupy"] == len(rows) and r["n"] == len(values)
            assert r["n_pominiete"] == int(lib[code].iloc[rows].notna().sum()) - len(values)
            if len(values) < c.MIN_GROUP:  # nothing resting on one or two libraries
                assert all(math.isnan(r[k]) for k in ("srednia", "mediana", "q1", "q3", "min", "max", "agregat"))
                suppressed += bool(values)
                continue
            q1, q3 = _quartiles(values)
            expected = {"srednia": statistics.fmean(values), "mediana": statistics.median(values), "q1": q1, "q3": q3, "min": min(values), "max": max(values)}
            for k, v in expected.items():
                assert r[k] == pytest.approx(v, rel=1e-12, abs=1e-12), (key, code, k)
            checked += 1
    assert checked > 500 and suppressed > 0
    assert int(gs["n_pominiete"].sum()) > 0  # the planted mistakes left values out
    assert set(gs[gs["poziom"] == c.LEVEL_SUBTYPE]["podtyp"]) == set(lib["podtyp"])


def _numbers(series) -> list[float | None]:
    return [float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else None for v in series]


RATIOS = {  # indicator: (numerator items, denominator items, multiplier)
    "U05": (["P16"], ["P01"], 1),
    "U01": (["P02"], ["P01"], 100),
    "E04": (["P26"], ["P16"], 1),
    "Z02": (["P05"], ["P01"], 1000),
    "R02": (["P30"], ["P28", "P30"], 100),
    "R07": (["P27"], ["P26", "P27"], 100),
    "U04": (["P15"], ["P01"], 1),
}


def _population(rows) -> float:
    """Each inhabitant once: the largest population reported for a gmina (TERC WWPPGG)."""
    units: dict[str, float] = {}
    for teryt, p in zip(rows["teryt"], _numbers(rows["P01"])):
        key = str(teryt)[:6] if str(teryt)[:6].isdigit() else f"#{len(units)}"
        units[key] = max(units.get(key, 0.0), p)
    return math.fsum(units.values())


def test_aggregates_are_ratios_of_sums(region, left_out):
    lib = region.con.libraries
    gs = region.con.group_stats
    for code, (num, den, mult) in RATIOS.items():
        acc = _accepted(region, code, left_out)
        for r in gs[gs["wskaznik"] == code].to_dict("records"):
            if r["poziom"] == c.LEVEL_REGION:
                rows = lib
            elif r["poziom"] == c.LEVEL_SUBTYPE:
                rows = lib[lib["podtyp"] == r["podtyp"]]
            elif r["poziom"] == c.LEVEL_BAND:
                rows = lib[lib["przedzial"] == r["przedzial"]]
            else:
                rows = lib[(lib["podtyp"] == r["podtyp"]) & (lib["przedzial"] == r["przedzial"])]
            rows = rows[acc.loc[rows.index].notna()]  # the libraries with an accepted value of the indicator
            if len(rows) < c.MIN_GROUP:
                assert math.isnan(r["agregat"])
                continue
            n = sum(_population(rows) if col == "P01" else math.fsum(_numbers(rows[col])) for col in num)
            d = sum(_population(rows) if col == "P01" else math.fsum(_numbers(rows[col])) for col in den)
            assert r["agregat"] == pytest.approx(n / d * mult, rel=1e-12), (code, r["podtyp"], r["przedzial"])
    # non-additive inputs and "+1" divisors have no aggregate, and say why
    for code in ("Z09", "U02", "Z12", "Z11"):
        rows = gs[gs["wskaznik"] == code]
        assert rows["agregat"].isna().all() and (rows["agregat_uwagi"] != "").all()
    region_rows = region.con.region.set_index("kod")
    assert region_rows.loc["U05", "wartosc"] == pytest.approx(gs[(gs["poziom"] == c.LEVEL_REGION) & (gs["wskaznik"] == "U05")]["agregat"].iloc[0])


def test_region_sums_equal_the_sum_over_libraries(region, engine, left_out_items):
    lib = region.con.libraries
    sums = region.con.region[region.con.region["rodzaj"] == "suma pozycji"].set_index("kod")
    additive = [it for it in engine.spec.items if it.additive]
    assert list(sums.index) == [f"P{it.nr:02d}" for it in additive]
    for it in additive:
        col = f"P{it.nr:02d}"
        keep = lib[[it.nr not in left_out_items.get(i, ()) for i in lib["id"]]]
        values = [v for v in _numbers(keep[col]) if v is not None]
        expected = _population(keep[[v is not None for v in _numbers(keep[col])]]) if col == "P01" else math.fsum(values)
        assert sums.loc[col, "wartosc"] == pytest.approx(expected, rel=1e-12)
        assert sums.loc[col, "n"] == len(values) and sums.loc[col, "n_brak"] + sums.loc[col, "n_pominiete"] == len(lib) - len(values)
    powiaty = region.con.powiaty
    assert powiaty["biblioteki"].sum() == len(lib)
    assert powiaty["oczekiwane"].sum() == N_LIBRARIES


def test_order_of_inputs_does_not_change_the_result(region, engine):
    shuffled = list(region.subs)
    random.Random(7).shuffle(shuffled)
    other = c.consolidate(shuffled, engine=engine, expected=region.libs_csv)
    for name in ("libraries", "group_stats", "powiaty", "region", "findings", "import_log", "missing", "review", "excluded"):
        pd.testing.assert_frame_equal(getattr(other, name), getattr(region.con, name), check_exact=True, obj=name)


def test_reversed_arrival_of_two_versions_keeps_the_newest(engine):
    base = FormData(items={1: 1000, 2: 100}, basic={"NAZWA": "Biblioteka A"})
    t = datetime(2017, 3, 1, tzinfo=timezone.utc)

    def sub(name, sha, saved, meta=None, lib_id="X-1", **kw):
        meta = {"library_id": lib_id, "teryt": "3201011", "year": 2016, **(meta or {})}
        return Submission(path=Path(name), name=name, sha256=sha, size=1, verdict="accepted", code="ok", reason="", library_id=lib_id, meta=meta, data=kw.get("data", base), saved_at=saved)

    subs = [sub("b.xlsx", "2" * 64, t), sub("a.xlsx", "1" * 64, t + timedelta(hours=1))]
    for order in (subs, subs[::-1]):
        entries = {e.sub.name: e for e in c.assign_statuses(order, year=2016)}
        assert entries["a.xlsx"].status == c.ACCEPTED and entries["b.xlsx"].status == c.SUPERSEDED
    # no saved_at: the form's generated_at decides
    subs = [sub("a.xlsx", "1" * 64, None, {"generated_at": "2017-01-02T00:00:00+00:00"}), sub("b.xlsx", "2" * 64, None, {"generated_at": "2017-01-03T00:00:00+00:00"})]
    entries = {e.sub.name: e for e in c.assign_statuses(subs, year=2016)}
    assert entries["b.xlsx"].status == c.ACCEPTED and entries["a.xlsx"].status == c.SUPERSEDED
    # another library (other TERYT) claims the id: both rejected
    subs = [sub("a.xlsx", "1" * 64, t), sub("b.xlsx", "2" * 64, t, {"teryt": "3201022"})]
    assert {e.code for e in c.assign_statuses(subs, year=2016)} == {"id_conflict"}
    # a form of another year, and one without an id that the expected list identifies
    subs = [sub("a.xlsx", "1" * 64, t, {"year": 2015}), sub("b.xlsx", "2" * 64, t, lib_id=None, meta={"library_id": None})]
    entries = {e.sub.name: e for e in c.assign_statuses(subs, year=2016, expected={"X-9": {"id": "X-9", "nazwa": "biblioteka  a"}})}
    assert entries["a.xlsx"].code == "wrong_year" and entries["a.xlsx"].status == c.REJECTED
    assert entries["b.xlsx"].library_id == "X-9" and entries["b.xlsx"].warnings


# ----------------------------------------------------------------------------- outputs
def test_output_files(region):
    out = region.outputs
    for name in ("podsumowanie.xlsx", "biblioteki.csv", "wskazniki_grupy.csv", "kontrola.csv", "import.csv", "benchmark-2016.csv", "raport.html"):
        assert name in out and out[name].is_file() and out[name].stat().st_size > 0, name
    wb = load_workbook(out["podsumowanie.xlsx"])
    assert {"Biblioteki", "Wskaźniki wg grup", "Wg podtypów", "Wg przedziałów", "Powiaty", "Region", "Kontrola", "Do sprawdzenia", "Import", "Brakujące"} <= set(wb.sheetnames)
    ws = wb["Biblioteki"]
    assert ws.freeze_panes and ws.auto_filter.ref
    assert ws.max_row == 5 + len(region.con.libraries)
    assert len(wb["Wykresy"]._charts) >= 2
    assert wb["Import"].max_row == 4 + len(region.con.import_log)
    headers = [cell.value for cell in wb["Wskaźniki wg grup"][5]]
    assert any("iloraz sum" in h and "nie mediana" in h for h in headers if h)
    html = out["raport.html"].read_text(encoding="utf-8")
    assert "Wskaźnik zagregowany" in html and "@media print" in html and "data:image/png;base64," in html
    quality = out["kontrola.html"].read_text(encoding="utf-8")
    for lib_id in region.plan["missing"]:
        assert lib_id in quality and lib_id not in html


def test_csv_outputs_feed_the_generator(region):
    out = region.outputs
    previous = read_previous(out["biblioteki.csv"])
    lib = region.con.libraries.set_index("id")
    assert set(previous) == set(lib.index)
    some = lib.index[0]
    for nr in (1, 2, 16, 26):
        assert previous[some][nr] == pytest.approx(float(lib.loc[some, f"P{nr:02d}"]))
    from xl_afbp.outputs.benchmark import read_benchmark

    bench = read_benchmark(out["benchmark-2016.csv"])
    gs = region.con.group_stats
    subtypes = gs[gs["poziom"] == c.LEVEL_SUBTYPE].dropna(subset=["mediana"])
    row = subtypes[(subtypes["n_grupy"] >= 3) & (subtypes["n"] >= 3)].iloc[0]
    label, medians = bench.for_group(row["podtyp"], "no such band")
    assert "wszystkie przedziały" in label and medians[row["wskaznik"]] == pytest.approx(row["mediana"])
    small = subtypes[subtypes["n_grupy"] < 3]
    if len(small):  # a subtype under 3 libraries is never a benchmark: the region is
        label, medians = bench.for_group(small.iloc[0]["podtyp"], "no such band")
        assert "wszystkie biblioteki" in label and "mniej niż 3" in label


def test_text_from_files_never_becomes_a_formula(region):
    out = region.outputs
    with zipfile.ZipFile(out["podsumowanie.xlsx"]) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in zf.read(name) and b"<f " not in zf.read(name), name
    wb = load_workbook(out["podsumowanie.xlsx"])
    found = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if cell.value in (EVIL_NAME, EVIL_PLACE, EVIL_ORGANIZER, EVIL_FILE):
                    assert cell.data_type == "s"
                    found.add(cell.value)
    assert found == {EVIL_NAME, EVIL_PLACE, EVIL_ORGANIZER, EVIL_FILE}
    for name, path in out.items():
        if not name.endswith(".csv"):
            continue
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(fh, delimiter=";" if name != "benchmark-2016.csv" else ","):
                for field in row:
                    if field.startswith(("=", "+", "@")):
                        pytest.fail(f"{name}: {field!r} would run as a formula")
                    if field.startswith("-"):
                        float(field.replace(",", "."))  # only negative numbers may start with '-'
    text = (out["biblioteki.csv"]).read_text(encoding="utf-8-sig")
    assert "'" + EVIL_NAME.replace('"', '""') in text
    html = out["kontrola.html"].read_text(encoding="utf-8")
    assert "<b>klik</b>" not in html and "&lt;b&gt;klik&lt;/b&gt;" in html


@pytest.mark.libreoffice
def test_summary_workbook_opens_in_libreoffice(region, tmp_path):
    pdf = libreoffice.to_pdf([region.outputs["podsumowanie.xlsx"]], tmp_path)[region.outputs["podsumowanie.xlsx"]]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page[^s]", data)) >= 9


# ----------------------------------------------------------------------------- database
def test_database_schema_and_contents(region):
    with sqlite3.connect(region.db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == database.SCHEMA_VERSION
        assert conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == database.SCHEMA_VERSION
        verdicts = dict(conn.execute("SELECT verdict, COUNT(*) FROM submissions GROUP BY verdict").fetchall())
        n_libs = conn.execute("SELECT COUNT(*) FROM libraries WHERE year = 2016").fetchone()[0]
        old = conn.execute("SELECT verdict, superseded_by FROM submissions WHERE file_name = ?", (region.plan["first"].name,)).fetchone()
    con = region.con
    assert n_libs == len(con.libraries)
    assert verdicts.get("rejected") == con.counts[c.REJECTED]
    assert sum(verdicts.values()) == len(con.entries) - con.counts[c.DUPLICATE] - con.counts[c.SKIPPED] - con.counts[c.UNRESOLVED]
    assert old[0] == "superseded" and old[1]
    prev = database.previous_values(region.db, year=2016)
    assert prev == read_previous(region.db, year=2016)
    lib = con.libraries.set_index("id")
    for lib_id, values in prev.items():
        for nr, v in values.items():
            expected = lib.loc[lib_id, f"P{nr:02d}"]
            assert v == expected or v == pytest.approx(expected), (lib_id, nr)


def test_reimport_is_a_no_op_and_a_correction_replaces_values(region, engine, tmp_path):
    db = tmp_path / "afbp.sqlite"
    shutil.copy(region.db, db)
    before = database.dump(db)
    report = database.store(db, region.con)
    assert report.new == 0 and report.replaced == 0 and database.dump(db) == before
    shuffled = list(region.subs)
    random.Random(3).shuffle(shuffled)
    database.store(db, c.consolidate(shuffled, engine=engine, expected=region.libs_csv))
    assert database.dump(db) == before
    # a library sends a corrected file later: its values are replaced, the old file stays
    lib_id = region.con.libraries["id"].iloc[0]
    old_path = next(p for p in region.paths if p.stem == lib_id)
    forms = region.root / "forms"
    data = _simulated(next(lib for lib in read_libraries(region.libs_csv)[0] if lib.id == lib_id), None, "t")
    data.items[16] = 123456
    new_path = tmp_path / f"{lib_id}-poprawiony.xlsx"
    fill_form(forms / f"{lib_id}.xlsx", data, new_path, engine=engine)
    set_saved_at(new_path, datetime.now(timezone.utc) + timedelta(days=1))
    later = c.consolidate(job.read_files([new_path], progress=False), engine=engine, expected=region.libs_csv)
    report = database.store(db, later)
    assert report.new == 1 and report.replaced == 1
    assert database.previous_values(db, year=2016)[lib_id][16] == 123456
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT verdict, superseded_by FROM submissions WHERE file_name = ?", (old_path.name,)).fetchone()
    assert row[0] == "superseded" and row[1] == later.entries[0].sub.sha256
    # the old file arriving again changes nothing
    again = c.consolidate(job.read_files([old_path], progress=False), engine=engine, expected=region.libs_csv)
    snapshot = database.dump(db)
    database.store(db, again)
    assert database.dump(db) == snapshot


def test_values_of_all_files_at_once_equal_file_by_file(region, tmp_path):
    """store() inserts the value rows of all files together and falls back to file by file
    when that fails: both ways give the same database, row for row."""
    con = region.con
    lib_rows = {r["id"]: r for r in con.libraries.to_dict("records")}
    dumps, reports = [], []
    for together in (True, False):
        db = tmp_path / f"{together}.sqlite"
        with closing(database.connect(db)) as conn, conn:
            conn.execute("BEGIN")
            reports.append(database._store_files(conn, con, int(con.year), "2016-12-31T00:00:00+00:00", lib_rows, together=together))
        dump = database.dump(db)
        dump.pop("schema_version")  # the time the file was made
        dumps.append(dump)
    assert dumps[0] == dumps[1] and reports[0] == reports[1]
    assert len(dumps[0]["item_values"]) > len(con.libraries) and reports[0].inserted == len(con.libraries)


def test_database_of_a_newer_version_is_refused(tmp_path):
    db = tmp_path / "x.sqlite"
    database.connect(db).close()
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {database.SCHEMA_VERSION + 1}")
    with pytest.raises(database.DatabaseError):
        database.previous_values(db, year=2016)
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(database.DatabaseError):
        database.connect(other)


# ----------------------------------------------------------------------------- command line
def test_cli_exit_codes(region, tmp_path, capsys):
    good = tmp_path / "good"
    good.mkdir()
    ok = [p for p in region.paths if p.stem in set(region.con.libraries["id"]) and "przyjęty" == _log(region)[p.name]["status"]][:3]
    for p in ok:
        shutil.copy(p, good / p.name)
    args = ["consolidate", str(good), "--out", str(tmp_path / "s1"), "--db", str(tmp_path / "db.sqlite"), "--quiet"]
    assert main(args) == 0
    assert (tmp_path / "s1" / "podsumowanie.xlsx").is_file() and (tmp_path / "db.sqlite").is_file()
    shutil.copy(region.returned / EVIL_FILE, good / EVIL_FILE)  # a note: skipped, the exit code stays 0
    assert main(["consolidate", str(good), "--out", str(tmp_path / "s2"), "--no-db", "--quiet", "--expected", str(region.libs_csv)]) == 0
    printed = capsys.readouterr().out
    assert "pominięty: 1" in printed and "Odrzucono" not in printed and "brakuje" in printed
    assert len(pd.read_csv(tmp_path / "s2" / "import.csv", sep=";")) == 4
    shutil.copy(region.returned / f"{region.plan['broken']}.xlsx", good / "uszkodzony.xlsx")
    assert main(["consolidate", str(good), "--out", str(tmp_path / "s3"), "--no-db", "--quiet"]) == 1
    assert "Odrzucono 1" in capsys.readouterr().out
    assert main(["consolidate", str(tmp_path / "nie-ma"), "--quiet"]) == 2
    assert main(["consolidate", str(good), "--expected", str(tmp_path / "nie-ma.csv"), "--quiet"]) == 2


def test_overflowing_k03_figures_have_no_value_and_the_batch_goes_on(engine):
    good, bad = simulate_form(5000, 1, seed=1), simulate_form(5000, 1, seed=2)
    bad.k03 = {k: [1e308, 1e308] for k in bad.k03}  # sums overflow: no value, never an exception
    subs = [
        Submission(path=Path(f"L{i}.xlsx"), name=f"L{i}.xlsx", sha256=f"{i}" * 64, size=1, verdict="accepted", code="ok", reason="", library_id=f"L{i}", meta={"library_id": f"L{i}", "year": 2016}, data=d)
        for i, d in enumerate((good, bad))
    ]
    con = c.consolidate(subs, engine=engine, expected=[{"id": "L0"}, {"id": "L1"}])
    log = con.import_log.set_index("id")
    assert log.loc["L0", "status"] == "przyjęty"
    assert log.loc["L1", "status"] in ("przyjęty", "przyjęty z uwagami")
    assert sorted(con.libraries["id"]) == ["L0", "L1"] and con.missing.empty
    assert engine.evaluate(bad).k03[1].k03 is None  # item 4: the sum overflowed


def test_hostile_subtype_and_ids_stay_text_in_every_output(engine, tmp_path):
    form = simulate_form(5000, 1, seed=3)
    form.basic |= {"PODTYP": "=SUMA(1;2)", "NAZWA": "@Biblioteka", "POWIAT": "-powiat"}
    sub = Submission(path=tmp_path / "=x.xlsx", name="=x.xlsx", sha256="a" * 64, size=1, verdict="accepted", code="ok", reason="", library_id="=ID", meta={"library_id": "=ID", "year": 2016}, data=form)
    con = c.consolidate([sub], engine=engine, region="=region")
    out = job.write_outputs(con, tmp_path / "out", engine=engine)
    with zipfile.ZipFile(out["podsumowanie.xlsx"]) as zf:
        assert not any(re.search(rb"<f[ >]", zf.read(n)) for n in zf.namelist() if n.startswith("xl/worksheets/"))
    values = {cell.value for ws in load_workbook(out["podsumowanie.xlsx"]).worksheets for row in ws.iter_rows() for cell in row}
    assert {"=SUMA(1;2)", "=ID", "@Biblioteka", "-powiat", "=x.xlsx"} <= values
    assert "'=SUMA(1;2)" in out["wskazniki_grupy.csv"].read_text(encoding="utf-8")
    assert "'=ID" in out["biblioteki.csv"].read_text(encoding="utf-8")


def test_the_engine_evaluates_each_returned_file_once(corpus, engine, monkeypatch):
    """The reader computes every computed cell once (it compares cached values with them);
    the consolidator builds the form's evaluation from those values instead of running the
    engine again. A spy counts the engine's runs (it calls the real engine)."""
    from xl_afbp.engine import Engine
    from xl_afbp.reader import read_many

    folder, _ = corpus
    files = [folder / n for n in ("ok_libreoffice.xlsx", "ok_openpyxl.xlsx", "ok_raw_typed.xlsx", "cached_mismatch.xlsx")]
    runs: list[int] = []
    real = Engine.values

    def counted(self, data):
        runs.append(id(data))
        return real(self, data)

    monkeypatch.setattr(Engine, "values", counted)
    subs = read_many(files, engine=engine, workers=1, progress=False)
    for i, s in enumerate(subs):  # four libraries, not four versions of one
        s.library_id = s.meta["library_id"] = f"RAZ-{i}"
    con = c.consolidate(subs, engine=engine)
    assert len(con.libraries) == len(files)
    assert len(runs) == len(files) and len(set(runs)) == len(files)
    # and the evaluation is the engine's: the indicators equal a fresh evaluation
    monkeypatch.setattr(Engine, "values", real)
    for e in con.entries:
        assert e.evaluation.indicators == engine.evaluate(e.sub.data).indicators
