"""Compile a spec into its computed cells: one Excel formula and one Python evaluator each.

This is the only place where indicators, rules and K-03 cross-checks become formulas. The
workbook writer places :attr:`Engine.formulas` in cells under their defined names; the
consolidator and the UDFs call :meth:`Engine.evaluate`. Parity tests prove both agree.
For people, :meth:`Engine.words` renders an expression in Polish words, and
:meth:`Engine.k03_comparison` applies one K-03 relation to two figures given directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

from . import completeness, names, status
from .expr.ast import Node, Ref, k_addresses, refs
from .expr.excel import ExcelRenderer, text_literal
from .expr.parse import ExprError, parse
from .expr.pyeval import Env, PythonCompiler
from .formdata import FormData
from .spec.load import load_spec
from .spec.model import Indicator, K03Check, Rule, Spec
from .spec.expand import SIDE_AFBP, SIDE_K03, SIDE_K03_UPPER, SIDES, k03_comparison, k03_expressions, rule_applies, rule_expressions
from .spec.vocab import comparison_resolver, context, resolver, words

Evaluator = Callable[[Env, dict[str, Any]], Any]


@dataclass(frozen=True)
class Formula:
    """A computed cell: its defined name, what it is, its Excel formula and Python twin."""

    name: str
    role: str  # indicator | rule_part | rule | k03_afbp | k03_value | k03_upper | k03_check | summary
    excel: str  # without the leading "="
    py: Evaluator = field(compare=False, repr=False)
    source: Any = field(default=None, compare=False, repr=False)
    expr: str | None = None


@dataclass(frozen=True)
class Expression:
    """A spec expression compiled for a display cell of the form (not a named result):
    its Excel formula and its Python twin (None = no value, shown as an empty cell)."""

    excel: str
    py: Callable[[Any], Any] = field(compare=False, repr=False)


@dataclass
class RuleResult:
    id: str
    status: str  # Polish cell text, see xl_afbp.status
    severity: str
    message: str
    group: str
    parts: dict[int, str] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return status.code(self.status)


@dataclass
class K03Result:
    item: int
    status: str
    kind: str
    afbp: float | None
    k03: float | None
    k03_upper: float | None
    explanation: str
    ranged: bool = False  # the K-03 side is a range (lower, upper): "between", or "info" with bounds

    @property
    def code(self) -> str:
        return status.code(self.status)

    @property
    def message(self) -> str:
        if self.status == status.NO_DATA:
            side = "K-03" if self.k03 is None else "AFBP"
            return f"brak danych {side}"
        return self.explanation


@dataclass(frozen=True)
class K03Comparison:
    """One K-03 relation of the spec, applied to an AFBP figure and a K-03 figure given
    directly rather than gathered from a form (the ``AFBP_K03_CHECK`` function)."""

    check: K03Check
    condition: Callable[[Env], Any] = field(repr=False)
    inputs: tuple[str, ...] = ()  # other form inputs the relation reads
    k03_rows: tuple[str, ...] = ()  # K-03 rows it reads besides the two figures (a tolerance from the K-03 stock)

    def status(self, afbp: Any, k03: Any, upper: Any = None, data: Env | None = None) -> str:
        value = self.condition(_Sides({SIDE_AFBP: afbp, SIDE_K03: k03, SIDE_K03_UPPER: upper}, data or FormData()))
        if value is None:
            return status.NO_DATA
        if self.check.kind == "info":  # no inequality holds between the two: nothing to flag
            return status.INFO
        return status.OK if value else status.DIFFERENCE


class _Sides:
    """The two sides of one comparison, and the form data its tolerance may read."""

    __slots__ = ("sides", "data")

    def __init__(self, sides: dict[str, Any], data: Env):
        self.sides, self.data = sides, data

    def get(self, ref: str) -> Any:
        return self.sides[ref] if ref in self.sides else self.data.get(ref)

    def k_row(self, address: str) -> tuple:
        return ()

    def units_with_data(self) -> int:
        return 0

    def branches_with_data(self) -> int:
        return 0


@dataclass
class Result:
    values: dict[str, Any]
    indicators: dict[str, float | None]
    rules: list[RuleResult]
    k03: list[K03Result]

    @property
    def status(self) -> str:
        return self.values[names.STATUS]

    @property
    def errors(self) -> int:
        return int(self.values[names.ERRORS])

    @property
    def warnings(self) -> int:
        return int(self.values[names.WARNINGS])

    @property
    def missing(self) -> list[str]:
        """Labels of the empty required fields (basic data, items, services), in form order."""
        text = self.values.get(names.MISSING)
        return text.split(completeness.SEPARATOR) if text else []

    @property
    def k03_state(self) -> str:
        """The K-03 sheet's state: not filled (checks skipped) or the counts of outcomes."""
        return self.values[names.K03_STATE]

    def failing_rules(self) -> list[RuleResult]:
        return [r for r in self.rules if r.status in (status.ERROR, status.WARNING)]

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape of ``xl-afbp evaluate --json``."""
        return {
            "indicators": dict(self.indicators),
            "rules": [{"id": r.id, "status": r.code, "message": r.message} for r in self.rules],
            "k03": [
                {
                    "item": k.item,
                    "status": k.code,
                    "afbp": k.afbp,
                    "k03": [k.k03, k.k03_upper] if k.ranged else k.k03,
                    "message": k.message,
                }
                for k in self.k03
            ],
            "status": status.code(self.status),
            "missing": self.missing,
            "k03_state": self.k03_state,
        }


class Engine:
    """All computed cells of one spec edition, in dependency order."""

    def __init__(self, spec: Spec):
        self.spec = spec
        self.ctx = context(spec)
        self._resolve = resolver(spec)
        self._excel = ExcelRenderer(self.ctx)
        self._py = PythonCompiler(self.ctx)
        self._words = words(spec)
        self._comparisons: dict[int, K03Comparison] = {}
        #: what the form must hold before it can be OK (:mod:`xl_afbp.completeness`)
        self.required = completeness.required_fields(spec)
        self.formulas: list[Formula] = []
        self.rule_parts: dict[str, list[tuple[int, str]]] = {}
        for ind in spec.indicators:
            self._indicator(ind)
        for rule in spec.rules:
            self._rule(rule)
        for check in spec.k03_checks:
            self._k03(check)
        self._summary()
        self.by_name = {f.name: f for f in self.formulas}

    # ------------------------------------------------------------------ building
    def parse(self, text: str) -> Node:
        return parse(text, self._resolve)

    def excel(self, text: str, *, guarded: bool = True) -> str:
        """Render a spec expression as an Excel formula (without '='); unguarded when the
        caller knows its inputs are present (e.g. a data-validation formula)."""
        node = self.parse(text)
        return self._excel.guarded(node) if guarded else self._excel.value(node)

    def words(self, text: str) -> str:
        """Render a spec expression in Polish words (``wypożyczenia (poz. 16) / mieszkańcy (poz. 1)``)."""
        return self._words.render(self.parse(text))

    def k03_comparison(self, item: int) -> K03Comparison:
        """The K-03 relation of ``item`` over two given figures (cached).

        Raises ``KeyError`` when the item has no K-03 check and ``ValueError`` for a
        service-by-service (``match``) check.
        """
        if item not in self._comparisons:
            check = next((c for c in self.spec.k03_checks if c.item == item), None)
            if check is None:
                raise KeyError(f"item {item} has no K-03 check")
            resolve = self._resolve

            def with_sides(name: str) -> Node | None:
                return Ref(name, "number") if name in SIDES else resolve(name)

            node = parse(k03_comparison(self.spec, check), with_sides)
            inputs = tuple(r for r in refs(node) if r not in SIDES)
            self._comparisons[item] = K03Comparison(check, self._py.compile(node), inputs, tuple(k_addresses(node)))
        return self._comparisons[item]

    def excel_tri(self, text: str, true: str, false: str, null: str) -> str:
        """Render a condition as a formula returning one of three texts."""
        return self._excel.tri(self.parse(text), text_literal(true), text_literal(false), text_literal(null))

    def expression(self, text: str, *, comparison: bool = False) -> Expression:
        """Both renderings of a display expression; ``comparison`` admits the names of the
        spec's ``comparisons`` (``IND_<code>``, ``MEDIAN_<code>``)."""
        node = parse(text, comparison_resolver(self.spec) if comparison else self._resolve)
        return Expression(self._excel.guarded(node), self._py.compile(node))

    def expression_tri(self, text: str, true: str, false: str, null: str) -> Expression:
        """A condition shown as one of three texts, in both renderings."""
        node = self.parse(text)
        fn = self._py.compile(node)

        def py(env, fn=fn) -> str:
            v = fn(env)
            return null if v is None else (true if v else false)

        return Expression(self._excel.tri(node, text_literal(true), text_literal(false), text_literal(null)), py)

    def _add(self, name: str, role: str, excel: str, py: Evaluator, source: Any, expr: str | None = None) -> None:
        self.formulas.append(Formula(name, role, excel, py, source, expr))

    def _value_cell(self, name: str, role: str, text: str, source: Any) -> None:
        node = self.parse(text)
        fn = self._py.compile(node)
        self._add(name, role, self._excel.guarded(node), lambda env, res, fn=fn: fn(env), source, text)

    def _status_cell(self, name: str, role: str, text: str, failed: str, source: Any, *, passed: str = status.OK, applies: str | None = None) -> None:
        """OK (``passed``) / ``failed`` / brak danych; with ``applies``, "nie dotyczy" while
        that condition is false or has no value (e.g. no last year's value)."""
        node = self.parse(text)
        fn = self._py.compile(node)
        excel = self._excel.tri(node, text_literal(passed), text_literal(failed), text_literal(status.NO_DATA))
        when = None
        if applies:
            na = text_literal(status.NOT_APPLICABLE)
            when_node = self.parse(applies)
            when = self._py.compile(when_node)
            excel = self._excel.tri(when_node, excel, na, na)

        def py(env: Env, res: dict[str, Any], fn=fn, when=when) -> str:
            if when is not None and not when(env):
                return status.NOT_APPLICABLE
            v = fn(env)
            return status.NO_DATA if v is None else (passed if v else failed)

        self._add(name, role, excel, py, source, text)

    def _indicator(self, ind: Indicator) -> None:
        self._value_cell(names.indicator(ind.code), "indicator", ind.formula, ind)

    def _rule(self, rule: Rule) -> None:
        failed = status.FAILED[rule.severity]
        expressions = rule_expressions(self.spec, rule)
        if not rule.for_each:
            self._status_cell(names.rule(rule.id), "rule", expressions[0][1], failed, rule, applies=rule_applies(rule, None))
            return
        parts = []
        for nr, text in expressions:
            name = names.rule(rule.id, nr)
            self._status_cell(name, "rule_part", text, failed, rule, applies=rule_applies(rule, nr))
            parts.append((nr, name))
        self.rule_parts[rule.id] = parts  # type: ignore[assignment]
        part_names = [n for _, n in parts]

        def every(*texts: str) -> str:
            """Every part says one of ``texts``."""
            tests = []
            for n in part_names:
                alts = [f"{n}={text_literal(t)}" for t in texts]
                tests.append(alts[0] if len(alts) == 1 else f"OR({','.join(alts)})")
            return f"AND({','.join(tests)})"

        any_failed = ",".join(f"{n}={text_literal(failed)}" for n in part_names)
        rest = f"IF({every(status.NO_DATA)},{text_literal(status.NO_DATA)},{text_literal(status.OK)})"
        if rule.applies:  # parts may also say "nie dotyczy"
            na = text_literal(status.NOT_APPLICABLE)
            rest = f"IF({every(status.NOT_APPLICABLE)},{na},IF({every(status.NO_DATA, status.NOT_APPLICABLE)},{text_literal(status.NO_DATA)},{text_literal(status.OK)}))"
        excel = f"IF(OR({any_failed}),{text_literal(failed)},{rest})"

        def py(env: Env, res: dict[str, Any]) -> str:
            return status.worst([res[n] for n in part_names], failed)

        self._add(names.rule(rule.id), "rule", excel, py, rule)

    def _k03(self, check: K03Check) -> None:
        nr, ex = check.item, k03_expressions(self.spec, check)
        self._value_cell(names.k03_afbp(nr), "k03_afbp", ex["afbp"], check)
        self._value_cell(names.k03_value(nr), "k03_value", ex["k03"], check)
        if "upper" in ex:
            self._value_cell(names.k03_upper(nr), "k03_upper", ex["upper"], check)
        if check.kind == "info":  # no inequality holds: show both sides, flag nothing
            self._status_cell(names.k03_check(nr), "k03_check", ex["condition"], status.INFO, check, passed=status.INFO)
        else:
            self._status_cell(names.k03_check(nr), "k03_check", ex["condition"], status.DIFFERENCE, check)

    def _summary(self) -> None:
        top_rules = [names.rule(r.id) for r in self.spec.rules]
        k03 = [names.k03_check(c.item) for c in self.spec.k03_checks]
        err = text_literal(status.ERROR)
        warn = text_literal(status.WARNING)
        diff = text_literal(status.DIFFERENCE)
        count_errors = "+".join(f"({n}={err})" for n in top_rules) or "0"
        count_warn = "+".join([f"({n}={warn})" for n in top_rules] + [f"({n}={diff})" for n in k03]) or "0"

        def errors(env: Env, res: dict[str, Any]) -> float:
            return float(sum(res[n] == status.ERROR for n in top_rules))

        def warnings(env: Env, res: dict[str, Any]) -> float:
            return float(sum(res[n] == status.WARNING for n in top_rules) + sum(res[n] == status.DIFFERENCE for n in k03))

        self._add(names.ERRORS, "summary", f"({count_errors})", errors, None)
        self._add(names.WARNINGS, "summary", f"({count_warn})", warnings, None)
        self._completeness()
        self._k03_state(k03)
        status_excel = (
            f"IF({names.ERRORS}>0,{err},IF({names.GAPS}>0,{text_literal(status.INCOMPLETE)},"
            f"IF({names.WARNINGS}>0,{warn},{text_literal(status.OK)})))"
        )

        def overall(env: Env, res: dict[str, Any]) -> str:
            if res[names.ERRORS] > 0:
                return status.ERROR
            if res[names.GAPS] > 0:
                return status.INCOMPLETE
            return status.WARNING if res[names.WARNINGS] > 0 else status.OK

        self._add(names.STATUS, "summary", status_excel, overall, None)

    def _completeness(self) -> None:
        """How many required fields are empty, and which (basic data included)."""
        fields = self.required

        def gaps(env: Env, res: dict[str, Any]) -> float:
            return float(len(completeness.missing(fields, env)))

        def missing(env: Env, res: dict[str, Any]) -> str | None:
            return completeness.SEPARATOR.join(completeness.missing(fields, env)) or None

        self._add(names.GAPS, "summary", completeness.count_excel(fields), gaps, None)
        self._add(names.MISSING, "summary", completeness.list_excel(fields), missing, None)

    def _k03_state(self, checks: list[str]) -> None:
        """The K-03 sheet on its own: not filled at all (every K-03 check skipped, which is
        not an error) or how many checks found a difference, agreed, informed, lacked data."""
        def count(text: str) -> str:
            return "+".join(f"({n}={text_literal(text)})" for n in checks) or "0"

        self._add(names.K03_DIFFERENCES, "summary", f"({count(status.DIFFERENCE)})",
                  lambda env, res: float(sum(res[n] == status.DIFFERENCE for n in checks)), None)
        parts = [f'"{label}: "&({count(text)})' for text, label in status.K03_STATE_LABELS.items()]
        filled = text_literal("K-03: ") + "&" + '&"; "&'.join(parts)
        excel = f"IF({names.UNITS_WITH_DATA}=0,{text_literal(status.K03_EMPTY)},{filled})"

        def state(env: Env, res: dict[str, Any]) -> str:
            if env.units_with_data() == 0:
                return status.K03_EMPTY
            return status.k03_state({text: sum(res[n] == text for n in checks) for text in status.K03_STATE_LABELS})

        self._add(names.K03_STATE, "summary", excel, state, None)

    # ------------------------------------------------------------------ evaluation
    def compile(self, text: str) -> Callable[[Env], Any]:
        """A spec expression's Python evaluator (e.g. ``count_yes(P21)`` for a table column)."""
        return self._py.compile(self.parse(text))

    def values(self, data: Env) -> dict[str, Any]:
        """Every computed cell's value by defined name (None = no value)."""
        res: dict[str, Any] = {}
        for f in self.formulas:
            res[f.name] = f.py(data, res)
        return res

    def evaluate(self, data: FormData | Env) -> Result:
        return self.result(self.values(data))

    def result(self, res: dict[str, Any]) -> Result:
        """The typed result of the computed cells' values (:meth:`values`): a file's values
        computed once (by the reader) need no second evaluation."""
        spec = self.spec
        indicators = {i.code: res[names.indicator(i.code)] for i in spec.indicators}
        rules = []
        for r in spec.rules:
            parts = {nr: res[name] for nr, name in self.rule_parts.get(r.id, [])}
            rules.append(RuleResult(r.id, res[names.rule(r.id)], r.severity, r.message, r.group, parts))
        k03 = [
            K03Result(
                item=c.item,
                status=res[names.k03_check(c.item)],
                kind=c.kind,
                afbp=res[names.k03_afbp(c.item)],
                k03=res[names.k03_value(c.item)],
                k03_upper=res.get(names.k03_upper(c.item)),
                explanation=c.explanation,
                ranged=bool(c.upper),
            )
            for c in spec.k03_checks
        ]
        return Result(res, indicators, rules, k03)

    def indicator(self, code: str, data: Env) -> float | None:
        """One indicator only (the UDF hot path): no rules, no K-03."""
        f = self.by_name[names.indicator(code.upper())]
        return f.py(data, {})


@lru_cache(maxsize=8)
def _engine_for(edition: str) -> Engine:
    return Engine(load_spec(edition))


def get_engine(edition: int | str | None = None) -> Engine:
    """The compiled engine of a shipped edition (``2016``, ``afbp-2016``) or an edition
    path (cached: one engine per edition, however it is named). ``None``: the newest shipped
    edition — what a library call without a year means; commands choose by survey year
    (:func:`xl_afbp.spec.editions.choose_edition`)."""
    from .spec.load import available_editions, edition_key

    return _engine_for(edition_key(available_editions()[-1] if edition is None else edition))


__all__ = ["Engine", "ExprError", "Expression", "Formula", "K03Comparison", "K03Result", "Result", "RuleResult", "get_engine"]
