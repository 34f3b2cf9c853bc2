"""Numbers a coordinator can publish (issue 13), through the files a coordinator opens.

A hand-made region of opolskie, filled into real generated forms: the województwo library
beside the Opole city library (both report Opole's population), a powiat library beside its
seat gmina (Nysa), ten gminy wiejskie of one population band with an invalid investment
(−5 000 zł), an invalid satisfaction (4,57), an L1 error and a ten-times spending typo, and
two gminy miejskie forming a group of two. ``xl-afbp consolidate --feedback`` runs on the
returned files; the expectations are computed here, independently: the planted defects
decide what is left out, ``statistics`` and ``decimal`` compute and round.
"""

from __future__ import annotations

import csv
import math
import re
import statistics
import subprocess
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook

from xl_afbp.cli import main
from xl_afbp.demo.simulate import simulate_form
from xl_afbp.formdata import FormData
from xl_afbp.generate import generate_batch, read_libraries
from xl_afbp.regions import build_library_list, write_library_csv
from xl_afbp.workbook.fill import fill_form

YEAR = 2016
WIEJSKIE = 10


@dataclass
class Region:
    out: Path
    datas: dict[str, FormData]
    rows: dict[str, dict]
    plan: dict[str, str]
    printed: str
    code: int


def _fill(job) -> None:
    src, data, dst = job
    fill_form(src, data, dst)


@pytest.fixture(scope="module")
def region(tmp_path_factory, engine) -> Region:
    from concurrent.futures import ProcessPoolExecutor

    root = tmp_path_factory.mktemp("publish")
    rows = build_library_list("opolskie")
    by_id = {r["id"]: r for r in rows}
    w, city, nysa = by_id["OP-1661011-W"], by_id["OP-1661011"], by_id["OP-1607053"]
    wiejskie = [r for r in rows if r["podtyp"] == "biblioteka gminy wiejskiej"][:WIEJSKIE]
    miejskie = [r for r in rows if r["podtyp"] == "biblioteka gminy miejskiej" and r["id"] != city["id"]][:2]
    nysa = dict(nysa, mieszkancy=44000)
    powiat = dict(nysa, id="OP-1607053-P", nazwa="Powiatowa Biblioteka Publiczna w Nysie", organizator="Powiat Nyski", podtyp="biblioteka powiatowa", mieszkancy=39000, filie=0, email="pbp@nysa.example.pl")
    for i, r in enumerate(wiejskie):
        wiejskie[i] = dict(r, mieszkancy=6000 + 300 * i)  # one band: 5 001-10 000
    for i, r in enumerate(miejskie):
        miejskie[i] = dict(r, mieszkancy=30000 + 1000 * i)  # a group of two: gminy miejskiej × 20 001-50 000
    chosen = [w, city, nysa, powiat, *wiejskie, *miejskie]
    libs_csv = root / "biblioteki.csv"
    write_library_csv(chosen, libs_csv)
    libs, skipped = read_libraries(libs_csv)
    assert not skipped
    forms = {p.stem: p for p in generate_batch(libs, root / "forms", progress=False, workers=2)}
    datas = {}
    for lib in libs:
        datas[lib.id] = simulate_form(lib.mieszkancy, lib.filie, seed=f"pub-{lib.id}", podtyp=lib.podtyp, organizator=lib.organizator, www=lib.www or None, survey=True)
        datas[lib.id].basic = {k: v for k, v in datas[lib.id].basic.items() if k in ("PONADLOKALNE", "STATUS_PRAWNY", "STATUS_NAUKOWY")} | {"EMAIL": lib.email}
    plan = {"negative": wiejskie[0]["id"], "satisfaction": wiejskie[1]["id"], "l1": wiejskie[2]["id"], "typo": wiejskie[3]["id"]}
    datas[plan["negative"]].items[27] = -5000
    datas[plan["satisfaction"]].items[3] = 4.57
    datas[plan["l1"]].items[6] = datas[plan["l1"]].items[5] + 100
    datas[plan["typo"]].items[26] = datas[plan["typo"]].items[26] * 10
    returned = root / "returned"
    returned.mkdir()
    with ProcessPoolExecutor(max_workers=2) as pool:
        list(pool.map(_fill, [(forms[i], d, returned / f"{i}.xlsx") for i, d in datas.items()]))
    out = root / "summary"
    import contextlib
    import io

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(["consolidate", str(returned), "--expected", str(libs_csv), "--out", str(out), "--no-db", "--quiet", "--feedback", "--region", "opolskie"])
    return Region(out, datas, {r["id"]: r for r in chosen}, plan, printed.getvalue(), code)


