"""Indicators, rules, K-03 checks and findings of each accepted form."""

from __future__ import annotations
from dataclasses import dataclass
from typing import Any, Sequence

from .. import completeness
from .. import status as st
from ..engine import Engine, Result
from ..formdata import FormData
from .facts import _Facts, _facts, items_read
from .records import REJECTED, _clean, _fmt_value


# =============================================================================== evaluation
@dataclass(frozen=True)
class Finding:
    """One line of the Kontrola sheet and ``kontrola.csv``: a failed rule (per item for
    per-item rules), a K-03 difference, or the list of empty required fields."""

    kind: str  # rodzaj: "reguła" | "K-03" | "braki"
    check: str  # kontrola: "L1", "L11 poz. 4", "K-03 poz. 7", "puste pola"
    severity: str  # waga: a status text (błąd, ostrzeżenie, różnica, brak danych)
    message: str  # komunikat
    values: str = ""  # wartosci: the inputs the check reads, "P4 = 12; P5 = 3"
    afbp: float | None = None
    k03: float | None = None
    k03_upper: float | None = None
    rule: str = ""  # the rule id of a rule finding
    items: tuple[int, ...] = ()  # the items the failed check reads (a service counts as its item)

    def row(self) -> tuple[Any, ...]:
        """The finding's columns of FINDING_COLUMNS (after id, nazwa, plik)."""
        return (self.kind, self.check, self.severity, self.message, self.values, self.afbp, self.k03, self.k03_upper)


@dataclass(frozen=True)
class FormEvaluation:
    """What the consolidator keeps of one form's evaluation: indicators, status, counts
    and findings (compact and picklable)."""

    indicators: dict[str, float | None]
    status: str
    errors: int
    warnings: int
    findings: tuple[Finding, ...]
    missing: tuple[str, ...] = ()  # the empty required fields (:attr:`xl_afbp.engine.Result.missing`)

    @property
    def gaps(self) -> int:
        """The number of empty required fields (the form's ``R_BRAKI``)."""
        return len(self.missing)

    def failed_rules(self, severity: str) -> list[str]:
        """Ids of the rules that failed with ``severity``, sorted."""
        return sorted({f.rule for f in self.findings if f.kind == RULE and f.severity == severity})

    def flagged_items(self) -> frozenset[int]:
        """The items whose value the tool does not accept: each item an error-level rule
        reads when it fails (the per-item validity rules included), so the statistics of
        the indicators that use them leave the value out."""
        return frozenset(nr for f in self.findings if f.kind == RULE and f.severity == st.ERROR for nr in f.items)


def stored_flagged_items(facts: _Facts, findings: Sequence[tuple[str, str, str]]) -> frozenset[int]:
    """:meth:`FormEvaluation.flagged_items` of a stored evaluation: its findings as the
    database keeps them, ``(kind, check, severity)`` – the check names the rule and, for a
    rule over each item, the item (``"L10 poz. 5"``), so the items read are the spec's."""
    out: set[int] = set()
    for kind, check, severity in findings:
        if kind != RULE or severity != st.ERROR:
            continue
        rule, _, nr = str(check).partition(" poz. ")
        if nr.isdigit():
            refs = facts.rule_refs.get((rule, int(nr))) or [facts.item_ref(int(nr))]
        else:
            refs = facts.rule_refs.get((rule, None), [])
        out.update(items_read(refs))
    return frozenset(out)


@dataclass(frozen=True)
class EvaluationError:
    """The engine could not evaluate a form's values (e.g. numbers near 1e308)."""

    detail: str


RULE, K03, EMPTY = "reguła", "K-03", "braki"


def evaluate_form(engine: Engine, data: FormData, facts: _Facts | None = None, values: dict[str, Any] | None = None) -> FormEvaluation:
    """The evaluation of one form; ``values`` are the engine's values of its computed cells
    when already computed (by the reader: the engine then does not run again)."""
    facts = facts or _facts(engine)
    res = engine.result(values) if values is not None else engine.evaluate(data)
    findings = _rule_findings(facts, data, res) + _k03_findings(data, res) + _empty_findings(engine, data, res)
    return FormEvaluation(
        indicators=dict(res.indicators),
        status=res.status,
        errors=res.errors,
        warnings=res.warnings,
        findings=tuple(findings),
        missing=tuple(res.missing),
    )


