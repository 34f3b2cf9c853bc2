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
5. ``xl/workbook.xml`` and its relationships with :mod:`defusedxml` (sheets, defined names),
   once per distinct workbook.xml (the plan of what to read is cached per form layout);
6. sheet sizes: the ``<dimension>`` of every sheet, the real rows/columns of each sheet read;
7. identification through ``_meta`` and the defined-name contract (edition, spec hash);
8. values through the defined names only, cached formula results included: from the raw
   sheet XML (the wanted cells only, split out at C speed; shared strings decoded lazily),
   or with python-calamine when a sheet is written unusually (prefixes, cells without
   positions) – both paths give identical results (tested);
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
META_ROWS = 60  # key/value rows of _meta that are read (the generator writes 12)
REL_TOL = 1e-9
#: Read regular sheets with the fast raw-XML path (False: always python-calamine; the tests
#: compare both paths on the same files).
FAST_PATH = True


@dataclass(frozen=True)
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


def _check_members(zf: zipfile.ZipFile, limits: Limits) -> list[zipfile.ZipInfo]:
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

    # what the member names and content types say: the same for every file of one layout
    key = (frozenset(names_seen), tuple((i.filename, i.CRC, i.file_size) for i in infos if i.filename in ("[Content_Types].xml", "mimetype")))
    if key not in _CLASSIFIED:
        try:
            _classify(zf, names_seen)
            verdict = None
        except _Reject as rej:
            verdict = (rej.code, rej.reason)
        if len(_CLASSIFIED) > 1000:
            _CLASSIFIED.clear()
        _CLASSIFIED[key] = verdict
    found = _CLASSIFIED[key]
    if found is not None:
        raise _Reject(*found)  # a fresh exception: a re-raised one would grow its traceback
    return infos


#: member-name classification results by (names, CRC of [Content_Types].xml and mimetype)
_CLASSIFIED: dict[tuple, tuple[str, str] | None] = {}


def _classify(zf: zipfile.ZipFile, names_seen: set[str]) -> None:
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
    if re.search(rb"externalLink|\.connections\+xml|queryTable", ctypes, re.I):
        raise _Reject("external_links", "plik zawiera łącza do innych plików lub zewnętrznych źródeł danych – prosimy przerwać łącza (Dane → Edytuj łącza → Przerwij łącze) albo wpisać dane do oryginalnego formularza i przesłać go ponownie")
    if re.search(rb"oleObject|activeX", ctypes, re.I):
        raise _Reject("embedded_objects", "plik zawiera osadzone obiekty lub formanty – prosimy je usunąć i przesłać sam formularz")
    external = sorted(n for n in names_seen if _EXTERNAL_PART.match(n))
    if external:
        raise _Reject("external_links", "plik zawiera łącza do innych plików lub zewnętrznych źródeł danych – prosimy przerwać łącza (Dane → Edytuj łącza → Przerwij łącze) albo wpisać dane do oryginalnego formularza i przesłać go ponownie")
    embedded = sorted(n for n in names_seen if _EMBEDDED_PART.match(n))
    if embedded:
        raise _Reject("embedded_objects", f"plik zawiera osadzone obiekty lub dodatki ({_list(embedded, 3)}) – prosimy je usunąć i przesłać sam formularz")
    unknown = sorted(n for n in names_seen if not n.endswith("/") and not _KNOWN_PARTS.match(n))
    if unknown:
        raise _Reject("unexpected_parts", f"plik zawiera elementy spoza formatu .xlsx ({_list(unknown, 3)}) – {RESEND}")


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


_PROLOG_SPACE = frozenset(b" \t\r\n\xef\xbb\xbf")


def _has_dtd(raw: bytes) -> bool:
    """Whether a DTD (or any other declaration) stands before the root element. That is
    the only place XML allows one; a declaration after the root makes the part malformed,
    and nothing here would expand it (the fast path decodes only predefined entities,
    calamine refuses unknown ones, defusedxml refuses DTDs anywhere)."""
    data = _as_utf8(raw[:65536])
    i, n = 0, len(data)
    while i < n:
        if data[i] in _PROLOG_SPACE:
            i += 1
        elif data.startswith(b"<?", i):
            j = data.find(b"?>", i + 2)
            if j < 0:
                return False
            i = j + 2
        elif data.startswith(b"<!--", i):
            j = data.find(b"-->", i + 4)
            if j < 0:
                return bool(_DTD.search(data, i))
            i = j + 3
        else:
            return data.startswith(b"<!", i)  # <!DOCTYPE, <!ENTITY…; anything else is the root
    return False


def _prolog(zf: zipfile.ZipFile, info: zipfile.ZipInfo, minimum: int = 4096) -> bytes:
    """The start of a part: at least ``minimum`` bytes and up to its root element (a DTD
    can only stand before the root), at most 1 MB."""
    with zf.open(info) as fh:
        buf = b""
        while len(buf) < 1_000_000:
            chunk = fh.read(4096)
            if not chunk:
                break
            buf += chunk
            if len(buf) >= minimum and _ROOT.search(_NOISE.sub(b"", _as_utf8(buf[:65536]))):
                break
    return buf


# ============================================================================ workbook.xml
# workbook.xml and its relationships are parsed with defusedxml, once per distinct file
# (all forms of one layout share it: _plan caches the result).
_REF = re.compile(
    r"^(?:'((?:[^']|'')+)'|([^'!:\[\]]+))!\$?([A-Za-z]{1,3})\$?(\d{1,7})(?::\$?([A-Za-z]{1,3})\$?(\d{1,7}))?$"
)
Ref = tuple[str, int, int, int, int]  # sheet, min_col, min_row, max_col, max_row
_MODIFIED = re.compile(rb"<(?:[\w.-]+:)?modified\b[^>]*>([^<]*)<")




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
        raise _Reject("xml_entities", f"plik zawiera niedozwolone deklaracje XML (DTD/encje) i nie został otwarty – {RESEND}") from exc
    except DET.ParseError as exc:
        raise _Reject("corrupt_zip", f"plik jest uszkodzony (błędny opis skoroszytu workbook.xml) – {RESEND}") from exc
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


