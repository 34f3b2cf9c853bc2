"""A non-editable install works: spec files, data and templates travel inside the wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_contains_spec_data_templates_and_udfs(tmp_path):
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-w", str(tmp_path), "-q"], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    wheel = next(tmp_path.glob("xl_afbp-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for edition_file in (ROOT / "xl_afbp" / "editions").rglob("*.yaml"):
        assert edition_file.relative_to(ROOT).as_posix() in names
    for data_file in (ROOT / "xl_afbp" / "data").iterdir():
        if data_file.suffix in (".csv", ".md", ".json"):
            assert f"xl_afbp/data/{data_file.name}" in names
    for tpl in (ROOT / "templates").glob("*.j2"):
        assert f"xl_afbp/templates/{tpl.name}" in names
    assert "afbp_udfs/__init__.py" in names and "afbp_udfs/afbp_udfs.py" in names
    for module in (ROOT / "xl_afbp").rglob("*.py"):  # every module, so no sub-package is forgotten
        if "__pycache__" not in module.parts:
            assert module.relative_to(ROOT).as_posix() in names, module
    assert any(n.endswith("entry_points.txt") for n in names)
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "xl-afbp = xl_afbp.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()


def test_installed_wheel_runs_outside_the_source_tree(tmp_path):
    """Install the wheel into a fresh target dir and run the CLI from elsewhere."""
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "w"), "-q"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    wheel = next((tmp_path / "w").glob("*.whl"))
    target = tmp_path / "site"
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(target), str(wheel), "-q"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}
    r = subprocess.run([sys.executable, "-c", "import xl_afbp, sys; print(xl_afbp.__file__); from xl_afbp.cli import main; sys.exit(main(['spec', 'lint']))"], capture_output=True, text=True, timeout=120, cwd=tmp_path, env={**env, **{k: v for k, v in __import__('os').environ.items() if k.startswith(('VIRTUAL', 'HOME', 'LANG'))}})
    assert r.returncode == 0, r.stderr
    assert str(target) in r.stdout and "42 indicators" in r.stdout
