"""The consolidation job: files → reader → :func:`~xl_afbp.consolidate.consolidate` → database → outputs.

One run is one survey year: ``year`` given, or the one the files state (files of several
years are refused, :class:`~xl_afbp.consolidate.MixedYears`, before anything is written).
The files are read with the edition that serves that year (or the one given). The database
is written before the summary workbook, whose trend sheets show every year it holds.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from ..consolidate.core import consolidate
from ..consolidate.entries import survey_year
from ..consolidate.evaluation import attach_evaluation
from ..consolidate.records import Consolidation
from ..consolidate.trends import Trends, trends
from ..engine import Engine, get_engine
from ..spec.editions import choose_edition
from ..consolidate.facts import _facts
from ..outputs.csvfiles import EXCEL_PL, CsvDialect, write_csvs
from ..outputs.feedback import write_feedback
from ..outputs.figureprocess import FigureProcess, start_figures
from ..outputs.html import html_to_pdf, write_html
from ..outputs.pdfprocess import PdfRenderer, start_renderer
from ..outputs.publication import TrendFigures, figure_charts, publication_html
from ..outputs.quality import render_quality
from ..outputs.summary import write_workbook
from ..verdicts import message, verdict_of

DEFAULT_OUT = Path("build") / "summary"
DEFAULT_DB = Path("build") / "afbp.sqlite"
#: the feedback sheets' folder inside the output folder
FEEDBACK_DIR = "informacje"


# =============================================================================== the job
class OutputError(RuntimeError):
    """Some outputs could not be written; the others were (see ``written``)."""

    def __init__(self, failures: dict[str, BaseException], written: dict[str, Path]):
        super().__init__("; ".join(f"{name}: {type(exc).__name__}: {exc}" for name, exc in failures.items()))
        self.failures, self.written = failures, written


def write_outputs(
    con: Consolidation,
    out: Path,
    *,
    engine: Engine | None = None,
    database: "RunDatabase | None" = None,
    dialect: CsvDialect = EXCEL_PL,
    feedback: bool = False,
    progress: bool = False,
    drawing: FigureProcess | None = None,
    renderer: PdfRenderer | None = None,
) -> dict[str, Path]:
    """Every file of the summary folder; returns name → path.

    The publication (``raport.html``, ``raport.pdf``), the coordinator's quality report
    (``kontrola.html``), ``podsumowanie.xlsx``, the CSV tables (``dialect``), the benchmark,
    and with ``feedback`` a PDF per library in ``informacje/`` with ``korespondencja.csv``.
    Each output is attempted even when another one fails (then :class:`OutputError` lists
    the failures, with their reasons, after everything else was written). ``database``
    (:class:`RunDatabase`; None: no database and no trends) stores the year and gives the
    trends of every year it holds: known before the import when they can be – then the
    database is written while the PDF renders – else after it, before the outputs that show
    them. The publication is built once
    and written as HTML; its PDF – the longest chain, so it comes first – is rendered by a
    fresh process (:mod:`~xl_afbp.outputs.pdfprocess`) while this one writes the rest. The
    figures that need no trends are drawn by another (:mod:`~xl_afbp.outputs.figureprocess`)
    while this one stores the database and computes the trends. Both interpreters are best
    started by the caller before the consolidation, which leaves the second core idle while
    they load matplotlib and WeasyPrint (``drawing``, ``renderer``: they are this function's
    to use and stop); else they are started here, the PDF's after the trends."""
    from ..outputs.benchmark import write_benchmark

    try:
        engine = engine or get_engine(choose_edition(None, con.year).source)
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
    except BaseException:
        for child in (drawing, renderer):
            if child is not None:  # a child given to us is ours to stop
                child.close()
        raise
    report = out / "raport.html"
    paths: dict[str, Path] = {}
    failures: dict[str, BaseException] = {}

    def attempt(name: str, fn: Callable[[], Any]) -> None:
        try:
            result = fn()
            if isinstance(result, dict):
                paths.update(result)
            elif isinstance(result, Path):
                paths[name] = result
        except Exception as exc:  # noqa: BLE001 - the other outputs are still written
            failures[name] = exc

    found: list[Trends | None] = []
    html: list[str] = []

    def publication() -> Path:
        """raport.html; its text is kept for raport.pdf (the publication is built once)."""
        figures = TrendFigures.of(found[0]) if found and found[0] is not None else None
        html.append(publication_html(con, engine=engine, trends=figures, drawn=drawing.drawn()))
        return write_html(html[0], report)

    # the longest chain first: database → trends → publication → its PDF, rendered by a fresh
    # process while this one writes every other output (trends known before the import: the
    # database is written while the PDF renders); the figures the database and the
    # trends do not change are drawn by another meanwhile, the second core's only work until
    # the trends are done (a PDF process started here before them slowed them more than it
    # gained; started before the consolidation, it has loaded WeasyPrint by now)
    with _draw_figures(con, engine, drawing) as drawing:
        early = _quietly(database.trends_before_import) if database is not None else None
        if early is not None:
            found.append(early)
        elif database is not None:
            attempt("database", database.store)
            attempt("trends", lambda: found.append(database.trends()))
        with renderer if renderer is not None else start_renderer() as renderer:
            attempt("raport.html", publication)
            pdf = renderer.render(report, out / "raport.pdf") if html else None
    if early is not None and database is not None:
        attempt("database", database.store)
    attempt("CSV", lambda: write_csvs(con, out, _facts(engine), dialect=dialect))
    bench = f"benchmark-{con.year}.csv"
    attempt(bench, lambda: write_benchmark(con.benchmark_rows(), out / bench))
    attempt("kontrola.html", lambda: render_quality(con, out / "kontrola.html", engine=engine))
    attempt("podsumowanie.xlsx", lambda: write_workbook(con, out / "podsumowanie.xlsx", engine=engine, trends=found[0] if found else None))
    if feedback:
        attempt(FEEDBACK_DIR, lambda: write_feedback(con, out / FEEDBACK_DIR, engine=engine, progress=progress, dialect=dialect))
    if pdf is not None and pdf.wait():
        paths["raport.pdf"] = pdf.target
    elif html:
        attempt("raport.pdf", lambda: html_to_pdf(html[0], out / "raport.pdf"))  # here: reports the real error
    else:
        failures["raport.pdf"] = failures["raport.html"]  # no publication to render
    if failures:
        raise OutputError(failures, paths)
    return paths


