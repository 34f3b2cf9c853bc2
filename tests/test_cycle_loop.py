"""Three survey years through the whole yearly cycle, as a coordinator runs it (issue 11).

For 2016, 2017 and 2018: ``xl-afbp generate`` (from 2017 with ``--previous`` and
``--benchmark``: the database, then last year's ``benchmark-<year>.csv``) → every form
filled through its defined names (different values each year) → recalculated and saved by
LibreOffice → ``xl-afbp consolidate`` into one database (a file of the year before sent
again among them).

Checked against independent sources: the values typed each year (the database must hold
exactly them, year by year, and never change a row of another year); the indicator
values LibreOffice computed in the returned files (the next year's forms must show the
medians of the right group – subtype × band, else the subtype, else all – computed here
with ``statistics.median``, and its n; never a group under 3 libraries).
"""

from __future__ import annotations

import contextlib
import csv
import io
import shutil
import sqlite3
import statistics
from contextlib import closing
from pathlib import Path

import pytest

from xl_afbp import database, names
from xl_afbp.cli import main
from xl_afbp.demo import libreoffice
from xl_afbp.demo.simulate import simulate_form
from xl_afbp.generate import read_libraries
from xl_afbp.workbook.fill import fill_form
from xl_afbp.workbook.form import FormOptions, form_layout, units_for
from xl_afbp.workbook.read_names import read_named_values

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_LIBS = ROOT / "xl_afbp" / "data" / "sample_libraries.csv"
YEARS = (2016, 2017, 2018)
MIN_GROUP = 3  # the rule, written here independently of the code


