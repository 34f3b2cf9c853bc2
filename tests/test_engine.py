"""The Python evaluator on hand-computed cases: empty vs '#' vs 0, zero divisors, K-03 semantics."""

from __future__ import annotations

import pytest

from xl_afbp import status
from xl_afbp.formdata import FormData


def ind(engine, code, **items):
    return engine.evaluate(FormData(items={int(k[1:]): v for k, v in items.items()})).indicators[code]


def test_simple_ratio(engine):
    assert ind(engine, "Z01", P4=50_000, P1=12_500) == 4.0
    assert ind(engine, "Z02", P5=1_250, P1=12_500) == 100.0
    assert ind(engine, "R02", P30=10_000, P28=90_000) == pytest.approx(10.0)


@pytest.mark.parametrize("p1", [None, "#", 0, "abc"])
def test_missing_hash_zero_or_text_divisor_gives_no_value(engine, p1):
    assert ind(engine, "Z01", P4=50_000, P1=p1) is None


def test_zero_numerator_is_a_value(engine):
    assert ind(engine, "Z01", P4=0, P1=12_500) == 0.0


def test_hash_is_no_value_for_indicators(engine):
    assert ind(engine, "U02", P3="#") is None
    assert ind(engine, "U02", P3=4.3) == 4.3


def test_service_count_needs_all_answers(engine):
    answers = {i: "TAK" if i <= 5 else "NIE" for i in range(1, 13)}
    assert engine.evaluate(FormData(services=answers)).indicators["Z12"] == 5.0
    answers[12] = None
    assert engine.evaluate(FormData(services=answers)).indicators["Z12"] is None


def rule(engine, rule_id, **kw):
    res = engine.evaluate(FormData(**kw))
    return next(r for r in res.rules if r.id == rule_id)


def test_rule_statuses(engine):
    assert rule(engine, "L1", items={5: 100, 6: 80}).status == status.OK
    assert rule(engine, "L1", items={5: 100, 6: 101}).status == status.ERROR
    assert rule(engine, "L1", items={5: 100}).status == status.NO_DATA
    assert rule(engine, "L8", items={1: 100, 2: 101}).status == status.WARNING


def test_l10_satisfaction(engine):
    assert rule(engine, "L10", items={3: "#"}).status == status.OK
    assert rule(engine, "L10", items={3: 4.5}).status == status.OK
    assert rule(engine, "L10", items={3: 4.55}).status == status.ERROR
    assert rule(engine, "L10", items={3: 5.5}).status == status.ERROR
    assert rule(engine, "L10", items={3: "brak"}).status == status.ERROR
    assert rule(engine, "L10", items={}).status == status.NO_DATA


def test_l11_types_per_item(engine):
    r = rule(engine, "L11", items={22: 10.75, 26: 1000, 15: "#", 4: 12})
    assert r.status == status.OK and r.parts[22] == status.OK and r.parts[15] == status.OK
    assert rule(engine, "L11", items={22: 10.755}).status == status.ERROR  # FTE with 3 decimals
    assert rule(engine, "L11", items={26: 1000.5}).status == status.ERROR  # money with grosze
    assert rule(engine, "L11", items={4: -1}).status == status.ERROR
    assert rule(engine, "L11", items={4: "#"}).status == status.ERROR  # '#' only in 3 and 15


def test_l12_change_against_last_year(engine):
    r = rule(engine, "L12", items={4: 151, 5: 100}, previous={4: 100, 5: 100})
    assert r.status == status.WARNING and r.parts[4] == status.WARNING and r.parts[5] == status.OK
    assert rule(engine, "L12", items={4: 150}, previous={4: 100}).status == status.OK
    assert rule(engine, "L12", items={4: 150}).status == status.NOT_APPLICABLE  # no last year


def test_basic_rules(engine):
    pow_ = {"PODTYP": "biblioteka powiatowa", "ORGANIZATOR": "Gmina Kościerzyna", "PONADLOKALNE": "TAK"}
    assert rule(engine, "B1", basic=pow_).status == status.ERROR
    assert rule(engine, "B1", basic={**pow_, "ORGANIZATOR": "POWIAT Inowrocław"}).status == status.OK  # Excel '=' ignores case
    assert rule(engine, "B2", basic=pow_).status == status.ERROR
    assert rule(engine, "B1", basic={"PODTYP": "biblioteka gminy wiejskiej"}).status == status.OK
    assert rule(engine, "B3", items={1: 5000}, basic={"PRZEDZIAL": "do 5 000"}).status == status.OK
    assert rule(engine, "B3", items={1: 5001}, basic={"PRZEDZIAL": "do 5 000"}).status == status.ERROR
    own_site = {n: "NIE" for n in (5, 6, 7, 9, 11)}
    assert rule(engine, "B4", items={15: 0}, services=own_site, basic={"WWW": None}).status == status.OK
    assert rule(engine, "B4", items={15: 120}, services=own_site, basic={"WWW": ""}).status == status.ERROR
    assert rule(engine, "B4", items={15: 120}, basic={"WWW": "http://x.pl"}).status == status.OK
    assert rule(engine, "B4", items={15: "#"}, services=own_site, basic={"WWW": None}).status == status.ERROR  # no site: 0, not '#'
    assert rule(engine, "B4", items={}, services=own_site, basic={"WWW": None}).status == status.NO_DATA


