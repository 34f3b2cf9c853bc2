"""Content sniffing by magic bytes, never by the extension; OLE/CFB containers."""

from __future__ import annotations

import io

from .submission import _Reject
from .texts import _wrong_format


# ============================================================================ sniffing
_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _sniff(head: bytes) -> str:
    """What the first bytes say the file is: zip, cfb, or a wrong_format/not_zip kind."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")) or (len(head) < 4 and b"PK\x03\x04".startswith(head)):
        return "zip"  # the shortest: a workbook cut off after its first bytes (not a text export)
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
            return _Reject("encrypted")
        kind = type(office).__name__.lower()
        if "ppt" in kind or "doc" in kind:
            return _wrong_format("ole")
    except Exception:  # noqa: BLE001 - a truncated or minimal OLE file: look at its streams
        try:
            import olefile

            ole = olefile.OleFileIO(io.BytesIO(data))
            streams = {"/".join(s).lower() for s in ole.listdir()}
            if {"encryptioninfo", "encryptedpackage"} & streams:
                return _Reject("encrypted")
            if {"worddocument", "powerpoint document"} & streams:
                return _wrong_format("ole")
        except Exception:  # noqa: BLE001
            pass
    return _wrong_format("xls")
