"""Typing values into a generated form without openpyxl: the demo's returned files, fast.

:func:`xl_afbp.workbook.fill.fill_form` loads and saves the whole workbook with openpyxl
(~0.35 s of CPU a form); the demo fills a region's forms for two years. This writes the
same inputs straight into the sheet XML of the generated file: every input cell is found
through the defined names of ``workbook.xml``, its value written as ``fill_form`` writes it
(numbers as numbers, text as an inline string, so it never becomes a formula), and – as in
a file openpyxl saved – no formula keeps a cached result. Only files xl-afbp generated are
filled this way (their input cells exist, styled, in the sheet XML); the reader gets the
same data from both (``tests/test_demo.py``).
"""

from __future__ import annotations

import re
from pathlib import Path

from ..formdata import FormData
from ..ooxml.cells import cell_xml, column_letter
from ..ooxml.parts import sheet_parts, zipfile_text
from ..ooxml.zipcopy import compress, read_members, write_zip
from ..workbook.fill import typed_values

_NAME = re.compile(r'<definedName name="([^"]+)"[^>]*>([^<]+)</definedName>')
_TARGET = re.compile(r"^'?(.+?)'?!\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?$")
_FORMULA_CELL = re.compile(r'<c r="([A-Z]+\d+)"([^>]*)><f>(.*?)</f>(?:<v>[^<]*</v>)?</c>', re.S)


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _targets(workbook_xml: str) -> dict[str, tuple[str, int, int]]:
    """Defined name → (sheet title, first column, row)."""
    out = {}
    for name, ref in _NAME.findall(workbook_xml):
        m = _TARGET.match(ref.replace("&apos;", "'").replace("''", "'"))
        if m:
            out[name] = (m.group(1), _col(m.group(2)), int(m.group(3)))
    return out


def fill_fast(src: Path | str, data: FormData, dst: Path | str, *, engine) -> Path:
    """Copy generated form ``src`` to ``dst`` with the inputs of ``data`` typed in."""
    members = read_members(Path(src).read_bytes())
    parts = sheet_parts(members)
    targets = _targets(zipfile_text(members["xl/workbook.xml"]))
    values: dict[str, dict[str, object]] = {}
    for name, value, offset in typed_values(data, engine, available=set(targets)):
        sheet, col, row = targets[name]
        values.setdefault(parts[sheet], {})[f"{column_letter(col + offset)}{row}"] = None if value == "" else value
    changed = {}
    for part in sorted(set(parts.values())):
        xml = zipfile_text(members[part])
        new = _FORMULA_CELL.sub(_uncached, xml)
        for ref, value in values.get(part, {}).items():
            new = _set_cell(new, ref, value, part)
        if new != xml:
            changed[part] = compress(part, new.encode("utf-8"), level=6)
    write_zip(dst, [changed.get(name, member) for name, member in members.items()])
    return Path(dst)


def _uncached(m: re.Match) -> str:
    """A formula cell without its cached result (and the result's type), as openpyxl saves it."""
    attrs = re.sub(r' t="[^"]*"', "", m.group(2))
    return f'<c r="{m.group(1)}"{attrs}><f>{m.group(3)}</f></c>'


def _set_cell(xml: str, ref: str, value: object, part: str) -> str:
    m = re.search(rf'<c r="{ref}"((?: [a-z]+="[^"]*")*)\s*(?:/>|>.*?</c>)', xml, re.S)
    if m is None:  # pragma: no cover - a form xl-afbp generated has every input cell
        raise ValueError(f"{part}: no cell {ref} to type into")
    style = re.search(r' s="(\d+)"', m.group(1))
    return xml[: m.start()] + cell_xml(ref, style.group(1) if style else "", value) + xml[m.end() :]
