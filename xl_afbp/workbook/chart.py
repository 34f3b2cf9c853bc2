"""The benchmark chart of *Wskaźniki*: each indicator as an index of its group's median.

Written for Excel's reading of the chart XML, which LibreOffice's tests do not see:
- both axes say ``<c:delete val="0"/>``: an axis without it may be drawn hidden;
- a horizontal bar chart draws its first category at the bottom; the category axis runs
  ``maxMin`` so the indicators read top to bottom as in the table, and the value axis then
  crosses at the maximum category so that it stays at the bottom;
- every category label is shown (``tickLblSkip`` 1), in a font small enough to fit; the
  labels are a string reference (codes are text).
"""

from __future__ import annotations

from openpyxl.chart import BarChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.chart.text import RichText
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties
from openpyxl.worksheet.worksheet import Worksheet

from .metrics import column_px

LABEL_PT = 9
CENTIPOINTS = 100  # DrawingML font sizes are in hundredths of a point


def _font(size: float) -> RichText:
    props = CharacterProperties(sz=int(size * CENTIPOINTS))
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=props), endParaRPr=props, r=[])])


def index_chart(ws: Worksheet, *, index_col: int, code_col: int, first_row: int, last_row: int, header_row: int, anchor: str, widths) -> BarChart:
    """A bar per row from ``first_row`` to ``last_row`` (section rows stay empty gaps)."""
    chart = BarChart()
    chart.type = "bar"
    chart.style = 10
    chart.title = "Wskaźniki biblioteki jako indeks (mediana grupy = 100)"
    chart.legend = None
    chart.gapWidth = 40
    chart.add_data(Reference(ws, min_col=index_col, min_row=header_row, max_row=last_row), titles_from_data=True)
    codes = Reference(ws, min_col=code_col, min_row=first_row, max_row=last_row)
    chart.series[0].cat = AxDataSource(strRef=StrRef(f=str(codes)))  # text labels: a string reference
    cat, val = chart.x_axis, chart.y_axis
    cat.delete = False
    val.delete = False
    cat.scaling.orientation = "maxMin"
    val.crosses = "max"
    val.axPos = "b"
    cat.tickLblSkip = 1
    cat.tickMarkSkip = 1
    cat.txPr = _font(LABEL_PT)
    val.txPr = _font(LABEL_PT)
    val.title = "indeks (mediana grupy = 100)"
    rows = last_row - first_row + 1
    chart.width = sum(column_px(w) for w in widths) / 96 * 2.54 * 0.95  # cm
    chart.height = max(8.0, rows * 0.42 + 3)
    ws.add_chart(chart, anchor)
    return chart
