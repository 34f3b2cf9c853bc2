"""The form as librarians meet it (issue 15), read from the generated XML.

Each test reads what Excel or LibreOffice reads: the chart part, styles.xml, the sheets'
page setup, panes, columns and cells, the cached results of formulas. Where a behaviour
is Excel's alone (a chart axis without ``<c:delete val="0"/>``, ``#,##0.##`` showing
"2 354,"), the XML is checked against what Excel documents and writes.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from xl_afbp import names, status
from xl_afbp.outputs.benchmark import Benchmark
from xl_afbp.generate import blank_form, generate_batch, read_libraries
from xl_afbp.workbook.layout import BLANK_BRANCHES, FormOptions, form_layout, previous_rules, units_for
from xl_afbp.workbook.read_names import name_targets, read_named_values

SAMPLE_LIBS = Path(__file__).resolve().parents[1] / "xl_afbp" / "data" / "sample_libraries.csv"
VISIBLE = ("Instrukcja", "Dane podstawowe", "Formularz", "K-03", "Kontrola", "Wskaźniki")
LONG = ("Dane podstawowe", "Formularz", "K-03", "Kontrola", "Wskaźniki")
CONTACT = "Anna Nowak, afbp@wbp.example.pl"
DEADLINE = date(2017, 3, 31)


@pytest.fixture(scope="module")
def library():
    libs, _ = read_libraries(SAMPLE_LIBS)
    return next(lib for lib in libs if lib.filie == 3)


@pytest.fixture(scope="module")
def personal(library, tmp_path_factory):
    """A personalised form with last year's values and a benchmark."""
    prev = {library.id: {1: library.mieszkancy - 100, 4: 1000, 3: "#", 22: 10.25}}
    bench = Benchmark.of_subtype(library.podtyp, {"Z01": 3.0, "Z11": 4000.0, "U05": 5.0})
    out = tmp_path_factory.mktemp("personal")
    return generate_batch([library], out, previous=prev, benchmark=bench, workers=1, progress=False, contact=CONTACT, deadline=DEADLINE)[0]


@pytest.fixture(scope="module")
def plain_personal(library, tmp_path_factory):
    """A personalised form without last year's values or a benchmark."""
    return generate_batch([library], tmp_path_factory.mktemp("plain"), workers=1, progress=False)[0]


@pytest.fixture(scope="module")
def blank(tmp_path_factory):
    return blank_form(tmp_path_factory.mktemp("blank"))


def xml(path: Path, member: str) -> str:
    with zipfile.ZipFile(path) as zf:
        return zf.read(member).decode("utf-8")


