"""The whole tour on a real region, offline: list → forms → returned files → summary.

For województwo zachodniopomorskie: the list of its public libraries is built from the
shipped TERYT register and real library names (EBIB), personalised forms are generated,
returned forms are simulated with plausible values scaled by population (a few with typical
mistakes, one sent twice, one broken, some not returned at all, some saved through
LibreOffice like a librarian's spreadsheet would), and everything is consolidated.
Deterministic: the same seed gives the same files, so the demo can be rerun.
"""

from __future__ import annotations

import os
import random
import shutil
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


def _simulated(lib, mistake: str | None, seed: str) -> FormData:
    from .simulate import inject_mistake, simulate_form

    data = simulate_form(lib.mieszkancy or 1000, lib.filie or 0, seed=f"{seed}-{lib.id}", podtyp=lib.podtyp, organizator=lib.organizator, www=lib.www or None)
    if mistake:
        data = inject_mistake(data, mistake, seed=f"{seed}-{lib.id}")
    data.basic = {k: v for k, v in data.basic.items() if k in ("PONADLOKALNE", "STATUS_PRAWNY", "STATUS_NAUKOWY")}
    data.basic |= {"LOGIN": f"dyr{abs(hash(lib.id)) % 10**6:06d}x", "IMIE": "Anna", "NAZWISKO": "Kowalska", "EMAIL": lib.email or "biblioteka@example.pl"}
    return data


def _fill_one(job) -> str:
    from ..workbook.fill import fill_form

    lib, mistake, form, target, seed = job
    fill_form(form, _simulated(lib, mistake, seed), target)
    return str(target)


def simulate_returns(libs, forms: dict[str, Path], out_dir: Path, plan: DemoPlan, *, seed: str = "demo", progress: bool = True) -> list[Path]:
    """Write the returned files (as libraries would e-mail them) and return their paths."""
    from tqdm import tqdm

    out_dir.mkdir(parents=True, exist_ok=True)
    by_id = {lib.id: lib for lib in libs}
    jobs = [(by_id[i], m, forms[i], out_dir / f"{i}.xlsx", seed) for i, m in plan.returned if i != plan.broken]
    workers = min(2, os.cpu_count() or 1)
    paths: list[Path] = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for p in tqdm(pool.map(_fill_one, jobs, chunksize=4), total=len(jobs), desc="Symulacja odesłanych formularzy", unit="plik", disable=not progress, leave=False):
            paths.append(Path(p))
    if plan.duplicate:  # sent twice: a first version with a gap, a week before the corrected one
        from datetime import datetime, timedelta, timezone

        from ..ooxml.zipcopy import set_saved_at

        first = out_dir / f"{plan.duplicate}-pierwsza-wersja.xlsx"
        _fill_one((by_id[plan.duplicate], "missing_item", forms[plan.duplicate], first, seed + "-v1"))
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


def run_demo(out: Path = Path("build") / "demo", *, region: str = "zachodniopomorskie", progress: bool = True, libreoffice_saved: int = 8) -> dict[str, Path]:
    from ..generate import blank_form, generate_batch, read_libraries
    from ..regions import build_library_list, write_library_csv

    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    rows = build_library_list(region)
    libs_csv = out / "biblioteki.csv"
    write_library_csv(rows, libs_csv)
    libs, skipped = read_libraries(libs_csv)
    print(f"1. {len(libs)} bibliotek województwa {region} → {libs_csv}")
    blank = blank_form(out / "forms", year=2016)
    forms = {p.stem: p for p in generate_batch(libs, out / "forms", progress=progress)}
    print(f"2. {len(forms)} spersonalizowanych formularzy + pusty formularz → {out / 'forms'}")
    plan = plan_returns([lib.id for lib in libs])
    returned = simulate_returns(libs, forms, out / "returned", plan, progress=progress)
    if libreoffice_saved:
        _save_some_through_libreoffice(returned, libreoffice_saved, out / ".lo")
    print(f"3. {len(returned)} odesłanych plików → {out / 'returned'} (błędy: {len([m for _, m in plan.returned if m])}, duplikat: {plan.duplicate}, uszkodzony: {plan.broken}, brak odpowiedzi: {len(plan.not_returned)})")
    result = _consolidate(returned, libs_csv, out, region, progress)
    result["blank"] = blank
    return result


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


def _consolidate(returned: list[Path], libs_csv: Path, out: Path, region: str, progress: bool) -> dict[str, Path]:
    from ..jobs.consolidation import run_consolidation

    summary = out / "summary"
    db = out / "afbp.sqlite"
    report = run_consolidation([out / "returned"], expected=libs_csv, out=summary, db=db, year=2016, region=region, progress=progress, feedback=True)
    return {"summary": summary / "podsumowanie.xlsx", "report": summary / "raport.html", "pdf": summary / "raport.pdf", "quality": summary / "kontrola.html",
            "feedback": summary / "informacje", "db": db, "import_log": summary / "import.csv", "result": report}
