"""The shape of the code: the layered import contract (import-linter, configured in
pyproject.toml) holds, and can fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_import_contracts_hold():
    r = _lint_imports(ROOT, ROOT)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "2 kept, 0 broken" in r.stdout


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "xl_afbp", tmp_path / "xl_afbp", ignore=shutil.ignore_patterns("__pycache__", "data", "editions"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_an_upward_import_breaks_the_layers(tmp_path):
    """The engine may not know the consolidation job that uses it."""
    root = _copy(tmp_path)
    engine = root / "xl_afbp" / "engine.py"
    engine.write_text(engine.read_text(encoding="utf-8") + "\n\ndef _leak():\n    from .jobs import consolidation  # noqa: F401\n", encoding="utf-8")
    r = _lint_imports(root, root)
    assert r.returncode != 0 and "xl_afbp.engine -> xl_afbp.jobs" in r.stdout, r.stdout[-3000:]


def test_a_cycle_inside_a_package_breaks_the_contract(tmp_path):
    """Two modules of one layer that import each other: the consolidator's records and its
    batch policy (the kind of cycle database ↔ consolidate was)."""
    root = _copy(tmp_path)
    records = root / "xl_afbp" / "consolidate" / "records.py"
    records.write_text(records.read_text(encoding="utf-8") + "\n\ndef _leak():\n    from .entries import assign_statuses  # noqa: F401\n", encoding="utf-8")
    r = _lint_imports(root, root)
    assert r.returncode != 0 and "BROKEN" in r.stdout, r.stdout[-3000:]
