"""Data validations of input cells, derived from the spec.

A numeric item's validation formula is the spec's own ``valid(Pn)`` rendered by the Excel
renderer, so the cell refuses exactly what rule L11 (L10 for item 3) would flag. Excel
limits: titles 32 characters, messages 255 (the spec lint enforces them), a custom formula
255 characters. Validation stops typing, not pasting: a pasted value bypasses it, which is
why the rules are also computed in the Kontrola sheet and again by the consolidator.
"""

from __future__ import annotations

from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..engine import Engine
from ..spec.model import BasicField, Item, K03Cell, Service

ERROR_TITLE = "Niepoprawna wartość"
YES_NO = '"TAK,NIE"'


def _dv(ws: Worksheet, ref: str, *, title: str, prompt: str, error: str, **kw) -> DataValidation:
    dv = DataValidation(
        allow_blank=True,
        showInputMessage=True,
        promptTitle=title[:32],
        prompt=prompt[:255],
        showErrorMessage=True,
        errorTitle=ERROR_TITLE,
        error=error[:255],
        errorStyle="stop",
        **kw,
    )
    dv.add(ref)
    ws.add_data_validation(dv)
    return dv


def _number(v: float | None) -> str:
    if v is None:
        return ""
    return f"{int(v):,}".replace(",", " ") if float(v).is_integer() else str(v).replace(".", ",")


def item_error_message(item: Item) -> str:
    """The Polish error alert of an item: what is allowed, in words."""
    if item.type == "whole":
        kind = "liczba całkowita"
    else:
        kind = f"liczba z najwyżej {item.decimals} {'miejscem' if item.decimals == 1 else 'miejscami'} po przecinku"
    text = f"Poz. {item.nr}: {kind} od {_number(item.min)} do {_number(item.max)}"
    if item.hash:
        text += " albo znak # (brak danych w tym roku)"
    return text + "."


def add_item_validation(ws: Worksheet, ref: str, item: Item, engine: Engine) -> None:
    formula = engine.excel(f"valid(P{item.nr})", guarded=False)  # the same test as rule L11 / L10
    if len(formula) > 255:
        raise ValueError(f"validation formula of item {item.nr} exceeds Excel's 255 characters")
    _dv(ws, ref, type="custom", formula1=formula, title=item.title, prompt=item.help, error=item_error_message(item))


def add_service_validation(ws: Worksheet, ref: str, service: Service) -> None:
    _dv(ws, ref, type="list", formula1=YES_NO, title=f"Usługa {service.nr}", prompt=service.help, error="Wybierz TAK albo NIE z listy.")


def add_basic_validation(ws: Worksheet, ref: str, field: BasicField, list_formula: str | None) -> None:
    """``list_formula`` is the source of list fields (a defined name or an OFFSET formula)."""
    title, prompt = field.title, field.help or field.label
    if field.type in ("list", "teryt", "band") and list_formula:
        _dv(ws, ref, type="list", formula1=list_formula, title=title, prompt=prompt, error="Wybierz wartość z listy.")
    elif field.type == "yesno":
        _dv(ws, ref, type="list", formula1=YES_NO, title=title, prompt=prompt, error="Wybierz TAK albo NIE z listy.")
    elif field.type == "email":
        cell = ref.split(":")[0]
        _dv(ws, ref, type="custom", formula1=f'AND(ISNUMBER(FIND("@",{cell})),ISERROR(FIND(" ",{cell})))', title=title, prompt=prompt, error="Podaj adres e-mail, np. biblioteka@gmina.pl.")
    elif field.type == "url":
        cell = ref.split(":")[0]
        _dv(ws, ref, type="custom", formula1=f'OR(LEFT({cell},7)="http://",LEFT({cell},8)="https://")', title=title, prompt=prompt, error="Adres strony zaczyna się od http:// albo https://; bez strony – zostaw puste.")
    elif field.type == "text":
        lo, hi = field.min_length or 1, field.max_length or 255
        _dv(ws, ref, type="textLength", operator="between", formula1=str(lo), formula2=str(hi), title=title, prompt=prompt, error=f"Tekst od {lo} do {hi} znaków.")


def add_k03_validation(ws: Worksheet, ref: str, cell: K03Cell) -> None:
    """One validation over a K-03 row's unit cells, by the cell's type."""
    kw = dict(title=cell.address, prompt=cell.label)
    if cell.type == "yesno":
        _dv(ws, ref, type="list", formula1=YES_NO, error="Wybierz TAK albo NIE.", **kw)
    elif cell.type == "percent":
        _dv(ws, ref, type="decimal", operator="between", formula1="0", formula2="100", error="Odsetek od 0 do 100.", **kw)
    elif cell.type == "decimal":
        _dv(ws, ref, type="decimal", operator="between", formula1="0", formula2="1000000", error="Liczba nieujemna.", **kw)
    else:
        _dv(ws, ref, type="whole", operator="between", formula1="0", formula2="999999999999", error="Liczba całkowita, nieujemna.", **kw)
