"""Files handed to users: the empty import template, and a batch's rejected rows with their reasons.

CSV files are written in UTF-8 with a byte-order mark, which Excel needs to show Chinese; XLSX
files format every template column as text, so Excel keeps leading zeros and all 18 digits of an
ID number. Both go through ``core.spreadsheets``: a rejected cell typed as a formula comes back as text.
"""

from __future__ import annotations

from collections.abc import Iterator

from doudi.core import spreadsheets
from doudi.registry.imports.caseload_columns import (
    EVIDENCE,
    EVIDENCE_EXAMPLES,
    EVIDENCE_TYPE_LABELS,
    EVIDENCE_USAGE,
    ROSTER,
    ROSTER_EXAMPLE,
)
from doudi.registry.imports.columns import COLUMNS, ERROR_HEADER, EXAMPLE_ROW, HEADERS, KEYS, ROW_HEADER
from doudi.registry.imports.models import ImportBatch, ImportKind, ImportRow, RowStatus
from doudi.registry.models import Gender, Relation

_CHOICE_LABELS = {
    "relation": {value: str(label) for value, label in Relation.choices},
    "gender": {value: str(label) for value, label in Gender.choices},
    "hukou_type": {"urban": "城镇", "rural": "农村"},
}


TEMPLATE_NAMES = {
    ImportKind.PERSONS: "家庭人员导入模板",
    ImportKind.EVIDENCE: "家庭证据导入模板",
    ImportKind.ROSTER: "在保对象名册导入模板",
}


def template_csv(kind: str = ImportKind.PERSONS) -> bytes:
    """Return the CSV template: the header row and example rows (UTF-8 with BOM).

    The CSV has no room for a sheet of instructions, so the example rows show how each column is
    filled; an upload that still contains them is refused on those rows, naming them.
    """
    if kind == ImportKind.EVIDENCE:
        return spreadsheets.csv_bytes([EVIDENCE.headers, *EVIDENCE_EXAMPLES])
    if kind == ImportKind.ROSTER:
        return spreadsheets.csv_bytes([ROSTER.headers, ROSTER_EXAMPLE])
    return spreadsheets.csv_bytes([HEADERS, EXAMPLE_ROW])


def _caseload_xlsx(kind: str) -> bytes:
    """The evidence or roster template: a data sheet holding the example rows, and the instructions."""
    from openpyxl.utils import get_column_letter

    spec, examples = (EVIDENCE, EVIDENCE_EXAMPLES) if kind == ImportKind.EVIDENCE else (ROSTER, (ROSTER_EXAMPLE,))
    book = spreadsheets.workbook(write_only=False)
    sheet = book.active
    sheet.title = "导入数据"
    spreadsheets.header(sheet, spec.headers, fills=["FDE8E7" if c.required else None for c in spec.columns])
    for row in examples:
        spreadsheets.append(sheet, list(row), number_format="@")
    for index, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, len(column.header) * 2 + 4, min(column.max_length, 24))
        for row in range(2, 1002):
            sheet.cell(row=row, column=index).number_format = "@"
    help_sheet = book.create_sheet("填写说明")
    spreadsheets.header(help_sheet, ["列名", "是否必填", "说明", "示例"])
    help_sheet.freeze_panes = None
    for column in spec.columns:
        spreadsheets.append(
            help_sheet, [column.header, "必填" if column.required else "选填", column.help, column.example]
        )
    help_sheet.append([])
    if kind == ImportKind.EVIDENCE:
        for code, usage in EVIDENCE_USAGE.items():
            spreadsheets.append(help_sheet, [EVIDENCE_TYPE_LABELS[code], "", usage, ""])
        tips = (
            "“导入数据”中的示例行（张三）须删除后再上传；每行一条证据，人员须已登记。",
            "同一文件重复导入不会产生重复记录：与已登记证据完全相同的行不会再写入。",
        )
    else:
        tips = (
            "“导入数据”中的示例行（张三）须删除后再上传；每行一人一个项目，按户保障的项目（低保等）每户一行，填领取人。",
            "导入后标记为“迁移导入”，不产生审批流程；名册金额与系统测算不一致的，照名册导入并列入“迁移导入金额与测算不一致”清单供核对。",
            "已在保的人员不会重复纳入：与已登记完全相同的行视为无变化，不同的行报错。",
        )
    for tip in tips:
        spreadsheets.append(help_sheet, ["提示", "", tip, ""])
    for letter, width in zip("ABCD", (18, 10, 90, 24), strict=True):
        help_sheet.column_dimensions[letter].width = width
    return spreadsheets.xlsx_bytes(book)


def template_xlsx(kind: str = ImportKind.PERSONS) -> bytes:
    """Return the XLSX template: a data sheet with text-formatted columns and a sheet of instructions."""
    from openpyxl.utils import get_column_letter

    if kind != ImportKind.PERSONS:
        return _caseload_xlsx(kind)

    book = spreadsheets.workbook(write_only=False)
    sheet = book.active
    sheet.title = "导入数据"
    spreadsheets.header(sheet, HEADERS, fills=["FDE8E7" if column.required else None for column in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, len(column.header) * 2 + 4, min(column.max_length, 24))
        # Text format for the whole column: typed ID numbers keep all 18 digits.
        for row in range(2, 1002):
            sheet.cell(row=row, column=index).number_format = "@"
    help_sheet = book.create_sheet("填写说明")
    spreadsheets.header(help_sheet, ["列名", "是否必填", "说明", "示例"])
    help_sheet.freeze_panes = None
    for column in COLUMNS:
        spreadsheets.append(
            help_sheet, [column.header, "必填" if column.required else "选填", column.help, column.example]
        )
    help_sheet.append([])
    spreadsheets.append(
        help_sheet,
        ["提示", "", "第 1 行为表头，从第 2 行起每行一名人员；同一户的成员“户编号”相同，且只有一位户主。", ""],
    )
    spreadsheets.append(
        help_sheet, ["提示", "", "同一文件重复导入不会产生重复记录；已登记人员的空白选填项保持原值。", ""]
    )
    for letter, width in zip("ABCD", (18, 10, 70, 24), strict=True):
        help_sheet.column_dimensions[letter].width = width
    return spreadsheets.xlsx_bytes(book)


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
    spec = {ImportKind.EVIDENCE: EVIDENCE, ImportKind.ROSTER: ROSTER}.get(batch.kind)
    yield [ROW_HEADER, *(spec.headers if spec else HEADERS), ERROR_HEADER]
    rows = batch.rows.filter(status=RowStatus.INVALID).order_by("row_number")
    for row in rows.iterator(chunk_size=2000):
        cells = [str(v) for v in row.raw] if spec else _cells(row)
        yield [str(row.row_number), *cells, _reason(row)]


def rejected_csv(batch: ImportBatch):
    """Return a temporary file holding the rejected rows as CSV (UTF-8 with BOM)."""
    return spreadsheets.csv_file(rejected_rows(batch))


def rejected_xlsx(batch: ImportBatch):
    """Return a temporary file holding the rejected rows as XLSX (written row by row, in constant memory)."""
    book = spreadsheets.workbook()
    sheet = book.create_sheet("错误行")
    rows = rejected_rows(batch)
    spreadsheets.header(sheet, next(rows))
    for values in rows:
        spreadsheets.append(sheet, values, number_format="@")
    return spreadsheets.xlsx_file(book)
