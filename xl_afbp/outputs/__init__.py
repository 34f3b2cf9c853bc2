"""The files of the summary folder: ``podsumowanie.xlsx`` (:mod:`.summary` over
:mod:`.sheetwriter`), the CSV tables (:mod:`.csvfiles`, the one CSV writer), the
publication ``raport.html`` / ``raport.pdf`` (:mod:`.publication`), the coordinator's
quality report ``kontrola.html`` (:mod:`.quality`), the feedback sheets (:mod:`.feedback`)
and ``benchmark-<year>.csv`` (:mod:`.benchmark`, read back by the form generator). Every
number is rounded and written by :mod:`.numbers`; every text made safe by
:mod:`xl_afbp.safetext`."""

from __future__ import annotations

from .csvfiles import write_csvs
from .feedback import write_feedback
from .publication import render_report, render_report_pdf
from .quality import render_quality
from .summary import write_workbook

__all__ = ["render_quality", "render_report", "render_report_pdf", "write_csvs", "write_feedback", "write_workbook"]
