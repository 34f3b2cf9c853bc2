"""The wanted cells of a sheet: the fast raw-XML path, the general scanner and calamine.

Both paths give identical results (tested); shared strings are decoded lazily."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TYPE_CHECKING

from .. import names
from ..ooxml.cells import column_letter
from .book import _Book
from .convert import _norm
from .members import _PREFIX
from .submission import Limits, _Reject

if TYPE_CHECKING:  # type hints only: the modules import each other
    from .file import _FileReader


# ============================================================================ sheet cells
# The fast path reads only the cells it needs from the raw sheet XML: the <sheetData> part is
# split at every "<c " (a C-speed split) and only the wanted references are parsed. It is
# used when every cell of the sheet is written the way Excel, LibreOffice, openpyxl and
# xlsxwriter write them (unprefixed <c r="A1" …>); anything else (namespace prefixes, cells
# without positions) is read by python-calamine instead, after the size checks.
_ATTR_R = re.compile(rb"""\br\s*=\s*["']\$?([A-Za-z]{1,3})\$?(\d{1,7})["']""")
# Every pattern below is linear in its input, whatever the input: no group can run past the
# next tag, so an unclosed element costs a scan to the next tag, never to the end of the
# part (280 kB of unclosed tags once took 10 s of backtracking).
_ATTR_T = re.compile(rb"""\bt\s*=\s*["'](\w+)["']""")
_ATTR_S = re.compile(rb"""\bs\s*=\s*["'](\d+)["']""")
_HAS_F = re.compile(rb"<" + _PREFIX + rb"f[\s/>]")
_V = re.compile(rb"<" + _PREFIX + rb"v(?:\s[^<>]*)?(?:/>|>([^<]*)</" + _PREFIX + rb"v>)")
_FAST_REF = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"')
_FAST_ROW = re.compile(rb'<row\b(?: r="([0-9]{1,7})")?')
# a cell as Excel, LibreOffice and openpyxl write most of them: (ref, style, type, "<f" when a
# formula, "<v>…</v>"); inline strings, rich text and odd attributes go the general way
_PLAIN_CELL = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"(?: s="([0-9]+)")?(?: t="(n|s|str|b|e|d|inlineStr)")?(?:( ?/>)|>(?:(<f)(?: [^>/]*)?>[^<]*</f>)?(<v>[^<]*</v>)?(?:<v ?/>)?</c>)')
_ODD_C = re.compile(rb'<c(?:[\t\r\n>/]| (?!r="))')
_BIG_COL = re.compile(rb'<c r="([A-Z]{2,3})[0-9]')
_DIM = re.compile(rb"""<""" + _PREFIX + rb"""dimension\b[^<>]*\bref\s*=\s*["']([^"'<>]*)["']""")
_DIM_PART = re.compile(rb"\$?([A-Za-z]{1,3})?\$?(\d{1,7})?$")
# the general (slow) scanner of the fallback path
_NOT_C = rb"<(?!/?" + _PREFIX + rb"c[\s/>])"  # a tag that neither opens nor closes a cell
_CELL = re.compile(rb"<" + _PREFIX + rb"c\b([^<>]*?)(?:/>|>([^<]*(?:" + _NOT_C + rb"[^<]*)*)</" + _PREFIX + rb"c>)")
_ROW = re.compile(rb"<" + _PREFIX + rb"row\b([^<>]*)>")
_ROW_ATTR_R = re.compile(rb"""\br\s*=\s*["'](\d{1,7})["']""")
_T = re.compile(rb"<" + _PREFIX + rb"t(?:\s[^<>]*)?>([^<]*)</" + _PREFIX + rb"t>")
_RPH = re.compile(rb"<" + _PREFIX + rb"rPh\b[^<>]*>[^<]*(?:<(?!/?" + _PREFIX + rb"rPh\b)[^<]*)*</" + _PREFIX + rb"rPh>")
_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);")
_OOXML_ESC = re.compile(r"_x([0-9A-Fa-f]{4})_")
_PREDEFINED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _entity(m: re.Match) -> str:
    e = m.group(1)
    if e in _PREDEFINED:
        return _PREDEFINED[e]
    try:
        n = int(e[2:], 16) if e[1] in "xX" else int(e[1:])
    except (ValueError, OverflowError):
        return m.group(0)
    if not _xml_char(n):  # &#xD800; or &#1; is not well-formed XML (Excel writes _x0001_)
        raise _Reject("malformed_xml", detail=f"odwołanie {m.group(0)} do znaku, którego XML nie dopuszcza")
    return chr(n)


