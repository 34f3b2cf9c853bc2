"""The figures' faster drawing against the straightforward one, pixel by pixel.

``ranges_chart`` draws every group's Q1–Q3 bar and median dot of a panel as two
matplotlib artists (:func:`xl_afbp.outputs.charts._ranges`); the reference below draws them
as the publication first did, a line and a dot per group. The PNGs must decode to the
same pixels – the speed-up may not change what a reader sees.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest

from xl_afbp.outputs import charts


def _per_group(ax, ys, rows) -> None:
    """The reference: one line and one dot per group, in the groups' order."""
    for y, r in zip(ys, rows):
        ax.plot([r.q1, r.q3], [y, y], color=charts.BLUE, linewidth=2.5, solid_capstyle="butt")
        ax.plot([r.median], [y], "o", color=charts.ORANGE, markersize=6)


def _pixels(uri: str) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("RGBA"))


def _same_pixels(panels, monkeypatch) -> None:
    fast = _pixels(charts.ranges_chart(panels))
    with monkeypatch.context() as m:
        m.setattr(charts, "_ranges", _per_group)
        reference = _pixels(charts.ranges_chart(panels))
    assert fast.shape == reference.shape
    diff = np.abs(fast.astype(int) - reference.astype(int))
    assert not diff.any(), f"{int((diff.max(axis=2) > 0).sum())} pixels differ, by up to {int(diff.max())}"


def _panel(title: str, spans, reference=None) -> charts.RangePanel:
    rows = tuple(charts.RangeRow(f"grupa {k}", q1, q1 + width * share, q1 + width, 3 + k) for k, (q1, width, share) in enumerate(spans))
    return charts.RangePanel(title, rows, reference, "region", 2)


def test_ranges_chart_many_groups_same_pixels(monkeypatch):
    """More groups than matplotlib's path simplification threshold (128 vertices: 43
    groups of three), zero-width ranges, a reference line across every bar."""
    spans = [((k * 37) % 50 + 0.5, (k * 13) % 7, 0.5) for k in range(50)]
    _same_pixels([_panel("W01: wskaźnik", spans, 25.0), _panel("W02: inny", spans[:3])], monkeypatch)


def test_ranges_chart_same_pixels_as_one_artist_per_group(monkeypatch):
    from hypothesis import HealthCheck, given, settings, strategies as hs

    span = hs.tuples(hs.floats(0, 1e4, allow_nan=False), hs.floats(0, 1e4, allow_nan=False), hs.floats(0, 1))
    panel = hs.builds(_panel, hs.text("abcłś ", min_size=1, max_size=20), hs.lists(span, min_size=1, max_size=9), hs.none() | hs.floats(0, 2e4))

    @settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(hs.lists(panel, min_size=1, max_size=5))
    def check(panels):
        _same_pixels(panels, monkeypatch)

    check()


@pytest.mark.parametrize("columns", [1, 2])
def test_ranges_chart_publication_shape_same_pixels(monkeypatch, columns):
    """Six key indicators of seven groups, as the publication draws them."""
    panels = [_panel(f"W{c:02d}: wskaźnik {c}", [(c + k * 1.5, 2.0 + k, 0.4) for k in range(7)], 6.0 + c) for c in range(6)]
    fast = _pixels(charts.ranges_chart(panels, columns=columns))
    with monkeypatch.context() as m:
        m.setattr(charts, "_ranges", _per_group)
        assert np.array_equal(fast, _pixels(charts.ranges_chart(panels, columns=columns)))
