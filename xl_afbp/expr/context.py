"""What the renderers need to know about the spec, and nothing more.

Kept apart from the spec model so that the expression package has no dependency on how
specs are loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

from .. import names

_ITEM = re.compile(r"^P(\d+)$")
_SERVICE = re.compile(r"^P(\d+)_(\d+)$")
_PREV = re.compile(r"^PREV(\d+)$")


class Band(Protocol):
    """A population band as ``in_band`` needs it (the spec's bands have this shape): the
    expression package knows nothing of specs, the spec's lint parses expressions."""

    label: str
    min: int | None
    max: int | None


@dataclass(frozen=True)
class ItemRule:
    """The checks ``valid(Pn)`` applies to one item."""

    min: float | None
    max: float | None
    decimals: int
    hash: bool


@dataclass(frozen=True)
class Context:
    items: dict[int, ItemRule] = field(default_factory=dict)
    bands: tuple[Band, ...] = ()
    services_item: int = 21
    services_count: int = 12


def excel_name(ref: str) -> str:
    """Spec reference (``P4``, ``P21_01``, ``PREV4``, ``B_WWW``) → defined name."""
    if m := _ITEM.match(ref):
        return names.item(int(m.group(1)))
    if m := _SERVICE.match(ref):
        return names.service(int(m.group(2)), int(m.group(1)))
    if m := _PREV.match(ref):
        return names.previous(int(m.group(1)))
    return ref  # B_<FIELD> is already the defined name


def item_number(ref: str) -> int | None:
    m = _ITEM.match(ref)
    return int(m.group(1)) if m else None
