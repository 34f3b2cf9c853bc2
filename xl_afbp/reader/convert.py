"""Value conversion and the data checks that do not reject (text in numbers, negatives, …)."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time as dtime, timedelta, timezone
from typing import Any, TYPE_CHECKING

from .. import status
from ..formdata import FormData
from .submission import REL_TOL

if TYPE_CHECKING:  # type hints only: the modules import each other
    from .contract import _Contract


# ============================================================================ values
def _norm(v: Any) -> Any:
    """A calamine value as FormData keeps it: '' → None, integral floats → int, dates → text."""
    if v is None or (isinstance(v, str) and v == ""):
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, float):
        if math.isfinite(v) and v == int(v) and abs(v) < 2**53:
            return int(v)
        return v
    if isinstance(v, (datetime, date, dtime)):
        return v.isoformat()
    if isinstance(v, timedelta):
        return str(v)
    return v


def _as_decimal(v: Any) -> Any:
    """Items with decimals keep float values (a spreadsheet stores 42.0 as 42)."""
    return float(v) if type(v) is int else v


def _meta_value(v: Any) -> Any:
    v = _norm(v)
    return v.strip() if isinstance(v, str) else v


def _as_int(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, str) and v.strip().isdigit():
        return int(v.strip())
    return None


def _id_text(v: Any) -> str | None:
    if v is None:
        return None
    return str(v).strip() or None


def _parse_time(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        t = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def _same(cached: Any, computed: Any) -> bool:
    if type(computed) is float and type(cached) in (float, int):  # the usual case, as below
        a = float(cached)
        if a != a or computed != computed:  # NaN
            return a != a and computed != computed
        return math.isclose(a, computed, rel_tol=REL_TOL, abs_tol=1e-12)
    return _same_values(cached, computed)


def _same_values(cached: Any, computed: Any) -> bool:
    """Whether a file's cached result is the engine's value (any values: the general case of :func:`_same`)."""
    if computed is None or computed == "":
        # LibreOffice, saving as .xlsx a workbook it opened as .ods, caches an empty text
        # result as the number 0: the library's spreadsheet did that, nobody changed the file
        return cached is None or cached == "" or (type(cached) in (int, float) and cached == 0)
    if cached is None:
        return False
    if isinstance(cached, bool) or isinstance(computed, bool):
        return cached == computed
    if isinstance(cached, (int, float)) and isinstance(computed, (int, float)):
        a, b = float(cached), float(computed)
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-12)
    return str(cached) == str(computed)


def _fmt_value(v: Any) -> str:
    if isinstance(v, float):
        return repr(v).replace(".", ",")
    return str(v)


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2})?)?$")


def _items_phrase(nrs: tuple[int, ...]) -> str:
    """``poz. 3 i 15`` / ``poz. 3, 7 i 15``."""
    shown = [str(n) for n in nrs]
    return "poz. " + (", ".join(shown[:-1]) + " i " + shown[-1] if len(shown) > 1 else "".join(shown))


def _describe_invalid(item, v: Any, hash_items: tuple[int, ...] = ()) -> str:
    """Why an item's value breaks its rule, in Polish (the items that allow "#" come from
    the spec)."""
    from ..expr.pyeval import as_number

    where = f"poz. {item.nr}"
    if isinstance(v, str):
        if v.strip() == "#" and item.hash:
            return f"{where}: „{v}” – wpisz sam znak # (bez spacji i innych znaków) albo liczbę"
        if v.strip() == "#":
            return f"{where}: znak # jest dozwolony tylko w {_items_phrase(hash_items)}" if hash_items else f"{where}: znak # nie jest tu dozwolony"
        if _ISO_DATE.match(v):
            return f"{where}: data („{v[:19]}”) zamiast liczby – sprawdź format komórki (Excel zamienia np. 1.5 na 1 maja)"
        return f"{where}: tekst zamiast liczby („{v[:40]}”)"
    if isinstance(v, bool):
        return f"{where}: wartość logiczna zamiast liczby"
    n = as_number(v)
    if n is None:
        return f"{where}: niepoprawna wartość ({_fmt_value(v)})"
    if n < 0:
        return f"{where}: liczba ujemna ({_fmt_value(v)})"
    if round(n, item.decimals) != n:
        if item.decimals == 0 and item.unit == "zł":
            return f"{where}: kwota z groszami ({_fmt_value(v)} zł) – wpisz pełne złote"
        if item.decimals == 0:
            return f"{where}: liczba niecałkowita ({_fmt_value(v)})"
        return f"{where}: za dużo miejsc po przecinku ({_fmt_value(v)}; dozwolone {item.decimals})"
    lo = "" if item.min is None else f"{item.min:g}"
    hi = "" if item.max is None else f"{item.max:g}"
    return f"{where}: wartość spoza zakresu {lo}–{hi} ({_fmt_value(v)})"


K03_MAX = {"whole": 999_999_999_999, "decimal": 1_000_000, "percent": 100}


def _invalid_values(contract: _Contract, data: FormData, computed: dict[str, Any]) -> list[str]:
    from ..expr.pyeval import as_number, is_yes

    spec = contract.engine.spec
    out = []
    for nr, name in sorted(contract.valid_checks.items()):
        if computed.get(name) == status.ERROR:
            out.append(_describe_invalid(spec.item(nr), data.items.get(nr), contract.hash_items))
    svc = spec.services_item
    for nr in contract.services:
        v = data.services.get(nr)
        if v is not None and is_yes(v) is None:
            out.append(f"poz. {svc.nr}.{nr}: „{str(v)[:20]}” zamiast TAK/NIE")  # type: ignore[union-attr]
    for cell in spec.k03_cells:
        for u, v in enumerate(data.k03.get(cell.address, ())):
            if v is None:
                continue
            unit = "biblioteka główna" if u == 0 else f"filia {u}"
            if cell.type == "yesno":
                if is_yes(v) is None:
                    out.append(f"K-03 {cell.address} ({unit}): „{str(v)[:20]}” zamiast TAK/NIE")
            else:
                n = as_number(v)
                top = K03_MAX.get(cell.type, K03_MAX["whole"])
                if n is None:
                    what = "data" if isinstance(v, str) and _ISO_DATE.match(v) else "tekst"
                    out.append(f"K-03 {cell.address} ({unit}): {what} zamiast liczby („{str(v)[:20]}”)")
                elif n < 0:
                    out.append(f"K-03 {cell.address} ({unit}): liczba ujemna ({_fmt_value(v)})")
                elif n > top:
                    out.append(f"K-03 {cell.address} ({unit}): wartość spoza zakresu 0–{top:g} ({_fmt_value(v)})")
                elif cell.type == "whole" and not float(n).is_integer():
                    out.append(f"K-03 {cell.address} ({unit}): liczba niecałkowita ({_fmt_value(v)})")
    return out
