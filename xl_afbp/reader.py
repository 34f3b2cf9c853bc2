"""Read returned workbooks safely and fast: every file gets a verdict, nothing is executed.

:func:`read_submission` reads ONE file a library e-mailed back and never raises: a file that
cannot or must not be read becomes a :class:`Submission` with verdict ``"rejected"``, a
stable ``code`` and a Polish ``reason`` (what is wrong and what the library should do).
:func:`read_many` reads a batch in worker processes with a per-file time limit.

Order of the checks (cheap and dangerous first; nothing is parsed before the limits pass):

1. size on disk (``Limits.max_file_bytes``), empty file;
2. content sniffing by magic bytes, never by the extension: OLE/CFB (encrypted workbook or
   legacy ``.xls``), PDF, HTML, CSV/text, images, other archives; ODS/DOCX/XLSB zips;
3. the zip directory only (no decompression): entry count, declared uncompressed size and
   ratio, member names (macros, external links, embedded objects, unknown parts);
4. the XML prolog of every part: a DTD or entity declaration is refused (``xml_entities``);
5. ``xl/workbook.xml`` and its relationships with :mod:`defusedxml` (sheets, defined names);
6. sheet sizes: the ``<dimension>`` of every sheet, the real rows/columns of each sheet read;
7. identification through ``_meta`` and the defined-name contract (edition, spec hash);
8. values with python-calamine (cached formula results included), through defined names;
9. tamper checks: computed cells must hold formulas, cached results must agree with a
   recomputation by the engine, input names must point to the generated layout;
10. data checks that do not reject (text in numbers, negatives, ``#``, decimals).

Codes and verdicts are listed in :data:`CODES`; ``docs/hostile-files.md`` explains them.
"""

from __future__ import annotations

import hashlib
import io
import math
import multiprocessing
import os
import re
import signal
import threading
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, time as dtime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from . import names, status
from .formdata import FormData

ACCEPTED = "accepted"
WARNED = "accepted_with_warnings"
REJECTED = "rejected"

#: Every code :func:`read_submission` or :func:`read_many` can give, with its verdict.
#: ``duplicate``/``superseded``/``id_conflict`` are NOT given here: they are batch-level
#: verdicts of the consolidator (see docs/hostile-files.md).
CODES: dict[str, str] = {
    "ok": ACCEPTED,
    # data or cosmetics: accepted, with warnings (most important first)
    "layout_changed": WARNED,
    "formulas_replaced": WARNED,
    "cached_mismatch": WARNED,
    "invalid_values": WARNED,
    "input_formulas": WARNED,
    "no_library_id": WARNED,
    # the file cannot or must not be read
    "read_error": REJECTED,
    "empty_file": REJECTED,
    "too_large": REJECTED,
    "not_zip": REJECTED,
    "corrupt_zip": REJECTED,
    "wrong_format": REJECTED,
    "encrypted": REJECTED,
    "too_many_entries": REJECTED,
    "zip_bomb": REJECTED,
    "macro": REJECTED,
    "external_links": REJECTED,
    "embedded_objects": REJECTED,
    "unexpected_parts": REJECTED,
    "xml_entities": REJECTED,
    "too_many_rows": REJECTED,
    "too_many_columns": REJECTED,
    "not_our_form": REJECTED,
    "meta_missing": REJECTED,
    "meta_altered": REJECTED,
    "wrong_edition": REJECTED,
    "layout_broken": REJECTED,
    "empty_form": REJECTED,
    "timeout": REJECTED,
}
#: Warning codes in order of importance: the first one present becomes ``Submission.code``.
WARNING_ORDER = tuple(c for c, v in CODES.items() if v == WARNED)

META_SHEET = "_meta"
REL_TOL = 1e-9


@dataclass
class Limits:
    """Hard limits checked before (or instead of) parsing; see docs/hostile-files.md."""

    max_file_bytes: int = 5_000_000  # a filled form is ~0.1-0.2 MB
    max_uncompressed: int = 60_000_000  # sum of the declared member sizes (form: ~1.3 MB)
    max_ratio: float = 150.0  # uncompressed/compressed, archive and big members (form: ≤ 15)
    max_entries: int = 200  # zip members (form: 17-18)
    max_rows_per_sheet: int = 20_000  # <dimension> and real rows (largest sheet: ~2,500)
    max_cols_per_sheet: int = 1_100  # K-03 has 4 + units columns; item 13 allows 1,000 branches
    seconds: float = 10.0  # per file, enforced by read_many


