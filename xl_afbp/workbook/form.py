"""The AFBP form a librarian fills in Excel or LibreOffice: one method per sheet.

:func:`build_form` is the reference ("slow") path: it builds one complete workbook with
openpyxl. :mod:`.template` builds the same workbook once per layout and patches each
library's values (and the cached results of every formula) into copies of it; tests prove
both give identical content.

Where every cell goes is decided by :mod:`.layout` (pure, shared with the reader); this
module writes the cells there. Every cell of the defined-name contract gets its name here;
every computed cell holds the engine's native formula and a Python twin for its cached
value (:mod:`.cached`); every input cell is unlocked and validated; every sheet is
protected (without a password: protection prevents accidents, it is not security) and
print-ready (:mod:`.printing`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.worksheet import Worksheet

from .. import __version__, names, status
from ..engine import Engine
from ..simc import seat
from ..teryt import place_names
from ..formdata import FormData
from ..spec.expand import change_expression
from ..spec.model import BasicField
from . import styles as st
from .cached import Twin, name_twin
from .cells import absolute, define, set_formula, set_text
from .instructions import items_list, write_instructions
from .lists import define_teryt, list_source, write_teryt
from .layout import (  # noqa: F401 - re-exported: the form's public vocabulary
    BASIC,
    BLANK_BRANCHES,
    CHECKS,
    CONTACT,
    DEADLINE,
    FORM,
    HEADER_ROW,
    INDICATORS,
    INSTRUCTIONS,
    K03,
    LISTS,
    META,
    META_KEYS,
    NOTE_ROW,
    PERSONAL_BASIC,
    SHEETS,
    SUMMARY,
    TERYT,
    TITLE_ROW,
    FormLayout,
    FormOptions,
    Place,
    SheetLayout,
    form_layout,
    prefilled_items,
    units_for,
)
from .metrics import PX_PER_PT, column_px
from .printing import add_breaks, choose_page, page_breaks, setup_page
from .sheets import ChecksSheet, IndicatorsSheet, K03Sheet
from .sheetfit import fit_rows, sections_of
from .validation import add_basic_validation, add_item_validation, add_service_validation

#: Stands for the library's name in a template's headers; each copy gets the real name.
HEADER_TOKEN = "@@NAZWA_BIBLIOTEKI@@"
PREFILLED_NOTE = "Wpisał koordynator badania – jeśli to nieaktualne, napisz do niego (arkusz „Instrukcja”). Gdy pole jest puste (żółte), wpisz wartość sam."
PREFILLED_ITEM_NOTE = "Wartość wpisał koordynator badania z listy bibliotek – jeśli jest nieaktualna, popraw ją i napisz o tym do koordynatora. "
#: the spec's prefill sources (an item's ``prefill:``) → the Library field holding the value
PREFILL_FIELDS = {"population": "mieszkancy", "branches": "filie"}
MONTHS = ("stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września", "października", "listopada", "grudnia")


@dataclass
class Library:
    """One row of the coordinator's libraries CSV (already validated)."""

    id: str
    nazwa: str = ""
    organizator: str = ""
    podtyp: str = ""
    wojewodztwo: str = ""
    powiat: str = ""
    gmina: str = ""
    miejscowosc: str = ""
    teryt: str = ""
    mieszkancy: int | None = None
    filie: int = 0
    www: str = ""
    email: str = ""


@dataclass
class FormContent:
    """Per-library values written into the layout."""

    library: Library | None = None
    previous: dict[int, Any] = field(default_factory=dict)
    benchmark: dict[str, float] = field(default_factory=dict)
    group: str = ""
    year: int | None = None
    generated_at: str = ""
    contact: str = ""  # where to send the file (the coordinator's address)
    deadline: date | None = None


def population_band(spec, population: int | None) -> str:
    if population is None:
        return ""
    for b in spec.bands:
        if (b.min is None or population >= b.min) and (b.max is None or population <= b.max):
            return b.label
    return ""


