"""Result statuses: the Polish text shown in workbook cells and the codes used in JSON."""

from __future__ import annotations

OK = "OK"
ERROR = "błąd"
WARNING = "ostrzeżenie"
NO_DATA = "brak danych"
DIFFERENCE = "różnica"

#: Polish cell text → JSON code.
CODES = {OK: "ok", ERROR: "error", WARNING: "warning", NO_DATA: "no_data", DIFFERENCE: "difference"}
#: Severity of a rule → the status text of a failed check.
FAILED = {"error": ERROR, "warning": WARNING}


def code(text: str) -> str:
    return CODES[text]


def worst(statuses: list[str], failed: str) -> str:
    """Aggregate per-item parts: the failure if any part failed, no data if all lack data."""
    if failed in statuses:
        return failed
    if statuses and all(s == NO_DATA for s in statuses):
        return NO_DATA
    return OK
