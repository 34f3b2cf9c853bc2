"""Which edition of the form serves a survey year.

The survey year changes every year; the form edition (items, rules, indicators) rarely does
(SBP's 2021–2023 forms had no substantive changes). An edition declares the first survey
year it serves (``edition.first_year``, default ``edition.year``) and serves every later
year until a newer edition starts. A command is given the survey year (``--year``) and
takes the newest shipped edition that serves it, unless an edition is named
(``--edition afbp-2016``) or given as a folder that is not shipped (``--edition PATH``, e.g.
one written by ``xl-afbp spec new``). :class:`EditionChoice` says what was picked and why,
and the commands print it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .load import SHIPPED_PREFIX, available_editions, edition_key, load_spec
from .model import Spec


class EditionError(ValueError):
    """No edition serves the year, or the named edition does not exist."""


@dataclass(frozen=True)
class EditionChoice:
    """The edition a command works with, for which survey year, and why."""

    source: str  # what load_spec / get_engine take (a shipped year or an absolute path)
    spec: Spec
    year: int | None  # the survey year (None: not known yet, e.g. taken from the files later)
    note: str  # e.g. "edition afbp-2016 (the newest edition serving 2017)"

    @property
    def name(self) -> str:
        return self.spec.edition.id


def shipped_specs() -> list[Spec]:
    """Every shipped edition, oldest first."""
    return sorted((load_spec(y) for y in available_editions()), key=lambda s: (s.edition.serves_from, s.edition.year))


def edition_for_year(year: int) -> Spec:
    """The newest shipped edition that serves survey ``year``."""
    specs = shipped_specs()
    serving = [s for s in specs if s.edition.serves_from <= year]
    if not serving:
        have = ", ".join(f"{s.edition.id} (from {s.edition.serves_from})" for s in specs)
        raise EditionError(f"no shipped edition serves the survey year {year}: {have}; give --edition PATH for an edition of that year")
    return serving[-1]


def newest_edition() -> Spec:
    return shipped_specs()[-1]


def choose_edition(edition: str | Path | None = None, year: int | None = None) -> EditionChoice:
    """The edition for ``year`` (None: not known yet), or the one named or given as a path.

    A named edition must serve the year: a form of 2015 data cannot be made from an edition
    that starts in 2016 (its rules and indicators may not apply).
    """
    if edition is not None:
        source = edition_key(edition)
        if not source.isdigit() and not Path(source).exists():
            shipped = ", ".join(f"{SHIPPED_PREFIX}{y}" for y in available_editions())
            raise EditionError(f"no edition {str(edition)!r}: not a shipped edition ({shipped}) nor an edition folder or file")
        spec = load_spec(source)
        if year is not None and year < spec.edition.serves_from:
            raise EditionError(f"edition {spec.edition.id} serves the survey years from {spec.edition.serves_from}, not {year}")
        where = "" if source.isdigit() else f" from {source}"
        return EditionChoice(source, spec, year, f"edition {spec.edition.id}{where}")
    if year is None:
        spec = newest_edition()
        return EditionChoice(_shipped_key(spec), spec, None, f"edition {spec.edition.id} (the newest shipped edition)")
    spec = edition_for_year(year)
    return EditionChoice(_shipped_key(spec), spec, year, f"edition {spec.edition.id} (the newest edition serving {year})")


def _shipped_key(spec: Spec) -> str:
    folder = spec.source[0].parent if spec.source else None
    if folder is not None and folder.name.startswith(SHIPPED_PREFIX):
        return edition_key(folder)
    return str(spec.edition.year)