# ============================================================================ sheet cells
# The fast path reads only the cells it needs from the raw sheet XML: the <sheetData> part is
# split at every "<c " (a C-speed split) and only the wanted references are parsed. It is
# used when every cell of the sheet is written the way Excel, LibreOffice, openpyxl and
# xlsxwriter write them (unprefixed <c r="A1" …>); anything else (namespace prefixes, cells
# without positions) is read by python-calamine instead, after the size checks.
_ATTR_R = re.compile(rb"""\br\s*=\s*["']\$?([A-Za-z]{1,3})\$?(\d{1,7})["']""")
_ATTR_T = re.compile(rb"""\bt\s*=\s*["'](\w+)["']""")
_ATTR_S = re.compile(rb"""\bs\s*=\s*["'](\d+)["']""")
_HAS_F = re.compile(rb"<" + _PREFIX + rb"f[\s/>]")
_V = re.compile(rb"<" + _PREFIX + rb"v(?:\s[^>]*)?(?:/>|>(.*?)</" + _PREFIX + rb"v>)", re.S)
_FAST_REF = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"')
_FAST_ROW = re.compile(rb'<row\b(?: r="([0-9]{1,7})")?')
# a cell as Excel, LibreOffice and openpyxl write most of them: (ref, style, type, "<f" when a
# formula, "<v>…</v>"); inline strings, rich text and odd attributes go the general way
_PLAIN_CELL = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"(?: s="([0-9]+)")?(?: t="(n|s|str|b|e|d|inlineStr)")?(?:( ?/>)|>(?:(<f)(?: [^>/]*)?>[^<]*</f>)?(<v>[^<]*</v>)?(?:<v ?/>)?</c>)')
_ODD_C = re.compile(rb'<c(?:[\t\r\n>/]| (?!r="))')
_BIG_COL = re.compile(rb'<c r="([A-Z]{2,3})[0-9]')
_DIM = re.compile(rb"""<""" + _PREFIX + rb"""dimension\b[^>]*\bref\s*=\s*["']([^"']*)["']""")
_DIM_PART = re.compile(rb"\$?([A-Za-z]{1,3})?\$?(\d{1,7})?$")
# the general (slow) scanner of the fallback path
_CELL = re.compile(rb"<" + _PREFIX + rb"c\b([^>]*?)(?:/>|>(.*?)</" + _PREFIX + rb"c>)", re.S)
_ROW = re.compile(rb"<" + _PREFIX + rb"row\b([^>]*)>")
_ROW_ATTR_R = re.compile(rb"""\br\s*=\s*["'](\d{1,7})["']""")
_T = re.compile(rb"<" + _PREFIX + rb"t(?:\s[^>]*)?>(.*?)</" + _PREFIX + rb"t>", re.S)
_RPH = re.compile(rb"<" + _PREFIX + rb"rPh\b.*?</" + _PREFIX + rb"rPh>", re.S)
_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);")
_OOXML_ESC = re.compile(r"_x([0-9A-Fa-f]{4})_")
_PREDEFINED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _entity(m: re.Match) -> str:
    e = m.group(1)
    if e in _PREDEFINED:
        return _PREDEFINED[e]
    try:
        return chr(int(e[2:], 16) if e[1] in "xX" else int(e[1:]))
    except (ValueError, OverflowError):
        return m.group(0)


def xml_text(raw: bytes) -> str:
    """Character data as a string: predefined entities, character references and the
    OOXML ``_xHHHH_`` escapes decoded; nothing else is ever expanded."""
    s = raw.decode("utf-8", errors="replace")
    if "&" in s:
        s = _ENTITY.sub(_entity, s)
    if "_x" in s:
        s = _OOXML_ESC.sub(lambda m: chr(int(m.group(1), 16)), s)
    return s


def rich_text(body: bytes) -> str:
    """The text of an <si> or <is>: its <t> runs without phonetic hints."""
    if body.startswith(b"<t>") and body.endswith(b"</t>") and body.count(b"<t") == 1:
        return xml_text(body[3:-4])
    if b"rPh" in body:
        body = _RPH.sub(b"", body)
    return xml_text(b"".join(_T.findall(body)))


@dataclass
class _Sheet:
    """The wanted cells of one sheet: ref (b"C5") → (attributes, body or None)."""

    title: str
    cells: dict[bytes, tuple[bytes, bytes | None]]  # fallback path: the wanted cells' XML
    formulas: dict[bytes, bool] | None = None  # formula cells → has a cached result?
    wanted: frozenset[bytes] = frozenset()
    values: dict[bytes, Any] | None = None  # fast path: the wanted cells' values
    shared: list[tuple[bytes, int]] = field(default_factory=list)  # fast path: cells → sst index


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
                cols = max(cols, names.col_number(pm.group(1).decode()))
            if pm.group(2):
                rows = max(rows, int(pm.group(2)))
    return rows, cols


def _too_big(title: str, rows: int, cols: int, limits: Limits) -> None:
    if rows > limits.max_rows_per_sheet:
        raise _Reject("too_many_rows", f"arkusz „{title}” ma {rows} wierszy (dopuszczalne {limits.max_rows_per_sheet}) – prosimy usunąć zbędne wiersze albo {RESEND[8:]}")
    if cols > limits.max_cols_per_sheet:
        raise _Reject("too_many_columns", f"arkusz „{title}” ma {cols} kolumn (dopuszczalne {limits.max_cols_per_sheet}) – prosimy usunąć zbędne kolumny albo {RESEND[8:]}")


