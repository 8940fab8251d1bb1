"""Reading an uploaded file into columns of text, whatever Excel or WPS saved.

CSV is accepted in UTF-8 (with or without the byte-order mark Excel writes for "CSV UTF-8") and in
GBK/GB18030 (what Excel in China writes for plain "CSV"); the encoding is detected, not asked.
XLSX is read with openpyxl in read-only mode. Either way the result is a ``pyarrow.Table`` with one
text column per template column (absent optional columns are empty) and the spreadsheet row number
of each record, so every later message can say "第 N 行" as the user sees it in Excel.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv as pacsv

from doudi.core.errors import DomainError
from doudi.registry.imports.columns import BY_HEADER, COLUMNS, HEADERS, KEYS, REQUIRED_HEADERS, normalize_header
from doudi.registry.imports.errors import ImportErrorCode

MAX_ROWS = 500_000
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 .xls and WPS .et


@dataclass
class ParsedFile:
    table: pa.Table  # one string column per key in ``columns.KEYS``
    row_numbers: np.ndarray  # spreadsheet row of each record (the header is row 1)
    encoding: str = ""
    ignored_headers: list[str] = field(default_factory=list)
    # Problems found while reading a cell, by record index: [(header, message)]
    cell_errors: dict[int, list[tuple[str, str]]] = field(default_factory=dict)


def file_error(message: str) -> DomainError:
    return DomainError(ImportErrorCode.FILE_INVALID, message, {"field": "file"})


def detect_format(name: str, head: bytes) -> str:
    """Return "csv" or "xlsx" from the file name and its first bytes; refuse anything else."""
    lowered = name.lower()
    if head.startswith(OLE_MAGIC):
        raise file_error(
            "不支持 Excel 97-2003（.xls）或 WPS（.et）格式：请在 Excel/WPS 中“另存为” .xlsx 或 CSV 后上传。"
        )
    if head.startswith(XLSX_MAGIC):
        if lowered.endswith((".xlsx", ".xlsm")):
            return "xlsx"
        raise file_error(f"文件“{name}”不是 CSV 或 XLSX 文件：请上传 .csv 或 .xlsx 文件（可先下载导入模板）。")
    if lowered.endswith((".csv", ".txt")):
        if b"\x00" in head[:4096] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise file_error(f"文件“{name}”不是文本格式的 CSV 文件。")
        return "csv"
    if lowered.endswith((".xlsx", ".xlsm")):
        raise file_error(f"文件“{name}”已损坏或不是真正的 XLSX 文件：请用 Excel 重新保存后上传。")
    raise file_error(f"文件类型不支持：“{name}”。请上传 .csv 或 .xlsx 文件（可先下载导入模板）。")


def decode_csv(data: bytes) -> tuple[str, str]:
    """Return (text, encoding label): UTF-8 with BOM, UTF-8, or GB18030 (a superset of GBK)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise file_error(
            "文件是 UTF-16 编码（Excel 的“Unicode 文本”）：请另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后上传。"
        )
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "UTF-8（带 BOM）"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "GBK/GB18030"
    except UnicodeDecodeError as exc:
        raise file_error(
            f"无法识别文件编码（第 {exc.start} 字节附近）：请另存为“CSV UTF-8（逗号分隔）”或 GBK 编码的 CSV，或 .xlsx。"
        ) from None


def _map_headers(raw_headers: list[str]) -> tuple[dict[str, int], list[str]]:
    """Return {key: position} for the template columns found, and the headers that were ignored."""
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for position, cell in enumerate(raw_headers):
        name = normalize_header(cell)
        column = BY_HEADER.get(name)
        if column is None:
            if name:
                ignored.append(str(cell).strip())
            continue
        if column.key in positions:
            raise file_error(
                f"表头“{column.header}”出现了两次（第 {positions[column.key] + 1} 列和第 {position + 1} 列）。"
            )
        positions[column.key] = position
    missing = [h for h in REQUIRED_HEADERS if BY_HEADER[h].key not in positions]
    if missing:
        if not positions:
            raise file_error(
                "第 1 行应为表头，但没有找到任何模板列（如“户编号”“姓名”“公民身份号码”）："
                "请使用导入模板，或检查第 1 行是否为表头。"
            )
        raise file_error(f"缺少必填列：{'、'.join(missing)}。表头须与模板一致（模板列：{'、'.join(HEADERS)}）。")
    return positions, ignored


def _assemble(columns: dict[str, pa.Array], row_numbers: np.ndarray, length: int) -> tuple[pa.Table, np.ndarray]:
    """Fill absent columns with "", drop rows where every cell is blank, and check the row count."""
    empty = pa.array([""] * length, pa.string()) if length else pa.array([], pa.string())
    arrays = [columns.get(key, empty) for key in KEYS]
    table = pa.table(arrays, names=list(KEYS))
    if length:
        blank = None
        for array in arrays:
            is_blank = pc.equal(pc.utf8_trim_whitespace(array), "")
            blank = is_blank if blank is None else pc.and_(blank, is_blank)
        keep = pc.invert(blank)
        if not pc.all(keep).as_py():
            row_numbers = row_numbers[keep.to_numpy(zero_copy_only=False)]
            table = table.filter(keep)
    if table.num_rows == 0:
        raise file_error("文件中没有数据行：第 1 行为表头，从第 2 行起每行填写一名人员。")
    if table.num_rows > MAX_ROWS:
        raise file_error(f"文件共 {table.num_rows} 行，超过单次导入上限 {MAX_ROWS} 行：请拆分为多个文件。")
    return table, row_numbers


