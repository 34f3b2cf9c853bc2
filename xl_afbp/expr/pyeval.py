"""Compile expressions to Python closures with the same semantics as the Excel renderer.

``None`` is "no value". Any operand without a value makes the whole expression valueless
(Excel: the hoisted guards), a zero divisor too; ``implies`` is the only short-circuit.
Numbers are computed as floats so that results match Excel's IEEE doubles; text
comparisons ignore case, as Excel's ``=`` does.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Protocol, Sequence

from .ast import Bin, Call, Cmp, Group, Logic, Neg, Node, Not, Num, Ref, Str
from .context import Context

Value = Any  # float | bool | str | None


class Env(Protocol):
    """Where compiled expressions read their inputs."""

    def get(self, ref: str) -> Any: ...

    def k_row(self, address: str) -> Sequence[Any]: ...

    def units_with_data(self) -> int: ...

    def branches_with_data(self) -> int: ...


Compiled = Callable[[Env], Value]

_isfinite = math.isfinite


def as_number(v: Any) -> float | None:
    """The number an input cell holds, or None (empty, text, '#', bool, NaN, inf)."""
    t = type(v)
    if t is float:  # the usual cases first (the engine asks ~1,000 times per form)
        return v if _isfinite(v) else None
    if t is int:  # a whole number as the reader gives it; bool is not int here (type is)
        try:
            return float(v)  # finite whenever it converts
        except OverflowError:  # an int beyond any double: no spreadsheet can hold it
            return None
    if v is None:
        return None
    return _number_of(v)


def _number_of(v: Any) -> float | None:
    """:func:`as_number` of any value (the general case)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    try:
        f = float(v)
    except OverflowError:  # an int beyond any double: no spreadsheet can hold it
        return None
    return f if math.isfinite(f) else None


def as_text(v: Any) -> Any:
    """A text input's value, or None when the cell is empty."""
    return None if v is None or v == "" else v


def is_yes(v: Any) -> bool | None:
    """TAK → True, NIE → False, anything else → None (case-insensitive like COUNTIF)."""
    if isinstance(v, str):
        low = v.lower()
        if low == "tak":
            return True
        if low == "nie":
            return False
    return None


def _text_eq(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    if isinstance(a, str) or isinstance(b, str):
        return False  # Excel: a number never equals a text
    return a == b


_CMP = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "=": _text_eq,
    "<>": lambda a, b: not _text_eq(a, b),
}


