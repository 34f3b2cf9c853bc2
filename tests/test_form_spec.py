"""Form-side edition knowledge lives in the spec (issue 10, item 4).

How each K-03 row is totalled across units, the year-on-year change and the benchmark
index are spec entries rendered by both renderers; changing the YAML changes the workbook,
and no K-03 address or hand-written expression is left in the form writer.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from xl_afbp.engine import Engine
from xl_afbp.spec.errors import Code
from xl_afbp.spec.lint import lint
from xl_afbp.spec.load import build_spec, edition_path, read_raw
from xl_afbp.workbook.form import FormContent, build_form_parts
from xl_afbp.workbook.layout import FormOptions

WORKBOOK = Path(__file__).resolve().parents[1] / "xl_afbp" / "workbook"


def _raw():
    raw, issues, files = read_raw(edition_path(2016))
    assert not issues
    return raw, files


def _spec(raw, files):
    spec, issues = build_spec(raw, files)
    issues += lint(spec)
    return spec, issues


def _formula(built, sheet: str, row: int, col: int) -> str:
    return built.wb[sheet].cell(row=row, column=col).value


def _k03_total(engine: Engine, address: str, opts=FormOptions(units=3)) -> str:
    built = build_form_parts(engine, opts, FormContent(generated_at="-"))
    sheet = built.layout.sheets["K-03"]
    return _formula(built, "K-03", sheet.row_of("cell", address), built.layout.k03_total_col)


def test_k03_totals_follow_the_spec(engine):
    """Opening hours are the longest-open unit (kmax, declared in k03.yaml), not a sum;
    another declaration changes the formula."""
    assert _k03_total(engine, "D2.P1.W1B").startswith("=IF(COUNT(K_D2_P1_W1B)>0,MAX(K_D2_P1_W1B)")
    assert "SUM(K_D4_W1_R5)" in _k03_total(engine, "D4.W1.R5")
    assert '"TAK"' in _k03_total(engine, "D8.P1.KAT")
    raw, files = _raw()
    raw = copy.deepcopy(raw)
    for cell in raw["k03_cells"]:
        if cell["address"] == "D2.P1.W1B":
            cell["total"] = "sum"
        if cell["address"] == "D4.W1.R5":
            cell["total"] = "none"
    spec, issues = _spec(raw, files)
    assert not issues
    other = Engine(spec)
    assert "SUM(K_D2_P1_W1B)" in _k03_total(other, "D2.P1.W1B")
    assert _k03_total(other, "D4.W1.R5") is None


def test_comparisons_follow_the_spec(engine):
    raw, files = _raw()
    raw = copy.deepcopy(raw)
    raw["comparisons"] = {"previous_change": "P{n} - PREV{n}", "benchmark_index": "IND_{code} - MEDIAN_{code}"}
    spec, issues = _spec(raw, files)
    assert not issues
    other = Engine(spec)
    opts = FormOptions(units=1, personalised=False, previous=True, benchmark=True)
    for eng, change, index in ((engine, "/PREV_04", "/MEDIAN_Z01"), (other, "(P_04-PREV_04)", "(IND_Z01-MEDIAN_Z01)")):
        built = build_form_parts(eng, opts, FormContent(generated_at="-"))
        form, inds = built.layout.sheets["Formularz"], built.layout.sheets["Wskaźniki"]
        assert change in _formula(built, "Formularz", form.row_of("item", 4), form.grid.col("change"))
        assert index in _formula(built, "Wskaźniki", inds.row_of("indicator", "Z01"), inds.grid.col("index"))


@pytest.mark.parametrize(
    "edit,code",
    [
        (lambda raw: raw["k03_cells"][0].update(total="average"), Code.SPEC007),
        (lambda raw: next(c for c in raw["k03_cells"] if c["type"] == "yesno").update(total="sum"), Code.SPEC007),
        (lambda raw: raw.update(comparisons={"previous_change": "(P4 - PREV4) / PREV4"}), Code.SPEC003),
        (lambda raw: raw.update(comparisons={"benchmark_index": "IND_{code} / MEDIAN_X99 * 100"}), Code.SPEC003),
        (lambda raw: raw["indicators"][0].update(formula="IND_Z02 / P1"), Code.SPEC003),
        (lambda raw: raw.update(comparisons={"previous_chnage": "P{n}"}), Code.SPEC001),
    ],
)
def test_lint_catches_bad_totals_and_comparisons(edit, code):
    raw, files = _raw()
    raw = copy.deepcopy(raw)
    edit(raw)
    _spec_obj, issues = _spec(raw, files)
    assert code in {i.code for i in issues}, [str(i) for i in issues]


def test_the_form_writer_holds_no_edition_knowledge(engine):
    """No K-03 address and no hand-written comparison (a change over last year, an index
    times 100, a K-03 total) in the form's Python."""
    addresses = re.compile(r"\bD\d+\.(?:P|W)\d")
    expressions = re.compile(r"/ ?PREV|\*\s?100\b|\b(?:ksum|kmax|kany)\(|\b(?:SUM|MAX)\(K_")
    for path in WORKBOOK.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not addresses.search(text), f"{path.name}: {addresses.search(text).group(0)}"
        assert not expressions.search(text), f"{path.name}: {expressions.search(text).group(0)}"
