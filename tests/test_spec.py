"""The spec is complete against our reference tables, lints clean, and lint errors locate problems.

Reference: ../shared/afbp/{items,indicators,k03}.md when present beside the clone, else the
unchanged copy shipped in tests/reference/afbp/ (a test keeps the copy equal to the tables when
both exist); the committed extract tests/reference/expected.json is kept equal to them.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from xl_afbp import names
from xl_afbp.engine import Engine
from xl_afbp.formdata import FormData
from xl_afbp.spec import Code, SpecError, lint_path, load_spec

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "afbp"
SHIPPED = Path(__file__).parent / "reference" / "afbp"
TABLES = SHARED if SHARED.exists() else SHIPPED
EXTRACT = Path(__file__).parent / "reference" / "expected.json"
MINI = Path(__file__).parent / "editions" / "afbp-mini.yaml"


def _rows(md: str) -> list[list[str]]:
    return [[c.strip() for c in line.strip().strip("|").split("|")] for line in md.splitlines() if line.startswith("|") and not line.startswith("|---")]


def _expand(addresses: str) -> list[str]:
    """'D4.W1.R2 / R4 / R5' → D4.W1.R2, D4.W1.R4, D4.W1.R5 (suffix replacement)."""
    tokens = [t.strip() for t in re.split(r"[,/]", addresses) if t.strip()]
    base = tokens[0].split(".")
    out = [tokens[0]]
    for tok in tokens[1:]:
        parts = tok.split(".")
        i = max(j for j, b in enumerate(base) if b[0] == parts[0][0])
        out.append(".".join(base[:i] + parts))
    return out


def extract_reference(folder: Path) -> dict:
    items_md = (folder / "items.md").read_text(encoding="utf-8")
    item_rows = [r for r in _rows(items_md) if r and r[0].isdigit()]
    items = sorted(int(r[0]) for r in item_rows)
    k03_items = sorted(int(r[0]) for r in item_rows if r[5] not in ("–", "-"))
    rules = sorted({r[0] for r in _rows(items_md) if re.fullmatch(r"L\d+", r[0])} | set(re.findall(r"^- (B\d) ", items_md, re.M)))
    codes = sorted(r[0] for r in _rows((folder / "indicators.md").read_text(encoding="utf-8")) if re.fullmatch(r"[ZUER]\d\d", r[0]))
    k03_rows = [r for r in _rows((folder / "k03.md").read_text(encoding="utf-8")) if r[0].startswith("D") and " " not in r[0].split(",")[0]]
    addresses = sorted({a for r in k03_rows for a in _expand(r[0])})
    return {"items": items, "k03_items": k03_items, "rules": rules, "indicators": codes, "k03_addresses": addresses}


#: Where the spec departs from our reference tables because the form (the seed) says
#: otherwise, issue 12: item 13 has no K-03 source; electronic serials are Dział 4 row 18,
#: rubryka 5; rules B5/B6 check the TERYT location.
SEED_CORRECTIONS = {"k03_items": {13}, "rules": {"B5", "B6"}, "addresses": {"D8.W18.R5": "D4.W18.R5"}}


@pytest.fixture(scope="module")
def reference() -> dict:
    ref = json.loads(EXTRACT.read_text(encoding="utf-8"))
    ref["k03_items"] = [i for i in ref["k03_items"] if i not in SEED_CORRECTIONS["k03_items"]]
    ref["rules"] = sorted(set(ref["rules"]) | SEED_CORRECTIONS["rules"])
    ref["k03_addresses"] = sorted(SEED_CORRECTIONS["addresses"].get(a, a) for a in ref["k03_addresses"])
    return ref


def test_committed_extract_matches_reference_tables():
    assert extract_reference(TABLES) == json.loads(EXTRACT.read_text(encoding="utf-8"))


def test_the_shipped_copy_is_the_teams_tables():
    """Where the team's tables sit beside the clone, the copy in tests/ is theirs unchanged."""
    for name in ("items.md", "indicators.md", "k03.md"):
        if SHARED.exists():
            assert (SHIPPED / name).read_bytes() == (SHARED / name).read_bytes(), name
        else:
            assert (SHIPPED / name).stat().st_size > 1000, name


def test_every_item_is_in_the_spec(spec, reference):
    assert [i.nr for i in spec.items] == reference["items"]
    assert len(spec.services) == 12


def test_every_indicator_is_in_the_spec(spec, reference):
    assert sorted(i.code for i in spec.indicators) == reference["indicators"]
    assert len(reference["indicators"]) == 42


def test_every_rule_is_in_the_spec(spec, reference):
    assert sorted(r.id for r in spec.rules) == sorted(reference["rules"])


def test_every_k03_relation_is_in_the_spec(spec, reference):
    assert sorted(c.item for c in spec.k03_checks) == reference["k03_items"]
    cells = {c.address for c in spec.k03_cells}
    assert set(reference["k03_addresses"]) <= cells, set(reference["k03_addresses"]) - cells
    services = [c for c in spec.k03_cells if c.type == "yesno" and c.address.startswith("D8.")]
    assert len(services) >= 10  # nine D8.P1 service lines (order and reservation apart) + D8.P2.W2