def k03(engine, item, **kw):
    return next(k for k in engine.evaluate(FormData(**kw)).k03 if k.item == item)


def test_k03_sums_over_units_and_empty_means_not_entered(engine):
    rows = {"D4.W1.R5": [30_000, 10_000, None], "D4.W5.R5": [1_000, None, None], "D4.W16.R5": [None, None, None]}
    assert k03(engine, 4, items={4: 41_000}, k03=rows).status == status.OK
    assert k03(engine, 4, items={4: 41_001}, k03=rows).status == status.DIFFERENCE
    r = k03(engine, 4, items={4: 41_000}, k03={})
    assert r.status == status.NO_DATA and r.message == "brak danych K-03"


def test_k03_hours_take_the_longest_open_unit(engine):
    assert k03(engine, 11, items={11: 48}, k03={"D2.P1.W1B": [48, 20, 30]}).status == status.OK
    assert k03(engine, 11, items={11: 98}, k03={"D2.P1.W1B": [48, 20, 30]}).status == status.DIFFERENCE


def test_k03_loans_include_interlibrary_loans(engine):
    rows = {"D7.P1.W1.R2": [1000, 200], "D7.P1.W1.R3": [50], "D7.P1.W1.R4": [None], "D7.P1.W1.R7": [10]}
    assert k03(engine, 16, items={16: 1200, 17: 60}, k03=rows).status == status.OK
    assert k03(engine, 16, items={16: 1260, 17: 0}, k03=rows).status == status.OK
    assert k03(engine, 16, items={16: 1260}, k03=rows).status == status.NO_DATA


def test_k03_bounds_and_tolerances(engine):
    rows = {"D3.P1.W5.R4": [2.5], "D3.P1.W5.R5": [1.25], "D3.P1.W5.R6": [0.75, 0.5]}
    assert k03(engine, 24, items={24: 4.0}, k03=rows).status == status.OK
    assert k03(engine, 24, items={24: 3.5}, k03=rows).status == status.OK  # at most R4+R5+R6: AFBP leaves out people on leave
    assert k03(engine, 24, items={24: 5.01}, k03=rows).status == status.DIFFERENCE
    assert k03(engine, 22, items={22: 0.3}, k03={"D3.P1.W5.R1": [0.1, 0.2]}).status == status.OK  # 0.1+0.2 ≠ 0.3 in floats
    assert k03(engine, 24, items={24: 0.3}, k03={"D3.P1.W5.R4": [0.1], "D3.P1.W5.R5": [0.2], "D3.P1.W5.R6": [0]}).status == status.OK
    pct = {"D8.P1.W13": [90, 50], "D4.W1.R5": [10_000, 2_000]}
    assert k03(engine, 9, items={9: 10_000, 4: 12_000}, k03=pct).status == status.OK
    assert k03(engine, 9, items={9: 10_500, 4: 12_000}, k03=pct).status == status.DIFFERENCE


def test_k03_branch_count_is_not_a_relation(engine):
    """The form gives no K-03 source for item 13 (branches): nothing compares it."""
    rows = {"D4.W1.R5": [100, 50, None, 20], "D8.P1.KAT": [None, None, "TAK"]}
    assert 13 not in {k.item for k in engine.evaluate(FormData(items={13: 2}, k03=rows)).k03}


def test_k03_services_any_unit(engine):
    yes = {i: "TAK" for i in range(1, 13)}
    k = {a: ["NIE", "TAK"] for a in ("D8.P1.KAT", "D8.P1.ZAM", "D8.P1.PRZ", "D8.P1.POW", "D8.P1.INF", "D8.P1.ELR", "D8.P1.BLG", "D8.P1.SPO", "D8.P2.W2")}
    assert k03(engine, 21, services=yes, k03=k).status == status.OK
    assert k03(engine, 21, services={**yes, 9: "NIE"}, k03=k).status == status.OK  # RSS shares the blog line
    assert k03(engine, 21, services={**yes, 8: "NIE", 9: "NIE"}, k03=k).status == status.OK  # K-03's line is broader
    assert k03(engine, 21, services=yes, k03={**k, "D8.P1.BLG": ["NIE", "NIE"]}).status == status.DIFFERENCE
    assert k03(engine, 21, services={**yes, 1: "NIE"}, k03=k).status == status.DIFFERENCE


def test_summary_status(engine):
    res = engine.evaluate(FormData(items={5: 100, 6: 101}))
    assert res.status == status.ERROR and res.errors >= 1
    required_basic = [b for b in engine.spec.basic if not b.optional and b.type != "fixed"]
    assert res.values["R_BRAKI"] == len(required_basic) + 33 + 12 - 2
    assert res.missing[:len(required_basic)] == [b.label for b in required_basic]


def test_json_shape(engine):
    out = engine.evaluate(FormData(items={1: 1000, 4: 5000})).to_json()
    assert set(out) >= {"indicators", "rules", "k03"}
    assert len(out["indicators"]) == 42 and out["indicators"]["Z01"] == 5.0
    assert {r["status"] for r in out["rules"]} <= {"ok", "warning", "error", "no_data", "not_applicable"}
    assert {k["status"] for k in out["k03"]} <= {"ok", "difference", "no_data", "info"}
    assert out["status"] == "incomplete" and "poz. 2" in out["missing"] and out["k03_state"].startswith("K-03 nie wypełniono")
    assert all(set(k) >= {"item", "status", "afbp", "k03", "message"} for k in out["k03"])
