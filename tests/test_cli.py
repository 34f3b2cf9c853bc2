"""The command line as a user runs it: real subprocesses, exit codes, outputs, docs coverage."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "xl_afbp" / "data" / "sample_form.json"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xl_afbp.cli", *args], capture_output=True, text=True, cwd=cwd or ROOT, timeout=300)


def test_spec_lint_passes():
    r = run("spec", "lint")
    assert r.returncode == 0, r.stderr
    assert "42 indicators" in r.stdout and "26 K-03 checks" in r.stdout


def test_spec_lint_fails_with_location(tmp_path):
    bad = tmp_path / "bad.yaml"
    text = (ROOT / "tests" / "editions" / "afbp-mini.yaml").read_text(encoding="utf-8").replace('"P2 / P3"', '"P2 / Q3"')
    bad.write_text(text, encoding="utf-8")
    r = run("spec", "lint", "--spec", str(bad))
    assert r.returncode == 1
    assert re.search(r"bad\.yaml:\d+: indicators\[1\] \[SPEC003\]", r.stdout)


@pytest.mark.parametrize("what,needle", [("--items", "wypozyczenia_miedzybiblioteczne"), ("--indicators", "P16 / P1"), ("--rules", "L12"), ("--k03", "D7.P1.W1.R2"), ("--basic", "PRZEDZIAL")])
def test_spec_show_tables(what, needle):
    r = run("spec", "show", what)
    assert r.returncode == 0 and needle in r.stdout


def test_evaluate_prints_all_42_indicators():
    r = run("evaluate", str(SAMPLE))
    assert r.returncode == 0, r.stderr
    codes = re.findall(r"^([ZUER]\d\d)\s", r.stdout, re.M)
    assert len(codes) == 42
    assert "Status: OK" in r.stdout


def test_evaluate_json_schema():
    r = run("evaluate", str(SAMPLE), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert len(out["indicators"]) == 42
    assert all(v is None or isinstance(v, float) for v in out["indicators"].values())
    assert {r["id"] for r in out["rules"]} >= {"L1", "L12", "B1"}
    for rule in out["rules"]:
        assert set(rule) == {"id", "status", "message"} and rule["status"] in ("ok", "warning", "error", "no_data", "not_applicable")
    for k in out["k03"]:
        assert set(k) == {"item", "status", "afbp", "k03", "message"} and k["status"] in ("ok", "difference", "no_data", "info")
    assert out["status"] == "ok" and out["missing"] == [] and out["k03_state"].startswith("K-03: różnic: 0")


def test_evaluate_csv_input(tmp_path):
    f = tmp_path / "in.csv"
    f.write_text("key,value,value2\nP01,12500\nP04,\"50 000\"\nP22,\"10,75\"\nP03,#\nD4.W1.R5,40000,10000\n", encoding="utf-8")
    r = run("evaluate", str(f), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["indicators"]["Z01"] == 4.0 and out["indicators"]["U02"] is None


@pytest.mark.parametrize(
    "content,needle",
    [
        ('{"P04": "dużo"}', "P04: item 4 (Liczba zbiorów bibliotecznych) takes a number"),
        ('{"P05": "#"}', "P05: '#' is allowed only in items 3, 15"),
        ('{"X99": 1}', "X99: unknown key"),
        ('{"P21_13": "TAK"}', "P21_13: no such service"),
        ("[1, 2]", "one object"),
        ("{broken", "not valid JSON"),
    ],
)
def test_evaluate_bad_input_names_the_key(tmp_path, content, needle):
    f = tmp_path / "in.json"
    f.write_text(content, encoding="utf-8")
    r = run("evaluate", str(f))
    assert r.returncode == 2
    assert needle in r.stderr and "Traceback" not in r.stderr


def test_generate_reports_bad_rows_by_line_and_keeps_the_rest(tmp_path):
    rows = (ROOT / "xl_afbp" / "data" / "sample_libraries.csv").read_text(encoding="utf-8").splitlines()
    rows.insert(3, "BAD-1,Biblioteka,Gmina X,biblioteka gminy wiejskiej,zachodniopomorskie,,,,9999999,abc,0,,")
    src = tmp_path / "libs.csv"
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    r = run("generate", "--libraries", str(src), "--out", str(tmp_path / "out"), "--quiet")
    assert r.returncode == 1
    assert f"{src}:4: skipped" in r.stdout
    assert len(list((tmp_path / "out").glob("*.xlsx"))) == len(rows) - 2


def test_generate_blank_form(tmp_path):
    r = run("generate", "--year", "2016", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "afbp-2016-formularz.xlsx").exists()


def test_usage_errors_exit_2(tmp_path):
    assert run("generate", "--libraries", str(tmp_path / "nope.csv")).returncode == 2
    assert run("nonsense").returncode == 2


def test_every_cli_command_is_documented():
    """Each sub-command (and sub-sub-command) appears in docs/cli.md and the README mentions the two set-up commands."""
    from xl_afbp.cli import build_parser

    parser = build_parser()
    docs = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, p in sub.choices.items():
        assert f"xl-afbp {name}" in docs, f"xl-afbp {name} is not in docs/cli.md"
        for action in p._actions:
            if action.__class__.__name__ == "_SubParsersAction":
                for subname in action.choices:
                    assert f"xl-afbp {name} {subname}" in docs, f"xl-afbp {name} {subname} is not in docs/cli.md"
            for opt in action.option_strings:
                if opt.startswith("--") and opt not in ("--help", "--debug"):
                    assert opt in docs, f"{opt} of xl-afbp {name} is not in docs/cli.md"
    assert "make demo" in readme and "make test" in readme