def test_shipped_edition_lints_clean():
    spec, issues = lint_path(2016)
    assert issues == []
    assert spec.edition.year == 2016 and spec.edition.spec_version
    assert len(spec.digest) == 64


def test_help_texts_fit_excel_input_messages(spec):
    for it in spec.items:
        assert 20 <= len(it.help) <= 255, it.nr
        assert len(it.title) <= 32
    for s in spec.services:
        assert 10 <= len(s.help) <= 255


def test_every_defined_name_is_acceptable_to_excel(engine):
    all_names = [f.name for f in engine.formulas]
    all_names += [names.item(i.nr) for i in engine.spec.items] + [names.k03_row(c.address) for c in engine.spec.k03_cells]
    assert all(names.name_problem(n) is None for n in all_names)
    assert len(set(all_names)) == len(all_names)


@pytest.mark.parametrize("name,cell_like", [("N01", True), ("WSK1", True), ("XFD1048576", True), ("XFE1", False), ("R1C1", True), ("R", True), ("P_01", False), ("IND_U05", False), ("K_D4_W1_R5", False), ("A0", False)])
def test_cell_like_names_are_detected(name, cell_like):
    assert names.is_cell_like(name) is cell_like


# -- a second edition is data, not code --------------------------------------------------
def test_second_edition_is_a_data_file():
    spec = load_spec(MINI)
    assert spec.edition.year == 2099
    eng = Engine(spec)
    res = eng.evaluate(FormData(items={1: 5000, 2: 20000, 3: "#"}, basic={"PRZEDZIAL": "małe"}, k03={"D7.P1.W1.R2": [15000, 1000]}))
    assert res.indicators == {"W01": 4.0, "W02": None}
    assert {r.id: r.status for r in res.rules} == {"M1": "OK", "M2": "OK", "M3": "OK"}
    assert [(k.item, k.status) for k in res.k03] == [(2, "OK")]
    assert res.rules[2].parts == {1: "OK", 2: "OK", 3: "OK"}


def test_second_edition_builds_its_workbook(tmp_path):
    from openpyxl import load_workbook

    from xl_afbp.workbook.form import FormContent, FormOptions, build_form
    from xl_afbp.workbook.read_names import name_targets

    eng = Engine(load_spec(MINI))
    wb, _ = build_form(eng, FormOptions(), FormContent())
    wb.save(tmp_path / "mini.xlsx")
    targets = name_targets(load_workbook(tmp_path / "mini.xlsx"))
    assert {"P_01", "P_02", "P_03", "IND_W01", "IND_W02", "R_M1", "R_M3", "R_M3_02", "K03_P_02", "K_D7_P1_W1_R2", "R_STATUS"} <= set(targets)
    assert "P_04" not in targets and "IND_Z01" not in targets


# -- lint: every problem, with file, line and a fix ----------------------------------------
def _lint_text(tmp_path: Path, text: str):
    path = tmp_path / "broken.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return lint_path(path)[1]


def _mini_with(old: str, new: str, tmp_path: Path):
    text = MINI.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "afbp-broken.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return lint_path(path)[1]


def test_lint_reports_unknown_name_in_formula_with_line(tmp_path):
    issues = _mini_with('formula: "P2 / P3"', 'formula: "P2 / P9"', tmp_path)
    assert len(issues) == 1
    issue = issues[0]
    assert issue.code is Code.SPEC003
    assert issue.location.file == "afbp-broken.yaml"
    line = next(i for i, t in enumerate(MINI.read_text().splitlines(), 1) if "W02" in t)
    assert issue.location.line == line
    assert "P9" in str(issue) and "indicator W02" in str(issue)


def test_lint_collects_every_problem(tmp_path):
    text = MINI.read_text(encoding="utf-8")
    text = text.replace("code: W02", "code: W01")  # duplicate code
    text = text.replace('help: "Liczba mieszkańców."', 'help: "' + "x" * 300 + '"')  # too long
    text = text.replace("severity: warning", "severity: fatal")  # vocabulary
    text = text.replace("section: a, type: decimal", "section: zz, type: decimal")  # reference
    path = tmp_path / "many.yaml"
    path.write_text(text, encoding="utf-8")
    codes = sorted(i.code.name for i in lint_path(path)[1])
    assert codes == ["SPEC002", "SPEC004", "SPEC007", "SPEC008"]


def test_lint_refuses_unknown_keys_by_name(tmp_path):
    issues = _mini_with("short: etaty,", "shrot: etaty,", tmp_path)
    assert any(i.code is Code.SPEC001 and "'shrot'" in i.problem for i in issues)


