"""Formulas that fetch data from outside the workbook: what a spreadsheet would reach for.

An input cell may hold a formula (``=47735+1000``: accepted with a warning, its result is
read). A formula that fetches – a web request (``WEBSERVICE``, ``IMAGE``, ``STOCKHISTORY``),
a live feed (``RTD``), another program (DDE: ``=cmd|'/c calc'!A0``, LibreOffice's
``DDE()``), a DLL (``CALL``, ``REGISTER.ID``), a database (``SQL.REQUEST``), or another file
(``[1]Arkusz!A1``, ``'C:\\dane\\[budzet.xlsx]Arkusz'!A1``, LibreOffice's
``'file:///…'#$Arkusz.A1``, ``INDIRECT("…file:…")``) – means its cached result came from
somewhere else, and opening the file runs it again: the file is rejected
(``external_formula``). The text is examined with its string literals set aside (a URL in
a quoted text of ``HYPERLINK`` fetches nothing).
"""

from __future__ import annotations

import re

_STRING = re.compile(r'"(?:[^"]|"")*"')
_FUNCTION = re.compile(
    r"(?<![\w.])(?:_xlfn\.|_xlws\.|_xll\.|com\.microsoft\.|org\.openoffice\.|org\.libreoffice\.)?"
    r"(WEBSERVICE|STOCKHISTORY|RTD|DDE|CALL|REGISTER\.ID|REGISTER|SQL\.REQUEST|IMAGE|EXEC|FOPEN|ORG\.OPENOFFICE\.WEBSERVICE)\s*\(",
    re.I,
)
_EXTERNAL_BOOK = re.compile(r"\[\s*\d+\s*\]|\[[^\]\[]*\.(?:xl\w*|ods|csv|txt)\s*\]|'(?:file|https?|ftp|smb)://|'\\\\|#\$", re.I)
_INDIRECT_FILE = re.compile(r"\bINDIRECT\s*\(\s*\"[^\"]*(?:file:|https?:|ftp:|\\\\|\[|#\$)", re.I)


def fetches(formula: str) -> str | None:
    """What a formula would fetch from outside the workbook (in Polish, for the reason),
    or None."""
    if _INDIRECT_FILE.search(formula):
        return "INDIRECT z adresem innego pliku"
    code = _STRING.sub('""', formula)
    m = _FUNCTION.search(code)
    if m:
        return m.group(1).upper()
    if "|" in code:
        return "DDE (łącze z innym programem)"
    if _EXTERNAL_BOOK.search(code):
        return "odwołanie do innego pliku"
    return None