# ----------------------------------------------------------------------------- independent expectations
def excel_round(v: float, d: int) -> Decimal:
    """Half away from zero on the 15-digit value (Excel's ROUND), written independently."""
    return Decimal(f"{v:.15g}").quantize(Decimal(1).scaleb(-d), rounding=ROUND_HALF_UP)


def pl(v: float, d: int) -> str:
    return f"{excel_round(v, d):.{d}f}".replace(".", ",")


def dec(engine, code: str) -> int:
    """Decimals of an indicator's number format in the spec (``0.00`` → 2)."""
    fmt = engine.spec.indicator(code).format
    return len(fmt.split(".")[1]) if "." in fmt else 0


#: the indicators each planted defect leaves out (the items a failed error rule reads)
LEFT_OUT = {"negative": {"R06", "R07"}, "satisfaction": {"U02"}, "l1": {"Z02", "Z03", "Z04", "E08"}}


def accepted(region: Region, engine, code: str, ids=None) -> dict[str, float]:
    out = {}
    for lib_id, data in region.datas.items():
        if ids is not None and lib_id not in ids:
            continue
        if any(lib_id == region.plan[kind] and code in codes for kind, codes in LEFT_OUT.items()):
            continue
        v = engine.evaluate(data).indicators[code]
        if v is not None:
            out[lib_id] = v
    return out


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), f"{path.name}: no UTF-8 BOM"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


class _Tables(HTMLParser):
    """Every <table> of an HTML page as rows of cell texts, with its caption (the paragraph before)."""

    def __init__(self):
        super().__init__()
        self.tables: list[tuple[str, list[list[str]]]] = []
        self.text: list[str] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._last_p = ""
        self._p: list[str] | None = None
        self._style = False

    def handle_starttag(self, tag, attrs):
        self._style = tag in ("style", "script")
        if tag == "table":
            self.tables.append((self._last_p, []))
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "p":
            self._p = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            self.tables[-1][1].append(self._row)
            self._row = None
        elif tag == "p" and self._p is not None:
            self._last_p = "".join(self._p).strip()
            self._p = None

    def handle_data(self, data):
        if self._style:
            self._style = False
            return
        self.text.append(data)
        for buf in (self._cell, self._p):
            if buf is not None:
                buf.append(data)


def html_tables(path: Path) -> _Tables:
    p = _Tables()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def table(parsed: _Tables, caption: str) -> list[list[str]]:
    hits = [rows for cap, rows in parsed.tables if caption in cap]
    assert hits, f"no table {caption!r} in {[c for c, _ in parsed.tables]}"
    return hits[0]


def libreoffice_shown(xlsx: Path, sheet: str, work: Path) -> list[list[str]]:
    """The cells of one sheet as LibreOffice shows them (its number formats applied): CSV
    export "as shown" of that sheet (the filter's sheet number)."""
    from xl_afbp.demo.libreoffice import require_soffice

    names = load_workbook(xlsx, read_only=True).sheetnames
    out = work / "lo-csv"
    spec = f"csv:Text - txt - csv (StarCalc):59,34,76,1,,1033,false,true,true,false,false,{names.index(sheet) + 1}"
    subprocess.run([require_soffice(), f"-env:UserInstallation={(work / 'lo-profile').as_uri()}", "--headless", "--norestore", "--convert-to", spec, "--outdir", str(out), str(xlsx)],
                   capture_output=True, timeout=180, check=True)
    (found,) = out.glob("*.csv")
    with open(found, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh, delimiter=";"))


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


