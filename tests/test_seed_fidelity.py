"""Issue 12: every definition faithful to the 2016 form, every check true.

One test per defect of the issue, each twice: through the engine and through a generated
workbook, filled with the hand-made forms of ``seed_cases.py`` and recalculated by
LibreOffice (all workbooks of this module in one batched ``soffice`` call). A legitimate
library gets no error and no "różnica"; the incomplete form is not OK; the stale powiat is
flagged. Expected statuses are written by hand from the form's definitions, never read
from the code. Texts (help, labels, lists) are checked in the spec and in the workbook.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from oracle import mismatches
from seed_cases import DIFF, ERROR, OK, base_form, scenarios
from xl_afbp.demo import libreoffice
from xl_afbp.generate import blank_form
from xl_afbp.workbook.fill import fill_form
from xl_afbp.workbook.form import FormContent, FormOptions, Library, units_for
from xl_afbp.workbook.template import FormTemplate
from xl_afbp.workbook.read_names import name_targets, read_named_values

SCENARIOS = scenarios()
IDS = [s.id for s in SCENARIOS]
#: TERYT places whose drop-down lists are evaluated by LibreOffice: (województwo, powiat, gmina)
PLACES = {
    "krzecin": ("zachodniopomorskie", "choszczeński", "Krzęcin (gmina wiejska)"),
    "bialogard_wiejska": ("zachodniopomorskie", "białogardzki", "Białogard (gmina wiejska)"),
    "krakow_krowodrza": ("małopolskie", "Kraków (miasto na prawach powiatu)", "Kraków-Krowodrza (delegatura)"),
}
PROBE = "Probe"
PROBE_ROWS = 120  # INDEX() probes per list: more than the longest locality list (105)


# ----------------------------------------------------------------------------- the engine
def _check(values: dict, scenario) -> list[str]:
    """What is wrong with ``values`` (defined name → value) for one scenario."""
    bad = [f"{k}: {values.get(k, '<absent>')!r}, expected {v!r}" for k, v in scenario.expect.items() if not _same(values.get(k, "<absent>"), v)]
    bad += [f"{k} exists" for k in scenario.absent if k in values]
    if scenario.legitimate:
        bad += [f"{k} = {v}" for k, v in values.items() if k.startswith(("R_", "K03_P_")) and v in (ERROR, DIFF)]
    return bad


def _same(a, b) -> bool:
    if isinstance(b, (int, float)) and isinstance(a, (int, float)):
        return abs(a - b) < 1e-9
    return a == b


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_engine(engine, scenario):
    assert not _check(engine.values(scenario.data), scenario), scenario.defect


@pytest.mark.parametrize("nr,value", [(11, 36.25), (11, 42.5), (11, 36.33), (25, 4.5), (25, 0.25), (22, 10.75), (11, 76.35), (22, 76.35)])
def test_decimals_the_form_allows_are_valid(engine, nr, value):
    """Item 11 to the quarter (and any minute to 2 decimals), item 25 with decimals; 76.35 is
    the value Gnumeric's ROUND gets wrong by 1e-14, so validity cannot be ROUND(x,2)=x."""
    part = engine.evaluate(_one(nr, value))
    assert next(r for r in part.rules if r.id == "L11").parts[nr] == OK


@pytest.mark.parametrize("nr,value", [(11, 36.255), (11, 168.25), (25, 4.505), (22, 10.755), (4, 10.5)])
def test_decimals_beyond_the_form_are_errors(engine, nr, value):
    part = engine.evaluate(_one(nr, value))
    assert next(r for r in part.rules if r.id == "L11").parts[nr] == ERROR


def _one(nr, value):
    form = base_form()
    form.items[nr] = value
    return form


# ----------------------------------------------------------------------------- LibreOffice
@pytest.fixture(scope="module")
def recalculated(tmp_path_factory, engine):
    """Every scenario typed into a generated form (personalised, with last year's values, for
    a library whose coordinator knew only its id), plus the drop-down probes on the blank
    form, all recalculated by LibreOffice in one batch: {scenario id or probe: path}."""
    work = tmp_path_factory.mktemp("seed")
    blank = blank_form(work / "blank", engine=engine)
    opts = FormOptions(units=units_for(1), personalised=True, previous=True)
    form = FormTemplate(engine, opts).render(FormContent(library=Library(id="T-12"), year=2016), work / "form.xlsx")
    files = {s.id: _fill(form, s.data, work / f"{s.id}.xlsx", engine) for s in SCENARIOS}
    for key, place in PLACES.items():
        files[f"probe_{key}"] = _probe(blank, place, work / f"probe_{key}.xlsx")
    out = libreoffice.recalculate(list(files.values()), work / "lo")
    return {k: out[p] for k, p in files.items()}, blank


