"""Spreadsheet oracles for the parity tests: LibreOffice headless, Gnumeric and `formulas`.

Each recalculates workbooks that hold the engine's native formulas and reports the value of
every computed defined name, to be compared with the Python evaluator.
"""

from __future__ import annotations

import math
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterable

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from xl_afbp import names
from xl_afbp.demo import libreoffice
from xl_afbp.engine import Engine
from xl_afbp.formdata import FormData
from xl_afbp.workbook.plain import input_cells, write_plain_workbook
from xl_afbp.workbook.read_names import name_targets, read_named_values


def same(py: Any, other: Any) -> bool:
    """Equal as a spreadsheet shows it: text exactly, numbers to 1e-9 relative."""
    if py is None or other is None:
        return py is None and other is None
    if isinstance(py, str) or isinstance(other, str):
        return py == other
    if isinstance(other, bool) or isinstance(py, bool):
        return bool(py) == bool(other) and type(py) is type(other)
    return math.isclose(float(py), float(other), rel_tol=1e-9, abs_tol=1e-9)


def mismatches(py: dict[str, Any], other: dict[str, Any], wanted: Iterable[str]) -> list[tuple[str, Any, Any]]:
    return [(n, py[n], other.get(n, "<missing>")) for n in wanted if not same(py[n], other.get(n))]


def libreoffice_values(engine: Engine, datas: list[FormData], workdir: Path, *, units: int) -> list[dict[str, Any]]:
    """Write one workbook per input set, recalculate all in one batched soffice call."""
    workdir.mkdir(parents=True, exist_ok=True)
    paths = [write_plain_workbook(engine, d, workdir / f"set{i:04d}.xlsx", units=units) for i, d in enumerate(datas)]
    out = libreoffice.recalculate(paths, workdir / "lo")
    wanted = [f.name for f in engine.formulas]
    return [read_named_values(out[p], wanted) for p in paths]


class FormulasOracle:
    """One compiled `formulas` model; each input set is pushed into it and recalculated."""

    def __init__(self, engine: Engine, workdir: Path, *, units: int):
        import formulas
        import schedula

        self.engine, self.units = engine, units
        self.empty = [[schedula.EMPTY]]
        spec = engine.spec
        # every input cell holds a placeholder so that the model has a node for it
        placeholder = FormData(
            items={i.nr: 1 for i in spec.numeric_items},
            services={s.nr: "TAK" for s in spec.services},
            basic={b.key: "x" for b in spec.basic},
            previous={i.nr: 1 for i in spec.numeric_items},
            k03={c.address: [1] * units for c in spec.k03_cells},
        )
        workdir.mkdir(parents=True, exist_ok=True)
        path = write_plain_workbook(engine, placeholder, workdir / "formulas_base.xlsx", units=units)
        self.book = path.name
        self.targets = name_targets(load_workbook(path))
        self.model = formulas.ExcelModel().loads(str(path)).finish()

    def _key(self, name: str, offset: int = 0) -> str:
        sheet, (c1, r1, _c2, _r2) = self.targets[name]
        return f"'[{self.book}]{sheet.upper()}'!{get_column_letter(c1 + offset)}{r1}"

    def _value(self, v: Any) -> Any:
        return self.empty if v is None or v == "" else v

    def values(self, data: FormData) -> dict[str, Any]:
        inputs: dict[str, Any] = {}
        for name, ref in input_cells(self.engine):
            inputs[self._key(name)] = self._value(data.get(ref))
        for cell in self.engine.spec.k03_cells:
            row = list(data.k03.get(cell.address, ()))
            for u in range(self.units):
                inputs[self._key(names.k03_row(cell.address), u)] = self._value(row[u] if u < len(row) else None)
        sol = self.model.calculate(inputs=inputs)
        out: dict[str, Any] = {}
        for f in self.engine.formulas:
            v = sol[self._key(f.name)].value
            while hasattr(v, "__len__") and not isinstance(v, str):
                v = v[0]
            if hasattr(v, "item"):  # numpy scalar
                v = v.item()
            out[f.name] = None if v == "" else (str(v) if type(v).__name__ == "XlError" else v)
        return out


def read_back(path: Path, engine: Engine) -> dict[str, Any]:
    return read_named_values(path, [f.name for f in engine.formulas])


GNUMERIC_HINT = "Gnumeric's ssconvert is missing: `make test` installs it (apt-get install gnumeric)"


def require_ssconvert() -> str:
    """Fail (never skip) when Gnumeric is missing: a skipped oracle proves nothing."""
    exe = shutil.which("ssconvert")
    if exe is None:
        raise AssertionError(GNUMERIC_HINT)
    return exe


def gnumeric_recalculate(paths: list[Path], outdir: Path, *, workers: int = 2) -> dict[Path, Path]:
    """Recalculate each workbook with Gnumeric (``ssconvert --recalc``) into ``outdir``.

    ssconvert takes one file per call (about 1 s for a form), so calls run two at a time.
    Its warnings about parts it does not know (e.g. workbook protection) go to stderr and
    do not matter; a missing output does.
    """
    exe = require_ssconvert()
    outdir.mkdir(parents=True, exist_ok=True)

    def one(src: Path) -> Path:
        dst = outdir / src.name
        run = subprocess.run([exe, "--recalc", str(src), str(dst)], capture_output=True, text=True, timeout=300)
        if not dst.exists():
            raise AssertionError(f"ssconvert wrote no {dst.name}: {run.stderr[-500:]}")
        return dst

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(zip(paths, pool.map(one, paths)))
