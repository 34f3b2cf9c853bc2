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
BASIC_TYPES = ("text", "list", "yesno", "teryt", "band", "fixed", "email", "url")
TERYT_LEVELS = ("wojewodztwo", "powiat", "gmina", "miejscowosc")
K03_TYPES = ("whole", "decimal", "percent", "yesno")
K03_KINDS = ("equal", "at_most", "at_least", "between", "approx", "match", "info")
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
    form: str
    year: int
    spec_version: str
    title: str
    catalogue: str


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
    group: str = "logic"  # "basic" for B1-B4, "logic" for L1-L12
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
class K03Cell:
    address: str
    label: str
    type: str
    decimals: int = 0
    loc: Location | None = field(default=None, compare=False, repr=False)


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

    @property
    def numeric_items(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.numeric)

    @property
    def services_item(self) -> Item | None:
        return next((i for i in self.items if i.type == "services"), None)

    @property
    def label(self) -> str:
        return f"{self.edition.form} {self.edition.year} (spec {self.edition.spec_version})"
