"""The raw inputs of one form, as the Python evaluator reads them.

Values are kept as typed: a number, the text ``"#"``, other text, or ``None`` for an
empty cell. Nothing here converts or guesses; readers at the edges (JSON/CSV files,
returned workbooks, UDF arguments) decide how their cells become these values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Sequence

from . import spelling


@lru_cache(maxsize=4096)
def _locate(ref: str) -> tuple[str, Any]:
    """Spec reference → (FormData field, key), parsed once per reference (a hot path)."""
    key = spelling.parse_ref(ref)
    if key is None:
        raise KeyError(ref)
    if key.kind == spelling.SERVICE:
        return "services", key.sub
    if key.kind == spelling.BASIC:
        return "basic", key.field
    return ("previous" if key.kind == spelling.PREVIOUS else "items"), key.nr


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
