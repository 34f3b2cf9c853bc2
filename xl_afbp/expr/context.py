"""What the renderers need to know about the spec, and nothing more.

Kept apart from the spec model so that the expression package has no dependency on how
specs are loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Mapping

from .. import names
from ..spec.model import Band  # a population band is the same thing to the spec and the renderers

_ITEM = re.compile(r"^P(\d+)$")
_SERVICE = re.compile(r"^P(\d+)_(\d+)$")
_PREV = re.compile(r"^PREV(\d+)$")


@dataclass(frozen=True)
class ItemRule:
    """The checks ``valid(Pn)`` applies to one item."""

    min: float | None
    max: float | None
    decimals: int
    hash: bool


#: ``valid(Pn)`` accepts a value whose scaled form (x · 10^decimals) lies this close to a
#: whole number: typed decimals are binary doubles (76.35 · 100 = 7634.999…), and engines
#: round differently near .5 (Gnumeric's ROUND(76.35, 2) is 76.35 + 1e-14), so an exact
#: ``ROUND(x, n) = x`` would make LibreOffice, Gnumeric, ``formulas`` and Python disagree.
DECIMALS_TOLERANCE = 1e-4


@dataclass(frozen=True)
class Places:
    """The TERYT register as ``teryt_ok()`` searches it, one text per województwo (lower
    case): ``|powiat>gmina=code|powiat>gmina=code|…|``. Python searches these texts; the
    workbook holds the same 16 texts in a hidden list and Excel searches them with FIND, so
    both answer alike for any input (a few cells, not thousands, to look through)."""

    units: Mapping[str, str]  # województwo (lower case) → its units text


@dataclass(frozen=True)
class Context:
    items: dict[int, ItemRule] = field(default_factory=dict)
    bands: tuple[Band, ...] = ()
    services_item: int = 21
    services_count: int = 12
    places: Callable[[], Places] | None = None  # loaded on first use: most forms never ask


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