def _xml_char(n: int) -> bool:
    """XML 1.0's Char production."""
    return n in (0x9, 0xA, 0xD) or 0x20 <= n <= 0xD7FF or 0xE000 <= n <= 0xFFFD or 0x10000 <= n <= 0x10FFFF


def xml_text(raw: bytes) -> str:
    """Character data as a string: predefined entities, character references and the
    OOXML ``_xHHHH_`` escapes decoded; nothing else is ever expanded."""
    s = raw.decode("utf-8", errors="replace")
    if "&" in s:
        s = _ENTITY.sub(_entity, s)
    if "_x" in s:
        s = _OOXML_ESC.sub(lambda m: chr(int(m.group(1), 16)), s)
    return s


_PRESERVED = b'<t xml:space="preserve">'


def rich_text(body: bytes) -> str:
    """The text of an <si> or <is>: its <t> runs without phonetic hints."""
    if body.startswith(b"<t>") and body.endswith(b"</t>") and body.count(b"<t") == 1:
        return xml_text(body[3:-4])
    if body.startswith(_PRESERVED) and body.endswith(b"</t>") and b"<" not in body[len(_PRESERVED) : -4]:
        return xml_text(body[len(_PRESERVED) : -4])  # one run as LibreOffice writes it: what _T finds
    if b"rPh" in body:
        body = _RPH.sub(b"", body)
    return xml_text(b"".join(_T.findall(body)))


@dataclass
class _Sheet:
    """The wanted cells of one sheet: ref (b"C5") → (attributes, body or None)."""

    title: str
    cells: dict[bytes, tuple[bytes, bytes | None]]  # fallback path: the wanted cells' XML
    formulas: dict[bytes, bool] | None = None  # formula cells → has a cached result?
    wanted: frozenset[bytes] = frozenset()
    values: dict[bytes, Any] | None = None  # fast path: the wanted cells' values
    shared: list[tuple[bytes, int]] = field(default_factory=list)  # fast path: cells → sst index
    percent: set[bytes] = field(default_factory=set)  # numbers shown with a percent format ("85%" is 0.85)
    xml: bytes = b""  # the sheet's XML (for the formula text of the few input cells that hold one)
    span: tuple[int, int] | None = None  # where in ``xml`` its <sheetData> is, when xml is the whole part
    formula_texts: dict[bytes, str] | None = None  # formula text by cell, when the format gives it directly (ODS)

    def formula_text(self, ref: bytes) -> str | None:
        """The formula text of a cell (a shared formula's text from its master cell)."""
        if self.formula_texts is not None:
            return self.formula_texts.get(ref)
        xml = self.xml if self.span is None else self.xml[self.span[0] : self.span[1]]
        body = self.cells[ref][1] if ref in self.cells else _cell_body(xml, ref)
        return _formula_of(xml, body) if body else None


def _dimension(head: bytes) -> tuple[int, int] | None:
    """(rows, cols) declared by ``<dimension ref=…>``, or None."""
    m = _DIM.search(head)
    if not m:
        return None
    rows = cols = 1
    for part in m.group(1).split(b":"):
        pm = _DIM_PART.match(part.strip())
        if pm:
            if pm.group(1):
                cols = max(cols, names.col_number(pm.group(1).decode()))
            if pm.group(2):
                rows = max(rows, int(pm.group(2)))
    return rows, cols


def _too_big(title: str, rows: int, cols: int, limits: Limits) -> None:
    if rows > limits.max_rows_per_sheet:
        raise _Reject("too_many_rows", sheet=title, count=rows, limit=limits.max_rows_per_sheet)
    if cols > limits.max_cols_per_sheet:
        raise _Reject("too_many_columns", sheet=title, count=cols, limit=limits.max_cols_per_sheet)


_NUMBER = re.compile(rb"[ \t\r\n]*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \t\r\n]*")


def _number(v: bytes) -> float | None:
    """A number as Excel writes one (xsd:double without INF/NaN): ASCII digits, one point,
    an exponent. Python's float() also takes ``48_735``, ``nan``, ``infinity`` and other
    scripts' digits: those are no numbers to Excel, so they are read as the text they are
    and reported, never silently taken (nor silently dropped)."""
    if v.isdigit() or _NUMBER.fullmatch(v):
        return float(v)
    return None


def _not_a_number(title: str, ref: bytes, v: bytes) -> _Reject:
    """A numeric cell whose value is no number: Excel itself would not open the file
    without repairing it. The reason names the cell and what it held."""
    return _Reject("malformed_xml", detail=f"komórka „{title}”!{ref.decode()} ma typ liczbowy, a zawiera „{xml_text(v).strip()[:40]}”")