@dataclass
class RunDatabase:
    """A run's database (``path``; None: the run keeps none): the import of the
    consolidation, once, and the trends of every year it holds, this one included.

    :func:`write_outputs` asks for the trends before the import first: when the database
    holds no row of the year (every first import of a year), they are its other years and
    this year's rows as the import will store them
    (:func:`~xl_afbp.database.pending_history`), and the database is written while the PDF
    renders; else (None) it stores first and reads the trends after. Without a database, or
    when the import failed, the trends are this year's alone."""

    con: Consolidation
    path: Path | str | None
    engine: Engine
    #: the import's :class:`~xl_afbp.database.StoreReport`, once stored
    report: Any = None

    def trends_before_import(self) -> Trends | None:
        if self.path is None:
            return self._this_year()
        from .. import database

        pending = database.pending_history(self.con, self.path)
        return None if pending is None else trends(pending, self.engine)

    def store(self) -> None:
        if self.path is not None:
            from .. import database

            self.report = database.store(self.path, self.con)

    def trends(self) -> Trends:
        if self.path is None or self.report is None:
            return self._this_year()
        from .. import database

        return trends(database.history(self.path), self.engine)

    def _this_year(self) -> Trends:
        return trends(self.con.libraries.assign(rok=self.con.year), self.engine)


def _quietly(fn: Callable[[], Any]) -> Any:
    """``fn()``, or None when it fails (the way taken instead reports what fails)."""
    try:
        return fn()
    except Exception:  # noqa: BLE001 - e.g. a database that cannot be read: stored first, then read
        return None


def _draw_figures(con: Consolidation, engine: Engine, drawing: FigureProcess | None = None) -> FigureProcess:
    """The publication's figures that need no trends, being drawn by a fresh process (it
    starts, and loads matplotlib, while they are computed; ``drawing``: one started before)."""
    drawing = drawing if drawing is not None else start_figures()
    try:
        drawing.give(figure_charts(con, engine=engine))
    except Exception:  # noqa: BLE001 - the publication draws them, and reports what fails
        drawing.close()
    return drawing


def _serving(year: int):
    """The edition serving ``year``, or None when no shipped edition does (a form of an
    earlier survey: the reader rejects it as ``wrong_edition``)."""
    from ..spec.editions import EditionError

    try:
        return choose_edition(None, year)
    except EditionError:
        return None


