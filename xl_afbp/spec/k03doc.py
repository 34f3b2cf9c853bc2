"""``docs/k03.md``: every AFBP ↔ K-03 relation of an edition, written from the spec.

Each relation's kind and tolerance follow the definitions of the AFBP form and of K-03 (a
relation must hold for every library that filled both reports correctly); the spec keeps
the reason beside the relation (``reason``), and this document shows it with the
expressions, the K-03 fields and the Polish explanation the form shows.

Regenerate with ``python -m xl_afbp.spec.k03doc docs/k03.md``; a test keeps the file equal
to this output.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .expand import default_tolerance, k03_expressions
from .load import load_spec
from .model import K03Check, Spec

KINDS = {
    "equal": "equal (within the tolerance)",
    "at_most": "AFBP ≤ K-03",
    "at_least": "AFBP ≥ K-03",
    "between": "lower ≤ AFBP ≤ upper",
    "approx": "abs(AFBP − K-03) ≤ tolerance",
    "match": "a condition over several fields",
    "info": "information only: both values shown, never a difference",
}


def render(spec: Spec) -> str:
    """The whole document as Markdown."""
    e = spec.edition
    out = [
        f"# AFBP {e.year} ↔ GUS K-03: the cross-checks",
        "",
        f"Generated from the spec (edition {e.year}, spec {e.spec_version}) by `python -m xl_afbp.spec.k03doc docs/k03.md`;",
        "do not edit by hand. Each relation must hold for every library that filled both reports",
        "correctly: where the form's definitions differ, the kind and tolerance follow the",
        "difference, and where no inequality holds the check is information only (\"informacja\").",
        "K-03 is filed per unit (main library and each branch); `ksum` adds a row over the units,",
        "`kmax` takes the largest unit value, `kany` is TAK when any unit answered TAK.",
        "",
        "| kind | meaning |",
        "|---|---|",
        *[f"| `{k}` | {v} |" for k, v in KINDS.items() if any(c.kind == k for c in spec.k03_checks)],
        "",
        "| item | kind | AFBP | K-03 | tolerance |",
        "|---|---|---|---|---|",
    ]
    for c in spec.k03_checks:
        ex = k03_expressions(spec, c)
        k03 = f"`{ex['k03']}` … `{ex['upper']}`" if "upper" in ex else f"`{ex['k03']}`"
        tol = "–" if c.kind in ("match", "info") else f"`{c.tolerance or default_tolerance(spec, c.item)}`"
        out.append(f"| {c.item} | `{c.kind}` | `{ex['afbp']}` | {k03} | {tol} |")
    out += ["", "## The relations", ""]
    for c in spec.k03_checks:
        out += _relation(spec, c)
    related = {c.item for c in spec.k03_checks}
    without = [str(i.nr) for i in spec.items if i.nr not in related]
    out += [
        "## Items without a relation",
        "",
        f"Items {', '.join(without)}: the form's comparison gives them no K-03 source (\"Nie występuje\",",
        "or no entry at all, as for item 13, the number of branches).",
        "",
        "## K-03 fields",
        "",
        "| address | field | type |",
        "|---|---|---|",
        *[f"| `{k.address}` | {k.label} | {k.type} |" for k in spec.k03_cells],
        "",
    ]
    return "\n".join(out)


def _relation(spec: Spec, c: K03Check) -> list[str]:
    ex = k03_expressions(spec, c)
    lines = [f"### Item {c.item}: {spec.item(c.item).label}", "", f"- **Kind:** `{c.kind}` – {KINDS[c.kind]}"]
    if c.kind == "match":
        lines.append(f"- **Condition:** `{ex['condition']}`")
    else:
        lines.append(f"- **AFBP:** `{ex['afbp']}`; **K-03:** `{ex['k03']}`" + (f" … `{ex['upper']}`" if "upper" in ex else ""))
    if c.kind not in ("match", "info"):
        lines.append(f"- **Tolerance:** `{c.tolerance or default_tolerance(spec, c.item)}`")
    lines += [f"- **Why:** {c.reason or '(no reason recorded in the spec)'}", f"- **The form shows:** {c.explanation}", ""]
    return lines


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = render(load_spec(2016))
    if args:
        Path(args[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
