"""One verdict catalogue (xl_afbp.verdicts) used by every stage, and one policy:
``xl-afbp check FILE`` gives exactly the verdict, code and reason that ``consolidate``
gives the same file alone — over the whole hostile corpus and the demo's returned files."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from xl_afbp.cli import main
from xl_afbp.consolidate import consolidate
from xl_afbp.demo.run import YEARS as DEMO_YEARS
from xl_afbp.reader import read_submission


def _check_json(files: list[Path]) -> dict[str, dict]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["check", "--json", *map(str, files)])
    return {Path(d["path"]).name: d for d in json.loads(out.getvalue())}


def _alone(path: Path, engine) -> tuple[str, str, str]:
    """What the consolidator says about this file when it is the only one."""
    con = consolidate([read_submission(path, engine=engine)], engine=engine)
    (entry,) = con.entries
    row = con.import_log.iloc[0]
    assert (row["kod"], row["powod"]) == (entry.code, entry.reason)
    return entry.status, entry.code, entry.reason


def _disagreements(files: list[Path], engine) -> list[str]:
    checked = _check_json(files)
    out = []
    for f in files:
        c = checked[f.name]
        mine = (c["verdict"], c["code"], c["reason"])
        theirs = _alone(f, engine)
        if mine != theirs:
            out.append(f"{f.name}: check {mine[:2]} / consolidate {theirs[:2]}" + ("" if mine[:2] != theirs[:2] else f" (reasons differ: {mine[2][:80]!r} / {theirs[2][:80]!r})"))
    return out


def test_check_agrees_with_consolidate_on_every_corpus_file(corpus, engine):
    folder, cases = corpus
    assert _disagreements(sorted(folder / name for name in cases), engine) == []


def test_check_agrees_with_consolidate_on_the_demo_files(demo_run, engine):
    out, code, _ = demo_run
    files = sorted((out / str(DEMO_YEARS[-1]) / "returned").iterdir())
    assert len(files) > 100
    assert _disagreements(files, engine) == []


# ---------------------------------------------------------------------------- the catalogue
import re  # noqa: E402
import sqlite3  # noqa: E402

from xl_afbp import database, verdicts  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
#: calls that take a catalogue code as their first string argument
_CODE_USE = re.compile(
    r"""(?:_Reject|message|_?judge|_reject|_?note|verdict_of|_submission\(\s*\w+\s*,\s*\w+\s*,\s*\w+)\(?\s*(?:e\s*,\s*)?["']([a-z][a-z0-9_]*)["']"""
    r"""|\bcode\s*=\s*["']([a-z][a-z0-9_]*)["']|\.code\s*(?:,\s*[\w.]+\s*)*=\s*["']([a-z][a-z0-9_]*)["']"""  # code = "…", x.code, y = "…"
)


def _codes_used() -> dict[str, list[str]]:
    used: dict[str, list[str]] = {}
    for path in sorted((ROOT / "xl_afbp").rglob("*.py")):
        for groups in _CODE_USE.findall(path.read_text(encoding="utf-8")):
            for code in filter(None, groups):
                used.setdefault(code, []).append(str(path.relative_to(ROOT)))
    return used


def test_every_code_used_in_the_package_is_in_the_catalogue_and_every_entry_is_used():
    used = _codes_used()
    assert len(used) > 30
    assert {c: f for c, f in used.items() if c not in verdicts.CATALOGUE} == {}
    assert set(verdicts.CATALOGUE) - set(used) == {"ok"}  # "ok" is the absence of a problem


def test_every_entry_is_complete_and_rejections_say_what_to_do():
    for v in verdicts.CATALOGUE.values():
        assert v.verdict in verdicts.VERDICTS and v.stage in verdicts.STAGES and v.meaning, v
        if v.verdict == verdicts.REJECTED:
            assert "–" in v.template and re.search(r"prosimy|poproś|przypisz|wyjaśnij|sprawdź|\{advice\}", v.template), v.code
    # one template for a code: the corrupt_zip reasons of the corpus differ only in the placeholder
    corrupt = verdicts.get("corrupt_zip")
    assert corrupt.placeholders == ("detail",)


def test_what_the_checks_find_asks_the_library_to_act():
    """A form accepted with errors, warnings or empty fields: the reason tells the library
    what to do and where to look, not only rule ids ("błędy w formularzu: 1 (B3)")."""
    for v in verdicts.CATALOGUE.values():
        if v.stage == verdicts.EVALUATION and v.verdict != verdicts.REJECTED:
            assert re.search(r"– prosimy|; prosimy", v.template), v.code


def test_the_docs_table_is_the_catalogue():
    text = (ROOT / "docs" / "hostile-files.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- verdicts:begin[^>]*-->\n(.*?)\n<!-- verdicts:end -->", text, re.S)
    assert block is not None
    assert block.group(1) == verdicts.markdown_table(), "regenerate the table: " + verdicts.markdown_table()


def test_the_database_accepts_exactly_the_stored_verdicts(tmp_path):
    db = tmp_path / "a.sqlite"
    database.connect(db).close()
    con = sqlite3.connect(db)
    row = "INSERT INTO submissions (sha256, year, file_name, size, imported_at, verdict, code) VALUES (?, 2016, 'f', 1, 'now', ?, 'x')"
    for i, v in enumerate(verdicts.VERDICTS):
        try:
            con.execute(row, (f"sha{i}", v))
            stored = True
        except sqlite3.IntegrityError:
            stored = False
        assert stored == (v in verdicts.STORED), v
    with pytest.raises(sqlite3.IntegrityError):
        con.execute(row, ("sha-x", "przyjęty"))
    con.close()


def test_a_form_with_an_error_in_its_checks_gets_the_same_verdict_everywhere(demo_run, engine):
    """The issue's example: a form whose checks find an error (the demo's libraries that
    typed a mistake) – check said "przyjęty / ok", consolidate "przyjęty z uwagami / check_errors"."""
    out, _, _ = demo_run
    files = sorted((out / str(DEMO_YEARS[-1]) / "returned").iterdir())
    errors = [f for f in files if _alone(f, engine)[1] == "check_errors"]
    assert errors, "the demo has forms whose checks find errors"
    checked = _check_json(errors)
    assert {checked[f.name]["code"] for f in errors} == {"check_errors"}
    assert {checked[f.name]["verdict"] for f in errors} == {verdicts.ACCEPTED_WITH_WARNINGS}


# ---------------------------------------------------------------------- an incomplete form
def _returned(tmp_path: Path, engine, data, name: str) -> Path:
    """A personalised form (id T-12) filled with ``data`` as a librarian types it."""
    from xl_afbp.workbook.fill import fill_form
    from xl_afbp.workbook.form import FormContent, FormOptions, Library, units_for
    from xl_afbp.workbook.template import FormTemplate

    opts = FormOptions(units=units_for(2), personalised=True)
    form = FormTemplate(engine, opts).render(FormContent(library=Library(id="T-12"), year=2016), tmp_path / f"{name}-form.xlsx")
    return fill_form(form, data, tmp_path / f"{name}.xlsx", engine=engine)


def test_an_incomplete_form_is_never_ok_in_check_or_consolidate(tmp_path, engine):
    """Issue 12: every item typed but the organiser and one service left empty – the form
    said "OK" and ``check`` accepted it. Now the one definition of an empty field
    (``Result.missing``, basic data included) gives check and consolidate alike "przyjęty z
    uwagami", code ``incomplete``, the empty fields named in the reason; the complete form
    stays plainly accepted."""
    from xl_afbp.demo.simulate import simulate_form

    complete = simulate_form(12_500, 2, seed=12)
    assert engine.evaluate(complete).status == "OK"  # plausible and complete under the 2.0.0 rules
    first = engine.spec.services[0].nr
    gaps = simulate_form(12_500, 2, seed=12)
    gaps.basic["ORGANIZATOR"] = None
    gaps.services[first] = None
    files = [_returned(tmp_path, engine, complete, "complete"), _returned(tmp_path, engine, gaps, "gaps")]
    checked = _check_json(files)
    assert _disagreements(files, engine) == []
    assert (checked["complete.xlsx"]["verdict"], checked["complete.xlsx"]["code"]) == (verdicts.ACCEPTED, "ok")
    got = checked["gaps.xlsx"]
    assert (got["verdict"], got["code"]) == (verdicts.ACCEPTED_WITH_WARNINGS, "incomplete")
    organiser = engine.spec.basic_field("ORGANIZATOR").label
    assert "niekompletny" in got["reason"] and "(2)" in got["reason"]
    service = f"poz. {engine.spec.services_item.nr}.{first}"
    assert organiser in got["reason"] and service in got["reason"]
    assert (got["status"], got["missing"]) == ("incomplete", [organiser, service])
    assert (checked["complete.xlsx"]["status"], checked["complete.xlsx"]["missing"]) == ("ok", [])
    con = consolidate([read_submission(files[1], engine=engine)], engine=engine)
    row = con.libraries.iloc[0]
    assert (row["status"], row["braki"]) == ("niekompletny", 2)


# ------------------------------------------------------------------ the job, not only consolidate()
def _job_alone(path: Path, tmp: Path) -> tuple[str, str, str]:
    """What ``xl-afbp consolidate PATH`` logs about the one entry it finds (its exit code: 1,
    a file the coordinator must look at – never a usage error or a crash)."""
    import csv

    out = tmp / "out"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = main(["consolidate", "--no-db", "--quiet", "--out", str(out), str(path)])
    assert code == 1
    with open(out / "import.csv", encoding="utf-8-sig", newline="") as fh:
        (row,) = list(csv.DictReader(fh, delimiter=";"))
    return row["status"], row["kod"], row["powod"]


def test_the_consolidation_job_logs_what_check_says_of_an_earlier_survey_and_of_bad_links(corpus, tmp_path):
    """Files the job once refused or crashed on, where ``check`` gave a verdict: a form of a
    survey year no edition serves (the job stopped: "no shipped edition serves 2015"), a
    broken link named directly ("input not found"), a link in a loop inside a folder (a
    RuntimeError from resolve()). Each now gets the import-log row ``check`` describes."""
    from xl_afbp.verdicts import VERDICT_PL as STATUS_PL

    folder, _cases = corpus
    links = tmp_path / "links"
    (links / "inbox").mkdir(parents=True)
    (links / "broken.xlsx").symlink_to(links / "nowhere.xlsx")
    (links / "loop.xlsx").symlink_to(links / "loop.xlsx")
    (links / "inbox" / "loop.xlsx").symlink_to(links / "loop.xlsx")
    wrong = []
    for n, (named, entry) in enumerate(((folder / "year_2015.xlsx",) * 2, (links / "broken.xlsx",) * 2, (links / "inbox", links / "inbox" / "loop.xlsx"))):
        checked = _check_json([entry])[entry.name]
        try:
            got = _job_alone(named, tmp_path / str(n))
        except (AssertionError, OSError) as exc:  # a usage error, or no import log written
            got = exc
        if got != (STATUS_PL[checked["verdict"]], checked["code"], checked["reason"]):
            wrong.append(f"{named.name}: {got!r}")
    assert wrong == []