# ----------------------------------------------------------------------------- 1. accepted values only
def test_values_the_tool_marks_wrong_stay_out_of_the_statistics(region, engine):
    stats = {(r["poziom"], r["podtyp"], r["przedzial"], r["wskaznik"]): r for r in read_csv(region.out / "wskazniki_grupy.csv")}
    for code in ("R06", "R07", "U02", "Z02", "Z04", "E08", "U05"):
        values = accepted(region, engine, code)
        r = stats[("region", "(wszystkie)", "", code)]
        left = sum(code in codes for codes in LEFT_OUT.values())
        assert int(r["n"]) == len(values) and int(r["n_pominiete"]) == left, code
        assert r["mediana"] == pl(statistics.median(values.values()), dec(engine, code)), code
        assert r["min"] == pl(min(values.values()), dec(engine, code)), code
    # the -5 000 zł investment is not the published minimum of R06
    assert not read_csv(region.out / "wskazniki_grupy.csv")[0]["min"].startswith("-")
    assert all(not r["min"].startswith("-") for r in stats.values() if r["wskaznik"] == "R06")


def test_the_option_puts_flagged_values_back(region, engine, tmp_path):
    returned = next(region.out.parent.glob("returned"))
    assert main(["consolidate", str(returned), "--out", str(tmp_path), "--no-db", "--quiet", "--include-flagged"]) in (0, 1)
    rows = {(r["poziom"], r["wskaznik"]): r for r in read_csv(tmp_path / "wskazniki_grupy.csv") if r["poziom"] == "region"}
    assert rows[("region", "R06")]["min"].startswith("-") and rows[("region", "R06")]["n_pominiete"] == "0"


def test_review_list_names_the_ten_times_typo(region, engine):
    rows = read_csv(region.out / "do_sprawdzenia.csv")
    mine = [r for r in rows if r["id"] == region.plan["typo"] and r["wskaznik"] == "E01"]
    assert mine, rows
    group = accepted(region, engine, "E01", {r["id"] for r in region.rows.values() if r["podtyp"] == "biblioteka gminy wiejskiej"})
    median = statistics.median(group.values())
    assert mine[0]["mediana"] == pl(median, 2)
    assert float(mine[0]["iloraz"].replace(",", ".")) == pytest.approx(group[region.plan["typo"]] / median, abs=0.05)
    assert float(mine[0]["iloraz"].replace(",", ".")) > 5
    others = {r["id"] for r in rows if r["wskaznik"] == "E01"}
    assert others == {region.plan["typo"]}, "only the typo is far from its group in E01"


# ----------------------------------------------------------------------------- 2. each inhabitant once
def _distinct_population(region: Region) -> float:
    by_unit: dict[str, float] = {}
    for lib_id, data in region.datas.items():
        unit = region.rows[lib_id]["teryt"][:6]
        by_unit[unit] = max(by_unit.get(unit, 0), data.items[1])
    return sum(by_unit.values())


def test_region_population_and_per_inhabitant_aggregates_count_each_inhabitant_once(region, engine):
    population = _distinct_population(region)
    assert population < sum(d.items[1] for d in region.datas.values())  # Opole and Nysa were reported twice
    rows = {r["kod"]: r for r in read_csv(region.out / "region.csv")}
    assert rows["P01"]["wartosc"] == pl(population, 0)
    loans = sum(d.items[16] for d in region.datas.values())
    assert rows["U05"]["wartosc"] == pl(loans / population, 2)
    html = (region.out / "raport.html").read_text(encoding="utf-8")
    assert "biblioteka wojewódzka" in html.lower() and "biblioteka powiatowa" in html.lower() and "raz" in html


def test_powiat_aggregate_counts_the_seat_gmina_once(region):
    nyski = [i for i, r in region.rows.items() if r["powiat"] == "nyski"]
    rows = {r["powiat"]: r for r in read_csv(region.out / "powiaty.csv")}
    r = rows["nyski"]
    if len(nyski) < 3:
        assert r["U05"] == "" and r["P01"] == ""
    else:
        units: dict[str, float] = {}
        for i in nyski:
            units[region.rows[i]["teryt"][:6]] = max(units.get(region.rows[i]["teryt"][:6], 0), region.datas[i].items[1])
        assert r["P01"] == pl(sum(units.values()), 0)


