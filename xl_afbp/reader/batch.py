"""Many files: worker processes with a per-file time limit (:func:`read_many`)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from functools import partial
from pathlib import Path
from typing import Callable, Iterable

from ..pool import run_tasks
from ..verdicts import message
from .contract import prepare
from .file import _file_sha256, read_submission
from .submission import Limits, REJECTED, Submission, _Timeout, _submission


# ============================================================================ batches
#: Below this many files read_many reads in-process (starting workers costs more).
IN_PROCESS_BELOW = 40


def _timeout_submission(path: Path, limits: Limits) -> Submission:
    sha, size = "", 0
    try:
        sha, size = _file_sha256(path), path.stat().st_size
    except OSError:
        pass
    s = f"{limits.seconds:g}".replace(".", ",")
    return _submission(path, sha, size, "timeout", message("timeout", seconds=s))


def _crash_submission(path: Path, limits: Limits) -> Submission:
    sub = _timeout_submission(path, limits)
    sub.code, sub.verdict = "read_error", REJECTED
    sub.reason = message("read_error", detail="odczyt przerwał proces czytnika, np. z braku pamięci")
    return sub


def read_many(
    paths: Iterable[Path | str],
    *,
    limits: Limits = Limits(),
    workers: int | None = None,
    progress: bool = True,
    engine=None,
    then: Callable[[Submission], Submission] | None = None,
) -> list[Submission]:
    """Read many files; results in the order of ``paths``.

    With ``workers`` ≥ 2 (the default from :data:`IN_PROCESS_BELOW` files on) each file is
    read in a worker process; a file still being read after ``limits.seconds`` has its
    worker killed and gets verdict rejected/``timeout``, and the batch goes on with a new
    worker. With ``workers=1`` files are read in this process and the limit is an interval
    timer (main thread only), which cannot interrupt a call inside native code. ``then``
    is applied to each submission where it was read (in the worker: the consolidation job
    makes each form's evaluation there).
    """
    from ..engine import get_engine

    paths = [Path(p) for p in paths]
    if not paths:
        return []
    engine = engine or get_engine()
    prepare(engine)
    if workers is None:
        workers = 1 if len(paths) < IN_PROCESS_BELOW else min(2, os.cpu_count() or 1)
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        out = []
        with _progress(len(paths), progress) as bar:
            for p in paths:
                sub = _read_in_process(p, engine, limits)
                out.append(then(sub) if then else sub)
                bar.update(1)
        return out
    return run_tasks(
        partial(_read_then, engine=engine, limits=limits, then=then),
        paths,
        workers=min(workers, len(paths)),
        seconds=limits.seconds,
        on_timeout=partial(_timeout_submission, limits=limits),
        on_crash=partial(_crash_submission, limits=limits),
        make_bar=partial(_progress, len(paths), progress),
    )


def _read_then(path: Path, *, engine, limits: Limits, then) -> Submission:
    sub = read_submission(path, engine=engine, limits=limits)
    return then(sub) if then else sub


def _read_in_process(path: Path, engine, limits: Limits) -> Submission:
    use_alarm = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread() and limits.seconds > 0

    fired: list[bool] = []

    def on_alarm(signum, frame):  # noqa: ARG001
        fired.append(True)
        raise _Timeout()

    if not use_alarm:
        return read_submission(path, engine=engine, limits=limits)
    previous = signal.signal(signal.SIGALRM, on_alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, limits.seconds)
        try:
            sub = read_submission(path, engine=engine, limits=limits)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        # the alarm's exception can be swallowed where Python ignores exceptions (it fires
        # inside a garbage-collector callback, a __del__): the file is late all the same
        return _timeout_submission(path, limits) if fired else sub
    except _Timeout:
        return _timeout_submission(path, limits)
    finally:
        signal.signal(signal.SIGALRM, previous)


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="Odczyt formularzy", unit="plik", disable=not enabled or total < 2, leave=False)
