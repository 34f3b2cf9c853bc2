"""Render expressions as native Excel formulas.

The formulas use US-English function names and commas (Excel stores them so whatever the
user's locale; a Polish Excel *shows* ``JEŻELI`` and ``;``), only functions that Excel 2010
and LibreOffice both evaluate (IF, AND, OR, NOT, COUNT, COUNTIF, SUM, MAX, SUMPRODUCT,
ABS, ROUND, LEFT, LEN, ISNUMBER), and reference cells only through defined names.

"No value" is rendered by hoisting guards: every input the expression needs is tested
first (``COUNT(P_04,P_01)=2`` for numbers, ``LEN(x)>0`` for text, …), then every divisor
is tested for 0, innermost first, and only then is the expression itself evaluated. So a
formula returns ``""`` instead of ``#DIV/0!`` or ``#VALUE!``, and never treats an empty
cell as 0 (which Excel arithmetic would otherwise do).
"""

from __future__ import annotations

from .ast import Bin, Call, Cmp, Group, Logic, Neg, Node, Not, Num, Ref, Str, children
from .context import Context, excel_name
from .. import names

NULL_TEXT = '""'
#: Relative tolerance of the decimals test of ``valid()`` (see ``_decimals_test``).
DECIMALS_TOLERANCE = "1E-15"


def text_literal(value: str) -> str:
    """An Excel string literal: double quotes, inner quotes doubled."""
    return '"' + value.replace('"', '""') + '"'


def number_literal(value: float) -> str:
    if isinstance(value, bool):
        raise TypeError("booleans are not number literals")
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


