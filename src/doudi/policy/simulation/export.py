"""Downloads of the changed households: CSV (UTF-8 with BOM, so Excel reads the Chinese) and XLSX.

The list never holds ID numbers: household number, village, head's name, tier and amounts only.
"""

from __future__ import annotations

import csv
import io

import pyarrow as pa
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from doudi.policy.simulation.summary import CHANGED_COLUMNS

AMOUNT_COLUMNS = {"amount_before", "amount_after", "difference"}


def _rows(table: pa.Table):
    names = [name for name, _ in CHANGED_COLUMNS]
    columns = [table.column(name).to_pylist() for name in names]
    return zip(*columns, strict=True) if columns and table.num_rows else iter(())


def changed_csv(table: pa.Table) -> bytes:
    """Return the list as CSV bytes with a header row of Chinese column names."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([label for _, label in CHANGED_COLUMNS])
    writer.writerows(_rows(table))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def changed_xlsx(table: pa.Table, *, title: str = "变化家庭") -> bytes:
    """Return the list as an XLSX workbook; amounts are numbers with two decimals."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for _, label in CHANGED_COLUMNS:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    amount_positions = [i for i, (name, _) in enumerate(CHANGED_COLUMNS) if name in AMOUNT_COLUMNS]
    for row in _rows(table):
        values = list(row)
        for i in amount_positions:
            cell = WriteOnlyCell(sheet, value=float(values[i]))
            cell.number_format = "0.00"
            values[i] = cell
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
