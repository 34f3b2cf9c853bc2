"""OpenDocument spreadsheets (.ods): the form saved by LibreOffice in its own format.

A library that fills the form in LibreOffice may save it as ``.ods``. LibreOffice keeps
every sheet (``_meta`` too), the defined names (as named ranges), the formulas and their
results, so the file is read and judged exactly like an ``.xlsx``: the same plan of cells
through the names, the same identification, tamper checks and data checks
(:mod:`.interpret`). Only the container differs:

* ``content.xml`` holds every sheet. The named ranges are read first (they follow the last
  sheet), then the wanted cells, in one pass of the C parser expat (namespace-aware, no
  DTD, no entity other than the five predefined ones). Cells repeat across columns and
  rows (``number-columns-repeated``): positions are counted, repeated cells are never
  expanded one by one.
* a cell's value is its ``office:value-type`` and ``office:value`` (numbers must be
  written as Excel writes them), ``office:date-value``, ``office:boolean-value``, or the
  text of its paragraphs; ``percentage`` is a number shown as a percentage; a formula is
  ``table:formula`` with its result as the value (``calcext:value-type="error"``: none).
* sheets linked to other files and DDE links are external links (rejected).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from xml.parsers import expat

from .. import names
from .book import _Book
from .cells import _NUMBER, _Sheet, _too_big, xml_text
from .convert import _norm
from .submission import Limits, _Reject

CONTENT = "content.xml"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
_S = " "  # expat's namespace separator

_NAMED_RANGE = re.compile(rb"<(?:[\w.-]+:)?named-range\b([^<>]*?)/?>")
_ATTR = re.compile(rb"""([\w.:-]+)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')""")
_ADDRESS = re.compile(r"^\$?(?:'((?:[^']|'')+)'|([^.'$][^.]*?))?\.\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
_EXTERNAL = re.compile(rb"<(?:[\w.-]+:)?(?:table-source|dde-source|dde-links|dde-link)\b")
_DURATION = re.compile(r"^-?P(?:(\d+)D)?T?(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$")
_META_DATE = re.compile(rb"<(?:[\w.-]+:)?date>([^<]{1,64})</(?:[\w.-]+:)?date>")


def ods_book(content: bytes) -> _Book:
    """Sheet titles and global named ranges (as ``'Sheet'!$C$5`` texts) of content.xml."""
    if _EXTERNAL.search(content):
        raise _Reject("external_links")
    titles = [xml_text(t) for t in re.findall(rb"<(?:[\w.-]+:)?table\b[^<>]*?\bname=\"([^\"<]*)\"", content)]
    sheets = {t: (CONTENT, "visible") for t in dict.fromkeys(titles)}
    tail = content[content.rfind(b"</table:table>") :] if b"</table:table>" in content else content
    dnames: dict[str, str] = {}
    for m in _NAMED_RANGE.finditer(tail):
        attrs = {k.split(b":")[-1]: xml_text(dq or sq) for k, dq, sq in _ATTR.findall(m.group(1))}
        name, address = attrs.get(b"name"), attrs.get(b"cell-range-address")
        if name and address and name not in dnames:
            ref = _a1(address)
            if ref is not None:
                dnames[name] = ref
    return _Book(sheets, dnames)


def _a1(address: str) -> str | None:
    """``$'Dane podstawowe'.$B$7`` or ``$K-03.$C$9:.$F$9`` → ``'Dane podstawowe'!$B$7`` /
    ``'K-03'!$C$9:$F$9``; None for anything else (several ranges, whole rows)."""
    parts = address.split(":")
    if len(parts) > 2:
        return None
    found = [_ADDRESS.match(p.strip()) for p in parts]
    if not all(found):
        return None
    first = found[0]
    sheet = first.group(1).replace("''", "'") if first.group(1) is not None else first.group(2)  # type: ignore[union-attr]
    if not sheet:
        return None
    cells = [f"${m.group(3).upper()}${m.group(4)}" for m in found if m]
    return "'" + sheet.replace("'", "''") + "'!" + ":".join(cells)


def ods_saved_at(meta_xml: bytes) -> str | None:
    """meta.xml ``dc:date``: when LibreOffice last saved the file."""
    m = _META_DATE.search(meta_xml)
    return xml_text(m.group(1)) if m else None


@dataclass
class _Cell:
    row: int
    col: int
    repeat: int
    vtype: str | None
    attrs: dict[str, str]
    formula: str | None
    text: list[str] = field(default_factory=list)
    paragraphs: int = 0


class _ContentParser:
    """One expat pass over content.xml: the wanted cells of the wanted sheets."""

    def __init__(self, wanted: dict[str, set[bytes]], limits: Limits):
        self.limits = limits
        self.wanted = {t: self._positions(cells) for t, cells in wanted.items()}
        self.sheets: dict[str, _Sheet] = {}
        self.table: str | None = None
        self.depth = 0  # nesting of tables (a sub-table is not read)
        self.row = self.col = 1
        self.row_repeat = 1
        self.cell: _Cell | None = None
        self.note = 0  # inside an annotation (a comment): its text is no value
        self.para = 0  # inside a paragraph of the cell
        self.max_row = self.max_col = 0

    @staticmethod
    def _positions(cells: set[bytes]) -> dict[int, dict[int, bytes]]:
        out: dict[int, dict[int, bytes]] = {}
        for ref in cells:
            m = re.fullmatch(rb"([A-Z]{1,3})(\d+)", ref)
            if m:
                out.setdefault(int(m.group(2)), {})[names.col_number(m.group(1).decode())] = ref
        return out

    def parse(self, content: bytes) -> dict[str, _Sheet]:
        p = expat.ParserCreate(namespace_separator=_S)
        p.buffer_text = True
        p.StartDoctypeDeclHandler = self._refuse
        p.EntityDeclHandler = self._refuse
        p.ExternalEntityRefHandler = self._refuse
        p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        p.StartElementHandler = self.start
        p.EndElementHandler = self.end
        p.CharacterDataHandler = self.chars
        try:
            p.Parse(content, True)
        except expat.ExpatError as exc:
            raise _Reject("malformed_xml", detail=f"część {CONTENT} nie jest poprawnym XML (wiersz {exc.lineno})") from exc
        return self.sheets

    def _refuse(self, *args: Any) -> None:
        raise _Reject("xml_entities", part=CONTENT)

    # -- structure
    def start(self, tag: str, attrs: dict[str, str]) -> None:
        ns, _, local = tag.rpartition(_S)
        if ns == _TABLE:
            if local == "table":
                self.depth += 1
                if self.depth == 1:
                    self._open_table(attrs.get(_TABLE + _S + "name", ""))
                return
            if self.depth != 1 or self.table is None:
                return
            if local == "table-row":
                self.row_repeat = _count(attrs.get(_TABLE + _S + "number-rows-repeated"))
                self.col = 1
            elif local in ("table-cell", "covered-table-cell"):
                self._open_cell(attrs)
        elif self.cell is not None:
            if ns == _OFFICE and local == "annotation":
                self.note += 1
            elif self.note:
                return
            elif ns == _TEXT and local in ("p", "h"):
                if self.cell.paragraphs:
                    self.cell.text.append("\n")
                self.cell.paragraphs += 1
                self.para += 1
            elif ns == _TEXT and local == "s":
                self.cell.text.append(" " * min(_count(attrs.get(_TEXT + _S + "c")), 1000))
            elif ns == _TEXT and local == "tab":
                self.cell.text.append("\t")
            elif ns == _TEXT and local == "line-break":
                self.cell.text.append("\n")

    def end(self, tag: str) -> None:
        ns, _, local = tag.rpartition(_S)
        if ns == _TABLE and local == "table":
            if self.depth == 1:
                self._close_table()
            self.depth -= 1
        elif self.depth != 1 or self.table is None:
            return
        elif ns == _TABLE and local in ("table-cell", "covered-table-cell") and self.cell is not None:
            self._close_cell()
        elif ns == _TABLE and local == "table-row":
            self.row += self.row_repeat
            self.row_repeat = 1
        elif ns == _OFFICE and local == "annotation" and self.note:
            self.note -= 1
        elif ns == _TEXT and local in ("p", "h") and self.para and not self.note:
            self.para -= 1

    def chars(self, data: str) -> None:
        if self.cell is not None and self.para and not self.note:
            self.cell.text.append(data)

    def _open_table(self, title: str) -> None:
        self.table = title if title in self.wanted else None
        self.row, self.col, self.max_row, self.max_col = 1, 1, 0, 0
        if self.table is not None:
            self.sheets[title] = _Sheet(title, {}, {}, frozenset(), {}, formula_texts={})

    def _close_table(self) -> None:
        if self.table is not None:
            _too_big(self.table, self.max_row, self.max_col, self.limits)
        self.table = None

    def _open_cell(self, attrs: dict[str, str]) -> None:
        repeat = _count(attrs.get(_TABLE + _S + "number-columns-repeated"))
        vtype = attrs.get(_OFFICE + _S + "value-type")
        if attrs.get(_CALCEXT + _S + "value-type") == "error":
            vtype = "error"
        formula = attrs.get(_TABLE + _S + "formula")
        self.cell = _Cell(self.row, self.col, repeat, vtype, attrs, formula)

    def _close_cell(self) -> None:
        cell, self.cell = self.cell, None
        self.para = 0
        assert cell is not None
        self.col += cell.repeat
        if cell.vtype is None and cell.formula is None and not cell.paragraphs:
            return  # an empty cell (the repeated blanks up to column XFD)
        self.max_row = max(self.max_row, cell.row + self.row_repeat - 1)
        self.max_col = max(self.max_col, cell.col + cell.repeat - 1)
        rows = self.wanted[self.table]  # type: ignore[index]
        last = cell.row + self.row_repeat
        # over the wanted rows, not the repeated ones: a row may repeat a million times
        hits = [(r, c, ref) for r, cols in rows.items() if cell.row <= r < last for c, ref in cols.items() if cell.col <= c < cell.col + cell.repeat]
        if not hits:
            return
        sheet = self.sheets[self.table]  # type: ignore[index]
        value, percent = _value(cell)
        for _r, _c, ref in hits:
            if value is not None:
                sheet.values[ref] = value  # type: ignore[index]
            if percent:
                sheet.percent.add(ref)
            if cell.formula is not None:
                # LibreOffice writes an empty text result without a value type: still a result
                sheet.formulas[ref] = cell.vtype != "error"  # type: ignore[index]
                sheet.formula_texts[ref] = _formula_text(cell.formula)  # type: ignore[index]


def _count(v: str | None) -> int:
    """A repeat count: 1 when absent or odd (never more than a sheet can have)."""
    if v is None or not v.isdigit():
        return 1
    return max(1, min(int(v), 1_048_576))


def _formula_text(formula: str) -> str:
    """``of:=SUM([.A1:.A3])`` → ``SUM([.A1:.A3])`` (the namespace prefix and "=" dropped)."""
    text = formula.split(":", 1)[1] if re.match(r"^[a-z]{1,8}:", formula) else formula
    return text[1:] if text.startswith("=") else text


def _value(cell: _Cell) -> tuple[Any, bool]:
    """(the cell's value as the xlsx paths give it, whether it is a percentage)."""
    a, vtype = cell.attrs, cell.vtype
    office = _OFFICE + _S
    if vtype in ("float", "currency", "percentage"):
        raw = a.get(office + "value", "")
        if not _NUMBER.fullmatch(raw.encode("utf-8", "replace")):
            return raw.strip() or None, False
        return _norm(float(raw)), vtype == "percentage"
    if vtype == "boolean":
        return a.get(office + "boolean-value", "").strip().lower() == "true", False
    if vtype == "date":
        return _date(a.get(office + "date-value", "")), False
    if vtype == "time":
        return _time(a.get(office + "time-value", "")), False
    if vtype == "error":
        return None, False
    if vtype == "string" and (office + "string-value") in a:
        return _norm(a[office + "string-value"]), False
    return _norm("".join(cell.text)), False


def _date(text: str) -> str | None:
    text = text.strip()
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        return text or None
    return t.date().isoformat() if len(text) <= 10 else t.isoformat()


def _time(text: str) -> str | None:
    m = _DURATION.match(text.strip())
    if not m:
        return text.strip() or None
    d, h, mi, s = (float(x) if x else 0.0 for x in m.groups())
    return (datetime(1899, 12, 30) + timedelta(days=d, hours=h, minutes=mi, seconds=s)).isoformat()


def ods_cells(content: bytes, wanted: dict[str, set[bytes]], limits: Limits) -> dict[str, _Sheet]:
    """The wanted cells of every wanted sheet of content.xml (a sheet missing: no cells)."""
    sheets = _ContentParser(wanted, limits).parse(content)
    for title in wanted:
        sheets.setdefault(title, _Sheet(title, {}, {}, frozenset(), {}, formula_texts={}))
    return sheets


__all__ = ["CONTENT", "ods_book", "ods_cells", "ods_saved_at"]