@dataclass
class Submission:
    path: Path
    name: str
    sha256: str
    size: int
    verdict: str  # "accepted" | "accepted_with_warnings" | "rejected"
    code: str  # a key of CODES
    reason: str  # Polish, for the import log; "" when clean
    warnings: list[str] = field(default_factory=list)
    library_id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    data: FormData | None = None
    cached: dict[str, Any] = field(default_factory=dict)
    saved_at: datetime | None = None

    @property
    def accepted(self) -> bool:
        return self.verdict != REJECTED

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary (without the form data)."""
        return {
            "path": str(self.path),
            "name": self.name,
            "sha256": self.sha256,
            "size": self.size,
            "verdict": self.verdict,
            "code": self.code,
            "reason": self.reason,
            "warnings": list(self.warnings),
            "library_id": self.library_id,
            "saved_at": self.saved_at.isoformat() if self.saved_at else None,
        }


class _Reject(Exception):
    def __init__(self, code: str, reason: str):
        super().__init__(code)
        self.code, self.reason = code, reason


class _Timeout(BaseException):
    """Raised by the in-process alarm; a BaseException so no ``except Exception`` eats it."""


# ============================================================================ Polish texts
RESEND = "prosimy przesłać ponownie oryginalny formularz otrzymany od koordynatora, zapisany jako skoroszyt Excela (.xlsx)"


def _mb(n: float) -> str:
    return f"{n / 1_000_000:.1f}".replace(".", ",")


def _list(items: list[str], limit: int = 6) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" i {len(items) - limit} innych" if len(items) > limit else "")


FORMATS = {
    "xls": ("stary skoroszyt Excela 97-2003 (.xls)", "prosimy otworzyć oryginalny formularz .xlsx, wypełnić go i zapisać bez zmiany formatu (Plik → Zapisz, typ: Skoroszyt programu Excel .xlsx)"),
    "ods": ("arkusz OpenDocument (.ods, LibreOffice/OpenOffice)", "prosimy zapisać formularz w formacie Excela: Plik → Zapisz jako → Skoroszyt programu Excel 2007-365 (.xlsx)"),
    "pdf": ("dokument PDF", "z PDF nie da się odczytać danych – prosimy przesłać wypełniony plik .xlsx, nie wydruk"),
    "csv": ("plik tekstowy (CSV/TXT)", "prosimy przesłać wypełniony oryginalny formularz .xlsx, a nie eksport danych"),
    "html": ("strona HTML", "prosimy przesłać wypełniony oryginalny formularz .xlsx"),
    "xml2003": ("arkusz XML programu Excel 2003", "prosimy zapisać formularz jako Skoroszyt programu Excel (.xlsx)"),
    "xlsb": ("skoroszyt binarny Excela (.xlsb)", "prosimy zapisać formularz jako zwykły Skoroszyt programu Excel (.xlsx)"),
    "docx": ("dokument Word", "prosimy przesłać wypełniony formularz Excela (.xlsx)"),
    "pptx": ("prezentacja PowerPoint", "prosimy przesłać wypełniony formularz Excela (.xlsx)"),
    "archive": ("archiwum (ZIP/RAR/7z/gz)", "prosimy przesłać sam plik .xlsx, bez pakowania"),
    "image": ("obraz (zdjęcie lub skan)", "z obrazu nie da się odczytać danych – prosimy przesłać wypełniony plik .xlsx"),
    "ole": ("dokument pakietu Office w starym formacie (.doc/.xls/.ppt)", "prosimy przesłać wypełniony oryginalny formularz .xlsx"),
    "rtf": ("dokument RTF", "prosimy przesłać wypełniony oryginalny formularz .xlsx"),
}


def _wrong_format(kind: str) -> _Reject:
    label, advice = FORMATS[kind]
    return _Reject("wrong_format", f"plik jest w formacie: {label}, a nie .xlsx – {advice}")


# ============================================================================ sniffing
_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _sniff(head: bytes) -> str:
    """What the first bytes say the file is: zip, cfb, or a wrong_format/not_zip kind."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return "zip"
    if head.startswith(_CFB):
        return "cfb"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith((b"\x1f\x8b", b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c", b"BZh")):
        return "archive"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*", b"BM")):
        return "image"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    text = _decode_text(head)
    if text is None:
        return "unknown"
    low = text.lstrip("\ufeff \t\r\n").lower()
    if low.startswith("<?xml") and "urn:schemas-microsoft-com:office:spreadsheet" in low:
        return "xml2003"
    if low.startswith(("<!doctype html", "<html", "<?xml", "<table", "<meta", "<head", "<body")):
        return "html" if "<html" in low or "<table" in low or "<!doctype html" in low else "unknown"
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if lines and any(sep in lines[0] for sep in (";", ",", "\t")):
        return "csv"
    return "csv" if lines else "unknown"


def _decode_text(head: bytes) -> str | None:
    """The head as text when it looks like text (no control bytes), else None."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return head[:4096].decode("utf-16", errors="ignore")
        except Exception:  # noqa: BLE001
            return None
    sample = head[:4096]
    if any(b < 9 or 13 < b < 32 for b in sample if b != 27):
        return None
    for enc in ("utf-8", "cp1250"):
        try:
            return sample.decode(enc)
        except UnicodeDecodeError:
            continue
    return None


def _cfb_verdict(data: bytes) -> _Reject:
    """An OLE/CFB container: a password-encrypted workbook, or a legacy binary file."""
    try:
        import msoffcrypto

        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        if office.is_encrypted():
            return _Reject("encrypted", "plik zaszyfrowany hasłem – prosimy o ponowne przesłanie bez hasła (Plik → Informacje → Chroń skoroszyt → Szyfruj przy użyciu hasła: usuń hasło)")
        kind = type(office).__name__.lower()
        if "ppt" in kind or "doc" in kind:
            return _wrong_format("ole")
    except Exception:  # noqa: BLE001 - a truncated or minimal OLE file: look at its streams
        try:
            import olefile

            ole = olefile.OleFileIO(io.BytesIO(data))
            streams = {"/".join(s).lower() for s in ole.listdir()}
            if {"encryptioninfo", "encryptedpackage"} & streams:
                return _Reject("encrypted", "plik zaszyfrowany hasłem – prosimy o ponowne przesłanie bez hasła")
            if {"worddocument", "powerpoint document"} & streams:
                return _wrong_format("ole")
        except Exception:  # noqa: BLE001
            pass
    return _wrong_format("xls")


# ============================================================================ zip members
_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
_KNOWN_PARTS = re.compile(
    r"^(?:\[Content_Types\]\.xml|_rels/\.rels|mimetype"
    r"|docProps/[\w.-]+\.xml|docMetadata/[\w.-]+\.xml|customXml/(?:_rels/)?[\w.-]+\.(?:xml|rels)"
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


def _check_members(zf: zipfile.ZipFile, size: int, limits: Limits) -> list[zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > limits.max_entries:
        raise _Reject("too_many_entries", f"plik składa się z nietypowo wielu części ({len(infos)}, dopuszczalne {limits.max_entries}) – {RESEND}")
    names_seen: set[str] = set()
    total = 0
    packed = 0
    for info in infos:
        name = info.filename
        if name in names_seen or name.startswith(("/", "\\")) or "\\" in name or "\x00" in name or ".." in name.split("/"):
            raise _Reject("unexpected_parts", f"plik zawiera części o niedozwolonych nazwach ({name[:60]!r}) – {RESEND}")
        names_seen.add(name)
        if info.flag_bits & 0x1:
            raise _Reject("encrypted", "plik (archiwum) zaszyfrowany hasłem – prosimy o ponowne przesłanie bez hasła")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _Reject("corrupt_zip", f"plik używa nietypowej kompresji i nie został otwarty – {RESEND}")
        total += info.file_size
        packed += info.compress_size
        if info.file_size > 1_000_000 and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise _Reject("zip_bomb", f"plik ma podejrzaną budowę (część {name} rozpakowuje się {info.file_size // max(info.compress_size, 1)}-krotnie) i nie został otwarty – {RESEND}")
    if total > limits.max_uncompressed:
        raise _Reject("zip_bomb", f"plik ma podejrzaną budowę (po rozpakowaniu {_mb(total)} MB, dopuszczalne {_mb(limits.max_uncompressed)} MB) i nie został otwarty – {RESEND}")
    if total > 1_000_000 and total > limits.max_ratio * max(packed, 1):
        raise _Reject("zip_bomb", f"plik ma podejrzaną budowę (rozpakowuje się {total // max(packed, 1)}-krotnie) i nie został otwarty – {RESEND}")

    lower = {n.lower() for n in names_seen}
    if "mimetype" in lower:
        try:
            mime = zf.read("mimetype")[:200]
        except Exception:  # noqa: BLE001
            mime = b""
        if b"opendocument" in mime:
            raise _wrong_format("ods")
    if "xl/workbook.bin" in lower:
        raise _wrong_format("xlsb")
    if "xl/workbook.xml" not in lower:
        if "word/document.xml" in lower:
            raise _wrong_format("docx")
        if "ppt/presentation.xml" in lower:
            raise _wrong_format("pptx")
        if "content.xml" in lower:
            raise _wrong_format("ods")
        raise _wrong_format("archive")
    macro = sorted(n for n in names_seen if _MACRO_PART.match(n))
    if macro:
        raise _Reject("macro", f"plik zawiera makra lub formanty ActiveX ({_list(macro, 3)}) – prosimy zapisać formularz jako zwykły Skoroszyt programu Excel (.xlsx, bez makr) i przesłać ponownie")
    ctypes = _member_prefix(zf, "[Content_Types].xml", 200_000) if "[content_types].xml" in lower else b""
    if re.search(rb"macroEnabled|vbaProject|ms-office\.activeX", ctypes, re.I):
        raise _Reject("macro", "plik jest skoroszytem z obsługą makr (.xlsm) – prosimy zapisać formularz jako zwykły Skoroszyt programu Excel (.xlsx) i przesłać ponownie")
    if re.search(rb"sheet\.binary", ctypes, re.I):
        raise _wrong_format("xlsb")
    external = sorted(n for n in names_seen if _EXTERNAL_PART.match(n))
    if external:
        raise _Reject("external_links", "plik zawiera łącza do innych plików lub zewnętrznych źródeł danych – prosimy przerwać łącza (Dane → Edytuj łącza → Przerwij łącze) albo wpisać dane do oryginalnego formularza i przesłać go ponownie")
    embedded = sorted(n for n in names_seen if _EMBEDDED_PART.match(n))
    if embedded:
        raise _Reject("embedded_objects", f"plik zawiera osadzone obiekty lub dodatki ({_list(embedded, 3)}) – prosimy je usunąć i przesłać sam formularz")
    unknown = sorted(n for n in names_seen if not n.endswith("/") and not _KNOWN_PARTS.match(n))
    if unknown:
        raise _Reject("unexpected_parts", f"plik zawiera elementy spoza formatu .xlsx ({_list(unknown, 3)}) – {RESEND}")
    return infos


def _member_prefix(zf: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """At most ``limit`` bytes of a member, decompressed in bounded steps."""
    with zf.open(name) as fh:
        return fh.read(limit)


def _member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A whole member; zipfile never returns more than the declared size (checked by CRC)."""
    with zf.open(info) as fh:
        chunks = []
        while chunk := fh.read(1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)


# ============================================================================ XML safety
_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.I)
_ROOT = re.compile(rb"<[A-Za-z_]")
_NOISE = re.compile(rb"<\?.*?\?>|<!--.*?-->", re.S)


def _as_utf8(raw: bytes) -> bytes:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or raw[:2] in (b"<\x00", b"\x00<"):
        enc = "utf-16" if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-16-le" if raw[:1] == b"<" else "utf-16-be")
        return raw.decode(enc, errors="ignore").encode("utf-8")
    return raw


def _has_dtd(raw: bytes) -> bool:
    return bool(_DTD.search(_as_utf8(raw)))


def _prolog_has_dtd(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """True when the part declares a DTD or entities before its root element."""
    with zf.open(info) as fh:
        buf = b""
        while len(buf) < 1_000_000:
            chunk = fh.read(8192)
            if not chunk:
                break
            buf += chunk
            text = _as_utf8(buf)
            if _DTD.search(text):
                return True
            if _ROOT.search(_NOISE.sub(b"", text)):
                return False
    return bool(_DTD.search(_as_utf8(buf)))


def _parse_xml(raw: bytes):
    import defusedxml.ElementTree as DET
    from defusedxml import DefusedXmlException

    try:
        return DET.fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise _Reject("xml_entities", f"plik zawiera niedozwolone deklaracje XML (DTD/encje) i nie został otwarty – {RESEND}") from exc


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# ============================================================================ workbook.xml
_REF = re.compile(
    r"^(?:'((?:[^']|'')+)'|([^'!:\[\]]+))!\$?([A-Za-z]{1,3})\$?(\d{1,7})(?::\$?([A-Za-z]{1,3})\$?(\d{1,7}))?$"
)
Ref = tuple[str, int, int, int, int]  # sheet, min_col, min_row, max_col, max_row


def col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def parse_ref(text: str) -> Ref | None:
    """``'Sheet'!$B$2`` or ``Sheet!$B$2:$F$2`` → (sheet, c1, r1, c2, r2); anything else None."""
    m = _REF.match(text.strip())
    if not m:
        return None
    sheet = (m.group(1) or "").replace("''", "'") if m.group(1) is not None else m.group(2)
    c1, r1 = col_number(m.group(3)), int(m.group(4))
    c2, r2 = (col_number(m.group(5)), int(m.group(6))) if m.group(5) else (c1, r1)
    return sheet, min(c1, c2), min(r1, r2), max(c1, c2), max(r1, r2)


@dataclass
class _Book:
    sheets: dict[str, tuple[str, str]]  # title → (part name, state)
    names: dict[str, str]  # global defined name → text


def _read_book(zf: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo]) -> _Book:
    wb_info = members.get("xl/workbook.xml")
    rels_info = members.get("xl/_rels/workbook.xml.rels")
    if wb_info is None or rels_info is None:
        raise _Reject("corrupt_zip", f"w pliku brakuje części skoroszytu (workbook.xml) – {RESEND}")
    root = _parse_xml(_member(zf, wb_info))
    rels = _parse_xml(_member(zf, rels_info))
    targets = {}
    for rel in rels:
        if _local(rel.tag) == "Relationship":
            target = (rel.get("Target") or "").replace("\\", "/")
            if rel.get("TargetMode", "").lower() == "external":
                continue
            part = target.lstrip("/") if target.startswith("/") else _norm_path("xl/" + target)
            targets[rel.get("Id")] = part
    sheets: dict[str, tuple[str, str]] = {}
    dnames: dict[str, str] = {}
    for el in root.iter():
        tag = _local(el.tag)
        if tag == "sheet":
            rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
            title = el.get("name") or ""
            if title and title not in sheets:
                sheets[title] = (targets.get(rid, ""), el.get("state") or "visible")
        elif tag == "definedName":
            name = el.get("name") or ""
            if el.get("localSheetId") is None and name and name not in dnames:
                dnames[name] = el.text or ""
    return _Book(sheets, dnames)


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


# ============================================================================ sheet scan
_CELL = re.compile(rb"<" + _PREFIX + rb"c\b([^>]*?)(?:/>|>(.*?)</" + _PREFIX + rb"c>)", re.S)
_ATTR_R = re.compile(rb"""\br\s*=\s*["']\$?([A-Za-z]{1,3})\$?(\d{1,7})["']""")
_ATTR_T = re.compile(rb"""\bt\s*=\s*["'](\w+)["']""")
_HAS_F = re.compile(rb"<" + _PREFIX + rb"f[\s/>]")
_V = re.compile(rb"<" + _PREFIX + rb"v(?:\s[^>]*)?(?:/>|>(.*?)</" + _PREFIX + rb"v>)", re.S)
_ROW = re.compile(rb"<" + _PREFIX + rb"row\b([^>]*)>")
_DIM = re.compile(rb"""<""" + _PREFIX + rb"""dimension\b[^>]*\bref\s*=\s*["']([^"']*)["']""")
_DIM_PART = re.compile(rb"\$?([A-Za-z]{1,3})?\$?(\d{1,7})?$")


@dataclass
class _Scan:
    formulas: dict[tuple[int, int], bool]  # (row, col) of every formula cell → has a cached value
    max_row: int
    max_col: int
    rows: int


def _scan_sheet(xml: bytes) -> _Scan:
    formulas: dict[tuple[int, int], bool] = {}
    max_row = max_col = 0
    refless = 0
    for m in _CELL.finditer(xml):
        attrs, body = m.group(1), m.group(2)
        r = _ATTR_R.search(attrs)
        if r is None:
            refless += 1
            continue
        row, col = int(r.group(2)), col_number(r.group(1).decode())
        if row > max_row:
            max_row = row
        if col > max_col:
            max_col = col
        if body and _HAS_F.search(body):
            v = _V.search(body)
            t = _ATTR_T.search(attrs)
            cached = v is not None and (bool(v.group(1)) or (t is not None and t.group(1) in (b"str", b"s", b"b", b"e", b"inlineStr") and v.group(0).endswith(b">") and not v.group(0).endswith(b"/>")))
            formulas[(row, col)] = cached
    rows = 0
    for m in _ROW.finditer(xml):
        rows += 1
        rr = _ATTR_R_ROW.search(m.group(1))
        if rr is not None:
            max_row = max(max_row, int(rr.group(1)))
    # cells or rows without positions are placed one after another by readers
    return _Scan(formulas, max(max_row, rows) + refless, max_col + refless, rows)


_ATTR_R_ROW = re.compile(rb"""\br\s*=\s*["'](\d{1,7})["']""")


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
                cols = max(cols, col_number(pm.group(1).decode()))
            if pm.group(2):
                rows = max(rows, int(pm.group(2)))
    return rows, cols


def _too_big(title: str, rows: int, cols: int, limits: Limits) -> None:
    if rows > limits.max_rows_per_sheet:
        raise _Reject("too_many_rows", f"arkusz „{title}” ma {rows} wierszy (dopuszczalne {limits.max_rows_per_sheet}) – prosimy usunąć zbędne wiersze albo {RESEND[8:]}")
    if cols > limits.max_cols_per_sheet:
        raise _Reject("too_many_columns", f"arkusz „{title}” ma {cols} kolumn (dopuszczalne {limits.max_cols_per_sheet}) – prosimy usunąć zbędne kolumny albo {RESEND[8:]}")


# ============================================================================ the contract
@dataclass
class _Contract:
    """What one engine's forms look like: names, expected layouts, prefilled cells."""

    engine: Any
    items: list[int]  # numeric items
    services: list[int]
    basic: list[str]
    k03: list[str]  # K-03 addresses
    inputs: dict[str, tuple[str, Any]]  # defined name → (kind, key)
    computed: list[str]
    valid_checks: dict[int, str]  # item nr → computed name holding valid(Pn)
    fixed_basic: set[str]
    layouts: dict[bool, dict[str, Ref]]  # personalised? → input name → ref (K_ rows for 1 unit)


@lru_cache(maxsize=8)
def _contract(engine) -> _Contract:
    spec = engine.spec
    items = [i.nr for i in spec.numeric_items]
    svc = spec.services_item
    services = [s.nr for s in spec.services] if svc else []
    inputs: dict[str, tuple[str, Any]] = {}
    for nr in items:
        inputs[names.item(nr)] = ("item", nr)
    for nr in services:
        inputs[names.service(nr, svc.nr)] = ("service", nr)  # type: ignore[union-attr]
    for b in spec.basic:
        inputs[names.basic(b.key)] = ("basic", b.key)
    for nr in items:
        inputs[names.previous(nr)] = ("previous", nr)
    for c in spec.k03_cells:
        inputs[names.k03_row(c.address)] = ("k03", c.address)
    valid: dict[int, str] = {}
    for r in spec.rules:
        if "valid(" not in r.check:
            continue
        if r.for_each:
            for nr, name in engine.rule_parts.get(r.id, []):
                valid[nr] = name
        else:
            m = re.search(r"valid\(P(\d+)\)", r.check)
            if m:
                valid[int(m.group(1))] = names.rule(r.id)
    return _Contract(
        engine=engine,
        items=items,
        services=services,
        basic=[b.key for b in spec.basic],
        k03=[c.address for c in spec.k03_cells],
        inputs=inputs,
        computed=[f.name for f in engine.formulas],
        valid_checks=valid,
        fixed_basic={b.key for b in spec.basic if b.type == "fixed"},
        layouts={},
    )


def _layout(contract: _Contract, personalised: bool) -> dict[str, Ref]:
    """Input name → where the generator puts it (K-03 rows for one unit column)."""
    if personalised not in contract.layouts:
        from .workbook.form import FormContent, FormOptions, Library, build_form

        opts = FormOptions(units=1, personalised=personalised)
        content = FormContent(library=Library(id="x") if personalised else None, generated_at="-")
        try:
            wb, _ = build_form(contract.engine, opts, content)
            out = {}
            for name, dn in wb.defined_names.items():
                if name in contract.inputs and (ref := parse_ref(dn.attr_text or "")):
                    out[name] = ref
        except Exception:  # noqa: BLE001 - an engine the workbook builder cannot lay out
            out = {}
        contract.layouts[personalised] = out
    return contract.layouts[personalised]


def prepare(engine=None) -> None:
    """Build what reading needs once (engine, expected layouts): call before forking."""
    from .engine import get_engine

    c = _contract(engine or get_engine(2016))
    _layout(c, True)
    _layout(c, False)
    _known_editions()


@lru_cache(maxsize=1)
def _known_editions() -> dict[str, tuple[int, str]]:
    """spec sha256 → (edition year, spec version) of every shipped edition."""
    out: dict[str, tuple[int, str]] = {}
    try:
        from .spec.load import load_spec

        root = Path(__file__).parent / "editions"
        for d in sorted(root.iterdir()) if root.is_dir() else []:
            try:
                s = load_spec(d)
                out[s.digest] = (s.edition.year, s.edition.spec_version)
            except Exception:  # noqa: BLE001
                continue
    except Exception:  # noqa: BLE001
        pass
    return out


# ============================================================================ values
def _norm(v: Any) -> Any:
    """A calamine value as FormData keeps it: '' → None, integral floats → int, dates → text."""
    if v is None or (isinstance(v, str) and v == ""):
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, float):
        if math.isfinite(v) and v == int(v) and abs(v) < 2**53:
            return int(v)
        return v
    if isinstance(v, (datetime, date, dtime)):
        return v.isoformat()
    if isinstance(v, timedelta):
        return str(v)
    return v