def _fill(src: Path, data, dst: Path, engine) -> Path:
    """Type the form's inputs (as a librarian would), then last year's values (as the
    coordinator's generator writes them)."""
    fill_form(src, data, dst, engine=engine)
    wb = load_workbook(dst)
    targets = name_targets(wb)
    for nr, value in data.previous.items():
        sheet, (c, r, _, _) = targets[f"PREV_{nr:02d}"]
        wb[sheet].cell(row=r, column=c).value = value
    wb.save(dst)
    return dst


def _probe(blank: Path, place: tuple[str, str, str], dst: Path) -> Path:
    """A copy of the form with a TERYT place chosen and a sheet that evaluates the
    Gmina/Dzielnica and Miejscowość drop-down lists and the validation of items 11 and 25:
    the data-validation formulas are copied from the form, so what is tested is what Excel
    and LibreOffice use for the drop-downs."""
    wb = load_workbook(blank)
    targets = name_targets(wb)
    for name, value in zip(("B_WOJEWODZTWO", "B_POWIAT", "B_GMINA"), place):
        sheet, (c, r, _, _) = targets[name]
        wb[sheet].cell(row=r, column=c).value = value
    for nr, value in ((11, 36.25), (25, 4.5)):
        sheet, (c, r, _, _) = targets[f"P_{nr:02d}"]
        wb[sheet].cell(row=r, column=c).value = value
    dv = _validations(wb)
    ws = wb.create_sheet(PROBE)
    gmina, town = dv["B_GMINA"], dv["B_MIEJSCOWOSC"]
    ws["A1"], ws["B1"] = f"=ROWS({gmina})", f"=COLUMNS({town})"
    ws["C1"], ws["C2"] = f"={dv['P_11']}", f"={dv['P_25']}"
    for k in range(1, PROBE_ROWS + 1):
        ws.cell(row=k + 1, column=1).value = f'=IF({k}<=A$1,INDEX({gmina},{k},1),"")'
        ws.cell(row=k + 1, column=2).value = f'=IF({k}<=B$1,INDEX({town},1,{k}),"")'
    wb.save(dst)
    return dst


def _validations(wb) -> dict[str, str]:
    """Defined name of an input → the formula of its data validation."""
    targets = name_targets(wb)
    by_cell = {(ws.title, str(dv.sqref)): dv.formula1 for ws in wb.worksheets for dv in ws.data_validations.dataValidation}
    out = {}
    for name, (sheet, (c, r, _, _)) in targets.items():
        cell = wb[sheet].cell(row=r, column=c).coordinate
        if (sheet, cell) in by_cell:
            out[name] = by_cell[(sheet, cell)]
    return out


@pytest.mark.libreoffice
@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_libreoffice(recalculated, engine, scenario):
    files, _ = recalculated
    wanted = [f.name for f in engine.formulas]
    values = read_named_values(files[scenario.id], wanted)
    targets = name_targets(load_workbook(files[scenario.id], read_only=False))
    values |= {n: None for n in scenario.absent if n in targets}
    assert not _check(values, scenario), scenario.defect
    # the workbook and the engine agree on every computed cell of this form
    assert not mismatches(engine.values(scenario.data), values, wanted)


@pytest.mark.libreoffice
def test_dependent_lists_and_validation_in_libreoffice(recalculated):
    from xl_afbp import simc, teryt

    files, _ = recalculated
    lists = {}
    for key in PLACES:
        ws = load_workbook(files[f"probe_{key}"], data_only=True)[PROBE]
        gminy = [ws.cell(row=k, column=1).value for k in range(2, PROBE_ROWS + 2)]
        towns = [ws.cell(row=k, column=2).value for k in range(2, PROBE_ROWS + 2)]
        lists[key] = ([g for g in gminy if g], [t for t in towns if t], ws["C1"].value, ws["C2"].value)
    # Krzęcin: its own villages, the seat included; the list is exactly the shipped register's
    gminy, towns, valid11, valid25 = lists["krzecin"]
    assert "Krzęcin" in towns and "Krzęcin (gmina wiejska)" in gminy
    assert towns == list(simc.localities("3202042"))
    assert valid11 is True and valid25 is True  # 36,25 h and 4,5 h×people pass the validation
    # the gmina wiejska Białogard is seated in the town Białogard, outside its territory
    assert "Białogard" in lists["bialogard_wiejska"][1]
    # Kraków: the delegatury are in the Gmina/Dzielnica list, the district library's town is Kraków
    gminy, towns, _, _ = lists["krakow_krowodrza"]
    assert gminy == [g.display_name for g in teryt.gminy("1261")]
    assert "Kraków-Krowodrza (delegatura)" in gminy and towns == ["Kraków"]


