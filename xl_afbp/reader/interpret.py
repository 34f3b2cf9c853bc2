"""Steps 7-10 of reading a file: identification, the inputs, the computed cells, the checks.

The same for every container (an ``.xlsx`` by the fast path or calamine, an ``.ods``): the
cells come in as :class:`~xl_afbp.reader.cells._CellValues`; out goes a
:class:`~xl_afbp.reader.submission.Submission`. This is the reader's boundary for text:
every text value (inputs, ``_meta``, cached results) passes :func:`~xl_afbp.safetext.clean_text`
once here, and what was removed is named in the ``text_cleaned`` warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TYPE_CHECKING

from .. import status
from ..formdata import FormData
from ..safetext import clean_text, comparable, safe, show_invisible
from ..verdicts import message
from .book import _MODIFIED
from .cells import xml_text
from .contract import _Contract, _Plan, _check_meta
from .convert import _as_decimal, _as_int, _id_text, _invalid_values, _meta_value, _parse_time, _same
from .fetch import fetches
from .submission import CODES, META_SHEET, Submission, WARNING_ORDER, _Reject
from .texts import _list

if TYPE_CHECKING:  # type hints only: the modules import each other
    from .cells import _CellValues
    from .file import _FileReader


@dataclass
class _Inputs:
    """The form's inputs as read, and what reading them noticed."""

    data: FormData
    formulas: list[tuple[str, str, bytes]] = field(default_factory=list)  # (name, sheet, cell) of inputs holding a formula
    cleaned: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name → code points removed
    percent: dict[tuple[str, int], Any] = field(default_factory=dict)  # (K-03 address, unit) → the number as stored (0.85)