def personal_values(engine: Engine, opts: FormOptions, content: FormContent) -> dict[str, Any]:
    """Every personal key of the layout with its value for this library (None = empty)."""
    spec = engine.spec
    lib = content.library
    out: dict[str, Any] = {}
    if opts.personalised:
        assert lib is not None
        # the place as the drop-downs name it (rule B5 compares with the register), whatever
        # spelling the coordinator's list used; the list may leave out the miejscowość
        woj, pow_, gmi = place_names(lib.teryt) or (lib.wojewodztwo, lib.powiat, lib.gmina)
        basic = {
            "NAZWA": lib.nazwa,
            "ORGANIZATOR": lib.organizator,
            "PODTYP": lib.podtyp,
            "WOJEWODZTWO": woj,
            "POWIAT": pow_,
            "GMINA": gmi,
            "MIEJSCOWOSC": lib.miejscowosc or (seat(lib.teryt) if lib.teryt else ""),
            "TERYT": lib.teryt,
            "PRZEDZIAL": population_band(spec, lib.mieszkancy),
            "WWW": lib.www,
        }
        fields = {b.key for b in spec.basic}
        for key in PERSONAL_BASIC:
            if key in fields:
                out[names.basic(key)] = basic[key] or None
        for it in spec.prefilled_items:
            out[names.item(it.nr)] = getattr(lib, PREFILL_FIELDS[it.prefill])  # type: ignore[index]
        out["ID"] = lib.id
    if opts.previous:
        for it in spec.numeric_items:
            out[names.previous(it.nr)] = content.previous.get(it.nr)
    if opts.benchmark:
        out["GROUP"] = content.group or None
        for ind in spec.indicators:
            out[f"BENCH_{ind.code}"] = content.benchmark.get(ind.code)
    meta = meta_values(engine, opts, content)
    for key in META_KEYS:
        out[f"META_{key}"] = meta[key]
    return out


def meta_values(engine: Engine, opts: FormOptions, content: FormContent) -> dict[str, Any]:
    spec = engine.spec
    lib = content.library
    return {
        "form": spec.edition.form,
        "edition": spec.edition.id,
        "edition_year": spec.edition.year,
        "spec_version": spec.edition.spec_version,
        "spec_sha256": spec.digest,
        "library_id": lib.id if lib else "",
        "teryt": lib.teryt if lib else "",
        "year": survey_year(spec, content),
        "generated_at": content.generated_at or datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "generator": "xl-afbp",
        "generator_version": __version__,
        "units": opts.units,
    }


def survey_year(spec, content: FormContent) -> int:
    """The survey (data) year of a form: the batch's year, else the edition's first year."""
    return content.year if content.year is not None else spec.edition.serves_from


def polish_date(d: date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year} r."


def return_values(content: FormContent) -> dict[str, str]:
    """The two lines at the top of *Instrukcja*: where to send the file, and by when."""
    contact = content.contact.strip()
    return {
        CONTACT: f"Odeślij wypełniony plik do: {contact}" if contact else "Odeślij wypełniony plik koordynatorowi badania w swoim województwie.",
        DEADLINE: f"Termin: {polish_date(content.deadline)}" if content.deadline else "Termin odesłania podaje koordynator badania.",
    }


def form_values(engine: Engine, opts: FormOptions, content: FormContent) -> dict[str, Any]:
    """Every personal value of a form: the library's data, the return address, _meta."""
    return personal_values(engine, opts, content) | return_values(content)


def header_name(opts: FormOptions, values: dict[str, Any]) -> str:
    """The library's name in the printed header (empty on a blank form)."""
    return str(values.get(names.basic("NAZWA")) or "") if opts.personalised else ""


