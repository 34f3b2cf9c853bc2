"""Turn spec entries into the plain expressions the engine compiles.

Shared by the engine (which compiles them) and the lint (which reports where they fail),
so both see exactly the same text.
"""

from __future__ import annotations

from dataclasses import replace

from .model import K03Cell, K03Check, Rule, Spec

#: Placeholders of one K-03 comparison evaluated on its own (:func:`k03_comparison`): the
#: AFBP side, the K-03 figure (lower bound of "between") and the upper bound.
SIDE_AFBP, SIDE_K03, SIDE_K03_UPPER = "SIDE_AFBP", "SIDE_K03", "SIDE_K03_UPPER"
SIDES = (SIDE_AFBP, SIDE_K03, SIDE_K03_UPPER)


def rule_expressions(spec: Spec, rule: Rule) -> list[tuple[int | None, str]]:
    """``[(None, check)]`` for a plain rule; one ``(item, check)`` per item for ``for_each``."""
    if not rule.for_each:
        return [(None, rule.check)]
    return [(nr, rule.check.replace("{n}", str(nr))) for nr in rule_items(spec, rule)]


def rule_applies(rule: Rule, nr: int | None) -> str | None:
    """The rule's ``applies`` condition for one part (``{n}`` replaced), or None."""
    if not rule.applies:
        return None
    return rule.applies if nr is None else rule.applies.replace("{n}", str(nr))


def rule_items(spec: Spec, rule: Rule) -> list[int]:
    if rule.for_each != "numeric":
        return []
    return [i.nr for i in spec.numeric_items if i.nr not in rule.exclude]


def default_tolerance(spec: Spec, nr: int) -> str:
    """Half a unit of the item's last decimal: 0 for whole numbers, 0.005 for FTE."""
    decimals = int(spec.item(nr).decimals or 0)
    return "0" if decimals == 0 else f"0.{'0' * decimals}5"


def k03_expressions(spec: Spec, check: K03Check) -> dict[str, str]:
    """``afbp``, ``k03`` (lower bound for between), optional ``upper``, and ``condition``.

    An ``info`` relation has no inequality: its condition only says that both sides have a
    value (``x - x = 0`` holds for every number), so it is "informacja" or "brak danych".
    """
    a = check.afbp or f"P{check.item}"
    tol = check.tolerance or default_tolerance(spec, check.item)
    out = {"afbp": a}
    if check.kind == "info":
        sides = [check.k03] if check.k03 else [check.lower, check.upper]
        out["k03"] = sides[0] or ""
        if not check.k03 and check.upper:
            out["upper"] = check.upper
        out["condition"] = " and ".join(f"({s}) - ({s}) = 0" for s in [a, *sides] if s)
        return out
    if check.kind == "between":
        out["k03"] = check.lower or ""
        out["upper"] = check.upper or ""
        cond = f"({check.lower}) - ({tol}) <= ({a}) and ({a}) <= ({check.upper}) + ({tol})"
    else:
        out["k03"] = check.k03 or ""
        k = f"({check.k03})"
        if check.kind == "match":
            cond = check.check or ""
        elif check.kind == "at_most":
            cond = f"({a}) <= {k} + ({tol})"
        elif check.kind == "at_least":
            cond = f"({a}) >= {k} - ({tol})"
        else:  # equal, approx
            cond = f"abs(({a}) - {k}) <= ({tol})"
    out["condition"] = cond
    return out


def k03_comparison(spec: Spec, check: K03Check) -> str:
    """The condition of a K-03 check with both sides as placeholders (:data:`SIDES`).

    It compares two figures someone has already added up (the ``AFBP_K03_CHECK`` function)
    with exactly the relation, tolerance and "no value" rules of the full check; the
    tolerance may still read form data (item 9: 1 % of item 4). Not for ``match`` checks,
    which compare services one by one.
    """
    if check.kind == "match":
        raise ValueError(f"the K-03 check of item {check.item} compares services one by one")
    sides = replace(check, afbp=SIDE_AFBP, k03=SIDE_K03, lower=SIDE_K03, upper=SIDE_K03_UPPER)
    return k03_expressions(spec, sides)["condition"]


#: K-03 function that totals a row across units, by the cell's ``total`` (none: no total).
_TOTAL_FUNCTION = {"sum": "ksum", "max": "kmax", "any": "kany"}


def k03_total_expression(cell: K03Cell) -> str | None:
    """The expression of a K-03 row's total over units (``kmax(D2.P1.W1B)``), or None."""
    fn = _TOTAL_FUNCTION.get(cell.total_kind)
    return f"{fn}({cell.address})" if fn else None


def change_expression(spec: Spec, nr: int) -> str | None:
    """The year-on-year change of item ``nr`` (``comparisons.previous_change``), or None."""
    text = spec.comparisons.previous_change
    return text.replace("{n}", str(nr)) if text else None


def index_expression(spec: Spec, code: str) -> str | None:
    """The benchmark index of indicator ``code`` (``comparisons.benchmark_index``), or None."""
    text = spec.comparisons.benchmark_index
    return text.replace("{code}", code) if text else None
