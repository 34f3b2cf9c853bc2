"""Where every cell of a generated form goes: a pure function of the spec and the options.

The form writer (:mod:`.form`), the template fast path (:mod:`.template`) and the reader of
returned files (:mod:`xl_afbp.reader`) all ask this module where a defined name or a
personal value sits; none of them has to build a workbook to find out. Nothing here writes
a cell (no openpyxl): only sheets, rows, columns, widths and which columns are shown.

Sheets, top to bottom: a title in row 1, a note in row 2, the table header in row 4 (row 3
holds the comparison group on *Wskaźniki*), the table from row 5. *Formularz* gives every
input a row of its own under it for the item's definition (readable in any application,
unlike an input message); *Kontrola* is one table with a section of logical rules and a
section of K-03 comparisons, so one header row repeats on every printed page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from .. import names
from ..expr.ast import refs
from ..expr.parse import parse
from ..spec.expand import rule_expressions, rule_items
from ..spec.model import Spec
from ..spec.vocab import resolver

#: Branch columns of the blank form's K-03 sheet (``generate --branches N`` makes more):
#: enough for all but the largest city networks.
BLANK_BRANCHES = 30
SHEETS = ("Instrukcja", "Dane podstawowe", "Formularz", "K-03", "Kontrola", "Wskaźniki")
INSTRUCTIONS, BASIC, FORM, K03, CHECKS, INDICATORS = SHEETS
LISTS, TERYT, META = "_listy", "_teryt", "_meta"
PERSONAL_BASIC = ("NAZWA", "ORGANIZATOR", "PODTYP", "WOJEWODZTWO", "POWIAT", "GMINA", "MIEJSCOWOSC", "TERYT", "PRZEDZIAL", "WWW")
META_KEYS = ("form", "edition", "edition_year", "spec_version", "spec_sha256", "library_id", "teryt", "year", "generated_at", "generator", "generator_version", "units")
#: The summary cells at the top of *Kontrola*, with their labels. A new summary cell of the
#: engine gets a line here.
SUMMARY = (
    (names.STATUS, "Status formularza"),
    (names.ERRORS, "Liczba błędów"),
    (names.WARNINGS, "Liczba ostrzeżeń i różnic K-03"),
    (names.GAPS, "Puste pola wymagane"),
    (names.MISSING, "Które pola są puste"),
    (names.K03_DIFFERENCES, "Różnice K-03"),
    (names.K03_STATE, "Arkusz K-03"),
)
#: Summary cells holding a text (the others are counts).
SUMMARY_TEXTS = (names.STATUS, names.MISSING, names.K03_STATE)
#: Personal values on *Instrukcja*: where to send the file and by when.
CONTACT, DEADLINE = "CONTACT", "DEADLINE"
TITLE_ROW, NOTE_ROW, HEADER_ROW = 1, 2, 4


@dataclass(frozen=True)
class FormOptions:
    """What changes the layout: one template exists per distinct options value."""

    units: int = 1 + BLANK_BRANCHES
    personalised: bool = False
    previous: bool = False
    benchmark: bool = False

    @property
    def localities(self) -> bool:
        """Whether the form offers the Miejscowość drop-down: its SIMC lists are most of a
        blank form; a personalised form has its place prefilled and leaves them out."""
        return not self.personalised


def units_for(filie: int | None) -> int:
    """K-03 unit columns of a personalised form: the main library and each of its branches."""
    return 1 + max(0, int(filie or 0))


@dataclass(frozen=True)
class Place:
    """One cell, or a one-row range (a K-03 row over its units), or a one-column range."""

    sheet: str
    row: int
    col: int
    last_col: int | None = None
    last_row: int | None = None

    @property
    def bounds(self) -> tuple[int, int, int, int]:
        """(first column, first row, last column, last row)."""
        return self.col, self.row, self.last_col or self.col, self.last_row or self.row


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: float
    hidden: bool = False


@dataclass(frozen=True)
class Grid:
    """A sheet's columns in order (1-based positions) and its visible width."""

    columns: tuple[Column, ...]

    def col(self, key: str) -> int:
        for i, c in enumerate(self.columns, start=1):
            if c.key == key:
                return i
        raise KeyError(key)

    def has(self, key: str) -> bool:
        return any(c.key == key for c in self.columns)

    @property
    def widths(self) -> tuple[float, ...]:
        return tuple(c.width for c in self.columns)

    @property
    def visible_widths(self) -> tuple[float, ...]:
        return tuple(c.width for c in self.columns if not c.hidden)


