"""The whole tour on a real region, offline: two survey years of the yearly cycle.

For województwo zachodniopomorskie: the list of its public libraries is built from the
shipped TERYT register and real library names (EBIB); for 2016 personalised forms are
generated, returned forms are simulated with plausible values scaled by population (a few
with typical mistakes, one sent twice, one broken, some not returned at all, some saved
through LibreOffice like a librarian's spreadsheet would), and everything is consolidated
into the summary and the database. For 2017 the forms show the library's 2016 values and
the 2016 medians of its group (from the database), the returns are simulated again (one
library sends its 2016 file a second time: the import log names both years), and the
summary's trend sheets show both years. Deterministic: the same seeds give the same files.
"""

from __future__ import annotations

import os
import random
import shutil
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..formdata import FormData

MISTAKES = ("missing_item", "k03_difference", "rule_error", "hash_not_allowed", "too_many_decimals")


@dataclass
class DemoPlan:
    returned: list[tuple[str, str | None]] = field(default_factory=list)  # (library id, mistake kind)
    not_returned: list[str] = field(default_factory=list)
    duplicate: str | None = None
    broken: str | None = None


def plan_returns(ids: list[str], *, seed: str = "demo") -> DemoPlan:
    rng = random.Random(seed)
    ids = sorted(ids)
    shuffled = ids[:]
    rng.shuffle(shuffled)
    plan = DemoPlan()
    plan.not_returned = sorted(shuffled[:3])
    mistakes = dict(zip(shuffled[3 : 3 + len(MISTAKES)], MISTAKES))
    plan.broken = shuffled[3 + len(MISTAKES)]
    plan.duplicate = shuffled[4 + len(MISTAKES)]
    plan.returned = [(i, mistakes.get(i)) for i in ids if i not in plan.not_returned]
    return plan


def activity(library_id: str, years_later: int) -> float:
    """How much busier a library is ``years_later`` years on (about +4 % a year, ± 5 %):
    the next year's form is the same library's, not a new random one."""
    factor = 1.0
    for k in range(1, years_later + 1):
        factor *= 1 + random.Random(f"activity-{library_id}-{k}").gauss(0.04, 0.05)
    return max(0.5, factor)


def _simulated(lib, mistake: str | None, seed: str, years_later: int = 0) -> FormData:
    """The form a library returns; in a later year the same library (same seed) with its
    activity grown (:func:`activity`) over the same residents."""
    from ..engine import get_engine
    from .simulate import inject_mistake, simulate_form

    residents = lib.mieszkancy or 1000
    scale = round(residents * activity(lib.id, years_later)) if years_later else residents
    data = simulate_form(scale, lib.filie or 0, seed=f"{seed}-{lib.id}", podtyp=lib.podtyp, organizator=lib.organizator, www=lib.www or None)
    population = get_engine(2016).spec.population_item
    if years_later and population is not None:
        data.items[population.nr] = residents
    if mistake:
        data = inject_mistake(data, mistake, seed=f"{seed}-{lib.id}")
    data.basic = {k: v for k, v in data.basic.items() if k in ("PONADLOKALNE", "STATUS_PRAWNY", "STATUS_NAUKOWY")}
    data.basic |= {"LOGIN": f"dyr{zlib.crc32(lib.id.encode()) % 10**6:06d}x", "IMIE": "Anna", "NAZWISKO": "Kowalska", "EMAIL": lib.email or "biblioteka@example.pl"}
    return data


def _fill_one(job) -> str:
    from ..engine import get_engine
    from .fastfill import fill_fast

    lib, mistake, form, target, seed, years_later = job
    fill_fast(form, _simulated(lib, mistake, seed, years_later), target, engine=get_engine(2016))
    return str(target)


