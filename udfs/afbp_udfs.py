"""AFBP custom functions for Excel (xlwings classic, xlwings Lite, xlwings Server).

Funkcje arkuszowe AFBP: wskaźniki, reguły i porównania z K-03 liczone przez silnik xl-afbp.
Excel custom functions over the xl-afbp engine.

Every function is a thin wrapper: it turns the cell arguments into
:class:`xl_afbp.formdata.FormData` and asks the cached engine
(:func:`xl_afbp.engine.get_engine`). No indicator, rule or K-03 formula is written here.

Arguments (any of these layouts, see docs/udfs.md):

* a 34-cell row or column in item order (poz. 1-34), optionally followed by the 12 services
  of item 21 (46 cells); item 21's own cell may hold the number of "TAK" services (0-12);
* a 2-column range of (item, value) pairs in any order; the item as ``1``, ``"P01"``,
  ``"P_01"``, ``"P21_05"``, ``"PREV04"`` or ``"B_PODTYP"``;
* a header range plus a value range of the same shape (a row of the consolidator's
  library table: headers ``P01`` … ``P34``, ``P21_01`` … ``P21_12``; other headers are
  ignored), or one 2-row range holding both.

Cells: empty, ``""`` and Excel errors (``#N/A``, ``#DIV/0!`` … or error objects) are "no
value"; ``"#"`` is the AFBP mark "not measured"; other text stays text (the engine gives
"no value", exactly like the native formulas). Bad arguments give a short Polish text
starting with ``"Błąd: "`` – never a traceback.

This file is also pasted as ``main.py`` into xlwings Lite (``xl-afbp udfs lite``), so it
uses absolute imports only.
"""

import dataclasses
import inspect
import os
import re

import xlwings as xw

from xl_afbp import names as _names
from xl_afbp import status as _status
from xl_afbp.engine import K03Result, get_engine
from xl_afbp.expr.ast import Ref
from xl_afbp.expr.ast import k_addresses as _k_addresses
from xl_afbp.expr.ast import refs as _refs
from xl_afbp.expr.parse import parse as _parse_expr
from xl_afbp.expr.pyeval import PythonCompiler
from xl_afbp.formdata import FormData
from xl_afbp.spec.expand import k03_expressions
from xl_afbp.spec.vocab import resolver as _resolver

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

ERROR_PREFIX = "Błąd: "

# kinds of a parsed key
_ITEM, _COUNT, _SERVICE, _PREV, _BASIC = "item", "count", "service", "prev", "basic"

_RX_ITEM = re.compile(r"^(?:P|POZ\.?)\s*_?0*(\d+)$")
_RX_SERVICE = re.compile(r"^P_?0*(\d+)_0*(\d+)$")
_RX_PREV = re.compile(r"^PREV_?0*(\d+)$")
_RX_WORDS = re.compile(r"count_yes\(\s*P(\d+)\s*\)|\bP(\d+)\b")

# placeholders of the single K-03 comparison (AFBP side, K-03 side, K-03 upper bound)
_A, _K, _K2 = "UDF_AFBP", "UDF_K03", "UDF_K03_UP"

_INFO_FIELDS = {
    "nazwa": 0, "name": 0,
    "wzór": 1, "wzor": 1, "formula": 1, "formuła": 1, "formula_words": 1,
    "jednostka": 2, "unit": 2,
    "perspektywa": 3, "perspective": 3,
}


class ArgError(ValueError):
    """A bad argument; its text (Polish) becomes the cell value after "Błąd: "."""


# ---------------------------------------------------------------------------- cell values
def _cell(v):
    """One input cell as the engine reads it: number, "#", text or None (no value)."""
    t = type(v)
    if t is float or t is int:
        return v
    if v is None:
        return None
    if t is str:
        s = v.strip()
        if not s:
            return None
        if s[0] == "#":  # "#" = not measured; "#N/A", "#DIV/0!" … = Excel errors
            return "#" if s == "#" else None
        return s
    if t is bool:
        return v  # kept: the engine never reads TRUE/FALSE as a number
    if isinstance(v, (int, float)):  # numpy scalars and other number subclasses
        return float(v)
    return None  # error objects (Office.js), dates, JsNull …


