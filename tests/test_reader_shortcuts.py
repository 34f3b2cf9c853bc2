"""The shortcuts the reader takes for speed give exactly what a full read gives.

Each test compares a shortcut with an independent computation: ElementTree over the whole
part, or the reader's own general path on the same bytes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from xl_afbp.reader.cells import _shared_strings

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

#: texts with what an entry may hold: markup characters, entities, the OOXML escape
_TEXT = st.lists(st.sampled_from(list("abcŁóż <>&\"'_x0D:si") + ["_x0041_", "<si>", ":si"]), max_size=8).map("".join)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@st.composite
def _entries(draw) -> list[tuple[str, str]]:
    """(XML of one <si>, its text) as Excel, LibreOffice and other writers put them."""
    out = []
    for _ in range(draw(st.integers(1, 40))):
        text = draw(_TEXT)
        how = draw(st.sampled_from(["plain", "plain", "plain", "preserve", "rich", "attrs", "prefixed", "empty"]))
        body = _escape(text)
        if how == "plain":
            out.append((f"<si><t>{body}</t></si>", text))
        elif how == "preserve":
            out.append((f'<si><t xml:space="preserve">{body}</t></si>', text))
        elif how == "rich":
            half = len(body) // 2
            while "&" in body[max(0, half - 6) : half]:  # never split an entity
                half -= 1
            out.append((f"<si><r><t>{body[:half]}</t></r><r><rPr><b/></rPr><t>{body[half:]}</t></r></si>", ET.fromstring(f"<x>{body}</x>").text or ""))
        elif how == "attrs":
            out.append((f'<si foo="1"><t>{body}</t></si>', text))
        elif how == "prefixed":
            out.append((f"<x:si><x:t>{body}</x:t></x:si>", text))
        else:
            out.append(("<si/>", ""))
    return out


def _sst(entries: list[tuple[str, str]]) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="{NS}" xmlns:x="{NS}" uniqueCount="{len(entries)}">' + "".join(e for e, _ in entries) + "</sst>").encode()


def _decode(text: str) -> str:
    """The OOXML ``_xHHHH_`` escape, as every reader of the format decodes it."""
    import re

    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def _full_parse(xml: bytes) -> list[str]:
    """Every entry's text by ElementTree: its <t> runs, in order."""
    root = ET.fromstring(xml)
    return [_decode("".join(t.text or "" for t in si.iter(f"{{{NS}}}t"))) for si in root if si.tag == f"{{{NS}}}si"]


@settings(max_examples=300, deadline=None)
@given(entries=_entries(), data=st.data())
def test_shared_strings_read_as_far_as_needed_equal_a_full_parse(entries, data):
    xml = _sst(entries)
    full = _full_parse(xml)
    wanted = set(data.draw(st.lists(st.integers(0, len(entries) + 2), min_size=1, max_size=8)))
    got = _shared_strings(xml, wanted)
    assert got == {i: full[i] for i in wanted if i < len(full)}


def test_a_plain_start_is_read_whatever_follows_the_last_wanted_entry():
    """The form's own texts come first; what follows the last wanted entry (the register
    lists, written any way at all) changes nothing."""
    head = [(f"<si><t>tekst {i}</t></si>", f"tekst {i}") for i in range(5)]
    for tail in ('<si foo="1"><t>a</t></si>', "<x:si><x:t>b</x:t></x:si>", "<si/>", "<si><t>c</t></si>" * 3):
        xml = _sst(head) [: -len(b"</sst>")] + tail.encode() + b"</sst>"
        assert _shared_strings(xml, {0, 2, 4}) == {0: "tekst 0", 2: "tekst 2", 4: "tekst 4"}