def _fast_sheet(title: str, xml: bytes, wanted: set[bytes], limits: Limits, dates: frozenset[int], date1904: bool) -> _Sheet | None:
    """The wanted cells' values by the fast path, or None when the sheet is written
    unusually (then every sheet goes through :func:`_slow_sheet` and calamine)."""
    start = xml.find(b"<sheetData")
    if start < 0:
        return None
    end = xml.find(b"</sheetData>", start)
    sd = xml[start : end if end >= 0 else len(xml)]
    if _ODD_C.search(sd):
        return None  # a cell whose position is not its first attribute, or no position at all
    row_numbers = _FAST_ROW.findall(sd)
    if b"" in row_numbers:
        return None  # a row whose number is not its first attribute
    max_row = max(len(row_numbers), max(map(int, row_numbers), default=0))
    max_col = max((names.col_number(c.decode()) for c in _BIG_COL.findall(sd)), default=1)
    _too_big(title, max_row, max_col, limits)

    values: dict[bytes, Any] = {}
    formulas: dict[bytes, bool] = {}
    shared: list[tuple[bytes, int]] = []
    done: set[bytes] = set()
    # most cells in one C-speed pass: empty cells, numbers, shared strings, booleans, formulas
    # with their cached results, written as Excel, LibreOffice and openpyxl write them
    for ref, style, t, empty, f, vtag in _PLAIN_CELL.findall(sd):
        if ref not in wanted:
            continue
        done.add(ref)
        if empty:
            continue
        v = vtag[3:-4]
        if f:
            formulas[ref] = bool(v) or (bool(vtag) and t in (b"str", b"b", b"e"))
        if not v:
            continue
        if not t or t == b"n":
            try:
                num = float(v)
            except ValueError:
                continue
            if dates and style and int(style) in dates:
                values[ref] = _serial_date(num, date1904)
            else:
                values[ref] = int(num) if num.is_integer() and -9007199254740992 < num < 9007199254740992 else num
        elif t == b"s":
            if v.isdigit():
                shared.append((ref, int(v)))
        elif t == b"str" or t == b"d":
            values[ref] = xml_text(v)
        elif t == b"b":
            values[ref] = v.strip() in (b"1", b"true")
        # errors (t="e"): no value
    left = wanted - done  # inline strings, rich text, odd attributes – or cells not in the file
    if len(left) > 8:
        pieces = sd.split(b"<c ")
        by_ref = dict(zip(_FAST_REF.findall(sd), pieces[1:]))
        for ref in left & by_ref.keys():
            _general_cell(ref, by_ref[ref], values, formulas, shared, dates, date1904)
    else:
        for ref in left:
            i = sd.find(b'<c r="' + ref + b'"')
            if i >= 0:
                _general_cell(ref, sd[i + 3 : sd.find(b"<c ", i + 3) if sd.find(b"<c ", i + 3) >= 0 else len(sd)], values, formulas, shared, dates, date1904)
    return _Sheet(title, {}, formulas, frozenset(wanted), values, shared)


def _general_cell(ref: bytes, p: bytes, values: dict, formulas: dict, shared: list, dates: frozenset[int], date1904: bool) -> None:
    """One cell's XML (from its attributes to its end) the plain pass did not take."""
    gt = p.find(b">")
    if gt < 1 or p[gt - 1] == 47:  # "/>": an empty (styled) cell
        return
    attrs = p[:gt]
    close = p.find(b"</c>", gt)
    body = p[gt + 1 : close if close >= 0 else len(p)]
    if b"<f" in body:
        formulas[ref] = _has_cache(attrs, body)
    i = attrs.find(b't="')
    t = attrs[i + 3 : attrs.find(b'"', i + 3)] if i >= 0 else (b"n" if b"t=" not in attrs else _t_attr(attrs))
    if t == b"n":
        v = _raw_v(body)
        if not v:
            return
        try:
            num = float(v)
        except ValueError:
            return
        if dates:
            m = _ATTR_S.search(attrs)
            if m and int(m.group(1)) in dates:
                values[ref] = _serial_date(num, date1904)
                return
        values[ref] = _norm(num)
    elif t == b"s":
        v = _raw_v(body)
        if v is not None and v.strip().isdigit():
            shared.append((ref, int(v)))
    elif t == b"inlineStr":
        i = body.find(b"<is>")
        values[ref] = _norm(rich_text(body[i + 4 : body.rfind(b"</is>")] if i >= 0 else body))
    elif t in (b"str", b"d"):
        v = _raw_v(body)
        if v is not None:
            values[ref] = _norm(xml_text(v))
    elif t == b"b":
        v = (_raw_v(body) or b"").strip().lower()
        values[ref] = True if v in (b"1", b"true") else False if v in (b"0", b"false") else None
    # errors (t="e") and unknown types: no value


def _slow_sheet(title: str, xml: bytes, wanted: set[bytes], limits: Limits) -> _Sheet:
    """The general scanner: any namespace prefix, attribute order, cells without positions.
    Records the wanted cells and every formula cell; values come from calamine."""
    cells: dict[bytes, tuple[bytes, bytes | None]] = {}
    formulas: dict[bytes, bool] = {}
    max_row = max_col = 0
    refless = 0
    for m in _CELL.finditer(xml):
        attrs, body = m.group(1), m.group(2)
        r = _ATTR_R.search(attrs)
        if r is None:
            refless += 1
            continue
        row, col = int(r.group(2)), names.col_number(r.group(1).decode())
        max_row, max_col = max(max_row, row), max(max_col, col)
        ref = r.group(1).upper() + r.group(2)
        if ref in wanted:
            cells[ref] = (attrs, body)
        if body and _HAS_F.search(body):
            formulas[ref] = _has_cache(attrs, body)
    rows = 0
    for m in _ROW.finditer(xml):
        rows += 1
        rr = _ROW_ATTR_R.search(m.group(1))
        if rr is not None:
            max_row = max(max_row, int(rr.group(1)))
    # cells and rows without positions are placed one after another by readers
    _too_big(title, max(max_row, rows) + refless, max_col + refless, limits)
    return _Sheet(title, cells, formulas if not refless else None, frozenset(wanted))


def _has_cache(attrs: bytes, body: bytes | None) -> bool:
    """Whether a formula cell carries a computed result (openpyxl writes none: <v/>)."""
    if not body:
        return False
    i = body.rfind(b"<v")
    if i >= 0 and body[i + 2 : i + 3] in (b">", b" ", b"/"):
        j = body.find(b">", i)
        if j < 0 or body[j - 1 : j] == b"/":
            return False
        k = body.find(b"<", j)
        if k > j + 1:
            return True
    else:
        m = _V.search(body)
        if m is None:
            return False
        if m.group(1):
            return True
        if m.group(0).endswith(b"/>"):
            return False
    t = _ATTR_T.search(attrs)
    return t is not None and t.group(1) in (b"str", b"s", b"b", b"e", b"inlineStr")


def _raw_v(body: bytes | None) -> bytes | None:
    if not body:
        return None
    i = body.find(b"<v>")
    if i >= 0:
        j = body.find(b"</v>", i)
        return body[i + 3 : j] if j >= 0 else None
    m = _V.search(body)
    return m.group(1) if m else None