@dataclass(frozen=True)
class Row:
    """A row of a table: ``kind`` says what it holds, ``key`` which one (item number,
    rule id, section id, …)."""

    row: int
    kind: str
    key: object = None


@dataclass
class SheetLayout:
    name: str
    grid: Grid
    rows: list[Row] = field(default_factory=list)
    hidden_rows: set[int] = field(default_factory=set)
    freeze: str | None = None  # top-left cell of the scrolling pane
    breaks_before: set[int] = field(default_factory=set)  # rows that always start a printed page
    title_rows: tuple[int, int] | None = None  # rows repeated on every printed page
    title_cols: tuple[int, int] | None = None  # columns repeated on every printed page

    def row_of(self, kind: str, key: object = None) -> int:
        for r in self.rows:
            if r.kind == kind and r.key == key:
                return r.row
        raise KeyError((self.name, kind, key))

    @property
    def last_row(self) -> int:
        return max((r.row for r in self.rows), default=HEADER_ROW)


@dataclass
class FormLayout:
    """The whole workbook: every sheet's grid and rows, every defined name's place and
    every personal value's place."""

    opts: FormOptions
    sheets: dict[str, SheetLayout]
    names: dict[str, Place]
    personal: dict[str, Place]
    k03_first_col: int
    k03_total_col: int
    k03_flag_row: int
    chart_row: int | None = None


# -- columns ---------------------------------------------------------------------------------
def previous_rules(spec: Spec) -> set[str]:
    """Rules that compare with last year's values: shown only when a form has them."""
    resolve = resolver(spec)
    return {r.id for r in spec.rules for _nr, text in rule_expressions(spec, r) if any(x.startswith("PREV") for x in refs(parse(text, resolve)))}


def _form_grid(spec: Spec, opts: FormOptions) -> Grid:
    no_prev = not opts.previous
    prev_rules = previous_rules(spec)
    cols = [
        Column("nr", "Poz.", 5),
        Column("label", "Pozycja", 42),
        Column("value", "Wartość", 13),
        Column("unit", "Jednostka", 10),
        Column("k03", "wg K-03", 12),
        Column("k03_upper", "górna granica K-03", 12, hidden=not any(c.upper for c in spec.k03_checks)),
        Column("previous", "Rok poprzedni", 12, hidden=no_prev),
        Column("change", "Zmiana r/r", 9, hidden=no_prev or not spec.comparisons.previous_change),
    ]
    for r in spec.rules:
        if r.for_each:
            cols.append(Column(f"rule:{r.id}", f"{r.short or 'Kontrola'} ({r.id})", 12, hidden=no_prev and r.id in prev_rules))
    return Grid(tuple(cols))


def _k03_grid(spec: Spec, opts: FormOptions) -> Grid:
    units = [Column("unit:0", "Biblioteka główna", 11)] + [Column(f"unit:{u}", f"Filia {u}", 11) for u in range(1, opts.units)]
    return Grid((Column("address", "Adres K-03", 12), Column("label", "Pozycja K-03", 46), *units, Column("total", "Razem", 11)))


CHECKS_GRID = Grid(
    (
        Column("id", "Kod", 7),
        Column("label", "Opis", 40),
        Column("status", "Status", 11),
        Column("severity", "Ważność", 10),
        Column("afbp", "AFBP", 10),
        Column("k03", "wg K-03", 10),
        Column("k03_upper", "górna granica K-03", 10),
        Column("detail", "Porównywane wartości / objaśnienie różnicy", 45),
    )
)
BASIC_GRID = Grid((Column("label", "Pole", 30), Column("value", "Wartość", 40), Column("help", "Wskazówka", 66)))
INSTRUCTIONS_GRID = Grid((Column("key", "", 4), Column("text", "", 88)))


def _indicators_grid(opts: FormOptions) -> Grid:
    cols = [Column("code", "Kod", 6), Column("label", "Wskaźnik", 44), Column("unit", "Jednostka", 10), Column("value", "Wartość", 12)]
    if opts.benchmark:
        cols += [Column("median", "Mediana grupy", 12), Column("index", "Indeks (mediana = 100)", 12)]
    return Grid(tuple(cols))


# -- sheets ----------------------------------------------------------------------------------
def _instructions() -> SheetLayout:
    s = SheetLayout(INSTRUCTIONS, INSTRUCTIONS_GRID)
    s.rows = [Row(3, "contact"), Row(4, "deadline"), Row(6, "text")]
    return s


