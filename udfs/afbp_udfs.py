"""AFBP custom functions for Excel (xlwings classic, xlwings Lite, xlwings Server).

Funkcje arkuszowe AFBP: wskaźniki, reguły i porównania z K-03 liczone przez silnik xl-afbp.

Every function is a thin wrapper: its arguments become :class:`xl_afbp.formdata.FormData`
(:mod:`.layouts`) and the cached engine computes (:func:`xl_afbp.engine.get_engine`). No
indicator, rule or K-03 formula is written here, and no expression is parsed here either:
the engine renders the formula in words and compiles the single K-03 comparison.

Results: a number, a text or a 2-D list (Excel spills it); "no value" is ``None``, an
empty cell. A bad argument is an Excel error value (``#VALUE!``, with the Polish message
where the runtime shows one), never a text: see :mod:`.errors`. The descriptions Excel
shows (docstrings, argument docs) are Polish and within Excel's 255 characters.

The function runtime needs only the standard library and xlwings (``xl-afbp udfs lite``
and ``udfs server`` ship it as the pure-Python wheel ``xl-afbp-functions``).
"""

import inspect
import os

import xlwings as xw

from xl_afbp import names
from xl_afbp import status as _status
from xl_afbp.engine import K03Result, get_engine
from xl_afbp.formdata import FormData
from xl_afbp import spelling

from . import cells
from .errors import AfbpError, fail
from .layouts import Layouts

__all__ = [
    "afbp_indicator",
    "afbp_indicators",
    "afbp_checks",
    "afbp_k03_check",
    "afbp_k03_checks",
    "afbp_info",
]

#: The form edition the functions use (override with the environment variable XL_AFBP_EDITION).
EDITION = os.environ.get("XL_AFBP_EDITION", "2016")

_INFO_FIELDS = {
    "nazwa": 0, "name": 0,
    "wzór": 1, "wzor": 1, "formula": 1, "formuła": 1, "formula_words": 1,
    "jednostka": 2, "unit": 2,
    "perspektywa": 3, "perspective": 3,
}


class _Session:
    """The cached engine and what the functions look up in its spec."""

    def __init__(self, edition: str):
        engine = get_engine(edition)
        spec = engine.spec
        self.engine, self.spec = engine, spec
        self.layouts = Layouts(engine)
        self.indicators = [
            (ind.code, ind.name, ind.unit, engine.by_name[names.indicator(ind.code)].py) for ind in spec.indicators
        ]
        self.evaluators = {code: fn for code, _, _, fn in self.indicators}
        self.k03_checks = {c.item: c for c in spec.k03_checks}
        self.perspectives = {p.id: p.label for p in spec.perspectives}
        self._info: dict[str, list] = {}

    def code(self, code) -> str:
        """One indicator code (any case) → the spec's code."""
        c = cells.value(code)
        if c is None:
            raise AfbpError("podaj kod wskaźnika, np. \"U05\"")
        if not isinstance(c, str) or c.upper() not in self.evaluators:
            raise AfbpError(f"nieznany wskaźnik '{cells.show(code)}'")
        return c.upper()

    def codes(self, code) -> list[list]:
        """A code or a range of codes → a grid of codes (None where a cell of a range is empty)."""
        rng = cells.shape(code)
        if len(rng.cells) == 1:
            return [[self.code(rng.cells[0])]]
        return [[None if cells.value(c) is None else self.code(c) for c in row] for row in rng.grid]

    def item_number(self, item) -> int:
        if cells.is_range(item):
            raise AfbpError("numer pozycji to jedna komórka, np. 4 albo \"P04\"")
        key = self.layouts.pair_key(item)
        if key is None or key.kind != spelling.ITEM:
            if cells.value(item) is None:
                raise AfbpError("podaj numer pozycji AFBP, np. 4 albo \"P04\"")
            raise AfbpError(f"nieznana pozycja '{cells.show(item)}'")
        return key.nr

    def info(self, code: str) -> list:
        if code not in self._info:
            ind = self.spec.indicator(code)
            perspective = self.perspectives.get(ind.perspective, ind.perspective)
            self._info[code] = [ind.name, self.engine.words(ind.formula), ind.unit, perspective]
        return self._info[code]


_SESSION = None


def _session() -> _Session:
    """The engine is compiled once per process (first call), then reused."""
    global _SESSION
    if _SESSION is None:
        _SESSION = _Session(EDITION)
    return _SESSION


