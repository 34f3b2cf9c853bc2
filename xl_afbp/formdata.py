"""The raw inputs of one form, as the Python evaluator reads them.

Values are kept as typed: a number, the text ``"#"``, other text, or ``None`` for an
empty cell. Nothing here converts or guesses; readers at the edges (JSON/CSV files,
returned workbooks, UDF arguments) decide how their cells become these values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Sequence

_ITEM = re.compile(r"^P(\d+)$")
_SERVICE = re.compile(r"^P(\d+)_(\d+)$")
_PREV = re.compile(r"^PREV(\d+)$")


@lru_cache(maxsize=4096)
def _locate(ref: str) -> tuple[str, Any]:
    """Spec reference → (FormData field, key), parsed once per reference (a hot path)."""
    if m := _ITEM.match(ref):
        return "items", int(m.group(1))
    if m := _SERVICE.match(ref):
        return "services", int(m.group(2))
    if m := _PREV.match(ref):
        return "previous", int(m.group(1))
    if ref.startswith("B_"):
        return "basic", ref[2:]
    raise KeyError(ref)


@dataclass
class FormData:
    items: dict[int, Any] = field(default_factory=dict)
    services: dict[int, Any] = field(default_factory=dict)
    basic: dict[str, Any] = field(default_factory=dict)
    previous: dict[int, Any] = field(default_factory=dict)
    k03: dict[str, Sequence[Any]] = field(default_factory=dict)

    # -- the Env protocol of xl_afbp.expr.pyeval ---------------------------------------
    def get(self, ref: str) -> Any:
        field_name, key = _locate(ref)
        return getattr(self, field_name).get(key)

    def k_row(self, address: str) -> Sequence[Any]:
        return self.k03.get(address, ())

    def _filled_units(self) -> set[int]:
        return {u for row in self.k03.values() for u, v in enumerate(row) if v is not None and v != ""}

    def units_with_data(self) -> int:
        return len(self._filled_units())

    def branches_with_data(self) -> int:
        return len(self._filled_units() - {0})
