"""The statistics table in the layout of the report table: XLSX (formula-safe) and CSV."""

from __future__ import annotations

import io
from decimal import Decimal

from django.utils import timezone

from doudi.core.spreadsheets import csv_bytes, set_cell, workbook
from doudi.reports.selectors import FIGURES, StatsTable


def _value(value):
    return float(value) if isinstance(value, Decimal) else value


def table_lines(table: StatsTable) -> list[list]:
    produced = timezone.localtime(table.produced_at).strftime("%Y-%m-%d %H:%M")
    lines: list[list] = [
        ["社会救助统计表"],
        ["填报地区", f"{table.region_name}（{table.region_code}）"],
        ["统计期", table.period_label],
        ["生成时间", produced],
        ["类别", "指标", "数值", "单位"],
    ]
    lines += [[r.section, r.label, _value(r.value), r.unit] for r in table.rows]
    if not table.figures.get("applications_approved") and not table.figures.get("applications_refused"):
        # No decision in the period: no on-time share (0.0% would read as "every decision late").
        for line in lines[5:]:
            if line[1] == FIGURES["decided_in_time_share"][0]:
                line[2] = "—"
    return lines


def table_csv(table: StatsTable) -> bytes:
    return csv_bytes(table_lines(table))


def table_xlsx(table: StatsTable) -> bytes:
    book = workbook(write_only=False)
    sheet = book.active
    sheet.title = "社会救助统计表"
    for r, line in enumerate(table_lines(table), start=1):
        for c, value in enumerate(line, start=1):
            set_cell(sheet, r, c, value, bold=r in (1, 5))
    for r, row in enumerate(table.rows, start=6):
        if row.unit in ("万元", "%"):
            sheet.cell(row=r, column=3).number_format = "0.0"
        elif row.unit in ("元", "元/人·月"):
            sheet.cell(row=r, column=3).number_format = "#,##0.00"
        else:  # counts (户, 人, 件 ...) with thousands separators, as on the page (1,045, not 1045)
            sheet.cell(row=r, column=3).number_format = "#,##0"
    for col, width in zip("ABCD", (18, 26, 14, 10), strict=True):
        sheet.column_dimensions[col].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