def _meta_value(v: Any) -> Any:
    v = _norm(v)
    return v.strip() if isinstance(v, str) else v


def _as_int(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, str) and v.strip().isdigit():
        return int(v.strip())
    return None


def _id_text(v: Any) -> str | None:
    if v is None:
        return None
    return str(v).strip() or None


def _parse_time(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        t = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def _same(cached: Any, computed: Any) -> bool:
    if cached is None or computed is None:
        return (cached is None or cached == "") and (computed is None or computed == "")
    if isinstance(cached, bool) or isinstance(computed, bool):
        return cached == computed
    if isinstance(cached, (int, float)) and isinstance(computed, (int, float)):
        a, b = float(cached), float(computed)
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-12)
    return str(cached) == str(computed)


def _fmt_value(v: Any) -> str:
    if isinstance(v, float):
        return repr(v).replace(".", ",")
    return str(v)


def _describe_invalid(item, v: Any) -> str:
    """Why an item's value breaks its rule, in Polish."""
    from .expr.pyeval import as_number

    where = f"poz. {item.nr}"
    if isinstance(v, str):
        if v.strip() == "#":
            return f"{where}: znak # jest dozwolony tylko w poz. 3 i 15"
        return f"{where}: tekst zamiast liczby („{v[:40]}”)"
    if isinstance(v, bool):
        return f"{where}: wartość logiczna zamiast liczby"
    n = as_number(v)
    if n is None:
        return f"{where}: niepoprawna wartość ({_fmt_value(v)})"
    if n < 0:
        return f"{where}: liczba ujemna ({_fmt_value(v)})"
    if round(n, item.decimals) != n:
        if item.decimals == 0 and item.unit == "zł":
            return f"{where}: kwota z groszami ({_fmt_value(v)} zł) – wpisz pełne złote"
        if item.decimals == 0:
            return f"{where}: liczba niecałkowita ({_fmt_value(v)})"
        return f"{where}: za dużo miejsc po przecinku ({_fmt_value(v)}; dozwolone {item.decimals})"
    lo = "" if item.min is None else f"{item.min:g}"
    hi = "" if item.max is None else f"{item.max:g}"
    return f"{where}: wartość spoza zakresu {lo}–{hi} ({_fmt_value(v)})"


