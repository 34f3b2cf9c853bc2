"""The fast batch path: build each layout once, patch each library's cells into a copy.

:func:`xl_afbp.workbook.form.build_form` takes ~0.3 s per workbook; 2,500 libraries would
take minutes. A :class:`FormTemplate` builds the workbook once per :class:`FormOptions`
(with every personal cell present but empty), remembers where each personal value goes
(:class:`Layout`), and for each library rewrites only those cells in the few sheet XMLs
that hold them; every other zip member is copied compressed. Tests prove that a patched
workbook has the same content as one built from scratch.

Text is written as inline strings, so a value that starts with ``=`` stays text.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from openpyxl.utils import get_column_letter

from ..engine import Engine
from ..ooxml.cells import cell_xml
from ..ooxml.parts import sheet_parts, zipfile_text
from ..ooxml.zipcopy import compress, read_members, write_zip
from .form import FormContent, FormOptions, Layout, build_form, personal_values


class FormTemplate:
    """One pre-built workbook layout and the positions of its personal cells."""

    def __init__(self, engine: Engine, opts: FormOptions):
        self.engine, self.opts = engine, opts
        blank = FormContent(library=_placeholder_library() if opts.personalised else None, generated_at="-")
        wb, layout = build_form(engine, opts, blank)
        buf = io.BytesIO()
        wb.save(buf)
        self.layout: Layout = layout
        self.members = read_members(buf.getvalue())
        parts = sheet_parts(self.members)
        self._by_part: dict[str, dict[str, str]] = {}  # part → {cell ref: personal key}
        for key, (sheet, row, col) in layout.cells.items():
            self._by_part.setdefault(parts[sheet], {})[f"{get_column_letter(col)}{row}"] = key
        self._xml = {part: zipfile_text(self.members[part]) for part in self._by_part}
        self._patterns = {
            part: re.compile(r'<c r="(' + "|".join(map(re.escape, refs)) + r')"((?: [a-z]+="[^"]*")*)\s*(?:/>|>.*?</c>)', re.S)
            for part, refs in self._by_part.items()
        }

    def render(self, content: FormContent, path: Path | str) -> Path:
        values = personal_values(self.engine, self.opts, content)
        members = []
        for name, member in self.members.items():
            if name in self._by_part:
                refs = self._by_part[name]

                def sub(m: re.Match, refs=refs) -> str:
                    style = re.search(r' s="(\d+)"', m.group(2))
                    return cell_xml(m.group(1), style.group(1) if style else "", values.get(refs[m.group(1)]))

                xml, n = self._patterns[name].subn(sub, self._xml[name])
                if n != len(refs):  # pragma: no cover - a layout bug, not a data problem
                    raise RuntimeError(f"template {name}: patched {n} of {len(refs)} cells")
                members.append(compress(name, xml.encode("utf-8")))
            else:
                members.append(member)
        write_zip(path, members)
        return Path(path)


def _placeholder_library():
    from .form import Library

    return Library(id="")
