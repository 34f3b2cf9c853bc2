"""What a form must hold before it can be "OK": the required fields of a spec edition.

Required are every basic-data field the library types (not ``optional``, not ``fixed``),
every numeric item (``#`` counts as an answer where the item allows it) and every service
of item 21 (TAK or NIE). The engine turns this list into three computed cells: the number
of empty required fields, their names, and the overall status (``niekompletny`` while any
is empty), each with its Excel formula and Python twin built here side by side.

This is the one definition of an empty field: the workbook's ``R_BRAKI``/``R_BRAKI_LISTA``,
:attr:`xl_afbp.engine.Result.missing`, ``evaluate``, ``check`` and the consolidator all
read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from . import names, spelling
from .expr.excel import text_literal
from .expr.pyeval import Env, as_number, as_text, is_yes
from .spec.model import Spec

#: Separator of the list of empty fields (labels may hold commas).
SEPARATOR = "; "


@dataclass(frozen=True)
class RequiredField:
    """One field the form must hold: its Polish label, its spec reference (``B_NAZWA``,
    ``P4``, ``P21_01``) and the test that it is filled."""

    label: str
    ref: str
    excel: str  # a formula that is TRUE when the field is filled
    filled: Callable[[Env], bool] = field(compare=False, repr=False)


def required_fields(spec: Spec) -> list[RequiredField]:
    """Basic data first (the order of *Dane podstawowe*), then items and services."""
    out = [_basic(b.key, b.label) for b in spec.basic if b.required]
    for it in spec.items:
        if it.numeric:
            out.append(_item(spelling.item(it.nr), names.item(it.nr), it.hash))
        elif it.type == "services":
            out += [_service(spelling.service(it.nr, s.nr), names.service(s.nr, it.nr)) for s in spec.services]
    return out


def _basic(key: str, label: str) -> RequiredField:
    ref = spelling.basic(key).ref
    return RequiredField(label, ref, f"LEN({names.basic(key)})>0", lambda env: as_text(env.get(ref)) is not None)


def _item(key: spelling.ItemKey, name: str, hash_ok: bool) -> RequiredField:
    excel = f'OR(ISNUMBER({name}),{name}="#")' if hash_ok else f"ISNUMBER({name})"
    ref = key.ref

    def filled(env: Env) -> bool:
        raw = env.get(ref)
        return as_number(raw) is not None or (hash_ok and raw == "#")

    return RequiredField(key.label, ref, excel, filled)


def _service(key: spelling.ItemKey, name: str) -> RequiredField:
    ref = key.ref
    return RequiredField(key.label, ref, f'OR({name}="TAK",{name}="NIE")', lambda env: is_yes(env.get(ref)) is not None)


def count_excel(fields: list[RequiredField]) -> str:
    return "(" + "+".join(f"IF({f.excel},0,1)" for f in fields) + ")" if fields else "0"


def list_excel(fields: list[RequiredField]) -> str:
    """The labels of the empty fields joined by :data:`SEPARATOR` (TEXTJOIN is Excel 2019+:
    every part carries a leading separator and MID drops the first one)."""
    if not fields:
        return '""'
    parts = "&".join(f'IF({f.excel},"",{text_literal(SEPARATOR + f.label)})' for f in fields)
    return f"MID({parts},{len(SEPARATOR) + 1},32767)"


def empty(fields: list[RequiredField], env: Env) -> list[RequiredField]:
    """The required fields ``env`` leaves empty (or holds something that is no answer)."""
    return [f for f in fields if not f.filled(env)]


def missing(fields: list[RequiredField], env: Env) -> list[str]:
    """The labels of the empty required fields, in form order."""
    return [f.label for f in empty(fields, env)]
