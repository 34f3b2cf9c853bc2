"""The form printed by LibreOffice: every sheet on A4 within a page bound, no text under 8 pt.

Each visible sheet of three forms (personalised with last year's values and a benchmark,
personalised plain, blank) is printed on its own to PDF by LibreOffice in one batch; the
PDF's page count and the size of every character drawn (pdfminer: the font size times the
page's scaling) are read back. Before this check, *Kontrola* printed at about 6 pt.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from xl_afbp.demo import libreoffice
from xl_afbp.outputs.benchmark import Benchmark
from xl_afbp.generate import blank_form, generate_batch, read_libraries
from xl_afbp.demo.render import _only_sheet

SAMPLE_LIBS = Path(__file__).resolve().parents[1] / "xl_afbp" / "data" / "sample_libraries.csv"
SHEETS = ("Instrukcja", "Dane podstawowe", "Formularz", "K-03", "Kontrola", "Wskaźniki")
MIN_PT = 8.0
#: Pages per sheet on A4 (bounds with some room; measured: 1, 2, 6, 3, 5, 3 for the full
#: personalised form). The blank form's K-03 sheet has 31 unit columns and a total: at
#: 100 % that is 5 pages across (the address and label columns repeated on each) by 3 down,
#: rather than one page at 3 pt.
BOUNDS = {
    "full": {"Instrukcja": 1, "Dane podstawowe": 2, "Formularz": 7, "K-03": 3, "Kontrola": 6, "Wskaźniki": 3},
    "plain": {"Instrukcja": 1, "Dane podstawowe": 2, "Formularz": 7, "K-03": 3, "Kontrola": 6, "Wskaźniki": 2},
    "blank": {"Instrukcja": 1, "Dane podstawowe": 2, "Formularz": 7, "K-03": 15, "Kontrola": 6, "Wskaźniki": 2},
}


def printed(pdf: Path) -> tuple[int, list[float]]:
    """(pages, size in points of every visible character drawn)."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar

    def chars(obj):
        if isinstance(obj, LTChar):
            yield obj
        elif hasattr(obj, "__iter__"):
            for child in obj:
                yield from chars(child)

    pages = list(extract_pages(str(pdf)))
    return len(pages), [round(c.size, 2) for p in pages for c in chars(p) if c.get_text().strip()]


@pytest.fixture(scope="module")
def prints(tmp_path_factory):
    libs, _ = read_libraries(SAMPLE_LIBS)
    lib = next(x for x in libs if x.filie == 3)
    out = tmp_path_factory.mktemp("print")
    bench = Benchmark.of_subtype(lib.podtyp, {"Z01": 3.0, "U05": 5.0})
    forms = {
        "full": generate_batch([lib], out / "full", previous={lib.id: {1: 1000, 4: 2000}}, benchmark=bench, workers=1, progress=False)[0],
        "plain": generate_batch([lib], out / "plain", workers=1, progress=False)[0],
        "blank": blank_form(out / "blank"),
    }
    variants = {}
    for kind, path in forms.items():
        for i, sheet in enumerate(SHEETS):
            variant = out / "sheets" / f"{kind}-{i}.xlsx"
            variant.parent.mkdir(exist_ok=True)
            _only_sheet(path, variant, sheet)
            variants[(kind, sheet)] = variant
    pdfs = libreoffice.to_pdf(list(variants.values()), out / "pdf")
    return {key: printed(pdfs[v]) for key, v in variants.items()}


@pytest.mark.libreoffice
@pytest.mark.parametrize("kind", ["full", "plain", "blank"])
def test_every_sheet_prints_within_its_page_bound_at_8_pt_or_more(prints, kind):
    problems = []
    for sheet in SHEETS:
        pages, sizes = prints[(kind, sheet)]
        assert sizes, f"{kind} {sheet}: nothing printed"
        if pages > BOUNDS[kind][sheet]:
            problems.append(f"{sheet}: {pages} pages (bound {BOUNDS[kind][sheet]})")
        if min(sizes) < MIN_PT:
            small = sum(1 for s in sizes if s < MIN_PT)
            problems.append(f"{sheet}: {small} characters under {MIN_PT} pt (smallest {min(sizes)} pt)")
    assert not problems, f"{kind}: " + "; ".join(problems)
