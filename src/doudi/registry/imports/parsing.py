"""Reading an uploaded file into columns of text, whatever Excel or WPS saved.

CSV is accepted in UTF-8 (with or without the byte-order mark Excel writes for "CSV UTF-8") and in
GBK/GB18030 (what Excel in China writes for plain "CSV"); the encoding is detected, not asked.
XLSX is read with openpyxl in read-only mode. Either way the result is a ``pyarrow.Table`` with one
text column per template column (absent optional columns are empty) and the spreadsheet row number
of each record, so every later message can say "第 N 行" as the user sees it in Excel.

A file is read as a stream, in blocks of rows, and reading stops as soon as the row cap is passed:
the worker's memory grows with the rows kept (at most ``MAX_ROWS``), not with the size the file
claims. An XLSX file is a zip archive whose parts may expand a thousandfold, so the sizes its
directory declares are checked before any part is opened (Python's ``zipfile`` never inflates a
part beyond its declared size, so the check cannot be lied to).
"""

from __future__ import annotations

import codecs
import csv
import io
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from pyarrow import csv as pacsv

from doudi.core.errors import DomainError
from doudi.registry.imports.columns import COLUMNS, PERSONS, ColumnSet, normalize_header
from doudi.registry.imports.errors import ImportErrorCode

MAX_ROWS = 500_000
# Rows read, blank or not: the most a worksheet can have in Excel. A hostile sheet may claim row 10⁹.
MAX_SCANNED_ROWS = 1_048_576
# Header cells looked at in row 1; a template has a dozen columns.
MAX_HEADER_COLUMNS = 256
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 .xls and WPS .et

# Limits of an XLSX archive, read from the settings at each import (the defaults admit a full
# 500,000-row template with a unique name, ID number, address and account in every row).
XLSX_LIMIT_DEFAULTS = {
    # The sum of the declared uncompressed sizes of all parts.
    "DOUDI_IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES": 512 * 1024 * 1024,
    # sharedStrings.xml is loaded whole into memory by every XLSX reader.
    "DOUDI_IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES": 128 * 1024 * 1024,
    # Uncompressed / compressed, for parts of more than 1 MB; worksheets of real data stay below 30.
    "DOUDI_IMPORT_XLSX_MAX_RATIO": 100,
    "DOUDI_IMPORT_XLSX_MAX_PARTS": 1000,
}
_RATIO_FLOOR = 1024 * 1024
_BLOCK_ROWS = 20_000  # rows converted to Arrow at a time (Python strings are ~10× larger than Arrow's)
_CSV_BLOCK_BYTES = 4 << 20

NUL_MESSAGE = "含有空字符（NUL，一种不可见的控制字符），文件可能已损坏：请删除该字符或重新导出文件后上传。"


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


def _too_many_rows() -> DomainError:
    return file_error(f"文件超过单次导入上限 {MAX_ROWS:,} 行（不含表头和空行）：请拆分为多个文件后分批上传。")


def detect_format(name: str, head: bytes) -> str:
    """Return "csv" or "xlsx" from the file name and its first bytes; refuse anything else."""
    lowered = name.lower()
    if len(name) > 60:  # named in messages, shortened: the start and the extension tell the user which file
        name = f"{name[:40]}…{name[-15:]}"
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


# --- encodings ------------------------------------------------------------------------------------------

UTF8_BOM_LABEL = "UTF-8（带 BOM）"


def _utf16_error() -> DomainError:
    return file_error("文件是 UTF-16 编码（Excel 的“Unicode 文本”）：请另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后上传。")


def _undecodable(position: int) -> DomainError:
    return file_error(
        f"无法识别文件编码（第 {position} 字节附近）：请另存为“CSV UTF-8（逗号分隔）”或 GBK 编码的 CSV，或 .xlsx。"
    )


def decode_csv(data: bytes) -> tuple[str, str]:
    """Return (text, encoding label): UTF-8 with BOM, UTF-8, or GB18030 (a superset of GBK)."""
    encoding, start, _ = detect_encoding(io.BytesIO(data))
    return data[start:].decode("utf-8" if encoding.startswith("UTF-8") else "gb18030"), encoding


