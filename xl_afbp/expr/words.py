"""Render expressions as a formula in words, for people: ``wypożyczenia (poz. 16) / mieszkańcy (poz. 1)``.

The third renderer of the expression tree, next to :mod:`.excel` (native formulas) and
:mod:`.pyeval` (Python closures). Names come from the caller (the spec's short labels), so
this module knows no edition. Parentheses are written where precedence needs them and
nowhere else, so the text reads like the spec's formula: ``P1 / (P13 + 1)`` becomes
``mieszkańcy (poz. 1) / (filie (poz. 13) + 1)``; ``*`` is written ``×`` and decimals take
a comma, as in Polish print.
"""

from __future__ import annotations

from typing import Callable

from .ast import Bin, Call, Cmp, Group, KRef, Logic, Neg, Node, Not, Num, Ref, Str

#: How each operator is written.
_OPS = {"+": "+", "-": "-", "*": "×", "/": "/", "<": "<", "<=": "≤", ">": ">", ">=": "≥", "=": "=", "<>": "≠"}
_LOGIC = {"and": "i", "or": "lub"}
# Binding strength: a child binding less tightly than its parent gets parentheses.
_LOGIC_LEVEL, _NOT_LEVEL, _CMP_LEVEL = 1, 2, 3
_BIN_LEVEL = {"+": 4, "-": 4, "*": 5, "/": 5}
_UNARY_LEVEL, _ATOM_LEVEL = 6, 7

Namer = Callable[[str], str]


def number_words(value: float) -> str:
    """A number as printed in Polish: ``1000``, ``0,05``."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value)).replace(".", ",")


class WordsRenderer:
    """Turns checked AST nodes into Polish text.

    ``name(ref)`` words an input (``P16`` → ``wypożyczenia (poz. 16)``), ``group(ref)`` the
    services group inside ``count_yes`` (``P21`` → ``usługi sieciowe, poz. 21``).
    """

    def __init__(self, name: Namer, group: Namer):
        self.name, self.group = name, group

    def render(self, node: Node) -> str:
        return self._text(node)[0]

    # ------------------------------------------------------------------ dispatch
    def _text(self, node: Node) -> tuple[str, int]:
        """(text, binding level) of a node."""
        if isinstance(node, Num):
            return number_words(node.value), _ATOM_LEVEL
        if isinstance(node, Str):
            return f"„{node.value}”", _ATOM_LEVEL
        if isinstance(node, Ref):
            return self.name(node.name), _ATOM_LEVEL
        if isinstance(node, Group):
            return self.group(node.name), _ATOM_LEVEL
        if isinstance(node, KRef):
            return node.address, _ATOM_LEVEL
        if isinstance(node, Neg):
            return "-" + self._operand(node.arg, _UNARY_LEVEL, strict=False), _UNARY_LEVEL
        if isinstance(node, Not):
            return "nie " + self._operand(node.arg, _NOT_LEVEL, strict=False), _NOT_LEVEL
        if isinstance(node, Bin):
            return self._infix(node.left, _OPS[node.op], node.right, _BIN_LEVEL[node.op]), _BIN_LEVEL[node.op]
        if isinstance(node, Cmp):
            return self._infix(node.left, _OPS[node.op], node.right, _CMP_LEVEL), _CMP_LEVEL
        if isinstance(node, Logic):
            joiner = f" {_LOGIC[node.op]} "
            return joiner.join(self._operand(a, _LOGIC_LEVEL + 1, strict=False) for a in node.args), _LOGIC_LEVEL
        if isinstance(node, Call):
            return self._call(node), _ATOM_LEVEL
        raise TypeError(f"{type(node).__name__} cannot be put in words")

    def _infix(self, left: Node, op: str, right: Node, level: int) -> str:
        # Left-associative: the right operand needs parentheses already at the same level
        # (a - (b - c), a / (b * c)), the left one only below it.
        return f"{self._operand(left, level, strict=False)} {op} {self._operand(right, level, strict=True)}"

    def _operand(self, node: Node, level: int, *, strict: bool) -> str:
        text, own = self._text(node)
        needs = own <= level if strict else own < level
        return f"({text})" if needs else text

    def _call(self, node: Call) -> str:
        args = node.args
        if node.fn == "count_yes":
            inner = ", ".join(self._text(a)[0] for a in args)
            return f"liczba usług „TAK” ({inner})"
        if node.fn == "abs":
            return f"|{self._text(args[0])[0]}|"
        return f"{node.fn}({', '.join(self._text(a)[0] for a in args)})"


__all__ = ["WordsRenderer", "number_words"]
