"""``xl-afbp spec new``: a new edition folder, copied from an existing edition, to edit.

The copy keeps every YAML file as it is (comments included) and rewrites only the edition
stamp: ``name`` (the folder's name), ``year`` and ``first_year`` (the first survey year the
new edition serves). The result lints clean, so a coordinator starts from a working
edition and changes items, rules and indicators one at a time (docs/spec.md).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from .errors import SpecError
from .load import edition_key, edition_path, lint_path

_EDITION = re.compile(r"^edition:\s*$")
_STAMP_KEYS = ("name", "year", "first_year")


def new_edition(target: Path, source: str | Path, first_year: int | None = None) -> Path:
    """Copy edition ``source`` (a shipped name or a folder) into the new folder ``target``,
    stamped with the folder's name and ``first_year`` (default: the year ending the name,
    as in ``afbp-2018``). Refuses an existing target; removes a copy that does not lint."""
    name = target.name
    if first_year is None:
        m = re.search(r"(\d{4})$", name)
        if m is None:
            raise ValueError(f"give the first survey year of {name!r} (--first-year), or end the name with it, e.g. afbp-2018")
        first_year = int(m.group(1))
    if target.exists():
        raise FileExistsError(f"{target} exists already: choose a new folder")
    key = edition_key(source)
    folder = edition_path(key) if key.isdigit() else Path(key)
    if not folder.is_dir():
        raise ValueError(f"{source}: an edition to copy is a folder of YAML files")
    files = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))
    stamped = [f for f in files if any(_EDITION.match(line) for line in f.read_text(encoding="utf-8").splitlines())]
    if len(stamped) != 1:
        raise ValueError(f"{folder}: expected one file with the 'edition:' section, found {len(stamped)}")
    target.mkdir(parents=True)
    for f in files:
        text = f.read_text(encoding="utf-8")
        if f in stamped:
            text = restamp(text, name=f'"{name}"', year=first_year, first_year=first_year)
        (target / f.name).write_text(text, encoding="utf-8")
    _spec, issues = lint_path(target)
    if issues:
        shutil.rmtree(target)
        raise SpecError(issues)
    return target


def restamp(text: str, **values: object) -> str:
    """The YAML text with the given keys of its ``edition:`` block set (added when missing),
    every other line – comments included – unchanged."""
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if _EDITION.match(line))
    end = start + 1
    while end < len(lines) and (lines[end].startswith((" ", "\t")) or not lines[end].strip()):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    block = lines[start + 1 : end]
    indent = next((re.match(r"\s*", line).group(0) for line in block if line.strip()), "  ")
    for key in _STAMP_KEYS:
        if key not in values:
            continue
        new = f"{indent}{key}: {values[key]}\n"
        at = next((i for i, line in enumerate(block) if re.match(rf"\s*{key}\s*:", line)), None)
        if at is None:
            block.append(new)
        else:
            block[at] = new
    return "".join(lines[: start + 1] + block + lines[end:])