def detect_encoding(stream: BinaryIO) -> tuple[str, int, bool]:
    """Return (encoding label, offset where the text starts, whether any non-blank text exists).

    The whole stream is decoded in blocks of 1 MB, so a 50 MB file needs 1 MB of memory.
    """
    stream.seek(0)
    head = stream.read(4)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _utf16_error()
    attempts = [("UTF-8", "utf-8", 0)]
    if head.startswith(codecs.BOM_UTF8):
        attempts.insert(0, (UTF8_BOM_LABEL, "utf-8", 3))
    attempts.append(("GBK/GB18030", "gb18030", 0))
    for label, codec, start in attempts:
        decoder = codecs.getincrementaldecoder(codec)()
        stream.seek(start)
        position, nonblank = start, False
        try:
            while chunk := stream.read(1 << 20):
                text = decoder.decode(chunk)
                nonblank = nonblank or bool(text.strip())
                position += len(chunk)
            nonblank = bool(decoder.decode(b"", final=True).strip()) or nonblank
        except UnicodeDecodeError as exc:
            if codec == "gb18030":
                raise _undecodable(position + max(exc.start, 0)) from None
            continue
        return label, start, nonblank
    raise _undecodable(0)  # pragma: no cover (GB18030 either decodes or raises above)


# --- headers and blocks of rows -------------------------------------------------------------------------


def _map_headers(raw_headers: list[str], spec: ColumnSet = PERSONS) -> tuple[dict[str, int], list[str]]:
    """Return {key: position} for the template columns found, and the headers that were ignored."""
    by_header = spec.by_header
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for position, cell in enumerate(raw_headers):
        name = normalize_header(cell)
        column = by_header.get(name)
        if column is None:
            if name:
                ignored.append(str(cell).strip()[:50])
            continue
        if column.key in positions:
            raise file_error(
                f"表头“{column.header}”出现了两次（第 {positions[column.key] + 1} 列和第 {position + 1} 列）。"
            )
        positions[column.key] = position
    missing = [h for h in spec.required_headers if by_header[h].key not in positions]
    if missing:
        if not positions:
            raise file_error(
                "第 1 行应为表头，但没有找到任何模板列（如“户编号”“姓名”“公民身份号码”）："
                "请使用导入模板，或检查第 1 行是否为表头。"
            )
        raise file_error(f"缺少必填列：{'、'.join(missing)}。表头须与模板一致（模板列：{'、'.join(spec.headers)}）。")
    return positions, ignored


class _Collector:
    """Keep the non-blank rows of each block, count them against the cap, and note cells with NUL."""

    def __init__(self, keys, spec: ColumnSet = PERSONS) -> None:
        self.keys = list(keys)
        self.spec = spec
        self.chunks: dict[str, list[pa.Array]] = {key: [] for key in self.keys}
        self.row_numbers: list[np.ndarray] = []
        self.kept = 0
        self.cell_errors: dict[int, list[tuple[str, str]]] = {}

    def add(
        self,
        columns: dict[str, pa.Array],
        row_numbers: np.ndarray,
        cell_errors: dict[int, tuple[str, str]] | None = None,
    ) -> None:
        """Add a block: ``columns`` by key (all of ``self.keys``), ``row_numbers`` of its records, and
        problems already found in its cells by row number."""
        if not len(row_numbers):
            return
        blank = None
        for key in self.keys:
            is_blank = pc.equal(pc.utf8_trim_whitespace(columns[key]), "")
            blank = is_blank if blank is None else pc.and_(blank, is_blank)
        if blank is not None and pc.any(blank).as_py():
            keep = pc.invert(blank)
            row_numbers = row_numbers[keep.to_numpy(zero_copy_only=False)]
            columns = {key: columns[key].filter(keep) for key in self.keys}
        if self.kept + len(row_numbers) > MAX_ROWS:
            raise _too_many_rows()
        for key in self.keys:
            array = columns[key]
            # PostgreSQL stores no NUL in text: the cell is cleared and its row refused with a reason.
            has_nul = pc.match_substring(array, "\x00")
            if pc.any(has_nul).as_py():
                for i in np.flatnonzero(has_nul.to_numpy(zero_copy_only=False)):
                    self.cell_errors.setdefault(self.kept + int(i), []).append(
                        (self.spec.by_key[key].header, NUL_MESSAGE)
                    )
                array = pc.replace_substring(array, "\x00", "")
            self.chunks[key].append(array)
        if cell_errors:
            for i in np.flatnonzero(np.isin(row_numbers, np.fromiter(cell_errors, np.int64))):
                self.cell_errors.setdefault(self.kept + int(i), []).append(cell_errors[int(row_numbers[i])])
        self.row_numbers.append(row_numbers)
        self.kept += len(row_numbers)

    def result(self, *, encoding: str, ignored: list[str]) -> ParsedFile:
        if self.kept == 0:
            raise file_error("文件中没有数据行：第 1 行为表头，从第 2 行起每行填写一名人员。")
        arrays = []
        keys = self.spec.keys
        for key in keys:
            if key in self.chunks:
                arrays.append(pa.chunked_array(self.chunks[key], pa.string()).combine_chunks())
            else:
                arrays.append(pa.repeat(pa.scalar("", pa.string()), self.kept))
        table = pa.table(arrays, names=list(keys))
        return ParsedFile(
            table=table,
            row_numbers=np.concatenate(self.row_numbers).astype(np.int64),
            encoding=encoding,
            ignored_headers=ignored,
            cell_errors=self.cell_errors,
        )


