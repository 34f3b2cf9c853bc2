"""The Excel functions of ``afbp_udfs`` against the engine, their deployment files, and the
analyst workbook.

The UDFs are plain Python callables outside Excel (``@xw.func`` is a no-op on Linux), so
most tests call them directly with the argument shapes xlwings produces: a scalar for one
cell, a list for a row or column, a list of lists for a 2-D range (or for any range with
``ndim=2``). A bad argument raises :class:`afbp_udfs.AfbpError` (an Excel error value in
the runtimes). One test drives the Office.js path (xlwings Server / Lite) in a subprocess;
the real runtimes (Pyodide, a running xlwings Server) are in ``test_udfs_runtimes.py``.
No timing assertions here: see bench/udfs_bench.py.
"""

from __future__ import annotations

import ast
import hashlib
import json
import math
import os
import random
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

import afbp_udfs
from afbp_udfs import AfbpError
from afbp_udfs import afbp_udfs as udf_module
from xl_afbp import status
from xl_afbp.engine import get_engine
from xl_afbp.formdata import FormData

ROOT = Path(__file__).resolve().parents[1]

# A plausible, rule-consistent library network (every indicator has a value with the services).
ITEMS: dict[int, object] = {
    1: 39789, 2: 6900, 3: 4.4, 4: 160000, 5: 5200, 6: 3900, 7: 4100, 8: 85, 9: 158000, 10: 1400,
    11: 52.5, 12: 28, 13: 7, 14: 61000, 15: 38000, 16: 98000, 17: 40, 18: 12000, 19: 14000, 20: 1900,
    22: 24.75, 23: 20.5, 24: 17.25, 25: 310, 26: 2150000, 27: 120000, 28: 1950000, 29: 165000000,
    30: 120000, 31: 190000, 32: 4000, 33: 12000, 34: 1420000,
}
SERVICES = {i: ("TAK" if i not in (7, 11) else "NIE") for i in range(1, 13)}  # 10 × TAK
HEADERS = [f"P{i:02d}" for i in range(1, 35)] + [f"P21_{i:02d}" for i in range(1, 13)]


@pytest.fixture(scope="module")
def codes(engine):
    return [i.code for i in engine.spec.indicators]


def row34(items=ITEMS, count=None) -> list:
    return [count if n == 21 else items.get(n) for n in range(1, 35)]


def row46(items=ITEMS, services=SERVICES, count=None) -> list:
    return row34(items, count) + [services.get(s) for s in range(1, 13)]


def expected(engine, items=ITEMS, services=None, **kw):
    return engine.evaluate(FormData(items=dict(items), services=dict(services or {}), **kw))


def same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=0, abs_tol=0) or a == b


def assert_indicators(engine, codes, args, items=ITEMS, services=None):
    want = expected(engine, items, services).indicators
    for code in codes:
        got = afbp_udfs.afbp_indicator(code, *args)
        assert same(got, want[code]), (code, got, want[code])
    table = afbp_udfs.afbp_indicators(*args)
    assert [r[0] for r in table[1:]] == codes
    for code, _, value, _ in table[1:]:
        assert same(value, want[code]), (code, value, want[code])


# ---------------------------------------------------------------------------- package
def test_package_reexports_the_functions():
    names = ["afbp_indicator", "afbp_indicators", "afbp_checks", "afbp_k03_check", "afbp_k03_checks", "afbp_info"]
    assert sorted(afbp_udfs.__all__) == sorted(names)
    for n in names:
        assert getattr(afbp_udfs, n) is getattr(udf_module, n)
        assert getattr(afbp_udfs, n).__doc__


def test_engine_is_compiled_once(engine):
    afbp_udfs.afbp_indicator("U05", row34())
    session = udf_module._session()
    assert session is udf_module._session()
    assert session.engine is get_engine(2016) is engine


# ---------------------------------------------------------------------------- layouts
def test_34_cell_row_and_column(engine, codes):
    row = row34()
    assert_indicators(engine, codes, (row,))  # a row as xlwings passes it: a list
    assert_indicators(engine, codes, (tuple(row),))
    assert_indicators(engine, codes, ([[v] for v in row],))  # a column with ndim=2
    assert_indicators(engine, codes, ([row],))  # a row with ndim=2
    assert afbp_udfs.afbp_indicator("Z12", row) is None  # no services given


def test_46_cells_with_services(engine, codes):
    row = row46()
    assert_indicators(engine, codes, (row,), services=SERVICES)
    assert_indicators(engine, codes, ([[v] for v in row],), services=SERVICES)
    assert afbp_udfs.afbp_indicator("Z12", row) == 10.0


def test_services_as_booleans_and_lower_case(engine):
    services = {s: (True if v == "TAK" else False) for s, v in SERVICES.items()}
    assert afbp_udfs.afbp_indicator("Z12", row46(services=services)) == 10.0
    services = {s: v.lower() for s, v in SERVICES.items()}
    assert afbp_udfs.afbp_indicator("Z12", row46(services=services)) == 10.0


@pytest.mark.parametrize("count", [0, 5, 5.0, 12])
def test_item_21_cell_as_count_of_tak(engine, count):
    assert afbp_udfs.afbp_indicator("Z12", row34(count=count)) == float(count)
    table = afbp_udfs.afbp_indicators(row34(count=count))
    assert dict((r[0], r[2]) for r in table[1:])["Z12"] == float(count)


@pytest.mark.parametrize("count", [13, -1, 2.5, "abc", "#", True])
def test_item_21_cell_not_a_count_gives_no_value(count):
    assert afbp_udfs.afbp_indicator("Z12", row34(count=count)) is None


def test_service_cells_win_over_the_count():
    assert afbp_udfs.afbp_indicator("Z12", row46(count=3)) == 10.0
    assert afbp_udfs.afbp_indicator("Z12", HEADERS[:20] + ["P21"] + HEADERS[21:], row46(count=3)) == 10.0


def _pairs(keys_style: str) -> list[list]:
    out = []
    for n, v in ITEMS.items():
        key = {"int": n, "float": float(n), "P01": f"P{n:02d}", "P_01": f"P_{n:02d}", "p1": f" p{n} "}[keys_style]
        out.append([key, v])
    return out


