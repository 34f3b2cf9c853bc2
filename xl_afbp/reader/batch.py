"""Many files: worker processes with a per-file time limit (:func:`read_many`)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time

from pathlib import Path
from typing import Iterable

from .contract import prepare
from .file import _file_sha256, read_submission
from .submission import Limits, REJECTED, Submission, _Timeout, _submission
from ..verdicts import message


# ============================================================================ batches
#: Below this many files read_many reads in-process (starting workers costs more).
IN_PROCESS_BELOW = 40
#: Files sent ahead to each worker (the deadline runs for the one it is reading).
PIPELINE = 2


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
) -> list[Submission]:
    """Read many files; results in the order of ``paths``.

    With ``workers`` ≥ 2 (the default from :data:`IN_PROCESS_BELOW` files on) each file is
    read in a worker process; a file still being read after ``limits.seconds`` has its
    worker killed and gets verdict rejected/``timeout``, and the batch goes on with a new
    worker. With ``workers=1`` files are read in this process and the limit is an interval
    timer (main thread only), which cannot interrupt a call inside native code.
    """
    from ..engine import get_engine

    paths = [Path(p) for p in paths]
    if not paths:
        return []
    engine = engine or get_engine(2016)
    prepare(engine)
    if workers is None:
        workers = 1 if len(paths) < IN_PROCESS_BELOW else min(2, os.cpu_count() or 1)
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        out = []
        with _progress(len(paths), progress) as bar:
            for p in paths:
                out.append(_read_in_process(p, engine, limits))
                bar.update(1)
        return out
    return _Pool(engine, limits, min(workers, len(paths))).run(paths, progress)


def _read_in_process(path: Path, engine, limits: Limits) -> Submission:
    use_alarm = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread() and limits.seconds > 0

    def on_alarm(signum, frame):  # noqa: ARG001
        raise _Timeout()

    if not use_alarm:
        return read_submission(path, engine=engine, limits=limits)
    previous = signal.signal(signal.SIGALRM, on_alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, limits.seconds)
        try:
            return read_submission(path, engine=engine, limits=limits)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Timeout:
        return _timeout_submission(path, limits)
    finally:
        signal.signal(signal.SIGALRM, previous)


_POOL_ENGINE = None


def _worker_main(conn, limits: Limits) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    engine = _POOL_ENGINE
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        index, path = job
        sub = read_submission(path, engine=engine, limits=limits)
        try:
            conn.send((index, sub))
        except (BrokenPipeError, OSError):
            return


class _Pool:
    """Worker processes, each fed up to :data:`PIPELINE` files ahead so it never waits for
    the parent; the file a worker is on has a deadline, and a late worker is killed and
    replaced (its queued files go back to the queue)."""

    def __init__(self, engine, limits: Limits, workers: int):
        self.engine, self.limits, self.n = engine, limits, workers
        self.ctx = multiprocessing.get_context("fork")

    def _spawn(self):
        global _POOL_ENGINE
        _POOL_ENGINE = self.engine  # inherited through fork
        parent, child = self.ctx.Pipe()
        proc = self.ctx.Process(target=_worker_main, args=(child, self.limits), daemon=True)
        proc.start()
        child.close()
        return proc, parent

    def run(self, paths: list[Path], progress: bool) -> list[Submission]:
        from multiprocessing.connection import wait

        results: list[Submission | None] = [None] * len(paths)
        todo = list(range(len(paths)))[::-1]  # a stack: the next file is at the end
        workers = [self._spawn() for _ in range(self.n)]
        bar = _progress(len(paths), progress)  # after forking: tqdm may start a thread
        queues: list[list[int]] = [[] for _ in workers]  # files sent to each worker, in order
        started = [0.0] * len(workers)  # when the worker's current (first queued) file started

        def replace(slot: int) -> None:
            todo.extend(reversed(queues[slot]))  # not finished: read again by another worker
            queues[slot] = []
            workers[slot] = self._replace(*workers[slot])

        try:
            while todo or any(queues):
                now = time.monotonic()
                for slot in range(len(workers)):
                    while todo and len(queues[slot]) < PIPELINE:
                        i = todo.pop()
                        try:
                            workers[slot][1].send((i, paths[i]))
                        except (BrokenPipeError, OSError):
                            todo.append(i)
                            replace(slot)
                            break
                        if not queues[slot]:
                            started[slot] = now
                        queues[slot].append(i)
                busy = [s for s in range(len(workers)) if queues[s]]
                if not busy:
                    continue
                timeout = max(0.0, min(started[s] for s in busy) + self.limits.seconds - time.monotonic())
                by_conn = {workers[s][1]: s for s in busy}
                for conn in wait(list(by_conn), timeout=timeout):
                    slot = by_conn[conn]
                    head = queues[slot][0]
                    try:
                        index, sub = conn.recv()
                    except (EOFError, OSError):  # the worker died (e.g. out of memory)
                        results[head] = _crash_submission(paths[head], self.limits)
                        queues[slot].pop(0)
                        bar.update(1)
                        replace(slot)
                        continue
                    results[index] = sub
                    if index in queues[slot]:
                        queues[slot].remove(index)
                    started[slot] = time.monotonic()
                    bar.update(1)
                now = time.monotonic()
                for slot in range(len(workers)):
                    if queues[slot] and now >= started[slot] + self.limits.seconds:
                        head = queues[slot].pop(0)
                        results[head] = _timeout_submission(paths[head], self.limits)
                        bar.update(1)
                        replace(slot)
        finally:
            bar.close()
            for _proc, conn in workers:
                try:
                    conn.send(None)
                except (BrokenPipeError, OSError):
                    pass
                conn.close()
            for proc, _conn in workers:
                proc.join(timeout=2)
                if proc.is_alive():
                    proc.kill()
                    proc.join()
        return [r if r is not None else _crash_submission(p, self.limits) for r, p in zip(results, paths)]

    def _replace(self, proc, conn):
        if proc.is_alive():
            proc.kill()
        proc.join()
        conn.close()
        return self._spawn()


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="Odczyt formularzy", unit="plik", disable=not enabled or total < 2, leave=False)



