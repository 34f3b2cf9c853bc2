"""The zip directory only (no decompression): entries, sizes, ratios and member names."""

from __future__ import annotations

import re
import struct
import zipfile

from .submission import Limits, _Reject
from .texts import _list, _mb, _wrong_format


# ============================================================================ zip members
_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
_KNOWN_PARTS = re.compile(
    r"^(?:\[Content_Types\]\.xml|_rels/\.rels|mimetype"
    r"|docProps/[\w.-]+\.xml|docProps/thumbnail\.(?:jpe?g|png|wmf|emf)|docMetadata/[\w.-]+\.xml|customXml/(?:_rels/)?[\w.-]+\.(?:xml|rels)"
    r"|xl/(?:_rels/)?workbook\.xml(?:\.rels)?|xl/(?:sharedStrings|styles|calcChain|metadata|connections)\.xml"
    r"|xl/theme/(?:_rels/)?theme\d*\.xml(?:\.rels)?"
    r"|xl/(?:worksheets|chartsheets|dialogsheets|drawings|charts|tables|pivotTables|pivotCache|queryTables"
    r"|persons|threadedComments|richData|slicers|slicerCaches|timelines|timelineCaches|namedSheetViews"
    r"|revisions|ctrlProps|diagrams|featurePropertyBag|webextensions|customData)"
    r"/(?:_rels/)?[\w.-]+\.(?:xml|rels|vml)"
    r"|xl/comments\d*\.xml|xl/worksheets/_rels/[\w.-]+\.rels|xl/printerSettings/printerSettings\d*\.bin"
    r"|xl/media/[\w.-]+\.(?:png|jpe?g|gif|bmp|emf|wmf|tiff?|svg|wdp))$",
    re.I,
)
_MACRO_PART = re.compile(r"^xl/(?:vbaProject\.bin|vbaProjectSignature[\w]*\.bin|vbaData\.xml|activeX/.*|macrosheets/.*)$", re.I)
_EXTERNAL_PART = re.compile(r"^xl/(?:externalLinks/.*|connections\.xml|queryTables/.*)$", re.I)
_EMBEDDED_PART = re.compile(r"^xl/(?:embeddings/.*|model/.*|customUI/.*)$|^customUI/", re.I)


