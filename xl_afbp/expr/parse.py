"""Parser of the spec expression language.

Grammar (lowest precedence first)::

    expr   := and ("or" and)*
    and    := not ("and" not)*
    not    := "not" not | cmp
    cmp    := sum (("<" | "<=" | ">" | ">=" | "=" | "<>") sum)?
    sum    := prod (("+" | "-") prod)*
    prod   := unary (("*" | "/") unary)*
    unary  := "-" unary | atom
    atom   := NUMBER | STRING | NAME "(" args ")" | NAME | "(" expr ")"

Names are resolved by a :class:`Vocabulary` built from the spec, so an unknown item or
K-03 address is an error at parse time, with its position in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from .ast import (
    FUNCTIONS,
    K_FUNCTIONS,
    Bin,
    Call,
    Cmp,
    Group,
    KRef,
    Logic,
    Neg,
    Node,
    Not,
    Num,
    Ref,
    Str,
    children,
    is_boolean,
)


class ExprError(ValueError):
    """An expression does not parse or does not make sense; ``pos`` is a 0-based offset."""

    def __init__(self, message: str, text: str, pos: int | None = None):
        self.message, self.text, self.pos = message, text, pos
        where = f" at character {pos + 1}" if pos is not None else ""
        super().__init__(f"{message}{where} in {text!r}")


Resolver = Callable[[str], Node | None]

_TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<num>\d+(?:\.\d+)?)"
    r"|(?P<str>\"[^\"]*\"|'[^']*')"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)"
    r"|(?P<op><=|>=|<>|[-+*/(),<>=])"
    r")"
)
_KEYWORDS = {"and", "or", "not"}


@dataclass
class _Tok:
    kind: str
    text: str
    pos: int


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i = 0
    while i < len(text):
        if text[i:].strip() == "":
            break
        m = _TOKEN.match(text, i)
        if not m or m.end() == i:
            raise ExprError("unexpected character", text, i + (len(text[i:]) - len(text[i:].lstrip())))
        kind = m.lastgroup or "op"
        tok_text = m.group(kind)
        toks.append(_Tok(kind, tok_text, m.start(kind)))
        i = m.end()
    toks.append(_Tok("end", "", len(text)))
    return toks


class _Parser:
    def __init__(self, text: str, resolve: Resolver):
        self.text, self.resolve = text, resolve
        self.toks = _tokenize(text)
        self.i = 0

    # -- token helpers -------------------------------------------------------------
    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def accept(self, *texts: str) -> _Tok | None:
        tok = self.peek()
        if tok.kind in ("op", "name") and tok.text in texts:
            return self.take()
        return None

    def expect(self, text: str) -> _Tok:
        tok = self.accept(text)
        if tok is None:
            got = self.peek()
            raise ExprError(f"expected {text!r}, found {got.text or 'end of text'!r}", self.text, got.pos)
        return tok

    # -- grammar -------------------------------------------------------------------
    def parse(self) -> Node:
        node = self.expr()
        tok = self.peek()
        if tok.kind != "end":
            raise ExprError(f"unexpected {tok.text!r}", self.text, tok.pos)
        return node

    def expr(self) -> Node:
        args = [self.and_()]
        while self.accept("or"):
            args.append(self.and_())
        return args[0] if len(args) == 1 else Logic("or", tuple(args))

    def and_(self) -> Node:
        args = [self.not_()]
        while self.accept("and"):
            args.append(self.not_())
        return args[0] if len(args) == 1 else Logic("and", tuple(args))

    def not_(self) -> Node:
        if self.accept("not"):
            return Not(self.not_())
        return self.cmp()

    def cmp(self) -> Node:
        left = self.sum_()
        tok = self.accept("<", "<=", ">", ">=", "=", "<>")
        if tok:
            return Cmp(tok.text, left, self.sum_())  # type: ignore[arg-type]
        return left

    def sum_(self) -> Node:
        node = self.prod()
        while tok := self.accept("+", "-"):
            node = Bin(tok.text, node, self.prod())  # type: ignore[arg-type]
        return node

    def prod(self) -> Node:
        node = self.unary()
        while tok := self.accept("*", "/"):
            node = Bin(tok.text, node, self.unary())  # type: ignore[arg-type]
        return node

    def unary(self) -> Node:
        if self.accept("-"):
            return Neg(self.unary())
        return self.atom()

    def atom(self) -> Node:
        tok = self.take()
        if tok.kind == "num":
            return Num(float(tok.text) if "." in tok.text else int(tok.text))
        if tok.kind == "str":
            return Str(tok.text[1:-1])
        if tok.kind == "op" and tok.text == "(":
            node = self.expr()
            self.expect(")")
            return node
        if tok.kind == "name" and tok.text not in _KEYWORDS:
            if self.accept("("):
                return self.call(tok)
            node = self.resolve(tok.text)
            if node is None:
                raise ExprError(f"unknown name {tok.text!r}", self.text, tok.pos)
            return node
        raise ExprError(f"unexpected {tok.text or 'end of text'!r}", self.text, tok.pos)

    def call(self, name_tok: _Tok) -> Node:
        fn = name_tok.text
        if fn not in FUNCTIONS:
            raise ExprError(f"unknown function {fn!r} (known: {', '.join(sorted(FUNCTIONS))})", self.text, name_tok.pos)
        args: list[Node] = []
        if not self.accept(")"):
            while True:
                args.append(self.expr())
                if self.accept(")"):
                    break
                self.expect(",")
        lo, hi, _ = FUNCTIONS[fn]
        if len(args) < lo or (hi is not None and len(args) > hi):
            want = f"{lo}" if lo == hi else f"{lo} to {hi if hi is not None else 'any'}"
            raise ExprError(f"{fn}() takes {want} arguments, got {len(args)}", self.text, name_tok.pos)
        return Call(fn, tuple(args))


def parse(text: str, resolve: Resolver) -> Node:
    """Parse and check an expression; raise :class:`ExprError` with a position on failure."""
    node = _Parser(text, resolve).parse()
    check(node, text)
    return node


# ---------------------------------------------------------------------------------------
# Static checks: kinds of operands and where special nodes may stand.
# ---------------------------------------------------------------------------------------
def kind_of(node: Node) -> str:
    """'number', 'text' or 'bool' (booleans add up as 0/1 in both renderers)."""
    if isinstance(node, Str):
        return "text"
    if isinstance(node, Ref):
        return node.kind
    if is_boolean(node):
        return "bool"
    if isinstance(node, Call) and node.fn == "first":
        return kind_of(node.args[0])
    return "number"


def check(node: Node, text: str, *, top: bool = True) -> None:
    """Reject expressions whose renderings could disagree or raise Excel errors."""
    if isinstance(node, Call):
        if node.fn == "implies" and not top:
            raise ExprError("implies() may only stand at the top of a rule", text)
        for arg in node.args:
            if isinstance(arg, KRef) and node.fn not in K_FUNCTIONS:
                raise ExprError(f"K-03 row {arg.address} used outside a K-03 function", text)
            if isinstance(arg, Group) and node.fn != "count_yes":
                raise ExprError(f"{arg.name} (all services) is only allowed in count_yes()", text)
            if not isinstance(arg, KRef) and node.fn in K_FUNCTIONS:
                raise ExprError(f"{node.fn}() takes K-03 rows (the addresses of k03_cells)", text)
        if node.fn in ("blank", "hash", "yes", "valid", "zero") and not isinstance(node.args[0], Ref):
            raise ExprError(f"{node.fn}() takes one input cell", text)
        if node.fn in ("valid", "zero") and node.args[0].kind != "number":  # type: ignore[union-attr]
            raise ExprError(f"{node.fn}() takes a numeric item", text)
        if node.fn == "count_yes" and not all(
            isinstance(a, Group) or (isinstance(a, Ref) and a.kind == "text") for a in node.args
        ):
            raise ExprError("count_yes() takes the services item or its service cells", text)
        if node.fn in ("startswith",) and not isinstance(node.args[1], Str):
            raise ExprError("startswith() needs a text literal as second argument", text)
        if node.fn == "teryt_ok" and not all(isinstance(a, Ref) and a.kind == "text" for a in node.args):
            raise ExprError("teryt_ok() takes basic-data fields such as B_WOJEWODZTWO, B_POWIAT", text)
        if node.fn == "first" and not all(isinstance(a, Call) and a.fn in K_FUNCTIONS - {"kany"} for a in node.args):
            raise ExprError("first() takes numeric K-03 functions such as ksum(...)", text)
        for arg in node.args:
            if not isinstance(arg, (KRef, Group)):
                nested_ok = node.fn == "implies" and isinstance(arg, Call) and arg.fn == "implies"
                check(arg, text, top=nested_ok)
        return
    elif isinstance(node, KRef):
        raise ExprError(f"K-03 row {node.address} used outside a K-03 function such as ksum()", text)
    elif isinstance(node, Group):
        raise ExprError(f"{node.name} (all services) is only allowed in count_yes()", text)
    elif isinstance(node, (Bin, Neg)):
        for arg in children(node):
            if kind_of(arg) == "text":
                raise ExprError("arithmetic on text", text)
    elif isinstance(node, Cmp):
        kinds = {kind_of(node.left), kind_of(node.right)}
        if "text" in kinds and kinds != {"text"}:
            raise ExprError("comparison of text with a number", text)
        if kinds == {"text"} and node.op not in ("=", "<>"):
            raise ExprError("text can only be compared with = or <>", text)
    for child in children(node):
        check(child, text, top=False)
