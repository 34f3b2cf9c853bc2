"""One process pool for the batch jobs: forked workers, a deadline per task, nothing lost.

:func:`run_tasks` runs ``fn(item)`` for every item in forked worker processes and returns
the results in the order of the items. ``fn`` (with what it closes over: the compiled
engine, the limits) is inherited through ``fork``, so nothing but the items and the results
is pickled. Each worker is fed up to :data:`PIPELINE` items ahead so it never waits for the
parent; the item a worker is on has a deadline of ``seconds``: a late worker is killed and
replaced, that item gets ``on_timeout(item)`` and the items queued behind it go back to the
queue; a worker that dies (e.g. out of memory) gives its item ``on_crash(item)``. The
reader's batch (:func:`xl_afbp.reader.read_many`) uses it; so the engine's evaluation of
every returned file runs in these workers too.
"""

from __future__ import annotations

import gc
import multiprocessing
import signal
import time
from typing import Any, Callable, Sequence

#: items sent ahead to each worker (the deadline runs for the one it is working on)
PIPELINE = 2

#: the workers' collector thresholds (the default's first is 700 allocations)
_WORKER_GC = (15_000, 10, 10)
_TASK: Callable[[Any], Any] | None = None  # the function of the pool being started: inherited through fork


def _worker_main(conn) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # what the worker inherited (the compiled engine, the parent's modules) is never garbage:
    # frozen, the collector no longer walks it – nor copies its pages by touching them – and
    # collects the young objects of each task ~20× less often (a form's read allocates ~10⁴)
    gc.freeze()
    gc.set_threshold(*_WORKER_GC)
    task = _TASK
    assert task is not None
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        index, item = job
        result = task(item)
        try:
            conn.send((index, result))
        except (BrokenPipeError, OSError):
            return


class _Pool:
    """Worker processes, each fed up to :data:`PIPELINE` items ahead so it never waits for
    the parent; the item a worker is on has a deadline, and a late worker is killed and
    replaced (its queued items go back to the queue)."""

    def __init__(self, fn: Callable[[Any], Any], workers: int, seconds: float):
        self.fn, self.n, self.seconds = fn, workers, seconds
        self.ctx = multiprocessing.get_context("fork")

    def _spawn(self):
        global _TASK
        _TASK = self.fn  # inherited through fork
        parent, child = self.ctx.Pipe()
        proc = self.ctx.Process(target=_worker_main, args=(child,), daemon=True)
        proc.start()
        child.close()
        return proc, parent

    def run(self, items: Sequence[Any], on_timeout, on_crash, make_bar) -> list[Any]:
        from multiprocessing.connection import wait

        results: list[Any] = [None] * len(items)
        done = [False] * len(items)
        todo = list(range(len(items)))[::-1]  # a stack: the next item is at the end
        workers = [self._spawn() for _ in range(self.n)]
        bar = make_bar()  # after forking: a progress bar may start a thread
        queues: list[list[int]] = [[] for _ in workers]  # items sent to each worker, in order
        started = [0.0] * len(workers)  # when the worker's current (first queued) item started

        def finish(index: int, result: Any) -> None:
            results[index], done[index] = result, True
            bar.update(1)

        def replace(slot: int) -> None:
            todo.extend(reversed(queues[slot]))  # not finished: done again by another worker
            queues[slot] = []
            workers[slot] = self._replace(*workers[slot])

        try:
            while todo or any(queues):
                now = time.monotonic()
                for slot in range(len(workers)):
                    while todo and len(queues[slot]) < PIPELINE:
                        i = todo.pop()
                        try:
                            workers[slot][1].send((i, items[i]))
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
                timeout = max(0.0, min(started[s] for s in busy) + self.seconds - time.monotonic())
                by_conn = {workers[s][1]: s for s in busy}
                for conn in wait(list(by_conn), timeout=timeout):
                    slot = by_conn[conn]
                    head = queues[slot][0]
                    try:
                        index, result = conn.recv()
                    except (EOFError, OSError):  # the worker died (e.g. out of memory)
                        finish(head, on_crash(items[head]))
                        queues[slot].pop(0)
                        replace(slot)
                        continue
                    finish(index, result)
                    if index in queues[slot]:
                        queues[slot].remove(index)
                    started[slot] = time.monotonic()
                now = time.monotonic()
                for slot in range(len(workers)):
                    if queues[slot] and now >= started[slot] + self.seconds:
                        head = queues[slot].pop(0)
                        finish(head, on_timeout(items[head]))
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
        return [r if ok else on_crash(item) for r, ok, item in zip(results, done, items)]

    def _replace(self, proc, conn):
        if proc.is_alive():
            proc.kill()
        proc.join()
        conn.close()
        return self._spawn()


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def run_tasks(
    fn: Callable[[Any], Any],
    items: Sequence[Any],
    *,
    workers: int,
    seconds: float,
    on_timeout: Callable[[Any], Any],
    on_crash: Callable[[Any], Any],
    make_bar: Callable[[], Any] | None = None,
) -> list[Any]:
    """``[fn(item) for item in items]`` in ``workers`` forked processes (see the module doc);
    ``make_bar()`` makes a progress bar (``update``/``close``) after the workers start."""
    return _Pool(fn, workers, seconds).run(items, on_timeout, on_crash, make_bar or _NoBar)


__all__ = ["PIPELINE", "run_tasks"]