def _basic(spec: Spec, opts: FormOptions) -> SheetLayout:
    s = SheetLayout(BASIC, BASIC_GRID)
    row = HEADER_ROW
    if opts.personalised:
        s.rows.append(Row(row, "id"))
        row += 1
    s.rows.append(Row(row, "header"))
    s.freeze = f"A{row + 1}"
    s.title_rows = (row, row)
    row += 1
    for f in spec.basic:
        s.rows.append(Row(row, "field", f.key))
        row += 1
    row += 1
    s.rows.append(Row(row, "section", "rules"))
    row += 1
    for r in spec.rules:
        if r.group == "basic":
            s.rows.append(Row(row, "rule", r.id))
            row += 1
    return s


def _form(spec: Spec, opts: FormOptions) -> SheetLayout:
    s = SheetLayout(FORM, _form_grid(spec, opts), freeze=f"C{HEADER_ROW + 1}", title_rows=(HEADER_ROW, HEADER_ROW))
    s.rows.append(Row(HEADER_ROW, "header"))
    row = HEADER_ROW + 1
    for section in spec.sections:
        s.rows.append(Row(row, "section", section.id))
        row += 1
        for it in (i for i in spec.items if i.section == section.id):
            s.rows += [Row(row, "item", it.nr), Row(row + 1, "help", it.nr)]
            row += 2
            if it.type == "services":
                for sv in spec.services:
                    s.rows += [Row(row, "service", sv.nr), Row(row + 1, "service_help", sv.nr)]
                    row += 2
    return s


def _k03(spec: Spec, opts: FormOptions) -> SheetLayout:
    s = SheetLayout(K03, _k03_grid(spec, opts), freeze=f"C{HEADER_ROW + 1}", title_rows=(HEADER_ROW, HEADER_ROW), title_cols=(1, 2))
    s.rows.append(Row(HEADER_ROW, "header"))
    row = HEADER_ROW + 1
    for c in spec.k03_cells:
        s.rows.append(Row(row, "cell", c.address))
        row += 1
    s.rows += [Row(row + 1, "flags"), Row(row + 2, "branches")]
    return s


def _checks(spec: Spec, opts: FormOptions) -> SheetLayout:
    s = SheetLayout(CHECKS, CHECKS_GRID)
    row = 3
    for name, _label in SUMMARY:
        s.rows.append(Row(row, "summary", name))
        row += 1
    row += 1
    s.rows.append(Row(row, "header"))
    s.freeze, s.title_rows = f"C{row + 1}", (row, row)
    row += 1
    s.rows.append(Row(row, "section", "rules"))
    row += 1
    hide = set() if opts.previous else previous_rules(spec)
    for r in spec.rules:
        s.rows.append(Row(row, "rule", r.id))
        if r.id in hide:
            s.hidden_rows.add(row)
        row += 1
    if spec.k03_checks:
        s.breaks_before.add(row)
        s.rows.append(Row(row, "section", "k03"))
        row += 1
        for c in spec.k03_checks:
            s.rows.append(Row(row, "k03", c.item))
            row += 1
    return s


def _indicators(spec: Spec, opts: FormOptions) -> SheetLayout:
    s = SheetLayout(INDICATORS, _indicators_grid(opts), freeze=f"C{HEADER_ROW + 1}", title_rows=(HEADER_ROW, HEADER_ROW))
    if opts.benchmark:
        s.rows.append(Row(3, "group"))
    s.rows.append(Row(HEADER_ROW, "header"))
    row = HEADER_ROW + 1
    for p in spec.perspectives:
        inds = [i for i in spec.indicators if i.perspective == p.id]
        if not inds:
            continue
        s.rows.append(Row(row, "section", p.id))
        row += 1
        for ind in inds:
            s.rows.append(Row(row, "indicator", ind.code))
            row += 1
    return s


# -- names -----------------------------------------------------------------------------------
def _place(s: SheetLayout, kind: str, key: object, col: str, **kw) -> Place:
    return Place(s.name, s.row_of(kind, key), s.grid.col(col), **kw)


