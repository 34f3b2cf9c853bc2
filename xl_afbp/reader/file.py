"""The reader of one file: :func:`read_submission`, which never raises."""

from __future__ import annotations

import hashlib
import io
import zipfile
import zlib
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import status
from ..formdata import FormData
from ..verdicts import message
from .book import _MODIFIED
from .cells import _CellValues, _DATE_STYLES, _Sheet, _date_styles, _dimension, _fast_sheet, _slow_sheet, _too_big, xml_text
from .contract import _Contract, _Plan, _check_meta, _contract, _plan
from .convert import _as_decimal, _as_int, _id_text, _invalid_values, _meta_value, _parse_time, _same
from .members import _check_members, _member
from .sniff import _cfb_verdict, _sniff
from .submission import CODES, Limits, META_SHEET, Submission, WARNING_ORDER, _Reject, _submission
from .texts import FORMATS, _list, _mb, _wrong_format
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
            size = path.stat().st_size
            if size > limits.max_file_bytes:
                sha = _file_sha256(path)  # streamed: the batch needs it to spot copies
                raise _Reject("too_large", size=_mb(size), limit=_mb(limits.max_file_bytes))
            with open(path, "rb") as fh:
                raw = fh.read(limits.max_file_bytes + 1)
        except OSError as exc:
            raise _Reject("read_error", detail=f"nie można otworzyć pliku: {type(exc).__name__}") from exc
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
        return _submission(path, sha, size, rej.code, rej.reason, **ctx)
    except Exception as exc:  # noqa: BLE001 - never raise: an unexpected failure is a verdict
        detail = f"{type(exc).__name__}: {str(exc)[:120]}"
        return _submission(path, sha, size, "read_error", message("read_error", detail=detail), **ctx)


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

    def _xml_member(self, name: str) -> bytes:
        raw = _member(self.zf, self.members[name])
        if _has_dtd(raw):
            raise _Reject("xml_entities", part=name)
        return raw

    # -- steps 3-9 ---------------------------------------------------------------------------
    def _read_zip(self) -> Submission:
        zf, limits = self.zf, self.limits
        infos = _check_members(zf, limits)
        self.members = members = {i.filename: i for i in infos}
        if "xl/workbook.xml" not in members or "xl/_rels/workbook.xml.rels" not in members:
            raise _Reject("corrupt_zip", detail="brakuje części skoroszytu workbook.xml")
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
                raise _Reject("xml_entities", part=name)
            if name in plan.titles:
                dim = _dimension(head)
                if dim:
                    _too_big(plan.titles[name], dim[0], dim[1], limits)
            if len(_CLEAN_PARTS) < 10_000:
                _CLEAN_PARTS.add(key)

        if META_SHEET not in book.sheets:
            if plan.looks_ours:
                raise _Reject("meta_missing")
            raise _Reject("not_our_form")

        # the sheets read: sizes first, then the wanted cells
        xmls: dict[str, bytes] = {}
        for title in plan.wanted_sheets:
            part = book.sheets[title][0]
            if part not in members:
                raise _Reject("corrupt_zip", detail=f"brakuje arkusza „{title}”")
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
        """Steps 7-10: identification, the inputs, the computed cells, the recomputation."""
        meta, library_id, saved_at = self._identify(plan, values)
        warnings: dict[str, str] = {}
        if plan.broken:
            raise _Reject("layout_broken", fields=_list(plan.broken, 5))
        personalised = bool(library_id)
        moved = plan.moved(self.contract, _as_int(meta.get("units")) or 1, personalised)
        if moved:
            warnings["layout_changed"] = message("layout_changed", fields=_list(moved, 5))
        data, input_formulas = _inputs(self.contract, plan, values)
        if not _filled_inputs(self.contract, data, personalised):
            raise _Reject("empty_form")
        if input_formulas:
            warnings["input_formulas"] = message("input_formulas", fields=_list(sorted(input_formulas), 5))
        cached, replaced = _computed_cells(plan, values)
        if replaced:
            warnings["formulas_replaced"] = message("formulas_replaced", count=len(replaced), cells=_list(replaced, 4))
        computed, error = _recompute(self.contract, data)
        differ = [n for n, v in cached.items() if not _same(v, computed.get(n))] if error is None else []
        if differ:
            warnings["cached_mismatch"] = message("cached_mismatch", cells=_list(differ, 4))
        problems = _invalid_values(self.contract, data, computed)
        if error is not None:
            problems.append("wartości, których nie da się przeliczyć (liczby spoza zakresu)")
        if problems:
            warnings["invalid_values"] = message("invalid_values", problems="; ".join(problems[:10]) + (f" i {len(problems) - 10} innych" if len(problems) > 10 else ""))

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
            values=computed if error is None else None,
            values_error=error,
        )

    def _identify(self, plan: "_Plan", values: "_CellValues") -> tuple[dict[str, Any], str | None, datetime | None]:
        """``_meta`` (checked against the engine's edition), the library id and when the file
        was saved; what is learnt is kept for a rejection's import-log row."""
        meta: dict[str, Any] = {}
        mv = values.values.get(META_SHEET, {})
        for key_ref, value_ref in plan.meta_cells:
            key = mv.get(key_ref)
            if isinstance(key, str) and key.strip() and key != "key":
                meta.setdefault(key.strip(), _meta_value(mv.get(value_ref)))
        library_id = _id_text(meta.get("library_id"))
        saved_at = _saved_at(self) or _parse_time(meta.get("generated_at"))
        self.ctx.update(library_id=library_id, meta=meta, saved_at=saved_at)
        _check_meta(meta, self.engine, plan.looks_ours)
        return meta, library_id, saved_at