def _sheet_parts(zf) -> dict[str, str]:
    """Sheet title → part, read with the standard library (independent of the reader)."""
    import re

    wb = zf.read("xl/workbook.xml").decode()
    rels = zf.read("xl/_rels/workbook.xml.rels").decode()
    targets = {m.group(1): m.group(2) for m in re.finditer(r'<Relationship[^>]*Id="([^"]+)"[^>]*Target="([^"]+)"', rels)}
    targets.update({m.group(2): m.group(1) for m in re.finditer(r'<Relationship[^>]*Target="([^"]+)"[^>]*Id="([^"]+)"', rels)})
    return {m.group(1): "xl/" + targets[m.group(2)].removeprefix("/xl/") for m in re.finditer(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', wb)}


def test_a_saved_forms_own_texts_come_before_the_register_lists(corpus):
    """LibreOffice (and Excel) number shared strings in sheet order: with ``_meta`` before
    the hidden register sheets, every text the reader needs precedes the thousands of
    TERYT names, so the reader splits only the start of sharedStrings.xml. (With ``_meta``
    last, as forms were written before, its texts came after every register name.)"""
    import re
    import zipfile

    from xl_afbp.workbook.layout import LISTS, META, SHEETS, TERYT

    out, _ = corpus
    with zipfile.ZipFile(out / "ok_libreoffice.xlsx") as zf:
        parts = _sheet_parts(zf)
        used = {title: {int(v) for v in re.findall(rb'<c r="[A-Z]+[0-9]+"[^>]*t="s"[^>]*><v>([0-9]+)</v>', zf.read(part))} for title, part in parts.items()}
        count = zf.read("xl/sharedStrings.xml").count(b"<si>")
    needed = set().union(*(used[t] for t in (*SHEETS[1:], META) if t in used))
    registers = used[TERYT] | used[LISTS]
    assert len(registers) > 1000 and count > len(needed) + 1000
    assert max(needed) < min(registers - needed)


# -- shared strings: only a head of the part is split when it holds the wanted entries
@settings(max_examples=200, deadline=None)
@given(entries=_entries(), tail=st.integers(0, 400), long=st.integers(0, 9000), data=st.data())
def test_shared_strings_split_from_a_head_equal_a_full_parse(entries, tail, long, data):
    """Parts longer than the first head tried (8 kB): the wanted entries early, in the
    middle or straddling where a head ends (the long one), behind them hundreds of
    register names."""
    if data.draw(st.booleans()):  # entries as Excel and LibreOffice write them: split at <si>
        entries = [(f"<si><t>tekst {i}</t></si>", f"tekst {i}") for i in range(len(entries))]
    at = len(entries)
    entries = entries + [(f"<si><t>{'ż' * long}</t></si>", "ż" * long)] + [(f"<si><t>nazwa {i}</t></si>", f"nazwa {i}") for i in range(tail)]
    xml = _sst(entries)
    full = _full_parse(xml)
    wanted = set(data.draw(st.lists(st.integers(0, len(entries) + 2), min_size=1, max_size=8)))
    if data.draw(st.booleans()):  # the long entry the last one wanted
        wanted = {i for i in wanted if i < at} | {at}
    assert _shared_strings(xml, wanted) == {i: full[i] for i in wanted if i < len(full)}


@given(text=st.lists(st.sampled_from(["a", "ż", "&amp;", "_x0041_", "<b/>", "<", "</t>", "<t>", " "]), max_size=6).map("".join), attrs=st.sampled_from([' xml:space="preserve"', "", ' xml:space="default"']))
def test_one_text_run_is_read_as_the_runs_are(text, attrs):
    """The shortcut for one ``<t xml:space="preserve">`` run gives what the general
    reading of the runs gives (:data:`_T` over the body without phonetic hints)."""
    from xl_afbp.reader.cells import _RPH, _T, rich_text, xml_text

    body = f"<t{attrs}>{text}</t>".encode()
    assert rich_text(body) == xml_text(b"".join(_T.findall(_RPH.sub(b"", body)))) or body.startswith(b"<t>")


# -- sheet cells: the wanted-cells pass gives what the scan of every cell gives
_COLUMNS = ["A", "B", "C", "AA"] * 6 + ["ZZ", "AAA", "BAA"]  # BAA: past 1,100 columns
_ROWS = [1, 2, 3, 10, 11, 12] * 4 + [9999, 20001]  # 20001: past 20,000 rows, and five digits
#: cells as the forms' writers put them, and (rarer) as damaged or forged files do
_PLAIN_KINDS = ["number", "number", "shared", "formula", "str_formula", "uncached", "empty", "bool", "error", "odd_f"]
_ODD_KINDS = ["inline", "text_number", "lower", "spaces", "f_holding_a_cell"]
_SUSPECT_KINDS = ["reordered", "no_ref"]  # a sheet with one is read by calamine


@st.composite
def _cell(draw, ref: str) -> str:
    """One cell as writers (and damaged or forged files) put it."""
    odd = draw(st.integers(0, 39))
    kind = draw(st.sampled_from(_SUSPECT_KINDS if odd == 0 else _ODD_KINDS if odd < 8 else _PLAIN_KINDS))
    s = draw(st.sampled_from(["", ' s="0"', ' s="2"', ' s="3"']))
    v = draw(st.sampled_from(["12", "1.5", "-3e2", "0", "45123", "007", "123456789012345678"]))
    return {
        "number": f'<c r="{ref}"{s}><v>{v}</v></c>',
        "shared": f'<c r="{ref}"{s} t="s"><v>{draw(st.integers(0, 3))}</v></c>',
        "formula": f'<c r="{ref}"{s}><f>SUM(A1:A2)</f><v>{v}</v></c>',
        "str_formula": f'<c r="{ref}"{s} t="str"><f aca="false">R_B1</f><v>OK</v></c>',
        "uncached": f'<c r="{ref}"{s}><f>A1*2</f><v></v></c>',
        "empty": f'<c r="{ref}"{s}/>',
        "inline": f'<c r="{ref}"{s} t="inlineStr"><is><t>tekst &amp; {v}</t></is></c>',
        "bool": f'<c r="{ref}" t="b"><v>{draw(st.sampled_from(["0", "1"]))}</v></c>',
        "error": f'<c r="{ref}" t="e"><v>#DIV/0!</v></c>',
        "text_number": f'<c r="{ref}"><v>{draw(st.sampled_from(["nan", "1_000", "12"]))}</v></c>',
        "reordered": f'<c{s} r="{ref}"><v>{v}</v></c>',
        "no_ref": f"<c{s}><v>{v}</v></c>",
        "lower": f'<c r="{ref.lower()}"><v>{v}</v></c>',
        "odd_f": f'<c r="{ref}"><f t="shared" ref="{ref}:{ref}" si="0">B1</f><v>{v}</v></c>',
        "spaces": f'<c r="{ref}"  s="1"><v>{v}</v></c>',
        # malformed: another cell's start inside a formula's attributes
        "f_holding_a_cell": f'<c r="{ref}"><f <c r="A1" s="2">A2</f><v>{v}</v></c>',
    }[kind]


@st.composite
def _sheet(draw) -> tuple[bytes, set[bytes]]:
    """A sheet's XML (rows in any order, cells missing or repeated) and the wanted cells:
    most of them in the sheet, some not."""
    refs = draw(st.lists(st.tuples(st.sampled_from(_ROWS), st.sampled_from(_COLUMNS)), max_size=25))
    by_row: dict[int, list[str]] = {}
    for row, col in refs:
        by_row.setdefault(row, []).append(draw(_cell(f"{col}{row}")))
    rows = list(by_row.items())
    if draw(st.booleans()):
        rows = draw(st.permutations(rows))
    row_tag = draw(st.sampled_from(['<row r="{r}">'] * 6 + ['<row r="{r}" spans="1:3">', '<row spans="1:3" r="{r}">', "<row>"]))
    data = "".join(row_tag.format(r=r) + "".join(cells) + "</row>" for r, cells in rows)
    # cells outside <sheetData> (forged) are no cells; a part cut off ends the sheet data
    before = draw(st.sampled_from(["", '<sheetPr><c r="A1"><v>9</v></c><c t="n"/></sheetPr>']))
    after = draw(st.sampled_from(["</sheetData>", '</sheetData><c r="B2"><v>9</v></c><row>', ""]))
    xml = f'<worksheet xmlns="{NS}">{before}<dimension ref="A1:C3"/><sheetData>{data}{after}</worksheet>'.encode()
    present = [f"{c}{r}".encode() for r, c in refs] + [f"{c}{r}".lower().encode() for r, c in refs]
    pool = [f"{c}{r}".encode() for r in _ROWS for c in _COLUMNS] + [b"a1", b"B02", b"A"]
    wanted = set(draw(st.lists(st.sampled_from(present), max_size=20)) if present else []) | set(draw(st.lists(st.sampled_from(pool), max_size=20)))
    return xml, wanted


def _outcome(read, *args):
    """What a read gives: the sheet's fields (values with their types, in order), or the rejection."""
    from xl_afbp.reader.submission import _Reject

    try:
        sheet = read(*args)
    except _Reject as rej:
        return ("rejected", rej.code, rej.reason)
    if sheet is None:
        return None
    values = [(k, type(v), v) for k, v in sheet.values.items()]
    xml = sheet.xml if sheet.span is None else sheet.xml[sheet.span[0] : sheet.span[1]]
    formula_texts = {ref: sheet.formula_text(ref) for ref in sheet.formulas}
    return (sheet.title, sheet.cells, list(sheet.formulas.items()), sheet.wanted, values, sheet.shared, sheet.percent, xml, formula_texts)


@settings(max_examples=400, deadline=None)
@given(sheet=_sheet(), small=st.booleans())
def test_the_wanted_cells_pass_equals_the_scan_of_every_cell(sheet, small):
    """:func:`_fast_sheet` (its layout's wanted-cells pattern after one check for suspect
    cells and rows) against :func:`_scan_sheet` (every plain cell matched, then the wanted
    ones kept: the reader's fast path as it was), with the default limits and small ones."""
    from xl_afbp.reader.cells import _Styles, _fast_sheet, _scan_sheet, _sheet_data
    from xl_afbp.reader.submission import Limits

    xml, wanted = sheet
    limits = Limits(max_rows_per_sheet=11, max_cols_per_sheet=27) if small else Limits()
    styles = _Styles(dates=frozenset({2}), percents=frozenset({3}))
    fast = _outcome(_fast_sheet, "Arkusz", xml, wanted, limits, styles, False)
    start, end = _sheet_data(xml)
    assert fast == _outcome(_scan_sheet, "Arkusz", xml[start:end], wanted, limits, styles, False)


def test_a_sheet_of_more_rows_than_allowed_is_rejected_whatever_their_numbers():
    """20,001 rows all numbered 1: too many rows for the limit, as the full scan counts."""
    from xl_afbp.reader.cells import NO_STYLES, _fast_sheet
    from xl_afbp.reader.submission import Limits, _Reject

    rows = '<row r="1"><c r="A1"><v>1</v></c></row>' * 20_001
    xml = f'<worksheet xmlns="{NS}"><sheetData>{rows}</sheetData></worksheet>'.encode()
    try:
        _fast_sheet("Arkusz", xml, {b"A1"}, Limits(), NO_STYLES, False)
    except _Reject as rej:
        assert rej.code == "too_many_rows"
    else:
        raise AssertionError("read")


@given(digits=st.text("0123456789", min_size=1, max_size=20), style=st.sampled_from(["", ' s="2"', ' s="3"']))
def test_a_whole_number_is_read_as_its_double(digits, style):
    """A cell of digits is the number Excel reads (a double), an int while the double
    holds it exactly; shown as a date (style 2) it is the date of that double."""
    from xl_afbp.reader.cells import _Styles, _fast_sheet, _serial_date
    from xl_afbp.reader.submission import Limits

    xml = f'<worksheet xmlns="{NS}"><sheetData><row r="1"><c r="A1"{style}><v>{digits}</v></c></row></sheetData></worksheet>'.encode()
    sheet = _fast_sheet("Arkusz", xml, {b"A1"}, Limits(), _Styles(dates=frozenset({2}), percents=frozenset({3})), False)
    double = float(digits)
    if style == ' s="2"':
        expected = _serial_date(double, False)
    else:
        expected = int(double) if double.is_integer() and abs(double) < 2**53 else double
    got = sheet.values[b"A1"]
    assert (type(got), got) == (type(expected), expected)
    assert sheet.percent == ({b"A1"} if style == ' s="3"' else set())


class _Double(float):
    """A float subclass (as numpy's float64 is)."""


class _Whole(int):
    """An int subclass (as an IntEnum is; bool is another)."""


@given(v=st.one_of(st.none(), st.booleans(), st.floats(), st.integers(), st.integers(10**300, 10**400), st.text(max_size=3), st.floats().map(_Double), st.integers().map(_Whole)))
def test_as_number_takes_what_its_general_case_takes(v):
    """Its shortcuts (None, a plain float, a plain int) answer as the general case does."""
    from xl_afbp.expr.pyeval import _number_of, as_number

    got, expected = as_number(v), _number_of(v)
    assert type(got) is type(expected) and (got == expected or got is expected)


_NEAR = st.sampled_from([0.0, -0.0, 1.0, 1.0 + 1e-10, 1.0 + 1e-8, 1e-13, 1e-11, 1e-10, 3.0, float("nan"), float("inf"), float("-inf")])
_CACHED = st.one_of(_NEAR, st.floats(), st.integers(-5, 5), st.integers(10**400, 10**401), st.booleans(), st.none(), st.sampled_from(["", "OK", "1"]))


@settings(max_examples=300, deadline=None)
@given(cached=st.one_of(_NEAR, _CACHED), computed=st.one_of(_NEAR, _NEAR, st.floats(), st.integers(-5, 5), st.booleans(), st.none(), st.sampled_from(["", "OK"])))
def test_a_cached_result_is_compared_as_in_general(cached, computed):
    """The shortcut of the usual case (a float against a number) answers as the general case does."""
    from xl_afbp.reader.convert import _same, _same_values

    try:
        expected = _same_values(cached, computed)
    except OverflowError:
        expected = OverflowError
    try:
        got = _same(cached, computed)
    except OverflowError:
        got = OverflowError
    assert got == expected
