"""Every spelling of an item reference, parsed and formatted in one place.

People and programs write the same input in many ways: the spec says ``P4`` and
``P21_01``, the consolidator's table heads its columns ``P04`` and ``P21_01``, the
workbook's defined names are ``P_04`` and ``P_21_01``, a librarian types ``poz. 4`` or
``poz. 21.1``, last year's value is ``PREV04`` or ``PREV_04`` and basic data ``B_NAZWA``.
This module turns any of these into one :class:`ItemKey` and back into each spelling, so
that the UDF headers, the input-file parser, :class:`~xl_afbp.formdata.FormData` and the
spec vocabulary agree on what a name means.

Parsing is purely syntactic: whether item 35 or service 13 exists is for the spec to say.
Pure and stdlib-only (the function runtime imports it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

ITEM, SERVICE, PREVIOUS, BASIC = "item", "service", "previous", "basic"

# Any user spelling: P4, p04, P_04, "P 4", "poz. 4", "poz.4", "Pozycja 4"; a service adds
# "_01", ".1" or "_1" (P21_01, P_21_01, "poz. 21.1"); PREV4, PREV_04 for last year's value.
_USER = re.compile(
    r"^(?:(?P<prev>PREV)|P|POZ\.?|POZYCJA)\s*_?\s*0*(?P<nr>\d{1,3})(?:\s*[._]\s*0*(?P<sub>\d{1,3}))?$",
    re.IGNORECASE,
)
_BASIC = re.compile(r"^B_(?P<field>[A-Z0-9_]+)$", re.IGNORECASE)
# The spec's references (the expression language and FormData): upper case, no spaces.
_CANONICAL = re.compile(r"^(?:(?P<prev>PREV)|P)(?P<nr>\d+)(?:_(?P<sub>\d+))?$")


@dataclass(frozen=True)
class ItemKey:
    """One input of the form: an item, a service of the services item, last year's value
    of an item, or a basic-data field."""

    kind: str
    nr: int = 0  # the item (for a service: the item holding the services)
    sub: int = 0  # the service number
    field: str = ""  # the basic-data field, upper case

    @property
    def ref(self) -> str:
        """The spec's name: ``P4``, ``P21_01``, ``PREV4``, ``B_NAZWA``."""
        return self._format(0)

    @property
    def header(self) -> str:
        """The column header of tables and input files: ``P04``, ``P21_01``, ``PREV04``."""
        return self._format(1)

    @property
    def label(self) -> str:
        """How the printed form names it, in Polish: ``poz. 4``, ``poz. 21.1``."""
        return self._format(2)

    def _format(self, which: int) -> str:
        return _FORMATS[self.kind][which].format(nr=self.nr, sub=self.sub, field=self.field)


#: kind → (spec reference, table header, Polish label)
_FORMATS = {
    ITEM: ("P{nr}", "P{nr:02d}", "poz. {nr}"),
    SERVICE: ("P{nr}_{sub:02d}", "P{nr:02d}_{sub:02d}", "poz. {nr}.{sub}"),
    PREVIOUS: ("PREV{nr}", "PREV{nr:02d}", "poz. {nr} (poprzedni rok)"),
    BASIC: ("B_{field}", "B_{field}", "B_{field}"),
}


def item(nr: int) -> ItemKey:
    return ItemKey(ITEM, nr)


def service(nr: int, sub: int) -> ItemKey:
    return ItemKey(SERVICE, nr, sub)


def previous(nr: int) -> ItemKey:
    return ItemKey(PREVIOUS, nr)


def basic(field: str) -> ItemKey:
    return ItemKey(BASIC, field=field.upper())


@lru_cache(maxsize=4096)
def parse(text: str) -> ItemKey | None:
    """Any spelling a person or a table may use → the key, or None when it names no input.

    Case, spaces and leading zeros do not matter. Only text is a spelling: a number in a
    header cell is data, not a name (the callers decide what a bare number means).
    """
    if not isinstance(text, str):
        return None
    s = text.strip()
    if m := _USER.match(s):
        return _numbered(m)
    if m := _BASIC.match(s):
        return basic(m.group("field"))
    return None


@lru_cache(maxsize=4096)
def parse_ref(ref: str) -> ItemKey | None:
    """The spec's own names only (``P4``, ``P21_01``, ``PREV4``, ``B_NAZWA``): strict, for
    code that reads references the spec wrote (a hot path: cached)."""
    if m := _CANONICAL.match(ref):
        return _numbered(m)
    if ref.startswith("B_") and len(ref) > 2:
        return basic(ref[2:])
    return None


def _numbered(m: re.Match) -> ItemKey | None:
    """The key of a matched item, service or last-year spelling; number 0 names nothing,
    and last year's value has no services."""
    nr, sub = int(m.group("nr")), m.group("sub")
    if nr == 0 or (sub is not None and (m.group("prev") or int(sub) == 0)):
        return None
    if m.group("prev"):
        return previous(nr)
    return item(nr) if sub is None else service(nr, int(sub))


__all__ = ["BASIC", "ITEM", "ItemKey", "PREVIOUS", "SERVICE", "basic", "item", "parse", "parse_ref", "previous", "service"]