def sheet_xml(path: Path, title: str) -> str:
    with zipfile.ZipFile(path) as zf:
        wb = zf.read("xl/workbook.xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
        rid = re.search(r'<sheet [^>]*name="' + re.escape(title) + r'"[^>]*r:id="([^"]+)"', wb).group(1)
        target = re.search(r'Id="' + rid + r'"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="' + rid + '"', rels)
        part = (target.group(1) or target.group(2)).lstrip("/")
        return zf.read(part if part.startswith("xl/") else "xl/" + part).decode("utf-8")


# -- 3. one look: charts ---------------------------------------------------------------------
def test_benchmark_chart_has_visible_axes_in_reading_order(personal):
    """Excel may hide an axis that lacks <c:delete val="0"/>; a bar chart's first category
    is drawn at the bottom unless the category axis runs maxMin; every label is shown."""
    import xml.etree.ElementTree as ET

    c = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
    with zipfile.ZipFile(personal) as zf:
        charts = [n for n in zf.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 1
    root = ET.fromstring(xml(personal, charts[0]))
    cat, val = root.find(f".//{c}catAx"), root.find(f".//{c}valAx")

    def attr(axis, path: str) -> str | None:
        node = axis.find("/".join(c + p for p in path.split("/")))
        return None if node is None else node.get("val")

    for axis in (cat, val):
        assert attr(axis, "delete") == "0"
    assert attr(cat, "scaling/orientation") == "maxMin"
    assert attr(cat, "tickLblSkip") == "1"
    assert attr(val, "crosses") == "max", "with maxMin categories the value axis stays at the bottom only when it crosses at max"
    assert attr(val, "axPos") == "b" and attr(cat, "axPos") == "l"
    assert root.find(f".//{c}cat/{c}strRef") is not None, "the category labels (codes) are text"


# -- 3. one look: number formats ------------------------------------------------------------
def _formats(path: Path) -> dict[int, str]:
    styles = xml(path, "xl/styles.xml")
    custom = {int(i): code.replace("&quot;", '"') for i, code in re.findall(r'<numFmt numFmtId="(\d+)" formatCode="([^"]*)"', styles)}
    xfs = re.search(r"<cellXfs[^>]*>(.*?)</cellXfs>", styles, re.S).group(1)
    out = {}
    for i, xf in enumerate(re.findall(r"<xf [^>]*?/?>", xfs)):
        fid = int(re.search(r'numFmtId="(\d+)"', xf).group(1))
        out[i] = custom.get(fid, {0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00"}.get(fid, f"builtin {fid}"))
    return out


def test_no_number_format_shows_a_trailing_separator(personal, blank):
    """Excel shows the decimal separator whenever a format has one, even with no digits
    after it: "#,##0.##" shows 2354 as "2 354," (LibreOffice hides it, so its tests cannot
    see it). No format in the form may end its decimals in optional placeholders only."""
    for path in (personal, blank):
        used = set(_formats(path).values())
        bad = [f for f in used if re.search(r"\.[#?]+(?![0-9])", f.split(";")[0]) and not re.search(r"\.0", f)]
        assert not bad, bad
        assert "#,##0.##" not in used


def test_numbers_show_their_decimals_and_thousands(personal, engine):
    """Whole numbers with thousands separators, decimals as the definition allows, the
    same in Excel and LibreOffice; indicators with thousands separators too."""
    spec = engine.spec
    wb = load_workbook(personal)
    targets = name_targets(wb)

    def fmt(name: str) -> str:
        sheet, (c, r, _, _) = targets[name]
        return wb[sheet].cell(row=r, column=c).number_format

    for it in spec.numeric_items:
        want = "#,##0" + ("." + "0" * it.decimals if it.decimals else "")
        assert fmt(names.item(it.nr)) == want, it.nr
        assert fmt(names.previous(it.nr)) == want, it.nr
    for c in spec.k03_checks:
        assert fmt(names.k03_value(c.item)) == "#,##0" + ("." + "0" * spec.item(c.item).decimals if spec.item(c.item).decimals else "")
    for ind in spec.indicators:
        assert fmt(names.indicator(ind.code)).startswith("#,##0"), ind.code
    for cell in spec.k03_cells:
        f = fmt(names.k03_row(cell.address))
        assert f == ("General" if cell.type == "percent" else "#,##0" + ("." + "0" * cell.decimals if cell.decimals else "")), cell.address


# -- 3. one look: fonts, alignment, panes ----------------------------------------------------
def test_every_font_is_named(personal, blank):
    """A font without a name is drawn in each application's own default (LibreOffice drew
    the headings in Cambria beside Calibri)."""
    for path in (personal, blank):
        fonts = re.search(r"<fonts[^>]*>(.*?)</fonts>", xml(path, "xl/styles.xml"), re.S).group(1)
        entries = re.findall(r"<font>.*?</font>|<font/>", fonts, re.S)
        assert entries and all("<name " in f for f in entries), [f for f in entries if "<name " not in f]


def test_labels_and_values_align_to_the_top(personal):
    """A label that wraps and its value start on the same line."""
    wb = load_workbook(personal)
    for title in VISIBLE:
        ws = wb[title]
        for row in ws.iter_rows(min_row=3):
            for cell in row:
                if cell.value is not None and cell.coordinate not in ws.merged_cells:
                    assert cell.alignment.vertical == "top", (title, cell.coordinate, cell.alignment.vertical)


def test_long_sheets_have_frozen_panes(personal, blank):
    for path in (personal, blank):
        for title in LONG:
            assert re.search(r'<pane [^>]*state="frozen"', sheet_xml(path, title)), title


# -- 2. print-ready ----------------------------------------------------------------------------
def test_every_sheet_is_set_up_for_a4_with_titles_header_and_footer(personal, library):
    wb_xml = xml(personal, "xl/workbook.xml")
    titles = dict(re.findall(r'<definedName name="_xlnm.Print_Titles" localSheetId="(\d+)">([^<]+)</definedName>', wb_xml))
    sheets = re.findall(r'<sheet [^>]*name="([^"]+)"', wb_xml)
    for title in VISIBLE:
        part = sheet_xml(personal, title)
        assert re.search(r'<pageSetup [^>]*paperSize="9"', part), title
        margins = re.search(r"<pageMargins ([^/]*)/>", part).group(1)
        assert 'left="0.4"' in margins and 'top="0.75"' in margins, (title, margins)
        header = re.search(r"<oddHeader>(.*?)</oddHeader>", part).group(1).replace("&amp;", "&")
        footer = re.search(r"<oddFooter>(.*?)</oddFooter>", part).group(1).replace("&amp;", "&")
        assert library.nazwa.replace("&", "&&")[:40] in header and "2016" in header, header
        assert "&A" in footer and "strona &P z &N" in footer, footer
        if title in LONG:
            assert str(sheets.index(title)) in titles, f"{title}: no print titles"
    k03_titles = titles[str(sheets.index("K-03"))]
    assert "$A:$B" in k03_titles and "$4:$4" in k03_titles


def test_a_wide_blank_k03_sheet_prints_across_pages_not_shrunk(blank):
    """31 unit columns do not fit a page: printed at 100 % over several pages across, the
    address columns repeated (fit-to-width would print it at a few points)."""
    part = sheet_xml(blank, "K-03")
    assert not re.search(r'<pageSetUpPr [^>]*fitToPage="1"', part)
    assert 'orientation="landscape"' in part


def test_page_breaks_fall_between_sections_never_under_an_input(personal, engine):
    """A manual break never separates an item from the definition printed under it, and
    the K-03 part of Kontrola starts a page."""
    layout = form_layout(engine.spec, FormOptions(units=units_for(3), personalised=True, previous=True, benchmark=True))
    for title in ("Formularz", "Kontrola", "Wskaźniki"):
        breaks = [int(b) for b in re.findall(r'<brk id="(\d+)"', sheet_xml(personal, title))]
        kinds = {r.row: r.kind for r in layout.sheets[title].rows}
        for b in breaks:
            assert kinds.get(b + 1) not in ("help", "service_help"), (title, b)
    kontrola = layout.sheets["Kontrola"]
    first_k03 = kontrola.row_of("section", "k03")
    assert first_k03 - 1 in [int(b) for b in re.findall(r'<brk id="(\d+)"', sheet_xml(personal, "Kontrola"))]


# -- 1. definitions in the sheet -----------------------------------------------------------
def test_every_definition_is_readable_under_its_input(blank, engine):
    """In any application: the definition is a cell under the input (not only an input
    message, which LibreOffice shows as one cut line), and the input message stays. The
    2016 edition gives every item its full ``definition`` (longer than the ≤ 255-character
    ``help`` of the input message): the sheet shows the definition."""
    spec = engine.spec
    wb = load_workbook(blank)
    ws = wb["Formularz"]
    targets = name_targets(wb)
    prompts = {str(dv.sqref): dv.prompt for dv in ws.data_validations.dataValidation}
    for it in spec.numeric_items:
        _, (c, r, _, _) = targets[names.item(it.nr)]
        assert it.definition and ws.cell(row=r + 1, column=2).value == it.definition, it.nr
        assert f"B{r + 1}" in {str(m).split(":")[0] for m in ws.merged_cells.ranges}
        assert prompts[ws.cell(row=r, column=c).coordinate] == it.help
    for s in spec.services:
        _, (c, r, _, _) = targets[names.service(s.nr)]
        assert ws.cell(row=r + 1, column=2).value == (s.definition or s.help), s.nr  # a service's help is its definition


def test_the_help_column_takes_a_longer_definition_when_the_spec_has_one():
    from types import SimpleNamespace

    from xl_afbp.workbook.form import definition

    assert definition(SimpleNamespace(help="krótko", definition="Długa definicja " * 30)).startswith("Długa definicja")
    assert definition(SimpleNamespace(help="krótko")) == "krótko"


# -- 4. forms adapt to what they hold --------------------------------------------------------
def _hidden_columns(path: Path, title: str) -> set[int]:
    out = set()
    for m in re.finditer(r"<col ([^>]*)/>", sheet_xml(path, title)):
        a = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        if a.get("hidden") in ("1", "true"):
            out |= set(range(int(a["min"]), int(a["max"]) + 1))
    return out


def _hidden_rows(path: Path, title: str) -> set[int]:
    return {int(r) for r in re.findall(r'<row r="(\d+)"[^>]*hidden="1"', sheet_xml(path, title))}


def test_last_year_columns_only_when_the_form_has_last_year(personal, plain_personal, blank, engine):
    spec = engine.spec
    for path, shown in ((personal, True), (plain_personal, False), (blank, False)):
        wb = load_workbook(path)
        grid = form_layout(spec, FormOptions(units=1, previous=shown)).sheets["Formularz"].grid
        prev_cols = {grid.col("previous"), grid.col("change")} | {grid.col(f"rule:{r}") for r in previous_rules(spec) if grid.has(f"rule:{r}")}
        hidden = _hidden_columns(path, "Formularz")
        assert (prev_cols & hidden == set()) if shown else (prev_cols <= hidden), (path.name, hidden)
        for rule in ("L9", "L12"):
            sheet, (c, r, _, _) = name_targets(wb)[names.rule(rule)]
            assert (r in _hidden_rows(path, "Kontrola")) is not shown
    assert previous_rules(spec) == {"L9", "L12"}  # the holdings identity and the change of ±50 %


def test_k03_columns_follow_the_library(personal, blank, tmp_path, library):
    def units(path: Path) -> int:
        sheet, (c1, _, c2, _) = name_targets(load_workbook(path))[names.k03_row("D4.W1.R5")]
        return c2 - c1 + 1

    assert units(personal) == 1 + library.filie == 4
    assert units(blank) == 1 + BLANK_BRANCHES
    assert units(blank_form(tmp_path / "more", branches=45)) == 46
    wb = load_workbook(blank)
    assert "koordynator" in wb["K-03"]["A2"].value and "więcej" in wb["K-03"]["A2"].value


# -- 5. words ---------------------------------------------------------------------------------
def test_librarian_sheets_name_no_tool_and_items_alike(personal, blank):
    for path in (personal, blank):
        wb = load_workbook(path)
        texts = [str(c.value) for t in VISIBLE for row in wb[t].iter_rows() for c in row if isinstance(c.value, str) and not c.value.startswith("=")]
        joined = "\n".join(texts)
        assert "xl-afbp" not in joined.lower()
        assert "poz. 3 i 15" in joined and "poz. 3, 15" not in joined


def test_prefilled_cells_say_who_filled_them(personal, engine):
    """A locked cell the coordinator filled does not say "Wybierz z listy"; it says who
    filled it and whom to ask."""
    wb = load_workbook(personal)
    ws = wb["Dane podstawowe"]
    targets = name_targets(wb)
    for key in ("NAZWA", "PODTYP", "WOJEWODZTWO", "POWIAT", "GMINA", "PRZEDZIAL"):
        _, (c, r, _, _) = targets[names.basic(key)]
        assert ws.cell(row=r, column=c).protection.locked
        help_text = ws.cell(row=r, column=c + 1).value
        assert "koordynator" in help_text and "Wybierz z listy" not in help_text, key
    f = wb["Formularz"]
    _, (c, r, _, _) = targets[names.item(1)]
    assert "koordynator" in f.cell(row=r + 1, column=2).value


# -- 6. returning --------------------------------------------------------------------------------
def test_instrukcja_says_where_and_by_when(personal, blank):
    p = load_workbook(personal)["Instrukcja"]
    top = [p.cell(row=r, column=2).value for r in (3, 4)]
    assert top == [f"Odeślij wypełniony plik do: {CONTACT}", "Termin: 31 marca 2017 r."]
    b = load_workbook(blank)["Instrukcja"]
    text = "\n".join(str(c.value) for row in b.iter_rows() for c in row if c.value)
    assert "bez zmiany nazwy" not in text and "z nazwą swojej biblioteki" in text
    assert "LibreOffice" in text and "Excel" in text and ".xlsx" in text
    assert "koordynator" in b.cell(row=3, column=2).value and "Termin" in b.cell(row=4, column=2).value


def test_generate_command_takes_contact_deadline_and_branches(tmp_path):
    from xl_afbp.cli import main

    assert main(["generate", "--year", "2016", "--out", str(tmp_path), "--contact", CONTACT, "--deadline", "2017-03-31", "--branches", "40"]) == 0
    wb = load_workbook(tmp_path / "afbp-2016-formularz.xlsx")
    assert wb["Instrukcja"]["B3"].value.endswith(CONTACT) and "31 marca 2017" in wb["Instrukcja"]["B4"].value
    sheet, (c1, _, c2, _) = name_targets(wb)[names.k03_row("D4.W1.R5")]
    assert c2 - c1 + 1 == 41
    with pytest.raises(SystemExit):
        main(["generate", "--out", str(tmp_path), "--deadline", "31.03.2017"])


# -- 7. cached values --------------------------------------------------------------------------
def _inputs(path: Path, engine):
    from xl_afbp.formdata import FormData

    spec = engine.spec
    v = read_named_values(path, [names.item(i.nr) for i in spec.numeric_items] + [names.basic(b.key) for b in spec.basic] + [names.previous(i.nr) for i in spec.numeric_items])
    return FormData(
        items={i.nr: v[names.item(i.nr)] for i in spec.numeric_items},
        basic={b.key: v[names.basic(b.key)] for b in spec.basic},
        previous={i.nr: v[names.previous(i.nr)] for i in spec.numeric_items},
    )


@pytest.mark.parametrize("which", ["personal", "plain_personal", "blank"])
def test_cached_results_equal_the_engine(which, request, engine):
    """A previewer that does not calculate shows statuses and indicators: every named
    result carries the engine's value for what the form holds (read back from the file)."""
    from oracle import mismatches

    path = request.getfixturevalue(which)
    wanted = [f.name for f in engine.formulas]
    cached = read_named_values(path, wanted)
    py = engine.values(_inputs(path, engine))
    assert not mismatches(py, cached, wanted)
    assert cached[names.STATUS] == status.INCOMPLETE and cached[names.MISSING]  # a fresh form holds no items yet
    with zipfile.ZipFile(path) as zf:
        sheets = "".join(zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/worksheets/"))
    assert not re.search(r"</f><v\s*/>", sheets), "a formula without its cached result"
    if which != "blank":
        assert cached[names.rule("B3")] == status.OK and isinstance(cached[names.indicator("Z11")], float)


def test_cached_display_cells_equal_their_meaning(personal, library):
    """The comparison columns carry values computed independently here."""
    wb = load_workbook(personal, data_only=True)
    formulas = load_workbook(personal)
    targets = name_targets(formulas)
    _, (c, r, _, _) = targets[names.previous(1)]
    change = wb["Formularz"].cell(row=r, column=c + 1).value
    assert change == pytest.approx((library.mieszkancy - (library.mieszkancy - 100)) / (library.mieszkancy - 100))
    _, (c, r, _, _) = targets[names.median("Z11")]
    z11 = library.mieszkancy / (library.filie + 1)
    assert wb["Wskaźniki"].cell(row=r, column=c - 1).value == pytest.approx(z11)
    assert wb["Wskaźniki"].cell(row=r, column=c + 1).value == pytest.approx(z11 / 4000 * 100)


def test_excel_recalculates_on_open(personal, blank):
    """ECMA-376 §18.2.2: fullCalcOnLoad makes Excel recalculate the workbook when it opens."""
    for path in (personal, blank):
        assert re.search(r'<calcPr [^>]*fullCalcOnLoad="1"', xml(path, "xl/workbook.xml"))


def test_copies_are_sound_zips(personal, plain_personal, blank):
    """A copy's sheets are joined from separately compressed segments: every member still
    inflates to data with the CRC and size the zip directory states."""
    for path in (personal, plain_personal, blank):
        with zipfile.ZipFile(path) as zf:
            assert zf.testzip() is None
            assert all(len(zf.read(i)) == i.file_size for i in zf.infolist())


@pytest.mark.libreoffice
def test_cached_results_are_what_libreoffice_and_gnumeric_compute(personal, blank, tmp_path):
    """Every formula cell of a generated form (named results and display cells alike)
    carries the value LibreOffice and Gnumeric compute for it when they recalculate."""
    from oracle import gnumeric_recalculate, same

    from xl_afbp.demo import libreoffice

    files = [personal, blank]
    engines = {"LibreOffice": libreoffice.recalculate(files, tmp_path / "lo"), "Gnumeric": gnumeric_recalculate(files, tmp_path / "gn")}
    for path in files:
        formulas, cached = load_workbook(path), load_workbook(path, data_only=True)
        cells = [(t, c.coordinate) for t in VISIBLE for row in formulas[t].iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
        assert len(cells) > 300
        for engine, out in engines.items():
            other = load_workbook(out[path], data_only=True)
            bad = []
            for t, ref in cells:
                ours, theirs = cached[t][ref].value, other[t][ref].value
                if not same(None if ours == "" else ours, None if theirs == "" else theirs):
                    bad.append((t, ref, ours, theirs))
            assert not bad, (engine, path.name, bad[:10])