# -- number formats: a number shown as a date is a date (Polish Excel turns 1.5 into 1 May)
_DATE_IDS = set(range(14, 23)) | set(range(27, 37)) | {45, 46, 47} | set(range(50, 59))
_NUMFMT = re.compile(rb"""<(?:[\w.-]+:)?numFmt\b[^>]*?numFmtId\s*=\s*["'](\d+)["'][^>]*?formatCode\s*=\s*["']([^"']*)["']""")
_NUMFMT2 = re.compile(rb"""<(?:[\w.-]+:)?numFmt\b[^>]*?formatCode\s*=\s*["']([^"']*)["'][^>]*?numFmtId\s*=\s*["'](\d+)["']""")
_CELLXFS = re.compile(rb"<(?:[\w.-]+:)?cellXfs\b.*?</(?:[\w.-]+:)?cellXfs>", re.S)
_XF = re.compile(rb"<(?:[\w.-]+:)?xf\b([^>]*)")
_XF_FMT = re.compile(rb"""\bnumFmtId\s*=\s*["'](\d+)["']""")
_FMT_NOISE = re.compile(r'"[^"]*"|\\.|\[(?![hms]+\])[^\]]*\]|general', re.I)
_DATE_CODE = re.compile(r"[dmyhs]", re.I)


#: date cell formats of a styles.xml by its (CRC, size)
_DATE_STYLES: dict[tuple[int, int], frozenset[int]] = {}


def _date_styles(styles: bytes) -> frozenset[int]:
    """Indexes of the cell formats (``s="…"``) that show numbers as dates or times."""
    custom = {int(i): xml_text(c) for i, c in _NUMFMT.findall(styles)}
    custom.update({int(i): xml_text(c) for c, i in _NUMFMT2.findall(styles)})
    section = _CELLXFS.search(styles)
    out = set()
    for n, attrs in enumerate(_XF.findall(section.group(0)) if section else []):
        m = _XF_FMT.search(attrs)
        fid = int(m.group(1)) if m else 0
        if fid in custom:
            if _DATE_CODE.search(_FMT_NOISE.sub("", custom[fid])):
                out.add(n)
        elif fid in _DATE_IDS:
            out.add(n)
    return frozenset(out)


def _serial_date(v: float, date1904: bool) -> str:
    base = datetime(1904, 1, 1) if date1904 else datetime(1899, 12, 30)
    try:
        t = base + timedelta(days=v)
    except (OverflowError, ValueError):
        return repr(v)
    return t.date().isoformat() if v == int(v) else t.isoformat()


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
    ordered_names: tuple[str, ...] = ()  # inputs, then computed cells
    all_names: frozenset[str] = frozenset()
    decimal_items: frozenset[int] = frozenset()  # read as floats even when integral
    decimal_k03: frozenset[str] = frozenset()


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
    computed = [f.name for f in engine.formulas]
    return _Contract(
        decimal_items=frozenset(i.nr for i in spec.numeric_items if i.type == "decimal"),
        decimal_k03=frozenset(c.address for c in spec.k03_cells if c.type in ("decimal", "percent")),
        ordered_names=tuple(inputs) + tuple(computed),
        all_names=frozenset(inputs) | frozenset(computed),
        engine=engine,
        items=items,
        services=services,
        basic=[b.key for b in spec.basic],
        k03=[c.address for c in spec.k03_cells],
        inputs=inputs,
        computed=computed,
        valid_checks=valid,
        fixed_basic={b.key for b in spec.basic if b.type == "fixed"},
        layouts={},
    )


def _layout(contract: _Contract, personalised: bool) -> dict[str, Ref]:
    """Input name → where the generator puts it (K-03 rows for one unit column), from the
    pure layout module: no workbook is built."""
    if personalised not in contract.layouts:
        from .workbook.layout import FormOptions, form_layout

        try:
            places = form_layout(contract.engine.spec, FormOptions(units=1, personalised=personalised)).names
            out = {name: (p.sheet, *p.bounds) for name, p in places.items() if name in contract.inputs}
        except Exception:  # noqa: BLE001 - an engine the form layout cannot lay out
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


def _as_decimal(v: Any) -> Any:
    """Items with decimals keep float values (a spreadsheet stores 42.0 as 42)."""
    return float(v) if type(v) is int else v


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


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2})?)?$")


def _describe_invalid(item, v: Any) -> str:
    """Why an item's value breaks its rule, in Polish."""
    from .expr.pyeval import as_number

    where = f"poz. {item.nr}"
    if isinstance(v, str):
        if v.strip() == "#":
            return f"{where}: znak # jest dozwolony tylko w poz. 3 i 15"
        if _ISO_DATE.match(v):
            return f"{where}: data („{v[:19]}”) zamiast liczby – sprawdź format komórki (Excel zamienia np. 1.5 na 1 maja)"
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
    ctx: dict[str, Any] = {}  # what was learnt before a rejection (library id, meta, date)
    try:
        try:
            size = path.stat().st_size
            if size > limits.max_file_bytes:
                sha = _file_sha256(path)  # streamed: the batch needs it to spot copies
                raise _Reject("too_large", f"plik jest za duży ({_mb(size)} MB, dopuszczalne {_mb(limits.max_file_bytes)} MB) – prosimy przesłać sam formularz, bez dodanych obrazów, arkuszy i załączników")
            with open(path, "rb") as fh:
                raw = fh.read(limits.max_file_bytes + 1)
        except OSError as exc:
            raise _Reject("read_error", f"nie można otworzyć pliku ({type(exc).__name__}) – {RESEND}") from exc
        size = len(raw)
        sha = hashlib.sha256(raw).hexdigest()
        if size == 0:
            raise _Reject("empty_file", "plik jest pusty (0 bajtów) – prosimy przesłać wypełniony formularz ponownie")
        if size > limits.max_file_bytes:
            raise _Reject("too_large", f"plik jest za duży (ponad {_mb(limits.max_file_bytes)} MB) – prosimy przesłać sam formularz, bez dodanych obrazów, arkuszy i załączników")
        if engine is None:
            from .engine import get_engine

            engine = get_engine(2016)
        return _FileReader(path, raw, sha, engine, limits, ctx).read()
    except _Reject as rej:
        return _submission(path, sha, size, rej.code, rej.reason, **ctx)
    except Exception as exc:  # noqa: BLE001 - never raise: an unexpected failure is a verdict
        detail = f"{type(exc).__name__}: {str(exc)[:120]}"
        return _submission(path, sha, size, "read_error", f"pliku nie udało się odczytać ({detail}) – prosimy otworzyć formularz w Excelu, zapisać go jako .xlsx i przesłać ponownie", **ctx)


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


