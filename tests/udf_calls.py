"""Office.js calls of the six functions over a set of library rows, and what the engine says.

Shared by the runtime tests (Pyodide under Node, a running xlwings Server): each call is the
``func_name`` and ``args`` of the JSON body the add-in sends (every argument a 2-D matrix,
empty cells as ``""``), and each expectation is computed by the engine from a FormData built
directly from the simulated form, never through the functions' argument parsing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xl_afbp import status
from xl_afbp.engine import Engine
from xl_afbp.formdata import FormData
from xl_afbp.demo.simulate import simulate_form


@dataclass
class Case:
    """One call and how to judge its result."""

    func_name: str
    args: list
    want: Any = None  # the exact cell matrix, when it is known in full
    check: Any = field(default=None, repr=False)  # or a function(result) -> None raising AssertionError

    @property
    def body(self) -> dict:
        return {"func_name": self.func_name, "args": self.args}


def cell(v: Any) -> Any:
    """A value as the add-in sends it (empty cell: "")."""
    return "" if v is None else v


def excel(v: Any) -> Any:
    """A result as xlwings returns it to the add-in (None: "")."""
    return "" if v is None else v


def library_forms(n: int = 4) -> list[FormData]:
    """Simulated libraries of different sizes; the last one breaks rule L1 and lacks an item."""
    forms = [simulate_form(6000 + 37000 * i, i % 4, seed=f"runtime-{i}") for i in range(n)]
    broken = forms[-1]
    broken.items[6] = (broken.items.get(5) or 0) + 500  # more books bought than all acquisitions
    broken.items[16] = None
    return forms


def layout(engine: Engine) -> tuple[list[str], list[tuple[str, int]]]:
    """The consolidator's headers (P01…, P21_01…) and, per column, (item|service, number)."""
    spec = engine.spec
    svc = spec.services_item
    headers = [f"P{i.nr:02d}" for i in sorted(spec.items, key=lambda i: i.nr)]
    columns = [("item", i.nr) for i in sorted(spec.items, key=lambda i: i.nr)]
    headers += [f"P{svc.nr}_{s.nr:02d}" for s in spec.services]
    columns += [("service", s.nr) for s in spec.services]
    return headers, columns


def row_of(form: FormData, columns: list[tuple[str, int]]) -> list:
    return [cell(form.services.get(nr) if kind == "service" else form.items.get(nr)) for kind, nr in columns]


def k03_range(form: FormData) -> list[list]:
    width = max(len(v) for v in form.k03.values())
    return [["adres"] + [f"jednostka {u}" for u in range(width)]] + [
        [address] + [cell(v) for v in values] + [""] * (width - len(values)) for address, values in form.k03.items()
    ]


def cases(engine: Engine) -> list[Case]:
    headers, columns = layout(engine)
    codes = [i.code for i in engine.spec.indicators]
    out: list[Case] = []
    for form in library_forms():
        bare = FormData(items=dict(form.items), services=dict(form.services))
        res = engine.evaluate(bare)
        row = row_of(form, columns)
        table = [["kod", "wskaźnik", "wartość", "jednostka"]] + [
            [i.code, i.name, excel(res.indicators[i.code]), i.unit] for i in engine.spec.indicators
        ]
        out.append(Case("afbp_indicators", [[headers], [row]], want=table))
        out.append(Case("afbp_indicators", [[row]], want=table))  # 46 cells in item order
        out.append(Case("afbp_indicator", [[codes[:7], codes[7:14]], [headers], [row]],
                        want=[[excel(res.indicators[c]) for c in codes[:7]], [excel(res.indicators[c]) for c in codes[7:14]]]))
        out.append(Case("afbp_indicator", [[[c] for c in codes[-3:]], [[h] for h in headers], [[v] for v in row]],
                        want=[[excel(res.indicators[c])] for c in codes[-3:]]))
        failing = [r for r in res.failing_rules() if r.group != "basic"]
        out.append(Case("afbp_checks", [[row]], check=_checks(failing)))
        with_k03 = engine.evaluate(FormData(items=dict(form.items), services=dict(form.services), k03=form.k03))
        k03_rows = [[k.item, k.status, excel(k.afbp), excel(k.k03), excel(k.k03_upper), k.message] for k in with_k03.k03]
        out.append(Case("afbp_k03_checks", [k03_range(form), [row]],
                        want=[["poz.", "status", "AFBP", "K-03", "K-03 (górna granica)", "wyjaśnienie"]] + k03_rows))
        for k in with_k03.k03:
            if k.kind != "match":
                # a relation that also reads K-03 rows (item 9's tolerance from the K-03 stock)
                # cannot be decided from the two figures alone: "brak danych", and it says why
                want = status.NO_DATA if engine.k03_comparison(k.item).k03_rows else k.status
                out.append(Case("afbp_k03_check", [[[k.item]], [[cell(k.afbp)]], [[cell(k.k03)]], [[cell(k.k03_upper)]], [row]],
                                check=_status_is(want)))
    out.append(Case("afbp_info", [[["Z11"]], [["wzór"]]], want=[[engine.words(engine.spec.indicator("Z11").formula)]]))
    first = row_of(library_forms(1)[0], columns)
    out += [  # bad arguments: an error with the Polish message, never a text in the cell
        Case("afbp_indicator", [[["X99"]], [first]], want={"error": "nieznany wskaźnik 'X99'"}),
        Case("afbp_indicators", [[first, first]], check=_error("nagłówki to tekst")),  # two rows of data
        Case("afbp_indicator", [[["U05"]], [headers[:34] + ["P_01"]], [first[:35]]], check=_error("poz. 1 ma dwa nagłówki")),
        Case("afbp_k03_check", [[[21]], [[1]], [[1]]], check=_error("usługa po usłudze")),
    ]
    return out


def _checks(failing):
    def check(result):
        if not failing:
            assert result == [[status.OK]], result
            return
        assert result[0] == ["reguła", "waga", "komunikat"], result
        assert [r[:2] for r in result[1:]] == [[r.id, r.status] for r in failing], result
        assert all(got[2].startswith(r.message) for got, r in zip(result[1:], failing)), result

    return check


def _status_is(want: str):
    def check(result):
        assert result[0][0] == want, result

    return check


def _error(fragment: str):
    def check(result):
        assert isinstance(result, dict) and fragment in result["error"], result

    return check


def judge(case: Case, result: Any) -> None:
    """Assert that ``result`` (a cell matrix, or {"error": message}) is what the engine says."""
    if isinstance(result, dict) and set(result) >= {"error"} and not isinstance(case.want, dict):
        if case.check is None:
            raise AssertionError(f"{case.func_name}: {result['error']}")
    if case.check is not None:
        case.check(result)
    elif isinstance(case.want, dict):
        assert isinstance(result, dict) and result["error"] == case.want["error"], result
    else:
        assert result == case.want, (case.func_name, result, case.want)
