"""Result statuses: the Polish text shown in workbook cells and the codes used in JSON.

A check says OK, its failure (``błąd`` / ``ostrzeżenie``, ``różnica`` for a K-03 check) or
``brak danych`` when an input it needs is empty. Three statuses say something else:

* ``nie dotyczy`` – the rule does not apply to this form (e.g. the change against last
  year when there is no last year); it is neither a failure nor missing data;
* ``informacja`` – a K-03 relation for which the seed gives no inequality: both values and
  the explanation are shown, nothing is flagged;
* ``niekompletny`` – the form's overall status while a required field is empty: the form
  cannot be "OK" before everything the survey asks for is there.
"""

from __future__ import annotations

from typing import Mapping

OK = "OK"
ERROR = "błąd"
WARNING = "ostrzeżenie"
NO_DATA = "brak danych"
DIFFERENCE = "różnica"
NOT_APPLICABLE = "nie dotyczy"
INFO = "informacja"
INCOMPLETE = "niekompletny"

#: Polish cell text → JSON code.
CODES = {
    OK: "ok",
    ERROR: "error",
    WARNING: "warning",
    NO_DATA: "no_data",
    DIFFERENCE: "difference",
    NOT_APPLICABLE: "not_applicable",
    INFO: "info",
    INCOMPLETE: "incomplete",
}
#: Severity of a rule → the status text of a failed check.
FAILED = {"error": ERROR, "warning": WARNING}
#: The K-03 sheet holds no value at all: every K-03 check is skipped, not failed.
K03_EMPTY = "K-03 nie wypełniono – kontrole K-03 pominięte"
#: K-03 check outcome → its word in the K-03 sheet's state ("K-03: różnic: 1; zgodnych: 12; …").
K03_STATE_LABELS = {DIFFERENCE: "różnic", OK: "zgodnych", INFO: "informacji", NO_DATA: "bez danych"}


def code(text: str) -> str:
    return CODES[text]


def k03_state(counts: Mapping[str, object]) -> str:
    """The K-03 sheet's state from the number of checks with each outcome of
    :data:`K03_STATE_LABELS` (a count may also be an Excel expression's text)."""
    return "K-03: " + "; ".join(f"{label}: {counts[text]}" for text, label in K03_STATE_LABELS.items())


def worst(statuses: list[str], failed: str) -> str:
    """Aggregate per-item parts: the failure if any part failed; ``nie dotyczy`` when no part
    applies; no data when every part that applies lacks data; otherwise OK."""
    if failed in statuses:
        return failed
    applying = [s for s in statuses if s != NOT_APPLICABLE]
    if statuses and not applying:
        return NOT_APPLICABLE
    if applying and all(s == NO_DATA for s in applying):
        return NO_DATA
    return OK