# ============================================================================ the reader
def _submission(path: Path, sha: str, size: int, code: str, reason: str, **kw: Any) -> Submission:
    return Submission(path=path, name=path.name, sha256=sha, size=size, verdict=CODES[code], code=code, reason=reason, **kw)


def read_submission(path: Path | str, *, engine=None, limits: Limits = Limits()) -> Submission:
    """Read one returned workbook. Never raises: every failure is a rejected Submission."""
    path = Path(path)
    sha, size = "", 0
    try:
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise _Reject("read_error", f"nie można otworzyć pliku ({type(exc).__name__}) – {RESEND}") from exc
        if size == 0:
            raise _Reject("empty_file", "plik jest pusty (0 bajtów) – prosimy przesłać wypełniony formularz ponownie")
        if size > limits.max_file_bytes:
            raise _Reject("too_large", f"plik jest za duży ({_mb(size)} MB, dopuszczalne {_mb(limits.max_file_bytes)} MB) – prosimy przesłać sam formularz, bez dodanych obrazów, arkuszy i załączników")
        with open(path, "rb") as fh:
            raw = fh.read(limits.max_file_bytes + 1)
        size = len(raw)
        sha = hashlib.sha256(raw).hexdigest()
        if size == 0:
            raise _Reject("empty_file", "plik jest pusty (0 bajtów) – prosimy przesłać wypełniony formularz ponownie")
        if size > limits.max_file_bytes:
            raise _Reject("too_large", f"plik jest za duży (ponad {_mb(limits.max_file_bytes)} MB) – prosimy przesłać sam formularz")
        if engine is None:
            from .engine import get_engine

            engine = get_engine(2016)
        return _read(path, raw, sha, engine, limits)
    except _Reject as rej:
        return _submission(path, sha, size, rej.code, rej.reason)
    except Exception as exc:  # noqa: BLE001 - never raise: an unexpected failure is a verdict
        detail = f"{type(exc).__name__}: {str(exc)[:120]}"
        return _submission(path, sha, size, "read_error", f"pliku nie udało się odczytać ({detail}) – prosimy otworzyć formularz w Excelu, zapisać go jako .xlsx i przesłać ponownie")