def _inputs(contract: _Contract, plan: "_Plan", values: "_CellValues") -> tuple[FormData, list[str]]:
    """The form's inputs through the defined names, and the input names holding formulas."""
    vals, forms = values.values, values.formulas
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
    return data, input_formulas


def _computed_cells(plan: "_Plan", values: "_CellValues") -> tuple[dict[str, Any], list[str]]:
    """The cached results of the computed cells, and the names without a formula."""
    vals, forms = values.values, values.formulas
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
    return cached, replaced


def _recompute(contract: _Contract, data: FormData) -> tuple[dict[str, Any], str | None]:
    """Every computed cell's value by the engine – once per file: the consolidator uses
    these values too – or, when the engine cannot evaluate the values (e.g. numbers near
    1e308 overflow a sum: a data problem), the items' validity checks alone and the error."""
    engine = contract.engine
    try:
        return engine.values(data), None
    except Exception as exc:  # noqa: BLE001 - the file's data, not our bug: reported, never raised
        computed: dict[str, Any] = {}
        for n in contract.valid_checks.values():
            try:
                computed[n] = engine.by_name[n].py(data, {})
            except Exception:  # noqa: BLE001
                computed[n] = status.ERROR
        return computed, f"{type(exc).__name__}: {exc}"[:300]


#: (part name, CRC, sizes, row/column limits) of parts whose prolog was already found clean
_CLEAN_PARTS: set[tuple[str, int, int, int, int, int]] = set()


def _filled_inputs(contract: _Contract, data: FormData, personalised: bool) -> bool:
    """Whether the library typed anything (prefilled personal cells do not count)."""
    from ..workbook.form import PERSONAL_BASIC

    prefilled_items = contract.prefilled_items if personalised else frozenset()
    skip_basic = set(contract.fixed_basic) | (set(PERSONAL_BASIC) if personalised else set())
    return (
        any(v is not None and nr not in prefilled_items for nr, v in data.items.items())
        or any(v is not None for v in data.services.values())
        or any(v is not None and k not in skip_basic for k, v in data.basic.items())
        or any(v is not None for row in data.k03.values() for v in row)
    )


def _saved_at(reader: "_FileReader") -> datetime | None:
    """docProps/core.xml dcterms:modified (written by Excel, LibreOffice and openpyxl)."""
    if "docProps/core.xml" not in reader.members or reader.members["docProps/core.xml"].file_size > 200_000:
        return None
    m = _MODIFIED.search(reader._xml_member("docProps/core.xml"))
    return _parse_time(xml_text(m.group(1))) if m else None
