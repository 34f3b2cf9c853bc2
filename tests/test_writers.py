"""Every writer safe on its own (issue 14's output writers): text from a returned file –
a formula, a tab or CR first, ``_xD800_``, lone surrogates, control characters, ``$\\foo$``
– never becomes a formula, never breaks a row, never crashes a writer; one writer's failure
leaves the others written and says why. And the one rounding against Excel's ROUND as
LibreOffice computes it.
"""

from __future__ import annotations

import csv
import math
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from xl_afbp import consolidate as c
from xl_afbp.demo.simulate import simulate_form
from xl_afbp.jobs import consolidation as job
from xl_afbp.outputs.csvfiles import EXCEL_PL, MACHINE, write_csv
from xl_afbp.outputs.numbers import excel_round, format_number
from xl_afbp.reader import Submission

HOSTILE = [
    '=HYPERLINK("http://example.com","klik")',
    "+48 91 000",
    "-2+3",
    "@SUMA(A1)",
    "\t=1+1",
    "\r=1+1",
    "a\rb",
    "a\nb;c\"d",
    "_xD800_ i _x0041_",
    "lone \ud800 surrogate \udcff",
    "ctrl \x01\x02\x1f end",
    "$\\foo$ i $x^2$",
]


def _libreoffice_cells(path: Path, work: Path, filter_opts: str) -> list[list[str]]:
    """The cells of a file as LibreOffice reads it (converted to CSV by soffice)."""
    from xl_afbp.demo.libreoffice import require_soffice

    out = work / "lo"
    spec = f"csv:Text - txt - csv (StarCalc):{filter_opts}"
    cmd = [require_soffice(), f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore"]
    if path.suffix == ".csv":
        cmd += ["--infilter=CSV:59,34,76,1,,1045"]
    subprocess.run([*cmd, "--convert-to", spec, "--outdir", str(out), str(path)], capture_output=True, timeout=180, check=True)
    (found,) = out.glob("*.csv")
    with open(found, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh, delimiter="|"))


@pytest.mark.libreoffice
def test_csv_writer_keeps_hostile_text_as_one_text_cell_in_libreoffice(tmp_path):
    rows = [{"k": i, "tekst": t, "liczba": 1234.5} for i, t in enumerate(HOSTILE)]
    path = write_csv(tmp_path / "wrogi.csv", ["k", "tekst", "liczba"], rows, dialect=EXCEL_PL, decimals={"liczba": 1})
    cells = _libreoffice_cells(path, tmp_path, "124,34,76,1,,1033,false,true,false")
    assert len(cells) == 1 + len(HOSTILE), cells  # no field broke its row (a bare CR included)
    for i, text in enumerate(HOSTILE, start=1):
        k, shown, number = cells[i]
        assert k == str(i - 1)
        assert not shown.startswith(("=", "+", "@")) or shown.startswith("'"), shown
        assert number in ("1234.5", "1234,5"), number  # a number, with the Polish decimal comma read as such
    assert "\ufffd" in cells[HOSTILE.index("lone \ud800 surrogate \udcff") + 1][1]


def test_csv_dialects_bytes(tmp_path):
    pl = write_csv(tmp_path / "pl.csv", ["a", "b"], [{"a": "Żółć", "b": 3.14159}], dialect=EXCEL_PL, decimals={"b": 2}).read_bytes()
    assert pl == "\ufeffa;b\r\nŻółć;3,14\r\n".encode("utf-8")
    m = write_csv(tmp_path / "m.csv", ["a", "b"], [{"a": "Żółć", "b": 3.14159}], dialect=MACHINE, decimals={"b": 2}).read_bytes()
    assert m == "a,b\r\nŻółć,3.14\r\n".encode("utf-8")


