"""The names an expression may use in one edition, and the renderers' context and words."""

from __future__ import annotations


from .. import names
from ..expr.ast import Group, KRef, Node, Ref
from ..expr.context import Context, ItemRule
from ..expr.parse import Resolver
from ..expr.words import WordsRenderer
from .. import spelling
from .model import Spec


def resolver(spec: Spec) -> Resolver:
    items = {i.nr: i for i in spec.items}
    services = {s.nr for s in spec.services}
    basic = {b.key for b in spec.basic}
    cells = {c.address for c in spec.k03_cells}

    def resolve(name: str) -> Node | None:
        key = spelling.parse_ref(name)
        if key is None or key.kind == spelling.BASIC:
            if name.startswith("B_") and name[2:] in basic:
                return Ref(name, "text")
            return KRef(name) if name in cells else None
        it = items.get(key.nr)
        if it is None:
            return None
        if key.kind == spelling.ITEM:
            return Group(key.ref) if it.type == "services" else Ref(key.ref, "number")
        if key.kind == spelling.SERVICE:
            ok = it.type == "services" and key.sub in services
            return Ref(key.ref, "text") if ok else None
        return Ref(key.ref, "number") if it.numeric else None  # last year's value

    return resolve


def comparison_resolver(spec: Spec) -> Resolver:
    """The names of ``comparisons`` expressions: every name of :func:`resolver`, and an
    indicator's value ``IND_<code>`` and its group median ``MEDIAN_<code>`` (only here: an
    indicator or a rule never reads another indicator)."""
    base = resolver(spec)
    codes = {i.code for i in spec.indicators}

    def resolve(name: str) -> Node | None:
        for prefix in (names.indicator(""), names.median("")):
            if name.startswith(prefix) and name[len(prefix):] in codes:
                return Ref(name, "number")
        return base(name)

    return resolve


def context(spec: Spec) -> Context:
    svc = spec.services_item
    return Context(
        items={
            i.nr: ItemRule(min=i.min, max=i.max, decimals=int(i.decimals or 0), hash=bool(i.hash))
            for i in spec.items
            if i.numeric
        },
        bands=spec.bands,
        services_item=svc.nr if svc else 0,
        services_count=len(spec.services),
        places=_places,
    )


def words(spec: Spec) -> WordsRenderer:
    """The formula-in-words renderer of an edition: each input by its short label and
    number, as the printed form names it (``wypożyczenia (poz. 16)``)."""
    items = {i.nr: i for i in spec.items}
    services = {s.nr: s for s in spec.services}
    basic = {b.key: b for b in spec.basic}

    def name(ref: str) -> str:
        key = spelling.parse_ref(ref)
        if key is None:
            return ref
        if key.kind == spelling.BASIC:
            return basic[key.field].label if key.field in basic else ref
        if key.kind == spelling.SERVICE:
            return f"{services[key.sub].label} ({key.label})"
        when = " w poprzednim roku" if key.kind == spelling.PREVIOUS else ""
        return f"{items[key.nr].short}{when} ({spelling.item(key.nr).label})"

    def group(ref: str) -> str:
        key = spelling.parse_ref(ref)
        return f"{items[key.nr].short}, {key.label}" if key is not None else ref

    return WordsRenderer(name, group)


def _places():
    """The shipped TERYT register's keys (loaded once, on the first ``teryt_ok()``)."""
    from ..teryt import places

    return places()
