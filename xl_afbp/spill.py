"""Single-cell dynamic-array formulas ("spilling") in an .xlsx written by openpyxl.

Excel 365 marks a formula that spills with cell metadata: the cell carries ``cm="1"``,
pointing at a ``cellMetadata`` block of ``xl/metadata.xml`` whose future metadata
``XLDAPR`` says ``fDynamic="1"``; the formula itself is an array formula whose ``ref`` is
the anchor cell only. Without the metadata Excel treats ``{=F(…)}`` over one cell as an
old Ctrl+Shift+Enter array and shows just its first value. openpyxl writes array formulas
but not the metadata, so :func:`make_dynamic` adds it afterwards: the part, its content
type, the workbook relationship and the attribute, as XlsxWriter's
``write_dynamic_array_formula`` and Excel itself write them.

Excel 2016/2019 have no dynamic arrays: they open such a formula as a one-cell array
formula (the first value only); their users select the result range and enter the formula
with Ctrl+Shift+Enter (docs/udfs.md). LibreOffice 7.4 (the oracle of the tests) opens it
the same way, as a one-cell array formula.
"""

from __future__ import annotations

import io
import re
import zipfile

METADATA_PART = "xl/metadata.xml"
METADATA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"
METADATA_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sheetMetadata"
METADATA_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<metadata xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray">'
    '<metadataTypes count="1"><metadataType name="XLDAPR" minSupportedVersion="120000" copy="1" pasteAll="1" '
    'pasteValues="1" merge="1" splitFirst="1" rowColShift="1" clearFormats="1" clearComments="1" assign="1" '
    'coerce="1" cellMeta="1"/></metadataTypes>'
    '<futureMetadata name="XLDAPR" count="1"><bk><extLst><ext uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}">'
    '<xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/></ext></extLst></bk></futureMetadata>'
    '<cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata></metadata>'
)

# A cell whose formula is an array formula over that cell alone: <c r="A2" …><f t="array" ref="A2">
_CELL = re.compile(r'<c r="(?P<ref>[A-Z]+[0-9]+)"(?P<attrs>[^>]*)>(?P<f><f t="array" ref="(?P=ref)")')
_SHEET = re.compile(r"^xl/worksheets/sheet\d+\.xml$")


def _mark_cells(xml: str) -> tuple[str, int]:
    """Add ``cm="1"`` to every one-cell array formula; return the text and how many."""
    count = 0

    def repl(m: re.Match) -> str:
        nonlocal count
        count += 1
        attrs = re.sub(r'\s+cm="\d+"', "", m.group("attrs"))
        return f'<c r="{m.group("ref")}"{attrs} cm="1">{m.group("f")}'

    return _CELL.sub(repl, xml), count


def make_dynamic(xlsx: bytes) -> bytes:
    """Turn every one-cell array formula of the workbook into a dynamic-array formula."""
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    parts = {info.filename: src.read(info) for info in src.infolist()}
    marked = 0
    for name, data in parts.items():
        if _SHEET.match(name):
            text, n = _mark_cells(data.decode("utf-8"))
            if n:
                parts[name] = text.encode("utf-8")
                marked += n
    if marked and METADATA_PART not in parts:
        parts[METADATA_PART] = METADATA_XML.encode("utf-8")
        types = parts["[Content_Types].xml"].decode("utf-8")
        override = f'<Override PartName="/{METADATA_PART}" ContentType="{METADATA_TYPE}"/>'
        parts["[Content_Types].xml"] = types.replace("</Types>", override + "</Types>").encode("utf-8")
        rels_name = "xl/_rels/workbook.xml.rels"
        rels = parts[rels_name].decode("utf-8")
        used = {int(n) for n in re.findall(r'Id="rId(\d+)"', rels)}
        rel = f'<Relationship Id="rId{max(used, default=0) + 1}" Type="{METADATA_REL}" Target="metadata.xml"/>'
        parts[rels_name] = rels.replace("</Relationships>", rel + "</Relationships>").encode("utf-8")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, parts[info.filename])
        if METADATA_PART not in src.namelist() and METADATA_PART in parts:
            dst.writestr(METADATA_PART, parts[METADATA_PART])
    return out.getvalue()


__all__ = ["METADATA_PART", "make_dynamic"]
