"""The expression language: parsing errors, static checks, and the renderers' coverage."""

from __future__ import annotations

import re

import pytest

from xl_afbp.expr.ast import FUNCTIONS
from xl_afbp.expr.excel import ExcelRenderer
from xl_afbp.expr.parse import ExprError, parse
from xl_afbp.expr.pyeval import PythonCompiler
from xl_afbp.formdata import FormData
from xl_afbp.spec.vocab import context, resolver

# Functions both Excel 2010 and LibreOffice evaluate; nothing else may appear in a formula.
NATIVE = {"IF", "AND", "OR", "NOT", "COUNT", "COUNTA", "COUNTIF", "SUM", "MAX", "SUMPRODUCT", "ABS", "ROUND", "LEFT", "LEN", "ISNUMBER", "MID", "FIND", "LOWER", "INDEX", "MATCH"}


@pytest.fixture(scope="module")
def tools(spec):
    return resolver(spec), ExcelRenderer(context(spec)), PythonCompiler(context(spec))


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("P4 / ", "unexpected 'end of text'"),
        ("P99 / P1", "unknown name 'P99'"),
        ("foo(P1)", "unknown function 'foo'"),
        ("ksum(P4)", "takes K-03 rows"),
        ("D4.W1.R5 + 1", "used outside a K-03 function"),
        ("P4 + B_NAZWA", "arithmetic on text"),
        ('P4 = "x"', "comparison of text with a number"),
        ("P1 and implies(P1 > 0, P2 > 0)", "only stand at the top"),
        ("abs(P1, P2)", "takes 1 arguments"),
        ("P1 $ P2", "unexpected character"),
        ("count_yes(P4)", "count_yes() takes"),
    ],
)
def test_parse_errors_say_what_and_where(tools, text, fragment):
    resolve, _, _ = tools
    with pytest.raises(ExprError) as err:
        parse(text, resolve)
    assert fragment in str(err.value)


def test_every_function_has_both_renderings(engine):
    """Each function of the language is used by the shipped spec or the mini edition and renders both ways."""
    used = set()
    for f in engine.formulas:
        if f.expr:
            used |= set(re.findall(r"([a-z_]+)\(", f.expr))
    assert used <= set(FUNCTIONS)
    missing = set(FUNCTIONS) - used - {"hash"}
    assert not missing, f"functions never exercised by the spec: {missing}"


def test_hash_function(tools):
    resolve, excel, py = tools
    node = parse("hash(P3)", resolve)
    assert excel.value(node) == '(P_03="#")'
    assert py.compile(node)(FormData(items={3: "#"})) is True
    assert py.compile(node)(FormData(items={3: 4.5})) is False
    assert py.compile(node)(FormData()) is False


def test_formulas_use_only_native_functions_and_defined_names(engine, spec):
    k03_names = {"K_" + c.address.replace(".", "_") for c in spec.k03_cells}
    for f in engine.formulas:
        assert set(re.findall(r"([A-Z][A-Z0-9.]*)\(", f.excel)) <= NATIVE, f.name
        assert "_xlfn" not in f.excel
        # no A1 address anywhere: every token that is not a function, number or text is a defined name
        bare = re.sub(r'"[^"]*"', '""', f.excel)
        for token in re.findall(r"\b[A-Za-z_][A-Za-z0-9_]*\b(?!\()", bare):
            assert token in ("TRUE", "FALSE") or "_" in token, (f.name, token)
        assert all(len(n) for n in k03_names)
        assert len(f.excel) < 8192  # Excel's formula length limit


def test_guards_make_no_value_instead_of_errors(tools):
    resolve, excel, _ = tools
    out = excel.guarded(parse("P30 / (P28 + P30) * 100", resolve))
    assert out == 'IF(COUNT(P_30,P_28)=2,IF((P_28+P_30)=0,"",((P_30/(P_28+P_30))*100)),"")'


def test_constant_divisors_need_no_guard(tools):
    resolve, excel, _ = tools
    assert "=0" not in excel.guarded(parse("P4 / 100", resolve)).split("COUNT(P_04)=1")[1]