@pytest.mark.parametrize("style", ["int", "float", "P01", "P_01", "p1"])
def test_pairs_in_shuffled_order(engine, codes, style):
    pairs = _pairs(style)
    random.Random(style).shuffle(pairs)
    assert_indicators(engine, codes, (pairs,))


def test_pairs_with_mixed_keys_services_header_row_and_blank_rows(engine, codes):
    pairs = [[[n, f"P{n:02d}", f"P_{n:02d}"][i % 3], v] for i, (n, v) in enumerate(ITEMS.items())]
    pairs += [[f"P21_{s:02d}" if s % 2 else f"P_21_{s:02d}", v] for s, v in SERVICES.items()]
    random.Random(7).shuffle(pairs)
    pairs = [["poz.", "wartość"], [None, None]] + pairs[:10] + [["", 5]] + pairs[10:]
    assert_indicators(engine, codes, (pairs,), services=SERVICES)


def test_single_pair_row():
    assert afbp_udfs.afbp_indicator("Z09", [11, 52.5]) == 52.5  # a 1×2 range arrives as a list
    assert afbp_udfs.afbp_indicator("Z09", [[11, 52.5]]) == 52.5


def test_header_and_values_like_the_consolidator_table(engine, codes):
    headers = ["Nazwa", "TERYT"] + HEADERS + ["Uwagi"]
    values = ["MBP Białogard", "3201011"] + row46() + ["—"]
    assert_indicators(engine, codes, (headers, values), services=SERVICES)
    assert_indicators(engine, codes, ([headers], [values]), services=SERVICES)  # ndim=2 rows
    assert_indicators(engine, codes, ([[h] for h in headers], [[v] for v in values]), services=SERVICES)
    assert_indicators(engine, codes, ([headers, values],), services=SERVICES)  # one 2-row range
    order = list(range(len(headers)))
    random.Random(3).shuffle(order)
    assert_indicators(engine, codes, ([headers[i] for i in order], [values[i] for i in order]), services=SERVICES)


def test_key_caches_do_not_confuse_true_with_1():
    assert afbp_udfs.afbp_indicator("U05", [[1, 1000], [16, 5000]]) == 5.0
    assert afbp_udfs.afbp_indicator("U05", [[1.0, 1000], [16.0, 5000]]) == 5.0
    with pytest.raises(AfbpError, match="nieznana pozycja 'True' w wierszu 1"):
        afbp_udfs.afbp_indicator("U05", [[True, 5], [1, 1000], [16, 5000]])  # TRUE names no item
    assert afbp_udfs.afbp_indicator("U05", ["P01", "P16"], [1000, 5000]) == 5.0
    with pytest.raises(AfbpError, match="nagłówki to tekst"):
        afbp_udfs.afbp_indicator("U05", [True, "P16"], [1000, 5000])


def test_header_variants_and_prev_and_basic_columns(engine):
    headers = ["P_01", "p16", "PREV_16", "PREV01", "B_NAZWA", "poz. 4"]
    values = [1000, 5000, 4000, 900, "Biblioteka", 2000]
    data = udf_module._session().layouts.form(headers, values, expand_count=True)
    assert data.items == {1: 1000, 16: 5000, 4: 2000}
    assert data.previous == {16: 4000, 1: 900}
    assert data.basic == {"NAZWA": "Biblioteka"}
    assert afbp_udfs.afbp_indicator("U05", headers, values) == 5.0


# ---------------------------------------------------------------------------- ranges that cannot mislead
def test_two_rows_of_data_are_not_headers_plus_values(engine):
    """Defect: ``AFBP_INDICATORS(B7:AU8)`` over two library rows took row 7 as headers: its whole
    numbers 1–34 became item numbers (Z02 = 4000, …) and ``AFBP_CHECKS`` said "OK"."""
    small = {**ITEMS, 8: 16, 12: 5, 13: 2, 17: 20, 25: 30}  # a small library: counts that look like item numbers
    row7, row8 = row46(small), row46()
    for fn in (afbp_udfs.afbp_indicators, afbp_udfs.afbp_checks):
        with pytest.raises(AfbpError, match="nagłówki to tekst"):
            fn([row7, row8])
    with pytest.raises(AfbpError, match="w zakresie nagłówków jest liczba"):
        afbp_udfs.afbp_indicator("Z02", row7, row8)  # a data row given as the header argument
    # text headers over the same values still work, in one 2-row range or as two arguments
    assert afbp_udfs.afbp_indicators([HEADERS, row8]) == afbp_udfs.afbp_indicators(row8)


def test_an_input_named_twice_is_an_error():
    """Defect: a duplicated header silently took the last value."""
    with pytest.raises(AfbpError, match=re.escape("poz. 1 ma dwa nagłówki (komórki 1 i 47)")):
        afbp_udfs.afbp_indicator("U05", HEADERS + ["P_01"], row46() + [1])
    with pytest.raises(AfbpError, match="poz. 16 ma dwa nagłówki"):
        afbp_udfs.afbp_indicator("U05", ["P01", "poz. 16", "P16"], [1000, 5000, 6000])
    with pytest.raises(AfbpError, match=re.escape("poz. 21.5 ma dwa nagłówki")):
        afbp_udfs.afbp_indicator("Z12", HEADERS + ["poz. 21.5"], row46() + ["NIE"])
    with pytest.raises(AfbpError, match=re.escape("poz. 16 podana dwa razy (wiersze 1 i 3)")):
        afbp_udfs.afbp_indicator("U05", [["P16", 5000], ["P01", 1000], [16, 6000]])


def test_a_numeric_first_pair_row_is_data_not_a_header():
    """Defect: the first row of a pairs range was skipped whenever its key was unknown, so a
    data value there vanished silently; only a text header row such as ("poz.", "wartość") is."""
    with pytest.raises(AfbpError, match="nieznana pozycja '4000' w wierszu 1"):
        afbp_udfs.afbp_indicator("U05", [[4000, 1], [1, 1000], [16, 5000]])
    assert afbp_udfs.afbp_indicator("U05", [["poz.", "wartość"], [1, 1000], [16, 5000]]) == 5.0