# --- CSV ------------------------------------------------------------------------------------------------


def _as_stream(source) -> BinaryIO:
    return io.BytesIO(source) if isinstance(source, bytes | bytearray | memoryview) else source


def read_csv(source, *, progress: Callable[[int], None] | None = None, spec: ColumnSet = PERSONS) -> ParsedFile:
    """Parse a CSV file (bytes or a seekable binary file; encoding detected) into a ParsedFile."""
    stream = _as_stream(source)
    encoding, start, nonblank = detect_encoding(stream)
    if not nonblank:
        raise file_error("文件是空的：请在导入模板中填写数据后上传。")
    codec = "gb18030" if encoding == "GBK/GB18030" else "utf-8"
    stream.seek(start)
    first = stream.read(1 << 20).split(b"\n", 1)[0]
    raw_headers = next(csv.reader([first.decode(codec, errors="replace").rstrip("\r")]), [])
    positions, ignored = _map_headers(raw_headers, spec)
    try:
        collector = _read_csv_arrow(stream, start, codec, len(raw_headers), positions, progress, spec)
    except (pa.ArrowInvalid, ValueError):
        # Ragged rows (a short line, a stray comma): the slower reader pads and reports them.
        collector = _read_csv_python(stream, start, codec, positions, progress, spec)
    return collector.result(encoding=encoding, ignored=ignored)


class _PrivateCursor:
    """The caller's stream as Arrow reads it: at a position of its own, and cut off by ``detach()``.

    Arrow's streaming CSV reader reads ahead on a thread of its own (up to 32 blocks). When the first
    block fails (a ragged row) the exception reaches us while those reads go on, and the Python reader
    that takes over would share the stream's position with them: under load it silently skipped
    megabytes of the file. Every read here seeks to this cursor's own position, under a lock, and once
    detached the reads Arrow still has queued get end-of-file without touching the stream.
    """

    def __init__(self, stream: BinaryIO, start: int):
        self._stream = stream
        self._position = start
        self._lock = threading.Lock()
        self._detached = False
        self.closed = False

    def read(self, size: int = -1) -> bytes:
        with self._lock:
            if self._detached:
                return b""
            self._stream.seek(self._position)
            data = self._stream.read(size)
            self._position += len(data)
            return data

    def tell(self) -> int:
        return self._position

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def writable(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True

    def detach(self) -> None:
        """Wait for a read in flight, then answer every later one with end-of-file."""
        with self._lock:
            self._detached = True


def _read_csv_arrow(stream, start, codec, width, positions, progress, spec=PERSONS) -> _Collector:
    cursor = _PrivateCursor(stream, start)
    try:
        return _read_csv_arrow_from(cursor, codec, width, positions, progress, spec)
    finally:
        cursor.detach()


def _read_csv_arrow_from(cursor, codec, width, positions, progress, spec) -> _Collector:
    source = pa.PythonFile(cursor, mode="r")
    if codec != "utf-8":
        source = pa.transcoding_input_stream(source, codec, "utf-8")
    names = [f"c{i}" for i in range(width)]
    reader = pacsv.open_csv(
        source,
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=_CSV_BLOCK_BYTES),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, strings_can_be_null=False, quoted_strings_can_be_null=False
        ),
    )
    collector = _Collector(positions, spec)
    records = 0
    for batch in reader:
        n = batch.num_rows
        collector.add(
            {key: batch.column(pos) for key, pos in positions.items()}, np.arange(records + 2, records + n + 2)
        )
        records += n
        _check_scanned(records)
        if progress:
            progress(records)
    return collector


