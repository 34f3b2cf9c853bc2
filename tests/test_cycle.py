"""The yearly cycle, piece by piece (issue 11): survey year apart from the edition, forms
for a later year, years that never mix, benchmarks that never use a group under 3
libraries, the region's starting list, new editions from a folder.

The whole loop over three survey years with LibreOffice is ``test_cycle_loop.py``; these
tests are the fast ones, each written against a defect of the issue.
"""

from __future__ import annotations

import contextlib
import csv
import io
import shutil
import statistics
from pathlib import Path

import pytest
from openpyxl import load_workbook

from xl_afbp import database
from xl_afbp.cli import main
from xl_afbp.demo.simulate import simulate_form
from xl_afbp.formdata import FormData
from xl_afbp.generate import generate_batch, read_libraries
from xl_afbp.reader import Submission
from xl_afbp.workbook.fill import fill_form
from xl_afbp.workbook.form import META, population_band
from xl_afbp.workbook.printing import header_text

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_LIBS = ROOT / "xl_afbp" / "data" / "sample_libraries.csv"


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def meta_of(path: Path) -> dict:
    wb = load_workbook(path, read_only=True)
    return {r[0]: r[1] for r in wb[META].iter_rows(min_row=2, values_only=True)}


# ---------------------------------------------------------------- survey year vs edition
def test_generate_for_a_later_survey_year_uses_the_edition_that_serves_it(tmp_path, spec):
    """Before: 'no shipped edition 2017' – --year meant the form edition."""
    code, out, err = cli("generate", "--year", 2017, "--out", tmp_path)
    assert code == 0, err
    form = tmp_path / "afbp-2017-formularz.xlsx"
    meta = meta_of(form)
    assert meta["year"] == 2017
    assert meta["edition"] == "afbp-2016" and meta["edition_year"] == 2016
    assert meta["spec_version"] == spec.edition.spec_version and meta["spec_sha256"] == spec.digest
    wb = load_workbook(form)
    assert "dane za 2017 r." in wb["Formularz"]["A1"].value
    assert "2016" not in wb["Formularz"]["A1"].value
    assert header_text("AFBP – dane za 2017 r.") in wb["Formularz"].oddHeader.right.text
    assert "edition afbp-2016" in err  # it says which edition it picked


def test_generate_without_year_says_which_year_it_picked(tmp_path):
    code, out, err = cli("generate", "--out", tmp_path)
    assert code == 0, err
    written = list(tmp_path.glob("afbp-*-formularz.xlsx"))
    assert len(written) == 1
    year = int(written[0].name.split("-")[1])
    assert f"survey year {year}" in err and "--year" in err
    assert meta_of(written[0])["year"] == year


def test_an_unserved_year_is_a_clear_error(tmp_path):
    code, out, err = cli("generate", "--year", 2010, "--out", tmp_path)
    assert code == 2
    assert "2010" in err and "afbp-2016" in err and "Traceback" not in err


# ---------------------------------------------------------------- benchmarks
def _submission(lib, i: int, year: int, values: dict) -> Submission:
    d = FormData(items=dict(values), basic={"NAZWA": lib.nazwa, "PODTYP": lib.podtyp})
    meta = {"library_id": lib.id, "year": year, "teryt": lib.teryt}
    return Submission(path=Path(f"{lib.id}.xlsx"), name=f"{lib.id}.xlsx", sha256=f"{i:064d}", size=1, verdict="accepted", code="ok", reason="", library_id=lib.id, meta=meta, data=d)


