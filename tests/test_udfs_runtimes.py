"""The analyst functions in their real runtimes, from exactly what ``xl-afbp udfs`` writes.

* the runtime needs only the standard library and xlwings (an import hook refuses the rest);
* the edition travels as JSON generated from the YAML, with the same spec digest;
* the written xlwings Lite ``main.py`` runs in Pyodide under Node (the npm ``pyodide``
  package, two versions, installed by ``make test``), through xlwings' own Wasm glue, with
  nothing but what the command wrote;
* the written xlwings Server project installs offline from its folder and answers
  ``/xlwings/custom-functions-call`` on 127.0.0.1.

Every result is compared with the engine evaluating the same forms directly
(:mod:`udf_calls`). Missing Node packages fail loudly: ``make test`` installs them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import sysconfig
import textwrap
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from udf_calls import cases, judge
from xl_afbp import functions_wheel
from xl_afbp.spec.load import EDITION_JSON, compiled_edition, load_spec

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(sysconfig.get_paths()["purelib"])
NODE_MODULES = ROOT / "node_modules"
PYODIDES = sorted(json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["devDependencies"])
RUNNER = ROOT / "tests" / "node" / "lite_runner.mjs"


def _package_dir(name: str) -> Path:
    import importlib.util

    return Path(next(iter(importlib.util.find_spec(name).submodule_search_locations)))


@pytest.fixture(scope="module")
def staged(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("stage")
    functions_wheel.stage(folder)
    return folder


@pytest.fixture(scope="module")
def lite_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("lite")
    r = subprocess.run([sys.executable, "-m", "xl_afbp", "udfs", "lite", "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="module")
def runtime_cases(engine):
    return cases(engine)


# ---------------------------------------------------------------------------- stdlib + xlwings
REFUSE_HOOK = textwrap.dedent(
    """
    import importlib.abc, sys
    ALLOWED = set(sys.stdlib_module_names) | {"xlwings", "xl_afbp", "afbp_udfs"}
    refused = []
    class Refuse(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in ALLOWED:
                return None
            frame = sys._getframe(1)
            while frame.f_code.co_filename.startswith("<frozen importlib"):
                frame = frame.f_back
            refused.append((name, frame.f_globals.get("__name__")))
            raise ModuleNotFoundError(name)
    sys.meta_path.insert(0, Refuse())
    """
)


def test_importing_the_runtime_needs_only_the_standard_library_and_xlwings():
    """Defect: ``import xl_afbp`` (and so ``afbp_udfs``) imported yaml at once."""
    code = REFUSE_HOOK + textwrap.dedent(
        """
        import xl_afbp, xl_afbp.engine, afbp_udfs
        ours = [r for r in refused if (r[1] or "").partition(".")[0] in ("xl_afbp", "afbp_udfs")]
        print(ours)
        """
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


@pytest.mark.parametrize("office", [False, True], ids=["plain", "office-js"])
def test_running_the_functions_needs_only_the_standard_library_and_xlwings(staged, office):
    """Every function called (good and bad arguments) with all other imports refused,
    with plain decorators and with xlwings' Office.js ones (Lite, Server)."""
    report = functions_wheel.probe(staged, office=office)
    assert report["violations"] == []
    assert report["digest"] == load_spec(2016).digest
    assert not any(m.endswith((".yaml", ".yml")) for m in report["modules"])
    modules = set(report["modules"])
    assert {"afbp_udfs/afbp_udfs.py", "xl_afbp/engine.py", "xl_afbp/spec/load.py"} <= modules
    assert not modules & {"xl_afbp/reader.py", "xl_afbp/consolidate.py", "xl_afbp/analyst.py", "xl_afbp/cli.py"}


def test_the_edition_json_is_generated_from_the_yaml_with_its_digest(tmp_path):
    text = compiled_edition(2016)
    folder = tmp_path / "afbp-2016"
    folder.mkdir()
    (folder / EDITION_JSON).write_text(text, encoding="utf-8")
    from dataclasses import replace

    yaml_spec, json_spec = load_spec(2016), load_spec(folder)
    assert json_spec.digest == yaml_spec.digest
    assert replace(json_spec, source=()) == replace(yaml_spec, source=())
    tampered = json.loads(text)
    tampered["spec"]["indicators"][0]["formula"] = "P4 / P2"
    (folder / EDITION_JSON).write_text(json.dumps(tampered), encoding="utf-8")
    from xl_afbp.spec import SpecError
    from xl_afbp.spec.load import lint_path

    spec, issues = lint_path(folder)
    assert spec is None or issues
    assert any("does not match its digest" in str(i) for i in issues)
    with pytest.raises(SpecError):
        compiled_edition(ROOT / "tests" / "editions" / "does-not-exist.yaml")


def test_the_functions_wheel(tmp_path, staged):
    path = functions_wheel.write(tmp_path)
    assert path.name == functions_wheel.wheel_filename()
    again = functions_wheel.build()
    assert again == path.read_bytes(), "the same sources must give the same bytes"
    zf = zipfile.ZipFile(path)
    names = set(zf.namelist())
    info = f"xl_afbp_functions-{path.name.split('-')[1]}.dist-info"
    metadata = zf.read(f"{info}/METADATA").decode()
    assert [line for line in metadata.splitlines() if line.startswith("Requires-Dist")] == ["Requires-Dist: xlwings>=0.33"]
    modules = {n for n in names if n.endswith(".py")}
    assert modules == set(functions_wheel.probe(staged)["modules"])
    assert f"xl_afbp/editions/afbp-2016/{EDITION_JSON}" in names and not any(n.endswith(".yaml") for n in names)
    for line in zf.read(f"{info}/RECORD").decode().splitlines():
        name, digest, size = line.rsplit(",", 2)
        if digest:
            data = zf.read(name)
            assert digest == "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert int(size) == len(data)
    assert zf.read(f"{info}/WHEEL").decode().count("Tag: py3-none-any") == 1


def test_lite_main_runs_on_the_standard_library_and_xlwings_alone(lite_dir, tmp_path):
    """CPython without site-packages (``-S``): only the written main.py and xlwings."""
    only = tmp_path / "only-xlwings"
    only.mkdir()
    (only / "xlwings").symlink_to(_package_dir("xlwings"), target_is_directory=True)
    code = textwrap.dedent(
        """
        import runpy, sys
        ns = runpy.run_path("main.py", run_name="main")
        import afbp_udfs
        print(ns["afbp_indicator"]("U05", [[1, 1000], [16, 5000]]), afbp_udfs.__file__)
        """
    )
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(only), "TMPDIR": str(tmp_path)}
    r = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, timeout=120, cwd=lite_dir, env=env)
    assert r.returncode == 0, r.stderr
    value, where = r.stdout.split()
    assert float(value) == 5.0 and where.startswith(str(tmp_path))