def _hostile_consolidation(engine, tmp_path, text: str, lib_id: str = "L-1"):
    subs = []
    for i in range(4):
        form = simulate_form(5000 + 100 * i, 1, seed=i)
        form.basic |= {"NAZWA": f"{text} {i}", "PODTYP": text if i < 3 else "biblioteka gminy wiejskiej", "POWIAT": text, "GMINA": text}
        name = f"{text[:20]}{i}.xlsx"
        subs.append(Submission(path=tmp_path / name, name=name, sha256=f"{i:x}" * 64, size=1, verdict="accepted", code="ok", reason="", library_id=f"{lib_id}{i}", meta={"library_id": f"{lib_id}{i}", "year": 2016}, data=form))
    return c.consolidate(subs, engine=engine, region=text)


@pytest.mark.parametrize("text", HOSTILE)
def test_every_output_is_written_whatever_the_text(engine, tmp_path, text):
    con = _hostile_consolidation(engine, tmp_path, text)
    out = job.write_outputs(con, tmp_path / "out", engine=engine, feedback=True, database=job.RunDatabase(con, tmp_path / "db.sqlite", engine))
    for name in ("podsumowanie.xlsx", "raport.html", "raport.pdf", "kontrola.html", "biblioteki.csv", "benchmark-2016.csv", "korespondencja.csv"):
        assert name in out, name
    with zipfile.ZipFile(out["podsumowanie.xlsx"]) as zf:
        for n in zf.namelist():
            if n.startswith("xl/worksheets/"):
                data = zf.read(n)
                assert b"<f>" not in data and b"<f " not in data, n
    load_workbook(out["podsumowanie.xlsx"])  # a valid package


@pytest.mark.libreoffice
def test_xlsx_text_reads_back_as_typed_in_libreoffice(engine, tmp_path):
    text = "_xD800_ i _x0041_ =1+1"
    con = _hostile_consolidation(engine, tmp_path, text)
    out = job.write_outputs(con, tmp_path / "out", engine=engine)
    names = load_workbook(out["podsumowanie.xlsx"], read_only=True).sheetnames
    from xl_afbp.demo.libreoffice import require_soffice

    spec = f"csv:Text - txt - csv (StarCalc):124,34,76,1,,1033,false,true,false,false,false,{names.index('Biblioteki') + 1}"
    subprocess.run([require_soffice(), f"-env:UserInstallation={(tmp_path / 'p').as_uri()}", "--headless", "--convert-to", spec, "--outdir", str(tmp_path / "lo"), str(out["podsumowanie.xlsx"])], capture_output=True, timeout=180, check=True)
    (found,) = (tmp_path / "lo").glob("*.csv")
    content = found.read_text(encoding="utf-8")
    assert f"{text} 0" in content, content[:2000]


def test_charts_do_not_parse_text_as_mathtext():
    from xl_afbp.outputs import charts

    uri = charts.counts_chart(["$\\foo$", "a $x^{2$ b", "\ud800"], [1, 2, 3], xlabel="$\\bar$")
    assert uri.startswith("data:image/png;base64,")
    uri = charts.index_chart(["$\\foo$ wskaźnik"], [250.0])
    assert uri.startswith("data:image/png;base64,")


@pytest.fixture
def returned_folder(tmp_path, engine):
    from xl_afbp.generate import generate_batch, read_libraries
    from xl_afbp.workbook.fill import fill_form

    libs, _ = read_libraries(Path(__file__).resolve().parents[1] / "xl_afbp" / "data" / "sample_libraries.csv")
    forms = generate_batch(libs[1:4], tmp_path / "forms", workers=1, progress=False)
    folder = tmp_path / "returned"
    folder.mkdir()
    for lib, form in zip(libs[1:4], forms):
        fill_form(form, simulate_form(lib.mieszkancy, lib.filie, seed=lib.id, podtyp=lib.podtyp, organizator=lib.organizator), folder / form.name)
    return folder


def test_a_database_failure_leaves_the_outputs_and_is_reported(returned_folder, tmp_path, capsys):
    from xl_afbp.cli import main

    db = tmp_path / "db-is-a-folder"
    db.mkdir()
    code = main(["consolidate", str(returned_folder), "--out", str(tmp_path / "out"), "--db", str(db), "--quiet"])
    printed = capsys.readouterr().out
    assert code == 1 and "Nie zapisano: database" in printed and "Odrzucono" not in printed
    for name in ("podsumowanie.xlsx", "raport.html", "raport.pdf", "kontrola.html", "region.csv"):
        assert (tmp_path / "out" / name).is_file(), name


