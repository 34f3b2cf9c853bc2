"""Run every benchmark in one go and record the results in docs/performance.md.

Each benchmark times the product's fast path and a naive baseline in the same run and
prints medians and the ratio; this script adds the machine they ran on. Speed is never
asserted in tests: rerun this on your machine (`make bench`) to check the claims.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHES = [
    ("Generation of 2,500 personalised workbooks", "generate_bench.py", "≤ 10 s wall"),
    ("Reading 2,500 returned workbooks", "read_bench.py", "(part of consolidation)"),
    ("Consolidation of 2,500 returned workbooks", "consolidate_bench.py", "LibreOffice-saved: ≤ 6 s wall, ≤ 500 MB summed over all processes, faster than a bare calamine read of the input sheets"),
    ("UDF table evaluation (2,500 rows, all indicators)", "udfs_bench.py", "≤ 1 s"),
]


def machine() -> str:
    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            mem = f", {int(fh.readline().split()[1]) / 1024 / 1024:.0f} GiB RAM"
    except OSError:
        pass
    cpu = ""
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), "")
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}){mem}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


#: what starts the notes written by hand after a run: kept, from there on, by the next run
NOTES = "<!-- written by hand: bench/run.py keeps everything from this line on -->"


def kept_notes(path: Path) -> str:
    """The hand-written part of ``path`` (from :data:`NOTES` on), or "" – a rerun must not
    delete the analysis of the numbers; the analysis says which run it was written after."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return ""
    at = text.find(NOTES)
    return "" if at < 0 else "\n" + text[at:]


def main() -> int:
    sections = []
    for title, script, target in BENCHES:
        path = ROOT / "bench" / script
        if not path.exists():
            sections.append(f"## {title}\n\nTarget: {target}. Benchmark `{script}` is not present.\n")
            continue
        print(f"== {title} ({script})", flush=True)
        t = time.perf_counter()
        r = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, cwd=ROOT)
        took = time.perf_counter() - t
        out = (r.stdout + (r.stderr if r.returncode else "")).strip()
        print(out, flush=True)
        lines = "\n".join(line for line in out.splitlines() if "it/s]" not in line and "%|" not in line)
        sections.append(f"## {title}\n\nTarget: {target}. Command: `python bench/{script}` (took {took:.0f} s, exit {r.returncode}).\n\n```\n{lines}\n```\n")
    doc = [
        "# Performance",
        "",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {machine()}.",
        "Regenerate with `make bench` (runs `bench/run.py`). Each benchmark runs the product's",
        "path and a naive baseline in the same run; medians of several runs; no test asserts a time.",
        "",
        *sections,
    ]
    target = ROOT / "docs" / "performance.md"
    target.write_text("\n".join(doc) + kept_notes(target), encoding="utf-8")
    print(f"wrote {ROOT / 'docs' / 'performance.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
