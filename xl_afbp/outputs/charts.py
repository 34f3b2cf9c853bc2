"""The figures of the publication and the feedback sheets (matplotlib, PNG).

Labels come from the forms (a subtype, a library's name): matplotlib would parse
``$\\foo$`` in them as mathtext and raise, so every figure is drawn with mathtext and TeX
off (``text.parse_math``, ``text.usetex``) and its text made printable. Numbers on the
figures are written by :mod:`.numbers`, as in the tables.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

from ..safetext import printable
from .html import png_uri
from .numbers import format_number

BLUE, ORANGE, GREY = "#1F4E79", "#C65911", "#7F7F7F"
#: text of the figures: never mathtext or TeX (labels are data)
SAFE_TEXT = {"text.parse_math": False, "text.usetex": False, "font.family": "DejaVu Sans", "axes.unicode_minus": True}


@contextmanager
def _pyplot() -> Iterator:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    with matplotlib.rc_context(SAFE_TEXT):
        yield plt


def preload() -> None:
    """matplotlib loaded as the figures load it: a process about to draw them does so while
    it waits for their data (:mod:`.figureprocess`)."""
    with _pyplot():
        pass


def _label(text: object, limit: int = 48) -> str:
    s = " ".join(printable(str(text)).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def counts_chart(labels: Sequence[str], counts: Sequence[int], *, xlabel: str) -> str:
    """Horizontal bars with their counts."""
    with _pyplot() as plt:
        fig, ax = plt.subplots(figsize=(7.5, 0.42 * len(labels) + 1.0))
        names = [_label(x) for x in labels][::-1]
        ax.barh(names, list(counts)[::-1], color=BLUE)
        for y, n in enumerate(list(counts)[::-1]):
            ax.text(n, y, f" {n}", va="center", fontsize=9)
        ax.set_xlabel(xlabel)
        ax.spines[["top", "right"]].set_visible(False)
        return png_uri(fig)


@dataclass(frozen=True)
class RangeRow:
    """One group on a median-and-quartiles panel."""

    label: str
    q1: float
    median: float
    q3: float
    n: int


@dataclass(frozen=True)
class RangePanel:
    title: str
    rows: tuple[RangeRow, ...]
    reference: float | None = None  # the region's value: a vertical line
    reference_label: str = ""
    decimals: int = 2


def ranges_chart(panels: Sequence[RangePanel], *, columns: int = 2) -> str:
    """Small multiples: for each indicator, each group's median (dot) and Q1–Q3 (line),
    the region's value as a dashed line. Only groups with a published median appear."""
    with _pyplot() as plt:
        rows = max(1, -(-len(panels) // columns))
        height = max((len(p.rows) for p in panels), default=1)
        fig, axes = plt.subplots(rows, columns, figsize=(10, rows * (0.32 * height + 1.3)), squeeze=False)
        for k, panel in enumerate(panels):
            ax = axes[k // columns][k % columns]
            ys = list(range(len(panel.rows)))[::-1]
            _ranges(ax, ys, panel.rows)
            for y, r in zip(ys, panel.rows):
                ax.text(r.q3, y, "  " + format_number(r.median, panel.decimals), va="center", fontsize=7, color="#333333")
            ax.set_yticks(ys, [f"{_label(r.label, 34)} (n={r.n})" for r in panel.rows], fontsize=7)
            if panel.reference is not None and math.isfinite(panel.reference):
                ax.axvline(panel.reference, color=GREY, linestyle="--", linewidth=1)
            ax.set_title(_label(panel.title, 70), fontsize=9)
            ax.tick_params(axis="x", labelsize=7)
            ax.spines[["top", "right"]].set_visible(False)
            ax.margins(x=0.25)
        for k in range(len(panels), rows * columns):
            axes[k // columns][k % columns].axis("off")
        fig.tight_layout()
        return png_uri(fig)


def _ranges(ax, ys: Sequence[int], rows: Sequence[RangeRow]) -> None:
    """Every group's Q1–Q3 bar as one line broken by NaN gaps and every median as one
    line of markers: the pixels of a line and a dot per group (the rows never overlap, and
    the dots are drawn after the bars either way) at a fraction of matplotlib's cost per
    artist – two artists per panel instead of two per group."""
    bars_x: list[float] = []
    bars_y: list[float] = []
    for y, r in zip(ys, rows):
        bars_x += [r.q1, r.q3, math.nan]
        bars_y += [y, y, math.nan]
    ax.plot(bars_x, bars_y, color=BLUE, linewidth=2.5, solid_capstyle="butt")
    ax.plot([r.median for r in rows], list(ys), "o", color=ORANGE, markersize=6)


def index_chart(labels: Sequence[str], indexes: Sequence[float | None], *, cap: float = 300.0) -> str:
    """The library's indicators as an index of the group's median (= 100): bars from 100,
    orange above, blue below; values beyond ``cap`` are drawn at the cap and labelled."""
    with _pyplot() as plt:
        fig, ax = plt.subplots(figsize=(7.2, 0.17 * len(labels) + 0.8))
        ys = list(range(len(labels)))[::-1]
        for y, v in zip(ys, indexes):
            if v is None or not math.isfinite(v):
                ax.text(100, y, "  brak", va="center", fontsize=7, color=GREY)
                continue
            shown = max(0.0, min(v, cap))
            ax.barh(y, shown - 100, left=100, color=ORANGE if v >= 100 else BLUE, height=0.6)
            ax.text(shown, y, f" {format_number(v, 0)} ", va="center", ha="left" if v >= 100 else "right", fontsize=6)
        ax.axvline(100, color="#333333", linewidth=1)
        ax.set_yticks(ys, [_label(x, 60) for x in labels], fontsize=6)
        ax.set_ylim(-0.7, len(labels) - 0.3)
        ax.set_xlim(0, cap * 1.08)
        ax.set_xlabel("indeks: mediana grupy = 100", fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        return png_uri(fig)


def trend_chart(title: str, years: Sequence[int], series: Sequence[tuple[str, Sequence[float | None]]], *, decimals: int = 2) -> str:
    """Lines over the survey years, one per group."""
    with _pyplot() as plt:
        fig, ax = plt.subplots(figsize=(7.5, 3.2))
        for k, (label, values) in enumerate(series):
            pts = [(y, v) for y, v in zip(years, values) if v is not None and math.isfinite(v)]
            if not pts:
                continue
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=_label(label, 40), color=BLUE if k == 0 else None)
            last = pts[-1]
            ax.annotate(format_number(last[1], decimals), last, textcoords="offset points", xytext=(4, 0), fontsize=7)
        ax.set_xticks(list(years), [str(y) for y in years])
        ax.set_title(_label(title, 80), fontsize=9)
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(fontsize=7, frameon=False)
        fig.tight_layout()
        return png_uri(fig)


@dataclass(frozen=True)
class Chart:
    """A figure to draw: a drawing function of this module (its name) and its arguments.

    What :mod:`.figureprocess` gives a fresh interpreter to draw while the job stores the
    database; equal charts draw the same PNG, so a figure drawn there stands for the one
    the publication would draw (its key)."""

    kind: str
    args: tuple
    options: tuple[tuple[str, Any], ...] = ()

    def draw(self) -> str:
        """The figure as a PNG ``data:`` URI."""
        return _KINDS[self.kind](*self.args, **dict(self.options))


#: the functions a :class:`Chart` may name
_KINDS = {f.__name__: f for f in (counts_chart, ranges_chart, index_chart, trend_chart)}