# ----------------------------------------------------------------------------- one rounding
TRICKY = [4.35, 2.675, 1.005, 0.285, -2.5, -0.125, 1234.5, 4.3499999, 0.1 + 0.2, 1.2349999999999999, 8.325, 1e-7, 123456789.125, -1.5, 0.5, 2.5]


def test_excel_round_equals_libreoffice_round(tmp_path):
    """``excel_round`` against Excel's ROUND as LibreOffice computes it (recalculated)."""
    from xl_afbp.demo import libreoffice

    wb = Workbook()
    ws = wb.active
    for r, v in enumerate(TRICKY, start=1):
        ws.cell(row=r, column=1, value=v)
        for d in range(3):
            ws.cell(row=r, column=2 + d, value=f"=ROUND(A{r},{d})")
    src = tmp_path / "round.xlsx"
    wb.save(src)
    out = libreoffice.recalculate([src], tmp_path / "lo")[src]
    got = load_workbook(out, data_only=True).active
    for r, v in enumerate(TRICKY, start=1):
        for d in range(3):
            lo = got.cell(row=r, column=2 + d).value
            assert excel_round(v, d) == pytest.approx(lo, rel=0, abs=1e-12), (v, d, lo)


def _decimal_format_number(v, decimals, style):
    """The straightforward way (every value through Decimal), which the digit fast path of
    :func:`format_number` must equal."""
    from xl_afbp.outputs.numbers import excel_decimal

    d = excel_decimal(float(v), decimals)
    if d == 0:
        d = abs(d)
    whole, _, frac = f"{abs(d):.{decimals}f}".partition(".")
    if style.thousands and len(whole) > 3:
        whole = f"{int(whole):,}".replace(",", style.thousands)
    return ("-" if d < 0 else "") + whole + (style.decimal + frac if frac else "")


def _decimal_value_decimals(v, declared):
    from decimal import Context, ROUND_HALF_EVEN

    d = Context(prec=15, rounding=ROUND_HALF_EVEN).create_decimal(repr(float(v))).normalize()
    return max(declared, min(int(max(0, -d.as_tuple().exponent)), 10))


_TRICKY = [4.35, 2.5, -2.5, 0.5, 1.005, 2.675, 0.045, 1e15 - 0.5, 123456789012345.0, 999999999999999.9, 0.1 + 0.2,
           2.4999999999999996, 0.49999999999999994, 1e-7, 5e-324, 1.7976931348623157e308, -0.0, 0.0, 9.995, 99.95, -0.004, 1e16, 12345678901234567.0,
           0.1234567890123455, 0.1234567890123465, 1.0000000000000002, 9.999999999999998, 0.9999999999999999, 12.345678901234565, 123456789012345.6,
           12345.678901234565, 12345.678901234545, 123.45678901234565, 12345.67890123465, 12345.67890123445]


@pytest.mark.parametrize("v", _TRICKY)
@pytest.mark.parametrize("decimals", [0, 1, 2, 3, 10])
def test_format_number_fast_path_equals_decimal_on_tricky_values(v, decimals):
    from xl_afbp.outputs.numbers import MACHINE as MACHINE_NUMBERS, POLISH, value_decimals

    for style in (POLISH, MACHINE_NUMBERS):
        assert format_number(v, decimals, style) == _decimal_format_number(v, decimals, style), (v, decimals)
    assert value_decimals(v, decimals) == _decimal_value_decimals(v, decimals), (v, decimals)


