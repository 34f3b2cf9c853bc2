"""The closed expression language of the spec: node types.

Indicators, rules and K-03 cross-checks are written once in this language (see
``docs/spec.md``) and rendered twice: to a native Excel formula (:mod:`.excel`) and to a
Python evaluator (:mod:`.pyeval`). Both renderers share one semantics:

* an expression has **no value** (``None`` in Python, ``""`` in Excel) when any input it
  needs is empty, ``#`` or not of the expected kind, or when any divisor is 0;
* only the functions of :data:`FUNCTIONS` exist; each is defined in both renderers.

Reference kinds are decided by the resolver (:mod:`.parse`), so every node knows whether
it is numeric, text or boolean.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

RefKind = Literal["number", "text"]


@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Str:
    value: str


@dataclass(frozen=True)
class Ref:
    """A single input cell: ``P4``, ``P21_01``, ``PREV4`` or ``B_PODTYP``."""

    name: str  # canonical spec name, e.g. "P4", "P21_01", "PREV4", "B_WWW"
    kind: RefKind


@dataclass(frozen=True)
class KRef:
    """A K-03 row across all units, e.g. ``D4.W1.R5``; only valid inside k-functions."""

    address: str


@dataclass(frozen=True)
class Group:
    """All 12 services of item 21 (``P21``); only valid inside ``count_yes``."""

    name: str


@dataclass(frozen=True)
class Neg:
    arg: "Node"


@dataclass(frozen=True)
class Not:
    arg: "Node"


@dataclass(frozen=True)
class Bin:
    op: Literal["+", "-", "*", "/"]
    left: "Node"
    right: "Node"


@dataclass(frozen=True)
class Cmp:
    op: Literal["<", "<=", ">", ">=", "=", "<>"]
    left: "Node"
    right: "Node"


@dataclass(frozen=True)
class Logic:
    op: Literal["and", "or"]
    args: tuple["Node", ...]


@dataclass(frozen=True)
class Call:
    fn: str
    args: tuple["Node", ...]


Node = Num | Str | Ref | KRef | Group | Neg | Not | Bin | Cmp | Logic | Call

#: Function name -> (min args, max args or None, one-line meaning). Both renderers must
#: implement every entry; ``tests/test_expr.py`` checks that they do.
FUNCTIONS: dict[str, tuple[int, int | None, str]] = {
    "abs": (1, 1, "absolute value"),
    "implies": (2, 2, "if the first is true the second must be; only at the top of a rule"),
    "blank": (1, 1, "the cell is empty (never 'no value')"),
    "hash": (1, 1, "the cell holds '#' (never 'no value')"),
    "yes": (1, 1, "a TAK/NIE cell is TAK; no value unless TAK or NIE"),
    "startswith": (2, 2, "text starts with a literal, case-insensitive"),
    "in_band": (2, 2, "a number lies in the named population band"),
    "valid": (1, 1, "an item value obeys its type, bounds and decimals (or is an allowed '#')"),
    "zero": (1, 1, "the cell holds the number 0 ('#' or text: false; no value only when empty)"),
    "count_yes": (1, None, "number of TAK among services (the services item = all of them); no value unless all answered"),
    "ksum": (1, None, "sum of K-03 rows over all units; no value when all are empty"),
    "kmax": (1, None, "largest unit value of K-03 rows; no value when all are empty"),
    "kany": (1, None, "some unit answered TAK in any of the K-03 rows; no value when none answered"),
    "kdot": (2, None, "sum over units of first row x each other row; no value when empty"),
    "first": (2, None, "the first argument whose value is not 0; else the first that has a value"),
    "teryt_ok": (2, 4, "województwo, powiat[, gmina[, TERYT code]] agree with the TERYT register"),
}

#: Functions whose result is boolean.
BOOLEAN_FUNCTIONS = {"implies", "blank", "hash", "yes", "startswith", "in_band", "valid", "zero", "kany", "teryt_ok"}
#: Functions that take K-03 rows.
K_FUNCTIONS = {"ksum", "kmax", "kany", "kdot"}


def walk(node: Node):
    """Yield the node and all its descendants, parents first."""
    yield node
    for child in children(node):
        yield from walk(child)


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, (Neg, Not)):
        return (node.arg,)
    if isinstance(node, (Bin, Cmp)):
        return (node.left, node.right)
    if isinstance(node, (Logic, Call)):
        return node.args
    return ()


def is_boolean(node: Node) -> bool:
    """True when the node yields TRUE/FALSE rather than a number or text."""
    if isinstance(node, (Cmp, Logic, Not)):
        return True
    return isinstance(node, Call) and node.fn in BOOLEAN_FUNCTIONS


def refs(node: Node) -> list[str]:
    """Names of all scalar input references, in first-use order."""
    out: list[str] = []
    for n in walk(node):
        if isinstance(n, Ref) and n.name not in out:
            out.append(n.name)
    return out


def k_addresses(node: Node) -> list[str]:
    out: list[str] = []
    for n in walk(node):
        if isinstance(n, KRef) and n.address not in out:
            out.append(n.address)
    return out