def _read_csv_python(stream, start, codec, positions, progress, spec=PERSONS) -> _Collector:
    stream.seek(start)
    text = io.TextIOWrapper(stream, encoding=codec, newline="")
    reader = csv.reader(text)
    collector = _Collector(positions, spec)
    values: dict[str, list[str]] = {key: [] for key in positions}
    numbers: list[int] = []

    def flush() -> None:
        collector.add({key: pa.array(v, pa.string()) for key, v in values.items()}, np.array(numbers, np.int64))
        for v in values.values():
            v.clear()
        numbers.clear()

    try:
        next(reader, None)
        for index, record in enumerate(reader):
            if index % _BLOCK_ROWS == 0:
                _check_scanned(index)
                if progress and index:
                    progress(index)
            if not any(record):
                continue  # an empty line or only commas: cheap to pass over, even by the million
            width = len(record)
            for key, pos in positions.items():
                values[key].append(record[pos] if pos < width else "")
            numbers.append(index + 2)
            if len(numbers) == _BLOCK_ROWS:
                flush()
        flush()
        return collector
    except csv.Error as exc:
        # No template cell is longer than 200 characters; a cell beyond the csv module's 128 KB is no data.
        reason = "有超过 128 KB 的单元格" if "field larger" in str(exc) else "格式有误"
        raise file_error(
            f"第 {reader.line_num} 行附近无法读取（{reason}）：请检查该行，或用 Excel 重新保存后上传。"
        ) from None
    finally:
        text.detach()  # the caller owns the stream


def _check_scanned(records: int) -> None:
    """Refuse a file past the most rows a spreadsheet holds, blank lines included: it is no register."""
    if records > MAX_SCANNED_ROWS:
        raise file_error(
            f"文件超过 {MAX_SCANNED_ROWS:,} 行（含空行），超出电子表格的最大行数：文件可能已损坏，"
            "请删除多余的空行或拆分后上传。"
        )


# --- XLSX -----------------------------------------------------------------------------------------------


def xlsx_limits() -> dict[str, int]:
    return {name: int(getattr(settings, name, default)) for name, default in XLSX_LIMIT_DEFAULTS.items()}


def _mb(size: int) -> str:
    return f"{size / 1048576:,.0f} MB"


def check_xlsx_archive(stream: BinaryIO) -> None:
    """Refuse an XLSX archive whose parts would expand beyond the limits, before anything is inflated.

    Raises ``DomainError(import_file_invalid)`` naming the limit that was passed.
    """
    limits = xlsx_limits()
    try:
        with zipfile.ZipFile(stream) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise file_error("无法读取 XLSX 文件：文件已损坏或不是 Excel 工作簿，请用 Excel 重新保存后上传。") from None
    finally:
        stream.seek(0)
    refusal = (
        "文件不像由 Excel/WPS 正常保存的工作簿，为保护系统已拒绝读取：请用 Excel 打开后“另存为”新的 .xlsx 或 CSV 再上传"
    )
    if len(parts) > limits["DOUDI_IMPORT_XLSX_MAX_PARTS"]:
        raise file_error(f"{refusal}（压缩包内有 {len(parts):,} 个部件）。")
    total = sum(part.file_size for part in parts)
    if total > limits["DOUDI_IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES"]:
        raise file_error(
            f"XLSX 文件解压后共 {_mb(total)}，超过上限 {_mb(limits['DOUDI_IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES'])}："
            "请拆分为多个文件，或另存为 CSV 后上传。"
        )
    for part in parts:
        if part.filename.lower().endswith("sharedstrings.xml") and (
            part.file_size > limits["DOUDI_IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES"]
        ):
            raise file_error(
                f"XLSX 文件中的文字表（sharedStrings.xml）解压后为 {_mb(part.file_size)}，"
                f"超过上限 {_mb(limits['DOUDI_IMPORT_XLSX_MAX_SHARED_STRINGS_BYTES'])}："
                "请拆分为多个文件，或另存为 CSV 后上传。"
            )
        if part.file_size > _RATIO_FLOOR:
            ratio = part.file_size / max(part.compress_size, 1)
            if ratio > limits["DOUDI_IMPORT_XLSX_MAX_RATIO"]:
                raise file_error(
                    f"{refusal}（其中“{part.filename[:60]}”压缩比为 {ratio:,.0f} 倍，"
                    f"上限 {limits['DOUDI_IMPORT_XLSX_MAX_RATIO']} 倍）。"
                )


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


_ID_AS_NUMBER = ("公民身份号码", "Excel 将其保存成了数字，后几位已丢失：请把该列设为“文本”格式后重新填写。")


def read_xlsx(source, *, progress: Callable[[int], None] | None = None, spec: ColumnSet = PERSONS) -> ParsedFile:
    """Parse the first worksheet of an XLSX file (a path, bytes or a seekable binary file object).

    Raises ``DomainError(import_file_invalid)`` for a damaged file, an archive beyond the limits
    of ``check_xlsx_archive``, or more than ``MAX_ROWS`` rows (found while reading, not after).
    """
    from openpyxl import load_workbook

    _size_worksheets_from_their_head()
    if isinstance(source, str):
        with open(source, "rb") as handle:
            return read_xlsx(handle, progress=progress, spec=spec)
    stream = _as_stream(source)
    check_xlsx_archive(stream)
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or fake file
        raise file_error("无法读取 XLSX 文件：文件已损坏或不是 Excel 工作簿，请用 Excel 重新保存后上传。") from exc
    try:
        return _read_sheet(workbook.worksheets[0], progress, spec)
    except DomainError:
        raise
    except Exception as exc:  # a part that fails to parse half-way through
        raise file_error("无法读取 XLSX 文件：文件已损坏或不是 Excel 工作簿，请用 Excel 重新保存后上传。") from exc
    finally:
        workbook.close()


