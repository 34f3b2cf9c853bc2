"""One rounding and one way of writing a number, for every output (HTML, PDF, xlsx, CSV).

Excel shows a number rounded to the decimals of its format, half away from zero, and it
does so on the value as it keeps it: 15 significant digits. ``4.35`` is stored in binary as
4.34999999999999964…, yet Excel shows ``4,4`` (and ``=ROUND(4.35; 1)`` is 4.4), while
Python's ``f"{4.35:.1f}"`` gives ``4.3``. :func:`excel_round` rounds as Excel does, and
:func:`format_number` writes the result; the HTML report, the PDFs and the CSV files use
them, and the workbook keeps the full value under a number format of the same decimals, so
the same value shows the same digits in every file a coordinator opens.

How many decimals: an indicator's ``format`` in the spec (``0.00`` → 2), an item's
``decimals`` (0 for whole numbers) – but an input value keeps the decimals it has
(:func:`value_decimals`): 123.5 m² typed into a whole-number item is shown as 123,5, not 124.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any, Sequence

import numpy as np

#: Excel keeps 15 significant digits of a number
EXCEL_DIGITS = 15
#: the most decimals an input value is shown with (beyond: rounded)
MAX_DECIMALS = 10
#: what a table shows for "no value"
DASH = "—"
_CTX = Context(prec=EXCEL_DIGITS, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class NumberStyle:
    """How numbers are written: the decimal mark and the thousands separator."""

    decimal: str = ","
    thousands: str = "\u202f"  # narrow no-break space, as Polish typography groups digits


#: Polish text (HTML, PDF): 1 234,5
POLISH = NumberStyle()
#: Polish CSV for Excel: 1234,5 (no grouping, Excel would read "1 234,5" as text)
POLISH_PLAIN = NumberStyle(",", "")
#: machine CSV: 1234.5
MACHINE = NumberStyle(".", "")


def is_number(v: Any) -> bool:
    """A finite number (numpy scalars too; bool is not a number here)."""
    if isinstance(v, float):  # the common case (numpy's float64 too), without float()
        return math.isfinite(v)
    if v is None or isinstance(v, bool):
        return False
    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def excel_decimal(v: float, decimals: int) -> Decimal:
    """``v`` rounded as Excel rounds it: to 15 significant digits (what Excel stores), then
    to ``decimals`` places half away from zero."""
    d = _CTX.create_decimal(repr(float(v)))
    try:
        return d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than the context holds (|v| ≥ 1e15 with decimals)
        return d


def excel_round(v: float, decimals: int) -> float:
    """Excel's ``ROUND(v; decimals)`` (half away from zero on the 15-digit value)."""
    return float(excel_decimal(v, decimals))


def decimals_of(number_format: str | None) -> int:
    """Decimals shown by an Excel number format: ``0.00`` → 2, ``#,##0`` → 0, ``0.0#`` → 2."""
    fmt = (number_format or "0.00").split(";")[0]
    if "." not in fmt:
        return 0
    tail = fmt.split(".", 1)[1]
    return sum(1 for ch in tail if ch in "0#")


def value_decimals(v: Any, declared: int = 0) -> int:
    """The decimals an input value is shown with: the item's, or more when the value has
    more (up to :data:`MAX_DECIMALS`), so a typed 123.5 is never shown as 124."""
    if isinstance(v, float) and v.is_integer():  # most input values: no decimals of their own
        return max(declared, 0)
    if not is_number(v):
        return declared
    plain = _excel_digits(float(v))
    if plain is not None:  # exact already: its decimals are the digits after the point
        have = len(plain[2].rstrip("0"))
    else:
        d = _CTX.create_decimal(repr(float(v))).normalize()
        have = max(0, -d.as_tuple().exponent) if d.is_finite() else 0
    return max(declared, min(int(have), MAX_DECIMALS))


def _excel_digits(v: float) -> tuple[bool, str, str] | None:
    """(negative, whole digits, decimal digits) of the value Excel keeps of ``v``: the digits
    of ``repr(v)`` rounded to :data:`EXCEL_DIGITS` significant digits, half to even – what
    :func:`excel_decimal` gets from :class:`~decimal.Decimal`, here as digit work, because
    the writers call the formatting below for every cell (~400,000 in the tables of 2,500
    libraries). None (the Decimal way): an exponent, nan, inf, or 15 digits before the point."""
    s = repr(v)
    if "e" in s or "n" in s:
        return None
    negative = s[0] == "-"
    whole, _, frac = s.lstrip("-").partition(".")
    digits = whole + frac
    cut = len(digits) - len(digits.lstrip("0")) + EXCEL_DIGITS  # after the 15th significant digit
    if cut >= len(digits):
        return negative, whole, frac
    if cut < len(whole):
        return None
    keep, rest = digits[:cut], digits[cut:]
    up = rest[0] > "5" or (rest[0] == "5" and (rest[1:].strip("0") != "" or keep[-1] in "13579"))
    return negative, *_point(int(keep) + up, cut - len(whole))