def _yesno(v):
    v = _cell(v)
    if isinstance(v, str):
        up = v.upper()
        return up if up in ("TAK", "NIE") else v
    if v is True:
        return "TAK"
    if v is False:
        return "NIE"
    return v


def _flag(v) -> bool:
    """A TRUE/FALSE argument: TRUE, 1, "TAK", "PRAWDA", "TRUE" are true; empty is false."""
    v = _cell(v)
    if isinstance(v, str):
        return v.upper() in ("TAK", "PRAWDA", "TRUE", "T", "1")
    return bool(v)


def _is_list(x) -> bool:
    return isinstance(x, (list, tuple))


def _shape(x) -> tuple[list, int, int, bool]:
    """A range value → (row-major cells, rows, columns, is_2d)."""
    if _is_list(x):
        if x and _is_list(x[0]):
            ncols = len(x[0])
            for r in x:
                if not _is_list(r) or len(r) != ncols:
                    raise ArgError("zakres musi być prostokątem (wiersze o równej liczbie komórek)")
            return [v for r in x for v in r], len(x), ncols, True
        return list(x), 1, len(x), False
    return [x], 1, 1, False


def _cells_word(n: int) -> str:
    if n == 1:
        return "komórka"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return "komórki"
    return "komórek"


def _show(v) -> str:
    text = str(v)
    return text if len(text) <= 30 else text[:27] + "…"