def test_benchmark_files_never_hold_a_group_under_three(tmp_path, engine):
    """Before: benchmark-2016.csv had medians of groups of one library."""
    from xl_afbp.consolidate import consolidate
    from xl_afbp.outputs.benchmark import read_benchmark, write_benchmark

    libs, _ = read_libraries(SAMPLE_LIBS)
    subs = [_submission(lib, i, 2016, {1: lib.mieszkancy, 2: 1000 + 100 * i, 17: 20_000 + 5000 * i}) for i, lib in enumerate(libs)]
    con = consolidate(subs, engine=engine, year=2016)
    rows = con.benchmark_rows()
    assert rows and all(r["n"] >= 3 and r["n_grupy"] >= 3 for r in rows)
    path = write_benchmark(rows, tmp_path / "benchmark-2016.csv")
    with open(path, encoding="utf-8") as fh:
        assert all(int(r["n"]) >= 3 for r in csv.DictReader(fh))
    bench = read_benchmark(path)
    assert bench.year == 2016
    band = {lib.id: population_band(engine.spec, lib.mieszkancy) for lib in libs}
    by_group: dict[tuple, list] = {}
    for lib in libs:
        by_group.setdefault((lib.podtyp, band[lib.id]), []).append(lib)
    code = next(c for c in engine.spec.key_indicators)
    value = {lib.id: engine.indicator(code, FormData(items={1: lib.mieszkancy, 2: 1000 + 100 * i, 17: 20_000 + 5000 * i})) for i, lib in enumerate(libs)}
    for lib in libs:
        chosen = bench.for_library(lib.podtyp, band[lib.id])
        group = by_group[(lib.podtyp, band[lib.id])]
        subtype = [x for x in libs if x.podtyp == lib.podtyp]
        expected = group if len(group) >= 3 else subtype if len(subtype) >= 3 else libs
        assert chosen.n == len(expected), (lib.id, chosen)
        assert f"n = {len(expected)}" in chosen.label
        if expected is not group:
            assert "mniej niż 3" in chosen.label
        vals = [value[x.id] for x in expected if value[x.id] is not None]
        if len(vals) >= 3:
            assert chosen.medians[code] == pytest.approx(statistics.median(vals))
        else:
            assert code not in chosen.medians


# ---------------------------------------------------------------- the region's list
def test_libraries_command_writes_the_list_generate_takes(tmp_path):
    """Before: the list could only be built from Python (no command)."""
    out = tmp_path / "opolskie.csv"
    code, printed, err = cli("libraries", "--region", "opolskie", "--out", out)
    assert code == 0, err
    with open(out, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    from xl_afbp.regions import read_library_csv
    from xl_afbp.teryt import load_terc

    register = load_terc()
    woj = register.find_wojewodztwo("opolskie")
    gminy = {g.code7 for g in register.gminy_of_wojewodztwo(woj.code)}
    assert gminy <= {r["teryt"] for r in rows}
    assert any(r["podtyp"] == "biblioteka wojewódzka" for r in rows)
    assert all(r["do_sprawdzenia"] for r in rows)  # every row says what to fill or check
    assert all(r["www"] == "" and r["email"] == "" for r in rows)  # no invented addresses
    good, errors = read_library_csv(out)
    assert errors == [] and len(good) == len(rows)
    # an edited list: bad rows are reported by line, the rest generate
    lines = out.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",biblioteka gminy", ",biblioteka gminny", 1)
    out.write_text("\n".join(lines[:8]) + "\n", encoding="utf-8")
    code, printed, err = cli("generate", "--year", 2017, "--libraries", out, "--out", tmp_path / "forms", "--quiet")
    assert code == 1 and f"{out}:4: skipped" in printed
    assert len(list((tmp_path / "forms").glob("*.xlsx"))) == 6


# ---------------------------------------------------------------- years never mix
@pytest.fixture(scope="module")
def two_years(tmp_path_factory, engine):
    """Four sample libraries: forms of 2016 and of 2017 filled (openpyxl, no recalculation)."""
    root = tmp_path_factory.mktemp("years")
    libs, _ = read_libraries(SAMPLE_LIBS)
    libs = libs[3:7]
    out = {}
    for year in (2016, 2017):
        forms = generate_batch(libs, root / f"forms{year}", year=year, workers=1, progress=False)
        folder = root / f"returned{year}"
        folder.mkdir()
        for lib, form in zip(libs, forms):
            data = simulate_form(lib.mieszkancy, lib.filie, seed=f"{year}-{lib.id}", podtyp=lib.podtyp, organizator=lib.organizator)
            fill_form(form, data, folder / form.name)
        out[year] = folder
    return root, libs, out


def test_a_folder_of_several_years_is_refused_with_years_and_counts(two_years, tmp_path):
    root, libs, folders = two_years
    mixed = tmp_path / "mixed"
    shutil.copytree(folders[2017], mixed)
    shutil.copy(folders[2016] / f"{libs[0].id}.xlsx", mixed / "stary.xlsx")
    db = tmp_path / "afbp.sqlite"
    code, out, err = cli("consolidate", mixed, "--db", db, "--out", tmp_path / "summary", "--quiet")
    assert code == 2
    assert "2016 (1 file" in err and "2017 (4 files" in err and "stary.xlsx" in err and "--year" in err
    assert not db.exists()
    # with --year the other year's file gets its row in the import log, naming both years
    code, out, err = cli("consolidate", mixed, "--db", db, "--out", tmp_path / "summary", "--year", 2017, "--quiet")
    assert code == 1
    with open(tmp_path / "summary" / "import.csv", encoding="utf-8-sig") as fh:  # CSV for a Polish Excel
        row = next(r for r in csv.DictReader(fh, delimiter=";") if r["nazwa_pliku"] == "stary.xlsx")
    assert row["kod"] == "wrong_year" and "2016" in row["powod"] and "2017" in row["powod"]
    assert database.years(db) == [2017]