# ---------------------------------------------------------------------------- spilling
def test_indicator_takes_a_range_of_codes_and_spills(engine, codes):
    """Defect: AFBP_INDICATOR accepted one code only; now the result has the codes' shape."""
    want = expected(engine, services=SERVICES).indicators
    row = row46()
    assert afbp_udfs.afbp_indicator(["U05", "Z01", "Z12"], row) == [[want["U05"], want["Z01"], want["Z12"]]]
    assert afbp_udfs.afbp_indicator([["U05"], ["Z01"]], row) == [[want["U05"]], [want["Z01"]]]
    grid = [codes[:7], codes[7:14]]
    assert afbp_udfs.afbp_indicator(grid, HEADERS, row) == [[want[c] for c in r] for r in grid]
    assert afbp_udfs.afbp_indicator([["u05", None, ""]], row) == [[want["U05"], None, None]]  # empty code, empty cell
    assert afbp_udfs.afbp_indicator([["U05"]], row) == want["U05"]
    with pytest.raises(AfbpError, match="nieznany wskaźnik 'X1'"):
        afbp_udfs.afbp_indicator([["U05", "X1"]], row)


# ---------------------------------------------------------------------------- errors are Excel errors
def test_bad_arguments_are_excel_errors_not_text():
    """Defect: bad arguments returned the text "Błąd: …", which IFERROR does not catch and SUM
    skips. Now each function raises an XlwingsError: xlwings Server answers HTTP 400 with the
    message (the add-in shows #VALUE! with it), Lite shows the same (test_udfs_runtimes.py)."""
    import xlwings

    calls = [
        (afbp_udfs.afbp_indicator, ("X99", row34())),
        (afbp_udfs.afbp_indicators, (row34()[:33],)),
        (afbp_udfs.afbp_checks, (None,)),
        (afbp_udfs.afbp_k03_check, (1, 1, 1)),
        (afbp_udfs.afbp_k03_checks, (None, row46())),
        (afbp_udfs.afbp_info, ("U05", "kolor")),
    ]
    for fn, args in calls:
        with pytest.raises(xlwings.XlwingsError) as err:
            fn(*args)
        assert str(err.value) and "Błąd" not in str(err.value) and "\n" not in str(err.value)


def test_classic_addin_gets_the_com_error_value_of_value_error(monkeypatch):
    """Classic xlwings writes an exception's *text* into the cell (its VBA wrapper ends with
    ``f = Err.Description``). There the functions return #VALUE! as a COM error value instead:
    a ``win32com.client.VARIANT`` of type VT_ERROR, which pywin32 marshals as such. Windows only,
    so pywin32's VARIANT and the classic decorator's identity are stood in for here; the scode
    is checked against the one xlwings itself reads back for #VALUE! cells."""
    import xlwings

    source = (Path(xlwings.__file__).parent / "_xlwindows.py").read_text(encoding="utf-8")
    scode = int(re.search(r'(-\d+): "#VALUE!"', source).group(1))

    class VARIANT:  # win32com.client.VARIANT(vartype, value)
        def __init__(self, varianttype, value):
            self.varianttype, self.value = varianttype, value

    client = types.ModuleType("win32com.client")
    client.VARIANT = VARIANT
    monkeypatch.setitem(sys.modules, "win32com", types.ModuleType("win32com"))
    monkeypatch.setitem(sys.modules, "win32com.client", client)

    def xlfunc(f=None, **kw):
        return f

    xlfunc.__module__ = "xlwings.udfs"  # what xw.func is under the classic add-in
    monkeypatch.setattr(xlwings, "func", xlfunc)
    out = afbp_udfs.afbp_indicator("X99", row34())
    assert isinstance(out, VARIANT) and out.varianttype == 10 and out.value == scode  # VT_ERROR, #VALUE!
    assert afbp_udfs.afbp_indicator("U05", row34()) == 98000 / 39789  # good arguments are unaffected


# ---------------------------------------------------------------------------- cell values
@pytest.mark.parametrize("bad", [None, "", "   ", "#", "#DIV/0!", "#N/A", "#VALUE!", "abc", "12 500", {"type": "Error"}])
def test_empty_hash_text_and_errors_give_no_value(engine, bad):
    items = {**ITEMS, 1: bad}
    row = row34(items)
    assert afbp_udfs.afbp_indicator("U05", row) is None
    assert afbp_udfs.afbp_indicator("U05", list(zip(HEADERS[:34], row))) is None
    assert afbp_udfs.afbp_indicator("U05", HEADERS[:34], row) is None
    assert afbp_udfs.afbp_indicator("Z09", row) == 52.5  # other indicators still computed


def test_hash_is_the_not_measured_mark_but_error_text_is_empty(engine):
    hashed = afbp_udfs.afbp_checks(row34({**ITEMS, 3: "#"}))
    assert hashed == status.OK  # '#' is allowed in item 3: L10 OK
    assert afbp_udfs.afbp_indicator("U02", row34({**ITEMS, 3: "#"})) is None
    # '#N/A' is no value: L10 lacks data (not an error), the form stays OK
    assert afbp_udfs.afbp_checks(row34({**ITEMS, 3: "#N/A"})) == status.OK
    want = {r.id: r.status for r in expected(engine, {**ITEMS, 3: None}).rules}
    assert want["L10"] == status.NO_DATA
    # '#' where it is not allowed is an L11 error naming the item
    out = afbp_udfs.afbp_checks(row34({**ITEMS, 4: "#"}))
    assert out[0] == ["reguła", "waga", "komunikat"]
    l11 = next(r for r in out if r[0] == "L11")
    assert l11[1] == status.ERROR and l11[2].endswith("(poz. 4)")


def test_text_is_kept_as_text_like_native_formulas(engine):
    out = afbp_udfs.afbp_checks(row34({**ITEMS, 22: "dziesięć"}))
    assert any(r[0] == "L11" and "poz. 22" in r[2] for r in out[1:])


