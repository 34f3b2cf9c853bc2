"""`make bench` rewrites docs/performance.md from the runs; the analysis written by hand
below its marker must survive the rewrite (a rerun deleted it once)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bench_run():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_rerun_keeps_the_notes_written_by_hand(tmp_path):
    run = _bench_run()
    doc = tmp_path / "performance.md"
    notes = f"{run.NOTES}\n## Where the time goes\n\nWritten after the run of 10:15 – 18,1 s.\n"
    doc.write_text("# Performance\n\nold numbers\n\n" + notes, encoding="utf-8")
    assert run.kept_notes(doc) == "\n" + notes
    doc.write_text("# Performance\n\nno notes\n", encoding="utf-8")
    assert run.kept_notes(doc) == ""
    assert run.kept_notes(tmp_path / "missing.md") == ""


def test_the_recorded_performance_has_its_notes():
    """The committed record carries the hand-written analysis under the marker."""
    text = (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")
    assert _bench_run().NOTES in text
    assert text.index("## Consolidation of 2,500") < text.index(_bench_run().NOTES)