def _read(path: Path, raw: bytes, sha: str, engine, limits: Limits) -> Submission:
    kind = _sniff(raw[:8192])
    if kind == "cfb":
        raise _cfb_verdict(raw)
    if kind in FORMATS:
        raise _wrong_format(kind)
    if kind != "zip":
        raise _Reject("not_zip", f"plik nie jest skoroszytem Excela (.xlsx) ani innym rozpoznanym formatem – {RESEND}")
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
        raise _Reject("corrupt_zip", "plik jest uszkodzony lub niekompletny (np. przerwane zapisywanie albo pobieranie załącznika) – prosimy przesłać go ponownie") from exc
    try:
        return _read_zip(path, raw, sha, zf, engine, limits)
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise _Reject("corrupt_zip", "plik jest uszkodzony (błąd sumy kontrolnej lub kompresji) – prosimy przesłać go ponownie") from exc
    finally:
        zf.close()


def _read_zip(path: Path, raw: bytes, sha: str, zf: zipfile.ZipFile, engine, limits: Limits) -> Submission:
    infos = _check_members(zf, len(raw), limits)
    members = {i.filename: i for i in infos}
    # XML prologs: a DTD can only stand before the root element
    for info in infos:
        if info.filename.lower().endswith((".xml", ".rels", ".vml")) and info.file_size:
            if _prolog_has_dtd(zf, info):
                raise _Reject("xml_entities", f"plik zawiera niedozwolone deklaracje XML (DTD/encje w {info.filename}) i nie został otwarty – {RESEND}")
    book = _read_book(zf, members)
    contract = _contract(engine)
    ours = sum(1 for n in book.names if n in contract.inputs or n in contract.computed)
    looks_ours = ours >= max(5, len(contract.inputs) // 4)

    # sheet sizes before any sheet is parsed
    for title, (part, _state) in book.sheets.items():
        info = members.get(part)
        if info is None:
            continue
        dim = _dimension(_member_prefix(zf, part, 4096))
        if dim:
            _too_big(title, dim[0], dim[1], limits)

    if META_SHEET not in book.sheets:
        if looks_ours:
            raise _Reject("meta_missing", "w pliku brakuje ukrytego arkusza identyfikującego formularz (_meta) – dane wpisano prawdopodobnie do kopii formularza; prosimy wpisać je do oryginalnego pliku otrzymanego od koordynatora i przesłać go ponownie")
        raise _Reject("not_our_form", "to nie jest formularz AFBP – prosimy wypełnić formularz .xlsx przesłany przez koordynatora i odesłać go bez zmiany nazw arkuszy")

    # sheets read: the meta sheet and every sheet holding a contract name
    refs: dict[str, Ref] = {}
    for name in list(contract.inputs) + contract.computed:
        text = book.names.get(name)
        ref = parse_ref(text) if text else None
        if ref is not None and ref[0] in book.sheets:
            refs[name] = ref
    wanted = {META_SHEET} | {r[0] for r in refs.values()}
    scans: dict[str, _Scan] = {}
    for title in wanted:
        part = book.sheets[title][0]
        info = members.get(part)
        if info is None:
            raise _Reject("corrupt_zip", f"w pliku brakuje arkusza „{title}” – {RESEND}")
        xml = _member(zf, info)
        if _has_dtd(xml):
            raise _Reject("xml_entities", f"plik zawiera niedozwolone deklaracje XML (DTD/encje w arkuszu „{title}”) i nie został otwarty – {RESEND}")
        scan = _scan_sheet(xml)
        _too_big(title, scan.max_row, scan.max_col, limits)
        scans[title] = scan

    import python_calamine as pc

    wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(raw))
    try:
        grids: dict[str, list[list[Any]]] = {}

        def grid(title: str, nrows: int) -> list[list[Any]]:
            if title not in grids:
                grids[title] = wb.get_sheet_by_name(title).to_python(skip_empty_area=False, nrows=nrows)
            return grids[title]

        meta = {}
        for row in grid(META_SHEET, scans[META_SHEET].max_row):
            if len(row) >= 2 and isinstance(row[0], str) and row[0].strip() and row[0] != "key":
                meta.setdefault(row[0].strip(), _meta_value(row[1]))
        library_id = _id_text(meta.get("library_id"))
        _check_meta(meta, engine, looks_ours)

        # where the contract names point
        need_rows: dict[str, int] = {}
        for ref in refs.values():
            need_rows[ref[0]] = max(need_rows.get(ref[0], 0), ref[4])
        warnings: dict[str, str] = {}
        units = _as_int(meta.get("units")) or 1
        personalised = bool(library_id)
        broken, moved = _check_layout(contract, refs, book, units, personalised)
        if broken:
            raise _Reject("layout_broken", f"w formularzu usunięto, rozszerzono albo nałożono na siebie pola ({_list(broken, 5)}) – dane nie dają się jednoznacznie odczytać; prosimy wpisać je do oryginalnego formularza i przesłać go ponownie")
        if moved:
            warnings["layout_changed"] = f"układ formularza został zmieniony (przesunięte pola: {_list(moved, 5)}) – dane odczytano według nazw pól; prosimy nie zmieniać układu formularza (wstawiania wierszy, przenoszenia komórek)"

        def value(ref: Ref, offset: int = 0) -> Any:
            sheet, c1, r1, _c2, _r2 = ref
            rows = grid(sheet, need_rows[sheet])
            r, c = r1 - 1, c1 - 1 + offset
            if r < len(rows) and c < len(rows[r]):
                return _norm(rows[r][c])
            return None

        data = FormData()
        input_formulas: list[str] = []
        for name, (kind, key) in contract.inputs.items():
            ref = refs[name]
            scan = scans[ref[0]]
            if kind == "k03":
                width = ref[3] - ref[1] + 1
                data.k03[key] = [value(ref, u) for u in range(width)]
                if any((ref[2], ref[1] + u) in scan.formulas for u in range(width)):
                    input_formulas.append(name)
                continue
            v = value(ref)
            if (ref[2], ref[1]) in scan.formulas and kind != "previous":
                input_formulas.append(name)
            if kind == "item":
                data.items[key] = v
            elif kind == "service":
                data.services[key] = v
            elif kind == "basic":
                data.basic[key] = v
            else:
                data.previous[key] = v
        if input_formulas:
            warnings["input_formulas"] = f"w polach do wypełnienia wpisano formuły ({_list(sorted(input_formulas), 5)}) – odczytano ich wyniki; prosimy wpisywać same wartości"

        # empty form: nothing typed by the library (prefilled personal cells do not count)
        if _filled_inputs(contract, data, personalised) == 0:
            raise _Reject("empty_form", "formularz nie został wypełniony – prosimy uzupełnić dane i przesłać go ponownie")

        # computed cells: formulas present? cached results?
        replaced: list[str] = []
        cached: dict[str, Any] = {}
        for name in contract.computed:
            ref = refs.get(name)
            if ref is None:
                replaced.append(name)
                continue
            cell = (ref[2], ref[1])
            has_cache = scans[ref[0]].formulas.get(cell)
            if has_cache is None:  # no formula in the cell
                replaced.append(name)
                v = value(ref)
                if v is not None:
                    cached[name] = v
            elif has_cache:
                cached[name] = value(ref)
        if replaced:
            warnings["formulas_replaced"] = f"w {len(replaced)} komórkach obliczanych (np. {_list(replaced, 4)}) nie ma formuł – wpisano wartości albo usunięto formuły; wskaźniki i kontrole zostaną przeliczone z danych źródłowych, prosimy nie zdejmować ochrony arkuszy"

        computed = engine.values(data)
        differ = [n for n, v in cached.items() if not _same(v, computed.get(n))]
        if differ:
            warnings["cached_mismatch"] = f"wartości w pliku nie zgadzają się z przeliczeniem – plik mógł być zmieniany (np. {_list(differ, 4)}); wyniki zostaną przeliczone z danych źródłowych"

        problems = _invalid_values(contract, data, computed)
        if problems:
            warnings["invalid_values"] = "niepoprawne wartości: " + "; ".join(problems[:10]) + (f" i {len(problems) - 10} innych" if len(problems) > 10 else "") + " – prosimy poprawić je w formularzu (błędy pokaże też arkusz Kontrola)"
        if not library_id:
            warnings["no_library_id"] = "formularz bez identyfikatora biblioteki (formularz ogólny, nie imienny) – bibliotekę trzeba przypisać ręcznie"

        saved_at = _saved_at(zf, members) or _parse_time(meta.get("generated_at"))
        code = next((c for c in WARNING_ORDER if c in warnings), "ok")
        ordered = [warnings[c] for c in WARNING_ORDER if c in warnings]
        return Submission(
            path=path,
            name=path.name,
            sha256=sha,
            size=len(raw),
            verdict=CODES[code],
            code=code,
            reason=warnings.get(code, ""),
            warnings=ordered,
            library_id=library_id,
            meta=meta,
            data=data,
            cached=cached,
            saved_at=saved_at,
        )
    finally:
        wb.close()