def test_format_number_fast_path_equals_decimal_on_any_float():
    """Hypothesis: any finite float, whole numbers, values on a half of the last decimal
    and numpy scalars are written as the Decimal way writes them."""
    import numpy as np
    from hypothesis import given, settings, strategies as hs

    from xl_afbp.outputs.numbers import POLISH, value_decimals

    halves = hs.builds(lambda n, d: (n + 0.5) / 10**d, hs.integers(-10**12, 10**12), hs.integers(0, 6))
    values = hs.one_of(hs.floats(allow_nan=False, allow_infinity=False), hs.integers(-10**16, 10**16).map(float), halves,
                       hs.floats(-1e6, 1e6).map(lambda f: round(f, 3)))

    @settings(max_examples=3000, deadline=None)
    @given(values, hs.integers(0, 10), hs.booleans())
    def check(v, decimals, numpy):
        x = np.float64(v) if numpy else v
        assert format_number(x, decimals, POLISH) == _decimal_format_number(v, decimals, POLISH), (v, decimals)
        assert value_decimals(x, decimals) == _decimal_value_decimals(v, decimals), (v, decimals)

    check()


def test_format_numbers_and_write_frame_equal_the_cell_by_cell_way(tmp_path):
    """Hypothesis: :func:`format_numbers` (a column at once) equals :func:`format_number` of
    each value, and :func:`write_frame` (column by column) writes the bytes :func:`write_csv`
    writes from the frame's rows, for tables of floats, mixed objects (numbers, None, text,
    bools) and text, with fixed and per-row decimals, in both dialects."""
    import numpy as np
    import pandas as pd
    from hypothesis import given, settings, strategies as hs

    from xl_afbp.outputs.csvfiles import write_frame
    from xl_afbp.outputs.numbers import MACHINE as MACHINE_NUMBERS, POLISH, format_numbers

    halves = hs.builds(lambda n, d: (n + 0.5) / 10**d, hs.integers(-10**9, 10**9), hs.integers(0, 4))
    floats = hs.one_of(hs.floats(allow_nan=True, allow_infinity=True), halves, hs.floats(-1e4, 1e4).map(lambda f: round(f, 2)), hs.integers(-10**16, 10**16).map(float))
    mixed = hs.one_of(floats, hs.integers(-10**17, 10**17), hs.none(), hs.booleans(), hs.sampled_from(["12", "=1+1", "tak", "", "3,5"]))

    @settings(max_examples=300, deadline=None)
    @given(hs.lists(floats, max_size=30), hs.integers(0, 6), hs.booleans())
    def column(values, decimals, machine):
        style = MACHINE_NUMBERS if machine else POLISH
        per_value = [(k * 7) % 5 for k in range(len(values))]
        assert format_numbers(np.array(values, dtype=float), decimals, style) == [format_number(v, decimals, style) for v in values]
        assert format_numbers(values, per_value, style, empty="") == [format_number(v, d, style, empty="") for v, d in zip(values, per_value)]

    @settings(max_examples=150, deadline=None)
    @given(hs.integers(0, 12).flatmap(lambda n: hs.tuples(hs.lists(floats, min_size=n, max_size=n), hs.lists(mixed, min_size=n, max_size=n),
                                                          hs.lists(hs.one_of(hs.just(1), mixed), min_size=n, max_size=n))), hs.booleans())
    def table(cols, machine):
        f, o, o2 = cols
        df = pd.DataFrame({"f": pd.Series(f, dtype=float), "fixed": pd.Series(f, dtype=float), "free": pd.Series(f, dtype=float),
                           "o": pd.Series(o, dtype=object), "o2": pd.Series(o2, dtype=object), "kod": ["A", "B", "C"] * 4 if len(f) == 12 else ["A"] * len(f)})
        decimals = {"f": lambda row: 3 if row["kod"] == "A" else 1, "fixed": 2, "o": lambda row: value_decimals(row.get("o"), 1), "o2": 0}
        dialect = MACHINE if machine else EXCEL_PL
        a, b = tmp_path / "frame.csv", tmp_path / "rows.csv"
        write_frame(df, a, dialect=dialect, decimals=decimals)
        write_csv(b, list(df.columns), df.to_dict("records"), dialect=dialect, decimals=decimals)
        assert a.read_bytes() == b.read_bytes()

    from xl_afbp.outputs.numbers import value_decimals

    column()
    table()


