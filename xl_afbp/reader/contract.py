"""What one engine's forms look like (names, expected layouts) and the read plan per workbook.xml."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TYPE_CHECKING

from .. import names
from ..expr.ast import Call, Ref as ExprRef, walk
from .book import Ref, _Book, _read_book, parse_ref
from .cells import _cell_ref
from .convert import _as_int
from .submission import META_ROWS, META_SHEET, _Reject

if TYPE_CHECKING:  # type hints only: the modules import each other
    from .file import _FileReader


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
    percent_k03: frozenset[str] = frozenset()  # K-03 rows holding percentages (0-100)
    prefilled_items: frozenset[int] = frozenset()  # filled in by the generator on personalised forms
    hash_items: tuple[int, ...] = ()  # items that allow "#" (no data this year)
    id_places: dict[bool, Any] = field(default_factory=dict)  # cache of _id_place


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
    item_of = {i.ref: i.nr for i in spec.items}
    for r in spec.rules:
        if "valid(" not in r.check:
            continue
        if r.for_each:
            for nr, name in engine.rule_parts.get(r.id, []):
                valid[nr] = name
        else:
            for n in walk(engine.parse(r.check)):
                if isinstance(n, Call) and n.fn == "valid" and n.args and isinstance(n.args[0], ExprRef) and n.args[0].name in item_of:
                    valid[item_of[n.args[0].name]] = names.rule(r.id)
    computed = [f.name for f in engine.formulas]
    return _Contract(
        decimal_items=frozenset(i.nr for i in spec.decimal_items),
        prefilled_items=frozenset(i.nr for i in spec.prefilled_items),
        decimal_k03=frozenset(c.address for c in spec.k03_cells if c.type in ("decimal", "percent")),
        percent_k03=frozenset(c.address for c in spec.k03_cells if c.type == "percent"),
        hash_items=tuple(i.nr for i in spec.items if i.hash),
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
        from ..workbook.layout import FormOptions, form_layout

        try:
            places = form_layout(contract.engine.spec, FormOptions(units=1, personalised=personalised)).names
            out = {name: (p.sheet, *p.bounds) for name, p in places.items() if name in contract.inputs}
        except Exception:  # noqa: BLE001 - an engine the form layout cannot lay out
            out = {}
        contract.layouts[personalised] = out
    return contract.layouts[personalised]


def _id_place(contract: _Contract) -> tuple[str, Ref, tuple[int, int]] | None:
    """Where a personalised form shows the library's id (it has no defined name): the
    anchor name of the same sheet, its generated place, and the id cell's offset from it –
    so rows inserted above both still find it. None when the layout has no such cell."""
    if True not in contract.id_places:
        contract.id_places[True] = _find_id_place(contract)
    return contract.id_places[True]


def _find_id_place(contract: _Contract) -> tuple[str, Ref, tuple[int, int]] | None:
    from ..workbook.layout import FormOptions, form_layout

    try:
        layout = form_layout(contract.engine.spec, FormOptions(units=1, personalised=True))
        place = layout.personal["ID"]
    except Exception:  # noqa: BLE001 - an engine the form layout cannot lay out
        return None
    for name, p in layout.names.items():
        if name in contract.inputs and p.sheet == place.sheet:
            anchor = (p.sheet, *p.bounds)
            return name, anchor, (place.row - p.row, place.col - p.col)
    return None


def prepare(engine=None) -> None:
    """Build what reading needs once (engine, expected layouts): call before forking."""
    from ..engine import get_engine

    c = _contract(engine or get_engine())
    _layout(c, True)
    _layout(c, False)
    _id_place(c)
    _known_editions()


@lru_cache(maxsize=1)
def _known_editions() -> dict[str, tuple[int, str]]:
    """spec sha256 → (edition year, spec version) of every shipped edition."""
    from ..spec.load import available_editions, edition_path, load_spec

    out: dict[str, tuple[int, str]] = {}
    for year in available_editions():  # where the package keeps them: one definition (spec.load)
        try:
            s = load_spec(edition_path(year))
        except Exception:  # noqa: BLE001 - a broken edition is just not known
            continue
        out[s.digest] = (s.edition.year, s.edition.spec_version)
    return out


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
    id_cell: tuple[str, bytes] | None = None  # where the form shows the library id
    _moved: dict[tuple[int, bool], tuple[list[str], dict[str, str]]] = field(default_factory=dict)

    def moved(self, contract: "_Contract", units: int, personalised: bool) -> tuple[list[str], dict[str, str]]:
        """(input names moved elsewhere, renamed sheets: generated title → title in the file)."""
        key = (units, personalised)
        if key not in self._moved:
            self._moved[key] = _moved(contract, self.refs, units, personalised)
        return self._moved[key]


_PLANS: dict[tuple, _Plan] = {}


def _plan(contract: "_Contract", reader: "_FileReader", wb: zipfile.ZipInfo, rels: zipfile.ZipInfo) -> _Plan:
    """The plan for a workbook.xml + relationships, remembered by the digests of their
    exact stored bytes: all forms of one layout share it, so neither is decompressed again,
    and a remembered plan is the one this file's own bytes would give (a damaged or forged
    member has other bytes: it is read, and fails, as it would alone)."""
    key = (id(contract), reader.digest(wb), reader.digest(rels))
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
    id_cell = _id_cell(contract, refs)
    if id_cell is not None and id_cell[0] in wanted_cells:
        wanted_cells[id_cell[0]].add(id_cell[1])
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
        id_cell=id_cell if id_cell is not None and id_cell[0] in wanted_cells else None,
    )


def _id_cell(contract: _Contract, refs: dict[str, Ref]) -> tuple[str, bytes] | None:
    """The cell showing the library id in this file: the generated offset from its anchor
    name, wherever the anchor now is."""
    found = _id_place(contract)
    if found is None or found[0] not in refs:
        return None
    name, _anchor, (dr, dc) = found
    sheet, c1, r1, _c2, _r2 = refs[name]
    if r1 + dr < 1 or c1 + dc < 1:
        return None
    return sheet, _cell_ref(r1 + dr, c1 + dc)


def _check_meta(meta: dict[str, Any], engine, looks_ours: bool) -> None:
    edition = engine.spec.edition
    if meta.get("form") != edition.form or meta.get("generator") != "xl-afbp":
        if looks_ours:
            raise _Reject("meta_altered", detail="form/generator")
        raise _Reject("not_our_form")
    year = _as_int(meta.get("edition_year"))
    data_year = _as_int(meta.get("year"))
    version = meta.get("spec_version")
    version = str(version) if version is not None else None
    sha = str(meta.get("spec_sha256") or "")
    ours = f"AFBP {edition.year}, wersja {edition.spec_version}"
    if sha == engine.spec.digest:
        if year != edition.year or version != edition.spec_version:
            raise _Reject("meta_altered", detail="edycja/wersja nie zgadza się z sumą kontrolną")
    else:
        known = _known_editions().get(sha)
        if known is not None:
            raise _Reject("wrong_edition", found=f"AFBP {known[0]}, wersja {known[1]}", expected=ours, year=edition.year)
        if year is None or not re.fullmatch(r"[0-9a-f]{64}", sha):
            raise _Reject("meta_altered", detail="edycja lub suma kontrolna zmieniona albo usunięta")
        if year == edition.year and version == edition.spec_version:
            raise _Reject("meta_altered", detail="suma kontrolna nie pasuje do żadnej edycji")
        raise _Reject("wrong_edition", found=f"AFBP {year}, wersja {version}", expected=ours, year=edition.year)
    if data_year is not None and data_year < edition.serves_from:  # a later year is the batch's to judge (wrong_year)
        raise _Reject("wrong_edition", found=f"dane za rok {data_year}", expected=f"dane za rok {edition.serves_from} lub późniejszy", year=edition.serves_from)
    units = _as_int(meta.get("units"))
    if units is None or not 1 <= units <= 1001:
        raise _Reject("meta_altered", detail="liczba jednostek K-03")


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


def _moved(contract: _Contract, refs: dict[str, Ref], units: int, personalised: bool) -> tuple[list[str], dict[str, str]]:
    """Input names that point elsewhere than in the generated layout (the closer variant of
    the two layouts, with and without the library's prefilled identifier row), and the
    sheets renamed: every name of a generated sheet on the same cells of one other sheet is
    a rename (Excel and LibreOffice carry the names along), not a move."""
    best: tuple[list[str], dict[str, str]] | None = None
    for variant in (personalised, not personalised):
        layout = _layout(contract, variant)
        if not layout:
            continue
        moved: list[str] = []
        titles: dict[str, set[str]] = {}  # generated title → titles the same cells are on
        same_cells: dict[str, list[str]] = {}
        for name, (kind, _key) in contract.inputs.items():
            exp = layout.get(name)
            if exp is None:
                continue
            if kind == "k03":
                exp = (exp[0], exp[1], exp[2], exp[1] + units - 1, exp[4])
            got = refs.get(name)
            if got == exp:
                titles.setdefault(exp[0], set()).add(exp[0])
            elif got is not None and got[1:] == exp[1:]:
                titles.setdefault(exp[0], set()).add(got[0])
                same_cells.setdefault(exp[0], []).append(name)
            else:
                moved.append(name)
        renamed = {old: next(iter(new)) for old, new in titles.items() if len(new) == 1 and old not in new}
        taken = {exp[0] for exp in layout.values()}
        renamed = {old: new for old, new in renamed.items() if new not in taken}
        moved += [n for old, group in same_cells.items() if old not in renamed for n in group]
        if best is None or len(moved) + len(renamed) < len(best[0]) + len(best[1]):
            best = (moved, renamed)
        if not moved and not renamed:
            break
    return best or ([], {})