def _check_members(zf: zipfile.ZipFile, limits: Limits, digest) -> tuple[list[zipfile.ZipInfo], str]:
    """The zip directory checked (no decompression), and what the package is: ``"xlsx"``
    or ``"ods"``. ``digest(info)`` names a member's exact stored bytes (see
    :meth:`~xl_afbp.reader.file._FileReader.digest`): the classification is remembered by
    the digests of the members it reads, so a remembered verdict is the one this file
    would get alone."""
    infos = zf.infolist()
    if len(infos) > limits.max_entries:
        raise _Reject("too_many_entries", count=len(infos), limit=limits.max_entries)
    names_seen: set[str] = set()
    total = 0
    packed = 0
    for info in infos:
        name = info.filename
        if name in names_seen or name.startswith(("/", "\\")) or "\\" in name or "\x00" in name or ".." in name.split("/"):
            raise _Reject("unexpected_parts", parts=f"niedozwolona nazwa części {name[:60]!r}")
        names_seen.add(name)
        if info.flag_bits & 0x1:
            raise _Reject("encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _Reject("corrupt_zip", detail="nietypowa kompresja")
        total += info.file_size
        packed += info.compress_size
        if info.file_size > 1_000_000 and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise _Reject("zip_bomb", detail=f"część {name} rozpakowuje się {info.file_size // max(info.compress_size, 1)}-krotnie")
    if total > limits.max_uncompressed:
        raise _Reject("zip_bomb", detail=f"po rozpakowaniu {_mb(total)} MB, dopuszczalne {_mb(limits.max_uncompressed)} MB")
    if total > 1_000_000 and total > limits.max_ratio * max(packed, 1):
        raise _Reject("zip_bomb", detail=f"rozpakowuje się {total // max(packed, 1)}-krotnie")

    # what the member names and the few members read say: the same for every file of one
    # layout, remembered by the exact bytes of those members
    by_name = {i.filename: i for i in infos}
    read = tuple(sorted(n for n in _CLASSIFY_READS if n in by_name))
    key = (frozenset(names_seen), tuple(digest(by_name[n]) for n in read))
    if key not in _CLASSIFIED:
        try:
            verdict: _Reject | str = _classify(zf, names_seen)
        except _Reject as rej:
            verdict = rej
        if len(_CLASSIFIED) > 1000:
            _CLASSIFIED.clear()
        _CLASSIFIED[key] = verdict
    found = _CLASSIFIED[key]
    if isinstance(found, _Reject):
        raise found.fresh()  # a re-raised exception would grow its traceback
    return infos, found


#: members :func:`_classify` reads (everything else it learns from the names)
_CLASSIFY_READS = ("[Content_Types].xml", "mimetype", "META-INF/manifest.xml")
#: classification results (a kind or a rejection) by (member names, digests of the members read)
_CLASSIFIED: dict[tuple, "_Reject | str"] = {}

_ODS_KNOWN = re.compile(
    r"^(?:mimetype|content\.xml|styles\.xml|meta\.xml|settings\.xml|manifest\.rdf|META-INF/manifest\.xml"
    r"|Thumbnails/thumbnail\.png|Configurations2/(?:[\w.-]+/)*(?:[\w.-]+\.xml)?|Pictures/[\w.-]+\.(?:png|jpe?g|gif|svg|wmf|emf))$"
)
_ODS_MACRO = re.compile(r"^(?:Basic|Scripts|Dialogs)/", re.I)
_ODS_EMBEDDED = re.compile(r"^(?:Object \d+|ObjectReplacements)/", re.I)


def _classify(zf: zipfile.ZipFile, names_seen: set[str]) -> str:
    lower = {n.lower() for n in names_seen}
    if "mimetype" in lower:
        try:
            mime = zf.read("mimetype")[:200]
        except Exception:  # noqa: BLE001
            mime = b""
        if mime.strip() == b"application/vnd.oasis.opendocument.spreadsheet":
            return _classify_ods(zf, names_seen)
        if b"opendocument" in mime:
            raise _wrong_format("odf")
    if "xl/workbook.bin" in lower:
        raise _wrong_format("xlsb")
    if "xl/workbook.xml" not in lower:
        if "word/document.xml" in lower:
            raise _wrong_format("docx")
        if "ppt/presentation.xml" in lower:
            raise _wrong_format("pptx")
        if "content.xml" in lower:
            raise _wrong_format("odf")
        raise _wrong_format("archive")
    macro = sorted(n for n in names_seen if _MACRO_PART.match(n))
    if macro:
        raise _Reject("macro", parts=_list(macro, 3))
    ctypes = _member_prefix(zf, "[Content_Types].xml", 200_000) if "[content_types].xml" in lower else b""
    if re.search(rb"macroEnabled|vbaProject|ms-office\.activeX", ctypes, re.I):
        raise _Reject("macro", parts="skoroszyt z obsługą makr, .xlsm")
    if re.search(rb"sheet\.binary", ctypes, re.I):
        raise _wrong_format("xlsb")
    if re.search(rb"externalLink|\.connections\+xml|queryTable", ctypes, re.I):
        raise _Reject("external_links")
    if re.search(rb"oleObject|activeX", ctypes, re.I):
        raise _Reject("embedded_objects", parts="obiekty OLE lub formanty")
    external = sorted(n for n in names_seen if _EXTERNAL_PART.match(n))
    if external:
        raise _Reject("external_links")
    embedded = sorted(n for n in names_seen if _EMBEDDED_PART.match(n))
    if embedded:
        raise _Reject("embedded_objects", parts=_list(embedded, 3))
    unknown = sorted(n for n in names_seen if not n.endswith("/") and not _KNOWN_PARTS.match(n))
    if unknown:
        raise _Reject("unexpected_parts", parts=_list(unknown, 3))
    return "xlsx"


def _classify_ods(zf: zipfile.ZipFile, names_seen: set[str]) -> str:
    """An OpenDocument spreadsheet (LibreOffice's own format): macros (Basic, scripts),
    embedded objects, encryption (the manifest's encryption data) and unknown members."""
    macro = sorted(n for n in names_seen if _ODS_MACRO.match(n))
    if macro:
        raise _Reject("macro", parts="makra LibreOffice: " + _list(macro, 3))
    embedded = sorted(n for n in names_seen if _ODS_EMBEDDED.match(n))
    if embedded:
        raise _Reject("embedded_objects", parts=_list(embedded, 3))
    manifest = _member_prefix(zf, "META-INF/manifest.xml", 200_000) if "META-INF/manifest.xml" in names_seen else b""
    if b"encryption-data" in manifest:
        raise _Reject("encrypted")
    if "content.xml" not in names_seen:
        raise _Reject("corrupt_zip", detail="brakuje części content.xml arkusza OpenDocument")
    unknown = sorted(n for n in names_seen if not n.endswith("/") and not _ODS_KNOWN.match(n))
    if unknown:
        raise _Reject("unexpected_parts", parts=_list(unknown, 3))
    return "ods"


def _member_prefix(zf: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """At most ``limit`` bytes of a member, decompressed in bounded steps."""
    with zf.open(name) as fh:
        return fh.read(limit)


def _member(raw: bytes, info: zipfile.ZipInfo) -> bytes:
    """A whole member, inflated straight from the file's bytes with the checks zipfile
    makes (local header and name, no more data than declared, the CRC) – by ISA-L when it
    is installed (about 3× zlib's speed, the same result), else by zlib."""
    off = info.header_offset
    if raw[off : off + 4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header of {info.filename}")
    n, e = struct.unpack_from("<HH", raw, off + 26)
    name = raw[off + 30 : off + 30 + n]
    if name != info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437", "surrogateescape"):
        raise zipfile.BadZipFile(f"name of {info.filename} differs in its local header")
    start = off + 30 + n + e
    data = raw[start : start + info.compress_size]
    if len(data) < info.compress_size:
        raise zipfile.BadZipFile(f"{info.filename} is cut off")
    if info.compress_type == zipfile.ZIP_STORED:
        out = data
    else:
        d = _inflate.decompressobj(-15)
        out = d.decompress(data, info.file_size + 1)
    if len(out) != info.file_size or _inflate.crc32(out) != info.CRC:
        raise zipfile.BadZipFile(f"bad CRC or size of {info.filename}")
    return out


try:  # ISA-L's inflate and CRC: the same results as zlib's, several times faster
    from isal import isal_zlib as _inflate
except ImportError:  # pragma: no cover - a platform without the wheel
    import zlib as _inflate
