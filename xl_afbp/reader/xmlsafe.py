"""XML safety: a DTD or entity declaration in any part's prolog rejects the file.

A DTD can only stand in the prolog, before the root element; a declaration anywhere else
makes the part malformed and nothing here would expand it (the fast path decodes only the
predefined entities, calamine refuses unknown ones, defusedxml and the ODS parser refuse
DTDs anywhere). So the whole prolog of every part is scanned – however long: a 70 kB
comment or processing instruction before ``<!DOCTYPE`` hides nothing – in one linear pass
that can be fed the part in pieces as it is decompressed (:class:`PrologScanner`). A prolog
that does not end within :data:`MAX_PROLOG` bytes is refused (no writer makes one).
"""

from __future__ import annotations

import codecs
import zipfile

from .submission import _Reject

#: bytes of prolog (declaration, comments, processing instructions, white space) allowed
#: before the root element: Office writes < 200, a hostile file pads to hide a DTD
MAX_PROLOG = 1_000_000

_SPACE = frozenset(b" \t\r\n")
ROOT, DTD, MORE = "root", "dtd", "more"


class PrologScanner:
    """Where a part's prolog ends, fed piece by piece; linear in the bytes fed.

    ``feed(chunk)`` returns :data:`ROOT` once the root element starts, :data:`DTD` when a
    declaration (``<!DOCTYPE``, ``<!ENTITY``, any ``<!`` other than a comment) comes first,
    :data:`MORE` while the prolog goes on. UTF-16 parts (by BOM or by their first bytes)
    are decoded as they come; UTF-32 and other encodings no spreadsheet writes are refused."""

    def __init__(self, part: str):
        self.part = part
        self.buf = bytearray()
        self.i = 0  # where the construct being read starts
        self.seek = 0  # where to resume looking for its end
        self.decoder = None
        self.started = False

    def feed(self, chunk: bytes, final: bool = False) -> str:
        if not self.started:
            chunk = self._start(chunk)
        elif self.decoder is not None:
            chunk = self.decoder.decode(chunk, final).encode("utf-8")
        self.buf += chunk
        state = self._scan()
        if state == MORE and (final or len(self.buf) > MAX_PROLOG):
            if len(self.buf) > MAX_PROLOG or self.buf[self.i :].strip():
                raise _Reject("malformed_xml", detail=f"część {self.part}: brak głównego elementu XML po {len(self.buf)} bajtach wstępu")
            return ROOT  # an empty part: nothing to hide a DTD in
        return state

    def _start(self, chunk: bytes) -> bytes:
        self.started = True
        head = bytes(chunk[:4])
        if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff", b"\x00\x00\x00<", b"<\x00\x00\x00")):
            raise _Reject("malformed_xml", detail=f"część {self.part}: kodowanie UTF-32, którego nie używa żaden arkusz")
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            self.decoder = codecs.getincrementaldecoder("utf-16")("replace")
        elif head[:2] == b"<\x00":
            self.decoder = codecs.getincrementaldecoder("utf-16-le")("replace")
        elif head[:2] == b"\x00<":
            self.decoder = codecs.getincrementaldecoder("utf-16-be")("replace")
        elif head.startswith(b"\xef\xbb\xbf"):
            chunk = chunk[3:]
        if self.decoder is not None:
            return self.decoder.decode(chunk).encode("utf-8").removeprefix("\ufeff".encode("utf-8"))
        return chunk

    def _scan(self) -> str:
        data, n = self.buf, len(self.buf)
        i = self.i
        while i < n:
            b = data[i]
            if b in _SPACE:
                i += 1
                continue
            if b != 0x3C:  # "<"
                self.i = i
                return ROOT  # text before the root: malformed, but no declaration
            if data.startswith(b"<?", i) or data.startswith(b"<!--", i):
                close = b"?>" if data[i + 1] == 0x3F else b"-->"
                j = data.find(close, max(self.seek, i + 2))
                if j < 0:
                    self.i, self.seek = i, max(i + 2, n - len(close) + 1)
                    return MORE
                i = j + len(close)
                self.seek = 0
                continue
            if i + 4 > n and b"<!--".startswith(bytes(data[i:n])):
                self.i = i
                return MORE  # "<!-" at the end of a piece: a comment or a declaration?
            self.i = i
            return DTD if data.startswith(b"<!", i) else ROOT
        self.i = i
        return MORE


def _has_dtd(raw: bytes, part: str = "") -> bool:
    """Whether a DTD (or any other declaration) stands before the root element of a part
    read whole. Linear; the whole prolog counts."""
    scanner = PrologScanner(part)
    step = 1 << 16  # in pieces, as _prolog: the prolog is short, the part need not be copied
    for start in range(0, max(len(raw), 1), step):
        state = scanner.feed(raw[start : start + step], final=start + step >= len(raw))
        if state != MORE:
            return state == DTD
    return False


def _prolog(zf: zipfile.ZipFile, info: zipfile.ZipInfo, minimum: int = 4096) -> tuple[bool, bytes]:
    """(has a DTD, the start of the part): decompressed in pieces up to its root element
    and at least ``minimum`` bytes (a sheet's ``<dimension>`` follows the root)."""
    scanner = PrologScanner(info.filename)
    head = bytearray()
    state = MORE
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(16384)
            if state == MORE:
                state = scanner.feed(chunk, final=not chunk)
                if state == DTD:
                    return True, bytes(head + chunk)
            head += chunk
            if not chunk or (state == ROOT and len(head) >= minimum):
                return False, bytes(head)
