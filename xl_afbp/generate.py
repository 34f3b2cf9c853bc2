"""Generate forms: one blank form, or one personalised workbook per library of a list.

I/O lives here (reading the libraries, last year's values and benchmark medians, writing
files); the workbook itself comes from :mod:`xl_afbp.workbook`. Batches use the template
fast path and, when large, two worker processes.

Every form is of one survey year (``year``: "dane za <year> r.", ``_meta`` year) and one
edition (the newest that serves the year, unless an engine or edition is given). Forms of
year N+1 show the values of year N (``previous``: from the database or a CSV) and the
medians of year N (``benchmark``: from the database or ``benchmark-<N>.csv``).
"""

from __future__ import annotations

import csv
import multiprocessing
import os
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from .outputs.benchmark import Benchmark, benchmark_from_history, read_benchmark
from .engine import Engine, get_engine
from .spec.editions import choose_edition
from .workbook.form import BLANK_BRANCHES, FormContent, FormOptions, Library, population_band, units_for
from .workbook.template import FormTemplate

DEFAULT_OUT = Path("build") / "forms"
PARALLEL_FROM = 200  # below this, starting worker processes costs more than it saves
_ITEM_COL = re.compile(r"^P_?0*(\d+)$", re.I)
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,80}$")


@dataclass
class GenerateReport:
    written: list[Path] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


def engine_for(year: int | None, engine: Engine | None = None, edition: str | Path | None = None) -> tuple[Engine, int]:
    """(engine, survey year): the given engine or edition, else the newest edition serving
    ``year``; the year defaults to the edition's first year."""
    if engine is None:
        engine = get_engine(choose_edition(edition, year).source)
    return engine, year if year is not None else engine.spec.edition.serves_from


def blank_form(out_dir: Path, *, year: int | None = None, engine: Engine | None = None, edition: str | Path | None = None, branches: int = BLANK_BRANCHES, contact: str = "", deadline: date | None = None) -> Path:
    """The blank form of survey ``year`` (any library of the region): ``branches`` K-03 branch columns."""
    engine, year = engine_for(year, engine, edition)
    out_dir.mkdir(parents=True, exist_ok=True)
    if branches < 0:
        raise ValueError("the number of branch columns cannot be negative")
    path = out_dir / f"afbp-{year}-formularz.xlsx"
    content = FormContent(year=year, contact=contact, deadline=deadline)
    return FormTemplate(engine, FormOptions(units=1 + branches), year).render(content, path)


def read_libraries(path: Path) -> tuple[list[Library], list[tuple[int, str]]]:
    """Validated libraries and (line, reason) of every row that was skipped."""
    from .regions import read_library_csv

    rows, errors = read_library_csv(path)
    libs: list[Library] = []
    errors = list(errors)
    seen: set[str] = set()
    for i, row in enumerate(rows):
        rid = str(row["id"]).strip()
        line = row.get("_line", i + 2)
        if not _SAFE_ID.match(rid):
            errors.append((line, f"id {rid!r} cannot be a file name (letters, digits, '-', '_', '.')"))
            continue
        if rid in seen:
            errors.append((line, f"id {rid!r} appears twice"))
            continue
        seen.add(rid)
        libs.append(Library(**{k: v for k, v in row.items() if k in Library.__dataclass_fields__ and v is not None}))
    return libs, sorted(errors)


def is_database(path: Path) -> bool:
    return path.suffix.lower() in (".sqlite", ".db", ".sqlite3")


def database_year(path: Path, year: int | None, what: str) -> int:
    """The year of the database to compare a form of ``year + 1`` with: ``year`` when the
    database has it, else the latest earlier one (said on stderr)."""
    from .database import years

    have = years(path)
    if not have:
        raise ValueError(f"{path}: the database holds no consolidated year yet")
    earlier = [y for y in have if year is None or y <= year]
    chosen = year if year in have else (earlier[-1] if earlier else have[-1])
    if chosen != year:
        print(f"note: {path} has no data for {year}; {what} are taken from {chosen} (years in the database: {', '.join(map(str, have))})", file=sys.stderr)
    return chosen


def read_previous(path: Path, *, year: int | None = None) -> dict[str, dict[int, Any]]:
    """Last year's item values by library id, from a CSV (id, P01…P34) or the database
    (``year``: the year to take; the latest earlier one when the database lacks it)."""
    if is_database(path):
        from .database import previous_values

        return previous_values(path, year=database_year(path, year, "last year's values"))
    out: dict[str, dict[int, Any]] = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        sample = fh.read(4096)
        fh.seek(0)
        reader = csv.DictReader(fh, delimiter=";" if sample.count(";") > sample.count(",") else ",")
        if "id" not in (reader.fieldnames or []):
            raise ValueError(f"{path}: last year's values need an 'id' column and one column per item (as biblioteki.csv has)")
        cols = {c: int(m.group(1)) for c in reader.fieldnames or [] if (m := _ITEM_COL.match(c))}
        for row in reader:
            values: dict[int, Any] = {}
            for col, nr in cols.items():
                raw = (row.get(col) or "").strip().replace(",", ".")
                if raw == "":
                    continue
                try:
                    values[nr] = float(raw) if "." in raw else int(raw)
                except ValueError:
                    values[nr] = raw  # e.g. "#"
            out[row["id"].strip()] = values
    return out


def read_benchmark_source(path: Path, *, year: int | None, engine: Engine) -> Benchmark:
    """The group medians of survey ``year`` (the year before the forms'): from the
    database (the consolidator's own statistics of that year) or a ``benchmark-<year>.csv``."""
    if is_database(path):
        from .database import history

        chosen = database_year(path, year, "the group medians")
        return benchmark_from_history(history(path, years=[chosen]), engine, chosen)
    bench = read_benchmark(path)
    if year is not None and bench.year is not None and bench.year != year:
        print(f"note: {path} holds the medians of {bench.year}, not of {year}", file=sys.stderr)
    return bench


