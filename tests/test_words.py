"""The formula in words (:mod:`xl_afbp.expr.words`), the third renderer of the expression tree.

The oracle is the parser: turning the words back into names and parsing them must give the
very tree that was rendered, so every parenthesis the words need is there and no other.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xl_afbp.expr.ast import Bin, Num, Ref
from xl_afbp.expr.words import number_words


def back_to_names(engine, words: str) -> str:
    """Words → the expression language: labels to Pn, × to *, decimal commas to points."""
    labels = {engine.words(f"P{i.nr}"): f"P{i.nr}" for i in engine.spec.numeric_items}
    for label in sorted(labels, key=len, reverse=True):
        words = words.replace(label, labels[label])
    return re.sub(r"(\d),(\d)", r"\1.\2", words.replace("×", "*"))


@pytest.mark.parametrize(
    "formula, words",
    [
        ("P16 / P1", "wypożyczenia (poz. 16) / mieszkańcy (poz. 1)"),
        ("P1 / (P13 + 1)", "mieszkańcy (poz. 1) / (filie (poz. 13) + 1)"),
        ("P5 / P1 * 1000", "nabytki (poz. 5) / mieszkańcy (poz. 1) × 1000"),
        ("count_yes(P21)", "liczba usług „TAK” (usługi sieciowe, poz. 21)"),
        ("P1 - (P2 - P13)", "mieszkańcy (poz. 1) - (użytkownicy (poz. 2) - filie (poz. 13))"),
        ("(P1 - P2) - P13", "mieszkańcy (poz. 1) - użytkownicy (poz. 2) - filie (poz. 13)"),
        ("P1 * 0.5", "mieszkańcy (poz. 1) × 0,5"),
        ("-(P1 + P2)", "-(mieszkańcy (poz. 1) + użytkownicy (poz. 2))"),
        ("P6 <= P5 and not (P1 > 0 or P2 = 0)",
         "zakupione książki (poz. 6) ≤ nabytki (poz. 5) i nie (mieszkańcy (poz. 1) > 0 lub użytkownicy (poz. 2) = 0)"),
    ],
)
def test_words(engine, formula, words):
    assert engine.words(formula) == words


def test_every_indicator_reads_back_as_its_own_formula(engine):
    for ind in engine.spec.indicators:
        if "count_yes" in ind.formula:
            continue
        assert engine.parse(back_to_names(engine, engine.words(ind.formula))) == engine.parse(ind.formula), ind.code


def _exprs():
    leaf = st.one_of(st.sampled_from([1, 2, 4, 5, 13, 16]).map(lambda n: f"P{n}"),
                     st.sampled_from([1, 100, 1000, 0.5, 2.25]).map(str))
    return st.recursive(
        leaf,
        lambda inner: st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        max_leaves=8,
    )


@settings(max_examples=150, deadline=None)
@given(_exprs())
def test_any_arithmetic_reads_back_as_the_same_tree(engine, text):
    assert engine.parse(back_to_names(engine, engine.words(text))) == engine.parse(text)


def test_number_words():
    assert number_words(1000.0) == "1000" and number_words(0.05) == "0,05" and number_words(-2.5) == "-2,5"


def test_unrendered_nodes_are_refused(engine):
    from xl_afbp.expr.words import WordsRenderer

    renderer = WordsRenderer(lambda r: r, lambda r: r)
    assert renderer.render(Bin("/", Ref("P1", "number"), Num(2.0))) == "P1 / 2"
    with pytest.raises(TypeError):
        renderer.render(object())  # type: ignore[arg-type]
