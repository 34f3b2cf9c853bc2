"""`make demo` end to end (xl-afbp demo): the tour on the real region finishes with its outputs."""

from __future__ import annotations

import csv



def test_demo_runs_on_the_real_region_and_reports_what_happened(demo_run):
    out, code, printed = demo_run
    assert code == 0
    for name in ("podsumowanie.xlsx", "raport.html", "raport.pdf", "kontrola.html", "informacje", "afbp.sqlite", "import.csv"):
        assert name in printed
    summary = out / "summary"
    for name in ("podsumowanie.xlsx", "raport.html", "raport.pdf", "kontrola.html", "biblioteki.csv", "import.csv", "benchmark-2016.csv"):
        assert (summary / name).stat().st_size > 1000, name
    sheets = sorted((summary / "informacje").glob("*.pdf"))
    assert (out / "afbp.sqlite").stat().st_size > 0
    with open(summary / "import.csv", encoding="utf-8-sig") as fh:
        log = list(csv.DictReader(fh, delimiter=";"))
    statuses = [r["status"] for r in log]
    assert len(log) == len(list((out / "returned").iterdir()))
    assert statuses.count("zastąpiony") == 1 and statuses.count("odrzucony") == 1
    assert statuses.count("przyjęty z uwagami") >= 4
    with open(summary / "biblioteki.csv", encoding="utf-8-sig") as fh:
        libraries = list(csv.DictReader(fh, delimiter=";"))
    with open(out / "biblioteki.csv", encoding="utf-8") as fh:
        expected = list(csv.DictReader(fh))
    assert len(expected) == 114  # every gmina of zachodniopomorskie + the Książnica Pomorska
    assert len(libraries) == len(expected) - 4  # three did not answer, one file was broken
    assert len(sheets) == len(libraries)  # a feedback sheet per accepted library
