"""Run LibreOffice headless as a spreadsheet oracle and renderer.

openpyxl writes formulas but never evaluates them.  To check that the
workbooks we generate compute the right numbers, we let a real spreadsheet
engine (LibreOffice Calc, started as ``soffice --headless``) open them,
recalculate, and save a copy that carries cached values.  Those copies can be
read back with ``openpyxl.load_workbook(path, data_only=True)`` or
python-calamine.  The same machinery converts workbooks to PDF (and, through
poppler's ``pdftoppm``, to PNG) to illustrate the documentation.

Public API::

    find_soffice() -> str | None
    require_soffice() -> str
    recalculate(paths, outdir, *, workers=2, timeout=None) -> dict[Path, Path]
    to_pdf(paths, outdir, *, workers=2, timeout=None) -> dict[Path, Path]
    pdf_to_png(pdf, outdir, *, dpi=100, timeout=120.0) -> list[Path]
    LibreOfficeError

LibreOffice behaviour this module relies on or works around
-----------------------------------------------------------

Stale cached values.
    An ``.xlsx``/``.ods`` formula cell stores both the formula and the last
    computed value.  LibreOffice computes formulas that have *no* cached
    value, but by default it *keeps* cached values that are present, even
    when they are wrong (the default "recalculation on file load" setting is
    "never recalculate" for files not written by the same LibreOffice
    build).  A workbook edited by a script that left an old ``<v>`` in place
    would then pass an oracle check it should fail.  We therefore run
    LibreOffice with a private user profile in which
    ``/org.openoffice.Office.Calc/Formula/Load/OOXMLRecalcMode`` and
    ``.../ODFRecalcMode`` are ``0`` ("always recalculate").  Every formula is
    then recomputed on load, regardless of what the file claims.

One profile per process.
    Two ``soffice`` processes cannot use one user profile at the same time:
    the second one hands its command line to the first over a pipe and
    exits, or fails on the profile lock.  Each conversion process therefore
    leases a profile of its own: profiles live under the cache directory as
    ``lo-profile-<n>`` and each is guarded by an ``flock`` on
    ``lo-profile-<n>.lock`` held for as long as ``soffice`` runs.  This keeps
    parallel workers, and concurrent pytest processes (e.g. pytest-xdist),
    apart.  A profile is built once (in ``lo-profile-<n>.partial``, then
    renamed) and reused afterwards.

Batch, do not loop.
    Starting ``soffice`` costs about 1-2 s; each further file in the same
    invocation costs about 0.45 s for a real survey workbook (under 0.1 s
    for a trivial one).  ``recalculate`` and ``to_pdf``
    therefore take a list of files, split it into ``workers`` chunks and run
    one ``soffice`` per chunk in parallel.  Call them once with everything
    you need rather than once per file.

Exit status is meaningless.
    ``soffice --convert-to`` exits with status 0 even when a file could not
    be loaded or saved (it only prints ``Error: ...``).  Success is judged by
    the presence of the expected output file; inputs without output are
    reported in a :class:`LibreOfficeError` (attribute ``missing``); the
    outputs of the other inputs are still written.  A non-zip "xlsx" fails
    this way, while an empty file opens as an empty workbook.  Each
    chunk writes into a fresh staging directory, so an output left over from
    an earlier run can never be mistaken for a fresh one.

Output names.
    LibreOffice names each output ``<input stem>.<new extension>`` in the
    single ``--outdir``; two inputs with the same stem (``a/x.xlsx`` and
    ``b/x.xlsx``, or ``x.ods`` and ``x.xlsx``) would overwrite each other.
    Such batches are rejected up front with a :class:`LibreOfficeError`, as
    is an output that would overwrite its own input.

Limits of the oracle.
    LibreOffice is not Excel.  Its function library and some semantics
    differ: LibreOffice 7.x (Debian 12 ships 7.4) has no dynamic-array
    spilling and lacks newer Excel functions such as ``XLOOKUP``, ``LET``,
    ``LAMBDA``, ``FILTER``, ``UNIQUE`` and ``SORT`` (they evaluate to
    ``#NAME?``; checked on 7.4.7 for XLOOKUP, LET and UNIQUE, while TEXTJOIN
    and IFS work); these arrived in LibreOffice 24.8.  A value LibreOffice
    computes is strong evidence, not proof, of what Excel will show.
    PDF output follows each sheet's print settings (print area, page setup,
    scaling); all sheets are exported.

Environment.
    ``HOME`` and the rest of the environment are passed through unchanged;
    only ``-env:UserInstallation`` redirects the profile.  Set
    ``XL_AFBP_SOFFICE`` to use a specific ``soffice`` binary and
    ``XL_AFBP_CACHE_DIR`` to move the profile cache (default
    ``$XDG_CACHE_HOME/xl-afbp`` or ``~/.cache/xl-afbp``).

Only the Python standard library is used.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

__all__ = [
    "LibreOfficeError",
    "find_soffice",
    "require_soffice",
    "recalculate",
    "to_pdf",
    "pdf_to_png",
]

log = logging.getLogger(__name__)

#: Install hints shown when a tool is missing (Debian/Ubuntu package names).
SOFFICE_HINT = "install LibreOffice Calc: `apt-get install libreoffice-calc`"
PDFTOPPM_HINT = "install poppler: `apt-get install poppler-utils`"

#: Export filters (explicit, so the output type never depends on guessing).
XLSX_FILTER = "xlsx:Calc MS Excel 2007 XML"
PDF_FILTER = "pdf:calc_pdf_Export"

#: Bumped whenever the profile settings change; older profiles are rebuilt.
PROFILE_VERSION = "1"
_PROFILE_MARKER = ".xl-afbp-profile"

#: Upper bound on cached profiles (= simultaneous soffice processes).
MAX_PROFILES = 32

#: Registry items that switch "recalculation on file load" to "always".
_RECALC_ITEMS = "".join(
    '<item oor:path="/org.openoffice.Office.Calc/Formula/Load">'
    f'<prop oor:name="{name}" oor:op="fuse"><value>0</value></prop></item>\n'
    for name in ("OOXMLRecalcMode", "ODFRecalcMode")
)

_SOFFICE_FLAGS = ("--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck")

_SOFFICE_CANDIDATES = (
    "/usr/bin/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    r"C:\Program Files\LibreOffice\program\soffice.exe",
)


class LibreOfficeError(RuntimeError):
    """LibreOffice (or pdftoppm) is missing, failed, timed out, or produced no output.

    ``missing`` lists the input files for which no output was produced
    (empty when the error is not about particular files).
    """

    def __init__(self, message: str, missing: Iterable[Path] = ()) -> None:
        super().__init__(message)
        self.missing: list[Path] = list(missing)


# ---------------------------------------------------------------------------
# Locating executables
# ---------------------------------------------------------------------------


def find_soffice() -> str | None:
    """Return the path of the ``soffice`` executable, or ``None`` if not found.

    Looks at ``$XL_AFBP_SOFFICE``, then ``soffice``/``libreoffice`` on
    ``PATH``, then a few standard install locations.
    """
    override = os.environ.get("XL_AFBP_SOFFICE")
    if override:
        return override if os.access(override, os.X_OK) else None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in _SOFFICE_CANDIDATES:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    for candidate in sorted(glob.glob("/opt/libreoffice*/program/soffice"), reverse=True):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def require_soffice() -> str:
    """Return the ``soffice`` path or raise :class:`LibreOfficeError` with an install hint."""
    soffice = find_soffice()
    if soffice is None:
        raise LibreOfficeError(f"LibreOffice (soffice) not found; {SOFFICE_HINT}")
    return soffice


def _require_pdftoppm() -> str:
    found = shutil.which("pdftoppm")
    if found is None:
        raise LibreOfficeError(f"pdftoppm not found; {PDFTOPPM_HINT}")
    return found


# ---------------------------------------------------------------------------
# Running processes
# ---------------------------------------------------------------------------


def _run(cmd: Sequence[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` in its own process group; kill the whole group on timeout.

    ``soffice`` is a shell script that starts ``oosplash`` which starts
    ``soffice.bin``; killing only the direct child would leave the real
    office process running (and holding its profile).
    """
    posix = os.name == "posix"
    proc = subprocess.Popen(
        list(cmd),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        env=os.environ.copy(),
        start_new_session=posix,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        if posix:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
        out, err = proc.communicate()
        raise LibreOfficeError(
            f"timed out after {timeout:.0f} s: {_quote(cmd)}\n{_tail(out, err)}"
        ) from None
    except BaseException:
        if posix:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
        proc.wait()
        raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _quote(cmd: Sequence[str]) -> str:
    return shlex.join(cmd)


def _tail(out: str | None, err: str | None, lines: int = 20) -> str:
    text = "\n".join(s.strip() for s in (out or "", err or "") if s and s.strip())
    return "\n".join(text.splitlines()[-lines:])


# ---------------------------------------------------------------------------
# Private user profiles
# ---------------------------------------------------------------------------


def cache_dir() -> Path:
    """Directory that holds the cached LibreOffice profiles."""
    env = os.environ.get("XL_AFBP_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "xl-afbp"


def _try_lock(fd: int) -> bool:
    """Take an exclusive, non-blocking lock on ``fd``; False if held elsewhere."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        # flock locks belong to the open file description, so they also
        # exclude other threads of this process that opened the file anew.
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


@contextlib.contextmanager
def _leased_profile(soffice: str, wait: float) -> Iterator[Path]:
    """Yield a ready profile directory that no other soffice is using.

    The lease is an exclusive lock on ``lo-profile-<n>.lock``; it is held
    while the profile is built (if needed) and while ``soffice`` runs, and it
    disappears with the process if we crash.  Waits up to ``wait`` seconds
    when all :data:`MAX_PROFILES` profiles are busy.
    """
    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    while True:
        for n in range(MAX_PROFILES):
            fd = os.open(root / f"lo-profile-{n}.lock", os.O_RDWR | os.O_CREAT, 0o644)
            if not _try_lock(fd):
                os.close(fd)
                continue
            try:
                profile = root / f"lo-profile-{n}"
                _ensure_profile(profile, soffice)
                yield profile
            finally:
                os.close(fd)  # closing releases the lock
            return
        if time.monotonic() > deadline:
            raise LibreOfficeError(
                f"all {MAX_PROFILES} LibreOffice profiles in {root} stayed busy for {wait:.0f} s"
            )
        time.sleep(0.2)


def _profile_ok(profile: Path) -> bool:
    """True if ``profile`` is complete, current, and still forces recalculation."""
    marker = profile / _PROFILE_MARKER
    xcu = profile / "user" / "registrymodifications.xcu"
    try:
        if marker.read_text().strip() != PROFILE_VERSION:
            return False
        text = xcu.read_text(encoding="utf-8")
    except OSError:
        return False
    return all(
        re.search(rf'oor:name="{name}" oor:op="fuse"><value>0</value>', text)
        for name in ("OOXMLRecalcMode", "ODFRecalcMode")
    )


def _ensure_profile(profile: Path, soffice: str) -> None:
    """Build ``profile`` (an always-recalculate user profile) unless it exists.

    Called with the profile's lock held.  The profile is first created in a
    ``.partial`` sibling by letting soffice initialise it
    (``--terminate_after_init``), then the recalc settings are inserted into
    ``user/registrymodifications.xcu``, a version marker is written, and the
    directory is renamed into place; a half-built profile is never used.
    A cached profile that lost the settings is rebuilt.
    """
    if _profile_ok(profile):
        return
    started = time.monotonic()
    shutil.rmtree(profile, ignore_errors=True)
    partial = profile.with_name(profile.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    result = _run(
        [
            soffice,
            f"-env:UserInstallation={partial.resolve().as_uri()}",
            *_SOFFICE_FLAGS,
            "--terminate_after_init",
        ],
        timeout=120,
    )
    xcu = partial / "user" / "registrymodifications.xcu"
    if not xcu.is_file():
        raise LibreOfficeError(
            f"soffice did not initialise a profile in {partial} (exit {result.returncode})\n"
            + _tail(result.stdout, result.stderr)
        )
    text = xcu.read_text(encoding="utf-8")
    text = re.sub(r'<item oor:path="/org\.openoffice\.Office\.Calc/Formula/Load">'
                  r'<prop oor:name="(?:OOXML|ODF)RecalcMode".*?</item>\n?', "", text)
    if "</oor:items>" not in text:
        raise LibreOfficeError(f"unexpected registrymodifications.xcu format in {xcu}")
    text = text.replace("</oor:items>", _RECALC_ITEMS + "</oor:items>", 1)
    xcu.write_text(text, encoding="utf-8")
    (partial / _PROFILE_MARKER).write_text(PROFILE_VERSION + "\n")
    os.replace(partial, profile)
    log.debug("created LibreOffice profile %s in %.2f s", profile, time.monotonic() - started)


# ---------------------------------------------------------------------------
# Conversion
# ---------------------------------------------------------------------------


def _chunks(items: list[Path], n: int) -> list[list[Path]]:
    """Split ``items`` into ``n`` contiguous, near-equal, non-empty chunks."""
    n = max(1, min(n, len(items)))
    size, extra = divmod(len(items), n)
    out, start = [], 0
    for i in range(n):
        end = start + size + (1 if i < extra else 0)
        out.append(items[start:end])
        start = end
    return out


def _convert(
    paths: Iterable[str | os.PathLike[str]],
    outdir: str | os.PathLike[str],
    filter_spec: str,
    workers: int,
    timeout: float | None,
) -> dict[Path, Path]:
    """Shared implementation of :func:`recalculate` and :func:`to_pdf`."""
    if workers < 1:
        raise ValueError("workers must be >= 1")
    ext = filter_spec.split(":", 1)[0]
    outdir = Path(outdir)
    given = [Path(p) for p in paths]
    if not given:
        return {}

    absent = [p for p in given if not p.is_file()]
    if absent:
        raise LibreOfficeError(
            "input files do not exist: " + ", ".join(map(str, absent)), missing=absent
        )

    # One job per distinct file; the output is <stem>.<ext> directly in outdir.
    jobs: dict[Path, list[Path]] = {}  # resolved input -> given spellings
    for p in given:
        jobs.setdefault(p.resolve(), []).append(p)
    by_name: dict[str, list[Path]] = {}
    for src in jobs:
        by_name.setdefault(f"{src.stem}.{ext}", []).append(src)
    clashes = {name: srcs for name, srcs in by_name.items() if len(srcs) > 1}
    if clashes:
        detail = "; ".join(f"{name} <- " + ", ".join(map(str, s)) for name, s in clashes.items())
        raise LibreOfficeError(
            f"inputs would produce the same output name in {outdir} ({detail}); "
            "rename them or convert them in separate calls with separate outdirs",
            missing=[s for srcs in clashes.values() for s in srcs],
        )
    outdir.mkdir(parents=True, exist_ok=True)
    out_resolved = outdir.resolve()
    overwrite = [src for src in jobs if out_resolved / f"{src.stem}.{ext}" == src]
    if overwrite:
        raise LibreOfficeError(
            "output would overwrite its input: " + ", ".join(map(str, overwrite))
            + "; choose another outdir",
            missing=overwrite,
        )

    soffice = require_soffice()
    chunks = _chunks(list(jobs), workers)

    def run_chunk(chunk: list[Path]) -> tuple[list[Path], str]:
        limit = timeout if timeout is not None else 60.0 + 5.0 * len(chunk)
        # Stage inside outdir: same filesystem, so os.replace is atomic, and
        # nothing stale in outdir can be mistaken for a fresh output.
        with tempfile.TemporaryDirectory(prefix=".lo-stage-", dir=outdir) as stage_str:
            stage = Path(stage_str).resolve()
            with _leased_profile(soffice, wait=limit) as profile:
                cmd = [
                    soffice,
                    f"-env:UserInstallation={profile.resolve().as_uri()}",
                    *_SOFFICE_FLAGS,
                    "--convert-to",
                    filter_spec,
                    "--outdir",
                    str(stage),
                    *map(str, chunk),
                ]
                started = time.monotonic()
                try:
                    result = _run(cmd, timeout=limit)
                except LibreOfficeError as exc:
                    raise LibreOfficeError(
                        f"LibreOffice failed on {', '.join(map(str, chunk))}: {exc}",
                        missing=chunk,
                    ) from None
                log.debug(
                    "soffice converted %d file(s) to %s in %.2f s",
                    len(chunk), ext, time.monotonic() - started,
                )
            failed = []
            for src in chunk:
                produced = stage / f"{src.stem}.{ext}"
                if produced.is_file() and produced.stat().st_size > 0:
                    os.replace(produced, out_resolved / produced.name)
                else:
                    failed.append(src)
        return failed, _tail(result.stdout, result.stderr)

    with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
        results = list(pool.map(run_chunk, chunks))

    missing = [src for failed, _ in results for src in failed]
    if missing:
        logs = "\n".join(text for failed, text in results if failed and text)
        raise LibreOfficeError(
            f"LibreOffice produced no {ext} output for: "
            + ", ".join(map(str, missing))
            + (f"\nsoffice said:\n{logs}" if logs else ""),
            missing=missing,
        )
    return {
        spelling: outdir / f"{src.stem}.{ext}"
        for src, spellings in jobs.items()
        for spelling in spellings
    }


def recalculate(
    paths: Iterable[str | os.PathLike[str]],
    outdir: str | os.PathLike[str],
    *,
    workers: int = 2,
    timeout: float | None = None,
) -> dict[Path, Path]:
    """Open each workbook in LibreOffice, recalculate every formula, save as xlsx.

    ``paths`` may be any format Calc opens (xlsx, xlsm, ods, ...).  Each
    output is ``outdir/<input stem>.xlsx`` and carries freshly computed cached
    values (read them with ``openpyxl.load_workbook(out, data_only=True)``).
    Stale cached values in the inputs are ignored: the profile forces a full
    recalculation on load.

    The inputs are split into ``workers`` chunks, each converted by one
    ``soffice`` process (with its own profile), in parallel.  ``timeout``
    limits each process, in seconds; by default 60 s + 5 s per file in its
    chunk.  Pass all files in one call: a start costs 1-2 s, a file ~0.45 s.

    Returns a mapping from each input path (as given, converted to ``Path``)
    to its output path.  Raises :class:`LibreOfficeError` if soffice is
    missing, if an input does not exist, if two inputs share an output name,
    on timeout, or naming the inputs that produced no output.
    """
    return _convert(paths, outdir, XLSX_FILTER, workers, timeout)


def to_pdf(
    paths: Iterable[str | os.PathLike[str]],
    outdir: str | os.PathLike[str],
    *,
    workers: int = 2,
    timeout: float | None = None,
) -> dict[Path, Path]:
    """Render each workbook to ``outdir/<input stem>.pdf`` (all sheets).

    Formulas are recalculated first, exactly as in :func:`recalculate`.
    Pagination follows each sheet's print settings.  Batching, timeouts,
    return value and errors are as for :func:`recalculate`.
    """
    return _convert(paths, outdir, PDF_FILTER, workers, timeout)


def pdf_to_png(
    pdf: str | os.PathLike[str],
    outdir: str | os.PathLike[str],
    *,
    dpi: int = 100,
    timeout: float = 120.0,
) -> list[Path]:
    """Rasterise every page of ``pdf`` with poppler's ``pdftoppm``.

    Writes ``outdir/<pdf stem>-<page>.png`` (``pdftoppm`` zero-pads the page
    number to the width of the page count, e.g. ``-01`` for 10+ pages) and
    returns the PNG paths in page order.  Earlier PNGs of the same stem are
    replaced, not mixed in.  Raises :class:`LibreOfficeError` if pdftoppm is
    missing, fails, or produces no image.
    """
    pdftoppm = _require_pdftoppm()
    pdf = Path(pdf)
    if not pdf.is_file():
        raise LibreOfficeError(f"PDF does not exist: {pdf}", missing=[pdf])
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    page_re = re.compile(re.escape(pdf.stem) + r"-(\d+)\.png")
    with tempfile.TemporaryDirectory(prefix=".png-stage-", dir=outdir) as stage_str:
        stage = Path(stage_str)
        result = _run(
            [pdftoppm, "-png", "-r", str(dpi), str(pdf), str(stage / pdf.stem)],
            timeout=timeout,
        )
        pages = sorted(
            (int(m.group(1)), f)
            for f in stage.iterdir()
            if (m := page_re.fullmatch(f.name))
        )
        if result.returncode != 0 or not pages:
            raise LibreOfficeError(
                f"pdftoppm produced no PNG for {pdf} (exit {result.returncode})\n"
                + _tail(result.stdout, result.stderr),
                missing=[pdf],
            )
        for old in outdir.iterdir():
            if page_re.fullmatch(old.name):
                old.unlink()
        out = []
        for _, f in pages:
            os.replace(f, outdir / f.name)
            out.append(outdir / f.name)
    return out
