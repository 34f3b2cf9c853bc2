"""The analyst functions as a distribution of their own: ``xl-afbp-functions``.

The coordinator's side of xl-afbp needs pandas, openpyxl, matplotlib, calamine …; the six
Excel functions need only the standard library and xlwings. Analysts run them where a
package index has no xl-afbp and compiled packages may not exist (xlwings Lite is Pyodide
in the browser), so ``xl-afbp udfs lite`` and ``udfs server`` write this pure-Python wheel
beside their files (Lite's ``main.py`` also carries it inside, base64):

* the modules the functions actually import: computed, not listed by hand, by running
  :mod:`xl_afbp.runtime_probe` over a staging copy of the sources, with every import
  outside the standard library and xlwings refused (the build fails if our code tries one);
* each shipped edition as ``edition.json``, generated from its YAML by
  :func:`xl_afbp.spec.load.compiled_edition`, with the YAML spec's digest (checked);
* the ``.dist-info`` a wheel needs, written deterministically: the same sources give the
  same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from . import __version__
from .spec.load import EDITION_JSON, available_editions, compiled_edition, load_spec

DIST_NAME = "xl-afbp-functions"
PACKAGES = ("xl_afbp", "afbp_udfs")
REQUIRES = ("xlwings>=0.33",)
PROBE = Path(__file__).with_name("runtime_probe.py")
_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed member times: reproducible bytes


def wheel_filename(version: str = __version__) -> str:
    return f"{DIST_NAME.replace('-', '_')}-{version}-py3-none-any.whl"


def _package_dir(name: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the package {name} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def sources() -> dict[str, Path]:
    """Every Python module of the two packages, by path inside the wheel."""
    out: dict[str, Path] = {}
    for name in PACKAGES:
        root = _package_dir(name)
        for path in sorted(root.rglob("*.py")):
            if "__pycache__" not in path.parts:
                out[f"{name}/{path.relative_to(root).as_posix()}"] = path
    return out


def editions() -> dict[str, bytes]:
    """Each shipped edition as generated JSON, by path inside the wheel."""
    return {
        f"xl_afbp/editions/afbp-{year}/{EDITION_JSON}": compiled_edition(year).encode("utf-8")
        for year in available_editions()
    }


def stage(folder: Path) -> dict[str, bytes]:
    """Write the candidate files into ``folder`` (as the wheel would install them); return the editions."""
    for rel, path in sources().items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    eds = editions()
    for rel, data in eds.items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return eds


def probe(folder: Path, *, office: bool = False, timeout: float = 180) -> dict:
    """Run :mod:`xl_afbp.runtime_probe` over a staged folder; its JSON report."""
    cmd = [sys.executable, str(PROBE), str(folder)] + (["--office"] if office else [])
    env = {k: v for k, v in os.environ.items() if k not in ("XLWINGS_ON_SERVER", "PYTHONPATH", "XL_AFBP_EDITION")}
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=folder)
    if r.returncode != 0 or not r.stdout.strip():
        raise RuntimeError(f"the functions cannot run on the standard library and xlwings alone:\n{r.stdout}{r.stderr[-3000:]}")
    return json.loads(r.stdout)


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def _dist_info(version: str, files: dict[str, bytes]) -> dict[str, bytes]:
    info = f"{DIST_NAME.replace('-', '_')}-{version}.dist-info"
    metadata = "\n".join(
        [
            "Metadata-Version: 2.1",
            f"Name: {DIST_NAME}",
            f"Version: {version}",
            "Summary: The AFBP analyst functions for Excel (xlwings classic, Lite, Server): xl-afbp's engine "
            "and spec, standard library and xlwings only",
            "License: MIT",
            "Requires-Python: >=3.11",
            *(f"Requires-Dist: {r}" for r in REQUIRES),
            "",
        ]
    )
    wheel = "Wheel-Version: 1.0\nGenerator: xl-afbp (functions_wheel)\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    out = {
        f"{info}/METADATA": metadata.encode("utf-8"),
        f"{info}/WHEEL": wheel.encode("utf-8"),
        f"{info}/top_level.txt": ("\n".join(PACKAGES) + "\n").encode("utf-8"),
    }
    record = [_record_line(n, d) for n, d in sorted({**files, **out}.items())] + [f"{info}/RECORD,,"]
    out[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode("utf-8")
    return out


def wheel_bytes(files: dict[str, bytes], version: str = __version__) -> bytes:
    """A wheel holding ``files`` (path → content) plus its .dist-info; reproducible."""
    members = {**files, **_dist_info(version, files)}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, members[name])
    return buffer.getvalue()


def build() -> bytes:
    """The functions wheel, from the installed sources (see the module docstring)."""
    with tempfile.TemporaryDirectory(prefix="afbp-functions-") as tmp:
        folder = Path(tmp)
        eds = stage(folder)
        report = probe(folder)
        if report["digest"] != load_spec(report["edition"]).digest:
            raise RuntimeError("the generated edition does not have the YAML spec's digest")
        files = {rel: (folder / rel).read_bytes() for rel in report["modules"]}
        files.update(eds)
    return wheel_bytes(files)


def write(folder: str | Path) -> Path:
    """Write the wheel into ``folder``; return its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / wheel_filename()
    path.write_bytes(build())
    return path


__all__ = ["DIST_NAME", "build", "editions", "probe", "sources", "stage", "wheel_bytes", "wheel_filename", "write"]
