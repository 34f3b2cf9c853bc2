"""The publication's figures that depend on the consolidation alone, drawn by a fresh
interpreter while the consolidating process stores the database and computes the trends.

Drawing them (matplotlib, ~1.5–2 s with 2,500 libraries) sat on the job's longest chain –
database → trends → publication → its PDF – although they need neither the database nor
the trends. The job starts this interpreter before ``consolidate()`` (:func:`start_figures`),
which leaves the second core idle; it imports :mod:`.charts` with numpy and matplotlib only
(:mod:`.fresh`: not the package, not pandas) meanwhile, then waits for the charts to draw
(:class:`~.charts.Chart`, given pickled on its input, :meth:`FigureProcess.give`), and
writes the PNG ``data:`` URIs back on its output.
The publication takes a figure from there when its chart is equal to one given
(:meth:`FigureProcess.drawn`), else draws it itself: a child that fails costs time, never
a figure. The same matplotlib, its settings (``matplotlibrc`` of
the same working folder and environment, :data:`~.charts.SAFE_TEXT`) and fonts draw the
same bytes in either process.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from typing import Sequence

from . import fresh

#: how every drawn figure begins (anything else: the child failed)
_PNG = "data:image/png;base64,"


class FigureProcess:
    """Charts being drawn by another interpreter; :meth:`drawn` waits for them."""

    def __init__(self, proc: subprocess.Popen | None):
        self.proc, self.charts = proc, ()

    def give(self, charts: Sequence) -> None:
        """Have the child draw ``charts`` (:class:`~.charts.Chart`); none: let it go."""
        self.charts = tuple(charts)
        if self.proc is None or self.proc.stdin is None or not self.charts:
            self.close()
            return
        try:  # the child reads its charts before it draws: no wait on each other
            self.proc.stdin.write(pickle.dumps(self.charts))
            self.proc.stdin.close()
        except OSError:  # the child is gone: the figures are drawn here
            self.close()

    def drawn(self) -> dict:
        """Chart → PNG ``data:`` URI of every chart the child drew; ``{}`` when it failed
        (the caller draws them)."""
        if not self.charts:  # never given any: nothing to wait for
            self.close()
        proc, self.proc = self.proc, None
        if proc is None or proc.stdout is None:
            return {}
        try:
            uris = pickle.load(proc.stdout)
        except Exception:  # noqa: BLE001 - a child that died or wrote nonsense: drawn here
            uris = None
        finally:
            proc.stdout.close()
            proc.wait()
        if proc.returncode != 0 or not isinstance(uris, list) or len(uris) != len(self.charts) or not all(isinstance(u, str) and u.startswith(_PNG) for u in uris):
            return {}
        return dict(zip(self.charts, uris))

    def close(self) -> None:
        """Stop a child whose figures were not asked for (a no-op after :meth:`drawn`)."""
        proc, self.proc = self.proc, None
        if proc is not None:
            proc.kill()
            proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()

    def __enter__(self) -> "FigureProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def start_figures() -> FigureProcess:
    """A fresh interpreter loading matplotlib, to be given the charts to draw."""
    return FigureProcess(fresh.start(__name__, stdout=subprocess.PIPE))


def main(argv: list[str]) -> int:
    """In the child: load matplotlib, then draw the pickled charts of the input and write
    their URIs, pickled."""
    from .charts import preload

    preload()
    charts = pickle.load(sys.stdin.buffer)
    pickle.dump([chart.draw() for chart in charts], sys.stdout.buffer)
    return 0