# ----------------------------------------------------------------------------- texts
def test_item_1_never_asks_for_the_powiat_population(spec):
    """Seed: powiat libraries by agreement give their main organiser's town/gmina, new powiat
    libraries their seat; nowhere the powiat's population."""
    for text in (spec.item(1).help, spec.item(1).definition):
        assert "gminy/powiatu" not in text and "powiatu" not in text.replace("(nie powiatu)", "")
        assert "głównego organizatora" in text and "siedzib" in text and "dzielnic" in text and "GUS" in text


def test_help_texts_keep_every_condition_of_the_seed(spec):
    basic = {b.key: b for b in spec.basic}
    www = basic["WWW"].help
    assert "wspólną stroną" in www and "uwzględniona" in www  # joint website of combined institutions
    assert "własnym licznikiem" in spec.item(15).help  # the gmina's page counts only with its own counter
    h8 = spec.item(8).help
    assert all(w in h8 for w in ("drukowanych", "e-czasopism", "31.12", "licencja krajowa", "darów", "egz. obow.", "digitalizacji", "pełnotekstowych", "Filie"))
    h28 = spec.item(28).help
    assert all(w in h28 for w in ("inwestycje", "powiatu", "województwa i gminy", "31.12", "dotacji celowych (też od organizatora)"))
    h30 = spec.item(30).help
    assert all(w in h30 for w in ("Dotacje celowe (też organizatora)", "inwestycje", "ponadlokalne", "amortyzacji", "darów"))
    assert "36,25" in spec.item(11).help and "4,5" in spec.item(25).help
    for it in spec.items:  # the full definitions exist and are longer than the input messages
        assert len(it.definition) >= len(it.help) * 0.6 and len(it.help) <= 255, it.nr


def test_labels_units_and_names_as_the_seed(spec):
    assert spec.item(23).label == "Liczba pracowników biblioteki działalności podstawowej (w etatach)"
    labels = {s.nr: s.label for s in spec.services}
    assert labels[4] == "elektroniczne powiadamianie czytelników o terminie zwrotów (e-mail, sms) poprzez biblioteczny system komputerowy"
    assert labels[6] == "elektroniczna informacja na własnej witrynie WWW, np. formularz e-mail, komunikatory"
    assert labels[7] == "interaktywne szkolenia online na własnej witrynie WWW"
    assert labels[9] == "kanał RSS na własnej witrynie WWW"
    assert labels[10] == "profile w portalach społecznościowych (np. Facebook, Twitter)"
    assert labels[11] == "biuletyny, newslettery na własnej witrynie WWW"
    assert spec.bands[-1].label == "Powyżej 200 000"
    assert spec.item(6).unit == "j. inw."  # e-books and audiobooks are not volumes
    assert "100 mieszkańców" in spec.indicator("U01").name and "Odsetek" not in spec.indicator("U01").name
    assert "działalności podstawowej" in spec.indicator("R04").name


def test_the_workbook_shows_the_new_texts_and_lists(tmp_path, engine, spec):
    wb = load_workbook(blank_form(tmp_path, engine=engine))
    dv = {n: v for n, v in _prompts(wb).items()}
    assert dv["P_01"] == spec.item(1).help and dv["P_15"] == spec.item(15).help
    assert dv["B_WWW"] == next(b.help for b in spec.basic if b.key == "WWW")
    validations = _validations(wb)
    assert validations["B_MIEJSCOWOSC"].startswith("OFFSET(L_MSC_FIRST")  # a list, not free text
    form = wb["Formularz"]
    assert spec.item(23).label in [c.value for c in form["B"]]
    assert "Powyżej 200 000" in [c.value for row in wb["_listy"].iter_rows() for c in row]
    teryt_sheet = wb["_teryt"]
    assert "Łódź-Bałuty (delegatura)" in [c.value for c in teryt_sheet["E"]]