# ---------------------------------------------------------------------------- state
class _State:
    """The cached engine and everything derived from the spec once (lookups, key cache)."""

    def __init__(self, edition):
        engine = get_engine(edition)
        spec = engine.spec
        self.engine, self.spec = engine, spec
        items = sorted(spec.items, key=lambda i: i.nr)
        self.items = {i.nr: i for i in items}
        svc = spec.services_item
        self.svc_nr = svc.nr if svc else None
        self.service_nrs = sorted(s.nr for s in spec.services)
        self.basic_keys = {b.key for b in spec.basic}
        self.numeric = {i.nr for i in items if i.numeric}
        item_keys = [((_COUNT if i.type == "services" else _ITEM), i.nr) for i in items]
        self.positional = {
            len(item_keys): item_keys,
            len(item_keys) + len(self.service_nrs): item_keys + [(_SERVICE, n) for n in self.service_nrs],
        }
        self.n_items = len(item_keys)
        self.indicators = [
            (ind.code, ind.name, ind.unit, engine.by_name[_names.indicator(ind.code)].py) for ind in spec.indicators
        ]
        self.codes = {ind.code for ind in spec.indicators}
        self.k03_checks = {c.item: c for c in spec.k03_checks}
        self.k03_addresses = {}
        for c in spec.k03_cells:
            self.k03_addresses[c.address.upper()] = c.address
            self.k03_addresses[_names.k03_row(c.address).upper()] = c.address
        self.perspectives = {p.id: p.label for p in spec.perspectives}
        blank = {f"P{i.nr}": None for i in items if i.numeric}
        blank.update({f"P{self.svc_nr}_{n:02d}": None for n in self.service_nrs})
        blank.update({f"PREV{nr}": None for nr in self.numeric})
        blank.update({f"B_{k}": None for k in self.basic_keys})
        self.blank_refs = blank
        self._keys: dict = {}
        self._headers: dict = {}
        self._k03_single: dict = {}
        self._info: dict = {}

    # -------------------------------------------------------------- keys
    def key(self, h):
        """A header/pair key → (kind, nr) or None when it names no input of the form."""
        if type(h) is not str:  # numbers are cheap; and True == 1 must not share a cache slot
            return self._key(h)
        try:
            return self._keys[h]
        except KeyError:
            pass
        k = self._key(h)
        if len(self._keys) < 10_000:
            self._keys[h] = k
        return k

    def _key(self, h):
        if isinstance(h, bool) or h is None:
            return None
        if isinstance(h, (int, float)):
            if float(h).is_integer():
                return self._item_key(int(h))
            return None
        if not isinstance(h, str):
            return None
        s = h.strip().upper().replace(" ", "")
        if m := _RX_SERVICE.match(s):
            nr, s_nr = int(m.group(1)), int(m.group(2))
            if nr == self.svc_nr and s_nr in self.service_nrs:
                return (_SERVICE, s_nr)
            return None
        if m := _RX_ITEM.match(s):
            return self._item_key(int(m.group(1)))
        if m := _RX_PREV.match(s):
            nr = int(m.group(1))
            return (_PREV, nr) if nr in self.numeric else None
        if s.startswith("B_") and s[2:] in self.basic_keys:
            return (_BASIC, s[2:])
        return None

    def _item_key(self, nr: int):
        if nr in self.numeric:
            return (_ITEM, nr)
        if nr == self.svc_nr:
            return (_COUNT, nr)
        return None

    # -------------------------------------------------------------- layouts
    def pairs(self, items, values=None):
        """The arguments of a UDF → list of ((kind, nr), raw cell value)."""
        if values is not None:
            return self._header_values(items, values)
        if items is None:
            raise ArgError("brak danych formularza – podaj zakres z pozycjami 1–34")
        flat, nrows, ncols, is_2d = _shape(items)
        if not is_2d or nrows == 1 or ncols == 1:
            n = len(flat)
            keys = self.positional.get(n)
            if keys is not None:
                return list(zip(keys, flat))
            if n == 2 and self.key(flat[0]) is not None:  # a single (item, value) pair
                return [(self.key(flat[0]), flat[1])]
            sizes = " lub ".join(str(k) for k in sorted(self.positional))
            raise ArgError(
                f"zakres ma {n} {_cells_word(n)} – oczekiwano {sizes} (poz. 1–{self.n_items} i 12 usług poz. 21), "
                "par (pozycja, wartość) albo nagłówków i wartości"
            )
        if ncols == 2:
            found = self._pairs(items)
            if found is not None:
                return found
        if nrows == 2:
            return self._header_values(items[0], items[1])
        if ncols == 2:
            self._pairs(items, strict=True)  # raises with the offending row
        raise ArgError(
            f"zakres {nrows}×{ncols} nie pasuje do żadnego układu: 34/46 komórek w wierszu lub kolumnie, "
            "2 kolumny (pozycja, wartość) albo 2 wiersze (nagłówki, wartości)"
        )

    def _pairs(self, rows, strict: bool = False):
        out = []
        for i, row in enumerate(rows):
            k = self.key(row[0])
            if k is None:
                if _cell(row[0]) is None or i == 0:  # blank key, or a header row such as ("poz.", "wartość")
                    continue
                if strict:
                    raise ArgError(f"nieznana pozycja '{_show(row[0])}' w wierszu {i + 1}")
                return None
            out.append((k, row[1]))
        if not out:
            if strict:
                raise ArgError("w pierwszej kolumnie nie ma żadnej pozycji formularza (1–34, P01, P_01 …)")
            return None
        return out

    def _header_values(self, headers, values):
        h_flat = _shape(headers)[0]
        v_flat = _shape(values)[0]
        if len(h_flat) != len(v_flat):
            raise ArgError(
                f"nagłówki ({len(h_flat)} {_cells_word(len(h_flat))}) i wartości ({len(v_flat)}) "
                "muszą mieć ten sam rozmiar"
            )
        # cache only texts/empties: True == 1 == 1.0 would share a slot, error objects are unhashable
        cacheable = all(h is None or type(h) is str for h in h_flat)
        index = self._headers.get(tuple(h_flat)) if cacheable else None
        if index is None:
            index = [(i, k) for i, h in enumerate(h_flat) if (k := self.key(h)) is not None]
            if not index:
                raise ArgError("w nagłówkach nie ma żadnej pozycji formularza (P01…P34, P21_01…P21_12)")
            if cacheable and len(self._headers) < 256:
                self._headers[tuple(h_flat)] = index
        return [(k, v_flat[i]) for i, k in index]

    # -------------------------------------------------------------- form data
    def form(self, items, values=None, *, expand_count: bool, many: bool = True):
        """FormData of the arguments. ``expand_count``: item 21's count becomes n×TAK + NIE;
        ``many``: the engine will read many refs (then a dict-backed FormData is faster)."""
        it, services, previous, basic = {}, {}, {}, {}
        count = None
        for (kind, nr), raw in self.pairs(items, values):
            if kind is _ITEM:
                it[nr] = _cell(raw)
            elif kind is _SERVICE:
                services[nr] = _yesno(raw)
            elif kind is _COUNT:
                count = _cell(raw)
            elif kind is _PREV:
                previous[nr] = _cell(raw)
            else:
                basic[nr] = _cell(raw)
        if expand_count and count is not None and all(v is None for v in services.values()):
            n = self.count(count)
            if n is not None:
                services = {s: ("TAK" if i < n else "NIE") for i, s in enumerate(self.service_nrs)}
        if many:
            return _Form(self, it, services, basic, previous)
        return FormData(items=it, services=services, basic=basic, previous=previous)

    def count(self, v):
        """Item 21's cell as a count of TAK services: a whole number 0-12, else None."""
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return None
        if not float(v).is_integer() or not 0 <= v <= len(self.service_nrs):
            return None
        return int(v)

    def code(self, code) -> str:
        if _is_list(code):
            raise ArgError("kod wskaźnika to jedna komórka, np. \"U05\"")
        c = _cell(code)
        if c is None or not isinstance(c, str):
            if c is None:
                raise ArgError("podaj kod wskaźnika, np. \"U05\"")
            raise ArgError(f"nieznany wskaźnik '{_show(code)}'")
        c = c.upper()
        if c not in self.codes:
            raise ArgError(f"nieznany wskaźnik '{_show(code)}'")
        return c

    # -------------------------------------------------------------- K-03
    def k03_rows(self, rng) -> dict:
        """A K-03 range (address, value of unit 0, unit 1 …) → {address: [values]}."""
        if rng is None:
            raise ArgError("podaj zakres K-03: w 1. kolumnie adres (np. D4.W1.R5), dalej wartości jednostek")
        if not _is_list(rng):
            raise ArgError("zakres K-03 musi mieć co najmniej 2 kolumny: adres i wartość")
        rows = rng if (rng and _is_list(rng[0])) else [rng]
        out: dict = {}
        for i, row in enumerate(rows):
            if not _is_list(row) or len(row) < 2:
                raise ArgError("zakres K-03 musi mieć co najmniej 2 kolumny: adres i wartość")
            head = row[0]
            address = self.k03_addresses.get(head.strip().upper()) if isinstance(head, str) else None
            if address is None:
                if _cell(head) is None or i == 0:
                    continue
                raise ArgError(f"nieznany adres K-03 '{_show(head)}' w wierszu {i + 1}")
            out[address] = [_cell(v) for v in row[1:]]
        return out

    def k03_single(self, item):
        """(check, compiled condition over the placeholders, other inputs it reads) of one item."""
        nr = self._item_number(item)
        if nr in self._k03_single:
            return self._k03_single[nr]
        check = self.k03_checks.get(nr)
        if check is None:
            have = ", ".join(str(n) for n in sorted(self.k03_checks))
            raise ArgError(f"poz. {nr} nie ma porównania z K-03 (mają je poz. {have})")
        if check.kind == "match":
            raise ArgError(f"poz. {nr} porównuje się z K-03 usługa po usłudze – użyj AFBP_K03_CHECKS")
        variant = dataclasses.replace(check, afbp=_A, k03=_K, lower=_K, upper=_K2)
        condition = k03_expressions(self.spec, variant)["condition"]
        base = _resolver(self.spec)

        def resolve(name):
            return Ref(name, "number") if name in (_A, _K, _K2) else base(name)

        node = _parse_expr(condition, resolve)
        fn = PythonCompiler(self.engine.ctx).compile(node)
        extra = [r for r in _refs(node) if r not in (_A, _K, _K2)]  # form data the relation also reads
        extra += [f"K-03 {a}" for a in _k_addresses(node)]  # e.g. the K-03 stock in the tolerance of item 9
        self._k03_single[nr] = (check, fn, extra)
        return self._k03_single[nr]

    def _item_number(self, item) -> int:
        if _is_list(item):
            raise ArgError("numer pozycji to jedna komórka, np. 4 albo \"P04\"")
        k = self.key(item)
        if k is None or k[0] not in (_ITEM, _COUNT):
            if _cell(item) is None:
                raise ArgError("podaj numer pozycji AFBP, np. 4 albo \"P04\"")
            raise ArgError(f"nieznana pozycja '{_show(item)}'")
        return k[1]

    # -------------------------------------------------------------- info
    def info(self, code: str) -> list:
        if code not in self._info:
            ind = self.spec.indicator(code)
            self._info[code] = [ind.name, self.words(ind.formula), ind.unit, self.perspectives.get(ind.perspective, ind.perspective)]
        return self._info[code]

    def words(self, formula: str) -> str:
        def repl(m):
            if m.group(1):
                it = self.items[int(m.group(1))]
                return f"liczba usług „TAK” ({it.short}, poz. {it.nr})"
            it = self.items.get(int(m.group(2)))
            return m.group(0) if it is None else f"{it.short} (poz. {it.nr})"

        return _RX_WORDS.sub(repl, formula).replace("*", "×")


