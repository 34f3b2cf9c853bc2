"""Text from a returned file: made safe once, compared the way people read it, shown safely.

A cell of a hostile (or unlucky) file can hold anything XML can spell: control characters
(``_x0001_``, an ESC sequence that recolours a terminal), lone UTF-16 surrogates
(``_xD800_``, ``&#xD800;``: not text at all – UTF-8 cannot encode them, so every writer
would fail on them), characters no reader sees (a zero-width space in a library's name).
The reader passes every text value through :func:`clean_text` once, at its boundary, and
notes what was removed; the batch policy compares ids and names by :func:`comparable`;
messages and the terminal show text through :func:`show_invisible` and :func:`terminal`;
every writer is also safe on its own (:func:`printable`, :func:`formula_safe`,
:func:`ooxml_text`), whatever reached it.

Kept on purpose: TAB and line breaks (a cell may hold several lines: Alt+Enter); CR and
CRLF become LF (a line break typed elsewhere). Removed: every other C0/C1 control
character and DEL, lone surrogates (a valid pair written as two ``_xD83D__xDCDA_``
escapes becomes its one character), the non-characters U+FFFE and U+FFFF.
"""

from __future__ import annotations

import os
import re
import unicodedata

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_CR = re.compile("\r\n?")
#: characters nobody sees on screen: format characters (zero-width space and joiners, soft
#: hyphen, BOM, word joiner, bidi marks and overrides), variation selectors, fillers
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e007f]"
)
_SPACES = re.compile(r"\s+")
_QUOTES = re.compile(r"[\"'„”“«»‚‘’]+")


def codepoint(ch: str) -> str:
    """``U+200B``: how a character nobody can see is named in a message."""
    return f"U+{ord(ch):04X}"


def clean_text(text: str) -> tuple[str, tuple[str, ...]]:
    """``text`` without what no output can carry, and the code points removed (in order,
    each once). Fast for the usual case: one regular-expression search."""
    if not _UNSAFE.search(text):
        return text, ()
    if "\r" in text:
        text = _CR.sub("\n", text)
    if _SURROGATE.search(text):  # a valid pair written as two escapes is one character
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    removed = tuple(dict.fromkeys(codepoint(m.group()) for m in _UNSAFE.finditer(text)))
    return _UNSAFE.sub("", text), removed


def has_surrogate(text: str) -> bool:
    """Whether ``text`` holds a lone UTF-16 surrogate (no UTF-8 writer can encode it)."""
    return bool(_SURROGATE.search(text))


def safe(text: str) -> str:
    """:func:`clean_text` without the report (messages, file names in logs)."""
    return clean_text(text)[0]


def safe_path(path: os.PathLike | str) -> str:
    """A path as text every writer can carry: bytes that are not UTF-8 (Linux file names
    are bytes) become U+FFFD, control characters become U+FFFD too."""
    try:
        raw = os.fsencode(path)
    except UnicodeEncodeError:  # a name made in Python with a lone surrogate no file system byte stands for
        raw = os.fsencode(_SURROGATE.sub("\ufffd", os.fspath(path)))
    text = raw.decode("utf-8", "replace")
    return _UNSAFE.sub("\ufffd", text)


def has_invisible(text: str) -> bool:
    return bool(_INVISIBLE.search(text)) or any(unicodedata.category(c) == "Cf" for c in text if ord(c) > 127)


def strip_invisible(text: str) -> str:
    """``text`` without the characters nobody sees (and other format characters)."""
    text = _INVISIBLE.sub("", text)
    if text.isascii():
        return text
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def comparable(text: object) -> str:
    """How two ids or names are compared: Unicode-normalised (NFKC: full-width digits,
    ligatures), invisible characters removed, quotes and runs of white space as one
    space, case folded."""
    s = unicodedata.normalize("NFKC", strip_invisible(str(text or "")))
    s = _QUOTES.sub(" ", s)
    return _SPACES.sub(" ", s).strip().casefold()


def show_invisible(text: str) -> str:
    """``text`` with every invisible character named: ``Biblioteka⟨U+200B⟩ w X``."""
    if not has_invisible(text):
        return text
    return "".join(f"⟨{codepoint(c)}⟩" if _INVISIBLE.match(c) or (ord(c) > 127 and unicodedata.category(c) == "Cf") else c for c in text)


_TERMINAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def terminal(text: str) -> str:
    """Text for a terminal: control characters (ESC sequences, a bare CR that rewrites
    the line), lone surrogates and bidi overrides shown as ``⟨U+001B⟩``, never sent raw."""
    if not _TERMINAL.search(text):
        return text
    return _TERMINAL.sub(lambda m: f"⟨{codepoint(m.group())}⟩", text)


__all__ = ["clean_text", "codepoint", "comparable", "has_invisible", "safe", "safe_path", "show_invisible", "strip_invisible", "terminal"]


# =============================================================================== for writers
# Every writer is safe on its own as well, whatever reached it (a file name from an e-mail
# attachment, a value computed from a file's text): a lone surrogate cannot be encoded as
# UTF-8 by any writer (CSV, HTML, XML, SQLite) and becomes U+FFFD; control characters other
# than tab, LF and CR cannot stand in XML 1.0 and are dropped.

#: C0 controls except tab, LF and CR; and the two XML non-characters
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: what a spreadsheet treats as the start of a formula in a CSV cell
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
#: Excel and LibreOffice read ``_xHHHH_`` in cell text as the character U+HHHH
_OOXML_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def printable(text: str) -> str:
    """``text`` without lone surrogates (→ U+FFFD) and control characters (dropped)."""
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    return _CONTROL.sub("", text)


def clean(value: object) -> object:
    """:func:`printable` for text, anything else unchanged."""
    return printable(value) if isinstance(value, str) else value


def formula_safe(value: object) -> object:
    """Text a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, and after a tab
    or a line break the same again) gets a leading apostrophe, as Excel itself shows text."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def ooxml_text(text: str) -> str:
    """Text for a cell of an OOXML part: printable, and a literal ``_x`` written as
    ``_x005F_x`` so that ``_xHHHH_`` reads back as typed."""
    return _OOXML_ESCAPE.sub(r"_x005F_\1", printable(text))