def interpret(reader: "_FileReader", plan: _Plan, values: "_CellValues") -> Submission:
    """Identification, the inputs, the computed cells, the recomputation and the checks."""
    contract = reader.contract
    meta, library_id, saved_at = _identify(reader, plan, values)
    warnings: dict[str, str] = {}
    if plan.broken:
        raise _Reject("layout_broken", fields=_list(plan.broken, 5))
    _check_visible_id(plan, values, library_id)
    personalised = bool(library_id)
    moved, renamed = plan.moved(contract, _as_int(meta.get("units")) or 1, personalised)
    if renamed:
        warnings["sheet_renamed"] = message("sheet_renamed", sheets=", ".join(f"„{old}” → „{new}”" for old, new in sorted(renamed.items())))
    if moved:
        warnings["layout_changed"] = message("layout_changed", fields=_list(moved, 5))
    inputs = _inputs(contract, plan, values)
    data = inputs.data
    _check_fetching(inputs, values)
    if not _filled_inputs(contract, data, personalised):
        raise _Reject("empty_form")
    if inputs.formulas:
        warnings["input_formulas"] = message("input_formulas", fields=_list(sorted({n for n, _, _ in inputs.formulas}), 5))
    cached, replaced = _computed_cells(plan, values)
    if replaced:
        warnings["formulas_replaced"] = message("formulas_replaced", count=len(replaced), cells=_list(replaced, 4))
    computed, error = _recompute(contract, data)
    if error is None and cached:
        # a percentage typed as "85%" is read as 85; the file's own results used 0.85
        as_stored = _recompute(contract, _as_stored(data, inputs.percent))[0] if inputs.percent else computed
        differ = [n for n, v in cached.items() if not _same(v, as_stored.get(n))]
        if differ:
            warnings["cached_mismatch"] = message("cached_mismatch", cells=_list(differ, 4))
    problems = _invalid_values(contract, data, computed)
    if error is not None:
        problems.append("wartości, których nie da się przeliczyć (liczby spoza zakresu)")
    if problems:
        warnings["invalid_values"] = message("invalid_values", problems="; ".join(problems[:10]) + (f" i {len(problems) - 10} innych" if len(problems) > 10 else ""))
    if inputs.cleaned:
        chars = sorted({c for removed in inputs.cleaned.values() for c in removed})
        warnings["text_cleaned"] = message("text_cleaned", fields=_list(sorted(inputs.cleaned), 5), chars=_list(chars, 6))

    code = next((c for c in WARNING_ORDER if c in warnings), "ok")
    return Submission(
        path=reader.path,
        name=reader.name,
        sha256=reader.sha,
        size=len(reader.raw),
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


def _identify(reader: "_FileReader", plan: _Plan, values: "_CellValues") -> tuple[dict[str, Any], str | None, datetime | None]:
    """``_meta`` (checked against the engine's edition), the library id and when the file
    was saved; what is learnt is kept for a rejection's import-log row."""
    meta: dict[str, Any] = {}
    mv = values.values.get(META_SHEET, {})
    for key_ref, value_ref in plan.meta_cells:
        key = mv.get(key_ref)
        if isinstance(key, str) and key.strip() and key != "key":
            value = _meta_value(mv.get(value_ref))
            meta.setdefault(safe(key.strip()), safe(value) if isinstance(value, str) else value)
    library_id = _id_text(meta.get("library_id"))
    saved_at = _parse_time(reader.saved_at_text()) or _parse_time(meta.get("generated_at"))
    reader.ctx.update(library_id=library_id, meta=meta, saved_at=saved_at)
    _check_meta(meta, reader.engine, plan.looks_ours)
    return meta, library_id, saved_at


def _check_visible_id(plan: _Plan, values: "_CellValues", library_id: str | None) -> None:
    """A personalised form shows the library's id; ``_meta`` must say the same (after
    Unicode normalisation, invisible characters aside). A file whose hidden id was changed
    to another library's would otherwise get that library's genuine file rejected."""
    if not library_id or plan.id_cell is None:
        return
    sheet, cell = plan.id_cell
    shown = values.values.get(sheet, {}).get(cell)
    if shown is None or (isinstance(shown, str) and not shown.strip()):
        return  # nothing shown there (an unusual layout): no cross-check, no false alarm
    shown = safe(str(shown)).strip()
    if comparable(shown) != comparable(library_id):
        raise _Reject("id_mismatch", meta_id=show_invisible(library_id), visible_id=show_invisible(shown))


def _check_fetching(inputs: _Inputs, values: "_CellValues") -> None:
    """An input's formula that fetches data from outside rejects the file."""
    found: dict[str, str] = {}
    for name, sheet, cell in inputs.formulas:
        text = values.sheets[sheet].formula_text(cell) if sheet in values.sheets else None
        what = fetches(text) if text else None
        if what:
            found.setdefault(name, what)
    if found:
        raise _Reject("external_formula", fields=_list(sorted(found), 5), what=", ".join(sorted(set(found.values()))))


def _clean(value: Any, name: str, cleaned: dict[str, tuple[str, ...]]) -> Any:
    if isinstance(value, str):
        value, removed = clean_text(value)
        if removed:
            cleaned[name] = tuple(dict.fromkeys(cleaned.get(name, ()) + removed))
        return value if value != "" else None
    return value


def _inputs(contract: _Contract, plan: _Plan, values: "_CellValues") -> _Inputs:
    """The form's inputs through the defined names, made safe; the inputs holding formulas."""
    vals, forms = values.values, values.formulas
    out = _Inputs(FormData())
    data, cleaned = out.data, out.cleaned
    items, services, basic, previous, k03 = data.items, data.services, data.basic, data.previous, data.k03
    decimal_items, decimal_k03, percent_k03 = contract.decimal_items, contract.decimal_k03, contract.percent_k03
    for name, kind, key, sheet, cells in plan.inputs:
        sv = vals[sheet]
        fs = forms[sheet]
        if kind == "k03":
            row = [_clean(sv.get(c), name, cleaned) for c in cells]
            if key in percent_k03:
                row = _percentages(key, row, cells, values.sheets[sheet].percent, out.percent)
            if key in decimal_k03:
                row = [_as_decimal(v) for v in row]
            k03[key] = row
            if fs and not fs.keys().isdisjoint(cells):
                out.formulas += [(name, sheet, c) for c in cells if c in fs]
            continue
        cell = cells[0]
        v = _clean(sv.get(cell), name, cleaned)
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
            out.formulas.append((name, sheet, cell))
    return out


def _percentages(address: str, row: list[Any], cells: tuple[bytes, ...], percent: set[bytes], stored: dict[tuple[str, int], Any]) -> list[Any]:
    """A percentage row: a number shown with a percent format ("85%" is stored as 0.85) is
    the percentage the library typed, 85."""
    out = []
    for unit, (v, cell) in enumerate(zip(row, cells)):
        if cell in percent and isinstance(v, (int, float)) and not isinstance(v, bool):
            stored[(address, unit)] = v
            scaled = v * 100
            v = round(scaled, 9) if isinstance(scaled, float) else scaled
            v = int(v) if isinstance(v, float) and v.is_integer() else v
        out.append(v)
    return out


def _as_stored(data: FormData, stored: dict[tuple[str, int], Any]) -> FormData:
    """The inputs with the percentages as the file stores them (what its own formulas used)."""
    k03 = {a: list(row) for a, row in data.k03.items()}
    for (address, unit), v in stored.items():
        k03[address][unit] = v
    return FormData(items=dict(data.items), services=dict(data.services), basic=dict(data.basic), previous=dict(data.previous), k03=k03)


def _computed_cells(plan: _Plan, values: "_CellValues") -> tuple[dict[str, Any], list[str]]:
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
                cached[name] = _clean(v, name, {})
        elif st:
            cached[name] = _clean(vals[sheet].get(cell), name, {})
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


def core_modified(xml: bytes) -> str | None:
    """docProps/core.xml ``dcterms:modified`` (written by Excel, LibreOffice and openpyxl)."""
    m = _MODIFIED.search(xml)
    return xml_text(m.group(1)) if m else None