# ---------------------------------------------------------------------------- bad arguments
@pytest.mark.parametrize(
    "args, fragment",
    [
        ((row34()[:33],), "zakres ma 33 komórki"),
        ((row34() + [1],), "zakres ma 35 komórek"),
        ((row46() + [1],), "zakres ma 47 komórek"),
        (([row34()[:33]],), "zakres ma 33 komórki"),
        ((HEADERS, row46()[:45]), "muszą mieć ten sam rozmiar"),
        ((["Nazwa", "Gmina"], ["x", "y"]), "w nagłówkach nie ma żadnej pozycji"),
        ((42,), "zakres ma 1 komórka"),
        ((None,), "brak danych formularza"),
        (([[1, 2], [3]],), "prostokątem"),
        (([[1, 2, 3]] * 3,), "nie pasuje do żadnego układu"),
        (([["P01", 1], ["X9", 2], ["P16", 3]],), "nieznana pozycja 'X9' w wierszu 2"),
    ],
)
def test_wrong_ranges_are_errors_with_a_polish_message(args, fragment):
    for fn, call in ((afbp_udfs.afbp_indicator, ("U05", *args)), (afbp_udfs.afbp_indicators, args), (afbp_udfs.afbp_checks, args)):
        with pytest.raises(AfbpError) as err:
            fn(*call)
        assert fragment in str(err.value)
        assert "Traceback" not in str(err.value) and "\n" not in str(err.value)


def test_indicator_codes():
    row = row34()
    for code, message in [("X99", "nieznany wskaźnik 'X99'"), (5, "nieznany wskaźnik '5'"), (None, "podaj kod wskaźnika")]:
        with pytest.raises(AfbpError, match=message):
            afbp_udfs.afbp_indicator(code, row)
    assert afbp_udfs.afbp_indicator(" u05 ", row) == afbp_udfs.afbp_indicator("U05", row) == 98000 / 39789


def test_fuzzed_arguments_raise_nothing_but_argument_errors():
    rnd = random.Random(11)
    atoms = [None, "", "#", "#N/A", "x", 0, 1, -3.5, 1e300, float("nan"), True, {"type": "Error"}, "P01", "P21_01", "D4.W1.R5"]

    def value(depth=0):
        r = rnd.random()
        if depth < 2 and r < 0.3:
            n = rnd.choice([0, 1, 2, 3, 34, 46])
            if rnd.random() < 0.5:
                m = rnd.choice([1, 2, 3])
                return [[rnd.choice(atoms) for _ in range(m)] for _ in range(n)]
            return [value(depth + 1) for _ in range(n)]
        return rnd.choice(atoms)

    for _ in range(400):
        for fn, nargs in [
            (afbp_udfs.afbp_indicator, 3), (afbp_udfs.afbp_indicators, 3), (afbp_udfs.afbp_checks, 2),
            (afbp_udfs.afbp_k03_check, 5), (afbp_udfs.afbp_k03_checks, 3), (afbp_udfs.afbp_info, 2),
        ]:
            args = [value() for _ in range(nargs)]
            if fn is afbp_udfs.afbp_indicator:
                args[0] = rnd.choice(["U05", "Z12", "X", None])
            try:
                fn(*args)
            except AfbpError as exc:  # anything else would be an HTTP 500 in xlwings Server
                assert "Traceback" not in str(exc) and "wewnętrzny" not in str(exc), (fn.__name__, args, exc)


# ---------------------------------------------------------------------------- AFBP_INDICATORS
def test_indicators_table_and_row(engine, codes):
    table = afbp_udfs.afbp_indicators(row46())
    assert table[0] == ["kod", "wskaźnik", "wartość", "jednostka"]
    assert len(table) == 1 + len(codes) == 43 and all(len(r) == 4 for r in table)
    spec = engine.spec
    assert [(r[1], r[3]) for r in table[1:]] == [(i.name, i.unit) for i in spec.indicators]
    want = expected(engine, services=SERVICES).indicators
    for flag in (True, 1, "PRAWDA", "tak"):
        row = afbp_udfs.afbp_indicators(row46(), None, flag)
        assert len(row) == 1 and len(row[0]) == len(codes)
        assert all(same(v, want[c]) for v, c in zip(row[0], codes))
    assert len(afbp_udfs.afbp_indicators(row46(), None, False)) == 43
    assert len(afbp_udfs.afbp_indicators(row46(), None, None)) == 43


# ---------------------------------------------------------------------------- AFBP_CHECKS
def test_checks_ok_and_no_data(engine):
    assert afbp_udfs.afbp_checks(row46()) == status.OK
    assert afbp_udfs.afbp_checks([[1, None]]) == status.NO_DATA


def test_checks_list_the_failing_rules_like_the_engine(engine):
    items = {**ITEMS, 6: 6000, 2: 50000, 22: 10.755}  # L1 error, L8 warning, L11 error (poz. 22), L2?
    out = afbp_udfs.afbp_checks(row34(items))
    res = expected(engine, items)
    want = [r for r in res.failing_rules() if r.group != "basic"]
    assert [r[0] for r in out[1:]] == [r.id for r in want]
    assert [r[1] for r in out[1:]] == [r.status for r in want]
    assert {"L1", "L8", "L11"} <= {r[0] for r in out[1:]}
    for row, r in zip(out[1:], want):
        assert row[2].startswith(r.message)


def test_checks_basic_rules_only_with_basic_data(engine):
    own_site = [[f"P21_{n:02d}", "NIE"] for n in (6, 7, 9, 11)]  # B4 reads every own-website service
    items = {**ITEMS, 15: 500}
    pairs = [[k, v] for k, v in items.items()] + [["P21_05", "TAK"], ["B_WWW", None], ["B_NAZWA", "GBP"]] + own_site
    out = afbp_udfs.afbp_checks(pairs)
    assert any(r[0] == "B4" for r in out[1:])  # no website but virtual visits
    pairs_without_basic = [[k, v] for k, v in items.items()] + [["P21_05", "TAK"]]
    assert afbp_udfs.afbp_checks(pairs_without_basic) == status.OK


def test_checks_use_last_year(engine):
    pairs = [[k, v] for k, v in ITEMS.items()] + [["PREV04", 50000]]
    out = afbp_udfs.afbp_checks(pairs)
    l12 = next(r for r in out[1:] if r[0] == "L12")
    assert l12[1] == status.WARNING and l12[2].endswith("(poz. 4)")


def test_checks_count_only_leaves_services_unknown(engine):
    assert afbp_udfs.afbp_checks(row34(count=4)) == status.OK


# ---------------------------------------------------------------------------- K-03
def _k03_dataset(engine, rnd: random.Random, units: int = 3) -> dict[str, list]:
    out = {}
    for cell in engine.spec.k03_cells:
        if cell.type == "yesno":
            out[cell.address] = [rnd.choice(["TAK", "NIE"]) for _ in range(units)]
        elif cell.type == "percent":
            out[cell.address] = [rnd.choice([90, 100]) for _ in range(units)]
        else:
            out[cell.address] = [rnd.choice([None, 0, 10, 1000, 40000]) for _ in range(units)]
    return out


