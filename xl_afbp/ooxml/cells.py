"""Cell XML as Excel reads it, and the characters XML 1.0 cannot hold.

Text is always written as an inline string (``t="inlineStr"``): a value that starts with
``=`` stays text, so nothing read from a returned file can become a formula in our outputs.
"""

from __future__ import annotations

import math
from datetime import datetime
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from ..safetext import ooxml_text

#: the most characters Excel keeps in one cell
CELL_MAX = 32767


@lru_cache(maxsize=4096)
def column_letter(col: int) -> str:
    """Column number → Excel letters (1 = A, 16384 = XFD)."""
    out = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def _inline(ref: str, s: str, text: str) -> str:
    return f'<c r="{ref}"{s} t="inlineStr">{_is(text)}</c>'


def _is(text: str) -> str:
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f"<is><t{space}>{escape(text)}</t></is>"


def cell_xml(ref: str, style: str, value: Any) -> str:
    """A cell patched into a template: an empty value keeps the (styled) cell."""
    s = f' s="{style}"' if style else ""
    if value is None or value == "":
        return f'<c r="{ref}"{s}/>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"{s} t="n"><v>{value!r}</v></c>'
    return _inline(ref, s, ooxml_text(str(value)))


def _number(ref: str, s: str, f: float) -> str:
    """A number cell; no cell for NaN and infinities."""
    if not math.isfinite(f):
        return ""
    num = repr(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)
    return f'<c r="{ref}"{s}><v>{num}</v></c>'


def data_cell_xml(ref: str, style: int, v: Any) -> str:
    """A cell of a data row: numbers (numpy too) as numbers, NaN and empty text as no cell,
    dates as text, text cut to :data:`CELL_MAX` characters."""
    s = f' s="{style}"' if style else ""
    if type(v) is str:  # the commonest cells first (the summary writes ~380,000): text …
        return _text(ref, s, v)
    if type(v) is float:  # … and floats
        return _number(ref, s, v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(v)}</v></c>'
    if isinstance(v, (int, float)) or hasattr(v, "dtype"):
        try:
            f = float(v)
        except (TypeError, ValueError):
            f = math.nan
        return _number(ref, s, f)
    if isinstance(v, datetime):
        v = v.isoformat(sep=" ", timespec="minutes")
    return _text(ref, s, str(v))


def _text(ref: str, s: str, v: str) -> str:
    """A text cell cut to :data:`CELL_MAX` characters; no cell for empty text."""
    body = _data_text(v)
    return f'<c r="{ref}"{s} t="inlineStr">{body}</c>' if body else ""


@lru_cache(maxsize=16384)
def _data_text(v: str) -> str:
    """The ``<is>`` element of a data cell's text ("": none). Cached: a summary repeats each
    library's id and name on every sheet, and the same few words (TAK, NIE, statuses)."""
    text = ooxml_text(v)[:CELL_MAX]
    return _is(text) if text else ""
