"""Files handed to users: the empty import template, and a batch's rejected rows with their reasons.

CSV files are written in UTF-8 with a byte-order mark, which Excel needs to show Chinese; XLSX
files format every template column as text, so Excel keeps leading zeros and all 18 digits of an
ID number.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator

from doudi.registry.imports.columns import COLUMNS, ERROR_HEADER, HEADERS, KEYS, ROW_HEADER
from doudi.registry.imports.models import ImportBatch, ImportRow, RowStatus
from doudi.registry.models import Gender, Relation

BOM = "\ufeff"
_CHOICE_LABELS = {
    "relation": {value: str(label) for value, label in Relation.choices},
    "gender": {value: str(label) for value, label in Gender.choices},
    "hukou_type": {"urban": "城镇", "rural": "农村"},
}


def template_csv() -> bytes:
    """Return the CSV template: the header row only (UTF-8 with BOM)."""
    out = io.StringIO()
    csv.writer(out).writerow(HEADERS)
    return (BOM + out.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    """Return the XLSX template: a data sheet with text-formatted columns and a sheet of instructions."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "导入数据"
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FDE8E7")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = bold
        if column.required:
            cell.fill = required_fill
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, len(column.header) * 2 + 4, min(column.max_length, 24))
        # Text format for the whole column: typed ID numbers keep all 18 digits.
        for row in range(2, 1002):
            sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    help_sheet = workbook.create_sheet("填写说明")
    help_sheet.append(["列名", "是否必填", "说明", "示例"])
    for cell in help_sheet[1]:
        cell.font = bold
    for column in COLUMNS:
        help_sheet.append([column.header, "必填" if column.required else "选填", column.help, column.example])
    help_sheet.append([])
    help_sheet.append(
        ["提示", "", "第 1 行为表头，从第 2 行起每行一名人员；同一户的成员“户编号”相同，且只有一位户主。", ""]
    )
    help_sheet.append(["提示", "", "同一文件重复导入不会产生重复记录；已登记人员的空白选填项保持原值。", ""])
    for letter, width in zip("ABCD", (18, 10, 70, 24), strict=True):
        help_sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _cells(row: ImportRow) -> list[str]:
    """Return the row's cells in template order: as the file had them, or (rejected at commit) as cleaned."""
    if row.raw:
        return [str(v) for v in row.raw] + [""] * (len(KEYS) - len(row.raw))
    values = []
    for key in KEYS:
        value = getattr(row, key, "")
        value = "" if value is None else str(value)
        values.append(_CHOICE_LABELS.get(key, {}).get(value, value))
    return values


def _reason(row: ImportRow) -> str:
    return "；".join(error["message"] for error in row.errors)


def rejected_rows(batch: ImportBatch) -> Iterator[list[str]]:
    """Yield the header, then each rejected row: original row number, its cells, the reasons."""
    yield [ROW_HEADER, *HEADERS, ERROR_HEADER]
    rows = batch.rows.filter(status=RowStatus.INVALID).order_by("row_number")
    for row in rows.iterator(chunk_size=2000):
        yield [str(row.row_number), *_cells(row), _reason(row)]


def rejected_csv(batch: ImportBatch):
    """Return a temporary file holding the rejected rows as CSV (UTF-8 with BOM)."""
    handle = tempfile.TemporaryFile(mode="w+b")  # noqa: SIM115 (handed to the response, which closes it)
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=True)
    text.write(BOM)
    csv.writer(text).writerows(rejected_rows(batch))
    text.flush()
    text.detach()
    handle.seek(0)
    return handle


def rejected_xlsx(batch: ImportBatch):
    """Return a temporary file holding the rejected rows as XLSX (written row by row, in constant memory)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("错误行")
    sheet.freeze_panes = "A2"
    rows = rejected_rows(batch)
    header = []
    for value in next(rows):
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for values in rows:
        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = "@"
            cells.append(cell)
        sheet.append(cells)
    handle = tempfile.TemporaryFile(mode="w+b")  # noqa: SIM115 (handed to the response, which closes it)
    workbook.save(handle)
    handle.seek(0)
    return handle
