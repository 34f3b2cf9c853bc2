"""The generated workbook: contract names, validation, protection, _meta, TERYT lists, live formulas.

The formulas are checked on real engines: generated forms are filled through their defined
names (valid, invalid, empty and '#' values), recalculated by LibreOffice headless (one
batch) and by the `formulas` package, and every computed cell must equal the Python engine.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from oracle import gnumeric_recalculate, mismatches
from strategies import collect, form_inputs
from xl_afbp import names
from xl_afbp.demo import libreoffice
from xl_afbp.formdata import FormData
from xl_afbp.generate import blank_form, generate_batch, read_libraries
from xl_afbp.workbook.fill import fill_form
from xl_afbp.workbook.form import META, TERYT, FormContent, FormOptions, Library, build_form, units_for
from xl_afbp.workbook.read_names import name_targets, read_named_values
from xl_afbp.workbook.plain import input_cells
from xl_afbp.workbook.template import FormTemplate

SAMPLE_LIBS = Path(__file__).resolve().parents[1] / "xl_afbp" / "data" / "sample_libraries.csv"
NATIVE = {"IF", "AND", "OR", "NOT", "COUNT", "COUNTA", "COUNTIF", "SUM", "MAX", "SUMPRODUCT", "ABS", "ROUND", "LEFT", "LEN", "ISNUMBER", "ISERROR", "FIND", "OFFSET", "MATCH", "INDEX", "MID", "LOWER"}


@pytest.fixture(scope="module")
def blank(tmp_path_factory):
    return blank_form(tmp_path_factory.mktemp("blank"))


@pytest.fixture(scope="module")
def batch(tmp_path_factory, engine):
    libs, skipped = read_libraries(SAMPLE_LIBS)
    assert not skipped
    prev = {libs[0].id: {1: libs[0].mieszkancy, 4: 1000, 3: "#"}}
    from xl_afbp.outputs.benchmark import Benchmark

    bench = Benchmark.of_subtype(libs[1].podtyp, {"Z01": 3.0, "U05": 5.0})
    out = tmp_path_factory.mktemp("batch")
    paths = generate_batch(libs, out, previous=prev, benchmark=bench, workers=1, progress=False)
    return libs, paths


def contract_names(spec) -> set[str]:
    out = {names.item(i.nr) for i in spec.numeric_items} | {names.item(spec.services_item.nr)}
    out |= {names.service(s.nr) for s in spec.services}
    out |= {names.basic(b.key) for b in spec.basic}
    out |= {names.indicator(i.code) for i in spec.indicators}
    out |= {names.rule(r.id) for r in spec.rules}
    out |= {names.k03_check(c.item) for c in spec.k03_checks}
    out |= {names.k03_row(c.address) for c in spec.k03_cells}
    out |= {names.STATUS, names.ERRORS, names.WARNINGS, names.GAPS, names.previous(1)}
    return out


def test_every_contract_name_points_to_the_right_cell(blank, spec):
    wb = load_workbook(blank)
    targets = name_targets(wb)
    assert contract_names(spec) <= set(targets)
    for it in spec.numeric_items:
        sheet, (c, r, _, _) = targets[names.item(it.nr)]
        assert sheet == "Formularz" and wb[sheet].cell(row=r, column=1).value == it.nr
    for s in spec.services:
        sheet, (c, r, _, _) = targets[names.service(s.nr)]
        assert wb[sheet].cell(row=r, column=1).value == f"21.{s.nr}"
    for b in spec.basic:
        sheet, (c, r, _, _) = targets[names.basic(b.key)]
        assert wb[sheet].cell(row=r, column=1).value == b.label
    for ind in spec.indicators:
        sheet, (c, r, _, _) = targets[names.indicator(ind.code)]
        assert wb[sheet].cell(row=r, column=1).value == ind.code
    for cell in spec.k03_cells:
        sheet, (c1, r, c2, r2) = targets[names.k03_row(cell.address)]
        assert r == r2 and c2 - c1 + 1 == FormOptions().units and wb[sheet].cell(row=r, column=1).value == cell.address


def test_inputs_are_validated_with_help_and_everything_else_is_locked(blank, spec):
    wb = load_workbook(blank)
    targets = name_targets(wb)
    inputs: dict[str, set[str]] = {}
    for name, _ref in input_cells_of(spec):
        sheet, (c1, r1, c2, r2) = targets[name]
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                inputs.setdefault(sheet, set()).add(wb[sheet].cell(row=r, column=c).coordinate)
    for ws in wb.worksheets:
        assert ws.protection.sheet, ws.title
        covered: dict[str, object] = {}
        for dv in ws.data_validations.dataValidation:
            for rng in dv.sqref.ranges:
                for row in ws[rng.coord] if ":" in rng.coord else [[ws[rng.coord]]]:
                    for cell in row:
                        covered[cell.coordinate] = dv
        for coord in inputs.get(ws.title, ()):
            assert coord in covered, (ws.title, coord)
            dv = covered[coord]
            assert dv.showInputMessage and dv.prompt and dv.showErrorMessage and dv.error, (ws.title, coord)
        for row in ws.iter_rows():
            for cell in row:
                if cell.coordinate in inputs.get(ws.title, ()):
                    assert cell.protection.locked is False
                else:
                    assert cell.protection.locked is not False, (ws.title, cell.coordinate)
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    assert cell.protection.hidden, (ws.title, cell.coordinate)
    assert wb.security.lockStructure


def input_cells_of(spec):
    """Every input the librarian types: items, services, open basic fields, K-03 rows."""
    out = [(names.item(i.nr), None) for i in spec.numeric_items]
    out += [(names.service(s.nr), None) for s in spec.services]
    out += [(names.basic(b.key), None) for b in spec.basic if b.type != "fixed"]
    out += [(names.k03_row(c.address), None) for c in spec.k03_cells]
    return out


def test_meta_is_very_hidden_and_right(batch, spec):
    libs, paths = batch
    wb = load_workbook(paths[0])
    ws = wb[META]
    assert ws.sheet_state == "veryHidden"
    meta = {r[0].value: r[1].value for r in ws.iter_rows(min_row=2)}
    assert meta["library_id"] == libs[0].id and meta["teryt"] == libs[0].teryt
    assert meta["edition_year"] == 2016 and meta["spec_version"] == spec.edition.spec_version
    assert meta["spec_sha256"] == spec.digest and meta["generator"] == "xl-afbp"
    assert re.match(r"\d{4}-\d\d-\d\dT", meta["generated_at"])
    assert wb[TERYT].sheet_state == "hidden"


def test_no_formula_calls_a_non_native_function(blank):
    with zipfile.ZipFile(blank) as zf:
        xml = "".join(zf.read(n).decode("utf-8") for n in zf.namelist() if n.endswith(".xml"))
    formulas = re.findall(r"<f>(.*?)</f>", xml) + re.findall(r"<formula1>(.*?)</formula1>", xml) + re.findall(r"<formula>(.*?)</formula>", xml)
    assert len(formulas) > 250
    used = {f for text in formulas for f in re.findall(r"([A-Z][A-Z0-9.]*)\(", text)}
    assert used <= NATIVE, used - NATIVE
    assert "AFBP_" not in xml


def test_teryt_lists_are_complete(blank):
    import csv

    rows = list(csv.reader((Path(__file__).resolve().parents[1] / "xl_afbp" / "data" / "terc.csv").read_text(encoding="utf-8-sig").splitlines(), delimiter=";")) [1:]
    rows = [r for r in rows if len(r) > 3]
    woj = {r[0] for r in rows if r[0] and not r[1]}
    pow_ = {(r[0], r[1]) for r in rows if r[1] and not r[2]}
    gmi = {(r[0], r[1], r[2]) for r in rows if r[2] and r[3] in ("1", "2", "3")}
    assert (len(woj), len(pow_), len(gmi)) == (16, 380, 2479)
    wb = load_workbook(blank)
    ws = wb[TERYT]
    codes = {str(c.value) for c in ws["F"] if c.value}
    assert len([c for c in ws["A"] if c.value]) == 16
    assert len([c for c in ws["C"] if c.value]) == 380
    assert {f"{w}{p}{g}" for w, p, g in gmi} <= {c[:6] for c in codes}
    keys = [c.value for c in ws["D"] if c.value]
    assert keys == sorted(keys, key=keys.index)  # grouped: each powiat's gminy are contiguous for OFFSET
    assert len(set(keys)) == len(dict.fromkeys(keys))


def test_personalised_values_are_prefilled_and_locked(batch):
    libs, paths = batch
    lib = libs[0]
    values = read_named_values(paths[0], ["B_NAZWA", "B_ORGANIZATOR", "B_PODTYP", "B_PRZEDZIAL", "P_01", "P_13", "PREV_04", "PREV_03"])
    assert values["B_NAZWA"] == lib.nazwa and values["P_01"] == lib.mieszkancy and values["P_13"] == lib.filie
    assert values["PREV_04"] == 1000 and values["PREV_03"] == "#"
    wb = load_workbook(paths[0])
    sheet, (c, r, _, _) = name_targets(wb)["B_NAZWA"]
    assert wb[sheet].cell(row=r, column=c).protection.locked


def test_benchmark_shows_group_median_and_chart(batch):
    libs, paths = batch
    assert read_named_values(paths[1], [names.median("Z01"), names.median("U05")]) == {names.median("Z01"): 3.0, names.median("U05"): 5.0}
    wb = load_workbook(paths[1])
    ws = wb["Wskaźniki"]
    sheet, (c, r, _, _) = name_targets(wb)[names.median("Z01")]
    assert ws.cell(row=r, column=c + 1).value.startswith("=IF(")
    assert ws._charts, "the index bar chart is missing"


def test_fast_path_equals_slow_path(engine, tmp_path):
    lib = Library(id="T-1", nazwa='=HYPERLINK("http://x") & <b>', organizator="Gmina Ząb", podtyp="biblioteka gminy wiejskiej", wojewodztwo="zachodniopomorskie", powiat="koszaliński", gmina="Będzino (gmina wiejska)", miejscowosc="Będzino", teryt="3209012", mieszkancy=8123, filie=7, www="", email="a@b.pl")
    for opts in (FormOptions(units=units_for(7), personalised=True, previous=True, benchmark=True), FormOptions(units=units_for(0), personalised=True)):
        content = FormContent(library=lib, previous={1: 8000, 22: 3.25, 3: "#"}, benchmark={"Z01": 2.5}, group="g", year=2016, generated_at="2026-11-22T00:00:00+00:00")
        fast = FormTemplate(engine, opts).render(content, tmp_path / "fast.xlsx")
        slow_wb, _ = build_form(engine, opts, content)
        slow_wb.save(tmp_path / "slow.xlsx")
        assert workbook_content(fast) == workbook_content(tmp_path / "slow.xlsx")
    assert load_workbook(fast)["Dane podstawowe"]["B5"].value is not None


def test_a_field_the_library_list_leaves_empty_stays_editable(engine, tmp_path):
    """A personalised form locks what the coordinator prefilled. A field the library list
    leaves empty – no organiser, or a miejscowość the SIMC register cannot name (the seat of
    gmina Lubicz is Lubicz Dolny, no locality is called Lubicz) – is the library's to fill:
    unlocked, in the template and the slow path alike; locked, the form could never be
    complete ("niekompletny" for good)."""
    from xl_afbp import simc, teryt

    lubicz = next(g for _w, _p, g in teryt.load_terc().units() if g.display_name == "Lubicz (gmina wiejska)")
    assert simc.seat(lubicz.code7) is None
    lib = Library(id="T-3", nazwa="Gminna Biblioteka Publiczna w Lubiczu", organizator="", podtyp="biblioteka gminy wiejskiej", teryt=lubicz.code7, mieszkancy=20_000, filie=2)
    opts = FormOptions(units=units_for(2), personalised=True)
    content = FormContent(library=lib, year=2016, generated_at="2026-11-22T00:00:00+00:00")
    fast = FormTemplate(engine, opts).render(content, tmp_path / "fast.xlsx")
    slow_wb, _ = build_form(engine, opts, content)
    slow_wb.save(tmp_path / "slow.xlsx")
    assert workbook_content(fast) == workbook_content(tmp_path / "slow.xlsx")
    wb = load_workbook(fast)
    targets = name_targets(wb)

    def cell(key):
        sheet, (c, r, _, _) = targets[names.basic(key)]
        return wb[sheet].cell(row=r, column=c)

    for key in ("MIEJSCOWOSC", "ORGANIZATOR"):
        assert cell(key).value is None and cell(key).protection.locked is False, key
    for key, value in (("NAZWA", lib.nazwa), ("GMINA", "Lubicz (gmina wiejska)"), ("TERYT", lubicz.code7)):
        assert cell(key).value == value and cell(key).protection.locked is True, key


def workbook_content(path: Path) -> dict:
    """Everything a user or a reader can see: values, formulas, styles, validations, names, protection."""
    wb = load_workbook(path)
    out: dict = {"names": {n: d.attr_text for n, d in wb.defined_names.items()}, "sheets": [(ws.title, ws.sheet_state) for ws in wb.worksheets]}
    for ws in wb.worksheets:
        out[ws.title] = {
            "cells": {c.coordinate: (c.value, c.number_format, c.protection.locked, c.protection.hidden, c.fill.fgColor.rgb) for row in ws.iter_rows() for c in row},
            "dv": sorted((str(dv.sqref), dv.type, dv.formula1, dv.prompt) for dv in ws.data_validations.dataValidation),
            "protected": ws.protection.sheet,
            "cf": len(ws.conditional_formatting),
        }
    return out


def test_text_from_the_library_list_never_becomes_a_formula(engine, tmp_path):
    lib = Library(id="T-2", nazwa="=1+1", organizator="@SUM(A1)", mieszkancy=100)
    path = FormTemplate(engine, FormOptions(units=units_for(0), personalised=True)).render(FormContent(library=lib), tmp_path / "x.xlsx")
    wb = load_workbook(path)
    sheet, (c, r, _, _) = name_targets(wb)["B_NAZWA"]
    cell = wb[sheet].cell(row=r, column=c)
    assert cell.value == "=1+1" and cell.data_type == "s"


# -- live formulas on real engines -----------------------------------------------------------
N_FILLED = 12
FILLED_UNITS = 4  # main library and three branches


@pytest.fixture(scope="module")
def filled(batch, engine, tmp_path_factory):
    """Generated forms filled with hypothesis inputs (values, invalid values, empty, '#')."""
    libs, paths = batch
    samples = collect(form_inputs(engine.spec, units=FILLED_UNITS), N_FILLED, seed=7)
    big = [p for lib, p in zip(libs, paths) if units_for(lib.filie) >= FILLED_UNITS]  # room for every unit typed
    assert len(big) >= 2
    out = tmp_path_factory.mktemp("filled")
    files = []
    for i, data in enumerate(samples):
        files.append(fill_form(big[i % len(big)], data, out / f"filled{i:02d}.xlsx", engine=engine))
    return files


def typed_inputs(path: Path, engine) -> FormData:
    """The inputs as they stand in the file, read back through the contract."""
    spec = engine.spec
    wanted = [n for n, _ in input_cells(engine)] + [names.k03_row(c.address) for c in spec.k03_cells]
    v = read_named_values(path, wanted)
    return FormData(
        items={i.nr: v[names.item(i.nr)] for i in spec.numeric_items},
        services={s.nr: v[names.service(s.nr)] for s in spec.services},
        basic={b.key: v[names.basic(b.key)] for b in spec.basic},
        previous={i.nr: v[names.previous(i.nr)] for i in spec.numeric_items},
        k03={c.address: v[names.k03_row(c.address)] if isinstance(v[names.k03_row(c.address)], list) else [v[names.k03_row(c.address)]] for c in spec.k03_cells},
    )


def engine_mismatches(filled: list[Path], recalculated: dict[Path, Path], engine) -> list:
    """(file, name, Python, spreadsheet) of every computed cell where they differ."""
    wanted = [f.name for f in engine.formulas]
    bad = []
    for path in filled:
        py = engine.values(typed_inputs(path, engine))
        bad += [(path.name, *m) for m in mismatches(py, read_named_values(recalculated[path], wanted), wanted)]
    return bad


@pytest.mark.libreoffice
def test_filled_forms_recalculate_in_libreoffice_like_python(filled, engine, tmp_path):
    bad = engine_mismatches(filled, libreoffice.recalculate(filled, tmp_path / "lo"), engine)
    assert not bad, bad[:20]


def test_filled_forms_recalculate_in_gnumeric_like_python(filled, engine, tmp_path):
    """The third engine: Gnumeric recalculates the same filled forms; every indicator, rule,
    K-03 check and summary cell equals the Python engine."""
    bad = engine_mismatches(filled, gnumeric_recalculate(filled, tmp_path / "gnumeric"), engine)
    assert not bad, bad[:20]


def test_gnumeric_accepts_valid_decimals(batch, engine, tmp_path):
    """Gnumeric computes ROUND(76.35,2) as 76.35 + 1e-14: a decimals test written as
    ROUND(x,n)=x called a valid FTE an error there (rule L11)."""
    libs, paths = batch
    ftes = [76.35, 10.39, 0.29, 1234.56, 3.1, 12.75]
    forms = []
    for i, fte in enumerate(ftes):
        data = FormData(items={22: fte, 23: fte, 24: fte, 11: 48.5, 3: 4.1})
        forms.append(fill_form(paths[0], data, tmp_path / f"fte{i}.xlsx", engine=engine))
    out = gnumeric_recalculate(forms, tmp_path / "gnumeric")
    parts = [names.rule("L11", nr) for nr in (11, 22, 23, 24)]
    for path in forms:
        got = read_named_values(out[path], parts + [names.rule("L10")])
        assert set(got.values()) == {"OK"}, (path.name, got)


def test_filled_form_recalculates_in_formulas_like_python(filled, engine):
    import formulas
    import schedula

    path = filled[0]
    model = formulas.ExcelModel().loads(str(path)).finish()
    sol = model.calculate()
    wb = load_workbook(path)
    targets = name_targets(wb)
    py = engine.values(typed_inputs(path, engine))
    other = {}
    for f in engine.formulas:
        sheet, (c, r, _, _) = targets[f.name]
        v = sol[f"'[{path.name}]{sheet.upper()}'!{wb[sheet].cell(row=r, column=c).coordinate}"].value
        while hasattr(v, "__len__") and not isinstance(v, str):
            v = v[0]
        v = v.item() if hasattr(v, "item") else v
        other[f.name] = None if v == "" or v is schedula.EMPTY else v
    assert not mismatches(py, other, [f.name for f in engine.formulas])


@pytest.mark.libreoffice
def test_form_renders_through_libreoffice_to_png(filled, tmp_path):
    """What the README shows: each sheet printed by LibreOffice (recalculated), one PNG per sheet."""
    from PIL import Image

    from xl_afbp.demo.render import sheet_images

    images = sheet_images(filled[0], tmp_path, ["Formularz", "Kontrola", "Wskaźniki"], dpi=40)
    assert set(images) == {"Formularz", "Kontrola", "Wskaźniki"}
    for png in images.values():
        img = Image.open(png).convert("L")
        assert img.width > 200 and img.height > 100
        dark = sum(img.histogram()[:128])  # pixels darker than mid-grey
        assert dark > 500, f"{png.name} looks blank"
