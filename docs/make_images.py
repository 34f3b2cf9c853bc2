"""Rebuild the README's pictures: a filled form and (when available) a regional summary.

Run: .venv/bin/python docs/make_images.py   (needs LibreOffice; takes ~20 s)
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xl_afbp.outputs.benchmark import Benchmark  # noqa: E402
from xl_afbp.generate import generate_batch, read_libraries  # noqa: E402
from xl_afbp.demo.render import sheet_images  # noqa: E402
from xl_afbp.demo.simulate import inject_mistake, simulate_form, simulate_previous  # noqa: E402
from xl_afbp.workbook.fill import fill_form  # noqa: E402
from xl_afbp.workbook.layout import PERSONAL_BASIC  # noqa: E402
from xl_afbp.demo.run import YEARS as DEMO_YEARS  # noqa: E402

OUT = ROOT / "docs" / "images"


def form_images(work: Path) -> None:
    libs, _ = read_libraries(ROOT / "xl_afbp" / "data" / "sample_libraries.csv")
    lib = next(l for l in libs if l.filie and l.filie <= 5)
    data = simulate_form(lib.mieszkancy, lib.filie, seed="docs", podtyp=lib.podtyp, organizator=lib.organizator, www=lib.www or None)
    previous = simulate_previous(data, seed="docs")
    data = inject_mistake(data, "k03_difference", seed="docs")
    data.basic = {k: v for k, v in data.basic.items() if k not in PERSONAL_BASIC}  # the coordinator prefilled the rest
    bench = Benchmark.of_subtype(lib.podtyp, {ind: value * 1.1 for ind, value in {"Z01": 3.1, "Z02": 150.0, "U01": 15.0, "U03": 2.2, "U05": 3.4, "E01": 60.0}.items()}, n=11, year=2015)
    form = generate_batch([lib], work, previous={lib.id: previous}, benchmark=bench, progress=False, contact="Książnica Pomorska, koordynator AFBP, afbp@ksiaznica.example.pl", deadline=date(2017, 3, 31))[0]
    filled = fill_form(form, data, work / "filled.xlsx")
    sheets = ["Formularz", "Kontrola", "Wskaźniki", "K-03", "Dane podstawowe", "Instrukcja"]
    for sheet, png in sheet_images(filled, OUT, sheets, dpi=70, prefix="form-").items():
        print(sheet, png)


def summary_images() -> None:
    summary = ROOT / "build" / "demo" / str(DEMO_YEARS[-1]) / "summary" / "podsumowanie.xlsx"
    if not summary.exists():
        print(f"no {summary}: run `make demo` first for the summary pictures")
        return
    from openpyxl import load_workbook

    sheets = [ws.title for ws in load_workbook(summary, read_only=True).worksheets if ws.sheet_state == "visible"]
    for sheet, png in sheet_images(summary, OUT, sheets, dpi=70, prefix="summary-").items():
        print(sheet, png)


def pdf_images() -> None:
    """A page of the publication (raport.pdf) and of one feedback sheet, through pdftoppm."""
    import subprocess

    summary = ROOT / "build" / "demo" / str(DEMO_YEARS[-1]) / "summary"
    sheets = sorted((summary / "informacje").glob("*.pdf"))
    for pdf, page, name in ((summary / "raport.pdf", 3, "publication-page"), (sheets[0] if sheets else None, 1, "feedback-page")):
        if pdf is None or not pdf.exists():
            print(f"no {name} source: run `make demo` first")
            continue
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(page), "-l", str(page), "-singlefile", str(pdf), str(OUT / name)], check=True)
        print(pdf.name, OUT / f"{name}.png")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        form_images(Path(tmp))
    summary_images()
    pdf_images()
    shutil.rmtree(OUT / ".render", ignore_errors=True)
