"""Single-cell dynamic-array formulas in the analyst workbook (:mod:`xl_afbp.spill`).

Excel 365 is not available here, so what we write is compared part by part with an
independent writer that implements Excel's dynamic-array metadata (XlsxWriter's
``write_dynamic_array_formula``), and LibreOffice must open the file and keep the formulas.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile

from openpyxl.utils import get_column_letter
from pathlib import Path

import pytest

from xl_afbp.analyst import ARRAY_SHEET, write_analyst_workbook
from xl_afbp.engine import get_engine

KEY_INDICATORS = get_engine(2016).spec.key_indicators
from xl_afbp.spill import METADATA_PART

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _sheet_part(z: zipfile.ZipFile, title: str) -> str:
    """The worksheet part of the sheet ``title`` (workbook.xml → relationships)."""
    wb = ET.fromstring(z.read("xl/workbook.xml"))
    rid = next(s.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
               for s in wb.iter("{%s}sheet" % NS["m"]) if s.get("name") == title)
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = next(r.get("Target") for r in rels.iter(f"{REL}Relationship") if r.get("Id") == rid)
    return "xl/" + target.lstrip("/").removeprefix("xl/")


def _array_cells(xml: bytes) -> dict[str, tuple[dict, dict, str]]:
    """cell → (cell attributes, formula attributes, formula text) of every array formula."""
    out = {}
    for c in ET.fromstring(xml).iter("{%s}c" % NS["m"]):
        f = c.find("m:f", NS)
        if f is not None and f.get("t") == "array":
            out[c.get("r")] = (dict(c.attrib), dict(f.attrib), f.text)
    return out


def _reference(tmp_path: Path, formulas: dict[str, str]) -> Path:
    """The same formulas written by XlsxWriter as dynamic-array formulas."""
    xlsxwriter = pytest.importorskip("xlsxwriter")  # in the test extra: installed by `make test`
    path = tmp_path / "reference.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(ARRAY_SHEET)
    for cell, formula in formulas.items():
        ws.write_dynamic_array_formula(cell, "=" + formula)
    wb.close()
    return path


def test_analyst_array_functions_spill_from_one_cell(tmp_path):
    """Defect: fixed-size array formulas ("OK" repeated in 48 cells of AFBP_CHECKS, shorter
    results padded with #N/A). Each array function is now one formula in one cell, marked
    as a dynamic array exactly as XlsxWriter (and Excel) mark it."""
    ours = zipfile.ZipFile(write_analyst_workbook(tmp_path / "ours"))
    cells = _array_cells(ours.read(_sheet_part(ours, ARRAY_SHEET)))
    assert {c: f[2].split("(")[0] for c, f in cells.items()} == {
        "A2": "AFBP_INDICATORS", "F2": "AFBP_INFO", "F5": "AFBP_CHECKS", "K3": "AFBP_INDICATOR"}
    last = get_column_letter(10 + len(KEY_INDICATORS))  # one code a column from K on
    assert re.fullmatch(rf"AFBP_INDICATOR\(K2:{last}2,'Biblioteki'!\$B\$1:\$AU\$1,'Biblioteki'!B2:AU2\)", cells["K3"][2])

    ref = zipfile.ZipFile(_reference(tmp_path, {c: f[2] for c, f in cells.items()}))
    ref_cells = _array_cells(ref.read(_sheet_part(ref, ARRAY_SHEET)))
    for cell, (attrs, f_attrs, text) in cells.items():
        ref_attrs, ref_f, ref_text = ref_cells[cell]
        assert (attrs.get("cm"), f_attrs, text) == (ref_attrs.get("cm"), ref_f, ref_text), cell
    assert ET.canonicalize(ours.read(METADATA_PART).decode()) == ET.canonicalize(ref.read(METADATA_PART).decode())

    def metadata_type(z):
        types = ET.fromstring(z.read("[Content_Types].xml"))
        return {o.get("PartName"): o.get("ContentType") for o in types}["/" + METADATA_PART]

    def metadata_rel(z):
        rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        return {(r.get("Type"), r.get("Target")) for r in rels if r.get("Target") == "metadata.xml"}

    assert metadata_type(ours) == metadata_type(ref)
    assert metadata_rel(ours) == metadata_rel(ref) != set()
    rel_ids = [r.get("Id") for r in ET.fromstring(ours.read("xl/_rels/workbook.xml.rels"))]
    assert len(rel_ids) == len(set(rel_ids))
    # the library table's per-row functions stay ordinary formulas
    table = ours.read(_sheet_part(ours, "Biblioteki")).decode()
    assert 't="array"' not in table and 'cm="' not in table


@pytest.mark.libreoffice
def test_libreoffice_opens_the_spilling_workbook_and_keeps_its_formulas(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    from xl_afbp.demo.libreoffice import recalculate

    path = write_analyst_workbook(tmp_path / "in")
    out = recalculate([path], tmp_path / "out")[path]
    ws = openpyxl.load_workbook(out)[ARRAY_SHEET]
    for cell, name in {"A2": "AFBP_INDICATORS", "F5": "AFBP_CHECKS", "K3": "AFBP_INDICATOR"}.items():
        value = ws[cell].value  # LibreOffice writes names it does not know in lower case
        assert value.ref in (cell, f"{cell}:{cell}") and value.text.upper().startswith(f"={name}("), (cell, value.ref, value.text)
    assert tuple(ws.cell(row=2, column=11 + j).value for j in range(len(KEY_INDICATORS))) == KEY_INDICATORS
