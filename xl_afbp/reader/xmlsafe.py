"""XML safety: a DTD or entity declaration in any part's prolog rejects the file."""

from __future__ import annotations

import re
import zipfile


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