def _fast_sheet(title: str, xml: bytes, wanted: set[bytes], limits: Limits, styles: "_Styles", date1904: bool) -> _Sheet | None:
    """The wanted cells' values by the fast path, or None when the sheet is written
    unusually (then every sheet goes through :func:`_slow_sheet` and calamine).

    A sheet written as the forms are (every cell and row with its position first, no
    column past ZZ, at most 9,999 rows) is read by one pass of its layout's wanted-cells
    pattern (:func:`_wanted_pattern`), which builds ~660 matches per form instead of the
    ~1,900 of :data:`_PLAIN_CELL`; it finds exactly the matches of :data:`_PLAIN_CELL`
    whose reference is wanted, as no plain cell's match can hold the start of another's.
    Any other sheet is read by :func:`_scan_sheet` (the same result, proved by the tests)."""
    span = _sheet_data(xml)
    if span is None:
        return None
    start, end = span  # searched in place: the patterns see the same bytes as in a copy
    key = frozenset(wanted)
    pattern = _wanted_pattern(key)
    if pattern is None or _SUSPECT.search(xml, start, end) or not _within_limits(end - start, limits):
        return _scan_sheet(title, xml[start:end], wanted, limits, styles, date1904)
    values, formulas, shared, percent, done = _plain_cells(title, pattern.findall(xml, start, end), wanted, styles, date1904)
    left = wanted - done  # inline strings, rich text, odd attributes – or cells not in the file
    if left and _any_present(xml, start, end, left):
        # some cell is not plain (it would not have been left otherwise): read the left
        # cells as the full scan does
        _left_cells(title, xml[start:end], left, values, formulas, shared, percent, styles, date1904)
    return _Sheet(title, {}, formulas, key, values, shared, percent, xml, span=span)


# what makes a sheet's shortcut unsafe: a cell whose position is not its first attribute
# (as _ODD_C), a three-letter column, a row without its number first or past 9,999
_SUSPECT = re.compile(rb'<(?:c(?:[\t\r\n>/]| (?!r=")| r="[A-Z]{3}[0-9])|row\b(?! r="[0-9]{1,4}"))')
_REF_SHAPE = re.compile(rb"[A-Z]{1,3}[0-9]{1,7}")
#: compiled wanted-cells patterns by the wanted references (the same set for every form of a layout)
_WANTED: dict[frozenset[bytes], "re.Pattern[bytes] | None"] = {}
_MAX_WANTED = 5000  # a larger set (a hostile workbook.xml's names) is read by the full scan


_CELL_START = re.compile(rb'(?=<c r="([^"]*)")')  # every start, overlapping ones too


def _any_present(xml: bytes, start: int, end: int, refs: set[bytes]) -> bool:
    """Whether any of the references starts a cell (``<c r="C5"``) in ``xml[start:end]``:
    searched one by one, or (many, as ``_meta``'s 120 of which a form fills ~25) in one pass."""
    if len(refs) <= 8:
        return any(xml.find(b'<c r="' + ref + b'"', start, end) >= 0 for ref in refs)
    return not refs.isdisjoint(_CELL_START.findall(xml, start, end))


