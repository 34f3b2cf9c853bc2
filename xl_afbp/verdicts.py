"""The verdict catalogue: every code a returned file can get, in one place.

In the style of pyxform's error catalogue: each :class:`Verdict` has a stable ``code``, the
``verdict`` it gives the file (accepted, accepted with warnings, rejected, duplicate,
superseded), the ``stage`` that gives it, a Polish message ``template`` with named
placeholders (what is wrong and whose action is needed), and an English ``meaning`` for the
docs. The reader, the consolidator, ``xl-afbp check``, the database (its SQL CHECK) and the
table in ``docs/hostile-files.md`` all come from here; a test fails when a code is used
anywhere without being catalogued, or when the docs' table differs.

Stages, in the order a file goes through them:

``read``        the reader, the file on its own (:mod:`xl_afbp.reader`);
``batch``       the consolidator's batch policy, the files together (copies, versions, ids);
``evaluation``  the engine's checks of the form's values (rules, K-03, empty fields).

One policy for all (``docs/hostile-files.md``, "Decisions"): a file is judged by the three
stages in turn, and ``xl-afbp check FILE`` runs the very same stages on a batch of one – so
it says exactly what ``consolidate`` says about that file alone. A form without a library
id is rejected at the batch stage (``no_library_id``) unless the list of expected libraries
assigns it by name or gmina; a form with errors in its checks is accepted with warnings
(``check_errors``) wherever it is judged.

Adding a code: one :class:`Verdict` line below (the docs' table test then asks for the
row of ``docs/hostile-files.md``).
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from .safetext import safe

ACCEPTED = "accepted"
ACCEPTED_WITH_WARNINGS = "accepted_with_warnings"
REJECTED = "rejected"
DUPLICATE = "duplicate"
SUPERSEDED = "superseded"
#: two versions of one library that cannot be ordered (a tie, a date in the future): the
#: coordinator asks the library which one holds; neither is used meanwhile
UNRESOLVED = "unresolved"
#: a file that is not a form at all (a cover letter, a scan, an Office lock file): listed
#: in the import log, not counted as rejected, no effect on the exit code
SKIPPED = "skipped"
#: every verdict, best first
VERDICTS = (ACCEPTED, ACCEPTED_WITH_WARNINGS, REJECTED, DUPLICATE, SUPERSEDED, UNRESOLVED, SKIPPED)
#: verdicts whose data goes into the summary
USED = (ACCEPTED, ACCEPTED_WITH_WARNINGS)
#: verdict → the Polish word of the import log
VERDICT_PL = {
    ACCEPTED: "przyjęty",
    ACCEPTED_WITH_WARNINGS: "przyjęty z uwagami",
    REJECTED: "odrzucony",
    DUPLICATE: "duplikat",
    SUPERSEDED: "zastąpiony",
    UNRESOLVED: "do wyjaśnienia",
    SKIPPED: "pominięty",
}
#: verdicts a file content can hold in the database (a duplicate is the same content; an
#: unresolved version and a file that is no form are not stored until they are decided)
STORED = (ACCEPTED, ACCEPTED_WITH_WARNINGS, REJECTED, SUPERSEDED)
#: verdicts that ask the coordinator to act: the commands exit with 1 when a file has one
NEEDS_ACTION = (REJECTED, UNRESOLVED)

READ, BATCH, EVALUATION = "read", "batch", "evaluation"
STAGES = (READ, BATCH, EVALUATION)

#: what most rejections ask the library to do
RESEND = "prosimy przesłać ponownie oryginalny formularz otrzymany od koordynatora, zapisany jako skoroszyt Excela (.xlsx)"
_RESEND_TAIL = RESEND.removeprefix("prosimy ")


@dataclass(frozen=True)
class Verdict:
    code: str
    verdict: str
    stage: str
    template: str  # Polish; {placeholders} are filled by message()
    meaning: str  # English, for docs/hostile-files.md

    @property
    def placeholders(self) -> tuple[str, ...]:
        return tuple(f for _, f, _, _ in string.Formatter().parse(self.template) if f)

    def message(self, **values: object) -> str:
        """The Polish text with every placeholder filled (a missing one raises KeyError).
        A value can come from a file (a sheet title, a member name): it is made safe
        first, so no message carries a control character or a lone surrogate."""
        return self.template.format(**{k: safe(v) if isinstance(v, str) else v for k, v in values.items()})


def _v(code: str, verdict: str, stage: str, template: str, meaning: str) -> Verdict:
    return Verdict(code, verdict, stage, template, meaning)


_W, _R = ACCEPTED_WITH_WARNINGS, REJECTED
#: what a rejection for a problem on the coordinator's computer asks (not the library's fault)
LOCAL = "sprawdź plik w folderze (uprawnienia, dowiązania, czy to zwykły plik) i uruchom import ponownie"

#: the catalogue, in order of importance within a verdict: the first warning a file has
#: becomes its code
CATALOGUE: dict[str, Verdict] = {v.code: v for v in (
    _v("ok", ACCEPTED, READ, "", "nothing to note"),
    # -- read: accepted with warnings -------------------------------------------------------
    _v("sheet_renamed", _W, READ,
       "zmieniono nazwy arkuszy formularza ({sheets}) – dane odczytano według nazw pól; prosimy nie zmieniać nazw arkuszy",
       "a sheet of the form renamed (the defined names follow it, so the data is read right); the reason names old and new titles"),
    _v("layout_changed", _W, READ,
       "układ formularza został zmieniony (przesunięte pola: {fields}) – dane odczytano według nazw pól; prosimy nie zmieniać układu formularza (nie wstawiać wierszy, nie przenosić komórek)",
       "input names point elsewhere than in the generated layout (rows inserted, a cell moved); read by name, so the data is right"),
    _v("formulas_replaced", _W, READ,
       "w {count} komórkach obliczanych (np. {cells}) nie ma formuł – wpisano wartości albo usunięto formuły; wskaźniki i kontrole i tak zostaną przeliczone z danych źródłowych; prosimy nie zdejmować ochrony arkuszy",
       "a computed cell has no formula (a typed or pasted value, or a deleted name); the values are recomputed anyway"),
    _v("cached_mismatch", _W, READ,
       "wartości w pliku nie zgadzają się z przeliczeniem – plik mógł być zmieniany (np. {cells}); wyniki zostaną przeliczone z danych źródłowych",
       "cached results disagree with the recomputation from the raw inputs: the file may have been edited"),
    _v("invalid_values", _W, READ,
       "niepoprawne wartości: {problems} – prosimy je poprawić (błędy pokazuje też arkusz Kontrola)",
       "data problems by item (text, negative, `#`, decimals, grosze, dates, out of range, not TAK/NIE); the engine's L10/L11 flag them in the summary"),
    _v("input_formulas", _W, READ,
       "w polach do wypełnienia wpisano formuły ({fields}) – odczytano ich wyniki; prosimy wpisywać same wartości",
       "a formula typed into an input; its cached result is read"),
    _v("text_cleaned", _W, READ,
       "w polach {fields} były znaki, których nie da się zapisać ani wyświetlić ({chars}: znaki sterujące lub niepełne znaki UTF-16) – usunięto je; prosimy sprawdzić te pola",
       "control characters, lone surrogates or non-characters in text values, removed once at the reader's boundary (named in the reason)"),
    # -- read: rejected --------------------------------------------------------------------
    _v("read_error", _R, READ,
       "pliku nie udało się odczytać ({detail}) – prosimy otworzyć formularz w Excelu, zapisać go jako .xlsx i przesłać ponownie",
       "the file cannot be opened, the reader's process died, or an unexpected failure (named in the reason)"),
    _v("local_error", _R, READ,
       "pliku nie można odczytać na tym komputerze ({detail}) – to sprawa koordynatora, nie biblioteki: " + LOCAL,
       "a problem on the coordinator's side: a directory, FIFO, device or broken link among the inputs, no permission to read"),
    _v("empty_file", _R, READ, "plik jest pusty (0 bajtów) – prosimy przesłać wypełniony formularz ponownie", "0 bytes"),
    _v("too_large", _R, READ,
       "plik jest za duży ({size} MB, dopuszczalne {limit} MB) – prosimy przesłać sam formularz, bez dodanych obrazów, arkuszy i załączników",
       "over `max_file_bytes`"),
    _v("not_zip", _R, READ, f"plik nie jest skoroszytem Excela (.xlsx) ani innym rozpoznanym formatem – {RESEND}", "not a zip and no other known format"),
    _v("corrupt_zip", _R, READ, f"plik jest uszkodzony lub niekompletny ({{detail}}) – {RESEND}",
       "a truncated or damaged zip, CRC or size mismatch, unusual compression, missing workbook parts"),
    _v("malformed_xml", _R, READ, f"plik jest uszkodzony ({{detail}}) – {RESEND}",
       "a part that is not well-formed XML (unclosed tags, an endless prolog) or a cell that points to nothing (a shared-string index out of range)"),
    _v("wrong_format", _R, READ, "plik jest w formacie: {label}, a nie .xlsx – {advice}",
       "another format under the .xlsx name (xls, ods, pdf, csv, html, xml 2003, xlsb, docx, image, archive)"),
    _v("encrypted", _R, READ,
       "plik zaszyfrowany hasłem – prosimy o ponowne przesłanie bez hasła (w Excelu: Plik → Informacje → Chroń skoroszyt → Szyfruj przy użyciu hasła: usuń hasło)",
       "password-encrypted workbook (CFB `EncryptionInfo`) or encrypted zip members"),
    _v("too_many_entries", _R, READ, f"plik składa się z nietypowo wielu części ({{count}}, dopuszczalne {{limit}}) – {RESEND}", "more than `max_entries` zip members"),
    _v("zip_bomb", _R, READ, f"plik ma podejrzaną budowę ({{detail}}) i nie został otwarty – {RESEND}",
       "declared uncompressed size over `max_uncompressed`, or ratio over `max_ratio`"),
    _v("macro", _R, READ,
       "plik zawiera makra lub formanty ActiveX ({parts}) – prosimy zapisać formularz jako zwykły Skoroszyt programu Excel (.xlsx, bez makr) i przesłać ponownie",
       "VBA project, macro-enabled content type, ActiveX, macro sheets"),
    _v("external_links", _R, READ,
       "plik zawiera łącza do innych plików lub zewnętrznych źródeł danych – prosimy przerwać łącza (Dane → Edytuj łącza → Przerwij łącze) albo wpisać dane do oryginalnego formularza i przesłać go ponownie",
       "`xl/externalLinks/*`, data connections, query tables"),
    _v("embedded_objects", _R, READ, "plik zawiera osadzone obiekty lub dodatki ({parts}) – prosimy je usunąć i przesłać sam formularz",
       "embedded OLE objects, data models, custom UI"),
    _v("unexpected_parts", _R, READ, f"plik zawiera elementy spoza formatu .xlsx ({{parts}}) – {RESEND}",
       "members that are no known OOXML part, or unsafe member names"),
    _v("xml_entities", _R, READ, f"plik zawiera niedozwolone deklaracje XML (DTD/encje w {{part}}) i nie został otwarty – {RESEND}",
       "a DTD or entity declaration in any XML part"),
    _v("external_formula", _R, READ,
       "w polach do wypełnienia są formuły pobierające dane z zewnątrz ({fields}: {what}) – takich plików nie otwieramy; prosimy wpisać same wartości i przesłać formularz ponownie",
       "a formula in an input that fetches data (WEBSERVICE, DDE, RTD, STOCKHISTORY, IMAGE, a reference to another file)"),
    _v("too_many_rows", _R, READ, f"arkusz „{{sheet}}” ma {{count}} wierszy (dopuszczalne {{limit}}) – prosimy usunąć zbędne wiersze albo {_RESEND_TAIL}",
       "a sheet over `max_rows_per_sheet` (declared or real)"),
    _v("too_many_columns", _R, READ, f"arkusz „{{sheet}}” ma {{count}} kolumn (dopuszczalne {{limit}}) – prosimy usunąć zbędne kolumny albo {_RESEND_TAIL}",
       "a sheet over `max_cols_per_sheet`"),
    _v("not_our_form", _R, READ,
       "to nie jest formularz AFBP – prosimy wypełnić formularz .xlsx przesłany przez koordynatora i odesłać go bez zmiany nazw arkuszy",
       "no `_meta` of ours and (almost) none of the contract's names"),
    _v("meta_missing", _R, READ,
       "w pliku brakuje ukrytego arkusza identyfikującego formularz (_meta) – dane wpisano prawdopodobnie do kopii formularza; prosimy wpisać je do oryginalnego pliku otrzymanego od koordynatora i przesłać go ponownie",
       "the names are ours but `_meta` is gone (data copied into another workbook)"),
    _v("meta_altered", _R, READ, f"ukryte dane identyfikujące formularz zostały zmienione ({{detail}}) – {RESEND}",
       "a `_meta` value that cannot be right (hash of no known edition with this year and version, hash of this edition with another year, changed generator, units not a number)"),
    _v("wrong_edition", _R, READ,
       "formularz z innej edycji badania ({found}; oczekiwano {expected}) – prosimy wypełnić formularz na rok {year} przesłany przez koordynatora",
       "our form of another edition, or of a data year before its edition's first (the reason names both)"),
    _v("id_mismatch", _R, READ,
       f"identyfikator biblioteki w ukrytych danych formularza ({{meta_id}}) różni się od identyfikatora widocznego w arkuszu danych podstawowych ({{visible_id}}) – plik mógł zostać zmieniony; {RESEND}",
       "`_meta` library id differs from the id shown on the personalised form (compared after Unicode normalisation)"),
    _v("layout_broken", _R, READ,
       "w formularzu usunięto, rozszerzono albo nałożono na siebie pola ({fields}) – danych nie da się jednoznacznie odczytać; prosimy wpisać je do oryginalnego formularza i przesłać go ponownie",
       "input names deleted, widened or two inputs on one cell: the data cannot be read unambiguously"),
    _v("empty_form", _R, READ, "formularz nie został wypełniony – prosimy uzupełnić dane i przesłać go ponownie",
       "not one input typed by the library (prefilled personal cells do not count)"),
    _v("timeout", _R, READ, f"odczyt pliku trwał zbyt długo (ponad {{seconds}} s) i został przerwany – {RESEND}",
       "reading took longer than `Limits.seconds` (only `read_many`)"),
    _v("not_a_form", SKIPPED, READ,
       "pominięty – to nie formularz ({what}); jeśli biblioteka przysłała tylko ten plik, poproś ją o wypełniony formularz .xlsx",
       "a file that is no form by its name and content (an Office lock file `~$…`, a cover letter, a scan, a PDF): not counted as rejected"),
    # -- batch -----------------------------------------------------------------------------
    _v("no_data", _R, BATCH, f"nie odczytano danych formularza – {RESEND}", "a submission marked readable without any data (never from the reader)"),
    _v("no_library_id", _R, BATCH,
       "formularz bez identyfikatora biblioteki (formularz ogólny albo dane przepisane do innego pliku), którego nie udało się przypisać do biblioteki z listy oczekiwanych (--expected) po nazwie ani gminie – przypisz go ręcznie albo poproś bibliotekę o formularz imienny",
       "no library id in `_meta` (the general form) and no expected library matches its name or gmina"),
    _v("wrong_year", _R, BATCH, "formularz za rok {form_year}, a zestawienie dotyczy roku {year} – prosimy wypełnić formularz na rok {year} przesłany przez koordynatora",
       "a form of another survey year than the run's `--year` (the reason names both years); without `--year`, input of several years is refused as a whole, listing the years and their files"),
    _v("id_conflict", _R, BATCH,
       "konflikt identyfikatora: identyfikator {library_id} podają różne biblioteki – {who}; wyjaśnij z bibliotekami i prześlij poprawione pliki",
       "two different libraries (different TERYT or name) with one id: both rejected"),
    _v("id_claimed", _R, BATCH,
       "formularz podaje identyfikator {library_id}, który na liście bibliotek należy do: {listed}, a dane formularza wskazują inną bibliotekę ({form}) – wyjaśnij z biblioteką, skąd ma ten identyfikator",
       "a form whose id belongs (by the expected list) to a library of another TERYT and name; another file matches the list, or none of the form's identity does"),
    _v("version_unclear", UNRESOLVED, BATCH,
       "do wyjaśnienia: {detail} – zapytaj bibliotekę, który plik jest aktualny, i zostaw w folderze tylko ten",
       "versions of one library that cannot be ordered: equal save times, or a save time in the future; none is used until the coordinator decides"),
    _v("duplicate", DUPLICATE, BATCH, "ten sam plik (identyczna zawartość) co {other} – pominięty", "byte-identical to another file (same SHA-256)"),
    _v("superseded", SUPERSEDED, BATCH, "zastąpiony nowszym plikiem tej samej biblioteki: {other}",
       "an older file of the same library: the newest `saved_at` (else `generated_at`, else mtime) wins; never the file name or the read order"),
    _v("future_date", _W, BATCH, "do wyjaśnienia: data zapisu pliku ({when}) jest w przyszłości – sprawdź z biblioteką datę w jej komputerze",
       "the only file of a library has a save time in the future (with other versions: `version_unclear`)"),
    _v("assigned_from_list", _W, BATCH,
       "formularz bez identyfikatora: przypisano do biblioteki {library_id} z listy na podstawie nazwy / gminy – sprawdź",
       "no library id, assigned to the one expected library of the same name (or powiat and gmina)"),
    _v("not_on_list", _W, BATCH, "biblioteka {library_id} nie występuje na liście oczekiwanych bibliotek", "the library is not on the expected list"),
    _v("teryt_mismatch", _W, BATCH, "TERYT formularza ({form}) różni się od listy bibliotek ({listed})", "the form's TERYT differs from the expected list's"),
    # -- evaluation ------------------------------------------------------------------------
    _v("check_errors", _W, EVALUATION, "błędy w formularzu: {count} ({rules}) – prosimy je poprawić (opisuje je arkusz Kontrola)", "the recomputed rules found errors (the summary lists them; the data is used)"),
    _v("incomplete", _W, EVALUATION, "formularz niekompletny – puste pola wymagane ({count}): {fields}; prosimy je uzupełnić",
       "required fields left empty (basic data, items, services; or not a number / TAK / NIE): the form's status is \"niekompletny\", never OK; the reason lists them"),
    _v("check_warnings", _W, EVALUATION, "ostrzeżenia i różnice K-03: {count} – prosimy sprawdzić te wartości (arkusz Kontrola)", "the recomputed rules found warnings, or K-03 differences"),
    _v("evaluation_error", _R, EVALUATION,
       "nie udało się przeliczyć wskaźników i kontroli z wartości formularza ({detail}) – sprawdź wartości (np. liczby o skrajnej wielkości) i poproś o poprawiony plik",
       "the engine cannot evaluate the form's values (e.g. numbers near 1e308)"),
)}  # fmt: skip


def get(code: str) -> Verdict:
    """The catalogue entry of ``code`` (KeyError names the unknown code)."""
    return CATALOGUE[code]


def message(code: str, **values: object) -> str:
    """The Polish text of ``code`` with its placeholders filled."""
    return CATALOGUE[code].message(**values)


def verdict_of(code: str) -> str:
    return CATALOGUE[code].verdict


def codes(stage: str | None = None, verdict: str | None = None) -> tuple[str, ...]:
    """Codes of one stage and/or verdict, in catalogue order (the order of importance)."""
    return tuple(c for c, v in CATALOGUE.items() if (stage is None or v.stage == stage) and (verdict is None or v.verdict == verdict))


def sql_in(values: tuple[str, ...]) -> str:
    """``'a', 'b'`` for an SQL ``IN (…)`` list of known words (never user text)."""
    return ", ".join(f"'{v}'" for v in values)


def markdown_table() -> str:
    """The code table of ``docs/hostile-files.md``."""
    rows = ["| code | verdict | stage | meaning |", "| --- | --- | --- | --- |"]
    rows += [f"| `{v.code}` | {v.verdict} | {v.stage} | {v.meaning} |" for v in CATALOGUE.values()]
    return "\n".join(rows)

__all__ = [
    "ACCEPTED", "ACCEPTED_WITH_WARNINGS", "BATCH", "CATALOGUE", "DUPLICATE", "EVALUATION", "NEEDS_ACTION", "READ", "REJECTED", "RESEND", "SKIPPED",
    "STAGES", "STORED", "SUPERSEDED", "UNRESOLVED", "USED", "VERDICTS", "VERDICT_PL", "Verdict", "codes", "get", "markdown_table", "message", "sql_in", "verdict_of",
]
