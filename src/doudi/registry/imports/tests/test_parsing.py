"""Reading files: encodings, XLSX, and clear refusals of files that cannot be imports."""

from __future__ import annotations

import io
import threading
import time

import pytest
from openpyxl import Workbook

from doudi.core.errors import DomainError
from doudi.registry.imports.columns import HEADERS
from doudi.registry.imports.parsing import decode_csv, detect_format, read_csv, read_xlsx
from doudi.registry.imports.tests.conftest import csv_bytes, person_row


def test_utf8_with_and_without_bom_and_gbk_are_detected():
    rows = [person_row(name="张三", 居住地址="草尾镇·立新村")]
    plain = csv_bytes(rows)
    assert read_csv(plain).encoding == "UTF-8"
    bom = read_csv(b"\xef\xbb\xbf" + plain)
    assert bom.encoding == "UTF-8（带 BOM）"
    assert bom.table.column("household_key").to_pylist() == ["H001"]  # the BOM is not part of the first header
    gbk = read_csv(csv_bytes(rows, encoding="gbk"))
    assert gbk.encoding == "GBK/GB18030"
    assert gbk.table.column("name").to_pylist() == ["张三"]
    assert gbk.table.column("address").to_pylist() == ["草尾镇·立新村"]


def test_row_numbers_are_spreadsheet_rows_and_blank_lines_are_skipped():
    data = csv_bytes([person_row(name="张三"), person_row(name="李四")])
    lines = data.decode().splitlines()
    data = "\n".join([lines[0], lines[1], ",,,,,,,,,,,,", lines[2]]).encode()
    parsed = read_csv(data)
    assert parsed.row_numbers.tolist() == [2, 4]
    assert parsed.table.column("name").to_pylist() == ["张三", "李四"]


def test_short_rows_are_padded_and_unknown_columns_reported():
    text = (
        "序号,"
        + ",".join(HEADERS[:6])
        + "\n1,H001,430981114201,地址,张三,430981198005170011,户主\n2,H001,430981114201\n"
    )
    parsed = read_csv(text.encode())
    assert parsed.ignored_headers == ["序号"]
    assert parsed.table.column("name").to_pylist() == ["张三", ""]
    assert parsed.table.column("phone").to_pylist() == ["", ""]  # an optional column absent from the file


def test_xlsx_is_read_with_numbers_and_dates_as_text():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([*HEADERS])
    sheet.append(["H001", 430981114201, "地址", "张三", "430981198005170011", "户主", None, None, 13812345678])
    sheet.append(["H001", "430981114201", "", "李四", 4.30981198005171e17, "配偶"])
    out = io.BytesIO()
    workbook.save(out)
    parsed = read_xlsx(io.BytesIO(out.getvalue()))
    assert parsed.table.column("region_code").to_pylist() == ["430981114201", "430981114201"]
    assert parsed.table.column("phone").to_pylist() == ["13812345678", ""]
    # An ID number Excel stored as a number has lost its last digits: said so, not guessed.
    assert 1 in parsed.cell_errors and "文本" in parsed.cell_errors[1][0][1]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "空的"),
        ("户编号,姓名\nH1,张三\n".encode(), "缺少必填列：村/社区区划代码、公民身份号码、与户主关系"),
        (b"a,b,c\n1,2,3\n", "第 1 行应为表头"),
        (",".join(HEADERS).encode(), "没有数据行"),
        ("\ufeff户编号".encode("utf-16"), "UTF-16"),
        (("户编号,户编号," + ",".join(HEADERS[1:])).encode(), "出现了两次"),
    ],
)
def test_files_that_cannot_be_imports_are_refused_with_a_reason(data, message):
    with pytest.raises(DomainError) as info:
        read_csv(data)
    assert message in info.value.message


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("a.csv", b"\xef\xbb\xbfx", "csv"),
        ("a.CSV", b"abc", "csv"),
        ("a.xlsx", b"PK\x03\x04", "xlsx"),
        ("a.xls", b"\xd0\xcf\x11\xe0", "97-2003"),
        ("a.xlsx", b"abc", "已损坏"),
        ("a.pdf", b"%PDF", "文件类型不支持"),
        ("a.docx", b"PK\x03\x04", "不是 CSV 或 XLSX"),
    ],
)
def test_file_type_is_decided_by_name_and_content(name, head, expected):
    if expected in ("csv", "xlsx"):
        assert detect_format(name, head) == expected
    else:
        with pytest.raises(DomainError) as info:
            detect_format(name, head)
        assert expected in info.value.message


def test_undecodable_bytes_are_refused():
    with pytest.raises(DomainError) as info:
        decode_csv(b"\x81\x30\x81")  # not UTF-8, and an incomplete GB18030 sequence
    assert "编码" in info.value.message


class _SlowFromOtherThreads(io.BytesIO):
    """A stream whose reads from any thread but the caller's take a while, as on a loaded machine."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.owner = threading.get_ident()

    def read(self, size=-1):
        if threading.get_ident() != self.owner:
            time.sleep(0.2)
        return super().read(size)


def test_a_ragged_file_is_read_whole_while_arrow_still_reads_ahead():
    """Arrow reads ahead on its own thread; after a ragged first block the Python reader takes over and
    must see every line: it once shared the stream's position with Arrow's late reads and, under load,
    silently skipped megabytes (a 3,000,000-line file read as 'no data rows')."""
    good = csv_bytes([person_row(key=f"H{i:06d}", name="张三") for i in range(100_000)]).split(b"\n", 1)[1]
    data = ",".join(HEADERS).encode() + b"\n" + b"short,row\n" + good  # about 15 MB: several Arrow blocks
    assert len(data) > 3 * (4 << 20)
    parsed = read_csv(_SlowFromOtherThreads(data))
    assert parsed.table.num_rows == 100_001
    assert parsed.row_numbers[-1] == 100_002
