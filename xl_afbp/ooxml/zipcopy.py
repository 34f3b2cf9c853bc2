"""Write a zip archive reusing already-compressed members of another one.

Personalising a workbook changes a few sheet XMLs; the large parts (the TERYT lists,
styles, the other sheets) are identical in every copy. ``zipfile`` can only write members
by compressing them again, which dominates the cost of a batch; this module copies their
compressed bytes as they are and compresses only the changed members. The output is an
ordinary zip (no data descriptors, no zip64: workbooks are far below 4 GiB).
"""

from __future__ import annotations

import struct
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")


@dataclass(frozen=True)
class Member:
    name: bytes
    method: int
    crc: int
    csize: int
    usize: int
    data: bytes  # compressed bytes


def _dos_time(t: float | None = None) -> tuple[int, int]:
    lt = time.localtime(t)
    return (lt.tm_hour << 11) | (lt.tm_min << 5) | (lt.tm_sec // 2), ((lt.tm_year - 1980) << 9) | (lt.tm_mon << 5) | lt.tm_mday


def read_members(data: bytes) -> dict[str, Member]:
    """The compressed members of a zip held in memory, in archive order."""
    import io

    out: dict[str, Member] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            off = info.header_offset
            header = _LOCAL.unpack_from(data, off)
            name_len, extra_len = header[9], header[10]
            start = off + _LOCAL.size + name_len + extra_len
            out[info.filename] = Member(info.filename.encode("utf-8"), info.compress_type, info.CRC, info.compress_size, info.file_size, data[start : start + info.compress_size])
    return out


def compress(name: str, payload: bytes, level: int = 1) -> Member:
    """Deflate one member; level 1 is ~3x faster than 6 and costs a few kB per workbook."""
    return join_pieces(name, [deflate_piece(payload, last=True, level=level)])


def write_zip(path: Path | str, members: list[Member], mtime: float | None = None) -> None:
    dtime, ddate = _dos_time(mtime)
    parts: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for m in members:
        flags = 0x800  # names are UTF-8
        local = _LOCAL.pack(b"PK\x03\x04", 20, flags, m.method, dtime, ddate, m.crc, m.csize, m.usize, len(m.name), 0) + m.name
        central.append(_CENTRAL.pack(b"PK\x01\x02", 20, 20, flags, m.method, dtime, ddate, m.crc, m.csize, m.usize, len(m.name), 0, 0, 0, 0, 0, offset) + m.name)
        parts += [local, m.data]
        offset += len(local) + len(m.data)
    cd = b"".join(central)
    end = _END.pack(b"PK\x05\x06", 0, 0, len(members), len(members), len(cd), offset, 0)
    Path(path).write_bytes(b"".join(parts) + cd + end)


def set_saved_at(path: Path | str, when) -> None:
    """Set ``dcterms:modified`` in docProps/core.xml, as the application that saved the file does.

    openpyxl stamps the current time on every save; simulations of returned files use this
    to say when a librarian "saved" a version (the newest version of a library wins).
    """
    import re

    path = Path(path)
    members = read_members(path.read_bytes())
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = []
    for name, m in members.items():
        if name == "docProps/core.xml":
            xml = (m.data if m.method == 0 else zlib.decompress(m.data, -15)).decode("utf-8")
            xml = re.sub(r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rf"\g<1>{stamp}\g<2>", xml)
            out.append(compress(name, xml.encode("utf-8")))
        else:
            out.append(m)
    write_zip(path, out)


@dataclass(frozen=True)
class Piece:
    """A stretch of a member's text and its raw deflate data, ending byte-aligned (a sync
    flush) unless it is the member's last piece. Deflate streams compressed separately
    this way concatenate into one valid stream: no back-reference crosses a piece."""

    raw: bytes
    data: bytes


def deflate_piece(raw: bytes, *, last: bool, level: int = 1) -> Piece:
    co = zlib.compressobj(level, zlib.DEFLATED, -15)
    return Piece(raw, co.compress(raw) + co.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH))


def join_pieces(name: str, pieces: list[Piece]) -> Member:
    """One deflated member from pieces in order (the CRC runs over their text)."""
    crc = 0
    for p in pieces:
        crc = zlib.crc32(p.raw, crc)
    data = b"".join(p.data for p in pieces)
    return Member(name.encode("utf-8"), zipfile.ZIP_DEFLATED, crc, len(data), sum(len(p.raw) for p in pieces), data)