def _check_meta(meta: dict[str, Any], engine, looks_ours: bool) -> None:
    edition = engine.spec.edition
    if meta.get("form") != edition.form or meta.get("generator") != "xl-afbp":
        if looks_ours:
            raise _Reject("meta_altered", f"ukryte dane identyfikujące formularz zostały zmienione (form/generator) – {RESEND}")
        raise _Reject("not_our_form", "to nie jest formularz AFBP – prosimy wypełnić formularz .xlsx przesłany przez koordynatora")
    year = _as_int(meta.get("edition_year"))
    data_year = _as_int(meta.get("year"))
    version = meta.get("spec_version")
    version = str(version) if version is not None else None
    sha = str(meta.get("spec_sha256") or "")
    ours = f"AFBP {edition.year}, wersja {edition.spec_version}"
    if sha == engine.spec.digest:
        if year != edition.year or version != edition.spec_version:
            raise _Reject("meta_altered", f"ukryte dane identyfikujące formularz zostały zmienione (edycja/wersja nie zgadza się z sumą kontrolną) – {RESEND}")
    else:
        known = _known_editions().get(sha)
        if known is not None:
            raise _Reject("wrong_edition", f"formularz z innej edycji badania (AFBP {known[0]}, wersja {known[1]}; oczekiwano {ours}) – prosimy wypełnić formularz na rok {edition.year} przesłany przez koordynatora")
        if year is None or not re.fullmatch(r"[0-9a-f]{64}", sha):
            raise _Reject("meta_altered", f"ukryte dane identyfikujące formularz zostały zmienione lub usunięte (edycja, suma kontrolna) – {RESEND}")
        if year == edition.year and version == edition.spec_version:
            raise _Reject("meta_altered", f"ukryte dane identyfikujące formularz zostały zmienione (suma kontrolna nie pasuje do żadnej edycji) – {RESEND}")
        raise _Reject("wrong_edition", f"formularz z innej edycji badania (AFBP {year}, wersja {version}; oczekiwano {ours}) – prosimy wypełnić formularz na rok {edition.year} przesłany przez koordynatora")
    if data_year is not None and data_year != edition.year:
        raise _Reject("wrong_edition", f"formularz dotyczy innego roku (dane za {data_year}; oczekiwano {edition.year}) – prosimy wypełnić formularz na rok {edition.year} przesłany przez koordynatora")
    units = _as_int(meta.get("units"))
    if units is None or not 1 <= units <= 1001:
        raise _Reject("meta_altered", f"ukryte dane identyfikujące formularz zostały zmienione (liczba jednostek K-03) – {RESEND}")


