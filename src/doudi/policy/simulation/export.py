"""Downloads of the changed households: CSV (UTF-8 with BOM, so Excel reads the Chinese) and XLSX.

The list never holds ID numbers: household number, village, head's name, tier and amounts only.
Both are written by ``core.spreadsheets``, so a head's name typed as a formula stays text.
"""

from __future__ import annotations

import pyarrow as pa

from doudi.core import spreadsheets
from doudi.policy.simulation.summary import CHANGED_COLUMNS

AMOUNT_COLUMNS = {"amount_before", "amount_after", "difference"}


def _rows(table: pa.Table):
    names = [name for name, _ in CHANGED_COLUMNS]
    columns = [table.column(name).to_pylist() for name in names]
    return zip(*columns, strict=True) if columns and table.num_rows else iter(())


def changed_csv(table: pa.Table) -> bytes:
    """Return the list as CSV bytes with a header row of Chinese column names."""
    return spreadsheets.csv_bytes([[label for _, label in CHANGED_COLUMNS], *_rows(table)])


def changed_xlsx(table: pa.Table, *, title: str = "变化家庭") -> bytes:
    """Return the list as an XLSX workbook; amounts are numbers with two decimals."""
    book = spreadsheets.workbook()
    sheet = book.create_sheet(title[:31])
    spreadsheets.header(sheet, [label for _, label in CHANGED_COLUMNS])
    amount_positions = [i for i, (name, _) in enumerate(CHANGED_COLUMNS) if name in AMOUNT_COLUMNS]
    for row in _rows(table):
        values = list(row)
        for i in amount_positions:
            values[i] = spreadsheets.cell(sheet, float(values[i]), number_format="0.00")
        spreadsheets.append(sheet, values)
    return spreadsheets.xlsx_bytes(book)