# ---------------------------------------------------------------------------- the functions
_DATA_DOC = "Dane formularza: 34 lub 46 komórek w kolejności pozycji, pary (pozycja; wartość) albo nagłówki P01… z wartościami"
_VALUES_DOC = "Wartości do nagłówków z poprzedniego argumentu (ten sam rozmiar)"


@xw.func
@xw.arg("code", ndim=2, doc="Kod wskaźnika, np. \"U05\", albo zakres kodów (wynik ma jego kształt)")
@xw.arg("items", doc=_DATA_DOC)
@xw.arg("values", doc=_VALUES_DOC)
def afbp_indicator(code, items, values=None):
    """Wartość wskaźnika AFBP dla danych jednej biblioteki (pusta komórka = brak wartości). Zakres kodów daje zakres wartości o tym samym kształcie (rozlewa się)."""
    try:
        s = _session()
        grid = s.codes(code)
        data = s.layouts.form(items, values, expand_count=True)
        if len(grid) == 1 and len(grid[0]) == 1:
            return s.evaluators[grid[0][0]](data, {})
        return [[None if c is None else s.evaluators[c](data, {}) for c in row] for row in grid]
    except Exception as exc:  # noqa: BLE001 - an Excel error value, never a traceback
        return fail(exc)


@xw.func
@xw.arg("items", doc=_DATA_DOC)
@xw.arg("values", doc=_VALUES_DOC)
@xw.arg("as_row", doc="PRAWDA: jeden wiersz 42 wartości w kolejności kodów (do tabeli bibliotek)")
def afbp_indicators(items, values=None, as_row=False):
    """Wszystkie wskaźniki AFBP: tabela kod, wskaźnik, wartość, jednostka (z nagłówkiem). Z as_row = PRAWDA: jeden wiersz samych wartości."""
    try:
        s = _session()
        data = s.layouts.form(items, values, expand_count=True)
        if cells.flag(as_row):
            return [[fn(data, {}) for _, _, _, fn in s.indicators]]
        out = [["kod", "wskaźnik", "wartość", "jednostka"]]
        out += [[code, name, fn(data, {}), unit] for code, name, unit, fn in s.indicators]
        return out
    except Exception as exc:  # noqa: BLE001
        return fail(exc)


@xw.func
@xw.arg("items", doc="Dane formularza (także PREV01… – poprzedni rok, B_PODTYP… – dane podstawowe)")
@xw.arg("values", doc=_VALUES_DOC)
def afbp_checks(items, values=None):
    """Niespełnione reguły AFBP (reguła, waga, komunikat) albo OK; „brak danych”, gdy żadnej nie da się sprawdzić. Reguły B1–B6 tylko, gdy podano dane podstawowe (B_…)."""
    try:
        s = _session()
        data = s.layouts.form(items, values, expand_count=False)
        result = s.engine.evaluate(data)
        rules = [r for r in result.rules if data.basic or r.group != "basic"]
        failing = [r for r in rules if r.status in (_status.ERROR, _status.WARNING)]
        if not failing:
            return _status.OK if any(r.status == _status.OK for r in rules) else _status.NO_DATA
        out = [["reguła", "waga", "komunikat"]]
        for r in failing:
            where = [str(nr) for nr, st in sorted(r.parts.items()) if st == r.status]
            out.append([r.id, r.status, r.message + (f" (poz. {', '.join(where)})" if where else "")])
        return out
    except Exception as exc:  # noqa: BLE001
        return fail(exc)


