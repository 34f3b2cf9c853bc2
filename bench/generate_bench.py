"""Benchmark: generating 2,500 personalised workbooks, against building each from scratch.

Fast path: `generate_batch` (one template per layout, cells patched into copies, members
copied compressed, two processes). Naive baseline: `build_form` + `save` with openpyxl for
every library (timed on a sample and extrapolated; it would take minutes for 2,500).
Prints medians of several runs and the ratio. Target: 2,500 workbooks in ≤ 10 s wall.

Run: .venv/bin/python bench/generate_bench.py [--n 2500] [--runs 3] [--baseline 30]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xl_afbp.engine import get_engine  # noqa: E402
from xl_afbp.generate import generate_batch  # noqa: E402
from xl_afbp.regions import build_library_list  # noqa: E402
from xl_afbp.workbook.form import FormContent, Library, build_form  # noqa: E402
from xl_afbp.generate import _options  # noqa: E402


def libraries(n: int) -> list[Library]:
    """n libraries: the real region repeated with distinct ids (realistic names and sizes)."""
    rows = build_library_list("zachodniopomorskie")
    libs = []
    k = 0
    while len(libs) < n:
        for r in rows:
            libs.append(Library(**{**r, "id": f"{r['id']}-{k}"}))
        k += 1
    return libs[:n]


def main() -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2500)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--baseline", type=int, default=30, help="workbooks built from scratch for the baseline")
    args = ap.parse_args()
    engine = get_engine(2016)
    libs = libraries(args.n)
    work = Path(tempfile.mkdtemp(prefix="xl-afbp-bench-"))
    try:
        fast = []
        for run in range(args.runs):
            out = work / f"fast{run}"
            t = time.perf_counter()
            generate_batch(libs, out, progress=False)
            fast.append(time.perf_counter() - t)
            shutil.rmtree(out)
        naive = []
        for lib in libs[: args.baseline]:
            t = time.perf_counter()
            wb, _ = build_form(engine, _options(lib, False, False), FormContent(library=lib))
            wb.save(work / "naive.xlsx")
            naive.append(time.perf_counter() - t)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    fast_total = statistics.median(fast)
    naive_each = statistics.median(naive)
    result = {
        "n": args.n,
        "fast_total_s": round(fast_total, 2),
        "fast_ms_per_workbook": round(fast_total / args.n * 1000, 2),
        "naive_ms_per_workbook": round(naive_each * 1000, 1),
        "naive_total_s_extrapolated": round(naive_each * args.n, 1),
        "ratio": round(naive_each * args.n / fast_total, 1),
        "runs": [round(x, 2) for x in fast],
    }
    print(f"generate {args.n} workbooks: median {fast_total:.2f} s ({result['fast_ms_per_workbook']} ms each; runs {result['runs']})")
    print(f"naive openpyxl build per workbook: median {naive_each * 1000:.0f} ms → {naive_each * args.n:.0f} s for {args.n} (extrapolated from {args.baseline})")
    print(f"ratio: {result['ratio']}x faster; target ≤ 10 s: {'met' if fast_total <= 10 else 'NOT met'}")
    print("RESULT " + json.dumps(result))
    return result


if __name__ == "__main__":
    main()
