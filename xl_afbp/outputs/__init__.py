"""The files of the summary folder: ``podsumowanie.xlsx`` (:mod:`.summary` over
:mod:`.sheetwriter`), the CSV tables (:mod:`.csvfiles`), ``raport.html`` (:mod:`.report`) and
``benchmark-<year>.csv`` (:mod:`.benchmark`, read back by the form generator)."""

from __future__ import annotations

from .csvfiles import write_csvs
from .report import render_report
from .summary import write_workbook

__all__ = ["render_report", "write_csvs", "write_workbook"]
