"""The Instrukcja sheet: how to fill and return the form, in Polish."""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from . import styles as st


def instruction_lines(spec, opts) -> list[tuple[str, str]]:
    """(kind, text) pairs; kind is 'h' for a heading, 'p' for a paragraph, 'c:<fill>' for a colour key."""
    hash_items = ", ".join(str(i.nr) for i in spec.items if i.hash)
    lines = [
        ("h", "Jak wypełnić formularz"),
        ("p", "1. Zacznij od arkusza „Dane podstawowe”. Województwo, powiat, gminę (dzielnicę, delegaturę) i miejscowość wybierasz z list – każda lista zależy od poprzedniej; po zmianie województwa wybierz na nowo powiat, gminę i miejscowość (kontrola B5 pilnuje, by do siebie pasowały)."),
        ("p", "2. Jeśli masz już wypełnione sprawozdanie GUS K-03, przepisz jego pola do arkusza „K-03” – każda placówka (biblioteka główna i każda filia) ma własną kolumnę. W arkuszu „Formularz” kolumna „wg K-03” pokaże wtedy wartość, która zwykle odpowiada danej pozycji AFBP."),
        ("p", "3. W arkuszu „Formularz” wpisz wartości poz. 1–34 w żółte pola. Po kliknięciu pola pojawia się krótka podpowiedź; niedozwolona wartość zostanie odrzucona z wyjaśnieniem."),
        ("p", f"4. Znak # (brak danych w tym roku) wolno wpisać tylko w poz. {hash_items}. W pozostałych polach wpisz liczbę; zero to też wartość – puste pole oznacza, że danych nie podano."),
        ("p", "5. Sprawdź arkusz „Kontrola”: status „błąd” trzeba poprawić, „ostrzeżenie” i „różnica” (K-03) warto sprawdzić – kolumna „Objaśnienie” mówi, kiedy różnica między AFBP a K-03 jest naturalna. „Informacja” pokazuje tylko obie wartości (definicje AFBP i K-03 się różnią), „nie dotyczy” – kontrola nie ma zastosowania (np. brak danych z poprzedniego roku). Formularz jest „niekompletny”, dopóki puste jest któreś z wymaganych pól – arkusz „Kontrola” wymienia je z nazwy."),
        ("p", "6. Arkusz „Wskaźniki” liczy wskaźniki efektywności na bieżąco." + (" Obok każdego wskaźnika jest mediana Twojej grupy bibliotek i indeks (mediana = 100)." if opts.benchmark else "")),
        ("h", "Jak odesłać formularz"),
        ("p", "Zapisz plik w formacie .xlsx (bez zmiany nazwy i bez hasła) i odeślij go koordynatorowi e-mailem. Nie zmieniaj układu arkuszy, nie wklejaj danych w szare pola i nie usuwaj arkuszy – plik jest odczytywany automatycznie."),
        ("p", "Formularz nigdy nie prosi o hasło do konta ani o inne hasła – nie wpisuj ich nigdzie w pliku. Ochrona arkuszy nie ma hasła: chroni przed przypadkową zmianą formuł, a nie przed celową."),
        ("h", "Kolory"),
        ("c:input", "Żółte pole – wpisujesz wartość."),
        ("c:prefilled", "Niebieskie pole – wpisane przez koordynatora albo z poprzedniego roku (bez zmian)."),
        ("c:computed", "Szare pole – liczy się samo."),
        ("c:ok", "Zielony – kontrola bez zastrzeżeń."),
        ("c:warn", "Pomarańczowy – ostrzeżenie albo różnica względem K-03: sprawdź."),
        ("c:error", "Czerwony – błąd do poprawienia (także pole z niepoprawną wartością)."),
        ("h", "O formularzu"),
        ("p", f"{spec.edition.title} – specyfikacja {spec.edition.spec_version}; {spec.edition.catalogue}. Badanie AFBP prowadzi Stowarzyszenie Bibliotekarzy Polskich; ten plik przygotowano narzędziem xl-afbp."),
    ]
    return lines


FILLS = {"input": st.INPUT_FILL, "prefilled": st.PREFILLED_FILL, "computed": st.COMPUTED_FILL, "ok": st.OK_FILL, "warn": st.WARN_FILL, "error": st.ERROR_FILL}


def write_instructions(ws: Worksheet, spec, opts) -> None:
    ws["A1"] = "AFBP – instrukcja wypełniania"
    ws["A1"].font = st.TITLE_FONT
    row = 3
    for kind, text in instruction_lines(spec, opts):
        if kind == "h":
            row += 1
            ws.cell(row=row, column=2, value=text).font = st.BOLD
        elif kind.startswith("c:"):
            ws.cell(row=row, column=1).fill = FILLS[kind[2:]]
            ws.cell(row=row, column=1).border = st.BOX
            ws.cell(row=row, column=2, value=text)
        else:
            ws.cell(row=row, column=2, value=text).alignment = st.WRAP
        row += 1
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 110
