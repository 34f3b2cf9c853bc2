"""``xl/workbook.xml`` and its relationships: sheets and defined names, parsed with defusedxml."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .. import names
from .submission import _Reject


# ============================================================================ workbook.xml
# workbook.xml and its relationships are parsed with defusedxml, once per distinct file
# (all forms of one layout share it: _plan caches the result).
_REF = re.compile(
    r"^(?:'((?:[^']|'')+)'|([^'!:\[\]]+))!\$?([A-Za-z]{1,3})\$?(\d{1,7})(?::\$?([A-Za-z]{1,3})\$?(\d{1,7}))?$"
)
Ref = tuple[str, int, int, int, int]  # sheet, min_col, min_row, max_col, max_row
_MODIFIED = re.compile(rb"<(?:[\w.-]+:)?modified\b[^<>]*>([^<]*)<")


@lru_cache(maxsize=65536)
def parse_ref(text: str) -> Ref | None:
    """``'Sheet'!$B$2`` or ``Sheet!$B$2:$F$2`` → (sheet, c1, r1, c2, r2); anything else None."""
    m = _REF.match(text.strip())
    if not m:
        return None
    sheet = m.group(1).replace("''", "'") if m.group(1) is not None else m.group(2).strip()
    c1, r1 = names.col_number(m.group(3)), int(m.group(4))
    c2, r2 = (names.col_number(m.group(5)), int(m.group(6))) if m.group(5) else (c1, r1)
    return sheet, min(c1, c2), min(r1, r2), max(c1, c2), max(r1, r2)


@dataclass
class _Book:
    sheets: dict[str, tuple[str, str]]  # title → (part name, state)
    names: dict[str, str]  # global defined name → text
    date1904: bool = False


def _read_book(wb_xml: bytes, rels_xml: bytes) -> _Book:
    """Sheets and defined names, parsed with defusedxml (DTDs, entities and external
    references forbidden). Called once per distinct workbook.xml: see :func:`_plan`."""
    import defusedxml.ElementTree as DET
    from defusedxml import DefusedXmlException

    try:
        root = DET.fromstring(wb_xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        rels = DET.fromstring(rels_xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise _Reject("xml_entities", part="xl/workbook.xml") from exc
    except DET.ParseError as exc:
        raise _Reject("corrupt_zip", detail="błędny opis skoroszytu workbook.xml") from exc
    targets: dict[str, str] = {}
    for rel in rels:
        if _local(rel.tag) != "Relationship" or (rel.get("TargetMode") or "").lower() == "external":
            continue
        target = (rel.get("Target") or "").replace("\\", "/")
        targets[rel.get("Id") or ""] = _norm_path(target[1:] if target.startswith("/") else "xl/" + target)
    sheets: dict[str, tuple[str, str]] = {}
    dnames: dict[str, str] = {}
    date1904 = False
    for el in root.iter():
        tag = _local(el.tag)
        if tag == "sheet":
            title = el.get("name") or ""
            rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), "")
            if title and title not in sheets:
                sheets[title] = (targets.get(rid, ""), el.get("state") or "visible")
        elif tag == "definedName":
            name = el.get("name") or ""
            if el.get("localSheetId") is None and name and name not in dnames:
                dnames[name] = el.text or ""
        elif tag == "workbookPr":
            date1904 = (el.get("date1904") or "").lower() in ("1", "true")
    return _Book(sheets, dnames, date1904)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _norm_path(path: str) -> str:
    out: list[str] = []
    for seg in path.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if out:
                out.pop()
            continue
        out.append(seg)
    return "/".join(out)