def _k03_cases(engine):
    cases = []
    rnd = random.Random(5)
    for _ in range(6):
        cases.append((dict(ITEMS), dict(SERVICES), _k03_dataset(engine, rnd)))
    try:
        from xl_afbp.demo.simulate import simulate_form
    except ImportError:
        return cases
    for seed in range(3):
        f = simulate_form(12000 + 9000 * seed, seed, seed=seed)
        cases.append((dict(f.items), dict(f.services), {k: list(v) for k, v in f.k03.items()}))
    return cases


def test_k03_check_agrees_with_the_engine(engine):
    seen = set()
    for items, services, k03 in _k03_cases(engine):
        res = engine.evaluate(FormData(items=items, services=services, k03=k03))
        reads_rows = {c.item for c in engine.spec.k03_checks if c.tolerance and "(" in c.tolerance}  # item 9: the K-03 stock
        for k in res.k03:
            if k.kind == "match" or k.item in reads_rows:
                continue
            got = afbp_udfs.afbp_k03_check(k.item, k.afbp, k.k03, k.k03_upper, row34(items))
            assert isinstance(got, list) and len(got) == 1 and len(got[0]) == 2, got
            assert got[0][0] == k.status, (k.item, got, k)
            if k.status != status.NO_DATA:
                assert got[0][1] == k.explanation
            seen.add(k.status)
    assert {status.OK, status.DIFFERENCE} <= seen


def test_k03_check_kinds(engine):
    assert afbp_udfs.afbp_k03_check(4, 50000, 50000)[0][0] == status.OK
    assert afbp_udfs.afbp_k03_check("P04", 50000, 50001)[0][0] == status.DIFFERENCE
    assert afbp_udfs.afbp_k03_check(22, 10.75, 10.754)[0][0] == status.OK  # half a hundredth
    assert afbp_udfs.afbp_k03_check(8, 80, 85)[0][0] == status.OK  # at most
    assert afbp_udfs.afbp_k03_check(31, 100, 120)[0][0] == status.DIFFERENCE  # at least
    assert afbp_udfs.afbp_k03_check(28, 100, 120)[0][0] == status.INFO  # no inequality holds
    assert afbp_udfs.afbp_k03_check(6, 600, 500, 700)[0][0] == status.OK  # between
    assert afbp_udfs.afbp_k03_check(6, 800, 500, 700)[0][0] == status.DIFFERENCE
    assert afbp_udfs.afbp_k03_check(6, 600, 500) == [[status.NO_DATA, "brak danych K-03"]]
    assert afbp_udfs.afbp_k03_check(16, 98040, 98040, 98045)[0][0] == status.OK  # P16 + P17 side, K-03 … K-03 + P17
    assert afbp_udfs.afbp_k03_check(4, "#", 5) == [[status.NO_DATA, "brak danych AFBP"]]
    assert afbp_udfs.afbp_k03_check(4, 5, "#N/A") == [[status.NO_DATA, "brak danych K-03"]]
    # item 9: the tolerance is 1 % of the K-03 stock, which only AFBP_K03_CHECKS receives
    no_rows = afbp_udfs.afbp_k03_check(9, 158000, 157000, None, row34())
    assert no_rows[0][0] == status.NO_DATA and "AFBP_K03_CHECKS" in no_rows[0][1]


def test_the_engine_builds_the_single_k03_comparison(engine):
    """The functions parse no K-03 condition: the engine compiles the spec's relation over
    the two given figures (and reports the other inputs its tolerance reads)."""
    match = next(c.item for c in engine.spec.k03_checks if c.kind == "match")
    with pytest.raises(ValueError):
        engine.k03_comparison(match)
    with pytest.raises(KeyError):
        engine.k03_comparison(1)
    assert engine.k03_comparison(4).inputs == () and engine.k03_comparison(4).k03_rows == ()
    stock = engine.k03_comparison(9)  # the tolerance is 1 % of the K-03 stock: rows it cannot see
    assert stock.inputs == () and stock.k03_rows
    assert stock.status(158000, 157000, None, FormData(items={4: 160000})) == status.NO_DATA
    for info in (c for c in engine.spec.k03_checks if c.kind == "info"):  # no inequality: never "różnica"
        assert engine.k03_comparison(info.item).status(1, 10**6, 10**7 if info.upper else None) == status.INFO
        assert engine.k03_comparison(info.item).status(None, 5, 6) == status.NO_DATA


@pytest.mark.parametrize(
    "item, fragment",
    [(21, "usługa po usłudze"), (1, "nie ma porównania z K-03"), ("abc", "nieznana pozycja 'abc'"),
     (None, "podaj numer pozycji"), ([4, 5], "jedna komórka")],
)
def test_k03_check_bad_items(item, fragment):
    with pytest.raises(AfbpError, match=fragment):
        afbp_udfs.afbp_k03_check(item, 1, 1)


def test_k03_checks_range(engine):
    rnd = random.Random(9)
    k03 = _k03_dataset(engine, rnd, units=2)
    rng = [["adres", "biblioteka", "filia 1"]]
    for i, (address, values) in enumerate(k03.items()):
        key = address if i % 2 else "K_" + address.replace(".", "_")
        rng.append([key, *values])
    rng.append([None, None, None])
    res = engine.evaluate(FormData(items=dict(ITEMS), services=dict(SERVICES), k03=k03))
    want = [[k.item, k.status, k.afbp, k.k03, k.k03_upper, k.message] for k in res.k03]
    for out in (afbp_udfs.afbp_k03_checks(rng, row46()), afbp_udfs.afbp_k03_checks(rng, HEADERS, row46())):
        assert out[0] == ["poz.", "status", "AFBP", "K-03", "K-03 (górna granica)", "wyjaśnienie"]
        assert out[1:] == want
    single = afbp_udfs.afbp_k03_checks(["D4.W1.R5", 160000], row46())
    assert single[1:] == [[k.item, k.status, k.afbp, k.k03, k.k03_upper, k.message]
                          for k in engine.evaluate(FormData(items=dict(ITEMS), services=dict(SERVICES), k03={"D4.W1.R5": [160000]})).k03]


