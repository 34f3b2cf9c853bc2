"""Tests for xl_afbp.demo.libreoffice: LibreOffice as a formula oracle and renderer.

These tests need LibreOffice (``apt-get install libreoffice-calc``) and
poppler-utils.  They are deliberately NOT skipped when those are missing:
a silently skipped oracle would let wrong formulas through, so the tests fail
loudly with the install hint instead.

The recalculation test converts all its workbooks in one batched call (one
soffice start per worker), which keeps it to a few seconds.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName

try:
    from xl_afbp.demo import libreoffice as lo
except ImportError:  # running pytest from outside the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from xl_afbp.demo import libreoffice as lo

STALE = "999"


@pytest.fixture(scope="module")
def soffice() -> str:
    # Fails (does not skip) without LibreOffice, with an install hint.
    return lo.require_soffice()


def _make_sum(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["A2"], ws["A3"] = 2, 3, "=A1+A2"
    wb.save(path)


def _make_defined_name(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Dane"
    ws["A1"] = 200
    ws["B1"] = 0.23
    ws["A2"] = "=A1*Stawka"
    wb.defined_names["Stawka"] = DefinedName("Stawka", attr_text="Dane!$B$1")
    wb.save(path)


def _make_stale(path: Path) -> None:
    """A formula cell whose cached value (999) is wrong, as Excel would save it.

    openpyxl writes ``<f>A1+A2</f><v />`` and sets ``fullCalcOnLoad``; we
    inject a stale ``<v>999</v>`` and drop ``fullCalcOnLoad`` so that nothing
    in the file asks for recalculation.  Only the always-recalculate profile
    setting makes LibreOffice compute 42 instead of keeping 999.
    """
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["A2"], ws["A3"] = 20, 22, "=A1+A2"
    tmp = path.with_suffix(".tmp.xlsx")
    wb.save(tmp)
    with zipfile.ZipFile(tmp) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text, n = re.subn(
                    r"<f>A1\+A2</f>\s*(?:<v\s*/>|<v>[^<]*</v>)?",
                    f"<f>A1+A2</f><v>{STALE}</v>",
                    data.decode(),
                )
                assert n == 1, "formula cell not found in sheet XML"
                data = text.encode()
            elif item.filename == "xl/workbook.xml":
                data = re.sub(rb'\s*fullCalcOnLoad="[^"]*"', b"", data)
            dst.writestr(item, data)
    tmp.unlink()


def _cached(path: Path, cell: str):
    wb = openpyxl.load_workbook(path, data_only=True)
    try:
        return wb.active[cell].value
    finally:
        wb.close()


def test_recalculate_batch(soffice: str, tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    inputs = {
        "sum": src / "sum.xlsx",
        "named": src / "named.xlsx",
        "stale": src / "stale.xlsx",
    }
    _make_sum(inputs["sum"])
    _make_defined_name(inputs["named"])
    _make_stale(inputs["stale"])

    # Preconditions: the inputs hold no (or a wrong) cached value, so a
    # no-op "oracle" that copied the files through would fail below.
    assert _cached(inputs["sum"], "A3") is None
    assert _cached(inputs["named"], "A2") is None
    assert _cached(inputs["stale"], "A3") == int(STALE)

    outdir = tmp_path / "out"
    result = lo.recalculate(list(inputs.values()), outdir, workers=2)

    assert set(result) == set(inputs.values())
    for inp, out in result.items():
        assert out == outdir / inp.name
        assert out.is_file()
    assert not list(outdir.glob(".lo-stage-*")), "staging directories left behind"

    assert _cached(result[inputs["sum"]], "A3") == 5
    assert _cached(result[inputs["named"]], "A2") == pytest.approx(46.0)
    # The decisive check: the stale 999 must have been recalculated.
    assert _cached(result[inputs["stale"]], "A3") == 42
    # Formulas survive the round trip (the output is still a live workbook).
    wb = openpyxl.load_workbook(result[inputs["named"]])
    assert wb.active["A2"].value.replace("$", "").upper() == "=A1*STAWKA"
    assert "Stawka" in wb.defined_names


def test_to_pdf_and_png(soffice: str, tmp_path: Path) -> None:
    book = tmp_path / "render.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"], ws["A2"], ws["A3"] = 1234, 4321, "=A1+A2"
    wb.save(book)

    pdfs = lo.to_pdf([book], tmp_path / "pdf", workers=1)
    pdf = pdfs[book]
    assert pdf.read_bytes()[:5] == b"%PDF-"

    # The rendering shows the computed value, not just the formula text.
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext missing: apt-get install poppler-utils"
    text = subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "5555" in text

    pngs = lo.pdf_to_png(pdf, tmp_path / "png", dpi=50)
    assert len(pngs) >= 1
    data = pngs[0].read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # IHDR
    assert width > 100 and height > 100


def test_unloadable_file_is_named_in_error(soffice: str, tmp_path: Path) -> None:
    """soffice exits 0 even when it cannot load a file; we must still notice."""
    bad = tmp_path / "garbage.xlsx"
    bad.write_bytes(b"this is not a zip archive")
    good = tmp_path / "good.xlsx"
    _make_sum(good)
    outdir = tmp_path / "out"
    with pytest.raises(lo.LibreOfficeError, match="garbage.xlsx") as exc:
        lo.recalculate([bad, good], outdir, workers=1)
    assert exc.value.missing == [bad.resolve()]
    assert _cached(outdir / "good.xlsx", "A3") == 5  # the rest still converted


def test_rejects_missing_and_clashing_inputs(tmp_path: Path) -> None:
    """Input validation happens before LibreOffice starts."""
    with pytest.raises(lo.LibreOfficeError, match="do not exist") as exc:
        lo.recalculate([tmp_path / "nope.xlsx"], tmp_path / "out")
    assert exc.value.missing == [tmp_path / "nope.xlsx"]

    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        _make_sum(tmp_path / sub / "same.xlsx")
    with pytest.raises(lo.LibreOfficeError, match="same output name"):
        lo.recalculate([tmp_path / "a" / "same.xlsx", tmp_path / "b" / "same.xlsx"], tmp_path / "out")

    with pytest.raises(lo.LibreOfficeError, match="overwrite its input"):
        lo.recalculate([tmp_path / "a" / "same.xlsx"], tmp_path / "a")


def test_require_soffice_hint(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XL_AFBP_SOFFICE", str(tmp_path / "no-such-soffice"))
    assert lo.find_soffice() is None
    with pytest.raises(lo.LibreOfficeError, match="apt-get install libreoffice-calc"):
        lo.require_soffice()