_STATE = None


def _state() -> _State:
    """The engine is compiled once per process (first call), then reused."""
    global _STATE
    if _STATE is None:
        _STATE = _State(EDITION)
    return _STATE


def _error(exc: Exception) -> str:
    if isinstance(exc, ArgError):
        return ERROR_PREFIX + str(exc)
    text = f"{type(exc).__name__}: {exc}"
    return ERROR_PREFIX + "wewnętrzny (" + (text if len(text) <= 120 else text[:117] + "…") + ")"


class _Form(FormData):
    """FormData whose ``get`` is one dict lookup (the engine reads ~100 refs per call)."""

    def __init__(self, st: _State, items: dict, services: dict, basic: dict, previous: dict):
        super().__init__(items=items, services=services, basic=basic, previous=previous)
        refs = dict(st.blank_refs)
        refs.update({f"P{nr}": v for nr, v in items.items()})
        refs.update({f"P{st.svc_nr}_{nr:02d}": v for nr, v in services.items()})
        refs.update({f"PREV{nr}": v for nr, v in previous.items()})
        refs.update({f"B_{k}": v for k, v in basic.items()})
        self._refs = refs

    def get(self, ref):
        try:
            return self._refs[ref]
        except KeyError:
            return FormData.get(self, ref)


class _PlaceholderEnv:
    """The two sides of one K-03 comparison, plus optional form data for the rest."""

    __slots__ = ("values", "data")

    def __init__(self, values: dict, data: FormData):
        self.values, self.data = values, data

    def get(self, ref):
        if ref in self.values:
            return self.values[ref]
        return self.data.get(ref)

    def k_row(self, address):
        return ()

    def units_with_data(self) -> int:
        return 0

    def branches_with_data(self) -> int:
        return 0