def test_format_number_writes_the_rounded_value():
    assert format_number(4.35, 1) == "4,4"  # Python's f"{4.35:.1f}" says 4.3
    assert format_number(123.5, 0) == "124" and format_number(-0.004, 2) == "0,00"
    assert format_number(1234567.891, 2) == "1\u202f234\u202f567,89"
    assert format_number(math.nan, 2) == "—"


def test_raport_pdf_renders_in_a_fresh_process_and_a_failure_falls_back(tmp_path):
    """The publication's PDF is rendered by another interpreter (not a fork: a fork counts
    the consolidating process's memory again); when that process cannot write it, the job
    renders it itself – so its real error is the one reported."""
    import os

    from xl_afbp.outputs.pdfprocess import start_pdf

    source = tmp_path / "raport.html"
    source.write_text("<html><body><h1>Raport zażółć</h1></body></html>", encoding="utf-8")
    job = start_pdf(source, tmp_path / "raport.pdf")
    assert isinstance(job.proc, subprocess.Popen) and job.proc.pid != os.getpid()
    assert job.wait()
    assert "Raport zażółć" in subprocess.run(["pdftotext", str(job.target), "-"], capture_output=True, text=True, check=True).stdout
    missing = start_pdf(tmp_path / "brak.html", tmp_path / "brak.pdf")
    assert missing.wait() is False and not (tmp_path / "brak.pdf").exists()


def test_a_renderer_started_before_the_document_renders_it_or_leaves_quietly(tmp_path):
    """The job starts the PDF's interpreter before the document exists (it loads WeasyPrint
    while the publication is built) and names the document later: the PDF is the document's, whatever its path
    holds; a renderer never given a document exits by itself once closed."""
    from xl_afbp.outputs.pdfprocess import start_renderer

    folder = tmp_path / "ścieżka\tz tabulatorem"
    folder.mkdir()
    source = folder / "raport.html"
    source.write_text("<html><body><h1>Publikacja gęślą</h1></body></html>", encoding="utf-8")
    with start_renderer() as renderer:
        child = renderer.proc
        assert child is not None and child.poll() is None  # waiting for its document
        job = renderer.render(source, folder / "raport.pdf")
    assert job.wait() and "Publikacja gęślą" in subprocess.run(["pdftotext", str(job.target), "-"], capture_output=True, text=True, check=True).stdout
    unused = start_renderer()
    child = unused.proc
    unused.close()
    assert child.returncode == 0 and not list(tmp_path.glob("*.pdf"))


@pytest.mark.parametrize("text", ["$\\foo$ i $x^2$", "Gmina Żółć"])
def test_figures_drawn_by_a_fresh_process_are_the_ones_drawn_here(engine, tmp_path, text):
    """The figures that need no trends are drawn by another interpreter while the job stores
    the database; the publication built with them is, byte for byte, the one that draws
    every figure itself (the oracle: the publication as it was built before)."""
    import os

    from xl_afbp.outputs.figureprocess import start_figures
    from xl_afbp.outputs.publication import figure_charts, publication_html

    con = _hostile_consolidation(engine, tmp_path, text)
    charts = figure_charts(con, engine=engine)
    assert [chart.kind for chart in charts] == ["counts_chart", "ranges_chart", "ranges_chart"]
    with start_figures() as drawing:
        assert drawing.proc is not None and drawing.proc.pid != os.getpid()
        drawing.give(charts)
        drawn = drawing.drawn()
    assert set(drawn) == set(charts)
    here = publication_html(con, engine=engine)
    assert publication_html(con, engine=engine, drawn=drawn) == here
    assert all(here.count(uri) == 1 for uri in drawn.values())


def test_the_publication_takes_the_figures_drawn_elsewhere(engine, tmp_path):
    """A figure whose chart was drawn already is not drawn again: each stands in the
    publication where the one drawn here would (the job's time saved depends on it)."""
    from xl_afbp.outputs.publication import figure_charts, publication_html

    con = _hostile_consolidation(engine, tmp_path, "Gmina Żółć")
    charts = figure_charts(con, engine=engine)
    marks = {chart: f"data:image/png;base64,ZNAK{k}" for k, chart in enumerate(charts)}
    html = publication_html(con, engine=engine, drawn=marks)
    assert [html.find(uri) > 0 for uri in marks.values()] == [True] * len(charts)
    assert html.find(marks[charts[0]]) < html.find(marks[charts[1]]) < html.find(marks[charts[2]])
    assert "data:image/png;base64,iVBOR" not in html  # no figure drawn here


