"""The names an expression may use in one edition, and the renderers' context."""

from __future__ import annotations

import re

from ..expr.ast import Group, KRef, Node, Ref
from ..expr.context import Context, ItemRule
from ..expr.parse import Resolver
from .model import Spec

_ITEM = re.compile(r"^P(\d+)$")
_SERVICE = re.compile(r"^P(\d+)_(\d+)$")
_PREV = re.compile(r"^PREV(\d+)$")


def resolver(spec: Spec) -> Resolver:
    items = {i.nr: i for i in spec.items}
    services = {s.nr for s in spec.services}
    basic = {b.key for b in spec.basic}
    cells = {c.address for c in spec.k03_cells}

    def resolve(name: str) -> Node | None:
        if m := _ITEM.match(name):
            it = items.get(int(m.group(1)))
            if it is None:
                return None
            if it.type == "services":
                return Group(f"P{it.nr}")
            return Ref(f"P{it.nr}", "number")
        if m := _SERVICE.match(name):
            it = items.get(int(m.group(1)))
            if it is None or it.type != "services" or int(m.group(2)) not in services:
                return None
            return Ref(f"P{it.nr}_{int(m.group(2)):02d}", "text")
        if m := _PREV.match(name):
            it = items.get(int(m.group(1)))
            return Ref(f"PREV{it.nr}", "number") if it is not None and it.numeric else None
        if name.startswith("B_") and name[2:] in basic:
            return Ref(name, "text")
        if name in cells:
            return KRef(name)
        return None

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


def _places():
    """The shipped TERYT register's keys (loaded once, on the first ``teryt_ok()``)."""
    from ..teryt import places

    return places()