def _size_worksheets_from_their_head() -> None:
    """Make openpyxl's read-only worksheets look for ``<dimension>`` only before ``<sheetData>``.

    openpyxl 3.1 looks for it with "end" events, and the end of ``<sheetData>`` is the end of the
    sheet: a sheet without ``<dimension>`` (legal; some tools omit it) was parsed in full when the
    workbook was opened, before the first row could be read or counted. This is what held the worker
    for six minutes on a 1.5 MB file. The replacement reads start tags and stops at ``<sheetData>``.
    """
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    if getattr(ReadOnlyWorksheet._get_size, "doudi", False):
        return
    from openpyxl.worksheet.dimensions import SheetDimension
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    dimension_tag, data_tag = f"{{{SHEET_MAIN_NS}}}dimension", f"{{{SHEET_MAIN_NS}}}sheetData"

    def _get_size(self) -> None:
        with self._get_source() as source:
            for _event, element in iterparse(source, events=("start",)):
                if element.tag == dimension_tag:
                    boundaries = SheetDimension.from_tree(element).boundaries
                    self._min_column, self._min_row, self._max_column, self._max_row = boundaries
                    return
                if element.tag == data_tag:
                    return

    _get_size.doudi = True
    ReadOnlyWorksheet._get_size = _get_size


def _read_sheet(sheet, progress, spec: ColumnSet = PERSONS) -> ParsedFile:
    header_row = next(sheet.iter_rows(min_row=1, max_row=1, max_col=MAX_HEADER_COLUMNS, values_only=True), None)
    if header_row is None:
        raise file_error("文件是空的：请在导入模板中填写数据后上传。")
    positions, ignored = _map_headers([_cell_text(v) for v in header_row], spec)
    id_position = positions["id_number"]
    width = max(positions.values()) + 1
    collector = _Collector(positions, spec)
    values: dict[str, list[str]] = {key: [] for key in positions}
    numbers: list[int] = []
    cell_errors: dict[int, tuple[str, str]] = {}

    def flush() -> None:
        collector.add(
            {key: pa.array(v, pa.string()) for key, v in values.items()}, np.array(numbers, np.int64), cell_errors
        )
        for v in values.values():
            v.clear()
        numbers.clear()
        cell_errors.clear()

    # Bounded width: a sheet claiming 16,384 columns costs no more than the template's dozen.
    for row_number, record in enumerate(sheet.iter_rows(min_row=2, max_col=width, values_only=True), start=2):
        if row_number > MAX_SCANNED_ROWS:
            raise file_error(
                f"工作表超过 Excel 的最大行数 {MAX_SCANNED_ROWS:,} 行：文件已损坏，请用 Excel 重新保存后上传。"
            )
        cells = len(record)
        if record.count(None) == cells:
            continue  # the fast path for the empty rows a sheet may claim by the million
        texts = [(key, _cell_text(record[pos]) if pos < cells else "") for key, pos in positions.items()]
        if not any(text.strip() for _, text in texts):
            continue  # a blank (or only formatted) row is not kept at all
        for key, text in texts:
            values[key].append(text)
        if id_position < cells and isinstance(record[id_position], float) and record[id_position] >= 1e15:
            cell_errors[row_number] = _ID_AS_NUMBER
        numbers.append(row_number)
        if len(numbers) == _BLOCK_ROWS:
            flush()
            if progress:
                progress(row_number - 1)
    flush()
    return collector.result(encoding="", ignored=ignored)


def read_file(
    fmt: str, source, *, progress: Callable[[int], None] | None = None, spec: ColumnSet = PERSONS
) -> ParsedFile:
    """Parse an uploaded file: ``source`` is its bytes or a seekable binary file object; ``spec`` its columns."""
    if fmt == "xlsx":
        return read_xlsx(source, progress=progress, spec=spec)
    return read_csv(source, progress=progress, spec=spec)


__all__ = [
    "COLUMNS",
    "ParsedFile",
    "check_xlsx_archive",
    "decode_csv",
    "detect_encoding",
    "detect_format",
    "read_csv",
    "read_file",
    "read_xlsx",
]
