"""The fast batch path: build each layout once, patch each library's cells into a copy.

:func:`xl_afbp.workbook.form.build_form` takes ~0.5 s per workbook; 2,500 libraries would
take minutes. A :class:`FormTemplate` builds the workbook once per :class:`FormOptions`
(every personal cell present but empty, the library's name in the print headers a token),
cuts the sheet XMLs at the cells that differ per library (:mod:`.layout` says where the
personal values go; every formula cell's result too, :mod:`.cached`), and for each
library joins the pieces with its values; the other zip members (the large TERYT lists,
styles) are copied compressed. Tests prove that a patched workbook has the same content as
one built from scratch, and that its cached results equal the engine's and LibreOffice's.

Text is written as inline strings, so a value that starts with ``=`` stays text.
"""

from __future__ import annotations

import io
import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

from ..engine import Engine
from .cached import CacheEnv, Twin, cached_value_xml
from .. import names
from .form import HEADER_TOKEN, FormContent, FormOptions, build_form_parts, form_inputs, form_values, header_name, open_when_empty, survey_year
from .layout import TERYT, FormLayout
from .printing import header_text
from ..ooxml.cells import cell_xml
from ..ooxml.parts import sheet_parts, zipfile_text
from ..ooxml.zipcopy import Member, Piece, compress, deflate_piece, join_pieces, read_members, write_zip

_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"((?: [a-z]+="[^"]*")*)\s*(?:/>|>(.*?)</c>)', re.S)
_FORMULA = re.compile(r"<f(?: [^>]*)?(?:/>|>.*?</f>)", re.S)
#: Characters per separately compressed segment of a sheet part (see ``_Part.freeze``).
SEGMENT = 6000


class _Part:
    """One sheet's XML cut at the cells (and header tokens) that differ per library."""

    def __init__(self, xml: str, personal: dict[str, str], formulas: dict[str, tuple[str, int, int]]):
        self.chunks: list[str] = [""]  # always one more than slots: chunk, slot, chunk, …
        self.slots: list[tuple[str, str, str, str]] = []  # (kind, ref, style, key or formula XML)
        self.keys: dict[str, tuple[str, int, int]] = formulas
        #: personal key → the style of its cell when the library list fills it in (a prefilled
        #: basic field): the template, built without values, holds the style of an empty one
        self.filled: dict[str, str] = {}
        pos = 0
        for m in _CELL.finditer(xml):
            ref = m.group(1)
            if ref not in personal and ref not in formulas:
                continue
            style = re.search(r' s="(\d+)"', m.group(2))
            style_id = style.group(1) if style else ""
            if ref in personal:
                slot = ("personal", ref, style_id, personal[ref])
            else:
                f = _FORMULA.search(m.group(3) or "")
                if f is None:  # pragma: no cover - a layout bug, not a data problem
                    raise RuntimeError(f"template: cell {ref} has no formula")
                slot = ("formula", ref, style_id, f.group(0))
            self._text(xml[pos : m.start()])
            self._slot(slot)
            pos = m.end()
        self._text(xml[pos:])
        found = {s[1] for s in self.slots if s[0] != "token"}
        if found != set(personal) | set(formulas):  # pragma: no cover - a layout bug
            raise RuntimeError(f"template: cells not found: {sorted(set(personal) | set(formulas) - found)[:5]}")

    def _slot(self, slot: tuple[str, str, str, str]) -> None:
        self.slots.append(slot)
        self.chunks.append("")

    def _text(self, text: str) -> None:
        """Static text, with a slot for every header token in it."""
        first, *rest = text.split(HEADER_TOKEN)
        self.chunks[-1] += first
        for piece in rest:
            self._slot(("token", "", "", ""))
            self.chunks[-1] = piece

    def rendered(self, values: dict[str, Any], cache: dict[tuple[str, int, int], Any], name: str) -> list[str]:
        """Each slot's XML for one library."""
        out = []
        for kind, ref, style, key in self.slots:
            if kind == "personal":
                value = values.get(key)
                out.append(cell_xml(ref, style if open_when_empty(value) else self.filled.get(key, style), value))
            elif kind == "formula":
                t, v = cached_value_xml(cache.get(self.keys[ref]))
                s = f' s="{style}"' if style else ""
                out.append(f'<c r="{ref}"{s}{t}>{key}<v>{v}</v></c>')
            else:
                out.append(name)
        return out

    def freeze(self, part: str, baseline: list[str]) -> None:
        """Cut the part into segments of about :data:`SEGMENT` characters and compress each
        once with the template's own values; a library's copy recompresses only the
        segments where its values differ (the library's name in the print header, its
        prefilled cells and the results that depend on them)."""
        self.part, self.baseline = part, baseline
        bounds, size = [0], 0
        for i in range(len(self.slots)):
            size += len(self.chunks[i]) + len(baseline[i])
            if size >= SEGMENT:
                bounds.append(i + 1)
                size = 0
        if bounds[-1] != len(self.slots) or len(bounds) == 1:
            bounds.append(len(self.slots))
        self.segments = list(zip(bounds, bounds[1:]))
        self.pieces = [self._piece(k, baseline, level=6) for k in range(len(self.segments))]

    def _piece(self, k: int, rendered: list[str], level: int = 1) -> Piece:
        a, b = self.segments[k]
        last = k == len(self.segments) - 1
        text = [x for i in range(a, b) for x in (self.chunks[i], rendered[i])]
        if last:
            text.append(self.chunks[-1])
        return deflate_piece("".join(text).encode("utf-8"), last=last, level=level)

    def member(self, rendered: list[str]) -> Member:
        pieces = []
        for k, (a, b) in enumerate(self.segments):
            same = rendered[a:b] == self.baseline[a:b]
            pieces.append(self.pieces[k] if same else self._piece(k, rendered))
        return join_pieces(self.part, pieces)


