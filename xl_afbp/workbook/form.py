"""The AFBP form a librarian fills in Excel or LibreOffice: one function per sheet.

:func:`build_form` is the reference ("slow") path: it builds one complete workbook with
openpyxl. :mod:`.template` builds the same workbook once per layout and patches each
library's values into copies of it; tests prove both give identical content.

Every cell of the defined-name contract gets its name here; every computed cell holds the
engine's native formula; every input cell is unlocked and validated; every sheet is
protected (without a password: protection prevents accidents, it is not security).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.worksheet import Worksheet

from .. import __version__, names, status
from ..simc import seat
from ..teryt import place_names
from ..engine import Engine
from ..spec.model import BasicField
from . import styles as st
from ..expr.context import excel_name
from .cells import absolute, define, set_formula, set_text
from .k03_helpers import write_unit_flags
from .teryt_lists import list_source, write_teryt_lists
from .validation import add_basic_validation, add_item_validation, add_service_validation

MIN_BRANCH_COLUMNS = 5
SHEETS = ("Instrukcja", "Dane podstawowe", "Formularz", "K-03", "Kontrola", "Wskaźniki")
LISTS, TERYT, META = "_listy", "_teryt", "_meta"
PERSONAL_BASIC = ("NAZWA", "ORGANIZATOR", "PODTYP", "WOJEWODZTWO", "POWIAT", "GMINA", "MIEJSCOWOSC", "TERYT", "PRZEDZIAL", "WWW")
META_KEYS = ("form", "edition_year", "spec_version", "spec_sha256", "library_id", "teryt", "year", "generated_at", "generator", "generator_version", "units")


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


@dataclass(frozen=True)
class FormOptions:
    """What changes the layout: one template exists per distinct options value."""

    units: int = 1 + MIN_BRANCH_COLUMNS
    personalised: bool = False
    previous: bool = False
    benchmark: bool = False


@dataclass
class FormContent:
    """Per-library values written into the layout."""

    library: Library | None = None
    previous: dict[int, Any] = field(default_factory=dict)
    benchmark: dict[str, float] = field(default_factory=dict)
    group: str = ""
    year: int | None = None
    generated_at: str = ""


@dataclass
class Layout:
    """Where personal values go: key → (sheet title, row, column)."""

    cells: dict[str, tuple[str, int, int]] = field(default_factory=dict)


def units_for(filie: int | None) -> int:
    """Unit columns of the K-03 sheet: the main library plus at least five branches,
    rounded up to a multiple of five so that a region needs only a few layouts."""
    branches = max(MIN_BRANCH_COLUMNS, int(filie or 0))
    return 1 + -(-branches // 5) * 5


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
        for key in PERSONAL_BASIC:
            if key in {b.key for b in spec.basic}:
                out[names.basic(key)] = basic[key] or None
        out[names.item(1)] = lib.mieszkancy
        out[names.item(13)] = lib.filie
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
        "edition_year": spec.edition.year,
        "spec_version": spec.edition.spec_version,
        "spec_sha256": spec.digest,
        "library_id": lib.id if lib else "",
        "teryt": lib.teryt if lib else "",
        "year": content.year or spec.edition.year,
        "generated_at": content.generated_at or datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "generator": "xl-afbp",
        "generator_version": __version__,
        "units": opts.units,
    }


class _Builder:
    def __init__(self, engine: Engine, opts: FormOptions, values: dict[str, Any]):
        self.engine, self.spec, self.opts, self.values = engine, engine.spec, opts, values
        self.wb = Workbook()
        self.layout = Layout()
        self.placed: set[str] = set()
        self.formulas = {f.name: f for f in engine.formulas}

    # -- helpers -----------------------------------------------------------------------
    def personal(self, key: str, ws: Worksheet, row: int, col: int) -> None:
        """A cell whose value differs per library: remembered for the template patcher."""
        self.layout.cells[key] = (ws.title, row, col)
        set_text(ws, row, col, self.values.get(key))
        cell = ws.cell(row=row, column=col)
        if not cell.has_style:  # a styled cell is written even when empty: the patcher needs it
            cell.protection = st.LOCKED_HIDDEN  # differs from the default style, so it is kept

    def computed(self, name: str, ws: Worksheet, row: int, col: int, number_format: str | None = None) -> None:
        f = self.formulas[name]
        set_formula(ws, row, col, f.excel)
        st.style_computed(ws.cell(row=row, column=col), number_format)
        define(self.wb, name, absolute(ws, row, col))
        self.placed.add(name)

    def reference(self, ws: Worksheet, row: int, col: int, name: str, number_format: str | None = None) -> None:
        """A display cell showing another named cell."""
        set_formula(ws, row, col, name)
        st.style_computed(ws.cell(row=row, column=col), number_format)

    @staticmethod
    def title(ws: Worksheet, text: str, note: str = "") -> None:
        ws["A1"] = text
        ws["A1"].font = st.TITLE_FONT
        if note:
            ws["A2"] = note
            ws["A2"].font = st.NOTE_FONT

    @staticmethod
    def finish(ws: Worksheet) -> None:
        """Print on one page width, landscape; give wrapped rows room (LibreOffice does not
        grow rows by itself when a file says nothing about their height)."""
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        for row in ws.iter_rows():
            lines = 1
            for cell in row:
                if isinstance(cell.value, str) and cell.alignment is not None and cell.alignment.wrap_text:
                    width = ws.column_dimensions[cell.column_letter].width or 10
                    lines = max(lines, -(-len(cell.value) * 10 // (int(width) * 12)))
            if lines > 1 and not ws.row_dimensions[row[0].row].height:
                ws.row_dimensions[row[0].row].height = 14 * lines

    @staticmethod
    def protect(ws: Worksheet) -> None:
        ws.protection.sheet = True
        ws.protection.selectLockedCells = False
        ws.protection.selectUnlockedCells = False
        ws.protection.formatColumns = False  # allowed: librarians may widen columns

    # -- sheets ------------------------------------------------------------------------
    def build(self) -> Workbook:
        ws = self.wb.active
        ws.title = SHEETS[0]
        for title in SHEETS[1:]:
            self.wb.create_sheet(title)
        self.lists()
        self.teryt()
        self.meta()
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
            self.finish(ws)
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
        # a personalised form has its place prefilled and locked: no Miejscowość drop-down,
        # so none of its 50,000 localities (the workbook stays small and quick to open)
        write_teryt_lists(self.wb, localities=not self.opts.personalised)

    def meta(self) -> None:
        ws = self.wb.create_sheet(META)
        ws.sheet_state = "veryHidden"
        ws.cell(row=1, column=1, value="key")
        ws.cell(row=1, column=2, value="value")
        for r, key in enumerate(META_KEYS, start=2):
            ws.cell(row=r, column=1, value=key)
            self.personal(f"META_{key}", ws, r, 2)

    def _list_source(self, f: BasicField) -> str | None:
        if f.type in ("list", "band"):
            return f"L_{f.key}"
        if f.type == "teryt" and f.level:
            chain, key = [], f.parent
            while key:  # the fields above this one: województwo → powiat → gmina
                chain.insert(0, names.basic(key))
                key = next((b.parent for b in self.spec.basic if b.key == key), None)
            return list_source(f.level, chain)
        return None

    def basic_data(self) -> None:
        ws = self.wb["Dane podstawowe"]
        self.title(ws, "Dane podstawowe biblioteki", "Pola żółte wypełnia biblioteka; niebieskie wpisał koordynator. Listy województwo → powiat → gmina zależą od siebie.")
        row = 4
        if self.opts.personalised:
            ws.cell(row=row, column=1, value="Identyfikator w badaniu").font = st.BOLD
            self.personal("ID", ws, row, 2)
            st.style_prefilled(ws.cell(row=row, column=2))
            row += 1
        st.header_row(ws, row, ["Pole", "Wartość", "Wskazówka"])
        row += 1
        for f in self.spec.basic:
            ws.cell(row=row, column=1, value=f.label).alignment = st.WRAP
            cell = ws.cell(row=row, column=2)
            name = names.basic(f.key)
            if f.type == "fixed":
                cell.value = f.value
                st.style_prefilled(cell)
            elif self.opts.personalised and f.key in PERSONAL_BASIC:
                self.personal(name, ws, row, 2)
                st.style_prefilled(cell)
            else:
                st.style_input(cell, "@" if f.type == "text" else None)  # text: a TERYT code keeps its leading 0
                add_basic_validation(ws, cell.coordinate, f, self._list_source(f))
            define(self.wb, name, absolute(ws, row, 2))
            help_cell = ws.cell(row=row, column=3, value=f.help)
            help_cell.font, help_cell.alignment = st.NOTE_FONT, st.WRAP
            row += 1
        row += 1
        ws.cell(row=row, column=1, value="Kontrola danych podstawowych").font = st.BOLD
        row += 1
        for r in (r for r in self.spec.rules if r.group == "basic"):
            ws.cell(row=row, column=1, value=f"{r.id}: {r.message}").alignment = st.WRAP
            self.reference(ws, row, 2, names.rule(r.id))
            st.status_colours(ws, f"B{row}")
            row += 1
        ws.column_dimensions["A"].width = 38
        ws.column_dimensions["B"].width = 46
        ws.column_dimensions["C"].width = 70

    def form(self) -> None:
        ws = self.wb["Formularz"]
        spec = self.spec
        hash_items = " i ".join(str(i.nr) for i in spec.items if i.hash) or "żadnej pozycji"
        self.title(ws, spec.edition.title, f"Wpisz wartości w żółte pola (kolumna C). # wolno wpisać tylko w poz. {hash_items}. Kolumny po prawej liczą się same.")
        per_item = [r for r in spec.rules if r.for_each]  # one column each, from column I on
        headers = ["Poz.", "Pozycja", "Wartość", "Jednostka", "wg K-03", "wg K-03 (górna granica)", "Rok poprzedni", "Zmiana r/r"]
        st.header_row(ws, 4, headers + [f"{r.short or 'Kontrola'} ({r.id})" for r in per_item])
        last_col = len(headers) + len(per_item)
        ws.freeze_panes = "C5"
        row = 5
        checks = {c.item: c for c in spec.k03_checks}
        parts = {r.id: dict(self.engine.rule_parts.get(r.id, [])) for r in per_item}
        single = self._single_item_rules()
        for section in spec.sections:
            ws.cell(row=row, column=1, value=section.label).font = st.BOLD
            for c in range(1, last_col + 1):
                ws.cell(row=row, column=c).fill = st.SECTION_FILL
            row += 1
            for it in (i for i in spec.items if i.section == section.id):
                ws.cell(row=row, column=1, value=it.nr)
                ws.cell(row=row, column=2, value=it.label).alignment = st.WRAP
                ws.cell(row=row, column=4, value=it.unit)
                if it.type == "services":
                    row = self._services(ws, row, it)
                    continue
                cell = ws.cell(row=row, column=3)
                fmt = "0" if it.type == "whole" else "0." + "0" * it.decimals
                st.style_input(cell, "#,##0" if it.type == "whole" else fmt)
                if self.opts.personalised and it.nr in (1, 13):
                    self.personal(names.item(it.nr), ws, row, 3)
                define(self.wb, names.item(it.nr), absolute(ws, row, 3))
                add_item_validation(ws, cell.coordinate, it, self.engine)
                if it.nr in checks:
                    self.reference(ws, row, 5, names.k03_value(it.nr), "#,##0.##")
                    if checks[it.nr].upper:
                        self.reference(ws, row, 6, names.k03_upper(it.nr), "#,##0.##")
                prev = ws.cell(row=row, column=7)
                if self.opts.previous:
                    self.personal(names.previous(it.nr), ws, row, 7)
                st.style_prefilled(prev)
                prev.number_format = "#,##0.##"
                define(self.wb, names.previous(it.nr), absolute(ws, row, 7))
                change = self.engine.excel(f"(P{it.nr} - PREV{it.nr}) / PREV{it.nr}")
                set_formula(ws, row, 8, change)
                st.style_computed(ws.cell(row=row, column=8), "+0%;-0%;0%")
                faults = [f'{names.rule(r)}="{status.ERROR}"' for r in single.get(it.nr, [])]
                for col, r in enumerate(per_item, start=len(headers) + 1):
                    if it.nr in parts[r.id]:
                        self.computed(parts[r.id][it.nr], ws, row, col)
                        faults.append(f'{get_column_letter(col)}{row}="{status.ERROR}"')
                if faults:  # the input turns red while a rule about it alone says "błąd"
                    st.flag_input_when(ws, cell.coordinate, faults[0] if len(faults) == 1 else f"OR({','.join(faults)})")
                row += 1
        if per_item:
            st.status_colours(ws, f"{get_column_letter(len(headers) + 1)}5:{get_column_letter(last_col)}{row}")
        widths = (6, 52, 16, 14, 14, 14, 14, 10) + (14,) * len(per_item)
        for col, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(col)].width = width

    def _single_item_rules(self) -> dict[int, list[str]]:
        """Item → ids of the plain rules that test that one item alone (e.g. L10 for item 3)."""
        from ..expr.ast import refs

        out: dict[int, list[str]] = {}
        for r in self.spec.rules:
            if r.for_each:
                continue
            used = refs(self.engine.parse(r.check))
            if len(used) == 1 and used[0][1:].isdigit() and used[0].startswith("P"):
                out.setdefault(int(used[0][1:]), []).append(r.id)
        return out

    def _services(self, ws: Worksheet, row: int, item) -> int:
        row += 1
        first = row
        for s in self.spec.services:
            ws.cell(row=row, column=1, value=f"{item.nr}.{s.nr}")
            ws.cell(row=row, column=2, value=s.label).alignment = st.WRAP
            cell = ws.cell(row=row, column=3)
            st.style_input(cell)
            define(self.wb, names.service(s.nr, item.nr), absolute(ws, row, 3))
            add_service_validation(ws, cell.coordinate, s)
            ws.cell(row=row, column=4, value="TAK/NIE")
            row += 1
        define(self.wb, names.SERVICES_GROUP, absolute(ws, first, 3, row - 1, 3))
        return row

    def k03(self) -> None:
        ws = self.wb["K-03"]
        units = self.opts.units
        self.title(ws, "Dane ze sprawozdania GUS K-03 (dane za rok sprawozdawczy)", "K-03 wypełnia się osobno dla biblioteki głównej i każdej filii: każda jednostka ma swoją kolumnę. Puste pole = nie wpisano (nie zero).")
        labels = ["Adres K-03", "Pozycja K-03", "Biblioteka główna"] + [f"Filia {i}" for i in range(1, units)] + ["Razem"]
        st.header_row(ws, 4, labels)
        ws.freeze_panes = "C5"
        first_col, total_col = 3, 3 + units
        row, first_row = 5, 5
        for cell_spec in self.spec.k03_cells:
            ws.cell(row=row, column=1, value=cell_spec.address)
            ws.cell(row=row, column=2, value=cell_spec.label).alignment = st.WRAP
            for u in range(units):
                st.style_input(ws.cell(row=row, column=first_col + u), "#,##0.##")
            rng = f"{get_column_letter(first_col)}{row}:{get_column_letter(first_col + units - 1)}{row}"
            self._k03_validation(ws, rng, cell_spec)
            define(self.wb, names.k03_row(cell_spec.address), absolute(ws, row, first_col, row, total_col - 1))
            total = self._k03_total(cell_spec)
            if total:
                set_formula(ws, row, total_col, total)
            st.style_computed(ws.cell(row=row, column=total_col), "#,##0.##")
            row += 1
        last_row = row - 1
        ws.cell(row=row + 1, column=2, value="Jednostka wypełniona (1 = tak)").font = st.NOTE_FONT
        ws.cell(row=row + 2, column=2, value="Filie z danymi").font = st.NOTE_FONT
        write_unit_flags(self.wb, ws, first_row=first_row, last_row=last_row, first_col=first_col, units=units, flag_row=row + 1, total_col=total_col)
        for c in range(first_col, total_col + 1):
            for r in (row + 1, row + 2):
                st.style_computed(ws.cell(row=r, column=c))
        ws.column_dimensions["A"].width = 13
        ws.column_dimensions["B"].width = 50
        for c in range(first_col, total_col + 1):
            ws.column_dimensions[get_column_letter(c)].width = 13

    def _k03_total(self, cell_spec) -> str | None:
        addr = cell_spec.address
        if cell_spec.type == "yesno":
            return self.engine.excel_tri(f"kany({addr})", "TAK", "NIE", "")
        if cell_spec.type == "percent":
            return None  # a percentage per unit has no network total
        fn = "kmax" if addr == "D2.P1.W1B" else "ksum"  # opening hours are never summed
        return self.engine.excel(f"{fn}({addr})")

    @staticmethod
    def _k03_validation(ws: Worksheet, rng: str, cell_spec) -> None:
        from openpyxl.worksheet.datavalidation import DataValidation

        common = dict(allow_blank=True, showErrorMessage=True, errorTitle="Niepoprawna wartość", showInputMessage=True, promptTitle=cell_spec.address, prompt=cell_spec.label[:255])
        if cell_spec.type == "yesno":
            dv = DataValidation(type="list", formula1='"TAK,NIE"', error="Wybierz TAK albo NIE.", **common)
        elif cell_spec.type == "percent":
            dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", error="Odsetek od 0 do 100.", **common)
        elif cell_spec.type == "decimal":
            dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="1000000", error="Liczba nieujemna.", **common)
        else:
            dv = DataValidation(type="whole", operator="between", formula1="0", formula2="999999999999", error="Liczba całkowita, nieujemna.", **common)
        dv.add(rng)
        ws.add_data_validation(dv)

    def checks(self) -> None:
        ws = self.wb["Kontrola"]
        self.title(ws, "Kontrola formularza", "Wszystko liczy się samo podczas wpisywania. Status „brak danych” znika, gdy uzupełnisz pola, których dotyczy kontrola.")
        summary = [
            (names.STATUS, "Status formularza"),
            (names.ERRORS, "Liczba błędów"),
            (names.WARNINGS, "Liczba ostrzeżeń i różnic K-03"),
            (names.GAPS, "Puste pola wymagane"),
            (names.MISSING, "Które pola są puste"),
            (names.K03_DIFFERENCES, "Różnice K-03"),
            (names.K03_STATE, "Arkusz K-03"),
        ]
        for r, (name, label) in enumerate(summary, start=3):
            ws.cell(row=r, column=1, value=label).font = st.BOLD
            text = name in (names.STATUS, names.MISSING, names.K03_STATE)  # long texts run on into the empty cells to the right
            self.computed(name, ws, r, 3, None if text else "0")
        st.status_colours(ws, "C3")
        row = 3 + len(summary) + 1
        st.header_row(ws, row, ["Kontrola", "Opis", "Status", "Ważność", "Porównywane wartości"])
        row += 1
        first = row
        for r in self.spec.rules:
            ws.cell(row=row, column=1, value=r.id)
            ws.cell(row=row, column=2, value=r.message).alignment = st.WRAP
            self.computed(names.rule(r.id), ws, row, 3)
            ws.cell(row=row, column=4, value=status.FAILED[r.severity])
            if r.for_each:
                ws.cell(row=row, column=5, value=f"każda pozycja osobno: arkusz Formularz, kolumna „{r.short or 'Kontrola'} ({r.id})”").alignment = st.WRAP
            else:
                set_formula(ws, row, 5, self._compared_values(r.check))
                st.style_computed(ws.cell(row=row, column=5))
                ws.cell(row=row, column=5).alignment = st.WRAP
            row += 1
        st.status_colours(ws, f"C{first}:C{row - 1}")
        row += 1
        st.header_row(ws, row, ["K-03", "Pozycja AFBP", "Status", "AFBP", "wg K-03", "wg K-03 (górna granica)", "Objaśnienie różnicy"])
        row += 1
        first = row
        for c in self.spec.k03_checks:
            ws.cell(row=row, column=1, value=f"poz. {c.item}")
            ws.cell(row=row, column=2, value=self.spec.item(c.item).label).alignment = st.WRAP
            self.computed(names.k03_check(c.item), ws, row, 3)
            self.computed(names.k03_afbp(c.item), ws, row, 4, "#,##0.##")
            self.computed(names.k03_value(c.item), ws, row, 5, "#,##0.##")
            if c.upper:
                self.computed(names.k03_upper(c.item), ws, row, 6, "#,##0.##")
            ws.cell(row=row, column=7, value=c.explanation).alignment = st.WRAP
            row += 1
        st.status_colours(ws, f"C{first}:C{row - 1}")
        for col, width in zip("ABCDEFG", (10, 60, 14, 14, 40, 14, 70)):
            ws.column_dimensions[col].width = width

    def _compared_values(self, check: str) -> str:
        """A display formula listing the inputs a rule compares, e.g. ``poz. 6 = 120; poz. 5 = 100``."""
        from ..expr.ast import refs

        labels = {f"B_{b.key}": b.label for b in self.spec.basic}
        parts = []
        for ref in refs(self.engine.parse(check)):
            if ref.startswith("B_"):
                label = labels.get(ref, ref)
            elif ref.startswith("PREV"):
                label = f"poz. {ref[4:]} (rok poprzedni)"
            else:
                label = "poz. " + ref[1:].replace("_", ".").replace(".0", ".")
            name = excel_name(ref)
            parts.append(f'"{label} = "&{name}')
        return '&"; "&'.join(parts) if parts else '""'

    def indicators(self) -> None:
        ws = self.wb["Wskaźniki"]
        self.title(ws, f"Wskaźniki AFBP – {self.spec.edition.catalogue}", "Wskaźnik bez wartości (puste pole) oznacza brak danych albo dzielenie przez zero.")
        labels = ["Kod", "Wskaźnik", "Perspektywa", "Jednostka", "Wartość"]
        if self.opts.benchmark:
            ws["A3"] = "Grupa porównawcza:"
            self.personal("GROUP", ws, 3, 2)
            labels += ["Mediana grupy", "Indeks (mediana = 100)"]
        st.header_row(ws, 4, labels)
        persp = {p.id: p.label for p in self.spec.perspectives}
        row = 5
        for ind in self.spec.indicators:
            ws.cell(row=row, column=1, value=ind.code)
            ws.cell(row=row, column=2, value=ind.name).alignment = st.WRAP
            ws.cell(row=row, column=3, value=persp.get(ind.perspective, ind.perspective))
            ws.cell(row=row, column=4, value=ind.unit)
            self.computed(names.indicator(ind.code), ws, row, 5, ind.format)
            if self.opts.benchmark:
                self.personal(f"BENCH_{ind.code}", ws, row, 6)
                st.style_prefilled(ws.cell(row=row, column=6))
                ws.cell(row=row, column=6).number_format = ind.format
                set_formula(ws, row, 7, f'IF(AND(ISNUMBER(E{row}),ISNUMBER(F{row})),IF(F{row}=0,"",E{row}/F{row}*100),"")')
                st.style_computed(ws.cell(row=row, column=7), "0")
            row += 1
        last = row - 1
        if self.opts.benchmark:
            chart = BarChart()
            chart.type = "bar"
            chart.title = "Wskaźniki biblioteki jako indeks (mediana grupy = 100)"
            chart.y_axis.title = "indeks"
            chart.add_data(Reference(ws, min_col=7, min_row=4, max_row=last), titles_from_data=True)
            chart.set_categories(Reference(ws, min_col=1, min_row=5, max_row=last))
            chart.height, chart.width = 22, 16
            chart.legend = None
            ws.add_chart(chart, "I4")
        for col, width in zip("ABCDEFG", (7, 60, 30, 10, 12, 14, 12)):
            ws.column_dimensions[col].width = width

    def instructions(self) -> None:
        from .instructions import write_instructions

        write_instructions(self.wb["Instrukcja"], self.spec, self.opts)


def build_form(engine: Engine, opts: FormOptions, content: FormContent) -> tuple[Workbook, Layout]:
    """The reference build of one workbook (see :mod:`.template` for the fast batch path)."""
    values = personal_values(engine, opts, content)
    builder = _Builder(engine, opts, values)
    wb = builder.build()
    return wb, builder.layout