def form_inputs(engine: Engine, opts: FormOptions, values: dict[str, Any]) -> FormData:
    """The inputs a freshly generated form holds (prefilled data, last year, fixed fields):
    what its cached results are computed from."""
    spec = engine.spec
    basic = {f.key: f.value for f in spec.basic if f.type == "fixed"}
    items: dict[int, Any] = {}
    if opts.personalised:
        basic |= {key: values.get(names.basic(key)) for key in PERSONAL_BASIC}
        items = {nr: values.get(names.item(nr)) for nr in prefilled_items(spec)}
    previous = {it.nr: values.get(names.previous(it.nr)) for it in spec.numeric_items} if opts.previous else {}
    return FormData(items=items, basic=basic, previous=previous)


def open_when_empty(value: Any) -> bool:
    """A prefilled basic field the library list leaves empty is an input, not a locked cell."""
    return value is None or value == ""


def _basic_input(cell, f: BasicField) -> None:
    st.style_input(cell, st.TEXT if f.type == "text" else None)  # a TERYT code typed with a leading 0 keeps it


def definition(obj) -> str:
    """The text shown under an input: the spec's long ``definition`` when an edition has
    one, else its help (which is also the input message)."""
    return getattr(obj, "definition", None) or obj.help


@dataclass
class BuiltForm:
    wb: Workbook
    layout: FormLayout
    twins: dict[tuple[str, int, int], Twin]


