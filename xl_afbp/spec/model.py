"""The spec as frozen dataclasses: one edition of the AFBP form.

Everything the product derives (workbook layout, validations, formulas, the Python
evaluator, the consolidator's columns, the docs) reads these objects; nothing else
describes the form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

SEVERITIES = ("error", "warning")
ITEM_TYPES = ("whole", "decimal", "services")
#: the basic field holding the library's subtype (podtyp): the groups of the summary
SUBTYPE_FIELD = "PODTYP"
#: where a personalised form takes an item's value from (the coordinator's library list)
PREFILL_SOURCES = ("population", "branches")
BASIC_TYPES = ("text", "list", "yesno", "teryt", "band", "fixed", "email", "url")
TERYT_LEVELS = ("wojewodztwo", "powiat", "gmina", "miejscowosc")
K03_TYPES = ("whole", "decimal", "percent", "yesno")
K03_KINDS = ("equal", "at_most", "at_least", "between", "approx", "match", "info")
#: How a K-03 row is totalled across units (main library and branches) in the K-03 sheet.
K03_TOTALS = ("sum", "max", "any", "none")
#: The total of a K-03 row when the cell does not say: numbers add up, TAK in any unit is
#: TAK for the library, a percentage per unit has no network total.
K03_DEFAULT_TOTAL = {"whole": "sum", "decimal": "sum", "yesno": "any", "percent": "none"}
NUMBER_FORMAT = "0.00"


@dataclass(frozen=True)
class Location:
    """Where a spec object was written: file, line and the path inside the data."""

    file: str
    line: int
    path: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.path}"


@dataclass(frozen=True)
class Edition:
    """The edition stamp. An edition serves the survey years from ``first_year`` (default:
    its ``year``) until a newer edition starts; the survey year itself is not part of the
    edition (the 2016 form served later years unchanged), so ``title`` may say ``{year}``."""

    form: str
    year: int
    spec_version: str
    title: str
    catalogue: str
    first_year: int | None = None  # the first survey year the edition serves (default: year)
    name: str | None = None  # the edition's name, e.g. "afbp-2016" (default: form-year)
    loc: Location | None = field(default=None, compare=False, repr=False)

    @property
    def serves_from(self) -> int:
        return self.first_year if self.first_year is not None else self.year

    @property
    def id(self) -> str:
        """The name commands and ``_meta`` use: ``afbp-2016``."""
        return self.name or f"{self.form.lower()}-{self.year}"

    def title_for(self, year: int | None) -> str:
        """The title of the forms of survey ``year`` (``{year}`` in the title is replaced)."""
        return self.title.replace("{year}", str(year if year is not None else self.serves_from))


@dataclass(frozen=True)
class Band:
    label: str
    min: int | None
    max: int | None


@dataclass(frozen=True)
class BasicField:
    key: str
    label: str
    type: str
    help: str = ""
    short: str | None = None
    choices: tuple[str, ...] = ()
    optional: bool = False
    max_length: int | None = None
    min_length: int | None = None
    value: str | None = None
    level: str | None = None
    parent: str | None = None
    definition: str = ""  # the full definition (no length limit); ``help`` is the ≤ 255 input message
    loc: Location | None = field(default=None, compare=False, repr=False)

    @property
    def title(self) -> str:
        """The data-validation input title (Excel allows 32 characters)."""
        return self.short or self.label

    @property
    def required(self) -> bool:
        """The library must fill it before the form can be OK (fixed values are not typed)."""
        return not self.optional and self.type != "fixed"


@dataclass(frozen=True)
class Section:
    id: str
    label: str


@dataclass(frozen=True)
class Item:
    nr: int
    key: str
    label: str
    short: str
    section: str
    type: str
    unit: str
    help: str
    min: float | None = None
    max: float | None = None
    decimals: int = 0
    hash: bool = False
    additive: bool = False
    prefill: str | None = None  # a PREFILL_SOURCES value: filled in by the generator, not typed
    definition: str = ""  # the full definition (no length limit); ``help`` is the ≤ 255 input message
    loc: Location | None = field(default=None, compare=False, repr=False)

    @property
    def ref(self) -> str:
        return f"P{self.nr}"

    @property
    def numeric(self) -> bool:
        return self.type in ("whole", "decimal")

    @property
    def title(self) -> str:
        return self.short[:1].upper() + self.short[1:]


@dataclass(frozen=True)
class Service:
    nr: int
    key: str
    label: str
    help: str
    definition: str = ""
    loc: Location | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    check: str
    message: str
    group: str = "logic"  # "basic" for the basic-data rules (B…), "logic" for the logical ones (L…)
    short: str | None = None  # column title of a for_each rule in the form (≤ 32 characters)
    for_each: str | None = None
    exclude: tuple[int, ...] = ()
    applies: str | None = None  # when false or without a value the rule says "nie dotyczy"
    loc: Location | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Perspective:
    id: str
    label: str


@dataclass(frozen=True)
class Indicator:
    code: str
    perspective: str
    name: str
    formula: str
    unit: str
    format: str = NUMBER_FORMAT
    loc: Location | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class NotRatioOfSums:
    """Indicators that have no aggregate of a group of libraries, and why (the others
    aggregate as a ratio of sums: their items summed, the same formula on the sums)."""

    reason: str  # a NOT_RATIO_OF_SUMS_REASONS value
    note: str  # Polish: what the summary shows instead of the aggregate
    indicators: tuple[str, ...]
    loc: Location | None = field(default=None, compare=False, repr=False)


#: why an indicator does not aggregate as a ratio of sums
NOT_RATIO_OF_SUMS_REASONS = ("nonadditive", "constant")


@dataclass(frozen=True)
class K03Cell:
    address: str
    label: str
    type: str
    decimals: int = 0
    total: str | None = None  # one of K03_TOTALS; None = the default of the type
    loc: Location | None = field(default=None, compare=False, repr=False)

    @property
    def total_kind(self) -> str:
        """How the row is totalled across units (e.g. opening hours: the longest-open unit)."""
        return self.total or K03_DEFAULT_TOTAL.get(self.type, "none")


@dataclass(frozen=True)
class K03Check:
    item: int
    kind: str
    explanation: str
    afbp: str | None = None
    k03: str | None = None
    lower: str | None = None
    upper: str | None = None
    tolerance: str | None = None
    check: str | None = None
    reason: str = ""  # why this kind and tolerance, from the form's definitions (docs/k03.md)
    loc: Location | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Comparisons:
    """Expressions of the form's comparison columns (see ``comparisons.yaml``).

    ``previous_change`` is written once for every numeric item (``{n}``): the year-on-year
    change beside last year's value. ``benchmark_index`` is written once for every indicator
    (``{code}``): the library's value against its group's median; it reads ``IND_<code>``
    and ``MEDIAN_<code>``, which only these expressions may use.
    """

    previous_change: str | None = None
    benchmark_index: str | None = None
    loc: Location | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Spec:
    edition: Edition
    bands: tuple[Band, ...]
    basic: tuple[BasicField, ...]
    sections: tuple[Section, ...]
    items: tuple[Item, ...]
    services: tuple[Service, ...]
    rules: tuple[Rule, ...]
    perspectives: tuple[Perspective, ...]
    indicators: tuple[Indicator, ...]
    k03_cells: tuple[K03Cell, ...]
    k03_checks: tuple[K03Check, ...]
    #: the indicators of the summary's charts and the report's key table
    key_indicators: tuple[str, ...] = ()
    not_ratio_of_sums: tuple[NotRatioOfSums, ...] = ()
    comparisons: Comparisons = Comparisons()
    digest: str = ""
    source: tuple[Path, ...] = ()

    # -- lookups ---------------------------------------------------------------------
    def item(self, nr: int) -> Item:
        for it in self.items:
            if it.nr == nr:
                return it
        raise KeyError(f"no item {nr} in the {self.edition.year} edition")

    def indicator(self, code: str) -> Indicator:
        for ind in self.indicators:
            if ind.code == code.upper():
                return ind
        raise KeyError(f"unknown indicator {code!r}")

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(f"unknown rule {rule_id!r}")

    def basic_field(self, key: str) -> BasicField:
        for b in self.basic:
            if b.key == key:
                return b
        raise KeyError(f"no basic field {key!r} in the {self.edition.year} edition")

    @property
    def subtypes(self) -> tuple[str, ...]:
        """The library subtypes (podtyp) of the edition, in the form's order (none when the
        edition has no subtype field)."""
        return next((b.choices for b in self.basic if b.key == SUBTYPE_FIELD), ())

    def aggregate_note(self, code: str) -> str:
        """Why indicator ``code`` has no ratio-of-sums aggregate ("" when it has one)."""
        return next((n.note for n in self.not_ratio_of_sums if code in n.indicators), "")

    @property
    def prefilled_items(self) -> tuple[Item, ...]:
        """Items a personalised form fills in from the library list (``prefill:``)."""
        return tuple(i for i in self.items if i.prefill)

    @property
    def population_item(self) -> Item | None:
        """The item holding the residents (``prefill: population``): it sets the population band."""
        return next((i for i in self.items if i.prefill == "population"), None)

    @property
    def decimal_items(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.type == "decimal")

    @property
    def numeric_items(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.numeric)

    @property
    def services_item(self) -> Item | None:
        return next((i for i in self.items if i.type == "services"), None)

    @property
    def label(self) -> str:
        return f"{self.edition.form} {self.edition.year} (spec {self.edition.spec_version})"
