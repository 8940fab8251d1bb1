"""The statistics table's XLSX: every figure formatted as on the page."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

from openpyxl import load_workbook

from doudi.reports.exports import table_xlsx
from doudi.reports.selectors import FIGURES, StatsTable


def test_counts_have_thousands_separators_and_amounts_two_decimals():
    figures = {k: 1045 for k in FIGURES}
    figures.update({"dibao_avg_amount": Decimal("371.64"), "expenditure_month": Decimal("160.4")})
    table = StatsTable(
        "430981000000",
        "湖南省益阳市沅江市",
        date(2026, 11, 1),
        "month",
        "2026年11月",
        datetime(2026, 12, 1, tzinfo=UTC),
    )
    table.figures = figures
    sheet = load_workbook(io.BytesIO(table_xlsx(table))).active
    formats = {sheet.cell(row=r, column=2).value: sheet.cell(row=r, column=3).number_format for r in range(6, 32)}
    assert formats["农村低保户数"] == "#,##0"
    assert formats["受理申请"] == "#,##0"
    assert formats["低保月人均补助水平"] == "#,##0.00"
    assert formats["本期支出"] == "0.0"


def _table(figures):
    table = StatsTable(
        "430981000000",
        "湖南省益阳市沅江市",
        date(2026, 9, 1),
        "quarter",
        "2026年第3季度",
        datetime(2026, 12, 1, tzinfo=UTC),
    )
    table.figures = figures
    return table


def test_no_decision_shows_no_on_time_share():
    """No application decided in the period: 按时办结率 is —, not 0.0% (as if every decision were late)."""
    from doudi.reports.exports import table_lines

    figures = {k: 0 for k in FIGURES}
    figures["decided_in_time_share"] = Decimal("0.0")
    line = next(x for x in table_lines(_table(figures)) if x[1:2] == ["按时办结率"])
    assert line[2] == "—"
    figures.update(applications_approved=3, applications_refused=1, decided_in_time_share=Decimal("75.0"))
    line = next(x for x in table_lines(_table(figures)) if x[1:2] == ["按时办结率"])
    assert line[2] == 75.0
