"""The building blocks of the HTML documents: sections of paragraphs, numbered tables and
figures, each with its "Źródło" line – the shape of a published regional report.

The document is assembled in reading order; :class:`Numbering` gives tables and figures
their numbers as they are added, so captions and references never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Cell:
    """A table cell: its text, whether it is a number (right-aligned), a CSS class."""

    text: str
    number: bool = False
    css: str = ""
    span: int = 1  # columns the cell spans (a group heading across the table)


@dataclass(frozen=True)
class Table:
    number: int
    title: str
    head: tuple[tuple[str, ...], ...]  # one or more header rows (a header spanning columns: ("", …) is not needed)
    rows: tuple[tuple[Cell, ...], ...]
    source: str
    note: str = ""
    kind: str = "table"


@dataclass(frozen=True)
class Figure:
    number: int
    title: str
    uri: str
    source: str
    note: str = ""
    kind: str = "figure"


@dataclass
class Section:
    id: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    blocks: list[Table | Figure] = field(default_factory=list)


@dataclass
class Numbering:
    """Numbers of tables and figures in the order they are made."""

    tables: int = 0
    figures: int = 0

    def table(self, title: str, head, rows, source: str, note: str = "") -> Table:
        self.tables += 1
        return Table(self.tables, title, tuple(tuple(h) for h in head), tuple(tuple(r) for r in rows), source, note)

    def figure(self, title: str, uri: str, source: str, note: str = "") -> Figure:
        self.figures += 1
        return Figure(self.figures, title, uri, source, note)


def text(s: object) -> Cell:
    return Cell("" if s is None else str(s))


def num(s: str, css: str = "") -> Cell:
    return Cell(s, True, css)