def test_a_later_year_never_changes_an_earlier_one(two_years, tmp_path):
    """Before: 2017 forms said 2016 inside and replaced the 2016 values in the database."""
    root, libs, folders = two_years
    db = tmp_path / "afbp.sqlite"
    assert cli("consolidate", folders[2016], "--db", db, "--out", tmp_path / "s16", "--quiet")[0] == 0
    before = database.dump(db)
    code, out, err = cli("consolidate", folders[2017], "--db", db, "--out", tmp_path / "s17", "--quiet")
    assert code == 0, err
    assert "survey year 2017 (from the files)" in err
    after = database.dump(db)
    assert database.years(db) == [2016, 2017]
    for table, rows in before.items():
        if table == "schema_version":
            assert after[table] == rows
            continue
        cols = _columns(db, table)
        if "year" not in cols:
            continue
        y = cols.index("year")
        assert [r for r in after[table] if r[y] == 2016] == [r for r in rows if r[y] == 2016], table
    prev16 = database.previous_values(db, year=2016)
    prev17 = database.previous_values(db, year=2017)
    assert prev16 != prev17 and set(prev16) == set(prev17) == {lib.id for lib in libs}
    # the same folder again: nothing changes at all
    assert cli("consolidate", folders[2017], "--db", db, "--out", tmp_path / "s17", "--quiet")[0] == 0
    assert database.dump(db) == after


def _columns(db: Path, table: str) -> list[str]:
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(db)) as conn:
        return [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]


# ---------------------------------------------------------------- the database schema
def test_a_schema_1_database_is_upgraded_in_place_with_every_row(tmp_path):
    """Schema 1 keyed a submission by its content alone, so a file seen in the runs of two
    years shared one row; schema 2 adds the year to the key. A file of schema 1 (its frozen
    SQL, rows typed here) must come through with every row and still take a new year."""
    import sqlite3
    from contextlib import closing

    db = tmp_path / "old.sqlite"
    version, description, sql = database.MIGRATIONS[0]
    assert version == 1
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.executescript(sql)
        conn.execute("INSERT INTO schema_version VALUES (1, '2017-04-01T00:00:00+00:00', ?)", (description,))
        conn.execute("PRAGMA user_version = 1")
        sha = "a" * 64
        conn.execute("INSERT INTO submissions (sha256, file_name, size, imported_at, library_id, year, verdict, code, reason, spec_version, newest_key) VALUES (?, 'x.xlsx', 10, 'now', 'L1', 2016, 'accepted', 'ok', '', '1.0.0', 'k')", (sha,))
        conn.execute("INSERT INTO submissions (sha256, file_name, size, imported_at, library_id, year, verdict, code, reason, newest_key, superseded_by) VALUES (?, 'old.xlsx', 9, 'now', 'L1', 2016, 'superseded', 'superseded', '', 'j', ?)", ("b" * 64, sha))
        conn.execute("INSERT INTO libraries (library_id, year, sha256, nazwa, podtyp, przedzial) VALUES ('L1', 2016, ?, 'Biblioteka', 'biblioteka gminy wiejskiej', 'do 5 000')", (sha,))
        conn.execute("INSERT INTO item_values VALUES ('L1', 2016, 2, 1200, NULL)")
        conn.execute("INSERT INTO indicator_values VALUES ('L1', 2016, 'U01', 12.5)")
        conn.execute("INSERT INTO findings VALUES (?, 1, 'L1', 2016, 'reguła', 'L1', 'błąd', 'tekst', '', NULL, NULL, NULL)", (sha,))
    with closing(database.connect(db)) as conn:
        assert database.schema_version(conn) == database.SCHEMA_VERSION == 2
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        rows = conn.execute("SELECT sha256, year, form_year, verdict, superseded_by FROM submissions ORDER BY sha256").fetchall()
        assert rows == [("a" * 64, 2016, 2016, "accepted", None), ("b" * 64, 2016, 2016, "superseded", "a" * 64)]
        assert conn.execute("SELECT library_id, year, sha256, nazwa FROM libraries").fetchall() == [("L1", 2016, "a" * 64, "Biblioteka")]
        assert conn.execute("SELECT sha256, year, seq, message FROM findings").fetchall() == [("a" * 64, 2016, 1, "tekst")]
        # the same content judged in another year's run is that year's row
        conn.execute("INSERT INTO submissions (sha256, year, file_name, size, imported_at, verdict, code, newest_key) VALUES (?, 2017, 'x.xlsx', 10, 'now', 'rejected', 'wrong_year', 'k')", ("a" * 64,))
    assert database.previous_values(db, year=2016) == {"L1": {2: 1200}}
    assert database.history(db)["U01"].tolist() == [12.5]