# ---------------------------------------------------------------------------- the UDFs
@xw.func
@xw.arg("code", doc="Kod wskaźnika, np. \"U05\" / indicator code")
@xw.arg("items", doc="Dane formularza: 34 lub 46 komórek, pary (pozycja, wartość) albo nagłówki / form data")
@xw.arg("values", doc="Opcjonalnie: wartości do nagłówków z 2. argumentu / optional values for the header range")
def afbp_indicator(code, items, values=None):
    """Wartość jednego wskaźnika AFBP (puste = brak wartości). One AFBP indicator value (empty = no value).

    Dane: 34/46 komórek w kolejności pozycji, pary (pozycja, wartość) albo nagłówki + wartości.
    Data: 34/46 cells in item order, (item, value) pairs, or headers + values.
    """
    try:
        st = _state()
        c = st.code(code)
        return st.engine.indicator(c, st.form(items, values, expand_count=True, many=False))
    except Exception as exc:  # noqa: BLE001 - a cell shows a message, never a traceback
        return _error(exc)


@xw.func
@xw.arg("items", doc="Dane formularza: 34 lub 46 komórek, pary (pozycja, wartość) albo nagłówki / form data")
@xw.arg("values", doc="Opcjonalnie: wartości do nagłówków z 1. argumentu / optional values for the header range")
@xw.arg("as_row", doc="PRAWDA: jeden wiersz 42 wartości (kolejność kodów jak w tabeli) / TRUE: one row of values")
def afbp_indicators(items, values=None, as_row=False):
    """Wszystkie wskaźniki AFBP: tabela kod, wskaźnik, wartość, jednostka (z nagłówkiem). All AFBP indicators as a table.

    as_row = PRAWDA/TRUE: tylko jeden wiersz wartości (do tabeli bibliotek) / only one row of values.
    """
    try:
        st = _state()
        data = st.form(items, values, expand_count=True)
        if _flag(as_row):
            return [[fn(data, {}) for _, _, _, fn in st.indicators]]
        out = [["kod", "wskaźnik", "wartość", "jednostka"]]
        out += [[code, name, fn(data, {}), unit] for code, name, unit, fn in st.indicators]
        return out
    except Exception as exc:  # noqa: BLE001
        return _error(exc)


