"""The Instrukcja sheet: how to fill and return the form, in Polish.

Where to send the file and by when stand at the top (personal cells, filled per batch from
``generate --contact --deadline``); the text below depends only on the layout options:
a blank form asks for a file name with the library's name (every library would otherwise
send the same ``afbp-2016-formularz.xlsx``), a personalised one is named already.
"""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from . import styles as st


def items_list(numbers) -> str:
    """"3", "3 i 15", "3, 15 i 21": how the form names several items, everywhere."""
    nums = [str(n) for n in numbers]
    if len(nums) < 2:
        return "".join(nums)
    return ", ".join(nums[:-1]) + " i " + nums[-1]


def instruction_lines(spec, opts, year: int) -> list[tuple[str, str]]:
    """(kind, text) pairs; kind is 'h' for a heading, 'p' for a paragraph, 'c:<fill>' for a
    colour key. ``year`` is the survey year of the form."""
    hash_items = items_list(i.nr for i in spec.items if i.hash)
    if opts.personalised:
        name = "Nazwy pliku nie musisz zmieniać – plik ma już identyfikator Twojej biblioteki."
    else:
        name = f"Zapisz plik pod nazwą z nazwą swojej biblioteki, np. „afbp-{year}-MBP-Koszalin.xlsx” – koordynator dostaje pliki od wielu bibliotek."
    lines = [
        ("h", "Jak wypełnić formularz"),
        ("p", "1. Zacznij od arkusza „Dane podstawowe”. Województwo, powiat, gminę (dzielnicę, delegaturę) i miejscowość wybierasz z list – każda lista zależy od poprzedniej; po zmianie województwa wybierz na nowo powiat, gminę i miejscowość (kontrola B5 pilnuje, by do siebie pasowały)."),
        ("p", "2. Jeśli masz już wypełnione sprawozdanie GUS K-03, przepisz jego pola do arkusza „K-03” – każda placówka (biblioteka główna i każda filia) ma własną kolumnę. W arkuszu „Formularz” kolumna „wg K-03” pokaże wtedy wartość, która zwykle odpowiada danej pozycji AFBP."),
        ("p", "3. W arkuszu „Formularz” wpisz wartości poz. 1–34 w żółte pola. Pod każdą pozycją jest jej definicja; po kliknięciu pola pojawia się też krótka podpowiedź, a niedozwolona wartość zostanie odrzucona z wyjaśnieniem."),
        ("p", f"4. Znak # (brak danych w tym roku) wolno wpisać tylko w poz. {hash_items}. W pozostałych polach wpisz liczbę; zero to też wartość – puste pole oznacza, że danych nie podano."),
        ("p", "5. Sprawdź arkusz „Kontrola”: status „błąd” trzeba poprawić, „ostrzeżenie” i „różnica” (K-03) warto sprawdzić – kolumna z objaśnieniem mówi, kiedy różnica między AFBP a K-03 jest naturalna. „Informacja” pokazuje tylko obie wartości (definicje AFBP i K-03 się różnią), „nie dotyczy” – kontrola nie ma zastosowania (np. brak danych z poprzedniego roku). Formularz jest „niekompletny”, dopóki puste jest któreś z wymaganych pól – arkusz „Kontrola” wymienia je z nazwy."),
        ("p", "6. Arkusz „Wskaźniki” liczy wskaźniki efektywności na bieżąco." + (" Obok każdego wskaźnika jest mediana Twojej grupy bibliotek i indeks (mediana = 100)." if opts.benchmark else "")),
        ("h", "Jak zapisać i odesłać formularz"),
        ("p", f"{name} Nie ustawiaj hasła, nie zmieniaj układu arkuszy, nie wklejaj danych w szare pola i nie usuwaj arkuszy – plik jest odczytywany automatycznie."),
        ("p", "Excel: Plik → Zapisz (format „Skoroszyt programu Excel (*.xlsx)”)."),
        ("p", "LibreOffice Calc: Plik → Zapisz; gdy program zapyta o format, wybierz „Użyj formatu Excel 2007-365!” – plik musi pozostać w formacie .xlsx (nie .ods)."),
        ("p", "Formularz nigdy nie prosi o hasło do konta ani o inne hasła – nie wpisuj ich nigdzie w pliku. Ochrona arkuszy nie ma hasła: chroni przed przypadkową zmianą formuł, a nie przed celową."),
        ("h", "Kolory"),
        ("c:input", "Żółte pole – wpisujesz wartość."),
        ("c:prefilled", "Niebieskie pole – wpisał je koordynator badania albo pochodzi z poprzedniego roku (nie zmieniasz go; gdy jest nieaktualne, napisz do koordynatora)."),
        ("c:computed", "Szare pole – liczy się samo."),
        ("c:ok", "Zielony – kontrola bez zastrzeżeń."),
        ("c:warn", "Pomarańczowy – ostrzeżenie albo różnica względem K-03: sprawdź."),
        ("c:error", "Czerwony – błąd do poprawienia (także pole z niepoprawną wartością)."),
        ("h", "O formularzu"),
        ("p", f"{spec.edition.title_for(year)} (edycja formularza {spec.edition.id}, wersja {spec.edition.spec_version}). Badanie AFBP prowadzi Stowarzyszenie Bibliotekarzy Polskich."),
    ]
    return lines


FILLS = {"input": st.INPUT_FILL, "prefilled": st.PREFILLED_FILL, "computed": st.COMPUTED_FILL, "ok": st.OK_FILL, "warn": st.WARN_FILL, "error": st.ERROR_FILL}


def write_instructions(ws: Worksheet, spec, opts, *, first_row: int, year: int) -> None:
    ws.cell(row=1, column=1, value="AFBP – instrukcja wypełniania").font = st.TITLE_FONT
    row = first_row
    for kind, text in instruction_lines(spec, opts, year):
        if kind == "h":
            if row > first_row:
                row += 1
            st.label(ws.cell(row=row, column=2, value=text), font=st.BOLD)
        elif kind.startswith("c:"):
            ws.cell(row=row, column=1).fill = FILLS[kind[2:]]
            ws.cell(row=row, column=1).border = st.BOX
            st.label(ws.cell(row=row, column=2, value=text))
        else:
            st.label(ws.cell(row=row, column=2, value=text))
        row += 1