class FormTemplate:
    """One pre-built workbook layout, cut where each library's values go."""

    def __init__(self, engine: Engine, opts: FormOptions, year: int | None = None):
        """``year``: the survey year of the batch (titles, headers, instructions are static
        text of the template; a copy's content must be of the same year)."""
        self.engine, self.opts = engine, opts
        blank = FormContent(library=_placeholder_library() if opts.personalised else None, generated_at="-", year=year)
        self.year = survey_year(engine.spec, blank)
        built = build_form_parts(engine, opts, blank, library_name=HEADER_TOKEN if opts.personalised else "", full_lists=False)
        buf = io.BytesIO()
        built.wb.save(buf)
        self.layout: FormLayout = built.layout
        self.twins: dict[tuple[str, int, int], Twin] = built.twins
        self.members = read_members(buf.getvalue())
        parts = sheet_parts(self.members)
        self.members[parts[TERYT]] = _teryt_member(parts[TERYT], opts.localities)
        personal: dict[str, dict[str, str]] = {}
        for key, p in self.layout.personal.items():
            personal.setdefault(parts[p.sheet], {})[f"{get_column_letter(p.col)}{p.row}"] = key
        formulas: dict[str, dict[str, tuple[str, int, int]]] = {}
        for key in self.twins:
            sheet, row, col = key
            formulas.setdefault(parts[sheet], {})[f"{get_column_letter(col)}{row}"] = key
        self._parts: dict[str, _Part] = {}
        for part in set(personal) | set(formulas) | {p for p in parts.values() if HEADER_TOKEN in zipfile_text(self.members[p])}:
            self._parts[part] = _Part(zipfile_text(self.members[part]), personal.get(part, {}), formulas.get(part, {}))
        self._prefilled_styles()
        values, cache, name = self._inputs(blank)
        for part, p in self._parts.items():
            p.freeze(part, p.rendered(values, cache, name))

    def _prefilled_styles(self) -> None:
        """A prefilled basic field is locked when the library list fills it in and an input
        when it does not (:func:`~.form.open_when_empty`); the template, built without
        values, holds the input's style, and the prefilled style is that of the library's id
        beside them (the same prefilled look, always filled)."""
        if not self.opts.personalised:
            return
        slots = [s for p in self._parts.values() for s in p.slots if s[0] == "personal"]
        prefilled = next(style for _kind, _ref, style, key in slots if key == "ID")
        for p in self._parts.values():
            p.filled = {key: prefilled for kind, _ref, _style, key in p.slots if kind == "personal" and key.startswith(names.basic(""))}

    def cached_values(self, values: dict[str, Any], content: FormContent) -> dict[tuple[str, int, int], Any]:
        """The result of every formula cell for what the form holds."""
        data = form_inputs(self.engine, self.opts, values)
        env = CacheEnv(data, self.engine.values(data), dict(content.benchmark) if self.opts.benchmark else {})
        return {key: twin(env) for key, twin in self.twins.items()}

    def _inputs(self, content: FormContent) -> tuple[dict[str, Any], dict[tuple[str, int, int], Any], str]:
        """(personal values, cached results, header name as XML) of one library's copy."""
        values = form_values(self.engine, self.opts, content)
        return values, self.cached_values(values, content), escape(header_text(header_name(self.opts, values)))

    def render(self, content: FormContent, path: Path | str) -> Path:
        if survey_year(self.engine.spec, content) != self.year:
            raise ValueError(f"a template of the survey year {self.year} cannot render a form of {survey_year(self.engine.spec, content)}")
        values, cache, name = self._inputs(content)
        members = []
        for part, member in self.members.items():
            p = self._parts.get(part)
            members.append(member if p is None else p.member(p.rendered(values, cache, name)))
        write_zip(path, members)
        return Path(path)


@lru_cache(maxsize=4)
def _teryt_member(part: str, localities: bool) -> Member:
    """The _teryt sheet with its lists (``localities``: with the Miejscowość lists), written
    once per process: the same XML openpyxl writes inside a whole form (a hidden, protected
    sheet that is not the first one)."""
    from openpyxl import Workbook

    from .form import _Builder
    from .lists import write_teryt

    wb = Workbook()
    ws = wb.create_sheet(TERYT)
    ws.sheet_state = "hidden"
    write_teryt(ws, localities=localities)
    _Builder.protect(ws)
    buf = io.BytesIO()
    wb.save(buf)
    members = read_members(buf.getvalue())
    data = zipfile_text(members[sheet_parts(members)[TERYT]]).encode("utf-8")
    return compress(part, data, level=6)


def _placeholder_library():
    from .form import Library

    return Library(id="")