def _values(data: FormData, refs: list[str]) -> str:
    parts = []
    for r in refs:
        try:
            parts.append(f"{r} = {_fmt_value(_clean(data.get(r)))}")
        except KeyError:
            continue
    return "; ".join(parts)


def _rule_findings(facts: _Facts, data: FormData, res: Result) -> list[Finding]:
    out = []
    items = {it.nr: it for it in facts.items}
    for r in res.rules:
        if r.status not in (st.ERROR, st.WARNING):
            continue
        failed = [nr for nr, s in r.parts.items() if s == r.status]
        for nr in failed:
            label = items[nr].short if nr in items else ""
            refs = facts.rule_refs.get((r.id, nr)) or [facts.item_ref(nr)]
            out.append(Finding(RULE, f"{r.id} poz. {nr}", r.status, f"{r.message} (poz. {nr}: {label})", _values(data, refs), rule=r.id, items=items_read(refs)))
        if not failed:
            refs = facts.rule_refs.get((r.id, None), [])
            out.append(Finding(RULE, r.id, r.status, r.message, _values(data, refs), rule=r.id, items=items_read(refs)))
    return out


def _k03_findings(data: FormData, res: Result) -> list[Finding]:
    return [
        Finding(K03, f"K-03 poz. {k.item}", k.status, k.explanation, f"P{k.item} = {_fmt_value(_clean(data.items.get(k.item)))}", k.afbp, k.k03, k.k03_upper)
        for k in res.k03
        if k.status == st.DIFFERENCE
    ]


def _empty_findings(engine: Engine, data: FormData, res: Result) -> list[Finding]:
    """The form's empty required fields (:attr:`Result.missing`, basic data included), each
    with what it held instead of an answer when not blank (text in a number field)."""
    if not res.missing:
        return []
    fields = {f.label: f for f in engine.required}
    shown = []
    for label in res.missing:
        held = data.get(fields[label].ref) if label in fields else None
        shown.append(label if held is None or held == "" else f"{label} ({_fmt_value(held)})")
    return [Finding(EMPTY, "puste pola", st.INCOMPLETE, f"Puste lub niepoprawne pola wymagane: {len(shown)}", completeness.SEPARATOR.join(shown))]


def _safe_evaluate(engine: Engine, data: FormData, facts: _Facts, values: dict[str, Any] | None = None) -> FormEvaluation | EvaluationError:
    """:func:`evaluate_form`, or an :class:`EvaluationError` when the engine fails on this form's values."""
    try:
        return evaluate_form(engine, data, facts, values)
    except Exception as exc:  # noqa: BLE001 - one hostile form must not stop the batch
        return EvaluationError(f"{type(exc).__name__}: {exc}"[:300])


def attach_evaluation(engine: Engine, sub: Any) -> Any:
    """Give a submission the evaluation of its form (from the engine's values the reader
    computed) and drop the values: run in the reader's worker by the consolidation job, so
    only the compact evaluation travels back to the parent process."""
    if sub.data is not None and sub.verdict != REJECTED and sub.evaluation is None and not sub.values_error:
        sub.evaluation = _safe_evaluate(engine, sub.data, _facts(engine), sub.values)
        sub.values = None
    return sub


def evaluate_all(engine: Engine, subs: Sequence[Any], *, progress: bool = False) -> list[FormEvaluation | EvaluationError]:
    """The evaluation of each submission's form. The engine's values computed by the reader
    (:attr:`~xl_afbp.reader.Submission.values`, in its worker processes) are used as they
    are – each file is evaluated once; only a submission made elsewhere (without values) is
    evaluated here. An engine failure the reader met is an :class:`EvaluationError`."""
    from tqdm import tqdm

    facts = _facts(engine)
    out: list[FormEvaluation | EvaluationError] = []
    with tqdm(total=len(subs), desc="Przeliczanie wskaźników", unit="form.", disable=not progress or len(subs) < 2, leave=False) as bar:
        for sub in subs:
            error = getattr(sub, "values_error", None)
            made = getattr(sub, "evaluation", None)  # in the reader's worker: attach_evaluation
            if made is not None:
                out.append(made)
            else:
                out.append(EvaluationError(error) if error else _safe_evaluate(engine, sub.data, facts, getattr(sub, "values", None)))
            bar.update(1)
    return out
