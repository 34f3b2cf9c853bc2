"""The CSV tables of the summary folder (text from files is never a formula: ``safe_text``)."""

from __future__ import annotations
from pathlib import Path

import pandas as pd

from ..consolidate.records import Consolidation
from ..workbook.cells import safe_text


# =============================================================================== outputs: CSV
def _csv(df: pd.DataFrame, path: Path) -> Path:
    out = df.copy()
    for c in out.columns:
        if not pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c]):
            out[c] = out[c].astype(object).map(safe_text)
    out.to_csv(path, index=False, encoding="utf-8")
    return path


def write_csvs(con: Consolidation, out: Path) -> dict[str, Path]:
    return {
        "biblioteki.csv": _csv(con.libraries, out / "biblioteki.csv"),
        "wskazniki_grupy.csv": _csv(con.group_stats, out / "wskazniki_grupy.csv"),
        "powiaty.csv": _csv(con.powiaty, out / "powiaty.csv"),
        "region.csv": _csv(con.region, out / "region.csv"),
        "kontrola.csv": _csv(con.findings, out / "kontrola.csv"),
        "import.csv": _csv(con.import_log, out / "import.csv"),
        "brakujace.csv": _csv(con.missing, out / "brakujace.csv"),
    }
