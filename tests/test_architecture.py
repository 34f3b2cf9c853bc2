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


# ---------------------------------------------------------------------------- edition knowledge
import ast  # noqa: E402
import io  # noqa: E402
import re  # noqa: E402
import tokenize  # noqa: E402

#: Files that still name edition knowledge, each being reworked on another branch right
#: now; the lead empties this list after merging them.
ALLOWED = {
    # xlwings reads the functions' argument descriptions at import, before any spec is
    # loaded: fixed Polish texts with examples of a spelling ("np. 4 albo P04")
    "udfs/afbp_udfs.py": "argument descriptions of the Excel functions (examples)",
    # demo-only: the simulator models how a library fills each item and K-03 row
    "xl_afbp/demo/simulate.py": "demo-only simulator of returned forms",
}
_K03 = re.compile(r"\bD\d{1,2}\.(?:[PW]\d|[A-Z]{2,})")  # a K-03 address: D4.W1.R5, D8.P1.KAT
_INDICATOR = re.compile(r"^(?:IND_)?[UZER]\d{2}$")  # an indicator code: U05, IND_Z01
_ITEM_TEXT = re.compile(r"\bP_?\d{1,2}(?:_\d{2})?\b")  # an item spelled in text: P4, P01, P_01, P21_05
_ITEM_CODE = re.compile(
    r"\b(?:items|previous|prev)\s*(?:\.\s*get\s*\(|\[)\s*\d+"  # data.items.get(1), items[22]
    r"|\bitem\s*\(\s*\d+\s*\)"  # names.item(13), spec.item(13)
    r"|\bnr\s*(?:==|!=)\s*\d+|\bnr\s+(?:not\s+)?in\s*[({\[]\s*\d+"  # nr == 21, nr in (1, 13)
)


def _docstring_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                lines.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return lines


def edition_literals(source: str) -> list[tuple[int, str]]:
    """(line, what) for every item number, K-03 address or indicator code named in code or
    in a string; comments and docstrings (documentation) are not code."""
    docs = _docstring_lines(ast.parse(source))
    found = []
    code_lines: dict[int, list[str]] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        line = tok.start[0]
        if tok.type == tokenize.STRING or tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
            if line in docs:
                continue
            text = tok.string
            if _K03.search(text):
                found.append((line, f"K-03 address in {text[:60]}"))
            if _INDICATOR.match(text.strip("\"'rbfu")):
                found.append((line, f"indicator code {text}"))
            if _ITEM_TEXT.search(text) and not text.lstrip("rbfu").startswith(("r'", 'r"')):
                found.append((line, f"item in {text[:60]}"))
        elif tok.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE):
            code_lines.setdefault(line, []).append(tok.string)
    for line, tokens in code_lines.items():
        if _ITEM_CODE.search(" ".join(tokens)):
            found.append((line, f"item number in code: {' '.join(tokens)[:80]}"))
    return found


def _package_files():
    for root in ("xl_afbp", "udfs"):
        for path in sorted((ROOT / root).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith(("xl_afbp/spec/", "xl_afbp/editions/")) or rel == "xl_afbp/spelling.py":  # the grammar of references
                continue
            yield rel, path


def test_no_python_file_outside_the_spec_names_edition_knowledge():
    """Edition knowledge lives in the spec: item numbers, K-03 addresses and indicator codes
    are never literals in Python (the allowlist names the files being fixed elsewhere)."""
    found = []
    for rel, path in _package_files():
        if rel in ALLOWED:
            continue
        found += [f"{rel}:{line}: {what}" for line, what in edition_literals(path.read_text(encoding="utf-8"))]
    assert found == [], "\n".join(found)


def test_the_allowlist_names_only_files_that_still_need_it():
    files = dict(_package_files())
    stale = [rel for rel in ALLOWED if rel not in files or not edition_literals(files[rel].read_text(encoding="utf-8"))]
    assert stale == [], f"remove from ALLOWED: {stale}"


def test_the_scan_finds_each_kind_of_literal():
    source = '''
"""Docs may say P01 and D4.W1.R5 and U05."""
KEY = ("U01", "Z04")  # indicator codes
ROW = "D2.P1.W1B"
LABEL = "pozycje P01–P34"
x = data.items.get(1) + names.item(13)
ok = it.nr in (1, 13)
fine = f"P{nr:02d}"  # built from the spec: no literal
'''
    kinds = sorted({what.split(" ")[0] + " " + what.split(" ")[1] for _, what in edition_literals(source)})
    lines = sorted({line for line, _ in edition_literals(source)})
    assert lines == [3, 4, 5, 6, 7], edition_literals(source)
    assert kinds