def collect_inputs(inputs: Iterable[Path | str], *, exclude: Iterable[Path | str] = ()) -> list[Path]:
    """Every entry of the inputs, each once, sorted; ``exclude`` are files or folders left
    out (the output folder and the database, when they sit inside).

    Every entry of a folder is kept, not only regular files – a FIFO, a broken link, a
    folder named like a workbook (an unzipped ``.xlsx``: one entry, not walked into) – so
    the reader gives each its verdict and each gets a row of the import log. Folders are
    walked without following links to folders (no loops: such a link is an entry too)."""
    from ..reader.local import WORKBOOK_EXTENSIONS

    skip = [_resolved(Path(p)) for p in exclude]
    found: list[Path] = []

    def walk(folder: Path) -> None:
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda d: d.name)
        except OSError:
            found.append(folder)  # an unreadable folder: the reader says why
            return
        for d in entries:
            path = Path(d.path)
            try:
                real_dir = d.is_dir(follow_symlinks=False)
            except OSError:
                real_dir = False
            if real_dir and path.suffix.lower() not in WORKBOOK_EXTENSIONS:
                walk(path)
            else:
                found.append(path)

    for raw in inputs:
        p = Path(raw)
        if p.is_dir():  # a folder the coordinator names is walked, whatever its name
            walk(p)
        elif os.path.lexists(p):
            found.append(p)
        else:
            raise FileNotFoundError(f"input not found: {p}")
    seen: dict[str, Path] = {}
    for q in found:
        r = _resolved(q)
        if any(r == s or s in r.parents for s in skip):
            continue
        seen.setdefault(os.path.abspath(q), q)
    return sorted(seen.values(), key=str)