class _FileReader:
    def __init__(self, path: Path, raw: bytes, sha: str, engine, limits: Limits, ctx: dict[str, Any]):
        self.path, self.raw, self.sha, self.engine, self.limits, self.ctx = path, raw, sha, engine, limits, ctx
        self.contract = _contract(engine)

    # -- steps 1-2: what the bytes are ------------------------------------------------------
    def read(self) -> Submission:
        kind = _sniff(self.raw[:8192])
        if kind == "cfb":
            raise _cfb_verdict(self.raw)
        if kind in FORMATS:
            raise _wrong_format(kind)
        if kind != "zip":
            raise _Reject("not_zip", f"plik nie jest skoroszytem Excela (.xlsx) ani innym rozpoznanym formatem – {RESEND}")
        try:
            zf = zipfile.ZipFile(io.BytesIO(self.raw))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
            raise _Reject("corrupt_zip", "plik jest uszkodzony lub niekompletny (np. przerwane zapisywanie albo pobieranie załącznika) – prosimy przesłać go ponownie") from exc
        self.zf = zf
        try:
            return self._read_zip()
        except (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError) as exc:
            raise _Reject("corrupt_zip", "plik jest uszkodzony (błąd sumy kontrolnej lub kompresji) – prosimy przesłać go ponownie") from exc
        finally:
            zf.close()

    def _xml_member(self, name: str) -> bytes:
        raw = _member(self.zf, self.members[name])
        if _has_dtd(raw):
            raise _Reject("xml_entities", f"plik zawiera niedozwolone deklaracje XML (DTD/encje w {name}) i nie został otwarty – {RESEND}")
        return raw

    # -- steps 3-9 ---------------------------------------------------------------------------
    def _read_zip(self) -> Submission:
        zf, limits = self.zf, self.limits
        infos = _check_members(zf, limits)
        self.members = members = {i.filename: i for i in infos}
        if "xl/workbook.xml" not in members or "xl/_rels/workbook.xml.rels" not in members:
            raise _Reject("corrupt_zip", f"w pliku brakuje części skoroszytu (workbook.xml) – {RESEND}")
        plan = _plan(self.contract, self, members["xl/workbook.xml"], members["xl/_rels/workbook.xml.rels"])
        book = plan.book

        # every part not read in full: its prolog (a DTD stands before the root element) and,
        # for sheets, the declared <dimension>; parts already seen clean are remembered
        for info in infos:
            name = info.filename
            if name in plan.read_full or not info.file_size or not name.lower().endswith((".xml", ".rels", ".vml")):
                continue
            key = (name, info.CRC, info.file_size, info.compress_size, limits.max_rows_per_sheet, limits.max_cols_per_sheet)
            if key in _CLEAN_PARTS:
                continue
            head = _prolog(zf, info)
            if _has_dtd(head):
                raise _Reject("xml_entities", f"plik zawiera niedozwolone deklaracje XML (DTD/encje w {name}) i nie został otwarty – {RESEND}")
            if name in plan.titles:
                dim = _dimension(head)
                if dim:
                    _too_big(plan.titles[name], dim[0], dim[1], limits)
            if len(_CLEAN_PARTS) < 10_000:
                _CLEAN_PARTS.add(key)

        if META_SHEET not in book.sheets:
            if plan.looks_ours:
                raise _Reject("meta_missing", "w pliku brakuje ukrytego arkusza identyfikującego formularz (_meta) – dane wpisano prawdopodobnie do kopii formularza; prosimy wpisać je do oryginalnego pliku otrzymanego od koordynatora i przesłać go ponownie")
            raise _Reject("not_our_form", "to nie jest formularz AFBP – prosimy wypełnić formularz .xlsx przesłany przez koordynatora i odesłać go bez zmiany nazw arkuszy")

        # the sheets read: sizes first, then the wanted cells
        xmls: dict[str, bytes] = {}
        for title in plan.wanted_sheets:
            part = book.sheets[title][0]
            if part not in members:
                raise _Reject("corrupt_zip", f"w pliku brakuje arkusza „{title}” – {RESEND}")
            xmls[title] = xml = self._xml_member(part)
            dim = _dimension(xml[:4096])
            if dim:
                _too_big(title, dim[0], dim[1], limits)
        sheets: dict[str, _Sheet] = {}
        dates: frozenset[int] = frozenset()
        if FAST_PATH and "xl/styles.xml" in members:
            info = members["xl/styles.xml"]
            key = (info.CRC, info.file_size)
            if key not in _DATE_STYLES:
                if len(_DATE_STYLES) > 256:
                    _DATE_STYLES.clear()
                _DATE_STYLES[key] = _date_styles(self._xml_member("xl/styles.xml"))
            dates = _DATE_STYLES[key]
        for title, xml in xmls.items() if FAST_PATH else ():
            sheet = _fast_sheet(title, xml, plan.wanted_cells[title], limits, dates, book.date1904)
            if sheet is None:
                break
            sheets[title] = sheet
        fast = len(sheets) == len(xmls)
        if not fast:  # a sheet written unusually: scan every sheet generally, values by calamine
            sheets = {title: _slow_sheet(title, xml, plan.wanted_cells[title], limits) for title, xml in xmls.items()}
        values = _CellValues(self, book, sheets, fast)
        try:
            return self._interpret(plan, values)
        finally:
            values.close()

    def _interpret(self, plan: "_Plan", values: "_CellValues") -> Submission:
        contract, engine, ctx = self.contract, self.engine, self.ctx
        vals, forms = values.values, values.formulas
        meta: dict[str, Any] = {}
        mv = vals.get(META_SHEET, {})
        for key_ref, value_ref in plan.meta_cells:
            key = mv.get(key_ref)
            if isinstance(key, str) and key.strip() and key != "key":
                meta.setdefault(key.strip(), _meta_value(mv.get(value_ref)))
        library_id = _id_text(meta.get("library_id"))
        ctx.update(library_id=library_id, meta=meta)
        saved_at = _saved_at(self) or _parse_time(meta.get("generated_at"))
        ctx["saved_at"] = saved_at
        _check_meta(meta, engine, plan.looks_ours)

        warnings: dict[str, str] = {}
        if plan.broken:
            raise _Reject("layout_broken", f"w formularzu usunięto, rozszerzono albo nałożono na siebie pola ({_list(plan.broken, 5)}) – danych nie da się jednoznacznie odczytać; prosimy wpisać je do oryginalnego formularza i przesłać go ponownie")
        personalised = bool(library_id)
        moved = plan.moved(contract, _as_int(meta.get("units")) or 1, personalised)
        if moved:
            warnings["layout_changed"] = f"układ formularza został zmieniony (przesunięte pola: {_list(moved, 5)}) – dane odczytano według nazw pól; prosimy nie zmieniać układu formularza (nie wstawiać wierszy, nie przenosić komórek)"

        data = FormData()
        items, services, basic, previous, k03 = data.items, data.services, data.basic, data.previous, data.k03
        decimal_items, decimal_k03 = contract.decimal_items, contract.decimal_k03
        input_formulas: list[str] = []
        for name, kind, key, sheet, cells in plan.inputs:
            sv = vals[sheet]
            fs = forms[sheet]
            if kind == "k03":
                row = [sv.get(c) for c in cells]
                if key in decimal_k03:
                    row = [_as_decimal(v) for v in row]
                k03[key] = row
                if fs and not fs.keys().isdisjoint(cells):
                    input_formulas.append(name)
                continue
            cell = cells[0]
            v = sv.get(cell)
            if kind == "item":
                items[key] = _as_decimal(v) if key in decimal_items else v
            elif kind == "service":
                services[key] = v
            elif kind == "basic":
                basic[key] = v
            else:
                previous[key] = v
                continue
            if cell in fs:
                input_formulas.append(name)
        if not _filled_inputs(contract, data, personalised):
            raise _Reject("empty_form", "formularz nie został wypełniony – prosimy uzupełnić dane i przesłać go ponownie")
        if input_formulas:
            warnings["input_formulas"] = f"w polach do wypełnienia wpisano formuły ({_list(sorted(input_formulas), 5)}) – odczytano ich wyniki; prosimy wpisywać same wartości"

        # computed cells: a formula in each; its cached result when the file has one
        replaced: list[str] = list(plan.missing_computed)
        cached: dict[str, Any] = {}
        for name, sheet, cell in plan.computed:
            st = forms[sheet].get(cell)
            if st is None:  # a value (or nothing) where a formula belongs
                replaced.append(name)
                v = vals[sheet].get(cell)
                if v is not None:
                    cached[name] = v
            elif st:
                cached[name] = vals[sheet].get(cell)
        if replaced:
            warnings["formulas_replaced"] = f"w {len(replaced)} komórkach obliczanych (np. {_list(replaced, 4)}) nie ma formuł – wpisano wartości albo usunięto formuły; wskaźniki i kontrole i tak zostaną przeliczone z danych źródłowych; prosimy nie zdejmować ochrony arkuszy"

        problems: list[str] = []
        try:
            if cached:
                computed = engine.values(data)
                differ = [n for n, v in cached.items() if not _same(v, computed.get(n))]
                if differ:
                    warnings["cached_mismatch"] = f"wartości w pliku nie zgadzają się z przeliczeniem – plik mógł być zmieniany (np. {_list(differ, 4)}); wyniki zostaną przeliczone z danych źródłowych"
            else:  # only the validity checks of the items are needed
                computed = {n: engine.by_name[n].py(data, {}) for n in contract.valid_checks.values() if n in engine.by_name}
        except Exception:  # noqa: BLE001 - e.g. numbers near 1e308 overflow a sum: a data problem
            problems.append("wartości, których nie da się przeliczyć (liczby spoza zakresu)")
            computed = {}
            for n in contract.valid_checks.values():
                try:
                    computed[n] = engine.by_name[n].py(data, {})
                except Exception:  # noqa: BLE001
                    computed[n] = status.ERROR
        problems = _invalid_values(contract, data, computed) + problems
        if problems:
            warnings["invalid_values"] = "niepoprawne wartości: " + "; ".join(problems[:10]) + (f" i {len(problems) - 10} innych" if len(problems) > 10 else "") + " – prosimy je poprawić (błędy pokazuje też arkusz Kontrola)"
        if not library_id:
            warnings["no_library_id"] = "formularz bez identyfikatora biblioteki (formularz ogólny, nie imienny) – bibliotekę trzeba przypisać ręcznie"

        code = next((c for c in WARNING_ORDER if c in warnings), "ok")
        return Submission(
            path=self.path,
            name=self.path.name,
            sha256=self.sha,
            size=len(self.raw),
            verdict=CODES[code],
            code=code,
            reason=warnings.get(code, ""),
            warnings=[warnings[c] for c in WARNING_ORDER if c in warnings],
            library_id=library_id,
            meta=meta,
            data=data,
            cached=cached,
            saved_at=saved_at,
        )


