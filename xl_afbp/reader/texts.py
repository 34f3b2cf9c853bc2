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
    # a legacy binary workbook is not read (no safe reader of its formulas and names here): the
    # coordinator converts it in one step and imports the .xlsx, which is then judged in full
    "xls": ("stary skoroszyt Excela 97-2003 (.xls)", "koordynator może go przekonwertować jednym poleceniem: soffice --headless --convert-to xlsx PLIK.xls (albo otworzyć w Excelu lub LibreOffice i zapisać jako .xlsx) i wczytać powstały plik .xlsx – zostanie sprawdzony jak każdy formularz; bibliotekę prosimy na przyszłość o zapisywanie w formacie .xlsx"),
    "odf": ("dokument OpenDocument, który nie jest arkuszem (np. tekst .odt)", "prosimy przesłać wypełniony formularz .xlsx albo .ods"),
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


#: formats that are spreadsheets: a file of one of them is judged whatever its name
SPREADSHEET_KINDS = frozenset({"xls", "xlsb", "xml2003"})


def _wrong_format(kind: str) -> _Reject:
    label, advice = FORMATS[kind]
    rej = _Reject("wrong_format", label=label, advice=advice)
    rej.kind = kind
    return rej