def _resolved(path: Path) -> Path:
    """The path with its links followed – as far as they go: a link in a loop stays as it is
    (an entry of its own: the reader says what is wrong with it)."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):  # a symlink loop (RuntimeError before Python 3.13)
        return Path(os.path.abspath(path))


def _fallback_submission(path: Path, detail: str):
    """A rejected submission (``read_error``) for a file the reader gave no answer about."""
    import hashlib

    from ..reader import Submission

    try:
        raw = path.read_bytes()
    except OSError:
        raw = b""
    code = "read_error"
    return Submission(path=path, name=path.name, sha256=hashlib.sha256(raw).hexdigest(), size=len(raw), verdict=verdict_of(code), code=code, reason=message(code, detail=detail))


def read_files(paths: Sequence[Path], *, workers: int | None = None, progress: bool = True, engine: Engine | None = None) -> list[Any]:
    """:func:`xl_afbp.reader.read_many` over ``paths``, one submission per path whatever
    happens. Each form's evaluation is made in the reader's worker from the engine's values
    the reader computed (:func:`~xl_afbp.consolidate.evaluation.attach_evaluation`): only
    the compact evaluation travels back, and the engine ran once per file."""
    from ..reader import read_many

    engine = engine or get_engine()
    then = partial(_in_worker, engine)
    try:
        subs = list(read_many(list(paths), workers=workers, progress=progress, engine=engine, then=then))
    except Exception:  # noqa: BLE001 - one broken file must not stop the batch: retry one by one
        subs = []
        for p in paths:
            try:
                subs += list(read_many([p], workers=1, progress=False, engine=engine, then=then))
            except Exception as exc:  # noqa: BLE001
                subs.append(_fallback_submission(p, f"błąd czytnika: {type(exc).__name__}: {str(exc)[:120]}"))
    by_path = {}
    for s in subs:
        by_path.setdefault(_resolved(Path(s.path)), s)
    out = []
    for p in paths:
        s = by_path.get(_resolved(Path(p)))
        out.append(s if s is not None else _fallback_submission(Path(p), "czytnik nie zwrócił wyniku dla tego pliku"))
    return out


def _in_worker(engine: Engine, sub: Any) -> Any:
    """What runs in the reader's worker after a read: the form's evaluation; the cached
    values a file carries (only compared, by the reader) do not travel back."""
    sub = attach_evaluation(engine, sub)
    sub.cached = {}
    return sub


@dataclass
class RunReport:
    consolidation: Consolidation
    outputs: dict[str, Path]
    database: Any = None  # xl_afbp.database.StoreReport
    inputs: int = 0
    notes: tuple[str, ...] = ()  # the year and edition the run took, and why
    #: outputs (or the database) that could not be written: name → "ErrorType: reason"
    failures: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"<RunReport {self.consolidation!r}; outputs in {next(iter(self.outputs.values())).parent if self.outputs else '-'}; exit {self.exit_code}>"

    @property
    def rejected(self) -> int:
        return self.consolidation.rejected

    @property
    def exit_code(self) -> int:
        """1 when a file needs the coordinator (rejected, or versions to clarify) or an
        output could not be written; files that are no form (skipped) do not count."""
        return 1 if self.consolidation.needs_action or self.failures else 0


def run_consolidation(
    inputs: Iterable[Path | str],
    *,
    expected: Path | str | None = None,
    out: Path | str = DEFAULT_OUT,
    db: Path | str | None = DEFAULT_DB,
    year: int | None = None,
    edition: str | Path | None = None,
    region: str | None = None,
    progress: bool = True,
    workers: int | None = None,
    engine: Engine | None = None,
    include_flagged: bool = False,
    dialect: CsvDialect = EXCEL_PL,
    feedback: bool = False,
) -> RunReport:
    """Files and folders → reader → :func:`consolidate` → database (``db=None``: none) →
    outputs. ``year``: the survey year (default: the one the files state); ``edition`` or
    ``engine``: the form edition (default: the newest that serves the year). An output or
    the database that fails is reported in :attr:`RunReport.failures`; the others are
    written."""
    out = Path(out)
    exclude: list[Path | str] = [out]
    if db is not None:
        exclude += [db, f"{db}-journal", f"{db}-wal", f"{db}-shm"]
    paths = collect_inputs(inputs, exclude=exclude)
    subs, engine, year, notes = read_for_year(paths, year=year, edition=edition, engine=engine, workers=workers, progress=progress)
    # the outputs' interpreters load matplotlib and WeasyPrint on the core consolidate() leaves idle
    drawing, renderer = start_figures(), start_renderer()
    try:
        con = consolidate(subs, engine=engine, expected=expected, region=region, year=year, progress=progress, include_flagged=include_flagged)
    except BaseException:
        drawing.close()
        renderer.close()
        raise
    outputs, stored, failures = write_run_outputs(con, out, db=db, engine=engine, drawing=drawing, renderer=renderer, dialect=dialect, feedback=feedback, progress=progress)
    return RunReport(con, outputs, stored, len(paths), tuple(notes), failures)


def write_run_outputs(
    con: Consolidation,
    out: Path | str,
    *,
    db: Path | str | None,
    engine: Engine,
    drawing: FigureProcess | None = None,
    renderer: PdfRenderer | None = None,
    dialect: CsvDialect = EXCEL_PL,
    feedback: bool = False,
    progress: bool = False,
) -> tuple[dict[str, Path], Any, dict[str, str]]:
    """The database (``db``; None: none) and the outputs of a run's consolidation, as
    :func:`run_consolidation` writes them: (outputs written, the database's
    :class:`~xl_afbp.database.StoreReport` or None, failures: name → "ErrorType: reason").
    The trends come from the database (:class:`RunDatabase`)."""
    run_db = RunDatabase(con, db, engine)
    failures: dict[str, str] = {}
    try:
        outputs = write_outputs(con, out, engine=engine, database=run_db, dialect=dialect, feedback=feedback, progress=progress, drawing=drawing, renderer=renderer)
    except OutputError as exc:
        outputs = exc.written
        failures = {name: f"{type(e).__name__}: {e}" for name, e in exc.failures.items()}
    return outputs, run_db.report, failures


def read_for_year(paths: Sequence[Path], *, year: int | None = None, edition: str | Path | None = None, engine: Engine | None = None, workers: int | None = None, progress: bool = True) -> tuple[list[Any], Engine, int | None, list[str]]:
    """(submissions, engine, survey year, notes): the files read with the edition of their
    survey year. Without a year the files say it (:func:`survey_year`; several years raise
    :class:`~xl_afbp.consolidate.MixedYears`); they are read once with the newest edition,
    and again only when an older edition serves their year."""
    notes: list[str] = []
    chosen = engine is not None or edition is not None
    if engine is None:
        choice = choose_edition(edition, year)
        engine = get_engine(choice.source)
    subs = read_files(paths, workers=workers, progress=progress, engine=engine)
    if year is None:
        year = survey_year(subs)
        if year is not None:
            notes.append(f"survey year {year} (from the files)")
            serving = _serving(year) if not chosen else None
            if serving is None and not chosen:  # as `check` does: the reader's verdict (wrong_edition) stands
                notes.append(f"no edition serves the survey year {year}: the files keep the verdicts of edition {engine.spec.edition.id}")
            elif serving is not None and serving.spec.digest != engine.spec.digest:
                engine = get_engine(serving.source)
                subs = read_files(paths, workers=workers, progress=progress, engine=engine)
    why = "" if chosen else f" (the newest edition serving {year})" if year is not None and engine.spec.edition.serves_from <= year else " (the newest shipped edition)"
    notes.append(f"edition {engine.spec.edition.id}{why}")
    return subs, engine, year, notes