def _within_limits(size: int, limits: Limits) -> bool:
    """Whether :func:`_too_big` cannot object to a sheet without suspect rows or columns:
    its rows are numbered at most 9,999 and number at most one per 10 bytes
    (``<row r="1"``), its columns end at ZZ (702)."""
    return limits.max_cols_per_sheet >= 702 and limits.max_rows_per_sheet >= max(9999, size // 10)


def _wanted_pattern(key: frozenset[bytes]) -> "re.Pattern[bytes] | None":
    """:data:`_PLAIN_CELL` restricted to the wanted references: their alternation shaped
    as a trie (the regex engine tries alternatives one by one), compiled once per set."""
    if key not in _WANTED:
        if len(_WANTED) > 256:
            _WANTED.clear()
        refs = sorted(r for r in key if _REF_SHAPE.fullmatch(r))
        if len(key) > _MAX_WANTED:
            _WANTED[key] = None
        else:
            alternation = _trie(refs) if refs else rb"(?!)"
            _WANTED[key] = re.compile(_PLAIN_CELL.pattern.replace(rb"([A-Z]{1,3}[0-9]{1,7})", rb"(" + alternation + rb")", 1))
    return _WANTED[key]


def _trie(refs: list[bytes]) -> bytes:
    """A regex alternation of the references, factored by their common prefixes."""
    heads: dict[bytes, list[bytes]] = {}
    for r in refs:
        heads.setdefault(r[:1], []).append(r[1:])
    alts = [b"" if head == b"" else re.escape(head) + _trie(tails) for head, tails in heads.items()]
    return alts[0] if len(alts) == 1 else b"(?:" + b"|".join(alts) + b")"


def _sheet_data(xml: bytes) -> tuple[int, int] | None:
    """Where the ``<sheetData>`` part of a sheet is (to its end tag, or to the end of the part)."""
    start = xml.find(b"<sheetData")
    if start < 0:
        return None
    end = xml.find(b"</sheetData>", start)
    return start, end if end >= 0 else len(xml)


def _scan_sheet(title: str, sd: bytes, wanted: set[bytes], limits: Limits, styles: "_Styles", date1904: bool) -> _Sheet | None:
    """The fast path over every cell of ``<sheetData>``: the sizes measured, every plain
    cell matched, the wanted ones kept."""
    if _ODD_C.search(sd):
        return None  # a cell whose position is not its first attribute, or no position at all
    row_numbers = _FAST_ROW.findall(sd)
    if b"" in row_numbers:
        return None  # a row whose number is not its first attribute
    max_row = max(len(row_numbers), max(map(int, row_numbers), default=0))
    widest = max(set(_BIG_COL.findall(sd)), key=lambda c: (len(c), c), default=None)  # letters order as columns do
    max_col = names.col_number(widest.decode()) if widest else 1
    _too_big(title, max_row, max_col, limits)

    # most cells in one C-speed pass: empty cells, numbers, shared strings, booleans, formulas
    # with their cached results, written as Excel, LibreOffice and openpyxl write them
    found = _PLAIN_CELL.findall(sd)
    values, formulas, shared, percent, done = _plain_cells(title, found, wanted, styles, date1904)
    left = wanted - done  # inline strings, rich text, odd attributes – or cells not in the file
    if left and sd.count(b"<c ") == len(found):
        left = set()  # every cell was read above: the others are not in the file (empty)
    _left_cells(title, sd, left, values, formulas, shared, percent, styles, date1904)
    return _Sheet(title, {}, formulas, frozenset(wanted), values, shared, percent, sd)


def _plain_cells(title: str, found: list[tuple[bytes, ...]], wanted: set[bytes], styles: "_Styles", date1904: bool):
    """The wanted cells among the matches of :data:`_PLAIN_CELL` (or of a wanted-cells
    pattern): values, formula states, shared-string indexes, percent cells, and which
    references were read."""
    values: dict[bytes, Any] = {}
    formulas: dict[bytes, bool] = {}
    shared: list[tuple[bytes, int]] = []
    percent: set[bytes] = set()
    done: set[bytes] = set()
    kinds: dict[bytes, int] = {}  # s="…" → _NUMBER_SHOWN, _DATE_SHOWN or _PERCENT_SHOWN
    for ref, style, t, empty, f, vtag in found:
        if ref not in wanted:
            continue
        done.add(ref)
        if empty:
            continue
        v = vtag[3:-4]
        if f:
            formulas[ref] = bool(v) or (bool(vtag) and t in (b"str", b"b", b"e"))
        if not v:
            continue
        if not t or t == b"n":
            kind = kinds.get(style)
            if kind is None:
                kind = kinds[style] = _shown_as(style, styles)
            if kind != _DATE_SHOWN and v.isdigit() and len(v) < 16:
                values[ref] = int(v)  # what float(v) gives as an int below 2**53, without it
            else:
                num = _number(v)
                if num is None:
                    raise _not_a_number(title, ref, v)
                if kind == _DATE_SHOWN:
                    values[ref] = _serial_date(num, date1904)
                    continue
                values[ref] = int(num) if num.is_integer() and -9007199254740992 < num < 9007199254740992 else num
            if kind == _PERCENT_SHOWN:
                percent.add(ref)
        elif t == b"s":
            if v.isdigit():
                shared.append((ref, int(v)))
        elif t == b"str" or t == b"d":
            values[ref] = xml_text(v)
        elif t == b"b":
            values[ref] = v.strip() in (b"1", b"true")
        # errors (t="e"): no value
    return values, formulas, shared, percent, done


_NUMBER_SHOWN, _DATE_SHOWN, _PERCENT_SHOWN = 0, 1, 2


def _shown_as(style: bytes, styles: "_Styles") -> int:
    """How a cell's style (``s="…"``, or none: b"") shows a number."""
    if style and styles.dates and int(style) in styles.dates:
        return _DATE_SHOWN
    if style and styles.percents and int(style) in styles.percents:
        return _PERCENT_SHOWN
    return _NUMBER_SHOWN


def _left_cells(title: str, sd: bytes, left: set[bytes], values: dict, formulas: dict, shared: list, percent: set, styles: "_Styles", date1904: bool) -> None:
    """The wanted cells the plain pass did not take, read one by one by :func:`_general_cell`."""
    if len(left) > 8:
        pieces = sd.split(b"<c ")
        by_ref = dict(zip(_FAST_REF.findall(sd), pieces[1:]))
        for ref in left & by_ref.keys():
            _general_cell(title, ref, by_ref[ref], values, formulas, shared, percent, styles, date1904)
    else:
        for ref in left:
            i = sd.find(b'<c r="' + ref + b'"')
            if i >= 0:
                _general_cell(title, ref, sd[i + 3 : sd.find(b"<c ", i + 3) if sd.find(b"<c ", i + 3) >= 0 else len(sd)], values, formulas, shared, percent, styles, date1904)


def _general_cell(title: str, ref: bytes, p: bytes, values: dict, formulas: dict, shared: list, percent: set, styles: "_Styles", date1904: bool) -> None:
    """One cell's XML (from its attributes to its end) the plain pass did not take."""
    gt = p.find(b">")
    if gt < 1 or p[gt - 1] == 47:  # "/>": an empty (styled) cell
        return
    attrs = p[:gt]
    close = p.find(b"</c>", gt)
    body = p[gt + 1 : close if close >= 0 else len(p)]
    if b"<f" in body:
        formulas[ref] = _has_cache(attrs, body)
    i = attrs.find(b't="')
    t = attrs[i + 3 : attrs.find(b'"', i + 3)] if i >= 0 else (b"n" if b"t=" not in attrs else _t_attr(attrs))
    if t == b"n":
        v = _raw_v(body)
        if not v:
            return
        num = _number(v)
        if num is None:
            raise _not_a_number(title, ref, v)
        m = _ATTR_S.search(attrs) if styles.dates or styles.percents else None
        if m and int(m.group(1)) in styles.dates:
            values[ref] = _serial_date(num, date1904)
            return
        if m and int(m.group(1)) in styles.percents:
            percent.add(ref)
        values[ref] = _norm(num)
    elif t == b"s":
        v = _raw_v(body)
        if v is not None and v.strip().isdigit():
            shared.append((ref, int(v)))
    elif t == b"inlineStr":
        i = body.find(b"<is>")
        values[ref] = _norm(rich_text(body[i + 4 : body.rfind(b"</is>")] if i >= 0 else body))
    elif t in (b"str", b"d"):
        v = _raw_v(body)
        if v is not None:
            values[ref] = _norm(xml_text(v))
    elif t == b"b":
        v = (_raw_v(body) or b"").strip().lower()
        values[ref] = True if v in (b"1", b"true") else False if v in (b"0", b"false") else None
    # errors (t="e") and unknown types: no value


def _slow_sheet(title: str, xml: bytes, wanted: set[bytes], limits: Limits) -> _Sheet:
    """The general scanner: any namespace prefix, attribute order, cells without positions.
    Records the wanted cells and every formula cell; values come from calamine."""
    cells: dict[bytes, tuple[bytes, bytes | None]] = {}
    formulas: dict[bytes, bool] = {}
    max_row = max_col = 0
    refless = 0
    for m in _CELL.finditer(xml):
        attrs, body = m.group(1), m.group(2)
        r = _ATTR_R.search(attrs)
        if r is None:
            refless += 1
            continue
        row, col = int(r.group(2)), names.col_number(r.group(1).decode())
        max_row, max_col = max(max_row, row), max(max_col, col)
        ref = r.group(1).upper() + r.group(2)
        if ref in wanted:
            cells[ref] = (attrs, body)
        if body and _HAS_F.search(body):
            formulas[ref] = _has_cache(attrs, body)
    rows = 0
    for m in _ROW.finditer(xml):
        rows += 1
        rr = _ROW_ATTR_R.search(m.group(1))
        if rr is not None:
            max_row = max(max_row, int(rr.group(1)))
    # cells and rows without positions are placed one after another by readers
    _too_big(title, max(max_row, rows) + refless, max_col + refless, limits)
    return _Sheet(title, cells, formulas if not refless else None, frozenset(wanted), xml=xml)


def _has_cache(attrs: bytes, body: bytes | None) -> bool:
    """Whether a formula cell carries a computed result (openpyxl writes none: <v/>)."""
    if not body:
        return False
    i = body.rfind(b"<v")
    if i >= 0 and body[i + 2 : i + 3] in (b">", b" ", b"/"):
        j = body.find(b">", i)
        if j < 0 or body[j - 1 : j] == b"/":
            return False
        k = body.find(b"<", j)
        if k > j + 1:
            return True
    else:
        m = _V.search(body)
        if m is None:
            return False
        if m.group(1):
            return True
        if m.group(0).endswith(b"/>"):
            return False
    t = _ATTR_T.search(attrs)
    return t is not None and t.group(1) in (b"str", b"s", b"b", b"e", b"inlineStr")


def _raw_v(body: bytes | None) -> bytes | None:
    if not body:
        return None
    i = body.find(b"<v>")
    if i >= 0:
        j = body.find(b"</v>", i)
        return body[i + 3 : j] if j >= 0 else None
    m = _V.search(body)
    return m.group(1) if m else None


# -- number formats: a number shown as a date is a date (Polish Excel turns 1.5 into 1 May)
_DATE_IDS = set(range(14, 23)) | set(range(27, 37)) | {45, 46, 47} | set(range(50, 59))
_NUMFMT = re.compile(rb"""<(?:[\w.-]+:)?numFmt\b[^<>]*?numFmtId\s*=\s*["'](\d+)["'][^<>]*?formatCode\s*=\s*["']([^"'<>]*)["']""")
_NUMFMT2 = re.compile(rb"""<(?:[\w.-]+:)?numFmt\b[^<>]*?formatCode\s*=\s*["']([^"'<>]*)["'][^<>]*?numFmtId\s*=\s*["'](\d+)["']""")
_CELLXFS = re.compile(rb"<(?:[\w.-]+:)?cellXfs\b.*?</(?:[\w.-]+:)?cellXfs>", re.S)  # searched once: linear
_XF = re.compile(rb"<(?:[\w.-]+:)?xf\b([^<>]*)")
_XF_FMT = re.compile(rb"""\bnumFmtId\s*=\s*["'](\d+)["']""")
_FMT_NOISE = re.compile(r'"[^"]*"|\\.|\[(?![hms]+\])[^\]]*\]|general', re.I)
_DATE_CODE = re.compile(r"[dmyhs]", re.I)


@dataclass(frozen=True)
class _Styles:
    """What the cell formats of styles.xml say about numbers: which ``s="…"`` show them as
    dates or times, and which as percentages (a "85%" typed is stored as 0.85)."""

    dates: frozenset[int] = frozenset()
    percents: frozenset[int] = frozenset()


NO_STYLES = _Styles()
_PERCENT_IDS = {9, 10}
#: the styles of a styles.xml, by the digest of its stored bytes (the same in every form of a layout)
_STYLES: dict[bytes, _Styles] = {}


def _style_kinds(styles: bytes) -> _Styles:
    """Indexes of the cell formats that show numbers as dates or times, and as percentages."""
    custom = {int(i): xml_text(c) for i, c in _NUMFMT.findall(styles)}
    custom.update({int(i): xml_text(c) for c, i in _NUMFMT2.findall(styles)})
    section = _CELLXFS.search(styles)
    dates, percents = set(), set()
    for n, attrs in enumerate(_XF.findall(section.group(0)) if section else []):
        m = _XF_FMT.search(attrs)
        fid = int(m.group(1)) if m else 0
        if fid in custom:
            code = _FMT_NOISE.sub("", custom[fid])
            if _DATE_CODE.search(code):
                dates.add(n)
            elif "%" in code:
                percents.add(n)
        elif fid in _DATE_IDS:
            dates.add(n)
        elif fid in _PERCENT_IDS:
            percents.add(n)
    return _Styles(frozenset(dates), frozenset(percents))


def _serial_date(v: float, date1904: bool) -> str:
    base = datetime(1904, 1, 1) if date1904 else datetime(1899, 12, 30)
    try:
        t = base + timedelta(days=v)
    except (OverflowError, ValueError):
        return repr(v)
    return t.date().isoformat() if v == int(v) else t.isoformat()


def _cell_ref(row: int, col: int) -> bytes:
    return (column_letter(col) + str(row)).encode()


_REF_BYTES = re.compile(rb"([A-Z]{1,3})(\d+)")


class _CellValues:
    """The wanted cells' values and formula states, per sheet, as plain dicts keyed by
    b"C5": converted from the raw XML (fast path) or taken from calamine (fallback)."""

    def __init__(self, reader: _FileReader, book: _Book, sheets: dict[str, _Sheet], fast: bool, styles: _Styles = NO_STYLES):
        self.reader, self.book, self.sheets, self.fast = reader, book, sheets, fast
        self.values: dict[str, dict[bytes, Any]] = {t: {} for t in sheets}
        self.formulas: dict[str, dict[bytes, bool]] = {}
        self._wb = None
        if fast:
            self._convert_all()
            self.formulas = {t: s.formulas or {} for t, s in sheets.items()}
        else:
            self._from_calamine(styles)

    def close(self) -> None:
        if self._wb is not None:
            self._wb.close()

    def _sst_xml(self) -> bytes | None:
        return self.reader._xml_member("xl/sharedStrings.xml") if "xl/sharedStrings.xml" in self.reader.members else None

    # -- fast path: the values are converted; only shared strings remain
    def _convert_all(self) -> None:
        wanted: set[int] = set()
        for title, sheet in self.sheets.items():
            self.values[title] = sheet.values if sheet.values is not None else {}
            wanted.update(i for _, i in sheet.shared)
        if not wanted:
            return
        xml = self._sst_xml()
        sst = _shared_strings(xml, wanted) if xml is not None else {}
        for title, sheet in self.sheets.items():
            out = self.values[title]
            for ref, i in sheet.shared:
                if i not in sst:
                    raise _bad_index(title, ref, i)
                out[ref] = _norm(sst[i])

    # -- fallback: python-calamine grids (after the size checks of _slow_sheet)
    def _from_calamine(self, styles: _Styles) -> None:
        import python_calamine as pc

        texts = self._as_written(styles)  # checked before calamine parses anything
        for title, sheet in self.sheets.items():
            try:
                if self._wb is None:
                    self._wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(self.reader.raw))
                cells = [(ref, int(m.group(2)) - 1, names.col_number(m.group(1).decode()) - 1) for ref in sheet.wanted if (m := _REF_BYTES.fullmatch(ref))]
                nrows = max((r for _, r, _ in cells), default=0) + 1
                grid = self._wb.get_sheet_by_name(title).to_python(skip_empty_area=False, nrows=nrows)
            except Exception as exc:  # noqa: BLE001 - calamine names malformed XML; the library resends
                raise _Reject("malformed_xml", detail=f"arkusz „{title}” albo teksty skoroszytu nie są poprawnym XML (np. niedomknięte znaczniki)") from exc
            out = self.values[title]
            for ref, r, c in cells:
                if r < len(grid) and c < len(grid[r]):
                    v = _norm(grid[r][c])
                    if v is not None:
                        out[ref] = v
            out.update(texts.get(title, {}))
            if sheet.formulas is not None:
                self.formulas[title] = sheet.formulas
            else:  # cells without positions: judge the wanted cells found
                self.formulas[title] = {ref: _has_cache(a, b) for ref, (a, b) in sheet.cells.items() if b and _HAS_F.search(b)}

    def _as_written(self, styles: _Styles) -> dict[str, dict[bytes, Any]]:
        """What the fast path reads that calamine does not say, from the wanted cells' own
        XML: a number Excel would not read rejects the file, as does a shared-string index
        that points nowhere; percent formats are noted; text is decoded as the fast path
        decodes it (calamine keeps ``_xD800_`` escapes as they are)."""
        texts: dict[str, dict[bytes, Any]] = {}
        shared: list[tuple[str, bytes, int]] = []
        for title, sheet in self.sheets.items():
            out = texts.setdefault(title, {})
            for ref, (attrs, body) in sheet.cells.items():
                t = _t_attr(attrs)
                v = _raw_v(body)
                if t == b"n" and v:
                    if _number(v) is None:
                        raise _not_a_number(title, ref, v)
                    if styles.percents and (m := _ATTR_S.search(attrs)) and int(m.group(1)) in styles.percents:
                        sheet.percent.add(ref)
                elif t == b"s" and v is not None and v.strip().isdigit():
                    shared.append((title, ref, int(v)))
                elif t == b"inlineStr" and body:
                    i = body.find(b"<is>")
                    out[ref] = _norm(rich_text(body[i + 4 : body.rfind(b"</is>")] if i >= 0 else body))
                elif t in (b"str", b"d") and v is not None:
                    out[ref] = _norm(xml_text(v))
        if shared:
            xml = self._sst_xml()
            sst = _shared_strings(xml, {i for _, _, i in shared}) if xml is not None else {}
            for title, ref, i in shared:
                if i not in sst:
                    raise _bad_index(title, ref, i)
                texts[title][ref] = _norm(sst[i])
        return texts


