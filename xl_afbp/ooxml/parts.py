"""Parts of a workbook package we wrote ourselves: which member holds which sheet, and
data rows spliced into a saved sheet. (Returned files are parsed by :mod:`xl_afbp.reader`
with defusedxml, never with these regular expressions.)"""

from __future__ import annotations

import re
import zlib

from .cells import column_letter
from .zipcopy import Member


def zipfile_text(member: Member) -> str:
    """A member's XML as text (decompressed when deflated)."""
    raw = member.data if member.method == 0 else zlib.decompress(member.data, -15)
    return raw.decode("utf-8")


def _unescape(text: str) -> str:
    return text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")


def sheet_parts(members: dict[str, Member]) -> dict[str, str]:
    """Sheet title → zip member name, read from workbook.xml and its relationships."""
    wb = zipfile_text(members["xl/workbook.xml"])
    rels = zipfile_text(members["xl/_rels/workbook.xml.rels"])
    targets = {m.group(1): m.group(2) for m in re.finditer(r'<Relationship[^>]*Id="([^"]+)"[^>]*Target="([^"]+)"', rels)}
    targets |= {m.group(2): m.group(1) for m in re.finditer(r'<Relationship[^>]*Target="([^"]+)"[^>]*Id="([^"]+)"', rels)}
    out = {}
    for m in re.finditer(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', wb):
        target = targets[m.group(2)].lstrip("/")
        out[_unescape(m.group(1))] = target if target.startswith("xl/") else "xl/" + target
    return out


def append_rows(xml: str, rows: str, last_row: int, last_col: int) -> str:
    """A sheet's XML with ``rows`` (``<row>`` elements) added at the end of its sheetData,
    and its ``<dimension>`` widened to ``last_row``/``last_col`` when they lie beyond it."""
    if "</sheetData>" in xml:
        xml = xml.replace("</sheetData>", rows + "</sheetData>", 1)
    else:
        xml = re.sub(r"<sheetData\s*/>", lambda _m: f"<sheetData>{rows}</sheetData>", xml, count=1)
    m = re.search(r'<dimension ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"\s*/>', xml)
    if m and rows and last_row > int(m.group(4)):
        col = max(m.group(3), column_letter(last_col), key=lambda c: (len(c), c))
        xml = xml[: m.start()] + f'<dimension ref="{m.group(1)}{m.group(2)}:{col}{last_row}"/>' + xml[m.end() :]
    return xml