def simulate_returns(libs, forms: dict[str, Path], out_dir: Path, plan: DemoPlan, *, seed: str = "demo", progress: bool = True, years_later: int = 0) -> list[Path]:
    """Write the returned files (as libraries would e-mail them) and return their paths;
    ``years_later``: the survey's how-many-th year after the first (see :func:`activity`)."""
    from tqdm import tqdm

    out_dir.mkdir(parents=True, exist_ok=True)
    by_id = {lib.id: lib for lib in libs}
    jobs = [(by_id[i], m, forms[i], out_dir / f"{i}.xlsx", seed, years_later) for i, m in plan.returned if i != plan.broken]
    workers = min(2, os.cpu_count() or 1)
    paths: list[Path] = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for p in tqdm(pool.map(_fill_one, jobs, chunksize=4), total=len(jobs), desc="Symulacja odesłanych formularzy", unit="plik", disable=not progress, leave=False):
            paths.append(Path(p))
    if plan.duplicate:  # sent twice: a first version with a gap, a week before the corrected one
        from datetime import datetime, timedelta, timezone

        from ..ooxml.zipcopy import set_saved_at

        first = out_dir / f"{plan.duplicate}-pierwsza-wersja.xlsx"
        _fill_one((by_id[plan.duplicate], "missing_item", forms[plan.duplicate], first, seed + "-v1", years_later))
        now = datetime.now(timezone.utc)
        set_saved_at(first, now - timedelta(days=7))
        set_saved_at(out_dir / f"{plan.duplicate}.xlsx", now - timedelta(days=1))
        paths.append(first)
    if plan.broken:  # a file cut off in transit
        data = forms[plan.broken].read_bytes()
        broken = out_dir / f"{plan.broken}.xlsx"
        broken.write_bytes(data[: len(data) // 3])
        paths.append(broken)
    return sorted(paths)


#: the survey years of the demo: the first with fresh forms, the second with last year's
#: values and the group medians from the database
YEARS = (2016, 2017)


def run_demo(out: Path = Path("build") / "demo", *, region: str = "zachodniopomorskie", progress: bool = True, libreoffice_saved: int = 8, years: tuple[int, ...] = YEARS) -> dict[str, Path]:
    """The yearly cycle twice: list → forms → returned files → summary and database, then the
    next year's forms with last year's values and benchmarks → returned → summary with trends.
    Each year in ``out/<year>/`` (forms, returned, summary); one database ``out/afbp.sqlite``.
    Returns the paths of the last year (and ``years``: each year's folder)."""
    from ..regions import build_library_list, write_library_csv

    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    rows = build_library_list(region)
    db = out / "afbp.sqlite"
    result: dict[str, Path] = {}
    folders: dict[str, Path] = {}
    for k, year in enumerate(years):
        folder = out / str(year)
        folder.mkdir()
        libs_csv = out / f"biblioteki-{year}.csv"
        write_library_csv(_population_of(rows, year - years[0]), libs_csv)
        print(f"== Rok badania {year} ==")
        result = _one_year(year, libs_csv, folder, db, region, progress, libreoffice_saved, years_later=year - years[0], earlier=out / str(years[k - 1]) if k else None, last=k == len(years) - 1)
        folders[f"year_{year}"] = folder
    return result | folders


def _population_of(rows: list[dict], years_later: int) -> list[dict]:
    """The list of a later year: residents drift by up to −2 … +1 % a year (as gminy do),
    so the next year's forms are prefilled with a new population."""
    if not years_later:
        return rows
    out = []
    for row in rows:
        rng = random.Random(f"population-{row['id']}-{years_later}")
        drift = (1 + rng.uniform(-0.02, 0.01)) ** years_later
        out.append(dict(row, mieszkancy=max(1, round(row["mieszkancy"] * drift))))
    return out


def _one_year(year: int, libs_csv: Path, folder: Path, db: Path, region: str, progress: bool, libreoffice_saved: int, *, years_later: int, earlier: Path | None, last: bool) -> dict[str, Path]:
    from ..generate import blank_form, generate_batch, read_benchmark_source, read_libraries, read_previous
    from ..engine import get_engine
    from ..spec.editions import choose_edition

    first = not years_later
    engine = get_engine(choose_edition(None, year).source)
    libs, _skipped = read_libraries(libs_csv)
    print(f"1. {len(libs)} bibliotek województwa {region} → {libs_csv}")
    blank = blank_form(folder / "forms", year=year, engine=engine)
    previous = None if first else read_previous(db, year=year - 1)
    bench = None if first else read_benchmark_source(db, year=year - 1, engine=engine)
    forms = {p.stem: p for p in generate_batch(libs, folder / "forms", year=year, engine=engine, previous=previous, benchmark=bench, progress=progress)}
    extra = "" if first else f", z wartościami i medianami grup z {year - 1} r. z bazy danych"
    print(f"2. {len(forms)} spersonalizowanych formularzy na rok {year}{extra} + pusty formularz → {folder / 'forms'}")
    plan = plan_returns([lib.id for lib in libs], seed="demo" if first else f"demo-{year}")
    returned = simulate_returns(libs, forms, folder / "returned", plan, seed="demo", progress=progress, years_later=years_later)
    if libreoffice_saved:
        _save_some_through_libreoffice(returned, libreoffice_saved, folder / ".lo")
    old = ""
    if earlier is not None:  # a library sends last year's file again: the import log says so
        stale = next(p for p in sorted((earlier / "returned").glob("*.xlsx")) if not p.stem.endswith("wersja") and p.stat().st_size > 100_000)
        shutil.copy(stale, folder / "returned" / f"{stale.stem}-stary.xlsx")
        returned.append(folder / "returned" / f"{stale.stem}-stary.xlsx")
        old = f", formularz z {year - 1} r. przysłany ponownie: 1"
    print(f"3. {len(returned)} odesłanych plików → {folder / 'returned'} (błędy: {len([m for _, m in plan.returned if m])}, duplikat: {plan.duplicate}, uszkodzony: {plan.broken}, brak odpowiedzi: {len(plan.not_returned)}{old})")
    result = _consolidate(folder, libs_csv, db, region, year, progress, feedback=last)  # feedback goes out with the latest results
    result["blank"] = blank
    print(f"4. zestawienie {year} → {result['summary']}, raport {result['pdf']}; baza danych (lata: {', '.join(map(str, _years(db)))}) → {db}")
    return result


def _years(db: Path) -> list[int]:
    from ..database import years

    return years(db)


def _save_some_through_libreoffice(paths: list[Path], n: int, work: Path) -> None:
    """Re-save a few returned files with LibreOffice: shared strings and cached values, as Calc writes them."""
    from . import libreoffice

    if libreoffice.find_soffice() is None:
        print("   (LibreOffice not found: no file is re-saved through it)")
        return
    chosen = [p for p in paths if p.stat().st_size > 100_000][:n]
    out = libreoffice.recalculate(chosen, work)
    for src, dst in out.items():
        shutil.move(str(dst), src)
    shutil.rmtree(work, ignore_errors=True)


def _consolidate(folder: Path, libs_csv: Path, db: Path, region: str, year: int, progress: bool, *, feedback: bool) -> dict[str, Path]:
    from ..jobs.consolidation import run_consolidation

    summary = folder / "summary"
    report = run_consolidation([folder / "returned"], expected=libs_csv, out=summary, db=db, year=year, region=region, progress=progress, feedback=feedback)
    return {"summary": summary / "podsumowanie.xlsx", "report": summary / "raport.html", "pdf": summary / "raport.pdf", "quality": summary / "kontrola.html",
            "feedback": summary / "informacje", "db": db, "import_log": summary / "import.csv", "result": report}
