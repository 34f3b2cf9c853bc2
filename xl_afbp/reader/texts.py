"""Polish texts shared by the reader's verdicts (what is wrong, what the library should do)."""

from __future__ import annotations

from .submission import _Reject


# ============================================================================ Polish texts


def _mb(n: float) -> str:
    return f"{n / 1_000_000:.1f}".replace(".", ",")


def _list(items: list[str], limit: int = 6) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" i {len(items) - limit} innych" if len(items) > limit else "")


FORMATS = {
    "xls": ("stary skoroszyt Excela 97-2003 (.xls)", "prosimy otworzyć oryginalny formularz .xlsx, wypełnić go i zapisać bez zmiany formatu (Plik → Zapisz, typ: Skoroszyt programu Excel .xlsx)"),
    "ods": ("arkusz OpenDocument (.ods, LibreOffice/OpenOffice)", "prosimy zapisać formularz w formacie Excela: Plik → Zapisz jako → Skoroszyt programu Excel 2007-365 (.xlsx)"),
    "pdf": ("dokument PDF", "z PDF nie da się odczytać danych – prosimy przesłać wypełniony plik .xlsx, nie wydruk"),
    "csv": ("plik tekstowy (CSV/TXT)", "prosimy przesłać wypełniony oryginalny formularz .xlsx, a nie eksport danych"),
    "html": ("strona HTML", "prosimy przesłać wypełniony oryginalny formularz .xlsx"),
    "xml2003": ("arkusz XML programu Excel 2003", "prosimy zapisać formularz jako Skoroszyt programu Excel (.xlsx)"),
    "xlsb": ("skoroszyt binarny Excela (.xlsb)", "prosimy zapisać formularz jako zwykły Skoroszyt programu Excel (.xlsx)"),
    "docx": ("dokument Word", "prosimy przesłać wypełniony formularz Excela (.xlsx)"),
    "pptx": ("prezentacja PowerPoint", "prosimy przesłać wypełniony formularz Excela (.xlsx)"),
    "archive": ("archiwum (ZIP/RAR/7z/gz)", "prosimy przesłać sam plik .xlsx, bez pakowania"),
    "image": ("obraz (zdjęcie lub skan)", "z obrazu nie da się odczytać danych – prosimy przesłać wypełniony plik .xlsx"),
    "ole": ("dokument pakietu Office w starym formacie (.doc/.xls/.ppt)", "prosimy przesłać wypełniony oryginalny formularz .xlsx"),
    "rtf": ("dokument RTF", "prosimy przesłać wypełniony oryginalny formularz .xlsx"),
}


def _wrong_format(kind: str) -> _Reject:
    label, advice = FORMATS[kind]
    return _Reject("wrong_format", label=label, advice=advice)