def _prompts(wb) -> dict[str, str]:
    targets = name_targets(wb)
    by_cell = {(ws.title, str(dv.sqref)): dv.prompt for ws in wb.worksheets for dv in ws.data_validations.dataValidation}
    out = {}
    for name, (sheet, (c, r, _, _)) in targets.items():
        key = (sheet, wb[sheet].cell(row=r, column=c).coordinate)
        if key in by_cell:
            out[name] = by_cell[key]
    return out


# ----------------------------------------------------------------------------- the edition
OLD_DIGEST = "5aaaf9eadd152568b92847245d028f72c6df654ec5e591713516886e73a0cb1d"  # spec 1.0.0, see the edition's CHANGELOG
#: 1.0.0 as edited on the main line before 2.0.0 (prefill, summary.yaml, comparisons.yaml,
#: K-03 totals) without a version bump: forms made from it say 1.0.0 too
MAIN_DIGEST = "bfc8269db4cbc8017760ee300e2d378ceb7db9a4ccb082e4d82c23e037120a9f"


def test_the_corrected_edition_has_a_new_version_and_hash(spec):
    assert spec.edition.spec_version == "2.0.0" and spec.digest != OLD_DIGEST
    changelog = (Path(spec.source[0]).parent / "CHANGELOG.md").read_text(encoding="utf-8")
    latest = changelog.split("\n## ")[1]  # the newest version's section
    assert latest.startswith(spec.edition.spec_version) and spec.digest in latest, "changed the YAML? bump spec_version and add a CHANGELOG section with the new hash"
    assert OLD_DIGEST in changelog and MAIN_DIGEST in changelog


@pytest.mark.parametrize("old_digest", [OLD_DIGEST, MAIN_DIGEST], ids=["released", "main"])
def test_a_form_made_from_the_old_edition_is_reported_clearly(tmp_path, engine, old_digest):
    """A form sent out before the correction (spec 1.0.0) is not read with the new rules: the
    import rejects it as another edition and names both versions."""
    from xl_afbp.reader import read_submission

    opts = FormOptions(units=units_for(1), personalised=True)
    form = FormTemplate(engine, opts).render(FormContent(library=Library(id="T-12"), year=2016), tmp_path / "form.xlsx")
    src = fill_form(form, base_form(), tmp_path / "filled.xlsx", engine=engine)
    old = tmp_path / "old.xlsx"
    _rewrite_meta(src, old, {"spec_version": "1.0.0", "spec_sha256": old_digest})
    s = read_submission(old, engine=engine)
    assert (s.verdict, s.code) == ("rejected", "wrong_edition")
    assert "wersja 1.0.0" in s.reason and "wersja 2.0.0" in s.reason
    assert read_submission(src, engine=engine).verdict != "rejected"


def _rewrite_meta(src: Path, dst: Path, values: dict[str, str]) -> None:
    wb = load_workbook(src)
    ws = wb["_meta"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value in values:
            row[1].value = values[row[0].value]
    wb.save(dst)
    with zipfile.ZipFile(dst) as z:  # the file is still a valid workbook with one _meta sheet
        assert any(re.search(r"sheet\d+\.xml$", n) for n in z.namelist())



def test_a_personalised_form_names_its_place_as_the_register_does(engine):
    """The coordinator's list may spell the place its own way or leave the miejscowość out:
    the prefilled (locked) fields come from the TERYT code, so B5/B6 hold and the form can
    be complete."""
    from xl_afbp.formdata import FormData
    from xl_afbp.workbook.form import personal_values

    lib = Library(id="T-13", teryt="3202042", wojewodztwo="Zachodniopomorskie", powiat="Choszczeński", gmina="Krzęcin", miejscowosc="")
    values = personal_values(engine, FormOptions(personalised=True), FormContent(library=lib))
    place = tuple(values[f"B_{k}"] for k in ("WOJEWODZTWO", "POWIAT", "GMINA", "MIEJSCOWOSC", "TERYT"))
    assert place == ("zachodniopomorskie", "choszczeński", "Krzęcin (gmina wiejska)", "Krzęcin", "3202042")
    rules = {r.id: r.status for r in engine.evaluate(FormData(basic={k[2:]: v for k, v in values.items() if k.startswith("B_")})).rules}
    assert rules["B5"] == OK and rules["B6"] == OK