def _bad_index(title: str, ref: bytes, i: int) -> _Reject:
    return _Reject("malformed_xml", detail=f"komórka „{title}”!{ref.decode()} wskazuje nieistniejący tekst nr {i}")


def _t_attr(attrs: bytes) -> bytes:
    m = _ATTR_T.search(attrs)
    return m.group(1) if m else b"n"


_SI = re.compile(rb"<(?:[\w.-]+:)?si\b[^<>]*?(/?)>")
_SI_END = re.compile(rb"</(?:[\w.-]+:)?si>")


def _shared_strings(xml: bytes, wanted: set[int]) -> dict[int, str]:
    """Only the wanted entries of sharedStrings.xml, scanned only as far as the last one.

    A form's own texts come first (Excel and LibreOffice number them in sheet order, and
    the form puts ``_meta`` before the register sheets): the thousands of TERYT names
    behind them are never split out nor counted. The entries up to the last wanted one
    are split at ``<si>`` (C speed) when every one of them is an unprefixed ``<si>``
    without attributes; otherwise they are found one by one. An index past the last entry
    is absent from the result (the caller reports it)."""
    top = max(wanted)
    pieces = _head_pieces(xml, top)
    if len(pieces) == top + 2:
        end = sum(map(len, pieces)) - len(pieces[-1]) + 4 * (top + 1)  # the last wanted entry starts here
        if xml.count(b"<si", 0, end) == top + 1 and xml.find(b":si", 0, end) < 0:
            return {i: _si_text(pieces[i + 1]) for i in wanted}
    out: dict[int, str] = {}
    for n, m in enumerate(_SI.finditer(xml)):
        if n > top:
            break
        if n in wanted:
            out[n] = "" if m.group(1) else _si_text(xml[m.end() : m.end() + _si_length(xml, m.end())])
    return out


