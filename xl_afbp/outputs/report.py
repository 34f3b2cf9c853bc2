"""``raport.html``: one printable page in Polish (jinja2 ``templates/raport.html.j2``)."""

from __future__ import annotations

import base64
import io
import math
from pathlib import Path
from typing import Any

from .. import status as st
from ..consolidate.facts import _Facts, _facts
from ..consolidate.records import ACCEPTED, Consolidation, LEVEL_REGION, LEVEL_SUBTYPE, STATUS_PL
from ..engine import Engine, get_engine


# =============================================================================== outputs: HTML
def _pl_number(v: Any, decimals: int = 2) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    s = f"{f:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
    return s


def _decimals(fmt: str) -> int:
    fmt = fmt.split(";")[0]
    return len(fmt.split(".")[1].rstrip("#")) + fmt.split(".")[1].count("#") if "." in fmt else 0


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _charts(con: Consolidation, facts: _Facts) -> dict[str, str]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    out: dict[str, str] = {}
    lib = con.libraries
    if not len(lib):
        return out
    podtypy = sorted(set(lib["podtyp"]), key=facts.order_podtyp)
    counts = [int((lib["podtyp"] == p).sum()) for p in podtypy]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(podtypy) + 1.2))
    ax.barh(podtypy[::-1], counts[::-1], color="#1F4E79")
    for y, n in enumerate(counts[::-1]):
        ax.text(n, y, f" {n}", va="center", fontsize=9)
    ax.set_xlabel("liczba bibliotek")
    ax.set_title("Biblioteki w zestawieniu wg podtypu")
    ax.spines[["top", "right"]].set_visible(False)
    out["podtypy"] = _png(fig)

    codes = facts.key_indicators
    names_by_code = {i.code: i for i in facts.spec.indicators}
    cols = 2
    rows = -(-len(codes) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(11, 2.2 + 0.35 * len(podtypy) * rows), squeeze=False)
    for k, code in enumerate(codes):
        ax = axes[k // cols][k % cols]
        data = [lib.loc[lib["podtyp"] == p, code].dropna().to_numpy() for p in podtypy]
        labels = [f"{p} (n={len(d)})" for p, d in zip(podtypy, data)]
        keep = [(lab, d) for lab, d in zip(labels, data) if len(d)]
        if keep:
            style = dict(widths=0.6, medianprops={"color": "#C65911", "linewidth": 2}, flierprops={"markersize": 3})
            try:
                ax.boxplot([d for _, d in keep][::-1], orientation="horizontal", **style)
            except TypeError:  # matplotlib < 3.10
                ax.boxplot([d for _, d in keep][::-1], vert=False, **style)
            ax.set_yticks(range(1, len(keep) + 1), [lab for lab, _ in keep][::-1], fontsize=7)
        ind = names_by_code[code]
        ax.set_title(f"{code}: {ind.name}" + (f" [{ind.unit}]" if ind.unit else ""), fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
        ax.spines[["top", "right"]].set_visible(False)
    for k in range(len(codes), rows * cols):
        axes[k // cols][k % cols].axis("off")
    fig.suptitle("Rozkład wartości bibliotek wg podtypu (pomarańczowa kreska = mediana)", fontsize=10)
    fig.tight_layout()
    out["kluczowe"] = _png(fig)
    return out


def render_report(con: Consolidation, path: Path, *, engine: Engine | None = None) -> Path:
    """``raport.html``: one printable page in Polish (jinja2 ``templates/raport.html.j2``)."""
    import importlib.resources

    import jinja2

    engine = engine or get_engine()
    facts = _facts(engine)
    source = (importlib.resources.files("xl_afbp.templates") / "raport.html.j2").read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = _pl_number
    fmt = {i.code: _decimals(i.format or "0.00") for i in facts.spec.indicators}
    gs = con.group_stats
    sub = gs[gs["poziom"] == LEVEL_SUBTYPE]
    region = gs[gs["poziom"] == LEVEL_REGION].set_index("wskaznik")
    podtypy = list(dict.fromkeys(sub["podtyp"]))
    key_codes = facts.key_indicators
    ind = {i.code: i for i in facts.spec.indicators}
    key_table = []
    for p in podtypy:
        s = sub[sub["podtyp"] == p].set_index("wskaznik")
        key_table.append({"podtyp": p, "n": int(s["n_grupy"].iloc[0]), "cells": [(_pl_number(s.loc[c, "mediana"], fmt[c]), int(s.loc[c, "n"]), _pl_number(s.loc[c, "agregat"], fmt[c])) for c in key_codes]})
    if len(region):
        key_table.append({"podtyp": "Region – wszystkie biblioteki", "n": int(region["n_grupy"].iloc[0]), "cells": [(_pl_number(region.loc[c, "mediana"], fmt[c]), int(region.loc[c, "n"]), _pl_number(region.loc[c, "agregat"], fmt[c])) for c in key_codes]})
    rt = con.region
    item_decimals = {f"P{it.nr:02d}": int(it.decimals or 0) for it in facts.numeric}
    sums = [
        {"kod": r.kod, "nazwa": r.nazwa, "jednostka": r.jednostka, "wartosc": _pl_number(r.wartosc, item_decimals.get(r.kod, 0)), "n": r.n, "n_brak": r.n_brak}
        for r in rt[rt["rodzaj"] == "suma pozycji"].itertuples(index=False)
    ]
    aggregates = [
        {"kod": r.kod, "nazwa": r.nazwa, "jednostka": r.jednostka, "wartosc": _pl_number(r.wartosc, fmt[r.kod]), "mediana": _pl_number(r.mediana_bibliotek, fmt[r.kod]), "n": r.n, "uwagi": r.uwagi, "perspektywa": ind[r.kod].perspective}
        for r in rt[rt["rodzaj"] != "suma pozycji"].itertuples(index=False)
    ]
    persp = {p.id: p.label for p in facts.spec.perspectives}
    fd = con.findings
    by_check = []
    if len(fd):
        g = fd.groupby(["waga", "kontrola"]).agg(biblioteki=("id", "nunique"), wystapienia=("id", "size")).reset_index()
        order = {st.ERROR: 0, st.INCOMPLETE: 1, st.DIFFERENCE: 2, st.WARNING: 3, st.NO_DATA: 4}
        msgs = fd.drop_duplicates("kontrola").set_index("kontrola")["komunikat"]
        for r in sorted(g.itertuples(index=False), key=lambda r: (order.get(r.waga, 9), -r.biblioteki, r.kontrola)):
            by_check.append({"waga": r.waga, "kontrola": r.kontrola, "biblioteki": r.biblioteki, "wystapienia": r.wystapienia, "komunikat": msgs.get(r.kontrola, "")})
    errors_by_lib = []
    lib = con.libraries
    if len(lib):
        bad = lib[lib["status"] == st.ERROR]
        for r in bad.itertuples(index=False):
            checks = fd[(fd["id"] == r.id) & (fd["waga"] == st.ERROR)]["kontrola"].tolist()
            errors_by_lib.append({"id": r.id, "nazwa": r.nazwa, "kontrole": ", ".join(checks)})
    il = con.import_log
    problems = il[~il["status"].isin([STATUS_PL[ACCEPTED]])].to_dict("records")
    counts = con.counts
    context = {
        "con": con,
        "title": f"AFBP {con.year} – zestawienie regionalne" + (f": {con.region_label}" if con.region_label else ""),
        "counts": {STATUS_PL[k]: v for k, v in counts.items()},
        "n_files": len(con.entries),
        "n_libraries": len(lib),
        "expected": con.expected_count,
        "n_missing": len(con.missing),
        "n_error_forms": int((lib["status"] == st.ERROR).sum()) if len(lib) else 0,
        "n_incomplete_forms": int((lib["status"] == st.INCOMPLETE).sum()) if len(lib) else 0,
        "key_codes": [(c, ind[c].name, ind[c].unit) for c in key_codes],
        "key_table": key_table,
        "sums": sums,
        "aggregates": aggregates,
        "perspectives": persp,
        "by_check": by_check,
        "errors_by_lib": errors_by_lib,
        "problems": problems,
        "missing": con.missing.to_dict("records"),
        "charts": _charts(con, facts),
    }
    html = env.from_string(source).render(**context)
    Path(path).write_text(html, encoding="utf-8")
    return Path(path)
