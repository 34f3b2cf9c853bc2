"""The jinja2 environment of every HTML document (the publication, the quality report, the
feedback sheets) and their conversion to PDF.

Every value printed by a template passes through :func:`_finalize`: text loses what no
encoder can write (:func:`xl_afbp.safetext.printable`) and is escaped by jinja2's
autoescape, so a library's name such as ``<b>klik</b>`` or ``=HYPERLINK(…)`` is shown as
typed; numbers are written only through the filters below, which round as every other
output rounds (:mod:`.numbers`).

PDF: WeasyPrint, a real HTML/CSS paged-media engine (``@page`` size, margins, running
page numbers), renders the same HTML the browser shows; ``make`` installs it with the
Debian libraries it needs (pango) and fonts with Polish letters (DejaVu).
"""

from __future__ import annotations

import base64
import importlib.resources
import io
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..safetext import clean
from .numbers import DASH, format_count, format_number, format_percent
from .pdfprocess import render as html_to_pdf  # noqa: F401 - the one WeasyPrint call, named for the writers


def _finalize(value: Any) -> Any:
    if value is None:
        return ""
    return clean(value)


def _template_source(name: str) -> str:
    return (importlib.resources.files("xl_afbp.templates") / name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def environment():
    """The shared environment: templates of the package ``xl_afbp.templates``."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_template_source),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
    )
    env.filters["num"] = lambda v, d=2: format_number(v, d)
    env.filters["count"] = format_count
    env.filters["pct"] = format_percent
    env.globals["DASH"] = DASH
    return env


def render(template: str, **context: Any) -> str:
    """A template of the package rendered with ``context``."""
    return environment().get_template(template).render(**context)


def write_html(html: str, path: Path) -> Path:
    Path(path).write_text(html, encoding="utf-8")
    return Path(path)


def png_uri(fig, dpi: int = 150) -> str:
    """A matplotlib figure as a ``data:`` URI (the document stays one file), closed."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
