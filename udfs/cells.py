"""What one cell or one range argument holds, as every xlwings runtime passes it.

Classic xlwings passes a single cell as a scalar, a row or column as a list (a list of
lists with ``ndim=2``), a 2-D range as a list of lists; Office.js (Lite, Server) sends every
argument as a 2-D matrix that xlwings unwraps to a scalar when it is 1 × 1. Empty cells
arrive as ``None`` (``""`` in Office.js), error cells as ``None``, error objects or texts
such as ``"#N/A"``. These helpers turn all of that into what the engine reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import AfbpError


def value(v: Any) -> Any:
    """One input cell as the engine reads it: number, "#", text or None (no value)."""
    t = type(v)
    if t is float or t is int:
        return v
    if v is None:
        return None
    if t is str:
        s = v.strip()
        if not s:
            return None
        if s[0] == "#":  # "#" = not measured; "#N/A", "#DIV/0!" … = Excel errors
            return "#" if s == "#" else None
        return s
    if t is bool:
        return v  # kept: the engine never reads TRUE/FALSE as a number
    if isinstance(v, (int, float)):  # numpy scalars and other number subclasses
        return float(v)
    return None  # error objects (Office.js), dates, JsNull …


def yes_no(v: Any) -> Any:
    """A service answer: TAK/NIE in any case, TRUE/FALSE as TAK/NIE."""
    v = value(v)
    if isinstance(v, str):
        up = v.upper()
        return up if up in ("TAK", "NIE") else v
    if v is True:
        return "TAK"
    if v is False:
        return "NIE"
    return v


def flag(v: Any) -> bool:
    """A TRUE/FALSE argument: TRUE, 1, "TAK", "PRAWDA", "TRUE" are true; empty is false."""
    v = value(v)
    if isinstance(v, str):
        return v.upper() in ("TAK", "PRAWDA", "TRUE", "T", "1")
    return bool(v)


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def is_range(x: Any) -> bool:
    return isinstance(x, (list, tuple))


@dataclass(frozen=True)
class Range:
    """A range argument: its rows, all its cells row by row, and whether it came 2-D."""

    grid: list[list]
    cells: list
    two_d: bool

    @property
    def rows(self) -> int:
        return len(self.grid)

    @property
    def cols(self) -> int:
        return len(self.grid[0]) if self.grid else 0

    @property
    def is_line(self) -> bool:
        """A single row or column (or a 1-D list)."""
        return not self.two_d or self.rows == 1 or self.cols == 1

    def row(self, i: int) -> list:
        return self.grid[i]


def shape(x: Any) -> Range:
    """A range value → :class:`Range`; a scalar is a 1 × 1 range."""
    if is_range(x):
        if x and is_range(x[0]):
            cols = len(x[0])
            for r in x:
                if not is_range(r) or len(r) != cols:
                    raise AfbpError("zakres musi być prostokątem (wiersze o równej liczbie komórek)")
            grid = [list(r) for r in x]
            return Range(grid, [v for r in grid for v in r], True)
        return Range([list(x)], list(x), False)
    return Range([[x]], [x], False)


def cells_word(n: int) -> str:
    """Polish plural of "komórka" after a number."""
    if n == 1:
        return "komórka"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return "komórki"
    return "komórek"


def show(v: Any) -> str:
    """A cell value quoted in a message, cut to 30 characters."""
    text = str(v)
    return text if len(text) <= 30 else text[:27] + "…"
