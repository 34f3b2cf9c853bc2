"""The defined-name contract: the workbook's public interface.

Every generated workbook defines these names, and every reader (consolidator, tests,
UDF layouts) finds cells through them, never through addresses:

=====================  =====================================================
``P_01`` … ``P_34``     inputs of items 1-34 (the services item's name, ``P_21``, spans its service cells)
``P_21_01`` … ``_12``   the services of item 21 (TAK/NIE)
``PREV_01`` …           last year's value of an item (may be empty)
``B_<FIELD>``           basic data, e.g. ``B_NAZWA``, ``B_PODTYP``, ``B_PRZEDZIAL``
``IND_<code>``          indicators, e.g. ``IND_U05``
``MEDIAN_<code>``       the group median beside an indicator (forms with a benchmark)
``R_<id>``              rule results, e.g. ``R_L1``; per-item parts ``R_L11_04``
``K03_P_<nn>``          K-03 cross-check status of item nn
``K03_A_P_<nn>``        the AFBP side of that check
``K03_V_P_<nn>``        the K-03 side (lower bound for "between")
``K03_V2_P_<nn>``       the upper bound of a "between" check
``K_<address>``         a K-03 row across all unit columns, dots → ``_``
``R_STATUS`` …          overall status, counts of errors / warnings / gaps, the list of
                        empty required fields, the K-03 sheet's state
=====================  =====================================================

Excel refuses names that look like cell references (``N01``, ``WSK1`` are cells: columns
run to ``XFD``) or R1C1 references; :func:`is_cell_like` detects them and the spec lint
rejects them.
"""

from __future__ import annotations

import re

STATUS = "R_STATUS"
ERRORS = "R_BLEDY"
WARNINGS = "R_OSTRZEZENIA"
GAPS = "R_BRAKI"
MISSING = "R_BRAKI_LISTA"
K03_DIFFERENCES = "R_K03_ROZNICE"
K03_STATE = "R_K03_STAN"
UNITS_WITH_DATA = "K_JEDNOSTKI_Z_DANYMI"
BRANCHES_WITH_DATA = "K_FILIE_Z_DANYMI"
#: Hidden TERYT lists that ``teryt_ok()`` reads: the 16 województwa and, in the same rows,
#: the text of their units ``|powiat>gmina=code|…|`` (see xl_afbp.teryt.register_texts).
TERYT_WOJ = "L_TERYT_WOJ"
TERYT_UNITS = "L_TERYT_JEDNOSTKI"


def item(nr: int) -> str:
    return f"P_{nr:02d}"


def service(nr: int, item_nr: int = 21) -> str:
    return f"P_{item_nr:02d}_{nr:02d}"


def previous(nr: int) -> str:
    return f"PREV_{nr:02d}"


def basic(key: str) -> str:
    return f"B_{key}"


def indicator(code: str) -> str:
    return f"IND_{code}"


def median(code: str) -> str:
    """The group median of an indicator, shown beside it in forms with a benchmark."""
    return f"MEDIAN_{code}"


def rule(rule_id: str, part: int | None = None) -> str:
    return f"R_{rule_id}" if part is None else f"R_{rule_id}_{part:02d}"


def k03_check(nr: int) -> str:
    return f"K03_P_{nr:02d}"


def k03_afbp(nr: int) -> str:
    return f"K03_A_P_{nr:02d}"


def k03_value(nr: int) -> str:
    return f"K03_V_P_{nr:02d}"


def k03_upper(nr: int) -> str:
    return f"K03_V2_P_{nr:02d}"


def k03_row(address: str) -> str:
    return "K_" + address.replace(".", "_")


_A1 = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]+)$")
_R1C1 = re.compile(r"^[Rr]([0-9]*)[Cc]?([0-9]*)$|^[Cc][0-9]*$")
_VALID = re.compile(r"^[A-Za-z_\\][A-Za-z0-9_.]*$")


def col_number(letters: str) -> int:
    """Excel column letters → number (A = 1, XFD = 16384)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def is_cell_like(name: str) -> bool:
    """True when Excel would read ``name`` as a cell reference (A1 up to XFD1048576, or R1C1)."""
    m = _A1.match(name)
    if m and col_number(m.group(1)) <= 16384 and 1 <= int(m.group(2)) <= 1048576:
        return True
    return bool(_R1C1.match(name))


def name_problem(name: str) -> str | None:
    """Why Excel would refuse ``name`` as a defined name, or None when it is fine."""
    if not 1 <= len(name) <= 255:
        return "a name has 1 to 255 characters"
    if not _VALID.match(name):
        return "a name starts with a letter or _ and holds only letters, digits, _ and ."
    if is_cell_like(name):
        return "it looks like a cell reference"
    if name.upper() in ("TRUE", "FALSE"):
        return "TRUE and FALSE are reserved"
    return None