def read_csv(data: bytes) -> ParsedFile:
    """Parse CSV bytes (encoding detected) into a ParsedFile."""
    text, encoding = decode_csv(data)
    if not text.strip():
        raise file_error("文件是空的：请在导入模板中填写数据后上传。")
    first_line = text.split("\n", 1)[0]
    raw_headers = next(csv.reader(io.StringIO(first_line)), [])
    positions, ignored = _map_headers(raw_headers)
    # Valid UTF-8 goes to the parser as it came (without the BOM); only GBK needs re-encoding.
    if encoding == "UTF-8（带 BOM）":
        utf8 = data[3:]
    elif encoding == "UTF-8":
        utf8 = data
    else:
        utf8 = text.encode("utf-8")
    try:
        columns, length = _read_csv_arrow(utf8, len(raw_headers), positions)
    except (pa.ArrowInvalid, ValueError):
        # Ragged rows (a short line, a stray comma): the slower reader pads and reports them.
        columns, length = _read_csv_python(text, positions)
    table, row_numbers = _assemble(columns, np.arange(2, length + 2, dtype=np.int64), length)
    return ParsedFile(table=table, row_numbers=row_numbers, encoding=encoding, ignored_headers=ignored)


def _read_csv_arrow(utf8: bytes, width: int, positions: dict[str, int]) -> tuple[dict[str, pa.Array], int]:
    names = [f"c{i}" for i in range(width)]
    table = pacsv.read_csv(
        io.BytesIO(utf8),
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=8 << 20),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, strings_can_be_null=False, quoted_strings_can_be_null=False
        ),
    )
    columns = {key: table.column(pos).combine_chunks() for key, pos in positions.items()}
    return columns, table.num_rows


def _read_csv_python(text: str, positions: dict[str, int]) -> tuple[dict[str, pa.Array], int]:
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader, None)
    values: dict[str, list[str]] = {key: [] for key in positions}
    length = 0
    for record in reader:
        length += 1
        for key, pos in positions.items():
            values[key].append(record[pos] if pos < len(record) else "")
    return {key: pa.array(v, pa.string()) for key, v in values.items()}, length


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return f"{value:.0f}"
    return str(value)


def read_xlsx(source, *, progress: Callable[[int], None] | None = None) -> ParsedFile:
    """Parse the first worksheet of an XLSX file (a path or a binary file object)."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or fake file
        raise file_error("无法读取 XLSX 文件：文件已损坏或不是 Excel 工作簿，请用 Excel 重新保存后上传。") from exc
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header_row = next(rows, None)
        if header_row is None:
            raise file_error("文件是空的：请在导入模板中填写数据后上传。")
        positions, ignored = _map_headers([_cell_text(v) for v in header_row])
        id_position = positions["id_number"]
        values: dict[str, list[str]] = {key: [] for key in positions}
        cell_errors: dict[int, list[tuple[str, str]]] = {}
        index = 0
        for index, record in enumerate(rows):
            width = len(record)
            for key, pos in positions.items():
                values[key].append(_cell_text(record[pos]) if pos < width else "")
            if id_position < width and isinstance(record[id_position], float) and record[id_position] >= 1e15:
                cell_errors[index] = [
                    ("公民身份号码", "Excel 将其保存成了数字，后几位已丢失：请把该列设为“文本”格式后重新填写。")
                ]
            if progress and index % 10_000 == 0:
                progress(index)
        length = len(values["id_number"])
    finally:
        workbook.close()
    columns = {key: pa.array(v, pa.string()) for key, v in values.items()}
    row_numbers = np.arange(2, length + 2, dtype=np.int64)
    table, kept_rows = _assemble(columns, row_numbers, length)
    if len(kept_rows) != length and cell_errors:
        # Re-key cell errors to the records that survived the blank-row filter.
        position_of = {int(r): i for i, r in enumerate(kept_rows)}
        cell_errors = {position_of[i + 2]: e for i, e in cell_errors.items() if i + 2 in position_of}
    return ParsedFile(table=table, row_numbers=kept_rows, encoding="", ignored_headers=ignored, cell_errors=cell_errors)


def read_file(fmt: str, data: bytes, *, progress: Callable[[int], None] | None = None) -> ParsedFile:
    if fmt == "xlsx":
        return read_xlsx(io.BytesIO(data), progress=progress)
    return read_csv(data)


__all__ = ["COLUMNS", "ParsedFile", "decode_csv", "detect_format", "read_csv", "read_file", "read_xlsx"]