def test_lint_refuses_cell_like_names(tmp_path):
    issues = _mini_with("id: M1,", "id: L1C1,", tmp_path)  # R_L1C1 is fine, but
    assert issues == []
    issues = _mini_with("code: W01", "code: W1", tmp_path)  # IND_W1 is fine too: prefixes protect
    assert issues == []
    assert names.name_problem("W1") is not None


def test_lint_checks_excel_title_limit(tmp_path):
    issues = _mini_with("short: wypożyczenia,", "short: wypożyczenia na zewnątrz wszystkich zbiorów,", tmp_path)
    assert [i.code for i in issues] == [Code.SPEC004]
    assert "32" in issues[0].problem


def test_lint_checks_list_literal_limit(tmp_path):
    issues = _mini_with("type: band,", "type: list, choices: [" + ", ".join(f"wybor{i:03d}" for i in range(40)) + "],", tmp_path)
    assert [i.code for i in issues] == [Code.SPEC005]


def test_lint_reports_yaml_syntax_errors(tmp_path):
    issues = _lint_text(tmp_path, "items: [\n")
    assert issues and issues[0].code is Code.SPEC010


def test_load_spec_raises_with_all_issues(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(MINI.read_text(encoding="utf-8").replace("P2 >= P1", "P2 >= "), encoding="utf-8")
    with pytest.raises(SpecError) as err:
        load_spec(path)
    assert "rule M1" in str(err.value) and "SPEC003" in str(err.value)


# -- what the summary and the generator read from the spec ---------------------------------
def _edition_copy(tmp_path: Path, edit) -> Path:
    """A copy of the shipped 2016 edition with one file edited."""
    import shutil

    src = ROOT / "xl_afbp" / "editions" / "afbp-2016"
    dst = tmp_path / "afbp-copy"
    shutil.copytree(src, dst)
    edit(dst)
    return dst


def test_an_indicator_that_cannot_aggregate_as_a_ratio_of_sums_must_be_declared(tmp_path):
    """The consolidator no longer walks the formulas: the spec says which indicators have
    no ratio-of-sums aggregate, and the lint refuses an undeclared one."""

    def drop_z11(d: Path) -> None:
        f = d / "summary.yaml"
        f.write_text(f.read_text(encoding="utf-8").replace("indicators: [Z11]", "indicators: []"), encoding="utf-8")

    issues = lint_path(_edition_copy(tmp_path, drop_z11))[1]
    assert [(i.code, "Z11" in i.problem) for i in issues] == [(Code.SPEC009, True)]


def test_the_summary_keys_and_prefill_sources_are_checked(tmp_path):
    def break_them(d: Path) -> None:
        f = d / "summary.yaml"
        f.write_text(f.read_text(encoding="utf-8").replace("key_indicators: [U01,", "key_indicators: [X99, U01,").replace("reason: constant", "reason: lazy"), encoding="utf-8")
        f = d / "form.yaml"
        f.write_text(f.read_text(encoding="utf-8").replace("prefill: branches", "prefill: branch_count"), encoding="utf-8")

    issues = lint_path(_edition_copy(tmp_path, break_them))[1]
    assert sorted(i.code.name for i in issues) == ["SPEC007", "SPEC007", "SPEC008"]
    assert any("X99" in i.problem for i in issues) and any("branch_count" in i.problem for i in issues)


def test_the_declared_aggregation_agrees_with_an_independent_reading_of_the_formulas(spec):
    """Independently of the lint: an indicator aggregates as a ratio of sums exactly when its
    formula reads only additive items (looked up by name in the formula text)."""
    additive = {i.nr for i in spec.items if i.additive}
    for ind in spec.indicators:
        used = {int(n) for n in re.findall(r"\bP(\d+)\b(?!_)", ind.formula)}
        plain = used <= additive and "(" not in ind.formula.replace("(P", "").replace("( P", "") or not spec.aggregate_note(ind.code)
        if not used <= additive:
            assert spec.aggregate_note(ind.code), ind.code
        assert plain or spec.aggregate_note(ind.code), ind.code
    assert set(spec.key_indicators) <= {i.code for i in spec.indicators} and spec.key_indicators


def test_the_prefilled_items_are_the_residents_and_the_branches(spec):
    by_source = {i.prefill: i for i in spec.prefilled_items}
    assert set(by_source) == {"population", "branches"}
    assert "mieszka" in by_source["population"].label.lower() and "fili" in by_source["branches"].label.lower()
    assert spec.population_item is by_source["population"]


def test_k03_document_is_generated_from_the_spec(spec):
    """docs/k03.md lists every relation with its reason; regenerate it when the spec changes
    (python -m xl_afbp.spec.k03doc docs/k03.md)."""
    from xl_afbp.spec.k03doc import render

    doc = (ROOT / "docs" / "k03.md").read_text(encoding="utf-8")
    assert doc == render(spec)
    for c in spec.k03_checks:
        assert f"### Item {c.item}:" in doc and c.reason and c.reason in doc, c.item
