"""Text that came from a returned file, made safe for each kind of output.

A name typed into a form, a file name from an e-mail attachment or a subtype a library
invented is data, and every writer must take it as it comes:

* **lone surrogates** (a file name in a legacy code page decoded with ``surrogateescape``,
  or ``_xD800_`` in a workbook, which OOXML readers decode to U+D800) cannot be encoded as
  UTF-8: every writer – CSV, HTML, XML, SQLite – would raise. They become U+FFFD.
* **control characters** other than tab, line feed and carriage return cannot stand in XML
  1.0 and garble a CSV: they are dropped.
* **formula starts**: a spreadsheet runs a CSV cell that starts with ``=``, ``+``, ``-``,
  ``@`` (and, after a tab or carriage return, the same again) as a formula:
  :func:`formula_safe` puts an apostrophe before such text, as Excel itself shows text.
* **OOXML escapes**: Excel and LibreOffice read ``_xHHHH_`` in cell text as the character
  U+HHHH; :func:`ooxml_text` writes a literal ``_x`` as ``_x005F_x`` so the text reads back
  as typed.
"""

from __future__ import annotations

import re
from typing import Any

_SURROGATE = re.compile(r"[\ud800-\udfff]")
#: C0 controls except tab, LF and CR; and the two XML non-characters
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: what a spreadsheet treats as the start of a formula in a CSV cell
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_OOXML_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def printable(text: str) -> str:
    """``text`` without lone surrogates (→ U+FFFD) and control characters (dropped)."""
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    return _CONTROL.sub("", text)


def clean(value: Any) -> Any:
    """:func:`printable` for text, anything else unchanged."""
    return printable(value) if isinstance(value, str) else value


def formula_safe(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading apostrophe; the rest unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def ooxml_text(text: str) -> str:
    """Text for a cell of an OOXML part: printable, and ``_xHHHH_`` kept literal."""
    return _OOXML_ESCAPE.sub(r"_x005F_\1", printable(text))