def _children(*markers: str) -> list[int]:
    """This process's living children whose command line names one of ``markers``."""
    import os

    found = []
    for entry in os.listdir("/proc"):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            command = Path(f"/proc/{entry}/cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if entry.isdigit() and int(fields[1]) == os.getpid() and fields[0] != "Z" and any(m.encode() in command for m in markers):
            found.append(int(entry))
    return found


def _kill_children(marker: str) -> list[int]:
    """This process's children whose command line names ``marker``, killed (SIGKILL)."""
    import os
    import signal

    killed = _children(marker)
    for pid in killed:
        os.kill(pid, signal.SIGKILL)
    return killed


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the child in /proc")
def test_a_figure_process_that_dies_leaves_the_figures_to_the_job(engine, tmp_path):
    """The figures' interpreter killed while the job stores the database: the job draws
    the figures itself, and the publication is the one a whole run writes."""
    from xl_afbp.outputs.publication import publication_html

    con = _hostile_consolidation(engine, tmp_path, "Gmina Żółć")
    killed: list[int] = []

    class KillingDatabase(job.RunDatabase):
        """A database that holds the year already (the job stores first) and whose import
        kills the figures' interpreter."""

        def trends_before_import(self):
            return None

        def store(self):
            killed.extend(_kill_children("xl_afbp.outputs.figureprocess"))

    out = job.write_outputs(con, tmp_path / "out", engine=engine, database=KillingDatabase(con, None, engine))
    assert len(killed) == 1
    assert out["raport.html"].read_text(encoding="utf-8") == publication_html(con, engine=engine)
    assert out["raport.pdf"].is_file()


_OUTPUT_CHILDREN = ("xl_afbp.outputs.figureprocess", "xl_afbp.outputs.pdfprocess")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the children in /proc")
def test_children_started_before_the_consolidation_are_used_then_gone(engine, tmp_path):
    """The job starts the figures' and the PDF's interpreters before consolidate() (they load
    matplotlib and WeasyPrint on the core it leaves idle) and gives them to the outputs: the
    publication is the one drawn here, the PDF is rendered, and no interpreter is left."""
    from xl_afbp.outputs.figureprocess import start_figures
    from xl_afbp.outputs.pdfprocess import start_renderer
    from xl_afbp.outputs.publication import publication_html

    drawing, renderer = start_figures(), start_renderer()
    assert len(_children(*_OUTPUT_CHILDREN)) == 2
    con = _hostile_consolidation(engine, tmp_path, "Gmina Żółć")
    out = job.write_outputs(con, tmp_path / "out", engine=engine, drawing=drawing, renderer=renderer)
    assert out["raport.html"].read_text(encoding="utf-8") == publication_html(con, engine=engine)
    text = subprocess.run(["pdftotext", str(out["raport.pdf"]), "-"], capture_output=True, text=True, check=True).stdout
    assert "Gmina Żółć" in text
    assert _children(*_OUTPUT_CHILDREN) == []


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the children in /proc")
def test_a_consolidation_that_fails_leaves_no_interpreter_behind(returned_folder, tmp_path):
    """The interpreters started before consolidate() are stopped when it raises (here: the
    library list named does not exist), and when the outputs cannot even start (the output
    folder is a file): none waits for a document that never comes."""
    with pytest.raises(FileNotFoundError):
        job.run_consolidation([returned_folder], expected=tmp_path / "brak.csv", out=tmp_path / "out", db=None, progress=False)
    assert _children(*_OUTPUT_CHILDREN) == []
    (tmp_path / "plik").write_text("nie folder")
    with pytest.raises(OSError):
        job.run_consolidation([returned_folder], out=tmp_path / "plik" / "out", db=None, progress=False)
    assert _children(*_OUTPUT_CHILDREN) == []