#: (part name, CRC, sizes, row/column limits) of parts whose prolog was already found clean
_CLEAN_PARTS: set[tuple[str, int, int, int, int, int]] = set()


@dataclass
class _Plan:
    """What to read in workbooks with one workbook.xml: built once, reused for every file
    with identical workbook.xml and relationships (all forms of one layout)."""

    contract: Any
    book: _Book
    refs: dict[str, Ref]
    broken: list[str]
    missing_computed: list[str]
    looks_ours: bool
    titles: dict[str, str]  # sheet part → title
    read_full: set[str]
    wanted_sheets: list[str]
    wanted_cells: dict[str, set[bytes]]
    inputs: list[tuple[str, str, Any, str, tuple[bytes, ...]]]  # name, kind, key, sheet, cells
    computed: list[tuple[str, str, bytes]]  # name, sheet, cell
    meta_cells: list[tuple[bytes, bytes]]
    _moved: dict[tuple[int, bool], list[str]] = field(default_factory=dict)

    def moved(self, contract: "_Contract", units: int, personalised: bool) -> list[str]:
        key = (units, personalised)
        if key not in self._moved:
            self._moved[key] = _moved(contract, self.refs, units, personalised)
        return self._moved[key]


_PLANS: dict[tuple, _Plan] = {}


