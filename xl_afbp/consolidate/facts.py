"""What the consolidator needs to know about the compiled spec, computed once per engine."""

from __future__ import annotations
from typing import Any

from ..engine import Engine
from ..expr.ast import Group, refs, walk
from ..expr.pyeval import as_number
from ..spec.expand import rule_expressions
from ..spelling import ITEM, SERVICE, parse_ref
from ..workbook.form import population_band
from .records import NO_SUBTYPE, _norm_name, _text


def items_read(refs: list[str]) -> tuple[int, ...]:
    """This year's items among spec references (``P21_05`` is item 21; ``PREV4`` and basic
    data are not), sorted."""
    keys = (parse_ref(r) for r in refs)
    return tuple(sorted({k.nr for k in keys if k is not None and k.kind in (ITEM, SERVICE)}))


def _inputs(node) -> list[str]:
    """The references of an expression, the services item (``count_yes(P21)``) included."""
    return refs(node) + [n.name for n in walk(node) if isinstance(n, Group)]


# =============================================================================== engine facts
class _Facts:
    """What the consolidator needs to know about the compiled spec, computed once."""

    def __init__(self, engine: Engine):
        spec = engine.spec
        self.engine = engine
        self.spec = spec
        self.items = sorted(spec.items, key=lambda i: i.nr)
        self.numeric = [i for i in self.items if i.numeric]
        self.additive = [i for i in self.numeric if i.additive]
        self.svc = spec.services_item
        self.codes = [i.code for i in spec.indicators]
        self.podtypy = spec.subtypes
        self._podtyp_keys: dict[str, str] = {}  # normalised spelling → the spec's (the first, as the list reads)
        for p in self.podtypy:
            self._podtyp_keys.setdefault(_norm_name(p), p)
        self.population_nr = spec.population_item.nr if spec.population_item else None
        self.bands = [b.label for b in spec.bands]
        self.key_indicators = [c for c in spec.key_indicators if c in self.codes]
        #: the inputs each rule (per item for per-item rules) reads, from its expression tree
        self.rule_refs: dict[tuple[str, int | None], list[str]] = {
            (rule.id, nr): refs(engine.parse(text)) for rule in spec.rules for nr, text in rule_expressions(spec, rule)
        }
        self.aggregate_note = {i.code: spec.aggregate_note(i.code) for i in spec.indicators}
        #: the items each indicator reads: a flagged value of one leaves the indicator out
        self.indicator_items: dict[str, tuple[int, ...]] = {i.code: items_read(_inputs(engine.parse(i.formula))) for i in spec.indicators}
        self.indicators = {i.code: i for i in spec.indicators}
        #: the services item's value in the tables: the number of TAK, none unless all answered
        self.count_yes = engine.compile(f"count_yes({self.svc.ref})") if self.svc else None

    def item_ref(self, nr: int) -> str:
        """How an expression names item ``nr`` (``P4``)."""
        return self.spec.item(nr).ref

    def band(self, population: Any, fallback: Any = "") -> str:
        p = as_number(population)
        if p is not None:
            label = population_band(self.spec, int(p))
            if label:
                return label
        return _text(fallback)

    def podtyp(self, *values: Any) -> str:
        """The first given subtype, spelled as in the spec's list (case and spaces ignored)."""
        for v in values:
            text = _text(v)
            if text:
                return self._podtyp_keys.get(_norm_name(text), text)
        return NO_SUBTYPE

    def order_podtyp(self, p: str) -> tuple[int, str]:
        return (self.podtypy.index(p) if p in self.podtypy else len(self.podtypy), p)

    def order_band(self, b: str) -> tuple[int, str]:
        return (self.bands.index(b) if b in self.bands else len(self.bands), b)


_FACTS: dict[int, _Facts] = {}


def _facts(engine: Engine) -> _Facts:
    key = id(engine)
    if key not in _FACTS:
        _FACTS[key] = _Facts(engine)
    return _FACTS[key]