@pytest.mark.parametrize(
    "k03, fragment",
    [([["D4.W1.R5", 1], ["D99", 2]], "nieznany adres K-03 'D99' w wierszu 2"), (None, "podaj zakres K-03"),
     (5, "co najmniej 2 kolumny"), ([["D4.W1.R5"]], "co najmniej 2 kolumny"),
     ([["D4.W1.R5", 1], ["K_D4_W1_R5", 2]], "adres K-03 D4.W1.R5 podany dwa razy (wiersze 1 i 2)"),
     ([[4000, 1], ["D4.W1.R5", 2]], "nieznany adres K-03 '4000' w wierszu 1")],
)
def test_k03_checks_bad_ranges(k03, fragment):
    with pytest.raises(AfbpError, match=re.escape(fragment)):
        afbp_udfs.afbp_k03_checks(k03, row46())


# ---------------------------------------------------------------------------- AFBP_INFO
def test_info(engine):
    assert afbp_udfs.afbp_info("U05") == [["Wypożyczenia na 1 mieszkańca", "wypożyczenia (poz. 16) / mieszkańcy (poz. 1)", "", "Wykorzystanie"]]
    assert afbp_udfs.afbp_info("z11", "wzór") == "mieszkańcy (poz. 1) / (filie (poz. 13) + 1)"
    assert afbp_udfs.afbp_info("Z02", "formula") == "nabytki (poz. 5) / mieszkańcy (poz. 1) × 1000"
    assert "poz. 21" in afbp_udfs.afbp_info("Z12", "wzor")
    assert afbp_udfs.afbp_info("E09", "unit") == "%"
    assert afbp_udfs.afbp_info("R01", "perspektywa") == "Potencjał i rozwój"
    with pytest.raises(AfbpError, match="nieznany wskaźnik 'X99'"):
        afbp_udfs.afbp_info("X99")
    with pytest.raises(AfbpError, match="nieznane pole 'kolor'"):
        afbp_udfs.afbp_info("U05", "kolor")
    for ind in engine.spec.indicators:
        name, words, unit, perspective = afbp_udfs.afbp_info(ind.code)[0]
        assert name == ind.name and unit == ind.unit and perspective
        assert "poz." in words and not any(tok.startswith("P") and tok[1:].isdigit() for tok in words.split())


# ---------------------------------------------------------------------------- thin
def test_udf_package_has_no_formula_logic_of_its_own():
    """Formulas live in the spec only: no item arithmetic and no expression parsing in the UDFs."""
    for path in sorted((ROOT / "udfs").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        divisions = [n for n in ast.walk(tree) if isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Div, ast.Mult))]
        assert divisions == [], path.name
        assert "P16" not in source and "/ P1" not in source, path.name
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not {m for m in imported if m.startswith("xl_afbp.expr")}, (path.name, "expressions belong to the engine")
        assert "import re" not in source, (path.name, "spellings belong to xl_afbp.spelling")


# ---------------------------------------------------------------------------- Office.js path
OFFICEJS_SCRIPT = r'''
import asyncio, json, sys
import xlwings as xw
import xlwings.server
import afbp_udfs

assert xw.func is xlwings.server.func
body_base = {"client": "Office.js", "caller_address": "[Book1]Sheet1!B5", "session_id": "test-session",
             "culture_info_name": "pl-PL", "date_format": "dd.MM.yyyy", "version": xw.__version__, "runtime": "1.4"}

def call(module, func_name, args):
    body = dict(body_base, func_name=func_name, args=args)
    try:
        return asyncio.run(xlwings.server.custom_functions_call(body, module))
    except Exception as exc:  # xlwings Server answers 400 with the message for an XlwingsError
        return {"error": str(exc), "xlwings_error": isinstance(exc, xw.XlwingsError)}

out = {"meta": xlwings.server.custom_functions_meta(afbp_udfs), "calls": []}
for func_name, args in json.loads(sys.stdin.read()):
    out["calls"].append(call(afbp_udfs, func_name, args))
if len(sys.argv) > 1:  # the generated xlwings Server project
    sys.path.insert(0, sys.argv[1])
    import custom_functions
    out["server_meta"] = xlwings.server.custom_functions_meta(custom_functions)
    out["server_call"] = call(custom_functions, "afbp_indicator", [[["U05"]], [[1, 1000], [16, 5000]], [[""]]])
print(json.dumps(out))
'''


def m(value):
    """A scalar as the 2-D matrix the add-in sends."""
    return [[value]]