def _plan(contract: "_Contract", reader: "_FileReader", wb: zipfile.ZipInfo, rels: zipfile.ZipInfo) -> _Plan:
    """The plan for a workbook.xml + relationships, keyed by their CRC and sizes: all forms
    of one layout share it, so neither is decompressed again. (A forged CRC collision would
    only make the reader look for the generated layout's cells: nothing is gained.)"""
    key = (id(contract), wb.CRC, wb.file_size, rels.CRC, rels.file_size)
    plan = _PLANS.get(key)
    if plan is None or plan.contract is not contract:
        book = _read_book(reader._xml_member(wb.filename), reader._xml_member(rels.filename))
        plan = _make_plan(contract, book)
        if len(_PLANS) >= 64:
            _PLANS.clear()
        _PLANS[key] = plan
    return plan


def _make_plan(contract: "_Contract", book: _Book) -> _Plan:
    refs, broken = _resolve(contract, book)
    ours = sum(1 for n in book.names if n in contract.all_names)
    wanted_sheets = sorted({r[0] for r in refs.values()} | ({META_SHEET} & set(book.sheets)))
    wanted_cells: dict[str, set[bytes]] = {t: set() for t in wanted_sheets}
    inputs = []
    for name, (kind, key) in contract.inputs.items():
        ref = refs.get(name)
        if ref is None:
            continue
        sheet, c1, r1, c2, _r2 = ref
        cells = tuple(_cell_ref(r1, c) for c in range(c1, c2 + 1))
        wanted_cells[sheet].update(cells)
        inputs.append((name, kind, key, sheet, cells))
    computed = []
    missing = []
    for name in contract.computed:
        ref = refs.get(name)
        if ref is None:
            missing.append(name)
            continue
        cell = _cell_ref(ref[2], ref[1])
        wanted_cells[ref[0]].add(cell)
        computed.append((name, ref[0], cell))
    meta_cells = [(_cell_ref(r, 1), _cell_ref(r, 2)) for r in range(1, META_ROWS + 1)]
    if META_SHEET in wanted_cells:
        for a, b in meta_cells:
            wanted_cells[META_SHEET].update((a, b))
    parts = {book.sheets[t][0] for t in wanted_sheets}
    return _Plan(
        contract=contract,
        book=book,
        refs=refs,
        broken=broken,
        missing_computed=missing,
        looks_ours=ours >= max(5, len(contract.inputs) // 4),
        titles={part: title for title, (part, _state) in book.sheets.items()},
        read_full=parts | {"xl/workbook.xml", "xl/_rels/workbook.xml.rels"},
        wanted_sheets=wanted_sheets,
        wanted_cells=wanted_cells,
        inputs=inputs,
        computed=computed,
        meta_cells=meta_cells,
    )


def _cell_ref(row: int, col: int) -> bytes:
    return (_col_letters(col) + str(row)).encode()


@lru_cache(maxsize=4096)
def _col_letters(col: int) -> str:
    out = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


_REF_BYTES = re.compile(rb"([A-Z]{1,3})(\d+)")


class _CellValues:
    """The wanted cells' values and formula states, per sheet, as plain dicts keyed by
    b"C5": converted from the raw XML (fast path) or taken from calamine (fallback)."""

    def __init__(self, reader: _FileReader, book: _Book, sheets: dict[str, _Sheet], fast: bool):
        self.reader, self.book, self.sheets, self.fast = reader, book, sheets, fast
        self.values: dict[str, dict[bytes, Any]] = {t: {} for t in sheets}
        self.formulas: dict[str, dict[bytes, bool]] = {}
        self._wb = None
        if fast:
            self._convert_all()
            self.formulas = {t: s.formulas or {} for t, s in sheets.items()}
        else:
            self._from_calamine()

    def close(self) -> None:
        if self._wb is not None:
            self._wb.close()

    # -- fast path: the values are converted; only shared strings remain
    def _convert_all(self) -> None:
        wanted: set[int] = set()
        for title, sheet in self.sheets.items():
            self.values[title] = sheet.values if sheet.values is not None else {}
            wanted.update(i for _, i in sheet.shared)
        if not wanted or "xl/sharedStrings.xml" not in self.reader.members:
            return
        sst = _shared_strings(self.reader._xml_member("xl/sharedStrings.xml"), wanted)
        for title, sheet in self.sheets.items():
            out = self.values[title]
            for ref, i in sheet.shared:
                out[ref] = _norm(sst.get(i))

    # -- fallback: python-calamine grids (after the size checks of _slow_sheet)
    def _from_calamine(self) -> None:
        import python_calamine as pc

        self._wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(self.reader.raw))
        for title, sheet in self.sheets.items():
            cells = [(ref, int(m.group(2)) - 1, names.col_number(m.group(1).decode()) - 1) for ref in sheet.wanted if (m := _REF_BYTES.fullmatch(ref))]
            nrows = max((r for _, r, _ in cells), default=0) + 1
            grid = self._wb.get_sheet_by_name(title).to_python(skip_empty_area=False, nrows=nrows)
            out = self.values[title]
            for ref, r, c in cells:
                if r < len(grid) and c < len(grid[r]):
                    v = _norm(grid[r][c])
                    if v is not None:
                        out[ref] = v
            if sheet.formulas is not None:
                self.formulas[title] = sheet.formulas
            else:  # cells without positions: judge the wanted cells found
                self.formulas[title] = {ref: _has_cache(a, b) for ref, (a, b) in sheet.cells.items() if b and _HAS_F.search(b)}


def _t_attr(attrs: bytes) -> bytes:
    m = _ATTR_T.search(attrs)
    return m.group(1) if m else b"n"


def _shared_strings(xml: bytes, wanted: set[int]) -> dict[int, str]:
    """Only the wanted entries of sharedStrings.xml: split at <si> (C speed), decoded lazily."""
    top = max(wanted)
    pieces = xml.split(b"<si>", top + 1)
    if len(pieces) - 1 <= top and (b"<si " in xml or b":si" in xml):  # attributes or a prefix
        pieces = re.split(rb"<(?:[\w.-]+:)?si(?:\s[^>]*)?>", xml, maxsplit=top + 1)
    return {i: _si_text(pieces[i + 1]) for i in wanted if i + 1 < len(pieces)}


def _si_text(p: bytes) -> str:
    end = p.find(b"</si>")
    if end < 0:
        m = re.search(rb"</(?:[\w.-]+:)?si>", p)
        end = m.start() if m else len(p)
    return rich_text(p[:end])


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


