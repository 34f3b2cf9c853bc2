"""Every spelling of an item (:mod:`xl_afbp.spelling`): parsed to one key, written back
in each form, and in agreement with the defined names of :mod:`xl_afbp.names`."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xl_afbp import names
from xl_afbp import spelling
from xl_afbp.spelling import basic, item, parse, parse_ref, previous, service


@pytest.mark.parametrize(
    "text, key",
    [
        ("P1", item(1)), ("P01", item(1)), ("p01", item(1)), ("P_01", item(1)), ("P 1", item(1)), (" poz. 1 ", item(1)),
        ("poz.1", item(1)), ("Poz. 01", item(1)), ("POZ 34", item(34)), ("pozycja 7", item(7)),
        ("P21_01", service(21, 1)), ("P_21_01", service(21, 1)), ("p21_1", service(21, 1)), ("poz. 21.1", service(21, 1)),
        ("P21.12", service(21, 12)), ("poz. 21_05", service(21, 5)),
        ("PREV04", previous(4)), ("PREV_4", previous(4)), ("prev4", previous(4)),
        ("B_NAZWA", basic("NAZWA")), ("b_podtyp", basic("PODTYP")),
    ],
)
def test_spellings(text, key):
    assert parse(text) == key


@pytest.mark.parametrize("text", ["", "X", "P", "P0", "P00", "P21_0", "PREV4_1", "PREV", "Nazwa", "TERYT", "D4.W1.R5",
                                  "K_D4_W1_R5", "1", "poz.", "P1a", 4, 4.0, None, True])
def test_not_spellings(text):
    assert parse(text) is None


def test_formats():
    assert (item(4).ref, item(4).header, item(4).label) == ("P4", "P04", "poz. 4")
    assert (service(21, 5).ref, service(21, 5).header, service(21, 5).label) == ("P21_05", "P21_05", "poz. 21.5")
    assert (previous(4).ref, previous(4).header) == ("PREV4", "PREV04")
    assert (basic("www").ref, basic("www").header) == ("B_WWW", "B_WWW")


def test_every_input_of_the_edition_reads_back_from_each_of_its_spellings(spec):
    svc = spec.services_item
    keys = [item(i.nr) for i in spec.items]
    keys += [service(svc.nr, s.nr) for s in spec.services]
    keys += [previous(i.nr) for i in spec.numeric_items]
    keys += [basic(b.key) for b in spec.basic]
    for key in keys:
        assert parse(key.ref) == parse(key.header) == parse_ref(key.ref) == key
        if key.kind != spelling.PREVIOUS:
            assert parse(key.label if key.kind != spelling.BASIC else key.ref) == key
    # the workbook's defined names (written by names.py, not by spelling) are spellings too
    for i in spec.items:
        assert parse(names.item(i.nr)) == item(i.nr)
    for s in spec.services:
        assert parse(names.service(s.nr, svc.nr)) == service(svc.nr, s.nr)
    for i in spec.numeric_items:
        assert parse(names.previous(i.nr)) == previous(i.nr)
    for b in spec.basic:
        assert parse(names.basic(b.key)) == basic(b.key)


def test_parse_ref_takes_only_the_specs_own_names():
    assert parse_ref("P4") == item(4) and parse_ref("P21_01") == service(21, 1) and parse_ref("PREV4") == previous(4)
    for text in ("poz. 4", "p4", "P_04", "PREV_4", "P 4", "D4.W1.R5"):
        assert parse_ref(text) is None, text


@given(
    nr=st.integers(1, 999),
    prefix=st.sampled_from(["P", "p", "poz.", "Poz. ", "POZ ", "pozycja "]),
    sep=st.sampled_from(["", "_", " "]),
    zeros=st.integers(0, 2),
)
def test_any_item_spelling(nr, prefix, sep, zeros):
    if prefix[-1] == " " and sep == "_":
        sep = ""
    assert parse(f"{prefix}{sep}{'0' * zeros}{nr}") == item(nr)