def _head_pieces(xml: bytes, top: int) -> list[bytes]:
    """``xml.split(b"<si>", top + 1)`` as far as the texts go: the first entries and the
    last wanted one through its ``</si>``, without copying the thousands of entries behind
    (what the split's last piece would hold). A head of the part is split first, the
    whole part when the head does not hold the entry ``top`` to its end."""
    n = max(8192, 128 * (top + 1))
    while n < len(xml):
        pieces = xml[:n].split(b"<si>", top + 1)
        if len(pieces) == top + 2 and b"</si>" in pieces[-1]:
            return pieces
        n *= 4
    return xml.split(b"<si>", top + 1)


def _si_length(xml: bytes, start: int) -> int:
    m = _SI_END.search(xml, start)
    nxt = _SI.search(xml, start)
    end = min(x.start() for x in (m, nxt) if x is not None) if (m or nxt) else len(xml)
    return end - start


def _si_text(p: bytes) -> str:
    end = p.find(b"</si>")
    if end < 0:
        m = _SI_END.search(p)
        end = m.start() if m else len(p)
    return rich_text(p[:end])


# -- formula text: read only for the few input cells holding a formula
_F_TEXT = re.compile(rb"<" + _PREFIX + rb"f\b([^<>]*?)(?:/>|>([^<]*)</" + _PREFIX + rb"f>)")
_SI_ATTR = re.compile(rb"""\bsi\s*=\s*["'](\d+)["']""")


def _cell_body(xml: bytes, ref: bytes) -> bytes | None:
    """The XML of one cell, found by its reference (the few input cells with formulas)."""
    i = xml.find(b'<c r="' + ref + b'"')
    if i < 0:
        return None
    end = xml.find(b"</c>", i)
    nxt = xml.find(b"<c ", i + 3)
    return xml[i : min(x for x in (end, nxt, len(xml)) if x >= 0)]


def _formula_of(xml: bytes, body: bytes) -> str | None:
    """A cell's formula text; a shared formula's (``<f t="shared" si="3"/>``) from the cell
    that holds it."""
    m = _F_TEXT.search(body)
    if m is None:
        return None
    if m.group(2):
        return xml_text(m.group(2))
    si = _SI_ATTR.search(m.group(1))
    if si is None:
        return ""
    for f in _F_TEXT.finditer(xml):
        if f.group(2) and (s2 := _SI_ATTR.search(f.group(1))) and s2.group(1) == si.group(1):
            return xml_text(f.group(2))
    return ""