class ExcelRenderer:
    """Turns checked AST nodes into formula text (without the leading ``=``)."""

    def __init__(self, ctx: Context):
        self.ctx = ctx

    # ------------------------------------------------------------------ public API
    def guarded(self, node: Node, null: str = NULL_TEXT) -> str:
        """Formula giving the node's value, or ``null`` when it has none."""
        return self._wrap(node, self.value(node), null)

    def tri(self, node: Node, true: str, false: str, null: str) -> str:
        """Formula mapping a boolean node to three texts (e.g. OK / błąd / brak danych)."""
        if isinstance(node, Call) and node.fn == "implies":
            cond, then = node.args
            inner = f"IF({self.value(cond)},{self.tri(then, true, false, null)},{true})"
            return self._wrap(cond, inner, null)
        return self._wrap(node, f"IF({self.value(node)},{true},{false})", null)

    # ------------------------------------------------------------------ guards
    def _wrap(self, node: Node, body: str, null: str) -> str:
        for div in reversed(self.divisors(node)):
            body = f"IF({self.value(div)}=0,{null},{body})"
        guards = self.guards(node)
        if not guards:
            return body
        test = guards[0] if len(guards) == 1 else f"AND({','.join(guards)})"
        return f"IF({test},{body},{null})"

    def guards(self, node: Node) -> list[str]:
        """Tests that all inputs of ``node`` are present (numbers grouped in one COUNT)."""
        numbers: list[str] = []
        others: list[str] = []
        self._collect(node, numbers, others)
        out = []
        if numbers:
            out.append(f"COUNT({','.join(numbers)})={len(numbers)}")
        for g in others:
            if g not in out:
                out.append(g)
        return out

    def _collect(self, node: Node, numbers: list[str], others: list[str]) -> None:
        if isinstance(node, Ref):
            name = excel_name(node.name)
            if node.kind == "number":
                if name not in numbers:
                    numbers.append(name)
            else:
                others.append(f"LEN({name})>0")
            return
        if isinstance(node, Call):
            fn, args = node.fn, node.args
            if fn in ("blank", "hash"):
                return
            if fn == "implies":
                self._collect(args[0], numbers, others)  # the consequence is guarded in tri()
                return
            if fn == "yes":
                name = excel_name(args[0].name)  # type: ignore[union-attr]
                others.append(f'OR({name}="TAK",{name}="NIE")')
                return
            if fn in ("valid", "zero"):
                others.append(f"LEN({excel_name(args[0].name)})>0")  # type: ignore[union-attr]
                return
            if fn == "count_yes":
                others.append(self._services_answered(args))
                return
            if fn in ("ksum", "kmax"):
                others.append(f"COUNT({self._rows(args)})>0")
                return
            if fn == "kany":
                others.append(f"({self._countif(args, 'TAK')}+{self._countif(args, 'NIE')})>0")
                return
            if fn == "kdot":
                others.append(f"COUNT({self._rows(args[:1])})>0")
                others.append(f"COUNT({self._rows(args[1:])})>0")
                return
            if fn == "first":
                alts = [self._all(self.guards(a)) for a in args]
                others.append(f"OR({','.join(alts)})")
                return
        for child in children(node):
            self._collect(child, numbers, others)

    def divisors(self, node: Node) -> list[Node]:
        """Divisor sub-expressions in post-order (inner divisions first)."""
        out: list[Node] = []

        def visit(n: Node) -> None:
            if isinstance(n, Call) and n.fn == "implies":
                visit(n.args[0])
                return
            for c in children(n):
                visit(c)
            constant = isinstance(n, Bin) and isinstance(n.right, Num) and n.right.value != 0
            if isinstance(n, Bin) and n.op == "/" and not constant and n.right not in out:
                out.append(n.right)

        visit(node)
        return out

    # ------------------------------------------------------------------ values
    def value(self, node: Node) -> str:
        """The expression itself, assuming all guards hold."""
        if isinstance(node, Num):
            return number_literal(node.value)
        if isinstance(node, Str):
            return text_literal(node.value)
        if isinstance(node, Ref):
            return excel_name(node.name)
        if isinstance(node, Neg):
            return f"(-{self.value(node.arg)})"
        if isinstance(node, Not):
            return f"NOT({self.value(node.arg)})"
        if isinstance(node, (Bin, Cmp)):
            return f"({self.value(node.left)}{node.op}{self.value(node.right)})"
        if isinstance(node, Logic):
            return f"{node.op.upper()}({','.join(self.value(a) for a in node.args)})"
        if isinstance(node, Call):
            return self._call(node)
        raise TypeError(f"{type(node).__name__} cannot be rendered on its own")

    def _call(self, node: Call) -> str:
        fn, args = node.fn, node.args
        if fn == "abs":
            return f"ABS({self.value(args[0])})"
        if fn == "blank":
            return f"(LEN({self.value(args[0])})=0)"
        if fn == "hash":
            return f'({self.value(args[0])}="#")'
        if fn == "yes":
            return f'({self.value(args[0])}="TAK")'
        if fn == "startswith":
            lit: str = args[1].value  # type: ignore[union-attr]
            return f"(LEFT({self.value(args[0])},{len(lit)})={text_literal(lit)})"
        if fn == "in_band":
            x, band = self.value(args[0]), self.value(args[1])
            parts = []
            for b in self.ctx.bands:
                conds = [f"{band}={text_literal(b.label)}", *self._bounds(x, b.min, b.max)]
                parts.append(f"AND({','.join(conds)})")
            return f"OR({','.join(parts)})" if parts else "FALSE"
        if fn == "valid":
            return self._valid(args[0])  # type: ignore[arg-type]
        if fn == "zero":
            name = self.value(args[0])
            return f"IF(ISNUMBER({name}),{name}=0,FALSE)"
        if fn == "count_yes":
            if len(args) == 1 and isinstance(args[0], Group):
                return f'COUNTIF({excel_name(args[0].name)},"TAK")'
            return "(" + "+".join(f'({self.value(a)}="TAK")' for a in args) + ")"
        if fn == "ksum":
            return f"SUM({self._rows(args)})"
        if fn == "kmax":
            return f"MAX({self._rows(args)})"
        if fn == "kany":
            return f"({self._countif(args, 'TAK')}>0)"
        if fn == "kdot":
            pct = self._rows(args[:1])
            return "(" + "+".join(f"SUMPRODUCT({pct},{self._rows([h])})" for h in args[1:]) + ")"
        if fn == "first":
            out = self.value(args[-1])  # the outer guard ensures that some argument has a value
            for a in reversed(args[:-1]):
                out = f"IF({self._all(self.guards(a))},{self.value(a)},{out})"
            for a in reversed(args):  # a non-zero value wins over a 0 typed in an earlier row
                out = f"IF({self._all([*self.guards(a), f'{self.value(a)}<>0'])},{self.value(a)},{out})"
            return out
        if fn == "teryt_ok":
            return self._teryt_ok(args)
        if fn == "implies":
            raise ValueError("implies() is rendered by tri() only")
        raise ValueError(f"no Excel rendering for {fn}()")

    def _valid(self, ref: Ref) -> str:
        name = excel_name(ref.name)
        nr = int(ref.name[1:])
        rule = self.ctx.items[nr]
        conds = [*self._bounds(name, rule.min, rule.max), self._decimals_test(name, rule.decimals)]
        other = f'{name}="#"' if rule.hash else "FALSE"
        return f"IF(ISNUMBER({name}),AND({','.join(conds)}),{other})"

    def _teryt_ok(self, args) -> str:
        """The województwo by exact equality (SUMPRODUCT of ``=``, which ignores case but reads
        no wildcards), its units text by INDEX/MATCH (safe once the name is known to be
        exact), then FIND of ``|powiat>`` (``gmina=``, ``code|``), all in lower case, as
        :class:`~.context.Places` describes. No array of FINDs: Gnumeric does not spread FIND
        over a range inside SUMPRODUCT, and ISNUMBER absorbs MATCH's #N/A in every engine."""
        woj = self.value(args[0])
        needle = f'"|"&LOWER({self.value(args[1])})&">"'
        if len(args) >= 3:
            needle += f'&LOWER({self.value(args[2])})&"="'
        if len(args) == 4:
            needle += f'&LOWER({self.value(args[3])}&"")&"|"'
        units = f"INDEX({names.TERYT_UNITS},MATCH({woj},{names.TERYT_WOJ},0))"
        return f"AND(SUMPRODUCT(({names.TERYT_WOJ}={woj})*1)>0,ISNUMBER(FIND({needle},{units})))"

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _decimals_test(x: str, decimals: int) -> str:
        """``x`` has at most ``decimals`` decimal places.

        Written as a distance, not as ``ROUND(x,n)=x``: Gnumeric's ROUND is off by one unit
        in the last place (``ROUND(76.35,2)`` = 76.35 + 1e-14) and its ``=`` is exact, so a
        valid FTE failed there. Excel and LibreOffice compare within about 15 significant
        digits anyway; a relative 1e-15 (a few units in the last place) keeps every value
        one can type apart from its rounding, so the test agrees with Python's exact
        ``round(v, n) == v`` on all typed values.
        """
        return f"ABS(ROUND({x},{decimals})-{x})<=ABS({x})*{DECIMALS_TOLERANCE}"

    @staticmethod
    def _bounds(x: str, lo: float | None, hi: float | None) -> list[str]:
        """Inclusive bound tests; a missing bound is no test."""
        return ([f"{x}>={number_literal(lo)}"] if lo is not None else []) + ([f"{x}<={number_literal(hi)}"] if hi is not None else [])

    @staticmethod
    def _all(tests: list[str]) -> str:
        if not tests:
            return "TRUE"
        return tests[0] if len(tests) == 1 else f"AND({','.join(tests)})"

    @staticmethod
    def _rows(args) -> str:
        return ",".join(names.k03_row(a.address) for a in args)

    @staticmethod
    def _countif(args, text: str) -> str:
        return "+".join(f'COUNTIF({names.k03_row(a.address)},"{text}")' for a in args)

    def _services_answered(self, args) -> str:
        if len(args) == 1 and isinstance(args[0], Group):
            g = excel_name(args[0].name)
            return f'(COUNTIF({g},"TAK")+COUNTIF({g},"NIE"))={self.ctx.services_count}'
        parts = [f'OR({self.value(a)}="TAK",{self.value(a)}="NIE")' for a in args]
        return self._all(parts)