@xw.func
@xw.arg("items", doc="Dane formularza (także PREV01…, B_PODTYP…) / form data, optionally last year and basic data")
@xw.arg("values", doc="Opcjonalnie: wartości do nagłówków z 1. argumentu / optional values for the header range")
def afbp_checks(items, values=None):
    """Niespełnione reguły AFBP: reguła, waga, komunikat – albo "OK". Failing AFBP rules (id, severity, message), or "OK".

    Reguły B1–B6 tylko, gdy podano dane podstawowe (B_...). "brak danych", gdy żadnej reguły nie da się sprawdzić.
    Rules B1-B6 only when basic data (B_...) is given; "brak danych" when no rule can be checked.
    """
    try:
        st = _state()
        data = st.form(items, values, expand_count=False)
        result = st.engine.evaluate(data)
        rules = [r for r in result.rules if data.basic or r.group != "basic"]
        failing = [r for r in rules if r.status in (_status.ERROR, _status.WARNING)]
        if not failing:
            return _status.OK if any(r.status == _status.OK for r in rules) else _status.NO_DATA
        out = [["reguła", "waga", "komunikat"]]
        for r in failing:
            where = [str(nr) for nr, s in sorted(r.parts.items()) if s == r.status]
            message = r.message + (f" (poz. {', '.join(where)})" if where else "")
            out.append([r.id, r.status, message])
        return out
    except Exception as exc:  # noqa: BLE001
        return _error(exc)


