"""Read one form's values from a JSON or CSV file (the ``xl-afbp evaluate`` input).

Keys: ``P01`` … ``P34`` (items), ``P21_01`` … ``P21_12`` (services), ``PREV01`` … (last
year), ``B_<FIELD>`` (basic data) and K-03 addresses such as ``D4.W1.R5`` with one value
per unit (main library first). Any spelling of :mod:`xl_afbp.spec.spelling` (``P1``,
``P_01``, ``poz. 1``, ``poz. 21.1`` …) and ``K_D4_W1_R5`` are accepted too.

JSON: one object, e.g. ``{"P01": 12500, "P03": "#", "P21_01": "TAK", "D4.W1.R5": [40000, 9000]}``.
CSV: a header ``key,value`` and one row per key; a K-03 row may hold more value columns
(one per unit). Decimal commas (``10,75``) are accepted in CSV.

Every problem is collected and reported together, each naming its key.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

from .formdata import FormData
from . import spelling
from .spec.model import Spec

_NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?$")


class InputError(ValueError):
    def __init__(self, path: Path | str, problems: list[str]):
        self.problems = problems
        super().__init__(f"{path}: {len(problems)} problem(s):\n" + "\n".join(f"  - {p}" for p in problems))


def _number(raw: Any) -> Any:
    """Numbers from JSON stay; numeric text (CSV) becomes a number; other text stays text."""
    if isinstance(raw, str):
        text = raw.strip().replace("\u00a0", "").replace(" ", "")
        if _NUMBER.match(text):
            text = text.replace(",", ".")
            return float(text) if "." in text else int(text)
        return raw.strip()
    return raw


def parse_values(pairs: list[tuple[str, list[Any]]], spec: Spec, source: str = "input") -> FormData:
    """Turn ``(key, [values…])`` pairs into FormData, checking every key against the spec."""
    data = FormData()
    problems: list[str] = []
    items = {i.nr: i for i in spec.items}
    services = {s.nr for s in spec.services}
    svc_item = spec.services_item
    basic = {b.key for b in spec.basic}
    k03 = {c.address for c in spec.k03_cells}
    for key, values in pairs:
        key = key.strip()
        first = values[0] if values else None
        if first == "":
            first = None
        spelled = spelling.parse(key)
        kind = spelled.kind if spelled is not None else None
        if kind == spelling.SERVICE:
            nr, s = spelled.nr, spelled.sub
            if svc_item is None or nr != svc_item.nr or s not in services:
                problems.append(f"{key}: no such service (use P{svc_item.nr if svc_item else 21}_01 … _{len(services):02d})")
                continue
            if first is not None and str(first).strip().upper() not in ("TAK", "NIE"):
                problems.append(f"{key}: a service is answered TAK or NIE, got {first!r}")
                continue
            data.services[s] = None if first is None else str(first).strip().upper()
        elif kind in (spelling.ITEM, spelling.PREVIOUS):
            nr = spelled.nr
            item = items.get(nr)
            prev = kind == spelling.PREVIOUS
            if item is None or not item.numeric:
                problems.append(f"{key}: no numeric item {nr} in the {spec.edition.year} form")
                continue
            value = _number(first)
            if isinstance(value, str):
                if value == "#" and not item.hash:
                    allowed = ", ".join(str(i.nr) for i in spec.items if i.hash)
                    problems.append(f"{key}: '#' is allowed only in items {allowed}")
                    continue
                if value != "#":
                    problems.append(f"{key}: item {nr} ({item.label}) takes a number, got text {value!r}")
                    continue
            (data.previous if prev else data.items)[nr] = value
        elif kind == spelling.BASIC or key.upper().startswith("B_"):
            field = spelled.field if spelled is not None else key[2:].upper()
            if field not in basic:
                problems.append(f"{key}: unknown basic-data field (known: {', '.join('B_' + b for b in sorted(basic))})")
                continue
            data.basic[field] = first
        else:
            address = key[2:].replace("_", ".") if key.upper().startswith("K_") else key
            if address not in k03:
                problems.append(f"{key}: unknown key (expected an item P<nr>, a service P<nr>_<service>, PREV<item>, B_<FIELD> or a K-03 address such as {min(k03, default='?')})")
                continue
            row = [_number(v) if v not in ("", None) else None for v in values]
            bad = [v for v in row if isinstance(v, str) and v.upper() not in ("TAK", "NIE")]
            if bad:
                problems.append(f"{key}: K-03 values are numbers (or TAK/NIE for services), got {bad[0]!r}")
                continue
            data.k03[address] = [v.upper() if isinstance(v, str) else v for v in row]
    if problems:
        raise InputError(source, problems)
    return data


def read_form_file(path: Path | str, spec: Spec) -> FormData:
    path = Path(path)
    if not path.exists():
        raise InputError(path, ["file not found"])
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json":
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(path, [f"not valid JSON: {exc}"]) from exc
        if not isinstance(obj, dict):
            raise InputError(path, ["the JSON must be one object of key: value pairs"])
        pairs = [(k, v if isinstance(v, list) else [v]) for k, v in obj.items()]
    elif path.suffix.lower() == ".csv":
        rows = list(csv.reader(text.splitlines(), delimiter=";" if text.count(";") > text.count(",") else ","))
        if not rows or [c.strip().lower() for c in rows[0][:2]] != ["key", "value"]:
            raise InputError(path, ["a CSV input starts with the header 'key,value'"])
        pairs = [(r[0], r[1:]) for r in rows[1:] if r and r[0].strip()]
    else:
        raise InputError(path, [f"unsupported file type {path.suffix!r}: use .json or .csv"])
    return parse_values(pairs, spec, str(path))


def form_to_json(data: FormData) -> dict[str, Any]:
    """The inverse of :func:`read_form_file` for JSON (used to write sample files)."""
    out: dict[str, Any] = {}
    for nr, v in sorted(data.items.items()):
        out[f"P{nr:02d}"] = v
    for nr, v in sorted(data.services.items()):
        out[f"P21_{nr:02d}"] = v
    for nr, v in sorted(data.previous.items()):
        out[f"PREV{nr:02d}"] = v
    for k, v in data.basic.items():
        out[f"B_{k}"] = v
    for addr, row in data.k03.items():
        out[addr] = list(row)
    return out