# ---------------------------------------------------------------------------- Pyodide (xlwings Lite)
@pytest.mark.parametrize("package", PYODIDES)
def test_lite_files_run_in_pyodide(package, lite_dir, runtime_cases):
    pyodide = NODE_MODULES / package
    assert (pyodide / "pyodide.mjs").is_file(), f"{pyodide} is missing: run `make test` (npm ci)"
    written = sorted(p.name for p in lite_dir.iterdir())
    assert written == ["main.py", "requirements.txt", functions_wheel.wheel_filename()]
    cmd = ["node", str(RUNNER), str(pyodide), str(lite_dir / "main.py"), str(_package_dir("xlwings")),
           str(_package_dir("xlwings_server") / "wasm")]
    r = subprocess.run(cmd, input=json.dumps([c.body for c in runtime_cases]), capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout)
    assert out["foreign"] == [], "Lite would have to provide these"
    names = {f["name"] for f in out["meta"]["functions"]}
    assert names == {"AFBP_INDICATOR", "AFBP_INDICATORS", "AFBP_CHECKS", "AFBP_K03_CHECK", "AFBP_K03_CHECKS", "AFBP_INFO"}
    assert len(out["results"]) == len(runtime_cases)
    for case, result in zip(runtime_cases, out["results"]):
        judge(case, result)


# ---------------------------------------------------------------------------- xlwings Server
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _http(url: str, body: dict | None = None, timeout: float = 60) -> tuple[int, str]:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "Authorization": "", "Auth-Provider": ""}
    req = urllib.request.Request(url, data=data, headers=headers, method="GET" if body is None else "POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def _officejs(call: dict) -> dict:
    import xlwings

    return {"client": "Office.js", "caller_address": "[Book1]Sheet1!B5", "session_id": "pytest", "culture_info_name": "pl-PL",
            "date_format": "dd.MM.yyyy", "version": xlwings.__version__, "runtime": "1.4", **call}


def test_server_project_installs_offline_and_answers_on_localhost(tmp_path, runtime_cases):
    project = tmp_path / "afbp-server"
    r = subprocess.run([sys.executable, "-m", "xl_afbp", "udfs", "server", str(project)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    # A fresh environment whose only extra is what the test extra installed (xlwings-server and
    # its dependencies, as `pip install xlwings-server` gives); our part comes from the folder.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "xlwings-server-from-test-extra.pth").write_text(str(SITE) + "\n", encoding="utf-8")
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-index", "-r", "requirements.txt"]
    r = subprocess.run(pip, capture_output=True, text=True, timeout=300, cwd=project)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    where = subprocess.run([python, "-c", "import afbp_udfs, xl_afbp; print(afbp_udfs.__file__); print(xl_afbp.__file__)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path).stdout.split()
    assert all(Path(w).is_relative_to(site) for w in where), where  # the wheel, not this checkout
    init = "import sys; from xlwings_server.cli import main; sys.argv = ['xlwings-server', 'init', '.']; main()"
    r = subprocess.run([python, "-c", init], capture_output=True, text=True, timeout=120, cwd=project)
    assert r.returncode == 0, r.stderr
    assert 'XLWINGS_FUNCTIONS_NAMESPACE="AFBP"' in (project / ".env").read_text(encoding="utf-8")  # init kept ours

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "XLWINGS_PROJECT_DIR": str(project)}
    env.pop("XLWINGS_ON_SERVER", None)
    server = subprocess.Popen(
        [python, "-m", "uvicorn", "xlwings_server.main:main_app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                status, text = _http(f"{base}/xlwings/custom-functions-meta", timeout=5)
                if status == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.5)
        meta = json.loads(text)
        for f in meta["functions"]:
            assert len(f["description"]) <= 255 and all(len(p["description"]) <= 255 for p in f["parameters"])
        status, manifest = _http(f"{base}/manifest")
        assert status == 200
        assert re.search(r'id="Functions.Namespace" DefaultValue="AFBP"', manifest), "the production namespace"
        for case in runtime_cases:
            status, text = _http(f"{base}/xlwings/custom-functions-call", _officejs(case.body))
            if status == 200:
                judge(case, json.loads(text)["result"])
            else:
                assert status == 400, (status, text)  # 400: no retries by the add-in, the message on the cell
                judge(case, {"error": text})
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=15)
