"""The argument layouts of the functions, turned into :class:`~xl_afbp.formdata.FormData`.

A function's form data may be (docs/udfs.md):

1. 34 or 46 cells in item order (a row or a column): poz. 1–34, then the 12 services;
2. a 2-column range of (item, value) pairs in any order;
3. a header range and a value range of the same size, or one 2-row range holding both.

Nothing here may guess. Headers are text only (``P01``, ``P_01``, ``poz. 1`` … parsed by
:mod:`xl_afbp.spelling`): a row of numbers is data, so two rows of data are an error
and not "headers plus values". An input named twice is an error, not "the last one wins".
Everything the spec says once (item numbers, services, K-03 addresses) is looked up once
per process and cached, and so is the header → column mapping of a table.
"""

from __future__ import annotations

from typing import Any

from xl_afbp import names
from xl_afbp.engine import Engine
from xl_afbp.formdata import FormData
from xl_afbp import spelling
from xl_afbp.spelling import ItemKey

from . import cells
from .errors import AfbpError

_CACHE_MAX = 10_000
_COUNT = "count"  # the services item's own cell: a count of TAK answers


class Layouts:
    """Everything derived from the spec once: keys, positional layouts, K-03 addresses."""

    def __init__(self, engine: Engine):
        spec = engine.spec
        items = sorted(spec.items, key=lambda i: i.nr)
        self.items = {i.nr: i for i in items}
        svc = spec.services_item
        self.svc_nr = svc.nr if svc else None
        self.service_nrs = sorted(s.nr for s in spec.services)
        self.numeric = {i.nr for i in items if i.numeric}
        self.basic_keys = {b.key for b in spec.basic}
        item_keys = [spelling.item(i.nr) for i in items]
        services = [spelling.service(self.svc_nr, n) for n in self.service_nrs] if svc else []
        self.positional = {len(item_keys): item_keys, len(item_keys) + len(services): item_keys + services}
        self.n_items = len(item_keys)
        first = item_keys[0]
        # how the messages show the spellings of a header, from the edition's first item
        self.spellings = f"{first.header}, {names.item(first.nr)}, „{first.label}”"
        self.k03_example = spec.k03_cells[0].address if spec.k03_cells else ""
        self.k03_addresses: dict[str, str] = {}
        for c in spec.k03_cells:
            self.k03_addresses[c.address.upper()] = c.address
            self.k03_addresses[names.k03_row(c.address).upper()] = c.address
        blank = {spelling.item(nr).ref: None for nr in self.numeric}
        blank.update({k.ref: None for k in services})
        blank.update({spelling.previous(nr).ref: None for nr in self.numeric})
        blank.update({spelling.basic(k).ref: None for k in self.basic_keys})
        self.blank_refs = blank
        self.service_refs = [(k.sub, k.ref) for k in services]
        self._slots: dict[ItemKey, tuple[str, Any, str]] = {}
        self._text_keys: dict[str, ItemKey | None] = {}
        self._headers: dict[tuple, list[tuple[int, ItemKey]]] = {}

    # -------------------------------------------------------------- keys
    def known(self, key: ItemKey | None) -> ItemKey | None:
        """The key when it names an input of this edition, else None."""
        if key is None:
            return None
        if key.kind == spelling.ITEM:
            return key if key.nr in self.numeric or key.nr == self.svc_nr else None
        if key.kind == spelling.SERVICE:
            return key if key.nr == self.svc_nr and key.sub in self.service_nrs else None
        if key.kind == spelling.PREVIOUS:
            return key if key.nr in self.numeric else None
        return key if key.field in self.basic_keys else None

    def text_key(self, h: Any) -> ItemKey | None:
        """A header written as text → its input, or None (other headers: ``Nazwa``, ``TERYT`` …)."""
        if type(h) is not str:
            return None
        try:
            return self._text_keys[h]
        except KeyError:
            pass
        key = self.known(spelling.parse(h))
        if len(self._text_keys) < _CACHE_MAX:
            self._text_keys[h] = key
        return key

    def pair_key(self, h: Any) -> ItemKey | None:
        """The key of an (item, value) pair: a header spelling, or the item's number."""
        if cells.is_number(h):
            return self.known(spelling.item(int(h))) if float(h).is_integer() else None
        return self.text_key(h)

    def is_count(self, key: ItemKey) -> bool:
        """The services item's own cell: the number of services answered TAK."""
        return key.kind == spelling.ITEM and key.nr == self.svc_nr

    # -------------------------------------------------------------- layouts
    def pairs(self, items: Any, values: Any = None) -> list[tuple[ItemKey, Any]]:
        """The arguments of a function → list of (input, raw cell value)."""
        if values is not None:
            return self._header_values(items, values)
        if items is None:
            raise AfbpError(f"brak danych formularza – podaj zakres z pozycjami 1–{self.n_items}")
        rng = cells.shape(items)
        if rng.is_line:
            return self._line(rng)
        if rng.cols == 2:
            found = self._pairs(rng, strict=False)
            if found is not None:
                return found
        if rng.rows == 2:
            return self._header_values(rng.row(0), rng.row(1), one_range=True)
        if rng.cols == 2:
            return self._pairs(rng, strict=True)  # raises, naming the offending row
        raise AfbpError(
            f"zakres {rng.rows}×{rng.cols} nie pasuje do żadnego układu: {self._sizes()} komórek w wierszu lub "
            "kolumnie, 2 kolumny (pozycja, wartość) albo 2 wiersze (nagłówki, wartości)"
        )

    def _sizes(self) -> str:
        return " lub ".join(str(k) for k in sorted(self.positional))

    def _line(self, rng: cells.Range) -> list[tuple[ItemKey, Any]]:
        n = len(rng.cells)
        keys = self.positional.get(n)
        if keys is not None:
            return list(zip(keys, rng.cells))
        if n == 2 and (key := self.pair_key(rng.cells[0])) is not None:  # a single (item, value) pair
            return [(key, rng.cells[1])]
        raise AfbpError(
            f"zakres ma {n} {cells.cells_word(n)} – oczekiwano {self._sizes()} (poz. 1–{self.n_items} i "
            f"{len(self.service_nrs)} usług poz. {self.svc_nr}), par (pozycja, wartość) albo nagłówków i wartości"
        )

    def _pairs(self, rng: cells.Range, *, strict: bool) -> list[tuple[ItemKey, Any]] | None:
        out: list[tuple[ItemKey, Any]] = []
        rows: dict[ItemKey, int] = {}
        for i in range(rng.rows):
            head, raw = rng.row(i)
            key = self.pair_key(head)
            if key is None:
                if cells.value(head) is None:
                    continue  # a blank row
                if i == 0 and isinstance(head, str):
                    continue  # a header row such as ("poz.", "wartość")
                if strict:
                    raise AfbpError(f"nieznana pozycja '{cells.show(head)}' w wierszu {i + 1}")
                return None
            if key in rows:
                raise AfbpError(f"{key.label} podana dwa razy (wiersze {rows[key] + 1} i {i + 1})")
            rows[key] = i
            out.append((key, raw))
        if not out:
            if strict:
                raise AfbpError(f"w pierwszej kolumnie nie ma żadnej pozycji formularza (1–{self.n_items}, {self.spellings} …)")
            return None
        return out

    def _header_values(self, headers: Any, values: Any, *, one_range: bool = False) -> list[tuple[ItemKey, Any]]:
        h = headers if one_range else cells.shape(headers).cells
        v = values if one_range else cells.shape(values).cells
        if len(h) != len(v):
            raise AfbpError(
                f"nagłówki ({len(h)} {cells.cells_word(len(h))}) i wartości ({len(v)}) muszą mieć ten sam rozmiar"
            )
        cacheable = all(x is None or type(x) is str for x in h)  # True == 1 == 1.0; error objects are unhashable
        index = self._headers.get(tuple(h)) if cacheable else None
        if index is None:
            index = self._index(h, one_range)
            if cacheable and len(self._headers) < 256:
                self._headers[tuple(h)] = index
        return [(key, v[i]) for i, key in index]

    def _index(self, headers: list, one_range: bool) -> list[tuple[int, ItemKey]]:
        """Column → input of a header row; numbers in it mean it is data, not headers."""
        index: list[tuple[int, ItemKey]] = []
        seen: dict[ItemKey, int] = {}
        for i, h in enumerate(headers):
            if cells.is_number(h) or isinstance(h, bool):
                where = "w pierwszym wierszu zakresu" if one_range else "w zakresie nagłówków"
                raise AfbpError(
                    f"{where} jest liczba {cells.show(h)} (komórka {i + 1}): nagłówki to tekst ({self.spellings} …) "
                    f"– dwa wiersze liczb to dane, nie nagłówek; dane jednej biblioteki podaj jako {self._sizes()} "
                    "komórek w kolejności pozycji"
                )
            key = self.text_key(h)
            if key is None:
                continue
            if key in seen:
                raise AfbpError(f"{key.label} ma dwa nagłówki (komórki {seen[key] + 1} i {i + 1}): {headers[seen[key]]!s}, {h!s}")
            seen[key] = i
            index.append((i, key))
        if not index:
            svc = self.positional[max(self.positional)][-1].header if self.service_nrs else ""
            first, last = self.positional[self.n_items][0].header, self.positional[self.n_items][-1].header
            first_svc = self.positional[max(self.positional)][self.n_items].header if self.service_nrs else ""
            raise AfbpError(f"w nagłówkach nie ma żadnej pozycji formularza ({first}…{last}, {first_svc}…{svc})")
        return index

    # -------------------------------------------------------------- form data
    def _slot(self, key: ItemKey) -> tuple[str, Any, str]:
        """(kind, FormData key, spec reference) of an input, computed once (a hot path)."""
        slot = self._slots.get(key)
        if slot is None:
            field = {spelling.SERVICE: key.sub, spelling.BASIC: key.field}.get(key.kind, key.nr)
            slot = self._slots[key] = (_COUNT if self.is_count(key) else key.kind, field, key.ref)
        return slot

    def form(self, items: Any, values: Any = None, *, expand_count: bool) -> FormData:
        """FormData of the arguments. ``expand_count``: the services item's own cell, when it
        holds a count n of TAK answers and no service cell is given, becomes n × TAK, then NIE."""
        data: dict[str, dict] = {spelling.ITEM: {}, spelling.SERVICE: {}, spelling.PREVIOUS: {}, spelling.BASIC: {}}
        refs = dict(self.blank_refs)
        count = None
        for key, raw in self.pairs(items, values):
            kind, field, ref = self._slot(key)
            if kind == _COUNT:
                count = cells.value(raw)
                continue
            v = cells.yes_no(raw) if kind == spelling.SERVICE else cells.value(raw)
            data[kind][field] = refs[ref] = v
        services = data[spelling.SERVICE]
        if expand_count and count is not None and all(v is None for v in services.values()):
            n = self.count(count)
            if n is not None:
                for i, (nr, ref) in enumerate(self.service_refs):
                    services[nr] = refs[ref] = "TAK" if i < n else "NIE"
        return _Form(data[spelling.ITEM], services, data[spelling.BASIC], data[spelling.PREVIOUS], refs)

    def count(self, v: Any) -> int | None:
        """The services item's cell as a count of TAK answers: a whole number 0–12, else None."""
        if not cells.is_number(v) or not float(v).is_integer() or not 0 <= v <= len(self.service_nrs):
            return None
        return int(v)

    # -------------------------------------------------------------- K-03
    def k03_rows(self, rng: Any) -> dict[str, list]:
        """A K-03 range (address, value of unit 0, unit 1 …) → {address: [values]}."""
        if rng is None:
            raise AfbpError(f"podaj zakres K-03: w 1. kolumnie adres (np. {self.k03_example}), dalej wartości jednostek")
        if not cells.is_range(rng):
            raise AfbpError("zakres K-03 musi mieć co najmniej 2 kolumny: adres i wartość")
        rows = rng if (rng and cells.is_range(rng[0])) else [rng]
        out: dict[str, list] = {}
        seen: dict[str, int] = {}
        for i, row in enumerate(rows):
            if not cells.is_range(row) or len(row) < 2:
                raise AfbpError("zakres K-03 musi mieć co najmniej 2 kolumny: adres i wartość")
            head = row[0]
            address = self.k03_addresses.get(head.strip().upper()) if isinstance(head, str) else None
            if address is None:
                if cells.value(head) is None or (i == 0 and isinstance(head, str)):
                    continue  # a blank row, or a header row
                raise AfbpError(f"nieznany adres K-03 '{cells.show(head)}' w wierszu {i + 1}")
            if address in seen:
                raise AfbpError(f"adres K-03 {address} podany dwa razy (wiersze {seen[address] + 1} i {i + 1})")
            seen[address] = i
            out[address] = [cells.value(v) for v in row[1:]]
        return out


class _Form(FormData):
    """FormData whose ``get`` is one dict lookup (the engine reads ~100 refs per call)."""

    def __init__(self, items: dict, services: dict, basic: dict, previous: dict, refs: dict):
        super().__init__(items=items, services=services, basic=basic, previous=previous)
        self._refs = refs

    def get(self, ref: str) -> Any:
        try:
            return self._refs[ref]
        except KeyError:
            return FormData.get(self, ref)