# ---------------------------------------------------------------- trends
def test_trends_are_the_years_statistics_and_never_show_a_small_group(engine):
    """Region aggregate = ratio of the summed items, medians of the libraries' values,
    groups only with at least 3 libraries – computed here by hand for U01 = P2 / P1 × 100."""
    import pandas as pd

    from xl_afbp.consolidate.trends import trends

    rows = []
    libs = [("A1", "A", 1000, 100), ("A2", "A", 2000, 300), ("A3", "A", 4000, 500), ("B1", "B", 3000, 900), ("B2", "B", 5000, 400)]
    for year, factor in ((2016, 1.0), (2017, 1.1)):
        for lib_id, podtyp, residents, users in libs:
            if year == 2017 and lib_id == "A3":
                continue  # no form that year: subtype A has 2 libraries in 2017
            u = round(users * factor)
            rows.append({"rok": year, "id": lib_id, "nazwa": f"Biblioteka {lib_id}", "podtyp": f"podtyp {podtyp}", "przedzial": "do 5 000", "P01": residents, "P02": u, "U01": u / residents * 100})
    history = pd.DataFrame(rows)
    t = trends(history, engine, ["U01"])
    assert t.years == (2016, 2017) and t.indicators == ("U01",)
    for year in t.years:
        mine = [r for r in rows if r["rok"] == year]
        region = t.region[(t.region["rok"] == year) & (t.region["wskaznik"] == "U01")].iloc[0]
        assert region["agregat"] == pytest.approx(sum(r["P02"] for r in mine) / sum(r["P01"] for r in mine) * 100)
        assert region["mediana"] == pytest.approx(statistics.median(r["U01"] for r in mine))
        assert region["n"] == len(mine)
    shown = {(r.rok, r.podtyp, r.przedzial) for r in t.groups.itertuples()}
    assert shown == {(2016, "podtyp A", ""), (2016, "podtyp A", "do 5 000")}  # B (2) and A in 2017 (2) never
    a = t.group_table("podtyp A")
    assert a.loc[2016, "U01"] == pytest.approx(statistics.median([10.0, 15.0, 12.5])) and pd.isna(a.loc[2017, "U01"])
    table = t.library_table().set_index("id")
    assert table.loc["A2", "U01 2017"] == pytest.approx(330 / 2000 * 100) and pd.isna(table.loc["A3", "U01 2017"])


def test_a_correction_supersedes_within_its_year_only(two_years, tmp_path, engine):
    root, libs, folders = two_years
    db = tmp_path / "afbp.sqlite"
    for year in (2016, 2017):
        assert cli("consolidate", folders[year], "--db", db, "--out", tmp_path / f"s{year}", "--quiet")[0] == 0
    before = database.dump(db)
    # a library corrects its 2016 form later: another value, saved after the first
    lib = libs[1]
    data = simulate_form(lib.mieszkancy, lib.filie, seed=f"2016-{lib.id}", podtyp=lib.podtyp, organizator=lib.organizator)
    nr = next(it.nr for it in engine.spec.numeric_items if it.additive and isinstance(data.items.get(it.nr), int) and not it.prefill)
    data.items[nr] += 1
    fixed = tmp_path / "poprawka"
    fixed.mkdir()
    fill_form(root / "forms2016" / f"{lib.id}.xlsx", data, fixed / f"{lib.id}-poprawiony.xlsx")
    code, out, err = cli("consolidate", fixed, "--db", db, "--out", tmp_path / "fix", "--quiet")
    assert code == 0, err
    assert database.previous_values(db, year=2016)[lib.id][nr] == data.items[nr]
    after = database.dump(db)
    for table, rows in before.items():
        cols = _columns(db, table)
        if "year" in cols:
            y = cols.index("year")
            assert [r for r in after[table] if r[y] == 2017] == [r for r in rows if r[y] == 2017], table
    # next year's forms say which year they took last year's values from when one is missing
    code, out, err = cli("generate", "--year", 2019, "--libraries", SAMPLE_LIBS, "--previous", db, "--out", tmp_path / "f2019", "--quiet")
    assert code == 0, err
    assert "no data for 2018" in err and "taken from 2017" in err