def test_officejs_custom_functions_call(engine, codes, tmp_path):
    from xl_afbp.commands.udfs import write_server_project

    write_server_project(tmp_path / "srv")
    # Office.js sends "" for empty cells and error objects (or their text) for error cells
    row = [("" if v is None else v) for v in row46()]
    row_err = list(row)
    row_err[0] = {"type": "Error", "basicType": "Error", "errorType": "Div0", "value": "#DIV/0!"}
    row_na = list(row)
    row_na[0] = "#N/A"
    pairs = [[k, v] for k, v in ITEMS.items()]
    random.Random(1).shuffle(pairs)
    k03 = [["D4.W1.R5", 150000, 10000], ["D4.W5.R5", "", ""], ["D4.W16.R5", "", ""]]
    calls = [
        ("afbp_indicator", [m("U05"), [row]]),  # a 46-cell row
        ("afbp_indicator", [m("U05"), [[v] for v in row]]),  # a column
        ("afbp_indicator", [m("U05"), pairs]),  # pairs
        ("afbp_indicator", [m("Z12"), [HEADERS], [row]]),  # header + values
        ("afbp_indicator", [m("U05"), [row_err]]),
        ("afbp_indicator", [m("U05"), [row_na]]),
        ("afbp_indicator", [m("X99"), [row]]),
        ("afbp_indicator", [m("U05"), [row[:33]]]),
        ("afbp_indicators", [[row]]),
        ("afbp_indicators", [[row], m(""), m(True)]),
        ("afbp_checks", [[row]]),
        ("afbp_checks", [[row34({**ITEMS, 6: 6000})]]),
        ("afbp_k03_check", [m(4), m(160000), m(160000)]),
        ("afbp_k03_check", [m(6), m(600), m(500), m(700)]),
        ("afbp_k03_checks", [k03, [row]]),
        ("afbp_info", [m("U05")]),
        ("afbp_info", [m("U05"), m("wzór")]),
    ]
    env = dict(os.environ, XLWINGS_ON_SERVER="true", XLWINGS_LICENSE_KEY="noncommercial")
    proc = subprocess.run(
        [sys.executable, "-c", OFFICEJS_SCRIPT, str(tmp_path / "srv")],
        input=json.dumps(calls), capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path,
    )
    if proc.returncode != 0 and "LicenseError" in proc.stderr:
        pytest.skip("xlwings.server refused the noncommercial licence key")
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout)

    functions = {f["name"]: f for f in out["meta"]["functions"]}
    assert set(functions) == {"AFBP_INDICATOR", "AFBP_INDICATORS", "AFBP_CHECKS", "AFBP_K03_CHECK", "AFBP_K03_CHECKS", "AFBP_INFO"}
    assert [p["name"] for p in functions["AFBP_INDICATOR"]["parameters"]] == ["code", "items", "values"]
    assert functions["AFBP_INDICATOR"]["parameters"][2].get("optional") is True
    assert functions["AFBP_INDICATOR"]["description"].startswith("Wartość wskaźnika AFBP")
    assert "\n    " not in functions["AFBP_INDICATORS"]["description"]
    assert {f["name"] for f in out["server_meta"]["functions"]} == set(functions)
    for f in functions.values():  # Excel's limit for function and argument descriptions
        assert len(f["description"]) <= 255, (f["name"], len(f["description"]))
        assert all(len(p["description"]) <= 255 for p in f["parameters"]), f["name"]
    assert out["server_call"] == [[5.0]]

    want = expected(engine, services=SERVICES)
    r = out["calls"]
    u05 = want.indicators["U05"]
    assert r[0] == r[1] == [[u05]]
    assert r[2] == [[u05]]
    assert r[3] == [[10.0]]
    assert r[4] == [[""]] and r[5] == [[""]]  # no value → empty cell
    assert r[6] == {"error": "nieznany wskaźnik 'X99'", "xlwings_error": True}
    assert r[7]["xlwings_error"] and r[7]["error"].startswith("zakres ma 33 komórki")
    table = r[8]
    assert table[0] == ["kod", "wskaźnik", "wartość", "jednostka"] and len(table) == 43
    for code, _, value, _ in table[1:]:
        assert (value == "" and want.indicators[code] is None) or math.isclose(value, want.indicators[code])
    assert len(r[9]) == 1 and len(r[9][0]) == len(codes)
    assert r[10] == [["OK"]]
    assert r[11][0] == ["reguła", "waga", "komunikat"] and r[11][1][0] == "L1"
    assert r[12][0][0] == status.OK and r[13][0][0] == status.OK
    k03_rows = {row_[0]: row_ for row_ in r[14][1:]}
    assert k03_rows[4][1] == status.OK and k03_rows[4][3] == 160000
    assert r[15] == [["Wypożyczenia na 1 mieszkańca", "wypożyczenia (poz. 16) / mieszkańcy (poz. 1)", "", "Wykorzystanie"]]
    assert r[16] == [["wypożyczenia (poz. 16) / mieszkańcy (poz. 1)"]]


# ---------------------------------------------------------------------------- deployment
def cli(*argv: str) -> subprocess.CompletedProcess:
    code = "import sys; from xl_afbp.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=300)


def test_cli_udfs_config(tmp_path):
    out = cli("udfs", "config")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [f'"INTERPRETER_WIN","{sys.executable}"', '"UDF_MODULES","afbp_udfs"']
    conf = tmp_path / "xlwings.conf"
    conf.write_text('"LICENSE_KEY","abc"\n"UDF_MODULES","other"\n', encoding="locale")
    out = cli("udfs", "config", "--write", str(tmp_path), "--interpreter", r"C:\Python311\pythonw.exe")
    assert out.returncode == 0, out.stderr
    assert conf.read_text(encoding="locale").splitlines() == [
        '"LICENSE_KEY","abc"', r'"INTERPRETER_WIN","C:\Python311\pythonw.exe"', '"UDF_MODULES","other;afbp_udfs"'
    ]


def test_cli_udfs_config_adds_to_udf_modules_once(tmp_path):
    """Defect: --write replaced an existing UDF_MODULES, unregistering the user's other modules."""
    conf = tmp_path / "xlwings.conf"
    conf.write_text('"UDF_MODULES","mine; other"\n"CONDA_ENV","base"\n', encoding="locale")
    for _ in range(2):  # writing again changes nothing
        assert cli("udfs", "config", "--write", str(conf), "--interpreter", "py.exe").returncode == 0
        lines = conf.read_text(encoding="locale").splitlines()
        assert lines == ['"CONDA_ENV","base"', '"INTERPRETER_WIN","py.exe"', '"UDF_MODULES","mine;other;afbp_udfs"']


def test_cli_udfs_lite(tmp_path):
    """main.py carries the functions wheel written beside it; requirements.txt installs nothing."""
    out = cli("udfs", "lite", "--out", str(tmp_path))
    assert out.returncode == 0, out.stderr
    wheel = next(tmp_path.glob("xl_afbp_functions-*-py3-none-any.whl"))
    main = (tmp_path / "main.py").read_text(encoding="utf-8")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert f'_SHA256 = "{digest}"' in main
    requirements = (tmp_path / "requirements.txt").read_text(encoding="utf-8")
    assert [line for line in requirements.splitlines() if line.strip() and not line.startswith("#")] == []
    printed = cli("udfs", "lite")
    assert printed.returncode == 0 and "# ===== requirements.txt =====" in printed.stdout and digest in printed.stdout


def test_cli_udfs_lite_with_a_hosted_wheel(tmp_path):
    url = "https://example.org/afbp/xl_afbp_functions-0.1.0-py3-none-any.whl"
    out = cli("udfs", "lite", "--out", str(tmp_path), "--requirement", url)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "requirements.txt").read_text(encoding="utf-8").splitlines()[-1] == url
    main = (tmp_path / "main.py").read_text(encoding="utf-8")
    assert "_WHEEL" not in main and "from afbp_udfs import *" in main
    assert next(tmp_path.glob("xl_afbp_functions-*.whl")).is_file()  # the file to host