class PythonCompiler:
    def __init__(self, ctx: Context):
        self.ctx = ctx

    def compile(self, node: Node) -> Compiled:  # noqa: C901 - one dispatch table
        if isinstance(node, Num):
            value = float(node.value)
            return lambda env: value
        if isinstance(node, Str):
            text = node.value
            return lambda env: text
        if isinstance(node, Ref):
            name = node.name
            if node.kind == "number":
                return lambda env: as_number(env.get(name))
            return lambda env: as_text(env.get(name))
        if isinstance(node, Neg):
            arg = self.compile(node.arg)
            return lambda env: None if (x := arg(env)) is None else -x
        if isinstance(node, Not):
            arg = self.compile(node.arg)
            return lambda env: None if (x := arg(env)) is None else not x
        if isinstance(node, Bin):
            return self._bin(node)
        if isinstance(node, Cmp):
            left, right, op = self.compile(node.left), self.compile(node.right), _CMP[node.op]

            def cmp(env: Env) -> Value:
                a, b = left(env), right(env)
                return None if a is None or b is None else op(a, b)

            return cmp
        if isinstance(node, Logic):
            parts = [self.compile(a) for a in node.args]
            combine = all if node.op == "and" else any

            def logic(env: Env) -> Value:
                vals = [p(env) for p in parts]  # strict: evaluate all, like the hoisted guards
                return None if any(v is None for v in vals) else combine(vals)

            return logic
        if isinstance(node, Call):
            return self._call(node)
        raise TypeError(f"{type(node).__name__} cannot be evaluated on its own")

    def _bin(self, node: Bin) -> Compiled:
        left, right, op = self.compile(node.left), self.compile(node.right), node.op

        def binop(env: Env) -> Value:
            a, b = left(env), right(env)
            if a is None or b is None:
                return None
            if op == "+":
                r = a + b
            elif op == "-":
                r = a - b
            elif op == "*":
                r = a * b
            elif b == 0:
                return None
            else:
                r = a / b
            return r if math.isfinite(r) else None  # overflow: Excel shows #NUM!, we show no value

        return binop

    def _call(self, node: Call) -> Compiled:  # noqa: C901
        fn, args = node.fn, node.args
        if fn == "abs":
            arg = self.compile(args[0])
            return lambda env: None if (x := arg(env)) is None else abs(x)  # abs of a finite float is finite
        if fn == "blank":
            name = args[0].name  # type: ignore[union-attr]
            return lambda env: as_text(env.get(name)) is None
        if fn == "hash":
            name = args[0].name  # type: ignore[union-attr]
            return lambda env: env.get(name) == "#"
        if fn == "yes":
            name = args[0].name  # type: ignore[union-attr]
            return lambda env: is_yes(env.get(name))
        if fn == "startswith":
            arg, lit = self.compile(args[0]), args[1].value.lower()  # type: ignore[union-attr]

            def startswith(env: Env) -> Value:
                v = arg(env)
                if v is None:
                    return None
                return isinstance(v, str) and v[: len(lit)].lower() == lit

            return startswith
        if fn == "in_band":
            return self._in_band(args)
        if fn == "valid":
            return self._valid(args[0])  # type: ignore[arg-type]
        if fn == "zero":
            name = args[0].name  # type: ignore[union-attr]

            def zero(env: Env) -> Value:
                raw = env.get(name)
                if as_text(raw) is None:
                    return None
                return as_number(raw) == 0.0

            return zero
        if fn == "count_yes":
            if len(args) == 1 and isinstance(args[0], Group):
                refs = [f"P{self.ctx.services_item}_{i:02d}" for i in range(1, self.ctx.services_count + 1)]
            else:
                refs = [a.name for a in args]  # type: ignore[union-attr]

            def count_yes(env: Env) -> Value:
                answers = [is_yes(env.get(r)) for r in refs]
                return None if None in answers else float(sum(answers))

            return count_yes
        if fn in ("ksum", "kmax"):
            addresses = [a.address for a in args]  # type: ignore[union-attr]
            agg = sum if fn == "ksum" else max  # left to right, like Excel's SUM (fsum raises on overflow)

            def kagg(env: Env) -> Value:
                nums = [n for a in addresses for v in env.k_row(a) if (n := as_number(v)) is not None]
                if not nums:
                    return None
                r = float(agg(nums))
                return r if math.isfinite(r) else None

            return kagg
        if fn == "kany":
            addresses = [a.address for a in args]  # type: ignore[union-attr]

            def kany(env: Env) -> Value:
                answers = [y for a in addresses for v in env.k_row(a) if (y := is_yes(v)) is not None]
                return any(answers) if answers else None

            return kany
        if fn == "kdot":
            pct_addr = args[0].address  # type: ignore[union-attr]
            other = [a.address for a in args[1:]]  # type: ignore[union-attr]

            def kdot(env: Env) -> Value:
                pct = [as_number(v) for v in env.k_row(pct_addr)]
                rows = [[as_number(v) for v in env.k_row(a)] for a in other]
                if all(p is None for p in pct) or all(v is None for r in rows for v in r):
                    return None
                total = 0.0
                for row in rows:  # SUMPRODUCT treats non-numbers as 0
                    total += sum((p or 0.0) * (h or 0.0) for p, h in zip(pct, row))
                return total if math.isfinite(total) else None

            return kdot
        if fn == "first":
            parts = [self.compile(a) for a in args]

            def first(env: Env) -> Value:
                values = [p(env) for p in parts]
                present = [v for v in values if v is not None]
                return next((v for v in present if v != 0), present[0] if present else None)

            return first
        if fn == "teryt_ok":
            return self._teryt_ok(args)
        if fn == "implies":
            cond, then = self.compile(args[0]), self.compile(args[1])

            def implies(env: Env) -> Value:
                c = cond(env)
                if c is None:
                    return None
                return then(env) if c else True

            return implies
        raise ValueError(f"no Python evaluation for {fn}()")

    def _in_band(self, args) -> Compiled:
        x, band = self.compile(args[0]), self.compile(args[1])
        bands = self.ctx.bands

        def in_band(env: Env) -> Value:
            v, label = x(env), band(env)
            if v is None or label is None:
                return None
            for b in bands:
                if _text_eq(label, b.label):
                    return (b.min is None or v >= b.min) and (b.max is None or v <= b.max)
            return False

        return in_band

    def _valid(self, ref: Ref) -> Compiled:
        name, rule = ref.name, self.ctx.items[int(ref.name[1:])]

        def valid(env: Env) -> Value:
            raw = env.get(name)
            if as_text(raw) is None:
                return None
            v = as_number(raw)
            if v is None:
                return rule.hash and raw == "#"
            return (
                (rule.min is None or v >= rule.min)
                and (rule.max is None or v <= rule.max)
                and round(v, rule.decimals) == v
            )

        return valid

    def _teryt_ok(self, args) -> Compiled:
        """The twin of the Excel search: the województwo by equality (ignoring case), then the
        needle ``|powiat>`` (``gmina=``, ``code|``) in its units text. Excel's LOWER turns a
        number into its text; a name is never a number, a TERYT code may be one."""
        names_ = [a.name for a in args]  # type: ignore[union-attr]
        places = self.ctx.places

        def text(v: Any) -> str | None:
            if isinstance(v, str):
                return v.lower()
            n = as_number(v)
            return str(int(n)) if n is not None and n.is_integer() and abs(n) < 1e15 else None

        def teryt_ok(env: Env) -> Value:
            raw = [as_text(env.get(n)) for n in names_]
            if any(v is None for v in raw):
                return None
            units = places().units if places else {}
            row = units.get(raw[0].lower()) if isinstance(raw[0], str) else None
            parts = [v.lower() if isinstance(v, str) else None for v in raw[1:3]]
            if row is None or None in parts:
                return False
            needle = f"|{parts[0]}>" + (f"{parts[1]}=" if len(parts) > 1 else "")
            if len(raw) == 4:
                code = text(raw[3])
                if code is None:
                    return False
                needle += f"{code}|"
            return needle in row

        return teryt_ok