def _resolve(contract: _Contract, book: _Book) -> tuple[dict[str, Ref], list[str]]:
    """Where every contract name points, and the input names that cannot be read safely
    (missing, not one cell / one row, or sharing a cell with another input)."""
    refs: dict[str, Ref] = {}
    for name in contract.ordered_names:
        text = book.names.get(name)
        if text is not None:
            ref = parse_ref(text)
            if ref is not None and ref[0] in book.sheets:
                refs[name] = ref
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
            if cells.setdefault((sheet, r1, c), name) != name:
                broken.append(name)
                break
    return refs, broken


def _moved(contract: _Contract, refs: dict[str, Ref], units: int, personalised: bool) -> list[str]:
    """Input names that point elsewhere than in the generated layout (the closer variant of
    the two layouts, with and without the library's prefilled identifier row)."""
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
            if refs.get(name) != exp:
                moved.append(name)
        if best is None or len(moved) < len(best):
            best = moved
        if not moved:
            break
    return best or []


def _filled_inputs(contract: _Contract, data: FormData, personalised: bool) -> bool:
    """Whether the library typed anything (prefilled personal cells do not count)."""
    from .workbook.form import PERSONAL_BASIC

    prefilled_items = {1, 13} if personalised else set()
    skip_basic = set(contract.fixed_basic) | (set(PERSONAL_BASIC) if personalised else set())
    return (
        any(v is not None and nr not in prefilled_items for nr, v in data.items.items())
        or any(v is not None for v in data.services.values())
        or any(v is not None and k not in skip_basic for k, v in data.basic.items())
        or any(v is not None for row in data.k03.values() for v in row)
    )


#: Upper bounds of K-03 cells by type (the data validations of the K-03 sheet).
K03_MAX = {"whole": 999_999_999_999, "decimal": 1_000_000, "percent": 100}


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
                top = K03_MAX.get(cell.type, K03_MAX["whole"])
                if n is None:
                    what = "data" if isinstance(v, str) and _ISO_DATE.match(v) else "tekst"
                    out.append(f"K-03 {cell.address} ({unit}): {what} zamiast liczby („{str(v)[:20]}”)")
                elif n < 0:
                    out.append(f"K-03 {cell.address} ({unit}): liczba ujemna ({_fmt_value(v)})")
                elif n > top:
                    out.append(f"K-03 {cell.address} ({unit}): wartość spoza zakresu 0–{top:g} ({_fmt_value(v)})")
                elif cell.type == "whole" and not float(n).is_integer():
                    out.append(f"K-03 {cell.address} ({unit}): liczba niecałkowita ({_fmt_value(v)})")
    return out


def _saved_at(reader: "_FileReader") -> datetime | None:
    """docProps/core.xml dcterms:modified (written by Excel, LibreOffice and openpyxl)."""
    if "docProps/core.xml" not in reader.members or reader.members["docProps/core.xml"].file_size > 200_000:
        return None
    m = _MODIFIED.search(reader._xml_member("docProps/core.xml"))
    return _parse_time(xml_text(m.group(1))) if m else None


# ============================================================================ batches
#: Below this many files read_many reads in-process (starting workers costs more).
IN_PROCESS_BELOW = 40
#: Files sent ahead to each worker (the deadline runs for the one it is reading).
PIPELINE = 2


def _timeout_submission(path: Path, limits: Limits) -> Submission:
    sha, size = "", 0
    try:
        sha, size = _file_sha256(path), path.stat().st_size
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
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        out = []
        with _progress(len(paths), progress) as bar:
            for p in paths:
                out.append(_read_in_process(p, engine, limits))
                bar.update(1)
        return out
    return _Pool(engine, limits, min(workers, len(paths))).run(paths, progress)


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
    """Worker processes, each fed up to :data:`PIPELINE` files ahead so it never waits for
    the parent; the file a worker is on has a deadline, and a late worker is killed and
    replaced (its queued files go back to the queue)."""

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

    def run(self, paths: list[Path], progress: bool) -> list[Submission]:
        from multiprocessing.connection import wait

        results: list[Submission | None] = [None] * len(paths)
        todo = list(range(len(paths)))[::-1]  # a stack: the next file is at the end
        workers = [self._spawn() for _ in range(self.n)]
        bar = _progress(len(paths), progress)  # after forking: tqdm may start a thread
        queues: list[list[int]] = [[] for _ in workers]  # files sent to each worker, in order
        started = [0.0] * len(workers)  # when the worker's current (first queued) file started

        def replace(slot: int) -> None:
            todo.extend(reversed(queues[slot]))  # not finished: read again by another worker
            queues[slot] = []
            workers[slot] = self._replace(*workers[slot])

        try:
            while todo or any(queues):
                now = time.monotonic()
                for slot in range(len(workers)):
                    while todo and len(queues[slot]) < PIPELINE:
                        i = todo.pop()
                        try:
                            workers[slot][1].send((i, paths[i]))
                        except (BrokenPipeError, OSError):
                            todo.append(i)
                            replace(slot)
                            break
                        if not queues[slot]:
                            started[slot] = now
                        queues[slot].append(i)
                busy = [s for s in range(len(workers)) if queues[s]]
                if not busy:
                    continue
                timeout = max(0.0, min(started[s] for s in busy) + self.limits.seconds - time.monotonic())
                by_conn = {workers[s][1]: s for s in busy}
                for conn in wait(list(by_conn), timeout=timeout):
                    slot = by_conn[conn]
                    head = queues[slot][0]
                    try:
                        index, sub = conn.recv()
                    except (EOFError, OSError):  # the worker died (e.g. out of memory)
                        results[head] = _crash_submission(paths[head], self.limits)
                        queues[slot].pop(0)
                        bar.update(1)
                        replace(slot)
                        continue
                    results[index] = sub
                    if index in queues[slot]:
                        queues[slot].remove(index)
                    started[slot] = time.monotonic()
                    bar.update(1)
                now = time.monotonic()
                for slot in range(len(workers)):
                    if queues[slot] and now >= started[slot] + self.limits.seconds:
                        head = queues[slot].pop(0)
                        results[head] = _timeout_submission(paths[head], self.limits)
                        bar.update(1)
                        replace(slot)
        finally:
            bar.close()
            for _proc, conn in workers:
                try:
                    conn.send(None)
                except (BrokenPipeError, OSError):
                    pass
                conn.close()
            for proc, _conn in workers:
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
