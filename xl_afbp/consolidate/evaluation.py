"""Indicators, rules, K-03 checks and findings of each accepted form."""

from __future__ import annotations

import multiprocessing
import os
from typing import Any, Sequence


from .. import names
from .. import status as st
from ..engine import Engine
from ..expr.pyeval import as_number, is_yes
from ..formdata import FormData
from .facts import _Facts, _facts
from .records import PARALLEL_FROM, _clean, _fmt_value


# =============================================================================== evaluation
_WORKER_ENGINE: Engine | None = None


def evaluate_form(engine: Engine, data: FormData, facts: _Facts | None = None) -> dict[str, Any]:
    """Indicators, status, counts and the findings of one form (compact, picklable)."""
    facts = facts or _facts(engine)
    res = engine.evaluate(data)
    out: list[tuple] = []
    items = {it.nr: it for it in facts.items}

    def values(refs: list[str]) -> str:
        parts = []
        for r in refs:
            try:
                parts.append(f"{r} = {_fmt_value(_clean(data.get(r)))}")
            except KeyError:
                continue
        return "; ".join(parts)

    for r in res.rules:
        if r.status not in (st.ERROR, st.WARNING):
            continue
        failed = [nr for nr, s in r.parts.items() if s == r.status]
        if failed:
            for nr in failed:
                label = items[nr].short if nr in items else ""
                out.append(("reguła", f"{r.id} poz. {nr}", r.status, f"{r.message} (poz. {nr}: {label})", values(facts.rule_refs.get((r.id, nr), [f"P{nr}"])), None, None, None))
        else:
            out.append(("reguła", r.id, r.status, r.message, values(facts.rule_refs.get((r.id, None), [])), None, None, None))
    for k in res.k03:
        if k.status == st.DIFFERENCE:
            out.append(("K-03", f"K-03 poz. {k.item}", k.status, k.explanation, f"P{k.item} = {_fmt_value(_clean(data.items.get(k.item)))}", k.afbp, k.k03, k.k03_upper))
    empty = []
    for it in facts.numeric:
        v = data.items.get(it.nr)
        if as_number(v) is None and not (it.hash and v == "#"):
            empty.append(f"poz. {it.nr}" if v is None or v == "" else f"poz. {it.nr} ({_fmt_value(v)})")
    if facts.svc is not None:
        for s in facts.spec.services:
            if is_yes(data.services.get(s.nr)) is None:
                empty.append(f"poz. {facts.svc.nr}.{s.nr}")
    if empty:
        out.append(("braki", "puste pola", st.NO_DATA, f"Puste lub niepoprawne pola formularza: {len(empty)}", ", ".join(empty), None, None, None))
    return {
        "indicators": dict(res.indicators),
        "status": res.status,
        "errors": res.errors,
        "warnings": res.warnings,
        "gaps": int(res.values.get(names.GAPS) or 0),
        "findings": out,
    }






_WORKER_FORMS: Sequence[FormData] = ()


def _safe_evaluate(engine: Engine, data: FormData, facts: _Facts) -> dict[str, Any]:
    """:func:`evaluate_form`, or ``{"error": …}`` when the engine fails on this form's values."""
    try:
        return evaluate_form(engine, data, facts)
    except Exception as exc:  # noqa: BLE001 - one hostile form must not stop the batch
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}


def _eval_chunk(bounds: tuple[int, int]) -> list[dict[str, Any]]:
    engine = _WORKER_ENGINE
    assert engine is not None
    facts = _facts(engine)
    return [_safe_evaluate(engine, d, facts) for d in _WORKER_FORMS[bounds[0] : bounds[1]]]


def evaluate_all(engine: Engine, forms: Sequence[FormData], *, workers: int | None = None, progress: bool = False) -> list[dict[str, Any]]:
    """:func:`evaluate_form` for many forms (``{"error": …}`` for a form the engine cannot
    evaluate); two forked workers from :data:`PARALLEL_FROM` forms."""
    from tqdm import tqdm

    facts = _facts(engine)
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if len(forms) >= PARALLEL_FROM else 1
    bar = tqdm(total=len(forms), desc="Przeliczanie wskaźników", unit="form.", disable=not progress or len(forms) < 2, leave=False)
    try:
        if workers <= 1 or not hasattr(os, "fork"):
            out = []
            for d in forms:
                out.append(_safe_evaluate(engine, d, facts))
                bar.update(1)
            return out
        from concurrent.futures import ProcessPoolExecutor

        global _WORKER_ENGINE, _WORKER_FORMS
        _WORKER_ENGINE, _WORKER_FORMS = engine, forms  # inherited by the forked workers: nothing to pickle
        size = max(1, min(250, len(forms) // (workers * 4) or 1))
        chunks = [(i, min(len(forms), i + size)) for i in range(0, len(forms), size)]
        out = []
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
                for part in pool.map(_eval_chunk, chunks):
                    out += part
                    bar.update(len(part))
        finally:
            _WORKER_FORMS = ()
        return out
    finally:
        bar.close()



