"""The reader of one file: :func:`read_submission`, which never raises.

A file's verdict is a function of the file alone: what is remembered between files (the
member-name classification, the read plan per workbook.xml, the styles, the parts whose
prolog was found clean) is keyed by the digest of the exact stored bytes of the members it
was computed from (:meth:`_FileReader.digest`) – never by what the zip directory declares
(CRC, sizes), which a damaged or forged file can copy from a good one.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
import zlib
from pathlib import Path
from typing import Any

from ..safetext import safe_path
from ..verdicts import message
from .cells import NO_STYLES, _CellValues, _STYLES, _Sheet, _Styles, _dimension, _fast_sheet, _slow_sheet, _style_kinds, _too_big
from .contract import _Plan, _contract, _make_plan, _plan
from .interpret import core_modified, interpret
from .local import not_a_form, read_local
from .members import _check_members, _member
from .ods import CONTENT, ods_book, ods_cells, ods_saved_at
from .sniff import _cfb_verdict, _sniff
from .submission import Limits, META_SHEET, Submission, _Reject, _submission
from .texts import FORMATS, _mb, _wrong_format
from .xmlsafe import _has_dtd, _prolog

#: Read regular sheets with the fast raw-XML path (False: always python-calamine; the tests
#: compare both paths on the same files).
FAST_PATH = True


# ============================================================================ the reader


def read_submission(path: Path | str, *, engine=None, limits: Limits = Limits()) -> Submission:
    """Read one returned workbook. Never raises: every failure is a rejected Submission."""
    path = Path(path)
    sha, size = "", 0
    ctx: dict[str, Any] = {}  # what was learnt before a rejection (library id, meta, date)
    try:
        try:
            raw = read_local(path, limits)
        except _Reject as rej:
            if rej.code == "too_large":
                sha, size = _file_sha256(path), path.stat().st_size  # streamed: the batch needs it to spot copies
            raise
        size = len(raw)
        sha = hashlib.sha256(raw).hexdigest()
        if size == 0:
            raise _Reject("empty_file")
        if size > limits.max_file_bytes:
            raise _Reject("too_large", size=f"ponad {_mb(limits.max_file_bytes)}", limit=_mb(limits.max_file_bytes))
        if engine is None:
            from ..engine import get_engine

            engine = get_engine()
        return _FileReader(path, raw, sha, engine, limits, ctx).read()
    except _Reject as rej:
        rej = not_a_form(path.name, rej) or rej
        return _submission(path, sha, size, rej.code, rej.reason, **ctx)
    except Exception as exc:  # noqa: BLE001 - never raise: an unexpected failure is a verdict
        detail = f"{type(exc).__name__}: {str(exc)[:120]}"
        return _submission(path, sha, size, "read_error", message("read_error", detail=detail), **ctx)


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    except OSError:
        return ""
    return h.hexdigest()


class _FileReader:
    def __init__(self, path: Path, raw: bytes, sha: str, engine, limits: Limits, ctx: dict[str, Any]):
        self.path, self.raw, self.sha, self.engine, self.limits, self.ctx = path, raw, sha, engine, limits, ctx
        self.name = safe_path(path.name)
        self.contract = _contract(engine)
        self.kind = "xlsx"
        self._digests: dict[str, bytes] = {}

    # -- steps 1-2: what the bytes are ------------------------------------------------------
    def read(self) -> Submission:
        kind = _sniff(self.raw[:8192])
        if kind == "cfb":
            raise _cfb_verdict(self.raw)
        if kind in FORMATS:
            raise _wrong_format(kind)
        if kind != "zip":
            raise _Reject("not_zip")
        try:
            zf = zipfile.ZipFile(io.BytesIO(self.raw))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
            raise _Reject("corrupt_zip", detail="np. przerwane zapisywanie albo pobieranie załącznika") from exc
        self.zf = zf
        try:
            return self._read_zip()
        except (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError) as exc:
            raise _Reject("corrupt_zip", detail="błąd sumy kontrolnej lub kompresji") from exc
        finally:
            zf.close()

    def digest(self, info: zipfile.ZipInfo) -> bytes:
        """A digest of everything that decides what reading a member gives: its local
        header and stored (compressed) bytes, and the directory's name, CRC, sizes, method
        and flags. Equal digests: equal reads, whichever file was read first.

        The local header's modification time and date (bytes 10-13) are left out: no read
        looks at them, and LibreOffice stamps every member with the save time, so with
        them no two returned files would ever share a digest (the layout's plan, styles
        and clean prologs were worked out again for every file)."""
        found = self._digests.get(info.filename)
        if found is None:
            raw, off = self.raw, self._header_offset(info)
            n, e = int.from_bytes(raw[off + 26 : off + 28], "little"), int.from_bytes(raw[off + 28 : off + 30], "little")
            view = memoryview(raw)
            h = hashlib.blake2b(view[off : off + 10], digest_size=20)
            h.update(view[off + 14 : off + 30 + n + e + info.compress_size])
            h.update(repr((info.filename, info.CRC, info.file_size, info.compress_size, info.compress_type, info.flag_bits)).encode("utf-8", "surrogateescape"))
            found = self._digests[info.filename] = h.digest()
        return found

    def _header_offset(self, info: zipfile.ZipInfo) -> int:
        """Where a member's local header starts, checked against the file's length."""
        off = info.header_offset
        if off < 0 or off + 30 > len(self.raw):
            raise _Reject("corrupt_zip", detail="błędny katalog archiwum")
        return off

    def _xml_member(self, name: str) -> bytes:
        raw = _member(self.raw, self.members[name])
        if _has_dtd(raw, name):
            raise _Reject("xml_entities", part=name)
        return raw

    def saved_at_text(self) -> str | None:
        """When the file was last saved, as the package records it: docProps/core.xml
        ``dcterms:modified`` (xlsx) or meta.xml ``dc:date`` (ods)."""
        part = "meta.xml" if self.kind == "ods" else "docProps/core.xml"
        if part not in self.members or self.members[part].file_size > 200_000:
            return None
        xml = self._xml_member(part)
        return ods_saved_at(xml) if self.kind == "ods" else core_modified(xml)

    # -- steps 3-9 ---------------------------------------------------------------------------
    def _read_zip(self) -> Submission:
        infos, self.kind = _check_members(self.zf, self.limits, self.digest)
        self.members = {i.filename: i for i in infos}
        if self.kind == "ods":
            return self._read_ods()
        members = self.members
        if "xl/workbook.xml" not in members or "xl/_rels/workbook.xml.rels" not in members:
            raise _Reject("corrupt_zip", detail="brakuje części skoroszytu workbook.xml")
        plan = _plan(self.contract, self, members["xl/workbook.xml"], members["xl/_rels/workbook.xml.rels"])
        self._check_prologs(plan.read_full, plan.titles)
        book = plan.book
        if META_SHEET not in book.sheets:
            raise _Reject("meta_missing" if plan.looks_ours else "not_our_form")

        # the sheets read: sizes first, then the wanted cells
        xmls: dict[str, bytes] = {}
        for title in plan.wanted_sheets:
            part = book.sheets[title][0]
            if part not in members:
                raise _Reject("corrupt_zip", detail=f"brakuje arkusza „{title}”")
            xmls[title] = xml = self._xml_member(part)
            dim = _dimension(xml[:4096])
            if dim:
                _too_big(title, dim[0], dim[1], self.limits)
        styles = self._styles()
        sheets: dict[str, _Sheet] = {}
        for title, xml in xmls.items() if FAST_PATH else ():
            sheet = _fast_sheet(title, xml, plan.wanted_cells[title], self.limits, styles, book.date1904)
            if sheet is None:
                break
            sheets[title] = sheet
        fast = len(sheets) == len(xmls)
        if not fast:  # a sheet written unusually: scan every sheet generally, values by calamine
            sheets = {title: _slow_sheet(title, xml, plan.wanted_cells[title], self.limits) for title, xml in xmls.items()}
        values = _CellValues(self, book, sheets, fast, styles)
        try:
            return interpret(self, plan, values)
        finally:
            values.close()

    def _check_prologs(self, read_full: set[str], titles: dict[str, str]) -> None:
        """Every XML part not read in full: its prolog (a DTD stands before the root
        element) and, for sheets, the declared ``<dimension>``; parts already found clean
        are remembered by their digest – except large ones: digesting one costs more than
        looking at its start (and LibreOffice's shared strings and register sheets differ
        from form to form)."""
        limits = self.limits
        for info in self.members.values():
            name = info.filename
            if name in read_full or not info.file_size or not name.lower().endswith((".xml", ".rels", ".vml")):
                continue
            key = None
            if info.compress_size > _DIGEST_UP_TO:
                self._header_offset(info)  # what digest() checks first
            else:
                key = (name, self.digest(info), limits.max_rows_per_sheet, limits.max_cols_per_sheet)
                if key in _CLEAN_PARTS:
                    continue
            dtd, head = _prolog(self.zf, info)
            if dtd:
                raise _Reject("xml_entities", part=name)
            if name in titles:
                dim = _dimension(head)
                if dim:
                    _too_big(titles[name], dim[0], dim[1], limits)
            if key is not None:
                if len(_CLEAN_PARTS) >= 10_000:
                    _CLEAN_PARTS.clear()
                _CLEAN_PARTS.add(key)

    def _styles(self) -> _Styles:
        """Date and percent cell formats of styles.xml (remembered by its digest)."""
        info = self.members.get("xl/styles.xml")
        if info is None:
            return NO_STYLES
        key = self.digest(info)
        if key not in _STYLES:
            if len(_STYLES) > 256:
                _STYLES.clear()
            _STYLES[key] = _style_kinds(self._xml_member("xl/styles.xml"))
        return _STYLES[key]

    def _read_ods(self) -> Submission:
        """An OpenDocument spreadsheet: the same plan, checks and interpretation."""
        content = self._xml_member(CONTENT)
        book = ods_book(content)
        plan = _make_plan(self.contract, book)
        self._check_prologs({CONTENT}, {})
        if META_SHEET not in book.sheets:
            raise _Reject("meta_missing" if plan.looks_ours else "not_our_form")
        sheets = ods_cells(content, plan.wanted_cells, self.limits)
        return interpret(self, plan, _CellValues(self, book, sheets, True))


#: parts stored in more bytes than this have their prolog looked at, not digested
_DIGEST_UP_TO = 16_384
#: (part name, digest, row/column limits) of parts whose prolog was already found clean
_CLEAN_PARTS: set[tuple[str, bytes, int, int]] = set()


def forget() -> None:
    """Drop everything remembered between files: the next file is read as if it came
    first (the tests compare that with reads after other files: the same verdicts)."""
    from . import contract, members

    members._CLASSIFIED.clear()
    contract._PLANS.clear()
    _STYLES.clear()
    _CLEAN_PARTS.clear()


__all__ = ["FAST_PATH", "forget", "read_submission", "_Plan"]