# ----------------------------------------------------------------------------- 3. no group under 3
def test_a_group_of_two_is_published_nowhere(region):
    rows = [r for r in read_csv(region.out / "wskazniki_grupy.csv") if r["poziom"] == "podtyp × przedział" and r["podtyp"] == "biblioteka gminy miejskiej" and r["przedzial"] == "20 001-50 000"]
    assert rows and all(r["n_grupy"] == "2" for r in rows)
    assert all(r["mediana"] == r["srednia"] == r["agregat"] == r["min"] == "" for r in rows)
    bench = list(csv.DictReader(open(region.out / "benchmark-2016.csv", encoding="utf-8")))
    assert not [b for b in bench if b["przedzial"] == "20 001-50 000" and b["podtyp"] == "biblioteka gminy miejskiej"]
    assert all(int(b["n"]) >= 3 for b in bench)
    wb = load_workbook(region.out / "podsumowanie.xlsx")
    for row in wb["Wskaźniki wg grup"].iter_rows(min_row=6, values_only=True):
        if row[0] == "biblioteka gminy miejskiej" and row[1] == "20 001-50 000":
            assert all(v is None for v in row[8:15]), row
    parsed = html_tables(region.out / "raport.html")
    body = table(parsed, "Mediana kluczowych wskaźników wg przedziału")
    assert any("—" in " ".join(r) for r in body)


# ----------------------------------------------------------------------------- 4. one rounding
def test_every_output_shows_the_same_digits(region, tmp_path):
    csv_rows = {r["kod"]: r for r in read_csv(region.out / "region.csv")}
    parsed = html_tables(region.out / "raport.html")
    html = {r[0]: r for r in table(parsed, "Wskaźniki regionu") if len(r) > 4}
    lo = {r[1]: r for r in libreoffice_shown(region.out / "podsumowanie.xlsx", "Region", tmp_path) if len(r) > 4}
    text = " ".join(pdf_text(region.out / "raport.pdf").split())  # pdftotext: the narrow space as a space
    compared = 0
    for code, r in csv_rows.items():
        if r["rodzaj"] != "wskaźnik zagregowany" or not r["wartosc"]:
            continue
        value = r["wartosc"]
        assert html[code][2].replace("\u202f", "") == value, code  # the same digits; HTML groups thousands
        assert lo[code][4].replace(",", "").replace(".", ",") == value, (code, lo[code][4])  # LibreOffice shows en-US: 1,234.56
        whole, _, frac = value.partition(",")
        grouped = f"{int(whole):,}".replace(",", " ") + ("," + frac if frac else "")
        assert re.search(rf"{code} .{{0,160}}? {re.escape(grouped)} ", text), (code, grouped)
        compared += 1
    assert compared >= 30


# ----------------------------------------------------------------------------- 5. two documents
def test_publication_names_no_file_no_library_and_has_method_tables_and_sources(region):
    html = (region.out / "raport.html").read_text(encoding="utf-8")
    for lib_id, r in region.rows.items():
        assert r["nazwa"] not in html and lib_id not in html
    visible = " ".join(html_tables(region.out / "raport.html").text)
    assert ".xlsx" not in visible and "import" not in visible.lower()
    parsed = html_tables(region.out / "raport.html")
    captions = [c for c, _ in parsed.tables]
    assert all(re.match(r"Tabela \d+\. ", c) for c in captions)
    assert any("wg podtypu" in c for c in captions) and any("przedziału liczby mieszkańców" in c for c in captions)
    assert html.count("Źródło:") >= len(captions) + html.count("Rysunek ") // 2
    assert "Metoda" in html and "Rysunek 1." in html
    pdf = pdf_text(region.out / "raport.pdf")
    assert "Tabela 1." in pdf and "Źródło:" in pdf and "Metoda" in pdf
    info = subprocess.run(["pdfinfo", str(region.out / "raport.pdf")], capture_output=True, text=True, check=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) >= 3
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)  # A4 portrait, in mm


def test_quality_report_has_the_import_log_errors_review_and_contacts(region):
    q = (region.out / "kontrola.html").read_text(encoding="utf-8")
    for kind in ("negative", "satisfaction", "l1"):
        assert region.plan[kind] in q
    assert region.plan["typo"] in q and "Do sprawdzenia" in q
    assert "OP-1661011-W" in q  # the Opole area, reported by two libraries


