"""Next year's form as a coordinator adds it (docs/spec.md, "Next year's form"): a new edition
folder → an item, a rule and an indicator added to its YAML → lint → generate → fill →
consolidate → summary and report – no code, and the new item and indicator come out at the
end, equal to what was typed and to a computation written here."""

from __future__ import annotations

import contextlib
import csv
import io
import re
from pathlib import Path

import pytest

from xl_afbp.cli import main
from xl_afbp.demo.simulate import simulate_form
from xl_afbp.engine import get_engine
from xl_afbp.generate import read_libraries
from xl_afbp.workbook.fill import fill_form

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_LIBS = ROOT / "xl_afbp" / "data" / "sample_libraries.csv"

ITEM = """  - nr: 35
    key: wydarzenia_online
    label: Liczba wydarzeń online
    short: wydarzenia online
    section: uslugi
    type: whole
    unit: ""
    min: 0
    max: 1000000
    additive: true
    help: "Spotkania, lekcje i warsztaty, które biblioteka prowadziła przez Internet w roku sprawozdawczym (na żywo lub nagrane dla swoich użytkowników)."

"""
RULE = """  - id: L13
    severity: warning
    check: "P35 <= 1000 * (P13 + 1)"
    message: "Ponad 1000 wydarzeń online na bibliotekę i filię (poz. 35) – sprawdź."
"""
INDICATOR = """  - {code: U13, perspective: wykorzystanie, name: "Wydarzenia online na 1000 mieszkańców", formula: "P35 / P1 * 1000", unit: ""}
"""


def cli(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def test_a_new_edition_goes_from_a_folder_to_the_summary(tmp_path):
    edition = tmp_path / "editions" / "afbp-2018"
    code, out, err = cli("spec", "new", edition, "--from", "afbp-2016")
    assert code == 0, err
    assert cli("spec", "lint", edition)[0] == 0
    # the coordinator's edits: an item, a rule that reads it, an indicator
    form = edition / "form.yaml"
    text = form.read_text(encoding="utf-8")
    at = re.search(r"(?m)^services:", text).start()
    at = text.rfind("\n\n", 0, at) + 2  # before the comment above 'services:'
    form.write_text(text[:at] + ITEM + text[at:], encoding="utf-8")
    (edition / "rules.yaml").write_text((edition / "rules.yaml").read_text(encoding="utf-8").rstrip("\n") + "\n" + RULE, encoding="utf-8")
    (edition / "indicators.yaml").write_text((edition / "indicators.yaml").read_text(encoding="utf-8").rstrip("\n") + "\n" + INDICATOR, encoding="utf-8")
    code, out, err = cli("spec", "lint", edition)
    assert code == 0, out + err
    assert "35 items" in out and "afbp-2018" in out and "from 2018" in out

    # forms of 2018 from the new edition (the shipped one cannot serve them: not given)
    forms = tmp_path / "forms"
    code, out, err = cli("generate", "--edition", edition, "--year", 2018, "--libraries", SAMPLE_LIBS, "--out", forms, "--quiet")
    assert code == 0, err
    assert cli("generate", "--edition", edition, "--year", 2017, "--out", tmp_path / "x")[0] == 2  # before its first year

    engine = get_engine(str(edition))
    libs, _ = read_libraries(SAMPLE_LIBS)
    returned = tmp_path / "returned"
    returned.mkdir()
    typed = {}
    for i, lib in enumerate(libs):
        data = simulate_form(lib.mieszkancy, lib.filie, seed=f"walk-{lib.id}", podtyp=lib.podtyp, organizator=lib.organizator, www=lib.www or None)
        data.items[35] = 40 + 7 * i
        typed[lib.id] = (data.items[35], data.items[1])
        fill_form(forms / f"{lib.id}.xlsx", data, returned / f"{lib.id}.xlsx", engine=engine)

    # the shipped edition does not know these forms: rejected with a reason naming both
    code, out, err = cli("consolidate", returned, "--no-db", "--out", tmp_path / "wrong", "--quiet")
    assert code == 1
    with open(tmp_path / "wrong" / "import.csv", encoding="utf-8-sig") as fh:  # CSV for a Polish Excel
        assert {r["kod"] for r in csv.DictReader(fh, delimiter=";")} == {"wrong_edition"}

    db = tmp_path / "afbp.sqlite"
    summary = tmp_path / "summary"
    code, out, err = cli("consolidate", returned, "--edition", edition, "--db", db, "--out", summary, "--quiet")
    assert code == 0, err
    assert "survey year 2018 (from the files)" in err and "edition afbp-2018" in err
    with open(summary / "biblioteki.csv", encoding="utf-8-sig") as fh:  # CSV for a Polish Excel
        rows = {r["id"]: r for r in csv.DictReader(fh, delimiter=";")}
    assert set(rows) == set(typed)
    for lib_id, (events, residents) in typed.items():
        assert float(rows[lib_id]["P35"].replace(",", ".")) == events
        shown = rows[lib_id]["U13"]  # rounded to the indicator's decimals, decimal comma
        decimals = len(shown.partition(",")[2])
        assert abs(float(shown.replace(",", ".")) - events / residents * 1000) <= 0.5 * 10 ** -decimals + 1e-12
    assert "U13" in (summary / "raport.html").read_text(encoding="utf-8")
    from openpyxl import load_workbook

    wb = load_workbook(summary / "podsumowanie.xlsx", read_only=True)
    assert any("U13" in str(c) for row in wb["Region"].iter_rows(values_only=True) for c in row)