def _names(spec: Spec, opts: FormOptions, sh: dict[str, SheetLayout], k03_first: int, flag_row: int) -> dict[str, Place]:
    out: dict[str, Place] = {}
    basic, form, k03, checks, inds = sh[BASIC], sh[FORM], sh[K03], sh[CHECKS], sh[INDICATORS]
    for f in spec.basic:
        out[names.basic(f.key)] = _place(basic, "field", f.key, "value")
    for it in spec.items:
        if it.numeric:
            out[names.item(it.nr)] = _place(form, "item", it.nr, "value")
            out[names.previous(it.nr)] = _place(form, "item", it.nr, "previous")
    svc = spec.services_item
    if svc is not None:
        for sv in spec.services:
            out[names.service(sv.nr, svc.nr)] = _place(form, "service", sv.nr, "value")
        first, last = form.row_of("service", spec.services[0].nr), form.row_of("service", spec.services[-1].nr)
        out[names.item(svc.nr)] = Place(FORM, first, form.grid.col("value"), last_row=last)
    for c in spec.k03_cells:
        out[names.k03_row(c.address)] = Place(K03, k03.row_of("cell", c.address), k03_first, last_col=k03_first + opts.units - 1)
    total = k03.grid.col("total")
    out[names.UNITS_WITH_DATA] = Place(K03, flag_row, total)
    out[names.BRANCHES_WITH_DATA] = Place(K03, flag_row + 1, total)
    for r in spec.rules:
        out[names.rule(r.id)] = _place(checks, "rule", r.id, "status")
        for nr in rule_items(spec, r) if r.for_each else ():
            out[names.rule(r.id, nr)] = _place(form, "item", nr, f"rule:{r.id}")
    for c in spec.k03_checks:
        out[names.k03_check(c.item)] = _place(checks, "k03", c.item, "status")
        out[names.k03_afbp(c.item)] = _place(checks, "k03", c.item, "afbp")
        out[names.k03_value(c.item)] = _place(checks, "k03", c.item, "k03")
        if c.upper:
            out[names.k03_upper(c.item)] = _place(checks, "k03", c.item, "k03_upper")
    for name, _label in SUMMARY:
        out[name] = _place(checks, "summary", name, "status")
    for ind in spec.indicators:
        out[names.indicator(ind.code)] = _place(inds, "indicator", ind.code, "value")
        if opts.benchmark:
            out[names.median(ind.code)] = _place(inds, "indicator", ind.code, "median")
    return out


def prefilled_items(spec: Spec) -> tuple[int, ...]:
    """Items the coordinator fills in personalised forms from the libraries list (the
    spec's ``prefill:``: the population, the number of branches)."""
    return tuple(i.nr for i in spec.prefilled_items)


def _personal(spec: Spec, opts: FormOptions, sh: dict[str, SheetLayout], placed: dict[str, Place]) -> dict[str, Place]:
    out: dict[str, Place] = {}
    ins = sh[INSTRUCTIONS]
    out[CONTACT] = _place(ins, "contact", None, "text")
    out[DEADLINE] = _place(ins, "deadline", None, "text")
    if opts.personalised:
        out["ID"] = _place(sh[BASIC], "id", None, "value")
        keys = {f.key for f in spec.basic}
        for key in PERSONAL_BASIC:
            if key in keys:
                out[names.basic(key)] = placed[names.basic(key)]
        for nr in prefilled_items(spec):
            out[names.item(nr)] = placed[names.item(nr)]
    if opts.previous:
        for it in spec.numeric_items:
            out[names.previous(it.nr)] = placed[names.previous(it.nr)]
    if opts.benchmark:
        out["GROUP"] = _place(sh[INDICATORS], "group", None, "label")
        for ind in spec.indicators:
            out[f"BENCH_{ind.code}"] = placed[names.median(ind.code)]
    for r, key in enumerate(META_KEYS, start=2):
        out[f"META_{key}"] = Place(META, r, 2)
    return out


@lru_cache(maxsize=64)
def form_layout(spec: Spec, opts: FormOptions) -> FormLayout:
    """The layout of a form with these options (cached: layouts are immutable in use)."""
    if opts.units < 1:
        raise ValueError("a form has at least one K-03 unit column (the main library)")
    sheets = {
        INSTRUCTIONS: _instructions(),
        BASIC: _basic(spec, opts),
        FORM: _form(spec, opts),
        K03: _k03(spec, opts),
        CHECKS: _checks(spec, opts),
        INDICATORS: _indicators(spec, opts),
    }
    k03 = sheets[K03]
    first, flag_row = k03.grid.col("unit:0"), k03.row_of("flags")
    placed = _names(spec, opts, sheets, first, flag_row)
    chart_row = sheets[INDICATORS].last_row + 2 if opts.benchmark else None
    if chart_row:
        sheets[INDICATORS].breaks_before.add(chart_row)
    return FormLayout(
        opts=opts,
        sheets=sheets,
        names=placed,
        personal=_personal(spec, opts, sheets, placed),
        k03_first_col=first,
        k03_total_col=k03.grid.col("total"),
        k03_flag_row=flag_row,
        chart_row=chart_row,
    )
