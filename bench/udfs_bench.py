"""Benchmark of the Excel functions of ``afbp_udfs`` (run: ``.venv/bin/python bench/udfs_bench.py``).

A library table of 2,500 rows (the consolidator's layout: name, TERYT, P01…P34,
P21_01…P21_12) is built once from :func:`xl_afbp.demo.simulate.simulate_form` (or from a fixed
form with jitter when the simulator is missing). Then, each measurement repeated ``--runs``
times and reported as the median:

* ``AFBP_INDICATORS`` called once per row (header + values layout, and the 46-cell layout):
  time for the whole table – the target is ≤ 1 s;
* ``AFBP_INDICATOR("U05", …)`` per row: single calls per second;
* the near-physical limit in the same run: the engine's compiled evaluators alone, on forms
  built beforehand (no argument parsing at all) – what any UDF layer over this engine costs
  at least;
* naive baselines in the same run, to show what the cached, thin path saves:
  - *evaluate-all*: arguments parsed without caches into a plain FormData and the whole
    engine evaluated per call (42 indicators + all rules + K-03 checks), the wanted
    indicators picked from the result;
  - *rebuild-engine*: the spec YAML re-read and the engine recompiled per call (measured on
    a few calls and extrapolated to the table).

Timings are wall clock of one process on this machine: orders of magnitude, not CI limits.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import afbp_udfs  # noqa: E402
from xl_afbp.engine import Engine, get_engine  # noqa: E402
from xl_afbp.formdata import FormData  # noqa: E402
from xl_afbp.spec.load import edition_path, lint_path  # noqa: E402

HEADERS = ["Nazwa", "TERYT"] + [f"P{i:02d}" for i in range(1, 35)] + [f"P21_{i:02d}" for i in range(1, 13)]
_KEY = re.compile(r"^P_?0*(\d+)(?:_0*(\d+))?$")


# ---------------------------------------------------------------------------- the table
def library_table(n: int) -> list[list]:
    """``n`` rows under HEADERS (simulated libraries, all different)."""
    rnd = random.Random(2016)
    try:
        from xl_afbp.demo.simulate import simulate_form
    except ImportError:
        simulate_form = None
    rows = []
    for i in range(n):
        population = int(10 ** rnd.uniform(3.3, 5.5))
        filie = min(20, int(population / rnd.uniform(4000, 15000)))
        if simulate_form is not None:
            f = simulate_form(population, filie, seed=i)
            items, services = f.items, f.services
        else:
            items = {nr: round(population * rnd.uniform(0.01, 5)) for nr in range(1, 35) if nr != 21}
            items.update({1: population, 13: filie, 3: "#"})
            services = {s: rnd.choice(["TAK", "NIE"]) for s in range(1, 13)}
        rows.append([f"Biblioteka {i}", f"{i:07d}"] + [items.get(nr) for nr in range(1, 35)] + [services.get(s) for s in range(1, 13)])
    return rows


# ---------------------------------------------------------------------------- naive baseline
def naive_form(headers: list, values: list) -> FormData:
    """Argument parsing without caches: every header matched by regex on every call."""
    data = FormData()
    for h, v in zip(headers, values):
        if not isinstance(h, str):
            continue
        m = _KEY.match(h.strip().upper())
        if not m:
            continue
        v = None if v == "" else v
        if m.group(2):
            data.services[int(m.group(2))] = v
        elif int(m.group(1)) != 21:
            data.items[int(m.group(1))] = v
    return data


def naive_indicators(engine: Engine, headers: list, values: list) -> list[list]:
    res = engine.evaluate(naive_form(headers, values))  # every indicator, rule and K-03 check
    return [["kod", "wskaźnik", "wartość", "jednostka"]] + [
        [i.code, i.name, res.indicators[i.code], i.unit] for i in engine.spec.indicators
    ]


def naive_indicator(engine: Engine, code: str, headers: list, values: list):
    return engine.evaluate(naive_form(headers, values)).indicators[code]


def rebuild_indicator(code: str, headers: list, values: list):
    spec, issues = lint_path(edition_path(2016))  # re-read and re-check the YAML
    assert spec is not None and not issues
    return Engine(spec).evaluate(naive_form(headers, values)).indicators[code]


# ---------------------------------------------------------------------------- timing
def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=2500)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--rebuild-calls", type=int, default=5, help="calls measured for the rebuild-engine baseline")
    args = ap.parse_args(argv)

    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPU(s); "
          f"{args.rows} rows, median of {args.runs} runs")
    t = time.perf_counter()
    rows = library_table(args.rows)
    print(f"table built in {time.perf_counter() - t:.1f} s")
    positional = [r[2:] for r in rows]
    engine = get_engine(2016)

    t = time.perf_counter()
    Engine(engine.spec)
    print(f"engine compile, paid once per process by the first UDF call: {1000 * (time.perf_counter() - t):.0f} ms")
    afbp_udfs.afbp_indicators(HEADERS, rows[0])

    # correctness spot check: the fast path and the baseline agree
    for r in rows[:50]:
        fast = afbp_udfs.afbp_indicators(HEADERS, r)
        slow = naive_indicators(engine, HEADERS, r)
        assert [x[2] for x in fast] == [x[2] for x in slow], r[0]

    def table_udf():
        for r in rows:
            afbp_udfs.afbp_indicators(HEADERS, r)

    def table_udf_positional():
        for r in positional:
            afbp_udfs.afbp_indicators(r)

    def table_naive():
        for r in rows:
            naive_indicators(engine, HEADERS, r)

    def single_udf():
        for r in rows:
            afbp_udfs.afbp_indicator("U05", HEADERS, r)

    def single_naive():
        for r in rows:
            naive_indicator(engine, "U05", HEADERS, r)

    layouts = afbp_udfs.afbp_udfs._session().layouts  # the forms the functions build, built outside the timing
    prebuilt = [layouts.form(HEADERS, r, expand_count=True) for r in rows]
    evaluators = [engine.by_name[f"IND_{i.code}"].py for i in engine.spec.indicators]
    u05 = engine.by_name["IND_U05"].py

    def table_limit():
        for form in prebuilt:
            [fn(form, {}) for fn in evaluators]

    def single_limit():
        for form in prebuilt:
            u05(form, {})

    n = len(rows)
    t_table = median_time(table_udf, args.runs)
    t_table_pos = median_time(table_udf_positional, args.runs)
    t_table_naive = median_time(table_naive, args.runs)
    t_single = median_time(single_udf, args.runs)
    t_single_naive = median_time(single_naive, args.runs)
    t_table_limit = median_time(table_limit, args.runs)
    t_single_limit = median_time(single_limit, args.runs)
    k = max(1, args.rebuild_calls)
    t_rebuild = median_time(lambda: [rebuild_indicator("U05", HEADERS, rows[i]) for i in range(k)], max(1, args.runs // 2)) / k

    print()
    print(f"AFBP_INDICATORS, whole table ({n} calls, 42 indicators each)")
    print(f"  header + values layout   {t_table:8.3f} s   ({1e6 * t_table / n:6.1f} µs/row)   target ≤ 1 s: "
          f"{'met' if t_table <= 1 else 'NOT met'}")
    print(f"  46-cell layout           {t_table_pos:8.3f} s   ({1e6 * t_table_pos / n:6.1f} µs/row)")
    print(f"  limit: evaluators only   {t_table_limit:8.3f} s   ({1e6 * t_table_limit / n:6.1f} µs/row)   "
          f"UDF / limit {t_table / t_table_limit:5.1f}×")
    print(f"  baseline evaluate-all    {t_table_naive:8.3f} s   ({1e6 * t_table_naive / n:6.1f} µs/row)   "
          f"ratio {t_table_naive / t_table:5.1f}×")
    print(f"  baseline rebuild-engine  {t_rebuild * n:8.1f} s   ({1e3 * t_rebuild:6.1f} ms/row, extrapolated)   "
          f"ratio {t_rebuild * n / t_table:7.0f}×")
    print()
    print("AFBP_INDICATOR(\"U05\", headers, row), single calls")
    print(f"  UDF                      {n / t_single:10,.0f} calls/s   ({1e6 * t_single / n:6.1f} µs/call)")
    print(f"  limit: evaluator only    {n / t_single_limit:10,.0f} calls/s   ({1e6 * t_single_limit / n:6.1f} µs/call)   "
          f"UDF / limit {t_single / t_single_limit:5.1f}×")
    print(f"  baseline evaluate-all    {n / t_single_naive:10,.0f} calls/s   ({1e6 * t_single_naive / n:6.1f} µs/call)   "
          f"ratio {t_single_naive / t_single:5.1f}×")
    print(f"  baseline rebuild-engine  {1 / t_rebuild:10,.1f} calls/s   ({1e3 * t_rebuild:6.1f} ms/call)   "
          f"ratio {t_rebuild / (t_single / n):7.0f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