def test_cli_udfs_server(tmp_path):
    target = tmp_path / "srv"
    out = cli("udfs", "server", str(target))
    assert out.returncode == 0, out.stderr
    for rel in ("custom_functions/__init__.py", "custom_scripts/__init__.py", ".env", "requirements.txt", "README.md"):
        assert (target / rel).is_file(), rel
    assert "from afbp_udfs import *" in (target / "custom_functions" / "__init__.py").read_text(encoding="utf-8")
    env = (target / ".env").read_text(encoding="utf-8")
    assert 'XLWINGS_LICENSE_KEY="noncommercial"' in env and "PolyForm Noncommercial" in env
    # Defect: the project defaulted to the dev environment, whose namespace is XLWINGS_DEV
    assert 'XLWINGS_ENVIRONMENT="prod"' in env and 'XLWINGS_FUNCTIONS_NAMESPACE="AFBP"' in env
    wheel = next((target / "wheels").glob("xl_afbp_functions-*-py3-none-any.whl"))
    reqs = [line for line in (target / "requirements.txt").read_text(encoding="utf-8").splitlines() if line and line[0] != "#"]
    assert reqs[0].startswith("xlwings-server>=") and reqs[1] == "--find-links wheels"
    assert reqs[2] == "xl-afbp-functions==" + wheel.name.split("-")[1]
    readme = (target / "README.md").read_text(encoding="utf-8")
    assert "PolyForm Noncommercial" in readme and "=AFBP.AFBP_INDICATOR(" in readme
    again = cli("udfs", "server", str(target))
    assert again.returncode == 2 and "--force" in again.stderr
    assert cli("udfs", "server", str(target), "--force", "--license-key", "KEY123", "--namespace", "BIBL").returncode == 0
    env = (target / ".env").read_text(encoding="utf-8")
    assert 'XLWINGS_LICENSE_KEY="KEY123"' in env and 'XLWINGS_FUNCTIONS_NAMESPACE="BIBL"' in env


# ---------------------------------------------------------------------------- analyst workbook
def test_localize_replaces_names_outside_literals(engine):
    from xl_afbp.analyst import localize, native_formula

    assert localize('IF(P_01="P_01",P_16,"")', {"P_01": "B2", "P_16": "Q2"}) == 'IF(B2="P_01",Q2,"")'
    with pytest.raises(ValueError):
        localize("PREV_01+1", {"P_01": "B2"})
    assert native_formula(engine, "U05", 7) == 'IF(COUNT(Q7,B7)=2,IF(B7=0,"",(Q7/B7)),"")'
    assert native_formula(engine, "Z12", 3) == 'IF((COUNTIF(AJ3:AU3,"TAK")+COUNTIF(AJ3:AU3,"NIE"))=12,COUNTIF(AJ3:AU3,"TAK"),"")'


def test_cli_analyst_workbook(engine, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    KEY_INDICATORS = engine.spec.key_indicators

    out = cli("analyst", "--out", str(tmp_path))
    assert out.returncode == 0, out.stderr
    path = tmp_path / "afbp-analityk.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["Biblioteki"]
    header = [c.value for c in ws[1]]
    assert header[0] == "Biblioteka" and header[1:47] == HEADERS
    assert ws.max_row >= 3
    n_codes = len(KEY_INDICATORS)
    assert len(header) == 47 + 2 * n_codes
    for r in range(2, ws.max_row + 1):
        cells = [ws.cell(row=r, column=c).value for c in range(2, 48)]
        assert cells[20] == f'=COUNTIF(AJ{r}:AU{r},"TAK")'
        for i, code in enumerate(KEY_INDICATORS):
            udf = ws.cell(row=r, column=48 + 2 * i).value
            native = ws.cell(row=r, column=49 + 2 * i).value
            assert udf == f'=AFBP_INDICATOR("{code}",$B$1:$AU$1,B{r}:AU{r})'
            assert native.startswith("=IF(") and "P_" not in native
    assert {"Biblioteki", "Funkcje tablicowe", "Informacje"} <= set(wb.sheetnames)


def test_analyst_native_formulas_equal_the_udfs(engine, tmp_path):
    """Each row: the native formula (evaluated by `formulas`) = AFBP_INDICATOR on the same cells = engine."""
    formulas = pytest.importorskip("formulas")
    np = pytest.importorskip("numpy")
    from schedula import EMPTY
    from openpyxl.utils import column_index_from_string, range_boundaries

    from xl_afbp.analyst import build_analyst_workbook, example_rows, native_formula

    KEY_INDICATORS = engine.spec.key_indicators

    rows = example_rows(6)
    rows.append(("luki", FormData(items={**ITEMS, 1: "#", 16: None}, services={1: "TAK"})))
    ws = build_analyst_workbook(rows)["Biblioteki"]
    headers = [c.value for c in ws[1]][1:47]
    for r, (_, form) in enumerate(rows, start=2):
        values = [ws.cell(row=r, column=c).value for c in range(2, 48)]
        values[20] = sum(1 for v in values[34:] if v == "TAK")  # what Excel computes for poz. 21
        want = engine.evaluate(form).indicators
        for code in KEY_INDICATORS:
            func = formulas.Parser().ast("=" + native_formula(engine, code, r))[1].compile()
            args = []
            for ref in func.inputs:
                if ":" in ref:
                    c1, r1, c2, r2 = range_boundaries(ref)
                    args.append(np.array([[ws.cell(row=r1, column=c).value or "" for c in range(c1, c2 + 1)]], dtype=object))
                else:
                    col = column_index_from_string("".join(ch for ch in ref if ch.isalpha()))
                    v = ws.cell(row=r, column=col).value
                    args.append(np.array([[EMPTY if v is None else v]], dtype=object))  # a cell, not a literal
            native = func(*args)
            native = native.item() if hasattr(native, "item") else native
            udf = afbp_udfs.afbp_indicator(code, headers, values)
            if want[code] is None:
                assert native == "" and udf is None, (code, r, native, udf)
            else:
                assert math.isclose(float(native), want[code], rel_tol=1e-12), (code, r, native)
                assert math.isclose(udf, want[code], rel_tol=1e-12), (code, r, udf)