# ----------------------------------------------------------------------------- 6. feedback sheets
def test_a_feedback_pdf_per_accepted_library_and_a_mail_merge_csv(region, engine):
    folder = region.out / "informacje"
    merge = read_csv(folder / "korespondencja.csv")
    assert sorted(r["id"] for r in merge) == sorted(region.datas)
    for r in merge:
        assert r["plik"].endswith(".pdf") and (folder / r["plik"]).is_file(), r
        assert r["email"] == region.rows[r["id"]]["email"]
    typo = region.plan["typo"]
    text = " ".join(pdf_text(folder / f"{typo}.pdf").split())
    assert region.rows[typo]["nazwa"] in text and "mediana grupy = 100" in text
    group = accepted(region, engine, "U05", {i for i, r in region.rows.items() if r["podtyp"] == "biblioteka gminy wiejskiej"})
    assert pl(statistics.median(group.values()), 2) in text
    flagged = " ".join(pdf_text(folder / f"{region.plan['l1']}.pdf").split())
    assert "L1" in flagged


# ----------------------------------------------------------------------------- 8. CSV for people
def test_csv_opens_in_polish_excel_and_the_machine_option(region, tmp_path):
    raw = (region.out / "region.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b";" in raw.splitlines()[0]
    assert re.search(rb";\d+,\d{2};", raw)
    returned = next(region.out.parent.glob("returned"))
    assert main(["consolidate", str(returned), "--out", str(tmp_path), "--no-db", "--quiet", "--csv", "machine"]) in (0, 1)
    raw = (tmp_path / "region.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"," in raw.splitlines()[0] and b";" not in raw.splitlines()[0]
    assert re.search(rb",\d+\.\d{2},", raw)


# ----------------------------------------------------------------------------- 5. trends drop in
def test_trends_section_appears_with_several_years_only(engine, tmp_path):
    """The publication's trends block (fed by :class:`Trends`, the shape the yearly cycle's
    trend data is converted to): a numbered figure per indicator with its years and a source
    line when there are two years or more; nothing with one year."""
    from xl_afbp import consolidate as c
    from xl_afbp.outputs.publication import TrendFigures, TrendSeries, publication_html
    from xl_afbp.reader import Submission

    subs = []
    for i in range(4):
        form = simulate_form(5000 + 700 * i, 1, seed=f"trend-{i}")
        form.basic |= {"NAZWA": f"Biblioteka {i}", "PODTYP": "biblioteka gminy wiejskiej", "POWIAT": "nyski", "GMINA": f"Gmina {i}"}
        subs.append(Submission(path=tmp_path / f"T{i}.xlsx", name=f"T{i}.xlsx", sha256=f"{i:064x}", size=1, verdict="accepted", code="ok", reason="", library_id=f"T{i}", meta={"library_id": f"T{i}", "year": YEAR}, data=form))
    con = c.consolidate(subs, engine=engine, region="opolskie")
    codes = list(engine.spec.key_indicators[:2])
    series = tuple(TrendSeries(code, group, (1.5 + k, 1.75 + k, 2.0 + k), (4, 4, 4)) for k, code in enumerate(codes) for group in ("region", "biblioteka gminy wiejskiej"))
    html = publication_html(con, engine=engine, trends=TrendFigures((2014, 2015, 2016), series))
    visible = " ".join(html_tables_from(html).text)
    assert "Zmiany w latach 2014–2016" in visible
    figures = re.findall(r"<p class=\"caption\">Rysunek (\d+)\. ([A-Z]\d+): [^<]*? w latach 2014–2016</p>", html)
    assert [code for _, code in figures] == codes  # one figure per indicator, in order
    numbers = [int(n) for n, _ in figures]
    assert numbers == list(range(numbers[0], numbers[0] + len(codes)))  # numbered after the other figures
    assert html.count("Źródło: opracowanie własne na podstawie formularzy AFBP za lata 2014–2016.") == len(codes)
    one_year = publication_html(con, engine=engine, trends=TrendFigures((2016,), series[:1]))
    assert "Zmiany w latach" not in one_year and "Zmiany w latach" not in publication_html(con, engine=engine)


def html_tables_from(html: str) -> _Tables:
    p = _Tables()
    p.feed(html)
    return p
