"""The K-03, Kontrola and Wskaźniki sheets of the form (mixins of the form builder).

Methods of :class:`xl_afbp.workbook.form._Builder`, kept apart so that each module stays
small; they use the builder's helpers (``formula``, ``computed``, ``reference``,
``expression``, ``personal``, ``define_at``) and the layout (:mod:`.layout`).
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .. import completeness, names, status
from ..expr.context import excel_name
from ..spec.expand import index_expression, k03_total_expression
from . import styles as st
from .cached import Twin, compared_values_twin
from .k03_helpers import write_unit_flags
from .layout import CHECKS, HEADER_ROW, INDICATORS, K03, SUMMARY, SUMMARY_TEXTS
from .validation import add_k03_validation


class K03Sheet:
    """The K-03 sheet: one column per unit (main library, then each branch), the row's
    total as the spec says, and the flags of units holding data."""

    def k03(self) -> None:
        ws = self.wb[K03]
        sheet = self.layout.sheets[K03]
        units = self.opts.units
        more = "Jeśli filii jest więcej, napisz do koordynatora badania – przygotuje formularz z większą liczbą kolumn."
        self.title(ws, "Dane ze sprawozdania GUS K-03 (dane za rok sprawozdawczy)", f"K-03 wypełnia się osobno dla biblioteki głównej i każdej filii: każda jednostka ma swoją kolumnę (tu: biblioteka główna i {units - 1} {_filie(units - 1)}). {more} Puste pole = nie wpisano (nie zero).")
        first, total_col = self.layout.k03_first_col, self.layout.k03_total_col
        cells = {c.address: c for c in self.spec.k03_cells}
        for row in sheet.rows:
            r = row.row
            if row.kind == "header":
                self.header(ws, sheet, r)
            elif row.kind == "cell":
                c = cells[row.key]
                ws.cell(row=r, column=1, value=c.address).alignment = st.TOP
                st.label(ws.cell(row=r, column=2, value=c.label))
                fmt = st.GENERAL if c.type == "percent" else st.number_format(c.decimals)
                for u in range(units):
                    st.style_input(ws.cell(row=r, column=first + u), fmt)
                add_k03_validation(ws, f"{get_column_letter(first)}{r}:{get_column_letter(first + units - 1)}{r}", c)
                self.define_at(names.k03_row(c.address))
                self._k03_total(ws, r, total_col, c, fmt)
        flag_row = self.layout.k03_flag_row
        st.label(ws.cell(row=flag_row, column=2, value="Jednostka wypełniona (1 = tak)"), font=st.NOTE_FONT)
        st.label(ws.cell(row=flag_row + 1, column=2, value="Filie z danymi"), font=st.NOTE_FONT)
        last_row = max(r.row for r in sheet.rows if r.kind == "cell")
        write_unit_flags(self.wb, ws, first_row=HEADER_ROW + 1, last_row=last_row, first_col=first, units=units, flag_row=flag_row, total_col=total_col)
        for u in range(units):
            self._flag(ws, flag_row, first + u, lambda env, u=u: int(any(u < len(v) and v[u] not in (None, "") for v in env.data.k03.values())))
        self._flag(ws, flag_row, total_col, lambda env: env.units_with_data())
        self._flag(ws, flag_row + 1, total_col, lambda env: env.branches_with_data())
        for c in range(first, total_col + 1):
            st.style_computed(ws.cell(row=flag_row + 1, column=c))
        self.placed |= {names.UNITS_WITH_DATA, names.BRANCHES_WITH_DATA}

    def _flag(self, ws: Worksheet, r: int, c: int, twin: Twin) -> None:
        st.style_computed(ws.cell(row=r, column=c), st.COUNT)
        self.twins[(ws.title, r, c)] = twin

    def _k03_total(self, ws: Worksheet, r: int, col: int, cell_spec, fmt: str) -> None:
        """The row's total over units, as the spec's K-03 cell says (sum, max, any, none)."""
        text = k03_total_expression(cell_spec)
        if text is None:
            st.style_computed(ws.cell(row=r, column=col))
            return
        if cell_spec.total_kind == "any":
            ex = self.engine.expression_tri(text, "TAK", "NIE", "")
            self.formula(ws, r, col, ex.excel, lambda env, py=ex.py: py(env) or None)
        else:
            self.expression(ws, r, col, text, fmt)


class ChecksSheet:
    """*Kontrola*: the summary, then one table of rules and K-03 comparisons."""

    def checks(self) -> None:
        ws = self.wb[CHECKS]
        sheet = self.layout.sheets[CHECKS]
        g = sheet.grid
        self.title(ws, "Kontrola formularza", "Wszystko liczy się samo podczas wpisywania. Status „brak danych” znika, gdy uzupełnisz pola, których dotyczy kontrola.")
        labels = dict(SUMMARY)
        rules = {r.id: r for r in self.spec.rules}
        checks = {c.item: c for c in self.spec.k03_checks}
        section_titles = {"rules": "Kontrole danych (reguły logiczne i poprawność wartości)", "k03": "Porównanie z GUS K-03 (różnica nie musi być błędem – zob. objaśnienie)"}
        for row in sheet.rows:
            r = row.row
            if row.kind == "summary":
                st.label(ws.cell(row=r, column=1, value=labels[row.key]), wrap=False, font=st.BOLD)
                self._summary_cell(ws, r, row.key)
            elif row.kind == "header":
                self.header(ws, sheet, r)
            elif row.kind == "section":
                st.section_row(ws, r, section_titles[row.key], len(g.columns))
            elif row.kind == "rule":
                self._rule_row(ws, r, rules[row.key])
            elif row.kind == "k03":
                self._k03_row(ws, r, checks[row.key])
        col = get_column_letter(g.col("status"))
        st.status_colours(ws, f"{col}{HEADER_ROW + 1}:{col}{sheet.last_row}")

    def _summary_cell(self, ws: Worksheet, r: int, name: str) -> None:
        """A summary result; a long text (which fields are empty, the K-03 sheet's state)
        wraps across the table's width, its row as high as the longest text it may show."""
        g = self.layout.sheets[CHECKS].grid
        col = g.col("status")
        self.computed(name, None if name in SUMMARY_TEXTS else st.COUNT)
        if name == names.STATUS:
            st.status_colours(ws, f"{get_column_letter(col)}{r}")
        longest = _longest_summary(self.spec, name)
        if longest:
            ws.merge_cells(start_row=r, start_column=col, end_row=r, end_column=len(g.columns))
            st.label(ws.cell(row=r, column=col), font=st.DETAIL_FONT)
            self.estimates[(ws.title, r, col)] = longest

    def _rule_row(self, ws: Worksheet, r: int, rule) -> None:
        g = self.layout.sheets[CHECKS].grid
        ws.cell(row=r, column=g.col("id"), value=rule.id).alignment = st.TOP
        st.label(ws.cell(row=r, column=g.col("label"), value=rule.message))
        self.computed(names.rule(rule.id))
        ws.cell(row=r, column=g.col("severity"), value=status.FAILED[rule.severity]).alignment = st.TOP
        detail = g.col("detail")
        if rule.for_each:
            st.label(ws.cell(row=r, column=detail, value=f"każda pozycja osobno: arkusz Formularz, kolumna „{rule.short or 'Kontrola'} ({rule.id})”"), font=st.DETAIL_FONT)
        else:
            excel, twin, estimate = self._compared_values(rule.check)
            self.formula(ws, r, detail, excel, twin, estimate=estimate)
            st.label(ws.cell(row=r, column=detail), font=st.DETAIL_FONT)

    def _k03_row(self, ws: Worksheet, r: int, c) -> None:
        g = self.layout.sheets[CHECKS].grid
        fmt = self.item_format(c.item)
        ws.cell(row=r, column=g.col("id"), value=f"poz. {c.item}").alignment = st.TOP
        st.label(ws.cell(row=r, column=g.col("label"), value=self.spec.item(c.item).label))
        self.computed(names.k03_check(c.item))
        severity = status.INFO if c.kind == "info" else status.DIFFERENCE
        ws.cell(row=r, column=g.col("severity"), value=severity).alignment = st.TOP
        self.computed(names.k03_afbp(c.item), fmt)
        self.computed(names.k03_value(c.item), fmt)
        if c.upper:
            self.computed(names.k03_upper(c.item), fmt)
        st.label(ws.cell(row=r, column=g.col("detail"), value=c.explanation), font=st.DETAIL_FONT)

    def _compared_values(self, check: str) -> tuple[str, Twin, str]:
        """A display formula listing the inputs a rule compares, e.g. ``poz. 6 = 120; poz. 5 = 100``,
        its twin and the longest text it may show (for the row height)."""
        from ..expr.ast import refs

        labels = {f"B_{b.key}": b.label for b in self.spec.basic}
        parts = []
        for ref in refs(self.engine.parse(check)):
            if ref.startswith("B_"):
                label = labels.get(ref, ref)
            elif ref.startswith("PREV"):
                label = f"poz. {ref[4:]} (rok poprzedni)"
            else:
                label = "poz. " + ref[1:].replace("_", ".").replace(".0", ".")
            parts.append((label, ref))
        excel = '&"; "&'.join(f'"{label} = "&{excel_name(ref)}' for label, ref in parts) if parts else '""'
        estimate = "; ".join(f"{label} = 888 888" for label, _ in parts)
        return excel, compared_values_twin(parts), estimate


class IndicatorsSheet:
    """*Wskaźniki*: the indicators by perspective, with the group median, the index and
    its chart in forms with a benchmark."""

    def indicators(self) -> None:
        ws = self.wb[INDICATORS]
        sheet = self.layout.sheets[INDICATORS]
        g = sheet.grid
        self.title(ws, "Wskaźniki efektywności AFBP", "Wskaźniki liczą się same z danych formularza. Puste pole oznacza brak danych albo dzielenie przez zero.")
        persp = {p.id: p.label for p in self.spec.perspectives}
        for row in sheet.rows:
            r = row.row
            if row.kind == "group":
                st.label(ws.cell(row=r, column=1, value="Grupa:"), wrap=False, font=st.BOLD)
                self.personal("GROUP")
                st.label(ws.cell(row=r, column=g.col("label")), wrap=False)
            elif row.kind == "header":
                self.header(ws, sheet, r)
            elif row.kind == "section":  # in the label column: the chart shows a gap, not a name
                st.section_row(ws, r, persp[row.key], len(g.columns), text_col=g.col("label"))
            elif row.kind == "indicator":
                self._indicator(ws, r, self.spec.indicator(row.key))
        if self.opts.benchmark:
            from .chart import index_chart

            first = min(x.row for x in sheet.rows if x.kind in ("section", "indicator") and x.row > HEADER_ROW)
            index_chart(ws, index_col=g.col("index"), code_col=g.col("code"), first_row=first, last_row=sheet.last_row, header_row=HEADER_ROW, anchor=f"A{self.layout.chart_row}", widths=g.visible_widths)

    def _indicator(self, ws: Worksheet, r: int, ind) -> None:
        g = self.layout.sheets[INDICATORS].grid
        fmt = st.grouped(ind.format)
        ws.cell(row=r, column=g.col("code"), value=ind.code).alignment = st.TOP
        st.label(ws.cell(row=r, column=g.col("label"), value=ind.name))
        ws.cell(row=r, column=g.col("unit"), value=ind.unit).alignment = st.TOP
        self.computed(names.indicator(ind.code), fmt)
        if self.opts.benchmark:
            self.personal(f"BENCH_{ind.code}")
            self.define_at(names.median(ind.code))
            st.style_prefilled(ws.cell(row=r, column=g.col("median")), fmt)
            text = index_expression(self.spec, ind.code)
            if text:
                self.expression(ws, r, g.col("index"), text, st.INDEX, comparison=True)


def _longest_summary(spec, name: str) -> str | None:
    """The longest text a summary cell of running text may show (None: a short value)."""
    if name == names.MISSING:
        return completeness.SEPARATOR.join(f.label for f in completeness.required_fields(spec))
    if name == names.K03_STATE:
        return max(status.K03_EMPTY, status.k03_state(dict.fromkeys(status.K03_STATE_LABELS, 888)), key=len)
    return None


def _filie(n: int) -> str:
    if n == 1:
        return "filia"
    return "filie" if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14) else "filii"
