"""Pictures of workbooks, through LibreOffice: one PNG per sheet (for docs and previews).

LibreOffice prints every visible sheet into one PDF. To get a picture of one sheet, a copy
of the workbook is made with the other sheets hidden (an edit of ``xl/workbook.xml`` only,
so cached values and everything else stay as they are); all copies are converted in one
batched LibreOffice call, which also recalculates them.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from . import libreoffice


def _only_sheet(src: Path, dst: Path, sheet: str) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/workbook.xml":
                text = data.decode("utf-8")
                names = re.findall(r'<sheet [^>]*name="([^"]+)"', text)
                if escape(sheet, {'"': "&quot;"}) not in names:
                    raise KeyError(f"{src.name} has no sheet {sheet!r} (sheets: {', '.join(names)})")

                def hide(m: re.Match) -> str:
                    tag = m.group(0)
                    if f'name="{escape(sheet)}"' in tag or 'state="veryHidden"' in tag:
                        return tag
                    tag = re.sub(r' state="\w+"', "", tag)
                    return tag.replace("<sheet ", '<sheet state="hidden" ', 1)

                text = re.sub(r"<sheet [^>]*/>", hide, text)
                index = names.index(escape(sheet))
                text = re.sub(r'activeTab="\d+"', f'activeTab="{index}"', text)
                text = re.sub(r'firstSheet="\d+"', f'firstSheet="{index}"', text)
                data = text.encode("utf-8")
            zout.writestr(info, data)


def sheet_images(xlsx: Path, out_dir: Path, sheets: list[str], *, dpi: int = 80, prefix: str = "") -> dict[str, Path]:
    """PNG of the first printed page of each sheet (LibreOffice recalculates on the way)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    work = out_dir / ".render"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    variants = {}
    for i, sheet in enumerate(sheets):
        variant = work / f"{prefix}{i:02d}.xlsx"
        _only_sheet(Path(xlsx), variant, sheet)
        variants[sheet] = variant
    pdfs = libreoffice.to_pdf(list(variants.values()), work / "pdf")
    out: dict[str, Path] = {}
    for sheet, variant in variants.items():
        pages = libreoffice.pdf_to_png(pdfs[variant], work / "png" / variant.stem, dpi=dpi)
        target = out_dir / f"{prefix}{slug(sheet)}.png"
        shutil.copyfile(pages[0], target)
        out[sheet] = target
    shutil.rmtree(work, ignore_errors=True)
    return out


def slug(text: str) -> str:
    table = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")
    return re.sub(r"[^a-z0-9]+", "-", text.translate(table).lower()).strip("-")
