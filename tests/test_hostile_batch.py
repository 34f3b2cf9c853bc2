"""The whole hostile corpus consolidated in ONE batch with 20+ valid workbooks.

Every corpus file gets exactly its expected verdict in the import log, every valid workbook
is accepted and in the summary, the run finishes and writes its outputs, and no text that
came from a file becomes a formula in any output.
"""

from __future__ import annotations

import csv
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from corpus.make_corpus import ACCEPTED, REJECTED, base_library, type_in
from corpus.round_two import relabel
from xl_afbp.database import dump
from xl_afbp.jobs.consolidation import run_consolidation
from xl_afbp.verdicts import SKIPPED, VERDICT_PL
from xl_afbp.generate import generate_batch
from xl_afbp.regions import build_library_list
from xl_afbp.demo.simulate import simulate_form
from xl_afbp.workbook.form import Library

N_VALID = 22
STATUS = VERDICT_PL
# codes the consolidator gives a file the reader found clean, from the engine's checks of its data
CHECK_CODES = {"ok", "check_errors", "check_warnings", "incomplete"}


@pytest.fixture(scope="module")
def batch(corpus, tmp_path_factory):
    src, cases = corpus
    work = tmp_path_factory.mktemp("hostile-batch")
    inbox = work / "inbox"
    shutil.copytree(src, inbox, ignore=shutil.ignore_patterns("manifest.json"))
    # the single-file cases are variants of one library's form: give each accepted one its own
    # library id (hidden and shown), as if forty libraries had each made that mistake (batch
    # groups keep theirs)
    renamed = {}
    base_id = base_library()[0].id
    for n, (name, case) in enumerate(sorted(cases.items())):
        if case.verdict not in (REJECTED, SKIPPED) and not case.batch_level:
            tmp = work / "tmp.zip"
            relabel(inbox / name, tmp, base_id, f"KORPUS-{n:02d}")
            shutil.move(tmp, inbox / name)
            renamed[name] = f"KORPUS-{n:02d}"
    corpus_ids = {c for c in renamed.values()}
    rows = [r for r in build_library_list("zachodniopomorskie") if int(r["filie"]) <= 5][-N_VALID:]
    libs = [Library(**r) for r in rows]
    forms = generate_batch(libs, work / "forms", progress=False, workers=1)
    valid = work / "inbox" / "poprawne"
    valid.mkdir()
    for lib, form in zip(libs, forms):
        data = simulate_form(lib.mieszkancy, lib.filie, seed=lib.id, podtyp=lib.podtyp, organizator=lib.organizator, www=lib.www or None)
        data.basic = {}
        type_in(form, valid / form.name, data)
    report = run_consolidation([inbox], out=work / "summary", db=work / "afbp.sqlite", progress=False, year=2016)
    with open(work / "summary" / "import.csv", encoding="utf-8-sig") as fh:  # CSV for a Polish Excel
        log = {Path(r["plik"]).name: r for r in csv.DictReader(fh, delimiter=";")}
    return cases, libs, log, report, work, corpus_ids


def test_reimporting_the_corpus_leaves_the_database_identical(batch):
    """The same inbox consolidated again into the same database (files read again, in
    another run): not one row changes."""
    *_, work, _ = batch
    before = dump(work / "afbp.sqlite")
    assert before["submissions"] and before["k03_values"]
    again = run_consolidation([work / "inbox"], out=work / "summary-again", db=work / "afbp.sqlite", progress=False, year=2016)
    assert again.database.failed == [] and again.database.new == 0
    assert dump(work / "afbp.sqlite") == before


def test_files_that_are_no_form_do_not_count_as_rejected(batch):
    cases, _, log, report, _, _ = batch
    skipped = [n for n, c in cases.items() if c.verdict == SKIPPED]
    assert skipped and all(log[n]["status"] == STATUS[SKIPPED] for n in skipped)
    assert report.consolidation.rejected == sum(r["status"] == STATUS[REJECTED] for r in log.values())


def test_every_file_received_has_one_row(batch):
    cases, libs, log, report, work, _ = batch
    assert set(log) == set(cases) | {f"{lib.id}.xlsx" for lib in libs}


def test_every_corpus_file_gets_exactly_its_verdict(batch):
    cases, _, log, _, _, _ = batch
    wrong = []
    for name, case in cases.items():
        row = log[name]
        verdict, code = (case.final_verdict, case.final_code) if case.batch_level else (case.verdict, case.code)
        ok = row["status"] == STATUS[verdict]
        if case.verdict == ACCEPTED and code in (None, "ok") and not case.batch_level:
            ok = row["status"] in (STATUS["accepted"], STATUS["accepted_with_warnings"]) and row["kod"] in CHECK_CODES
        elif code not in (None, "ok"):
            ok = ok and row["kod"] == code
        if not ok:
            wrong.append(f"{name}: expected {verdict}/{code}, got {row['status']}/{row['kod']} ({row['powod'][:80]})")
    assert not wrong, "\n".join(wrong)


def test_every_valid_workbook_is_accepted_and_summarised(batch):
    _, libs, log, report, _, _ = batch
    for lib in libs:
        assert log[f"{lib.id}.xlsx"]["status"] in (STATUS["accepted"], STATUS["accepted_with_warnings"]), lib.id
    assert {lib.id for lib in libs} <= set(report.consolidation.libraries["id"])


def test_rejections_are_counted_and_the_run_finishes(batch):
    cases, _, log, report, work, _ = batch
    rejected = sum(r["status"] == STATUS["rejected"] for r in log.values())
    assert rejected >= 25 and report.exit_code == 1
    for name in ("podsumowanie.xlsx", "raport.html", "biblioteki.csv", "import.csv", "kontrola.csv", "wskazniki_grupy.csv"):
        assert (work / "summary" / name).stat().st_size > 0


def test_no_text_from_a_file_becomes_a_formula(batch):
    _, _, _, _, work, _ = batch
    summary = work / "summary"
    with zipfile.ZipFile(summary / "podsumowanie.xlsx") as zf:
        formulas = [f for n in zf.namelist() if n.startswith("xl/worksheets/") for f in re.findall(rb"<f[^>]*>(.*?)</f>", zf.read(n))]
    assert not any(b"HYPERLINK" in f or b"zlo.example" in f or b"SUM(1+1)" in f for f in formulas)
    texts = {c.value for ws in load_workbook(summary / "podsumowanie.xlsx").worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert any(t.startswith('=HYPERLINK("http://zlo.example') for t in texts)  # kept, as text
    for csv_file in summary.glob("*.csv"):
        for row in csv.reader(csv_file.read_text(encoding="utf-8").splitlines()):
            assert not any(cell.startswith(("=", "+", "@")) for cell in row), (csv_file.name, row)
    html = (summary / "raport.html").read_text(encoding="utf-8")
    assert '=HYPERLINK("http' not in html or "&#34;" in html or "&quot;" in html