def cli(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def band_of(spec, population: int) -> str:
    return next(b.label for b in spec.bands if (b.min is None or population >= b.min) and (b.max is None or population <= b.max))


def rows_by_year(db: Path) -> dict[int, dict[str, list]]:
    """Every row of every table with a year column, by year."""
    out: dict[int, dict[str, list]] = {}
    with closing(sqlite3.connect(db)) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for t in tables:
            cols = [r[1] for r in conn.execute(f'PRAGMA table_info("{t}")')]
            if "year" not in cols:
                continue
            for row in conn.execute(f'SELECT * FROM "{t}"'):
                out.setdefault(row[cols.index("year")], {}).setdefault(t, []).append(row)
    return {y: {t: sorted(rows, key=repr) for t, rows in tables_.items()} for y, tables_ in out.items()}


@pytest.fixture(scope="module")
def cycle(tmp_path_factory, engine):
    spec = engine.spec
    root = tmp_path_factory.mktemp("cycle")
    db = root / "afbp.sqlite"
    libs, skipped = read_libraries(SAMPLE_LIBS)
    assert not skipped
    state: dict = {"root": root, "db": db, "libs": libs, "typed": {}, "lo_indicators": {}, "forms": {}, "runs": {}, "before": {}, "after": {}}
    for k, year in enumerate(YEARS):
        folder = root / str(year)
        args = ["generate", "--year", year, "--libraries", SAMPLE_LIBS, "--out", folder / "forms", "--quiet"]
        if year == 2017:
            args += ["--previous", db, "--benchmark", db]
        elif year == 2018:
            args += ["--previous", db, "--benchmark", root / "2017" / "summary" / "benchmark-2017.csv"]
        code, out, err = cli(*args)
        assert code == 0, err
        state["forms"][year] = {lib.id: folder / "forms" / f"{lib.id}.xlsx" for lib in libs}
        # every library fills its form: other values each year, typed through the defined names
        filled = folder / "filled"
        filled.mkdir()
        typed = {}
        for lib in libs:
            data = simulate_form(lib.mieszkancy, lib.filie, seed=f"{year}-{lib.id}", podtyp=lib.podtyp, organizator=lib.organizator, www=lib.www or None)
            typed[lib.id] = data
            fill_form(state["forms"][year][lib.id], data, filled / f"{lib.id}.xlsx")
        state["typed"][year] = typed
        # LibreOffice recalculates and saves every returned file, as a librarian's Calc would
        returned = folder / "returned"
        returned.mkdir()
        for src, dst in libreoffice.recalculate(sorted(filled.iterdir()), folder / ".lo").items():
            shutil.move(str(dst), returned / src.name)
        wanted = [names.indicator(i.code) for i in spec.indicators]
        state["lo_indicators"][year] = {p.stem: read_named_values(p, wanted) for p in returned.iterdir()}
        if k:  # a library sends last year's file again
            shutil.copy(root / str(YEARS[k - 1]) / "returned" / f"{libs[0].id}.xlsx", returned / "zeszloroczny.xlsx")
        state["before"][year] = rows_by_year(db) if db.exists() else {}
        summary = folder / "summary"
        base = ["consolidate", returned, "--db", db, "--out", summary, "--expected", SAMPLE_LIBS, "--quiet"]
        if k:
            code, out, err = cli(*base)  # without --year: the folder holds two years
            state["runs"][(year, "mixed")] = (code, out, err)
            base += ["--year", year]
        code, out, err = cli(*base)
        state["runs"][year] = (code, out, err)
        with open(summary / "import.csv", encoding="utf-8-sig") as fh:  # CSV for a Polish Excel
            state.setdefault("import", {})[year] = list(csv.DictReader(fh, delimiter=";"))
        state["after"][year] = rows_by_year(db)
    return state


def test_each_year_is_consolidated_and_its_values_are_what_was_typed(cycle, spec):
    db = cycle["db"]
    assert database.years(db) == list(YEARS)
    for year in YEARS:
        code, out, err = cycle["runs"][year]
        assert code == (1 if year != YEARS[0] else 0), err  # later years: last year's file is rejected
        stored = database.previous_values(db, year=year)
        assert set(stored) == {lib.id for lib in cycle["libs"]}, year
        for lib_id, data in cycle["typed"][year].items():
            typed = {nr: v for nr, v in data.items.items() if v is not None and v != "" and spec.item(nr).numeric}
            assert set(stored[lib_id]) == set(typed), (year, lib_id)
            for nr, v in typed.items():
                assert stored[lib_id][nr] == (pytest.approx(v) if isinstance(v, float) else v), (year, lib_id, nr)


def test_a_year_never_changes_the_rows_of_another(cycle):
    for year in YEARS:
        before, after = cycle["before"][year], cycle["after"][year]
        for other in set(before) | set(after):
            if other != year:
                assert after.get(other) == before.get(other), (year, other)
        assert year in after and year not in before


def test_a_folder_of_two_years_is_refused_and_the_old_file_is_logged(cycle):
    for year in YEARS[1:]:
        code, out, err = cycle["runs"][(year, "mixed")]
        assert code == 2
        assert f"{year - 1} (1 file: zeszloroczny.xlsx)" in err and f"{year} ({len(cycle['libs'])} files)" in err
        row = next(r for r in cycle["import"][year] if r["nazwa_pliku"] == "zeszloroczny.xlsx")
        assert row["status"] == "odrzucony" and row["kod"] == "wrong_year"
        assert str(year - 1) in row["powod"] and str(year) in row["powod"]


def _expected_benchmark(cycle, spec, year: int, lib) -> tuple[list, str]:
    """(libraries of the group the form must compare with, level) – the rule, independently."""
    libs = cycle["libs"]
    band = {x.id: band_of(spec, x.mieszkancy) for x in libs}
    group = [x for x in libs if x.podtyp == lib.podtyp and band[x.id] == band[lib.id]]
    subtype = [x for x in libs if x.podtyp == lib.podtyp]
    if len(group) >= MIN_GROUP:
        return group, "group"
    if len(subtype) >= MIN_GROUP:
        return subtype, "subtype"
    return libs, "region"


def test_next_years_forms_show_last_years_values_and_the_right_group_medians(cycle, spec):
    levels = set()
    numeric = [it.nr for it in spec.numeric_items]
    for year in YEARS[1:]:
        last = year - 1
        lo = cycle["lo_indicators"][last]
        for lib in cycle["libs"]:
            form = cycle["forms"][year][lib.id]
            shown = read_named_values(form, [names.previous(nr) for nr in numeric] + [names.median(i.code) for i in spec.indicators])
            typed = cycle["typed"][last][lib.id].items
            for nr in numeric:
                v = typed.get(nr)
                want = v if isinstance(v, (int, float)) or v == "#" else None
                got = shown[names.previous(nr)]
                assert got == (pytest.approx(want) if isinstance(want, float) else want), (year, lib.id, nr)
            members, level = _expected_benchmark(cycle, spec, last, lib)
            levels.add(level)
            label = _group_label(form, lib)
            assert f"n = {len(members)}" in label and f"dane za {last} r." in label, label
            assert ("mniej niż 3" in label) == (level != "group"), label
            for ind in spec.indicators:
                values = [lo[x.id][names.indicator(ind.code)] for x in members]
                values = [v for v in values if isinstance(v, (int, float))]
                got = shown[names.median(ind.code)]
                if len(values) >= MIN_GROUP:
                    assert got == pytest.approx(statistics.median(values), rel=1e-9), (year, lib.id, ind.code)
                else:  # never the median of one or two libraries
                    assert got is None, (year, lib.id, ind.code, got)
    assert levels == {"group", "subtype", "region"}  # the sample list exercises every fallback


def _group_label(form: Path, lib) -> str:
    from openpyxl import load_workbook

    from xl_afbp.engine import get_engine

    layout = form_layout(get_engine(2016).spec, FormOptions(units=units_for(lib.filie), personalised=True, previous=True, benchmark=True))
    p = layout.personal["GROUP"]
    return str(load_workbook(form, read_only=True)[p.sheet].cell(row=p.row, column=p.col).value)


def test_benchmark_files_never_hold_a_group_under_three(cycle):
    for year in YEARS:
        with open(cycle["root"] / str(year) / "summary" / f"benchmark-{year}.csv", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert rows and all(int(r["n"]) >= MIN_GROUP and int(r["n_grupy"]) >= MIN_GROUP and r["rok"] == str(year) for r in rows)
        assert {r["poziom"] for r in rows} == {"podtyp × przedział", "podtyp", "region"}


def test_the_summary_shows_every_year_so_far(cycle):
    from openpyxl import load_workbook

    for year in YEARS:
        wb = load_workbook(cycle["root"] / str(year) / "summary" / "podsumowanie.xlsx")
        ws = wb["Trendy – region"]
        years = [ws.cell(row=r, column=1).value for r in range(6, ws.max_row + 1) if isinstance(ws.cell(row=r, column=1).value, int)]
        assert years == [y for y in YEARS if y <= year]
        assert ws._charts
        history = wb["Historia bibliotek"]
        header = [c.value for c in history[4]]
        assert all(f"U01 {y}" in header for y in YEARS if y <= year)
