"""What the renderers need to know about the spec, and nothing more.

Kept apart from the spec model so that the expression package has no dependency on how
specs are loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping, Protocol

from .. import names
from .. import spelling


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
    key = spelling.parse_ref(ref)
    if key is None or key.kind == spelling.BASIC:
        return ref  # B_<FIELD> is already the defined name
    if key.kind == spelling.SERVICE:
        return names.service(key.sub, key.nr)
    return names.previous(key.nr) if key.kind == spelling.PREVIOUS else names.item(key.nr)


def item_number(ref: str) -> int | None:
    key = spelling.parse_ref(ref)
    return key.nr if key is not None and key.kind == spelling.ITEM else None
