"""Benchmark: reading 2,500 returned workbooks with ``xl_afbp.reader`` against a naive
openpyxl loop.

Data: ``--distinct`` (default 50) different libraries taken evenly from the
zachodniopomorskie and mazowieckie lists of ``build_library_list`` (a realistic mix of
branches, so several K-03 layouts, Warsaw's districts included), each form generated, typed with ``fill_form``
(openpyxl) and then saved by LibreOffice like a librarian's spreadsheet would (cached
values, shared strings: the realistic, slower case). The LibreOffice-saved files are copied
to ``--n`` (default 2,500) files. Built once into ``build/bench/read-<distinct>/`` and
rebuilt when the spec changes (``--rebuild`` forces it).

Timed:
* ``read_many`` over all files (process pool, 2 workers, per-file time limit): wall clock,
  wall ms per file, peak RSS of this process and of the largest worker;
* ``read_submission`` in-process, one file at a time, on ``--sample`` files: median ms/file
  for the LibreOffice-saved files and for the openpyxl-typed originals;
* naive baseline: ``openpyxl.load_workbook(path, data_only=True)`` and the values read
  through the defined names (``read_named_values``), on ``--naive`` files; extrapolated.

Speed is never asserted in tests. Run: .venv/bin/python bench/read_bench.py [--n 2500]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _fill(job: tuple[str, str, int, dict]) -> str:
    from xl_afbp.demo.simulate import simulate_form
    from xl_afbp.workbook.fill import fill_form

    src, dst, seed, lib = job
    data = simulate_form(lib["mieszkancy"], lib["filie"], seed=seed, podtyp=lib["podtyp"], organizator=lib["organizator"], www=lib["www"] or None, nazwa=lib["nazwa"])
    return str(fill_form(src, data, dst))


def build(folder: Path, distinct: int, n: int, rebuild: bool) -> tuple[list[Path], list[Path]]:
    from xl_afbp.demo import libreoffice
    from xl_afbp.engine import get_engine
    from xl_afbp.generate import generate_batch

    digest = get_engine(2016).spec.digest
    stamp = folder / "stamp.json"
    want = {"digest": digest, "distinct": distinct, "n": n, "version": 2}
    if not rebuild and stamp.exists() and json.loads(stamp.read_text()) == want:
        typed = sorted((folder / "typed").glob("*.xlsx"))
        return typed, sorted((folder / "files").glob("*.xlsx"))
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    from xl_afbp.regions import build_library_list
    from xl_afbp.workbook.form import Library

    rows = [r for w in ("zachodniopomorskie", "mazowieckie") for r in build_library_list(w)]
    step = max(1, len(rows) // distinct)
    variants = [Library(**{k: v for k, v in r.items() if k in Library.__dataclass_fields__ and v is not None}) for r in rows[::step][:distinct]]
    t = time.perf_counter()
    gen = generate_batch(variants, folder / "gen", progress=False)
    jobs = [(str(p), str(folder / "typed" / p.name), i, {k: getattr(lib, k) for k in ("mieszkancy", "filie", "podtyp", "organizator", "www", "nazwa")}) for i, (p, lib) in enumerate(zip(gen, variants))]
    (folder / "typed").mkdir()
    with ProcessPoolExecutor(2) as pool:
        typed = [Path(p) for p in pool.map(_fill, jobs)]
    saved = libreoffice.recalculate(typed, folder / "lo", workers=2)
    files_dir = folder / "files"
    files_dir.mkdir()
    files = []
    for i in range(n):
        src = saved[typed[i % len(typed)]]
        dst = files_dir / f"{i:05d}-{src.name}"
        shutil.copyfile(src, dst)
        files.append(dst)
    shutil.rmtree(folder / "gen")
    stamp.write_text(json.dumps(want))
    print(f"data set built in {time.perf_counter() - t:.0f} s: {len(typed)} distinct forms, {n} files", flush=True)
    return typed, files


def median_ms(fn, paths) -> float:
    times = []
    for p in paths:
        t = time.perf_counter()
        fn(p)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=2500)
    ap.add_argument("--distinct", type=int, default=50)
    ap.add_argument("--sample", type=int, default=200, help="files timed one by one in-process")
    ap.add_argument("--naive", type=int, default=30, help="files read by the naive openpyxl loop")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rebuild", action="store_true")
    args = ap.parse_args()

    from xl_afbp.engine import get_engine
    from xl_afbp.reader import read_many, read_submission
    from xl_afbp.workbook.read_names import read_named_values

    typed, files = build(ROOT / "build" / "bench" / f"read-{args.distinct}", args.distinct, args.n, args.rebuild)
    engine = get_engine(2016)

    # warm the caches (engine, layouts) as a consolidator process would be
    read_submission(files[0], engine=engine)

    t = time.perf_counter()
    subs = read_many(files, workers=args.workers, progress=False, engine=engine)
    wall = time.perf_counter() - t
    codes: dict[str, int] = {}
    for s in subs:
        codes[s.code] = codes.get(s.code, 0) + 1
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    sample = files[: args.sample]
    ours_lo = median_ms(lambda p: read_submission(p, engine=engine), sample)
    ours_typed = median_ms(lambda p: read_submission(p, engine=engine), typed[: args.sample])
    naive = median_ms(lambda p: read_named_values(p), files[: args.naive])

    print(f"files: {len(files)} (LibreOffice-saved copies of {len(typed)} distinct filled forms); verdicts: {codes}")
    print(f"read_many, {args.workers} workers: {wall:.2f} s wall for {len(files)} files = {wall / len(files) * 1000:.2f} ms/file (wall)")
    print(f"read_submission in-process, median: {ours_lo:.2f} ms/file LibreOffice-saved (shared strings, cached values), {ours_typed:.2f} ms/file openpyxl-typed")
    print(f"naive openpyxl load_workbook(data_only=True) + names, median: {naive:.1f} ms/file on {args.naive} files "
          f"(extrapolated: {naive * len(files) / 1000:.0f} s for {len(files)} files in one process)")
    print(f"ratio naive / reader (median, in-process, LibreOffice-saved): {naive / ours_lo:.1f}x")
    print(f"peak RSS: this process {peak_self:.0f} MB, largest worker {peak_child:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
