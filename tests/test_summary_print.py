"""podsumowanie.xlsx prints (issue 13, item 9): every sheet of a region of 120 libraries,
printed on its own by LibreOffice, is one page wide and at most ~10 A4 pages, with the region,
the year and the page number in its header and footer. Before: 72 pages, Biblioteki alone 44.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from xl_afbp import consolidate as c
from xl_afbp.demo import libreoffice
from xl_afbp.demo.render import _only_sheet
from xl_afbp.demo.simulate import simulate_form
from xl_afbp.outputs.summary import write_workbook
from xl_afbp.reader import Submission
from xl_afbp.regions import build_library_list

LIBRARIES = 120
MAX_PAGES = 10


@pytest.fixture(scope="module")
def printed(tmp_path_factory, engine):
    root = tmp_path_factory.mktemp("print120")
    rows = build_library_list("wielkopolskie")[:LIBRARIES]
    subs = []
    for i, r in enumerate(rows):
        form = simulate_form(r["mieszkancy"], r["filie"], seed=f"p-{r['id']}", podtyp=r["podtyp"], organizator=r["organizator"], www=r["www"] or None)
        form.basic |= {"NAZWA": r["nazwa"], "PODTYP": r["podtyp"], "POWIAT": r["powiat"], "GMINA": r["gmina"]}
        subs.append(Submission(path=root / f"{r['id']}.xlsx", name=f"{r['id']}.xlsx", sha256=f"{i:064x}", size=1, verdict="accepted", code="ok", reason="", library_id=r["id"], meta={"library_id": r["id"], "year": 2016, "teryt": r["teryt"]}, data=form))
    con = c.consolidate(subs, engine=engine, expected=rows, region="wielkopolskie")
    book = write_workbook(con, root / "podsumowanie.xlsx", engine=engine)
    sheets = [ws.title for ws in load_workbook(book, read_only=True).worksheets]
    variants = {}
    for i, sheet in enumerate(sheets):
        variant = root / "sheets" / f"s{i:02d}.xlsx"
        variant.parent.mkdir(exist_ok=True)
        _only_sheet(book, variant, sheet)
        variants[sheet] = variant
    pdfs = libreoffice.to_pdf(list(variants.values()), root / "pdf")
    pages = {sheet: len(re.findall(rb"/Type\s*/Page[^s]", pdfs[v].read_bytes())) for sheet, v in variants.items()}
    return book, pages


@pytest.mark.libreoffice
def test_no_sheet_prints_over_ten_pages_for_120_libraries(printed):
    _, pages = printed
    assert len(pages) >= 12
    over = {s: n for s, n in pages.items() if n > MAX_PAGES}
    assert not over, f"sheets over {MAX_PAGES} pages: {over} (all: {pages})"


def test_every_sheet_fits_the_width_with_titles_header_and_footer(printed):
    book, _ = printed
    wb = load_workbook(book)
    for ws in wb.worksheets:
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) and ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0, ws.title
        assert "wielkopolskie" in ws.oddHeader.left.text and "2016" in ws.oddHeader.right.text, ws.title
        assert "&P" in ws.oddFooter.right.text and "&N" in ws.oddFooter.right.text, ws.title
        if ws.max_row > 30:
            assert ws.print_title_rows, ws.title
    with zipfile.ZipFile(book) as zf:
        xml = zf.read("xl/workbook.xml").decode()
    assert "_xlnm.Print_Titles" in xml