def _check_layout(contract: _Contract, refs: dict[str, Ref], book: _Book, units: int, personalised: bool) -> tuple[list[str], list[str]]:
    """(broken, moved): names that cannot be read safely, names read from other cells."""
    broken: list[str] = []
    cells: dict[tuple[str, int, int], str] = {}
    for name, (kind, _key) in contract.inputs.items():
        ref = refs.get(name)
        if ref is None:
            broken.append(name)
            continue
        sheet, c1, r1, c2, r2 = ref
        if r1 != r2 or (kind != "k03" and c1 != c2) or c2 - c1 >= 1100:
            broken.append(name)
            continue
        for c in range(c1, c2 + 1):
            other = cells.setdefault((sheet, r1, c), name)
            if other != name:
                broken.append(name)
                break
    if broken:
        return broken, []
    best: list[str] | None = None
    for variant in (personalised, not personalised):
        layout = _layout(contract, variant)
        if not layout:
            continue
        moved = []
        for name, (kind, _key) in contract.inputs.items():
            exp = layout.get(name)
            if exp is None:
                continue
            if kind == "k03":
                exp = (exp[0], exp[1], exp[2], exp[1] + units - 1, exp[4])
            if refs[name] != exp:
                moved.append(name)
        if best is None or len(moved) < len(best):
            best = moved
        if not moved:
            break
    return [], best or []


def _filled_inputs(contract: _Contract, data: FormData, personalised: bool) -> int:
    from .workbook.form import PERSONAL_BASIC

    prefilled_items = {1, 13} if personalised else set()
    skip_basic = set(contract.fixed_basic) | (set(PERSONAL_BASIC) if personalised else set())
    n = sum(1 for nr, v in data.items.items() if v is not None and nr not in prefilled_items)
    n += sum(1 for v in data.services.values() if v is not None)
    n += sum(1 for k, v in data.basic.items() if v is not None and k not in skip_basic)
    n += sum(1 for row in data.k03.values() for v in row if v is not None)
    return n


def _invalid_values(contract: _Contract, data: FormData, computed: dict[str, Any]) -> list[str]:
    from .expr.pyeval import as_number, is_yes

    spec = contract.engine.spec
    out = []
    for nr, name in sorted(contract.valid_checks.items()):
        if computed.get(name) == status.ERROR:
            out.append(_describe_invalid(spec.item(nr), data.items.get(nr)))
    svc = spec.services_item
    for nr in contract.services:
        v = data.services.get(nr)
        if v is not None and is_yes(v) is None:
            out.append(f"poz. {svc.nr}.{nr}: „{str(v)[:20]}” zamiast TAK/NIE")  # type: ignore[union-attr]
    for cell in spec.k03_cells:
        for u, v in enumerate(data.k03.get(cell.address, ())):
            if v is None:
                continue
            unit = "biblioteka główna" if u == 0 else f"filia {u}"
            if cell.type == "yesno":
                if is_yes(v) is None:
                    out.append(f"K-03 {cell.address} ({unit}): „{str(v)[:20]}” zamiast TAK/NIE")
            else:
                n = as_number(v)
                if n is None:
                    out.append(f"K-03 {cell.address} ({unit}): tekst zamiast liczby („{str(v)[:20]}”)")
                elif n < 0:
                    out.append(f"K-03 {cell.address} ({unit}): liczba ujemna ({_fmt_value(v)})")
    return out


