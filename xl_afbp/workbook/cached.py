"""Cached values of a generated form's formulas: what a previewer shows.

A formula cell of an .xlsx file stores its formula and its last result (``<v>``). openpyxl
writes no result, so mail previews, phone apps and file managers, which do not calculate,
showed blank statuses and indicators. Every formula cell the form writer places has a
Python *twin* (the engine's evaluator for named results, the same spec expression for
display cells); :mod:`.template` evaluates the twins on what the form holds (the
library's prefilled data, last year's values, the group medians) and writes the results.

Excel recalculates the whole workbook on open anyway (``fullCalcOnLoad``); LibreOffice
keeps results that a file carries and recalculates what the user changes: the cached
values equal what either computes, which the tests prove on both and on Gnumeric.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence
from xml.sax.saxutils import escape

from .. import names
from ..formdata import FormData

Twin = Callable[["CacheEnv"], Any]


@dataclass
class CacheEnv:
    """What the twins read: the form's inputs (the expression Env protocol), the engine's
    results by defined name and the group medians."""

    data: FormData
    computed: dict[str, Any]
    medians: dict[str, float] = field(default_factory=dict)

    def get(self, ref: str) -> Any:
        if ref in self.computed:
            return self.computed[ref]
        if ref.startswith(names.median("")):
            return self.medians.get(ref[len(names.median("")):])
        return self.data.get(ref)

    def k_row(self, address: str) -> Sequence[Any]:
        return self.data.k_row(address)

    def units_with_data(self) -> int:
        return self.data.units_with_data()

    def branches_with_data(self) -> int:
        return self.data.branches_with_data()


def cached_value_xml(value: Any) -> tuple[str, str]:
    """(type attribute, ``<v>`` content) of a formula's result as Excel writes it: numbers
    untyped, text ``t="str"`` (an empty result is an empty text), TRUE/FALSE ``t="b"``."""
    if value is None:
        return ' t="str"', ""
    if isinstance(value, bool):
        return ' t="b"', str(int(value))
    if isinstance(value, (int, float)):
        f = float(value)
        if not math.isfinite(f):
            return ' t="e"', "#NUM!"
        return "", repr(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)
    return ' t="str"', escape(str(value))


def excel_text(value: Any) -> str:
    """A value joined into text with ``&``, as a Polish Excel shows it (General format)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "PRAWDA" if value else "FAŁSZ"
    if isinstance(value, (int, float)):
        f = float(value)
        if f.is_integer() and abs(f) < 1e15:
            return str(int(f))
        return f"{f:.10g}".replace(".", ",")
    return str(value)


def compared_values_twin(parts: list[tuple[str, str]]) -> Twin:
    """The twin of a "compared values" text: ``label = value; …`` for (label, spec ref)."""

    def twin(env: CacheEnv) -> str:
        return "; ".join(f"{label} = {excel_text(env.get(ref))}" for label, ref in parts)

    return twin


def name_twin(name: str) -> Twin:
    """A cell showing the engine's result ``name``."""
    return lambda env: env.computed.get(name)


_CACHED = re.compile(r'(<c r="[A-Z]+[0-9]+")((?: [a-z]+="[^"]*")*)>(<f(?: [^>]*)?>.*?</f>|<f(?: [^>]*)?/>)<v>[^<]*</v></c>', re.S)


def strip_cached_values(sheet_xml: str) -> str:
    """A sheet's XML with every formula's result removed, as openpyxl saves it.

    What a tool that types inputs into a generated form without recalculating must do:
    the results cached at generation would no longer match the inputs (and the reader
    rightly reports such files as possibly tampered with).
    """

    def drop(m: re.Match) -> str:
        attrs = re.sub(r' t="[^"]*"', "", m.group(2))
        return f"{m.group(1)}{attrs}>{m.group(3)}<v /></c>"

    return _CACHED.sub(drop, sheet_xml)
