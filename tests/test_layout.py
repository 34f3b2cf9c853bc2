"""The pure layout module: where every defined name and personal value of a form goes.

The writer, the template fast path and the reader use it; these tests prove that what it
says is what generated workbooks hold, that it needs no openpyxl, and that the reader no
longer builds a workbook to learn where cells are.
"""

from __future__ import annotations

import subprocess
import sys
from itertools import product

import pytest

from xl_afbp import names, reader
from xl_afbp.workbook.layout import FormOptions, form_layout, units_for


def test_the_layout_module_needs_no_openpyxl():
    code = "import sys, xl_afbp.workbook.layout as l, xl_afbp.engine as e; l.form_layout(e.get_engine(2016).spec, l.FormOptions()); print('openpyxl' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


@pytest.mark.parametrize("units,personalised,previous,benchmark", [(1, True, False, False), (4, True, True, True), (31, False, False, False), (2, True, False, True)])
def test_layout_is_where_the_generated_workbook_puts_every_name(engine, units, personalised, previous, benchmark):
    from xl_afbp.workbook.form import FormContent, Library, build_form

    opts = FormOptions(units=units, personalised=personalised, previous=previous, benchmark=benchmark)
    content = FormContent(library=Library(id="X-1", nazwa="Biblioteka", mieszkancy=5000, filie=units - 1) if personalised else None, generated_at="-")
    wb, layout = build_form(engine, opts, content)
    defined = {n: reader.parse_ref(d.attr_text) for n, d in wb.defined_names.items()}
    expected = {n: (p.sheet, *p.bounds) for n, p in form_layout(engine.spec, opts).names.items()}
    assert expected.items() <= defined.items()
    computed = {f.name for f in engine.formulas}
    assert computed <= set(expected), sorted(computed - set(expected))[:5]
    for key, p in layout.personal.items():
        assert wb[p.sheet].cell(row=p.row, column=p.col).has_style or wb[p.sheet].cell(row=p.row, column=p.col).value is not None, key


def test_reader_expects_the_layout_without_building_a_workbook(engine, monkeypatch):
    """reader._layout used to build a whole form with openpyxl; now it asks the layout."""
    from xl_afbp.workbook import form

    def refuse(*a, **kw):
        raise AssertionError("the reader built a workbook")

    monkeypatch.setattr(form, "build_form", refuse)
    monkeypatch.setattr(form, "build_form_parts", refuse)
    monkeypatch.setattr(form._Builder, "build", refuse)
    from xl_afbp.reader import contract as reader_contract

    contract = reader_contract._contract(engine)
    contract.layouts.clear()
    for personalised in (True, False):
        got = reader_contract._layout(contract, personalised)
        layout = form_layout(engine.spec, FormOptions(units=1, personalised=personalised))
        assert got and got[names.item(4)] == (layout.names[names.item(4)].sheet, *layout.names[names.item(4)].bounds)
        assert set(got) == set(contract.inputs)
    contract.layouts.clear()


def test_options_change_the_layout_only_where_they_say(engine):
    spec = engine.spec
    base = form_layout(spec, FormOptions(units=units_for(3), personalised=True))
    for previous, benchmark in product((False, True), repeat=2):
        other = form_layout(spec, FormOptions(units=units_for(3), personalised=True, previous=previous, benchmark=benchmark))
        inputs = [n for n in base.names if n.startswith(("P_", "B_", "K_", "PREV_"))]
        assert {n: base.names[n] for n in inputs} == {n: other.names[n] for n in inputs}, "inputs stay where they are"
        assert (names.median("Z01") in other.names) is benchmark
        assert ("PREV_04" in other.personal) is previous
    wide = form_layout(spec, FormOptions(units=31))
    assert wide.names[names.k03_row("D4.W1.R5")].last_col - wide.names[names.k03_row("D4.W1.R5")].col == 30
    with pytest.raises(ValueError):
        form_layout(spec, FormOptions(units=0))
