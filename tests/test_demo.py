"""`make demo` end to end (xl-afbp demo): two survey years of the yearly cycle on the real
region finish with their outputs, one database and trends over both years."""

from __future__ import annotations

import csv

from openpyxl import load_workbook

from xl_afbp import database
from xl_afbp.demo.run import YEARS


def _csv(path):
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _excel_csv(path):
    """A summary table as a Polish Excel reads it (BOM, ';')."""
    with open(path, encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def test_demo_runs_two_survey_years_and_reports_what_happened(demo_run):
    out, code, printed = demo_run
    assert code == 0
    for name in ("podsumowanie.xlsx", "raport.html", "raport.pdf", "kontrola.html", "informacje", "afbp.sqlite", "import.csv"):
        assert name in printed
    assert database.years(out / "afbp.sqlite") == list(YEARS)
    expected = _csv(out / f"biblioteki-{YEARS[0]}.csv")
    assert len(expected) == 114  # every gmina of zachodniopomorskie + the Książnica Pomorska
    for year in YEARS:
        summary = out / str(year) / "summary"
        for name in ("podsumowanie.xlsx", "raport.html", "raport.pdf", "kontrola.html", "biblioteki.csv", "import.csv", f"benchmark-{year}.csv"):
            assert (summary / name).stat().st_size > 1000, (year, name)
        log = _excel_csv(summary / "import.csv")
        statuses = [r["status"] for r in log]
        assert len(log) == len(list((out / str(year) / "returned").iterdir()))
        assert statuses.count("zastąpiony") == 1
        assert statuses.count("odrzucony") == (1 if year == YEARS[0] else 2)  # later: last year's file too
        assert statuses.count("przyjęty z uwagami") >= 4
        assert len(_excel_csv(summary / "biblioteki.csv")) == len(expected) - 4  # three did not answer, one file was broken
    last = out / str(YEARS[-1]) / "summary"
    assert len(list((last / "informacje").glob("*.pdf"))) == len(_excel_csv(last / "biblioteki.csv"))  # a feedback sheet per accepted library
    assert f"Zmiany w latach {YEARS[0]}–{YEARS[-1]}" in (last / "raport.html").read_text(encoding="utf-8")  # the publication's trends
    assert "Zmiany w latach" not in (out / str(YEARS[0]) / "summary" / "raport.html").read_text(encoding="utf-8")
    stale = [r for r in _excel_csv(last / "import.csv") if r["kod"] == "wrong_year"]
    assert len(stale) == 1 and str(YEARS[0]) in stale[0]["powod"] and str(YEARS[-1]) in stale[0]["powod"]


def test_the_second_year_shows_last_year_and_the_trends(demo_run, engine):
    from xl_afbp import names

    out, _, _ = demo_run
    forms = out / str(YEARS[-1]) / "forms"
    some = next(p for p in sorted(forms.glob("*.xlsx")) if not p.name.startswith("afbp-"))
    wb = load_workbook(some)
    targets = {n: d for n, d in wb.defined_names.items()}
    assert names.previous(1) in targets and names.median(engine.spec.key_indicators[0]) in targets
    assert f"dane za {YEARS[-1]} r." in wb["Formularz"]["A1"].value
    summary = load_workbook(out / str(YEARS[-1]) / "summary" / "podsumowanie.xlsx")
    ws = summary["Trendy – region"]
    assert [ws.cell(row=6 + i, column=1).value for i in range(len(YEARS))] == list(YEARS)
    assert summary["Trendy – grupy"]._charts and ws._charts


def test_the_demos_fast_filling_gives_the_reader_what_openpyxl_filling_gives(tmp_path, engine):
    """The demo types its returned forms into the XML (demo/fastfill.py); the reader must
    get from them exactly what it gets from the same values typed with openpyxl."""
    from pathlib import Path

    from xl_afbp.demo.fastfill import fill_fast
    from xl_afbp.demo.simulate import inject_mistake, simulate_form
    from xl_afbp.generate import generate_batch, read_libraries
    from xl_afbp.outputs.benchmark import Benchmark
    from xl_afbp.reader import read_submission
    from xl_afbp.workbook.fill import fill_form

    libs, _ = read_libraries(Path(__file__).resolve().parents[1] / "xl_afbp" / "data" / "sample_libraries.csv")
    libs = libs[2:5]
    bench = Benchmark.of_subtype(libs[0].podtyp, {"U01": 12.0})
    forms = generate_batch(libs, tmp_path / "forms", year=2017, previous={libs[0].id: {2: 900}}, benchmark=bench, workers=1, progress=False)
    for i, (lib, form) in enumerate(zip(libs, forms)):
        data = simulate_form(lib.mieszkancy, lib.filie, seed=f"fast-{lib.id}", podtyp=lib.podtyp, organizator=lib.organizator)
        if i == 1:
            data = inject_mistake(data, "hash_not_allowed", seed="fast")
        data.basic = {"IMIE": "Anna", "NAZWA": "=HYPERLINK(\"x\")"}
        slow = read_submission(fill_form(form, data, tmp_path / f"slow-{lib.id}.xlsx"), engine=engine)
        fast = read_submission(fill_fast(form, data, tmp_path / f"fast-{lib.id}.xlsx", engine=engine), engine=engine)
        assert (fast.verdict, fast.code, fast.reason) == (slow.verdict, slow.code, slow.reason)
        assert fast.data == slow.data and fast.meta == slow.meta
        assert fast.cached == slow.cached


def test_a_simulated_form_is_the_same_in_every_interpreter():
    """The demo's returned forms – the director's login included – come from the seed alone:
    two interpreters with different string hashes (PYTHONHASHSEED) simulate the same form,
    so two runs of `make demo` publish the same files."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "from pathlib import Path; from xl_afbp.generate import read_libraries; from xl_afbp.demo.run import _simulated; "
        f"libs, _ = read_libraries(Path({str(Path(__file__).resolve().parents[1] / 'xl_afbp' / 'data' / 'sample_libraries.csv')!r})); "
        "d = _simulated(libs[3], None, 'demo', 1); print(sorted(d.basic.items()), sorted(d.items.items()))"
    )
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env={**os.environ, "PYTHONHASHSEED": s}).stdout for s in ("1", "2", "3")}
    assert len(runs) == 1, runs
