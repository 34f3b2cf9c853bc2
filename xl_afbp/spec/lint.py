"""Semantic checks of a spec edition. Every problem is collected, none raised.

Checks: unique identifiers; numbering; every reference (section, perspective, item,
K-03 address, expression name) resolves; expressions parse and have the right kind;
Excel limits (input-message title ≤ 32 characters, messages ≤ 255, list literals ≤ 255,
defined names that Excel accepts). The codes are listed in :mod:`.errors`.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable

from .. import names
from ..expr.ast import Bin, Call, Group, Num, Ref, walk
from ..expr.parse import ExprError, kind_of, parse
from .errors import Code, SpecIssue
from .expand import k03_expressions, rule_applies, rule_expressions
from .model import (
    BASIC_TYPES,
    ITEM_TYPES,
    K03_KINDS,
    K03_TOTALS,
    K03_TYPES,
    NOT_RATIO_OF_SUMS_REASONS,
    PREFILL_SOURCES,
    SEVERITIES,
    TERYT_LEVELS,
    Location,
    Spec,
)
from .vocab import comparison_resolver, resolver

TITLE_MAX = 32  # Excel: data-validation input/error title
TEXT_MAX = 255  # Excel: data-validation input/error message, list literal


def lint(spec: Spec) -> list[SpecIssue]:
    issues: list[SpecIssue] = []
    add = issues.append

    def issue(code: Code, loc: Location | None, problem: str, fix: str) -> None:
        add(SpecIssue(code, loc, problem, fix))

    def duplicates(values: Iterable, what: str, objs, key) -> None:
        counts = Counter(values)
        for obj in objs:
            if counts[key(obj)] > 1:
                issue(Code.SPEC002, obj.loc if hasattr(obj, "loc") else None, f"{what} {key(obj)!r} is used more than once", f"Give every {what} its own value")
                counts[key(obj)] = 0  # report once

    def text_limit(loc, label: str, text: str | None, limit: int, fix: str) -> None:
        if text is not None and len(text) > limit:
            issue(Code.SPEC004, loc, f"{label} has {len(text)} characters (Excel allows {limit})", fix)

    def name_ok(loc, name: str) -> None:
        problem = names.name_problem(name)
        if problem:
            issue(Code.SPEC006, loc, f"the defined name {name!r} would be refused by Excel: {problem}", "Choose an identifier that yields a name with an underscore, e.g. 'P_01'")

    # -- identifiers ------------------------------------------------------------------
    duplicates((i.nr for i in spec.items), "item number", spec.items, lambda o: o.nr)
    duplicates((i.key for i in spec.items), "item key", spec.items, lambda o: o.key)
    duplicates((s.nr for s in spec.services), "service number", spec.services, lambda o: o.nr)
    duplicates((b.key for b in spec.basic), "basic field key", spec.basic, lambda o: o.key)
    duplicates((r.id for r in spec.rules), "rule id", spec.rules, lambda o: o.id)
    duplicates((i.code for i in spec.indicators), "indicator code", spec.indicators, lambda o: o.code)
    duplicates((c.address for c in spec.k03_cells), "K-03 address", spec.k03_cells, lambda o: o.address)
    duplicates((c.item for c in spec.k03_checks), "K-03 check of item", spec.k03_checks, lambda o: o.item)

    # -- items --------------------------------------------------------------------------
    sections = {s.id for s in spec.sections}
    expected = list(range(1, len(spec.items) + 1))
    if sorted(i.nr for i in spec.items) != expected:
        issue(Code.SPEC009, spec.items[0].loc if spec.items else None, "items are not numbered 1..N without gaps", "Number the items consecutively from 1")
    for it in spec.items:
        if it.type not in ITEM_TYPES:
            issue(Code.SPEC007, it.loc, f"item {it.nr}: type {it.type!r} is unknown", f"Use one of: {', '.join(ITEM_TYPES)}")
        if it.section not in sections:
            issue(Code.SPEC008, it.loc, f"item {it.nr}: section {it.section!r} is not defined", f"Use one of: {', '.join(sorted(sections))}")
        if it.min is not None and it.max is not None and it.min > it.max:
            issue(Code.SPEC009, it.loc, f"item {it.nr}: min {it.min} is above max {it.max}", "Swap or correct the bounds")
        if it.type == "whole" and it.decimals:
            issue(Code.SPEC009, it.loc, f"item {it.nr}: a whole number cannot have decimals", "Use type 'decimal' or drop 'decimals'")
        if not it.help or it.help.strip().upper() == "TODO":
            issue(Code.SPEC001, it.loc, f"item {it.nr}: the help text is missing", "Write a short Polish help text (it becomes the Excel input message)")
        text_limit(it.loc, f"item {it.nr}: the help text", it.help, TEXT_MAX, "Shorten it; longer explanations belong in the Instrukcja sheet")
        text_limit(it.loc, f"item {it.nr}: the input title (short label)", it.title, TITLE_MAX, "Shorten 'short'")
        name_ok(it.loc, names.item(it.nr))
        if it.prefill is not None and it.prefill not in PREFILL_SOURCES:
            issue(Code.SPEC007, it.loc, f"item {it.nr}: prefill {it.prefill!r} is unknown", f"Use one of: {', '.join(PREFILL_SOURCES)}")
    svc_items = [i for i in spec.items if i.type == "services"]
    if len(svc_items) > 1:
        issue(Code.SPEC009, svc_items[1].loc, "only one item may hold services", "Merge the service lists")
    if svc_items and not spec.services:
        issue(Code.SPEC001, svc_items[0].loc, f"item {svc_items[0].nr} holds services but 'services' is empty", "List the services under 'services:'")
    for s in spec.services:
        text_limit(s.loc, f"service {s.nr}: the help text", s.help, TEXT_MAX, "Shorten it")
        if not s.help or s.help.strip().upper() == "TODO":
            issue(Code.SPEC001, s.loc, f"service {s.nr}: the help text is missing", "Write a short Polish help text")

    # -- basic data --------------------------------------------------------------------
    for b in spec.basic:
        if b.type not in BASIC_TYPES:
            issue(Code.SPEC007, b.loc, f"basic field {b.key}: type {b.type!r} is unknown", f"Use one of: {', '.join(BASIC_TYPES)}")
        if b.type == "list" and not b.choices:
            issue(Code.SPEC001, b.loc, f"basic field {b.key}: a list needs 'choices'", "Add the choices")
        if b.choices and len(",".join(b.choices)) > TEXT_MAX:
            issue(Code.SPEC005, b.loc, f"basic field {b.key}: the choices joined are {len(','.join(b.choices))} characters (Excel list literal ≤ {TEXT_MAX})", "Shorten the choices (the workbook keeps long lists on a hidden sheet, but the spec keeps them portable)")
        text_limit(b.loc, f"basic field {b.key}: the help text", b.help, TEXT_MAX, "Shorten it")
        text_limit(b.loc, f"basic field {b.key}: the input title", b.title, TITLE_MAX, "Add or shorten 'short'")
        if b.type == "teryt" and b.level not in TERYT_LEVELS:
            issue(Code.SPEC007, b.loc, f"basic field {b.key}: TERYT level {b.level!r} is unknown", f"Use one of: {', '.join(TERYT_LEVELS)}")
        if b.parent and b.parent not in {x.key for x in spec.basic}:
            issue(Code.SPEC008, b.loc, f"basic field {b.key}: parent {b.parent!r} does not exist", "Name another basic field")
        name_ok(b.loc, names.basic(b.key))

    # -- expressions --------------------------------------------------------------------
    resolve = resolver(spec)

    def expression(loc, label: str, text: str | None, want: str | None, names_of=None) -> None:
        if not text:
            issue(Code.SPEC001, loc, f"{label}: the expression is missing", "Write the expression")
            return
        try:
            node = parse(text, names_of or resolve)
        except ExprError as exc:
            issue(Code.SPEC003, loc, f"{label}: {exc}", "Use items P1..P34, services P21_01.., PREV<n>, B_<FIELD>, K-03 addresses and the functions of docs/spec.md")
            return
        kind = kind_of(node)
        if want == "bool" and kind != "bool":
            issue(Code.SPEC003, loc, f"{label}: {text!r} is not a condition", "Write a comparison such as 'P6 <= P5'")
        if want == "number" and kind not in ("number", "bool"):
            issue(Code.SPEC003, loc, f"{label}: {text!r} is not a number", "Use an arithmetic expression")

    for r in spec.rules:
        if r.severity not in SEVERITIES:
            issue(Code.SPEC007, r.loc, f"rule {r.id}: severity {r.severity!r} is unknown", f"Use one of: {', '.join(SEVERITIES)}")
        if r.for_each not in (None, "numeric"):
            issue(Code.SPEC007, r.loc, f"rule {r.id}: for_each {r.for_each!r} is unknown", "Use 'numeric' or leave it out")
        for nr in r.exclude:
            if nr not in {i.nr for i in spec.items}:
                issue(Code.SPEC008, r.loc, f"rule {r.id}: excluded item {nr} does not exist", "Remove it from 'exclude'")
        text_limit(r.loc, f"rule {r.id}: the message", r.message, TEXT_MAX, "Shorten the message")
        text_limit(r.loc, f"rule {r.id}: the column title", r.short, TITLE_MAX, "Shorten 'short'")
        name_ok(r.loc, names.rule(r.id))
        if r.for_each and "{n}" not in r.check:
            issue(Code.SPEC003, r.loc, f"rule {r.id}: a for_each rule must use {{n}} in its check", "Write e.g. 'valid(P{n})'")
        for nr, text in rule_expressions(spec, r):
            expression(r.loc, f"rule {r.id}" + (f" (item {nr})" if nr else ""), text, "bool")
            if r.applies:
                expression(r.loc, f"rule {r.id}: applies" + (f" (item {nr})" if nr else ""), rule_applies(r, nr), "bool")

    perspectives = {p.id for p in spec.perspectives}
    for ind in spec.indicators:
        if ind.perspective not in perspectives:
            issue(Code.SPEC008, ind.loc, f"indicator {ind.code}: perspective {ind.perspective!r} is not defined", f"Use one of: {', '.join(sorted(perspectives))}")
        name_ok(ind.loc, names.indicator(ind.code))
        expression(ind.loc, f"indicator {ind.code}", ind.formula, "number")

    items = {i.nr for i in spec.items}
    for c in spec.k03_cells:
        if c.type not in K03_TYPES:
            issue(Code.SPEC007, c.loc, f"K-03 cell {c.address}: type {c.type!r} is unknown", f"Use one of: {', '.join(K03_TYPES)}")
        if c.total is not None and c.total not in K03_TOTALS:
            issue(Code.SPEC007, c.loc, f"K-03 cell {c.address}: total {c.total!r} is unknown", f"Use one of: {', '.join(K03_TOTALS)}")
        elif c.total_kind not in (("any", "none") if c.type == "yesno" else ("sum", "max", "none")):
            issue(Code.SPEC007, c.loc, f"K-03 cell {c.address}: a {c.type} row cannot be totalled with {c.total_kind!r}", "TAK/NIE rows take 'any' (or 'none'); numbers take 'sum', 'max' (or 'none')")
        name_ok(c.loc, names.k03_row(c.address))
    for k in spec.k03_checks:
        if k.item not in items:
            issue(Code.SPEC008, k.loc, f"K-03 check: item {k.item} does not exist", "Name an item of this edition")
            continue
        if k.kind not in K03_KINDS:
            issue(Code.SPEC007, k.loc, f"K-03 check of item {k.item}: kind {k.kind!r} is unknown", f"Use one of: {', '.join(K03_KINDS)}")
            continue
        info_range = k.kind == "info" and (k.lower or k.upper)
        need = {"between": ("lower", "upper"), "match": ("check", "k03")}.get(k.kind, ("lower", "upper") if info_range else ("k03",))
        missing = [f for f in need if not getattr(k, f)]
        if missing:
            issue(Code.SPEC001, k.loc, f"K-03 check of item {k.item} ({k.kind}) needs {', '.join(missing)}", f"Add {', '.join(missing)}")
            continue
        text_limit(k.loc, f"K-03 check of item {k.item}: the explanation", k.explanation, TEXT_MAX, "Shorten the explanation")
        ex = k03_expressions(spec, k)
        for role, text in ex.items():
            expression(k.loc, f"K-03 check of item {k.item} ({role})", text, "bool" if role == "condition" else "number")

    # -- the regional summary ---------------------------------------------------------
    codes = {i.code for i in spec.indicators}
    for code in spec.key_indicators:
        if code not in codes:
            issue(Code.SPEC008, None, f"key_indicators: indicator {code!r} does not exist", "Name indicators of this edition")
    for n in spec.not_ratio_of_sums:
        if n.reason not in NOT_RATIO_OF_SUMS_REASONS:
            issue(Code.SPEC007, n.loc, f"not_ratio_of_sums: reason {n.reason!r} is unknown", f"Use one of: {', '.join(NOT_RATIO_OF_SUMS_REASONS)}")
        for code in n.indicators:
            if code not in codes:
                issue(Code.SPEC008, n.loc, f"not_ratio_of_sums: indicator {code!r} does not exist", "Name indicators of this edition")
    for ind in spec.indicators:
        why = _why_not_ratio_of_sums(spec, resolve, ind.formula)
        if why and not spec.aggregate_note(ind.code):
            issue(Code.SPEC009, ind.loc, f"indicator {ind.code} cannot aggregate as a ratio of sums: {why}", "List it under not_ratio_of_sums with the reason")
    _lint_comparisons(spec, issue, expression)
    _lint_edition(spec, issue)
    return issues


def _lint_edition(spec: Spec, issue) -> None:
    """The stamp that chooses the edition for a survey year: whole years, a name that can
    be a folder, a title whose only placeholder is ``{year}`` (the survey year)."""
    ed = spec.edition
    loc = ed.loc
    for key in ("year", "first_year"):
        value = getattr(ed, key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2999):
            issue(Code.SPEC009, loc, f"edition.{key} {value!r} is not a year", "Write a year such as 2016")
    if isinstance(ed.first_year, int) and isinstance(ed.year, int) and ed.first_year < ed.year:
        issue(Code.SPEC009, loc, f"edition.first_year {ed.first_year} comes before edition.year {ed.year}", "An edition serves its own year and later ones: raise first_year or drop it")
    if ed.name is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", str(ed.name)):
        issue(Code.SPEC009, loc, f"edition.name {ed.name!r} cannot be a folder name", "Use letters, digits, '-', '_' and '.', e.g. 'afbp-2018'")
    braces = re.sub(r"\{year\}", "", str(ed.title))
    if "{" in braces or "}" in braces:
        issue(Code.SPEC003, loc, f"edition.title {ed.title!r} has a placeholder other than {{year}}", "Write the survey year as {year}, e.g. 'dane za {year} r.'")


def _why_not_ratio_of_sums(spec: Spec, resolve, formula: str) -> str:
    """Why summing the items of a group of libraries and evaluating the formula on the sums
    would mean nothing ("" when it means the group's indicator)."""
    try:
        node = parse(formula, resolve)
    except ExprError:
        return ""  # reported above
    additive = {i.ref for i in spec.items if i.additive}
    for n in walk(node):
        if isinstance(n, (Call, Group)) or (isinstance(n, Ref) and n.name not in additive):
            return "it reads a non-additive item or a function of items (nonadditive)"
        if isinstance(n, Bin) and n.op in "+-" and any(isinstance(x, Num) for side in (n.left, n.right) for x in walk(side)):
            return "a constant in a sum (constant)"
    return ""


def _lint_comparisons(spec: Spec, issue, expression) -> None:
    """Each comparison expression uses its placeholder and parses for every item/indicator."""
    cmp = spec.comparisons
    if cmp.previous_change is not None:
        if "{n}" not in cmp.previous_change:
            issue(Code.SPEC003, cmp.loc, "comparisons.previous_change must use {n} (the item number)", "Write e.g. '(P{n} - PREV{n}) / PREV{n}'")
        else:
            for it in spec.numeric_items:
                expression(cmp.loc, f"comparisons.previous_change (item {it.nr})", cmp.previous_change.replace("{n}", str(it.nr)), "number")
    if cmp.benchmark_index is not None:
        if "{code}" not in cmp.benchmark_index:
            issue(Code.SPEC003, cmp.loc, "comparisons.benchmark_index must use {code} (the indicator code)", "Write e.g. 'IND_{code} / MEDIAN_{code} * 100'")
        else:
            names_of = comparison_resolver(spec)
            for ind in spec.indicators:
                expression(cmp.loc, f"comparisons.benchmark_index ({ind.code})", cmp.benchmark_index.replace("{code}", ind.code), "number", names_of)
        for ind in spec.indicators:
            problem = names.name_problem(names.median(ind.code))
            if problem:
                issue(Code.SPEC006, ind.loc, f"the defined name {names.median(ind.code)!r} would be refused by Excel: {problem}", "Choose another indicator code")