@xw.func
@xw.arg("item", doc="Numer pozycji AFBP, np. 4 albo \"P04\" / AFBP item number")
@xw.arg("afbp_value", doc="Strona AFBP relacji (poz. 16: suma poz. 16 i 17) / AFBP side of the relation")
@xw.arg("k03_value", doc="Liczba z K-03 (suma wierszy/jednostek; dla \"między\": dolna granica) / K-03 figure or lower bound")
@xw.arg("k03_upper", doc="Górna granica (poz. 6, 16; informacyjnie poz. 30) / upper bound of ranged relations")
@xw.arg("items", doc="Opcjonalnie dane formularza, gdy relacja ich wymaga / optional form data")
def afbp_k03_check(item, afbp_value, k03_value, k03_upper=None, items=None):
    """Porównanie jednej pozycji AFBP z K-03: status i wyjaśnienie. One AFBP item against K-03: status, explanation.

    Relacja (równe, najwyżej, co najmniej, między, w przybliżeniu) pochodzi ze specyfikacji.
    The relation kind (equal, at most, at least, between, approx) comes from the spec.
    """
    try:
        st = _state()
        check, fn, extra = st.k03_single(item)
        data = st.form(items, None, expand_count=False) if items is not None else FormData()
        a, k, k2 = _cell(afbp_value), _cell(k03_value), _cell(k03_upper)
        env = _PlaceholderEnv({_A: a, _K: k, _K2: k2}, data)
        ok = fn(env)
        passed, failed = (_status.INFO, _status.INFO) if check.kind == "info" else (_status.OK, _status.DIFFERENCE)
        state = _status.NO_DATA if ok is None else (passed if ok else failed)

        def num(v):
            return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None

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
        if state == _status.NO_DATA and res.afbp is not None and res.k03 is not None and extra:
            rows = [r for r in extra if r.startswith("K-03 ")]
            missing = rows or [r for r in extra if data.get(r) is None]
            if rows:
                message = f"brak danych: {', '.join(rows)} – ta relacja czyta wiersze K-03, użyj AFBP_K03_CHECKS"
            elif missing:
                where = ", ".join(f"poz. {r[1:]}" if r[1:].isdigit() else r for r in missing)
                message = f"brak danych: {where} (podaj dane formularza w 5. argumencie)"
        return [[res.status, message]]
    except Exception as exc:  # noqa: BLE001
        return _error(exc)


@xw.func
@xw.arg("items", doc="Dane formularza (34/46 komórek, pary albo nagłówki) / form data")
@xw.arg("values_or_k03", doc="Zakres K-03 (adres, wartości jednostek…) albo wartości do nagłówków / K-03 range or values")
@xw.arg("k03", doc="Zakres K-03, gdy 2. argument to wartości do nagłówków / K-03 range when argument 2 holds values")
def afbp_k03_checks(items, values_or_k03, k03=None):
    """Wszystkie porównania AFBP z K-03: poz., status, AFBP, K-03, górna granica, wyjaśnienie. All K-03 cross-checks.

    K-03: w 1. kolumnie adres (np. D4.W1.R5), dalej wartości jednostek (biblioteka główna, filie).
    K-03 range: address in column 1, then one value per unit (main library first).
    """
    try:
        st = _state()
        if k03 is None:
            values, k03_range = None, values_or_k03
        else:
            values, k03_range = values_or_k03, k03
        data = st.form(items, values, expand_count=False)
        data.k03 = st.k03_rows(k03_range)
        result = st.engine.evaluate(data)
        out = [["poz.", "status", "AFBP", "K-03", "K-03 (górna granica)", "wyjaśnienie"]]
        for k in result.k03:
            out.append([k.item, k.status, k.afbp, k.k03, k.k03_upper, k.message])
        return out
    except Exception as exc:  # noqa: BLE001
        return _error(exc)


@xw.func
@xw.arg("code", doc="Kod wskaźnika, np. \"U05\" / indicator code")
@xw.arg("field", doc="Opcjonalnie: nazwa, wzór, jednostka albo perspektywa / optional: name, formula, unit, perspective")
def afbp_info(code, field=None):
    """Opis wskaźnika: nazwa, wzór słownie, jednostka, perspektywa. Indicator description: name, formula in words, unit, perspective."""
    try:
        st = _state()
        row = st.info(st.code(code))
        f = _cell(field)
        if f is None:
            return [row]
        idx = _INFO_FIELDS.get(str(f).strip().lower())
        if idx is None:
            raise ArgError(f"nieznane pole '{_show(field)}' – użyj: nazwa, wzór, jednostka, perspektywa")
        return row[idx]
    except Exception as exc:  # noqa: BLE001
        return _error(exc)


def _tidy_docs() -> None:
    """Excel shows the docstring as the function's description: drop Python's indentation."""
    for fn in (afbp_indicator, afbp_indicators, afbp_checks, afbp_k03_check, afbp_k03_checks, afbp_info):
        meta = getattr(fn, "__xlfunc__", None)
        ret = meta.get("ret") if isinstance(meta, dict) else None
        if isinstance(ret, dict) and isinstance(ret.get("doc"), str):
            ret["doc"] = inspect.cleandoc(ret["doc"])


_tidy_docs()