def _content(lib: Library, engine: Engine, year: int, previous: dict[str, dict[int, Any]] | None, bench: Benchmark | None, now: str, returning: dict[str, Any]) -> FormContent:
    group, medians = ("", {})
    if bench is not None:
        group, medians = bench.for_group(lib.podtyp, population_band(engine.spec, lib.mieszkancy))
    return FormContent(library=lib, previous=(previous or {}).get(lib.id, {}), benchmark=medians, group=group, year=year, generated_at=now, **returning)


def _options(lib: Library, previous: bool, benchmark: bool) -> FormOptions:
    return FormOptions(units=units_for(lib.filie), personalised=True, previous=previous, benchmark=benchmark)


class _Worker:
    """Templates are built lazily per layout and kept for the whole batch (a region's
    personalised forms have a few layouts: one per number of branches and options)."""

    def __init__(self, engine: Engine, year: int):
        self.engine, self.year = engine, year
        self.templates: dict[FormOptions, FormTemplate] = {}

    def render(self, opts: FormOptions, content: FormContent, path: Path) -> Path:
        if opts not in self.templates:
            self.templates[opts] = FormTemplate(self.engine, opts, self.year)
        return self.templates[opts].render(content, path)


_WORKER: _Worker | None = None


def _render_chunk(args) -> list[str]:
    global _WORKER
    jobs = args
    if _WORKER is None:  # pragma: no cover - the parent's worker is inherited by fork
        raise RuntimeError("a generation worker started without its templates")
    return [str(_WORKER.render(opts, content, Path(path))) for opts, content, path in jobs]


def generate_batch(
    libraries: Iterable[Library],
    out_dir: Path,
    *,
    year: int | None = None,
    engine: Engine | None = None,
    edition: str | Path | None = None,
    previous: dict[str, dict[int, Any]] | None = None,
    benchmark: Benchmark | None = None,
    workers: int | None = None,
    progress: bool = True,
    contact: str = "",
    deadline: date | None = None,
) -> list[Path]:
    """One personalised workbook per library for survey ``year``; ``contact`` and
    ``deadline`` (where and by when to return it) are shown on each form's *Instrukcja*."""
    engine, year = engine_for(year, engine, edition)
    out_dir.mkdir(parents=True, exist_ok=True)
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    returning = {"contact": contact, "deadline": deadline}
    jobs = [(_options(lib, previous is not None, benchmark is not None), _content(lib, engine, year, previous, benchmark, now, returning), out_dir / f"{lib.id}.xlsx") for lib in libraries]
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if len(jobs) >= PARALLEL_FROM else 1
    bar = _progress(len(jobs), progress, "Generowanie formularzy")
    global _WORKER
    worker = _Worker(engine, year)
    if workers <= 1 or not hasattr(os, "fork"):
        written: list[Path] = []
        for opts, content, path in jobs:
            written.append(worker.render(opts, content, path))
            bar.update(1)
        bar.close()
        return written
    results: list[Path | None] = [None] * len(jobs)
    chunks = _layout_chunks(jobs, workers)
    largest = chunks[0][0] if chunks else None
    if largest is not None:  # the commonest layout is built once here and inherited by both workers
        worker.templates[largest] = FormTemplate(engine, largest, year)
    _WORKER = worker
    tasks = [[jobs[i] for i in chunk] for _opts, chunk in chunks]
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        for (_opts, chunk), paths in zip(chunks, pool.map(_render_chunk, tasks)):
            for i, p in zip(chunk, paths):
                results[i] = Path(p)
            bar.update(len(paths))
    bar.close()
    return [p for p in results if p is not None]


def _layout_chunks(jobs: list, workers: int) -> list[tuple[FormOptions, list[int]]]:
    """Job indices in chunks of one layout each, the commonest layout first.

    A layout's template is built by the worker that takes its chunk (templates cannot be
    sent between processes); a small layout stays in one chunk, so it is built once.
    """
    groups: dict[FormOptions, list[int]] = {}
    for i, (opts, _content, _path) in enumerate(jobs):
        groups.setdefault(opts, []).append(i)
    size = max(1, min(100, len(jobs) // (workers * 4) or 1))
    out: list[tuple[FormOptions, list[int]]] = []
    for opts, idx in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        step = size if len(idx) > 2 * size else len(idx)
        out += [(opts, idx[k : k + step]) for k in range(0, len(idx), step)]
    return out


def _progress(total: int, enabled: bool, desc: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="plik", disable=not enabled or total < 2, leave=False)


def generate_from_csv(
    libraries_csv: Path,
    out_dir: Path,
    *,
    year: int | None = None,
    engine: Engine | None = None,
    edition: str | Path | None = None,
    previous_path: Path | None = None,
    benchmark_path: Path | None = None,
    workers: int | None = None,
    progress: bool = True,
    contact: str = "",
    deadline: date | None = None,
) -> GenerateReport:
    """The forms of survey ``year`` for the libraries of a CSV, with the values and group
    medians of the year before from ``previous_path`` and ``benchmark_path``."""
    engine, year = engine_for(year, engine, edition)
    libs, skipped = read_libraries(libraries_csv)
    previous = read_previous(previous_path, year=year - 1) if previous_path else None
    bench = read_benchmark_source(benchmark_path, year=year - 1, engine=engine) if benchmark_path else None
    written = generate_batch(libs, out_dir, year=year, engine=engine, previous=previous, benchmark=bench, workers=workers, progress=progress, contact=contact, deadline=deadline)
    return GenerateReport(written=written, skipped=skipped)