def test_statistics_from_the_database_leave_out_what_the_checks_marked_wrong(tmp_path, engine):
    """Benchmarks and trends read a year back from the database; they must leave out the
    values the consolidation left out (an error-level rule's items and the indicators using
    them), or next year's forms would compare libraries with medians of wrong values. Here
    one library of six has a rule error: its values of the items that rule reads (and of
    every indicator using them) are counted by hand, and the database's statistics must
    have exactly that many values fewer than the libraries."""
    from xl_afbp import database
    from xl_afbp.consolidate.trends import trends
    from xl_afbp.demo.simulate import inject_mistake
    from xl_afbp.jobs.consolidation import run_consolidation
    import re

    import pandas as pd

    from xl_afbp.consolidate.facts import _facts
    from xl_afbp.consolidate.records import benchmark_rows
    from xl_afbp.consolidate.statistics import group_statistics

    libs, _ = read_libraries(SAMPLE_LIBS)
    libs = libs[:6]
    forms = generate_batch(libs, tmp_path / "forms", year=2016, workers=1, progress=False)
    folder = tmp_path / "returned"
    folder.mkdir()
    wrong = libs[0].id
    for lib, form in zip(libs, forms):
        data = simulate_form(lib.mieszkancy, lib.filie, seed=f"db-{lib.id}", podtyp=lib.podtyp, organizator=lib.organizator)
        if lib.id == wrong:
            data = inject_mistake(data, "rule_error", seed="db")
        fill_form(form, data, folder / form.name)
    db = tmp_path / "afbp.sqlite"
    report = run_consolidation([folder], out=tmp_path / "out", db=db, year=2016, progress=False)
    con = report.consolidation
    ev = next(e for e in con.entries if e.library_id == wrong).evaluation
    bad_items = ev.flagged_items()
    assert bad_items, "the planted mistake must fail an error-level rule"
    # by hand: the indicators whose formula names a flagged item (P5, P21_03 …)
    hit = {i.code for i in engine.spec.indicators if {int(n) for n in re.findall(r"\bP(\d+)", i.formula)} & bad_items}
    assert hit
    libraries = con.libraries.set_index("id")
    history = database.history(db, years=[2016])
    stats = trends(history, engine, sorted(hit)).region.set_index("wskaznik")
    for code in sorted(hit):
        with_value = int(libraries[code].notna().sum())
        left_out = int(bool(pd.notna(libraries.loc[wrong, code])))
        assert stats.loc[code, "n"] == with_value - left_out, code
    # next year's benchmark from the database is the consolidation's own benchmark file
    from_db = benchmark_rows(group_statistics(_facts(engine), history), 2016)
    key = lambda r: (r["poziom"], r["podtyp"], r["przedzial"], r["wskaznik"])  # noqa: E731
    assert sorted(map(key, from_db)) == sorted(map(key, con.benchmark_rows()))
    mine = {key(r): (r["n"], r["mediana"]) for r in con.benchmark_rows()}
    for r in from_db:
        assert r["n"] == mine[key(r)][0] and r["mediana"] == pytest.approx(mine[key(r)][1]), key(r)


def _year_of_hostile_forms(libs, year: int, engine):
    """A consolidation of ``year`` whose forms hold what a store must keep or turn into
    nothing: a rule error (its values left out of statistics), ``#``, text in a number
    field, NaN, infinity, an int beyond a double, a truth value, odd names, file warnings."""
    from xl_afbp.consolidate import consolidate
    from xl_afbp.demo.simulate import inject_mistake

    odd = [{5: "#"}, {6: "sto"}, {7: float("nan"), 8: float("inf")}, {9: 10**400}, {10: True}, {}]
    subs = []
    for i, lib in enumerate(libs):
        data = simulate_form(lib.mieszkancy, lib.filie, seed=f"{year}-{lib.id}", podtyp=lib.podtyp, organizator=lib.organizator)
        if i == 0:
            data = inject_mistake(data, "rule_error", seed=year)
        data.items.update(odd[i % len(odd)])
        data.basic |= {"NAZWA": f"{lib.nazwa} \ud800 {year}" if i == 1 else lib.nazwa, "PODTYP": lib.podtyp}
        meta = {"library_id": lib.id, "year": year, "teryt": lib.teryt}
        subs.append(Submission(path=Path(f"{lib.id}.xlsx"), name=f"{lib.id}.xlsx", sha256=f"{year}{i:060d}", size=1, verdict="accepted", code="ok", reason="",
                               library_id=lib.id, meta=meta, data=data, warnings=["uwaga: \ud800 ukryty arkusz"] if i == 2 else []))
    return consolidate(subs, engine=engine, year=year)


