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