class _Builder(K03Sheet, ChecksSheet, IndicatorsSheet):
    """Writes one workbook where :mod:`.layout` says; one method per sheet (K-03, Kontrola and
    Wskaźniki in :mod:`.sheets`)."""

    def __init__(self, engine: Engine, opts: FormOptions, values: dict[str, Any], library_name: str, *, year: int, full_lists: bool = True):
        self.engine, self.spec, self.opts, self.values = engine, engine.spec, opts, values
        self.year = year  # the survey year: titles, print headers, the instructions
        self.library_name = library_name
        self.full_lists = full_lists
        self.wb = Workbook()
        self.layout = form_layout(engine.spec, opts)
        self.placed: set[str] = set()
        self.formulas = {f.name: f for f in engine.formulas}
        self.twins: dict[tuple[str, int, int], Twin] = {}
        self.estimates: dict[tuple[str, int, int], str] = {}  # text a formula may show, for row heights

    # -- helpers -----------------------------------------------------------------------
    def place(self, name: str) -> Place:
        return self.layout.names[name]

    def personal(self, key: str) -> None:
        """A cell whose value differs per library (the template patcher rewrites it)."""
        p = self.layout.personal[key]
        ws = self.wb[p.sheet]
        set_text(ws, p.row, p.col, self.values.get(key))
        cell = ws.cell(row=p.row, column=p.col)
        if not cell.has_style:  # a styled cell is written even when empty: the patcher needs it
            cell.protection = st.LOCKED_HIDDEN  # differs from the default style, so it is kept

    def define_at(self, name: str) -> Place:
        p = self.place(name)
        c1, r1, c2, r2 = p.bounds
        define(self.wb, name, absolute(self.wb[p.sheet], r1, c1, r2 if (c2, r2) != (c1, r1) else None, c2 if (c2, r2) != (c1, r1) else None))
        return p

    def formula(self, ws: Worksheet, row: int, col: int, excel: str, twin: Twin, number_format: str | None = None, *, estimate: str | None = None) -> None:
        """A computed cell that is not a named result: its formula and its Python twin."""
        set_formula(ws, row, col, excel)
        st.style_computed(ws.cell(row=row, column=col), number_format)
        self.twins[(ws.title, row, col)] = twin
        if estimate:
            self.estimates[(ws.title, row, col)] = estimate

    def computed(self, name: str, number_format: str | None = None) -> None:
        """The engine's result ``name`` in its place, under its defined name."""
        p = self.define_at(name)
        self.formula(self.wb[p.sheet], p.row, p.col, self.formulas[name].excel, name_twin(name), number_format)
        self.placed.add(name)

    def reference(self, ws: Worksheet, row: int, col: int, name: str, number_format: str | None = None) -> None:
        """A display cell showing another named result."""
        self.formula(ws, row, col, name, name_twin(name), number_format)

    def expression(self, ws: Worksheet, row: int, col: int, text: str, number_format: str | None = None, *, comparison: bool = False) -> None:
        ex = self.engine.expression(text, comparison=comparison)
        self.formula(ws, row, col, ex.excel, ex.py, number_format)

    @staticmethod
    def title(ws: Worksheet, text: str, note: str = "") -> None:
        ws.cell(row=TITLE_ROW, column=1, value=text).font = st.TITLE_FONT
        if note:
            ws.cell(row=NOTE_ROW, column=1, value=note).font = st.NOTE_FONT

    def header(self, ws: Worksheet, sheet: SheetLayout, row: int = HEADER_ROW) -> None:
        st.header_row(ws, row, [c.title for c in sheet.grid.columns])

    def item_format(self, nr: int) -> str:
        return st.number_format(self.spec.item(nr).decimals)

    @staticmethod
    def protect(ws: Worksheet) -> None:
        ws.protection.sheet = True
        ws.protection.selectLockedCells = False
        ws.protection.selectUnlockedCells = False
        ws.protection.formatColumns = False  # allowed: librarians may widen columns

    def finish(self, ws: Worksheet, sheet: SheetLayout) -> None:
        """Widths, hidden columns and rows, heights, panes, print setup, page breaks."""
        for i, col in enumerate(sheet.grid.columns, start=1):
            dim = ws.column_dimensions[get_column_letter(i)]
            dim.width = col.width
            dim.hidden = col.hidden
        page = choose_page(sheet.grid.visible_widths)
        self._wrap_note(ws, sheet, page)
        heights = fit_rows(ws, sheet, self.estimates)
        if sheet.freeze:
            ws.freeze_panes = sheet.freeze
        setup_page(ws, page, title_rows=sheet.title_rows, title_cols=sheet.title_cols, library=self.library_name, year=self.year)
        add_breaks(ws, page_breaks(heights, sections_of(sheet), page=page, title_rows=sheet.title_rows, hard=sheet.breaks_before))

    @staticmethod
    def _wrap_note(ws: Worksheet, sheet: SheetLayout, page) -> None:
        """The note under a title wraps within the first page's width: a long line would
        overflow to the right, and LibreOffice then shrinks the whole sheet to print it."""
        if ws.cell(row=NOTE_ROW, column=1).value is None:
            return
        width, last = 0.0, 1
        for i, col in enumerate(sheet.grid.columns, start=1):
            if col.hidden:
                continue
            width += column_px(col.width) / PX_PER_PT
            if width > page.width_pt:
                break
            last = i
        ws.cell(row=NOTE_ROW, column=1).alignment = st.WRAP
        if last > 1:
            ws.merge_cells(start_row=NOTE_ROW, start_column=1, end_row=NOTE_ROW, end_column=last)

    # -- sheets ------------------------------------------------------------------------
    def build(self) -> Workbook:
        ws = self.wb.active
        ws.title = SHEETS[0]
        for title in SHEETS[1:]:
            self.wb.create_sheet(title)
        self.meta()  # before the lists: a saved file's shared strings then hold _meta's texts before the registers' (see reader.strings)
        self.lists()
        self.teryt()
        self.basic_data()
        self.form()
        self.k03()
        self.checks()
        self.indicators()
        self.instructions()
        missing = set(self.formulas) - self.placed
        if missing:
            raise AssertionError(f"computed cells without a place: {sorted(missing)[:5]}")
        for ws in self.wb.worksheets:
            if ws.title in self.layout.sheets:
                self.finish(ws, self.layout.sheets[ws.title])
            self.protect(ws)
        self.wb.security = WorkbookProtection(lockStructure=True)
        self.wb.calculation.fullCalcOnLoad = True
        return self.wb

    def lists(self) -> None:
        ws = self.wb.create_sheet(LISTS)
        ws.sheet_state = "hidden"
        col = 1
        for b in self.spec.basic:
            choices = list(b.choices) if b.type == "list" else [x.label for x in self.spec.bands] if b.type == "band" else None
            if not choices:
                continue
            ws.cell(row=1, column=col, value=b.key)
            for i, c in enumerate(choices, start=2):
                ws.cell(row=i, column=col, value=c)
            define(self.wb, f"L_{b.key}", absolute(ws, 2, col, 1 + len(choices), col))
            col += 1

    def teryt(self) -> None:
        """The lists of the województwo → powiat → gmina → miejscowość drop-downs and the
        register rule ``teryt_ok()`` reads; a template leaves the cells out and copies in a
        sheet written once per process (:mod:`.lists`). A personalised form has its place
        prefilled: no Miejscowość drop-down, so none of the 50,000 localities."""
        ws = self.wb.create_sheet(TERYT)
        ws.sheet_state = "hidden"
        if self.full_lists:
            write_teryt(ws, localities=self.opts.localities)
        define_teryt(self.wb, ws, localities=self.opts.localities)

    def meta(self) -> None:
        ws = self.wb.create_sheet(META)
        ws.sheet_state = "veryHidden"
        ws.cell(row=1, column=1, value="key")
        ws.cell(row=1, column=2, value="value")
        for key in META_KEYS:
            p = self.layout.personal[f"META_{key}"]
            ws.cell(row=p.row, column=1, value=key)
            self.personal(f"META_{key}")

    def _list_source(self, f: BasicField) -> str | None:
        if f.type in ("list", "band"):
            return f"L_{f.key}"
        if f.type == "teryt" and f.level:
            if f.level == "miejscowosc" and not self.opts.localities:
                return None
            chain, key = [], f.parent
            while key:  # the fields above this one: województwo → powiat → gmina
                chain.insert(0, names.basic(key))
                key = next((b.parent for b in self.spec.basic if b.key == key), None)
            return list_source(f.level, chain)
        return None

    def basic_data(self) -> None:
        ws = self.wb[BASIC]
        sheet = self.layout.sheets[BASIC]
        note = "Pola żółte wypełnia biblioteka" + ("; niebieskie wpisał koordynator badania" if self.opts.personalised else "") + ". Listy województwo → powiat → gmina" + (" → miejscowość" if self.opts.localities else "") + " zależą od siebie."
        self.title(ws, "Dane podstawowe biblioteki", note)
        g = sheet.grid
        fields = {f.key: f for f in self.spec.basic}
        rules = {r.id: r for r in self.spec.rules}
        for row in sheet.rows:
            r = row.row
            if row.kind == "id":
                st.label(ws.cell(row=r, column=1, value="Identyfikator w badaniu"), wrap=False, font=st.BOLD)
                self.personal("ID")
                st.style_prefilled(ws.cell(row=r, column=g.col("value")))
                st.label(ws.cell(row=r, column=g.col("help"), value=PREFILLED_NOTE), font=st.NOTE_FONT)
            elif row.kind == "header":
                self.header(ws, sheet, r)
            elif row.kind == "field":
                self._basic_field(ws, r, fields[row.key])
            elif row.kind == "section":
                st.section_row(ws, r, "Kontrola danych podstawowych", len(g.columns))
            elif row.kind == "rule":
                ws.cell(row=r, column=g.col("label"), value=f"Kontrola {row.key}").alignment = st.TOP
                self.reference(ws, r, g.col("value"), names.rule(row.key))
                st.status_colours(ws, f"{get_column_letter(g.col('value'))}{r}")
                st.label(ws.cell(row=r, column=g.col("help"), value=rules[row.key].message))

    def _basic_field(self, ws: Worksheet, r: int, f: BasicField) -> None:
        g = self.layout.sheets[BASIC].grid
        st.label(ws.cell(row=r, column=g.col("label"), value=f.label))
        cell = ws.cell(row=r, column=g.col("value"))
        name = names.basic(f.key)
        help_text = definition(f) if f.help else ""
        if f.type == "fixed":
            cell.value = f.value
            st.style_prefilled(cell)
            help_text = help_text or "Stała wartość – nie zmienia się."
        elif name in self.layout.personal:
            # prefilled and locked; a field the library list leaves empty stays the library's
            # to fill (else the form could never be complete): :func:`open_when_empty`
            self.personal(name)
            _basic_input(cell, f) if open_when_empty(self.values.get(name)) else st.style_prefilled(cell)
            add_basic_validation(ws, cell.coordinate, f, self._list_source(f))
            help_text = PREFILLED_NOTE
        else:
            _basic_input(cell, f)
            add_basic_validation(ws, cell.coordinate, f, self._list_source(f))
        self.define_at(name)
        st.label(ws.cell(row=r, column=g.col("help"), value=help_text or None), font=st.NOTE_FONT)

    def form(self) -> None:
        ws = self.wb[FORM]
        spec = self.spec
        sheet = self.layout.sheets[FORM]
        hash_items = items_list(i.nr for i in spec.items if i.hash) or "żadnej pozycji"
        self.title(ws, spec.edition.title_for(self.year), f"Wpisz wartości w żółte pola (kolumna „Wartość”); pod każdą pozycją jest jej definicja. Znak # wolno wpisać tylko w poz. {hash_items}. Szare pola liczą się same.")
        last_col = len(sheet.grid.columns)
        sections = {s.id: s.label for s in spec.sections}
        prefilled = set(prefilled_items(spec)) if self.opts.personalised else set()
        for row in sheet.rows:
            r = row.row
            if row.kind == "header":
                self.header(ws, sheet, r)
            elif row.kind == "section":
                st.section_row(ws, r, sections[row.key], last_col)
            elif row.kind == "item":
                self._item(ws, r, spec.item(row.key))
            elif row.kind == "help":
                it = spec.item(row.key)
                self._help_row(ws, r, (PREFILLED_ITEM_NOTE if it.nr in prefilled else "") + definition(it))
            elif row.kind == "service":
                self._service(ws, r, row.key)
            elif row.kind == "service_help":
                self._help_row(ws, r, definition(next(s for s in spec.services if s.nr == row.key)))
        rule_cols = [sheet.grid.col(c.key) for c in sheet.grid.columns if c.key.startswith("rule:")]
        if rule_cols:
            first, last = get_column_letter(min(rule_cols)), get_column_letter(max(rule_cols))
            st.status_colours(ws, f"{first}{HEADER_ROW + 1}:{last}{sheet.last_row}")

    def _help_row(self, ws: Worksheet, r: int, text: str) -> None:
        """The definition under an input, across the visible columns after the number."""
        g = self.layout.sheets[FORM].grid
        last = max(i for i, c in enumerate(g.columns, start=1) if not c.hidden)
        st.label(ws.cell(row=r, column=2, value=text), font=st.NOTE_FONT)
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=last)

    def _item(self, ws: Worksheet, r: int, it) -> None:
        g = self.layout.sheets[FORM].grid
        col = g.col
        ws.cell(row=r, column=col("nr"), value=it.nr).alignment = st.TOP
        st.label(ws.cell(row=r, column=col("label"), value=it.label), font=st.BOLD)
        ws.cell(row=r, column=col("unit"), value=it.unit if it.type != "services" else "TAK/NIE").alignment = st.TOP
        if it.type == "services":
            return
        fmt = self.item_format(it.nr)
        cell = ws.cell(row=r, column=col("value"))
        st.style_input(cell, fmt)
        name = names.item(it.nr)
        if name in self.layout.personal:
            self.personal(name)
        self.define_at(name)
        add_item_validation(ws, cell.coordinate, it, self.engine)
        check = next((c for c in self.spec.k03_checks if c.item == it.nr), None)
        if check is not None:
            self.reference(ws, r, col("k03"), names.k03_value(it.nr), fmt)
            if check.upper:
                self.reference(ws, r, col("k03_upper"), names.k03_upper(it.nr), fmt)
        if names.previous(it.nr) in self.layout.personal:
            self.personal(names.previous(it.nr))
        st.style_prefilled(ws.cell(row=r, column=col("previous")), fmt)
        self.define_at(names.previous(it.nr))
        change = change_expression(self.spec, it.nr)
        if change:
            self.expression(ws, r, col("change"), change, st.CHANGE)
        faults = [f'{names.rule(rid)}="{status.ERROR}"' for rid in self._single_item_rules().get(it.nr, [])]
        for part_nr, part in ((nr, n) for rid, parts in self.engine.rule_parts.items() for nr, n in parts):
            if part_nr == it.nr:
                self.computed(part)
                p = self.place(part)
                faults.append(f'{get_column_letter(p.col)}{p.row}="{status.ERROR}"')
        if faults:  # the input turns red while a rule about it alone says "błąd"
            st.flag_input_when(ws, cell.coordinate, faults[0] if len(faults) == 1 else f"OR({','.join(faults)})")

    def _single_item_rules(self) -> dict[int, list[str]]:
        """Item → ids of the plain rules that test that one item alone (e.g. L10 for item 3)."""
        from ..expr.ast import refs

        if not hasattr(self, "_single"):
            out: dict[int, list[str]] = {}
            for r in self.spec.rules:
                if r.for_each:
                    continue
                used = refs(self.engine.parse(r.check))
                if len(used) == 1 and used[0][1:].isdigit() and used[0].startswith("P"):
                    out.setdefault(int(used[0][1:]), []).append(r.id)
            self._single = out
        return self._single

    def _service(self, ws: Worksheet, r: int, nr: int) -> None:
        g = self.layout.sheets[FORM].grid
        svc = self.spec.services_item
        s = next(x for x in self.spec.services if x.nr == nr)
        ws.cell(row=r, column=g.col("nr"), value=f"{svc.nr}.{s.nr}").alignment = st.TOP
        st.label(ws.cell(row=r, column=g.col("label"), value=s.label))
        cell = ws.cell(row=r, column=g.col("value"))
        st.style_input(cell)
        name = names.service(s.nr, svc.nr)
        self.define_at(name)
        add_service_validation(ws, cell.coordinate, s)
        ws.cell(row=r, column=g.col("unit"), value="TAK/NIE").alignment = st.TOP
        if nr == self.spec.services[-1].nr:
            self.define_at(names.item(svc.nr))

    def instructions(self) -> None:
        ws = self.wb[INSTRUCTIONS]
        for key in (CONTACT, DEADLINE):
            self.personal(key)
            p = self.layout.personal[key]
            st.label(ws.cell(row=p.row, column=p.col), font=st.BOLD)
        write_instructions(ws, self.spec, self.opts, first_row=self.layout.sheets[INSTRUCTIONS].row_of("text"), year=self.year)


def build_form_parts(engine: Engine, opts: FormOptions, content: FormContent, *, library_name: str | None = None, full_lists: bool = True) -> BuiltForm:
    """The workbook, its layout and the twin of every formula cell (``full_lists=False``:
    the _teryt sheet without its cells, for a template that copies them in)."""
    values = form_values(engine, opts, content)
    name = header_name(opts, values) if library_name is None else library_name
    builder = _Builder(engine, opts, values, name, year=survey_year(engine.spec, content), full_lists=full_lists)
    wb = builder.build()
    return BuiltForm(wb, builder.layout, builder.twins)


def build_form(engine: Engine, opts: FormOptions, content: FormContent) -> tuple[Workbook, FormLayout]:
    """The reference build of one workbook (see :mod:`.template` for the fast batch path)."""
    built = build_form_parts(engine, opts, content)
    return built.wb, built.layout