def test_the_history_known_before_the_import_is_the_one_read_after_it(tmp_path, engine):
    """The consolidation job computes the trends, and renders the publication, before it
    writes the database (:func:`database.pending_history`): this year's rows as the import
    will store them, with the database's other years. After the import, ``history()`` must
    read exactly that table – values, text and what cannot be stored as NaN, indicators, and
    the checks that leave values out of the statistics – in the first year and the next; a
    year the database already holds has no such table (a correction depends on what is
    stored)."""
    import pandas as pd

    libs, _ = read_libraries(SAMPLE_LIBS)
    db = tmp_path / "afbp.sqlite"
    for year in (2017, 2016):  # a year before the stored one too
        con = _year_of_hostile_forms(libs[:6], year, engine)
        before = database.pending_history(con, path=db)
        assert before is not None and sorted(set(before["rok"])) == sorted({2017, year})
        database.store(db, con)
        after = database.history(db)
        order = lambda t: t.sort_values(["rok", "id"]).reset_index(drop=True)  # noqa: E731
        pd.testing.assert_frame_equal(order(before), order(after), check_exact=True, check_like=True)
        assert any(before["_findings"]) and before["P05"].isna().any()
    assert database.pending_history(_year_of_hostile_forms(libs[:6], 2016, engine), path=db) is None


def test_the_database_is_written_while_the_pdf_renders_and_the_outputs_are_the_same(two_years, tmp_path, monkeypatch):
    """A second survey year: the job knows its trends before the import, so it renders the
    publication first and writes the database while the PDF renders. The outputs and the
    database are the ones of the import-first way (the oracle: the job with the history
    before the import withheld), and a year imported again takes that way by itself."""
    import re

    from xl_afbp.jobs.consolidation import run_consolidation

    root, libs, folders = two_years
    real_store = database.store
    order: list[tuple[str, bool]] = []

    def store(path, con, **kw):
        order.append((str(path), (Path(path).parent / f"s{con.year}" / "raport.html").is_file()))
        return real_store(path, con, **kw)

    monkeypatch.setattr(database, "store", store)
    runs = {}
    for way in ("first", "after"):
        if way == "after":
            monkeypatch.setattr(database, "pending_history", lambda con, path=None: None)
        db = tmp_path / way / "afbp.sqlite"
        for year in (2016, 2017):
            runs[way, year] = run_consolidation([folders[year]], out=db.parent / f"s{year}", db=db, progress=False)
    assert [published for _, published in order] == [True, True, False, False]
    for year in (2016, 2017):
        a, b = (runs[w, year] for w in ("first", "after"))
        assert a.failures == b.failures == {} and a.database.new == b.database.new == len(libs)
        for name in ("raport.html", "podsumowanie.xlsx", "biblioteki.csv", "region.csv"):
            assert name in a.outputs, name
        assert a.outputs["raport.html"].read_bytes() == b.outputs["raport.html"].read_bytes()
        assert ("2016–2017" in a.outputs["raport.html"].read_text(encoding="utf-8")) == (year == 2017)  # the trends span both years
    clean = lambda rows: [re.sub(r"'\d{4}-\d\d-\d\dT[\d:+.]*'", "", repr(r)) for r in rows]  # noqa: E731
    first, after = (database.dump(tmp_path / w / "afbp.sqlite") for w in ("first", "after"))
    assert {t: clean(r) for t, r in first.items()} == {t: clean(r) for t, r in after.items()}
    monkeypatch.undo()
    order.clear()
    monkeypatch.setattr(database, "store", store)
    (tmp_path / "first" / "s2017" / "raport.html").unlink()
    again = run_consolidation([folders[2017]], out=tmp_path / "first" / "s2017", db=tmp_path / "first" / "afbp.sqlite", progress=False)
    assert again.failures == {} and [published for _, published in order] == [False]