def _saved_at(zf: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo]) -> datetime | None:
    info = members.get("docProps/core.xml")
    if info is None or info.file_size > 200_000:
        return None
    try:
        root = _parse_xml(_member(zf, info))
    except _Reject:
        raise
    except Exception:  # noqa: BLE001 - a broken core.xml only loses the date
        return None
    for el in root:
        if _local(el.tag) == "modified":
            return _parse_time(el.text)
    return None


# ============================================================================ batches
#: Below this many files read_many reads in-process (starting workers costs more).
IN_PROCESS_BELOW = 40


def _timeout_submission(path: Path, limits: Limits) -> Submission:
    sha, size = "", 0
    try:
        raw = path.read_bytes()[: limits.max_file_bytes + 1]
        sha, size = hashlib.sha256(raw).hexdigest(), len(raw)
    except OSError:
        pass
    s = f"{limits.seconds:g}".replace(".", ",")
    return _submission(path, sha, size, "timeout", f"odczyt pliku trwał zbyt długo (ponad {s} s) i został przerwany – {RESEND}")


def _crash_submission(path: Path, limits: Limits) -> Submission:
    sub = _timeout_submission(path, limits)
    sub.code, sub.verdict = "read_error", REJECTED
    sub.reason = f"odczyt pliku przerwał proces czytnika (np. brak pamięci) – {RESEND}"
    return sub


def read_many(
    paths: Iterable[Path | str],
    *,
    limits: Limits = Limits(),
    workers: int | None = None,
    progress: bool = True,
    engine=None,
) -> list[Submission]:
    """Read many files; results in the order of ``paths``.

    With ``workers`` ≥ 2 (the default from :data:`IN_PROCESS_BELOW` files on) each file is
    read in a worker process; a file still being read after ``limits.seconds`` has its
    worker killed and gets verdict rejected/``timeout``, and the batch goes on with a new
    worker. With ``workers=1`` files are read in this process and the limit is an interval
    timer (main thread only), which cannot interrupt a call inside native code.
    """
    from .engine import get_engine

    paths = [Path(p) for p in paths]
    if not paths:
        return []
    engine = engine or get_engine(2016)
    prepare(engine)
    if workers is None:
        workers = 1 if len(paths) < IN_PROCESS_BELOW else min(2, os.cpu_count() or 1)
    bar = _progress(len(paths), progress)
    try:
        if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
            out = []
            for p in paths:
                out.append(_read_in_process(p, engine, limits))
                bar.update(1)
            return out
        return _Pool(engine, limits, min(workers, len(paths))).run(paths, bar)
    finally:
        bar.close()


def _read_in_process(path: Path, engine, limits: Limits) -> Submission:
    use_alarm = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread() and limits.seconds > 0

    def on_alarm(signum, frame):  # noqa: ARG001
        raise _Timeout()

    if not use_alarm:
        return read_submission(path, engine=engine, limits=limits)
    previous = signal.signal(signal.SIGALRM, on_alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, limits.seconds)
        try:
            return read_submission(path, engine=engine, limits=limits)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Timeout:
        return _timeout_submission(path, limits)
    finally:
        signal.signal(signal.SIGALRM, previous)


_POOL_ENGINE = None


def _worker_main(conn, limits: Limits) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    engine = _POOL_ENGINE
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        index, path = job
        sub = read_submission(path, engine=engine, limits=limits)
        try:
            conn.send((index, sub))
        except (BrokenPipeError, OSError):
            return


class _Pool:
    """Worker processes fed one file at a time, each with a deadline; late workers are killed."""

    def __init__(self, engine, limits: Limits, workers: int):
        self.engine, self.limits, self.n = engine, limits, workers
        self.ctx = multiprocessing.get_context("fork")

    def _spawn(self):
        global _POOL_ENGINE
        _POOL_ENGINE = self.engine  # inherited through fork
        parent, child = self.ctx.Pipe()
        proc = self.ctx.Process(target=_worker_main, args=(child, self.limits), daemon=True)
        proc.start()
        child.close()
        return proc, parent

    def run(self, paths: list[Path], bar) -> list[Submission]:
        from multiprocessing.connection import wait

        results: list[Submission | None] = [None] * len(paths)
        todo = list(range(len(paths)))[::-1]
        workers = [self._spawn() for _ in range(self.n)]
        busy: dict[int, tuple[int, float]] = {}  # worker slot → (file index, deadline)
        try:
            while todo or busy:
                for slot, (proc, conn) in enumerate(workers):
                    if slot not in busy and todo:
                        i = todo.pop()
                        try:
                            conn.send((i, paths[i]))
                            busy[slot] = (i, time.monotonic() + self.limits.seconds)
                        except (BrokenPipeError, OSError):
                            todo.append(i)
                            workers[slot] = self._replace(proc, conn)
                if not busy:
                    continue
                now = time.monotonic()
                timeout = max(0.0, min(d for _, d in busy.values()) - now)
                by_conn = {workers[s][1]: s for s in busy}
                for conn in wait(list(by_conn), timeout=timeout):
                    slot = by_conn[conn]
                    i, _ = busy[slot]
                    try:
                        index, sub = conn.recv()
                        results[index] = sub
                    except (EOFError, OSError):
                        results[i] = _crash_submission(paths[i], self.limits)
                        workers[slot] = self._replace(*workers[slot])
                    del busy[slot]
                    bar.update(1)
                now = time.monotonic()
                for slot, (i, deadline) in list(busy.items()):
                    if now >= deadline:
                        results[i] = _timeout_submission(paths[i], self.limits)
                        workers[slot] = self._replace(*workers[slot])
                        del busy[slot]
                        bar.update(1)
        finally:
            for proc, conn in workers:
                try:
                    conn.send(None)
                except (BrokenPipeError, OSError):
                    pass
                conn.close()
            for proc, _ in workers:
                proc.join(timeout=2)
                if proc.is_alive():
                    proc.kill()
                    proc.join()
        return [r if r is not None else _crash_submission(p, self.limits) for r, p in zip(results, paths)]

    def _replace(self, proc, conn):
        if proc.is_alive():
            proc.kill()
        proc.join()
        conn.close()
        return self._spawn()


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="Odczyt formularzy", unit="plik", disable=not enabled or total < 2, leave=False)


__all__ = ["CODES", "Limits", "Submission", "read_many", "read_submission", "prepare", "parse_ref"]