@xw.func
@xw.arg("item", doc="Numer pozycji AFBP, np. 4 albo \"P04\"")
@xw.arg("afbp_value", doc="Strona AFBP relacji (poz. 16: suma poz. 16 i 17)")
@xw.arg("k03_value", doc="Liczba z K-03 (suma wierszy i jednostek); dla relacji „między” dolna granica")
@xw.arg("k03_upper", doc="Górna granica przedziału (poz. 6, 16; informacyjnie poz. 30)")
@xw.arg("items", doc="Opcjonalnie dane formularza, gdy relacja ich wymaga")
def afbp_k03_check(item, afbp_value, k03_value, k03_upper=None, items=None):
    """Porównanie jednej pozycji AFBP z liczbą z K-03 według relacji ze specyfikacji (równe, najwyżej, co najmniej, między, w przybliżeniu): status i wyjaśnienie."""
    try:
        s = _session()
        nr = s.item_number(item)
        check = s.k03_checks.get(nr)
        if check is None:
            have = ", ".join(str(n) for n in sorted(s.k03_checks))
            raise AfbpError(f"poz. {nr} nie ma porównania z K-03 (mają je poz. {have})")
        if check.kind == "match":
            raise AfbpError(f"poz. {nr} porównuje się z K-03 usługa po usłudze – użyj AFBP_K03_CHECKS")
        comparison = s.engine.k03_comparison(nr)
        data = s.layouts.form(items, None, expand_count=False) if items is not None else FormData()
        a, k, k2 = cells.value(afbp_value), cells.value(k03_value), cells.value(k03_upper)
        state = comparison.status(a, k, k2, data)

        def num(v):
            return v if cells.is_number(v) else None

        ranged = bool(check.upper)
        res = K03Result(
            item=check.item,
            status=state,
            kind=check.kind,
            afbp=num(a),
            k03=num(k) if not ranged or num(k2) is not None else None,
            k03_upper=num(k2) if ranged else None,
            explanation=check.explanation,
            ranged=ranged,
        )
        message = res.message
        if state == _status.NO_DATA and res.afbp is not None and res.k03 is not None:
            missing = [r for r in comparison.inputs if data.get(r) is None]
            if comparison.k03_rows:
                rows = ", ".join(f"K-03 {a}" for a in comparison.k03_rows)
                message = f"brak danych: {rows} – ta relacja czyta wiersze K-03, użyj AFBP_K03_CHECKS"
            elif missing:
                where = ", ".join(key.label if (key := spelling.parse_ref(r)) else r for r in missing)
                message = f"brak danych: {where} (podaj dane formularza w 5. argumencie)"
        return [[res.status, message]]
    except Exception as exc:  # noqa: BLE001
        return fail(exc)


@xw.func
@xw.arg("k03", doc="Zakres K-03: w 1. kolumnie adres (np. D4.W1.R5), dalej wartości jednostek (biblioteka główna, filie)")
@xw.arg("items", doc=_DATA_DOC)
@xw.arg("values", doc=_VALUES_DOC)
def afbp_k03_checks(k03, items, values=None):
    """Wszystkie porównania AFBP z K-03: poz., status, AFBP, K-03, górna granica, wyjaśnienie – jeden wiersz na relację."""
    try:
        s = _session()
        data = s.layouts.form(items, values, expand_count=False)
        data.k03 = s.layouts.k03_rows(k03)
        result = s.engine.evaluate(data)
        out = [["poz.", "status", "AFBP", "K-03", "K-03 (górna granica)", "wyjaśnienie"]]
        out += [[k.item, k.status, k.afbp, k.k03, k.k03_upper, k.message] for k in result.k03]
        return out
    except Exception as exc:  # noqa: BLE001
        return fail(exc)


@xw.func
@xw.arg("code", doc="Kod wskaźnika, np. \"U05\"")
@xw.arg("field", doc="Jedno pole: nazwa, wzór, jednostka albo perspektywa (domyślnie wszystkie cztery)")
def afbp_info(code, field=None):
    """Opis wskaźnika AFBP: nazwa, wzór słownie, jednostka i perspektywa – albo jedno z tych pól."""
    try:
        s = _session()
        row = s.info(s.code(code))
        f = cells.value(field)
        if f is None:
            return [row]
        idx = _INFO_FIELDS.get(str(f).strip().lower())
        if idx is None:
            raise AfbpError(f"nieznane pole '{cells.show(field)}' – użyj: nazwa, wzór, jednostka, perspektywa")
        return row[idx]
    except Exception as exc:  # noqa: BLE001
        return fail(exc)


FUNCTIONS = (afbp_indicator, afbp_indicators, afbp_checks, afbp_k03_check, afbp_k03_checks, afbp_info)


def _tidy_docs() -> None:
    """Excel shows the docstring as the function's description: drop Python's indentation."""
    for fn in FUNCTIONS:
        meta = getattr(fn, "__xlfunc__", None)
        ret = meta.get("ret") if isinstance(meta, dict) else None
        if isinstance(ret, dict) and isinstance(ret.get("doc"), str):
            ret["doc"] = inspect.cleandoc(ret["doc"])


_tidy_docs()