def _rounded_digits(v: float, decimals: int) -> tuple[str, str, str] | None:
    """(sign, whole, decimals) of ``v`` rounded as :func:`excel_decimal` rounds it, from
    :func:`_excel_digits` (half away from zero on exact decimal digits); None: not plain."""
    plain = _excel_digits(v)
    if plain is None:
        return None
    negative, whole, frac = plain
    if len(frac) <= decimals:
        n = int(whole + frac.ljust(decimals, "0"))
    else:
        n = int(whole + frac[:decimals]) + (frac[decimals] >= "5")
    return ("-" if negative and n else ""), *_point(n, decimals)


def _point(n: int, decimals: int) -> tuple[str, str]:
    """(whole, decimal digits) of ``n / 10**decimals``, ``n`` ≥ 0."""
    digits = str(n).rjust(decimals + 1, "0")
    cut = len(digits) - decimals
    return digits[:cut], digits[cut:]


def format_number(v: Any, decimals: int, style: NumberStyle = POLISH, *, empty: str = DASH) -> str:
    """``v`` rounded as Excel rounds it and written with ``style``; ``empty`` for no value."""
    if not is_number(v):
        return empty
    fast = _rounded_digits(float(v), decimals) if decimals >= 0 else None
    if fast is not None:
        sign, whole, frac = fast
    else:
        d = excel_decimal(float(v), decimals)
        if d == 0:
            d = abs(d)  # Excel shows 0,00, never -0,00
        sign = "-" if d < 0 else ""
        whole, _, frac = f"{abs(d):.{decimals}f}".partition(".")
    return _written(sign, whole, frac, style)


def _written(sign: str, whole: str, frac: str, style: NumberStyle) -> str:
    if style.thousands and len(whole) > 3:  # grouped as Excel's "#,##0" groups them
        whole = f"{int(whole):,}".replace(",", style.thousands)
    return sign + whole + (style.decimal + frac if frac else "")


#: how far from a half of the last decimal a value must be for binary arithmetic to round it
#: as :func:`excel_decimal` does (its 15 digits and the product's rounding move it far less)
_CLEAR_OF_HALF = 1e-14


def format_numbers(values: Sequence[float] | np.ndarray, decimals: int | Sequence[int], style: NumberStyle = POLISH, *, empty: str = DASH) -> list[str]:
    """:func:`format_number` of every value of a float column (``decimals``: one for all, or
    one per value), a column at a time: a value clear of a half of its last decimal is
    rounded by numpy, the rest (and anything not plain) one by one by :func:`format_number`.
    The CSV tables write ~250,000 numbers for 2,500 libraries."""
    a = np.asarray(values, dtype=float)
    d = np.broadcast_to(np.asarray(decimals, dtype=np.int64), a.shape)
    with np.errstate(all="ignore"):
        y = np.abs(a) * 10.0 ** np.clip(d, 0, 15)
        low = np.floor(y)
        frac = y - low
        clear = np.isfinite(a) & (d >= 0) & (d <= 15) & (y < 1e15) & (np.abs(frac - 0.5) > y * _CLEAR_OF_HALF)
        rounded = np.where(clear, low + (frac > 0.5), 0).astype(np.int64)
    out = []
    for v, ok, n, dd, negative in zip(a.tolist(), clear.tolist(), rounded.tolist(), d.tolist(), (a < 0).tolist()):
        if not ok:
            out.append(format_number(v, dd, style, empty=empty))
            continue
        out.append(_written("-" if negative and n else "", *_point(n, dd), style))
    return out


def format_count(v: Any, style: NumberStyle = POLISH, *, empty: str = DASH) -> str:
    """A whole number (n, counts)."""
    return format_number(v, 0, style, empty=empty)


def format_percent(part: Any, whole: Any, decimals: int = 1, style: NumberStyle = POLISH) -> str:
    """``part`` as a percentage of ``whole`` ("87,5 %"), or the dash."""
    if not is_number(part) or not is_number(whole) or float(whole) == 0:
        return DASH
    return format_number(float(part) / float(whole) * 100, decimals, style) + "\u00a0%"
