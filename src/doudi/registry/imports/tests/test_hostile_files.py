"""Hostile uploads cannot exhaust the worker: zip bombs are refused unread, reading stops at the row cap,
a repeated ID number costs one short message per row, and a NUL byte is a row error.

Each hostile file is built here, small enough to keep the test at a few seconds but shaped like the
files that held the worker for minutes. Parsing is measured in a fresh Python process, whose peak
resident memory (``VmHWM``, reset before parsing) counts Arrow's and openpyxl's allocations as well
as Python's; the whole validation path is measured in-process with ``tracemalloc``.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from doudi.core.errors import DomainError
from doudi.registry.imports import downloads, parsing
from doudi.registry.imports.checks import MAX_MESSAGE_CHARS
from doudi.registry.imports.columns import HEADERS
from doudi.registry.imports.tests.conftest import csv_bytes, errors_of, person_row, pid, stage

pytestmark = pytest.mark.django_db

# Generous bounds, far from the measured figures (tens of MB, well under a second) and far below
# what the unbounded code needed (minutes, GB), so that a loaded CI machine does not flake.
MAX_SECONDS = 60
MAX_EXTRA_MB = 200

_CHILD = """
import json, sys, time
from django.conf import settings
settings.configure()
from doudi.core.errors import DomainError
from doudi.registry.imports import parsing
import openpyxl, pyarrow.csv  # the readers' own code is not the file's cost
parsing.MAX_ROWS = int(sys.argv[3])


def status(key):
    with open("/proc/self/status") as lines:
        return next(int(line.split()[1]) for line in lines if line.startswith(key)) / 1024


with open("/proc/self/clear_refs", "w") as clear:
    clear.write("5")  # start the peak (VmHWM) afresh: imports may have raised it
before = status("VmRSS:")
started = time.perf_counter()
outcome = {}
try:
    with open(sys.argv[2], "rb") as handle:
        parsed = parsing.read_file(sys.argv[1], handle)
    outcome["rows"] = parsed.table.num_rows
except DomainError as exc:
    outcome["refused"] = exc.message
outcome["seconds"] = time.perf_counter() - started
outcome["peak_mb"] = status("VmHWM:")
outcome["extra_mb"] = outcome["peak_mb"] - before
print(json.dumps(outcome, ensure_ascii=False))
"""


def parse_in_child(path: Path, fmt: str, *, max_rows: int = parsing.MAX_ROWS) -> dict:
    """Parse ``path`` in a fresh process; return its outcome, seconds, peak memory and peak beyond the
    memory held before parsing (MB)."""
    src = Path(parsing.__file__).resolve().parents[3]
    env = {**os.environ, "PYTHONPATH": str(src)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, fmt, str(path), str(max_rows)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _template_parts() -> dict[str, bytes]:
    """Return the parts of a real one-row template workbook saved by openpyxl."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(HEADERS))
    row = person_row()
    sheet.append([row.get(h, "") for h in HEADERS])
    out = io.BytesIO()
    workbook.save(out)
    with zipfile.ZipFile(out) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def write_xlsx(path: Path, replace: dict, *, shared_strings: bool = False) -> Path:
    """Write a workbook whose parts in ``replace`` are streamed from ``{name: callable(file)}``."""
    parts = _template_parts()
    if shared_strings:
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            b"</Types>",
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )
        parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
            b"</Relationships>",
            b'<Relationship Id="rIdSS" Target="sharedStrings.xml" Type="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships/sharedStrings"/></Relationships>',
        )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            if name not in replace:
                archive.writestr(name, data)
        for name, write in replace.items():
            with archive.open(name, "w", force_zip64=True) as handle:
                write(handle)
    return path


_SHEET_HEAD = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    + b'<row r="1">'
    + b"".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>'.encode() for i, h in enumerate(HEADERS))
    + b"</row>"
)
_SHEET_TAIL = b"</sheetData></worksheet>"


def test_a_zip_bomb_worksheet_is_refused_before_it_is_read(tmp_path):
    """1.5 MB that inflate to 1.5 GB: the declared sizes refuse it at once."""

    def sheet(handle):
        handle.write(_SHEET_HEAD)
        row = b'<row><c t="inlineStr"><is><t>' + b"A" * 100_000 + b"</t></is></c></row>"
        for _ in range(1500):  # 150 MB of one repeated row, ratio ~1000
            handle.write(row)
        handle.write(_SHEET_TAIL)

    path = write_xlsx(tmp_path / "bomb.xlsx", {"xl/worksheets/sheet1.xml": sheet})
    assert path.stat().st_size < 1_000_000
    outcome = parse_in_child(path, "xlsx")
    assert "压缩比" in outcome["refused"] and "xl/worksheets/sheet1.xml" in outcome["refused"], outcome
    assert outcome["seconds"] < 10 and outcome["extra_mb"] < 50, outcome


def test_a_shared_strings_bomb_is_refused_before_it_is_loaded(tmp_path):
    """0.4 MB whose shared strings inflate to 150 MB (the probe's file: 165 s and 740 MB)."""

    def strings(handle):
        handle.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
        block = (b"<si><t>" + b"A" * 1000 + b"</t></si>") * 1000
        for _ in range(150):
            handle.write(block)
        handle.write(b"</sst>")

    path = write_xlsx(tmp_path / "strings.xlsx", {"xl/sharedStrings.xml": strings}, shared_strings=True)
    assert path.stat().st_size < 1_000_000
    outcome = parse_in_child(path, "xlsx")
    assert "sharedStrings.xml" in outcome["refused"] and "超过上限" in outcome["refused"], outcome
    assert outcome["seconds"] < 10 and outcome["extra_mb"] < 50, outcome


def test_the_archive_limits_are_settings(tmp_path, settings):
    def sheet(handle):
        handle.write(_SHEET_HEAD)
        for r in range(2, 40_000):  # 3 MB of distinct rows, an ordinary ratio
            handle.write(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>H{r}</t></is></c></row>'.encode())
        handle.write(_SHEET_TAIL)

    path = write_xlsx(tmp_path / "rows.xlsx", {"xl/worksheets/sheet1.xml": sheet})
    settings.DOUDI_IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    with pytest.raises(DomainError) as info:
        parsing.read_xlsx(str(path))
    assert info.value.message.startswith("XLSX 文件解压后共 ") and "超过上限 1 MB" in info.value.message
    settings.DOUDI_IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024
    settings.DOUDI_IMPORT_XLSX_MAX_RATIO = 2
    with pytest.raises(DomainError) as info:
        parsing.read_xlsx(str(path))
    assert "上限 2 倍" in info.value.message
    settings.DOUDI_IMPORT_XLSX_MAX_RATIO = 100
    assert parsing.read_xlsx(str(path)).table.num_rows == 39_998


def test_reading_an_xlsx_stops_at_the_row_cap(tmp_path):
    """A sheet of 600,000 rows against a cap of 1,000: refused after one block, not after reading them all."""

    def sheet(handle):
        handle.write(_SHEET_HEAD)
        for r in range(2, 600_002):
            handle.write(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>H</t></is></c></row>'.encode())
        handle.write(_SHEET_TAIL)

    path = write_xlsx(tmp_path / "long.xlsx", {"xl/worksheets/sheet1.xml": sheet})
    outcome = parse_in_child(path, "xlsx", max_rows=1000)
    assert outcome["refused"] == "文件超过单次导入上限 1,000 行（不含表头和空行）：请拆分为多个文件后分批上传。"
    # Reading all 600,000 rows takes openpyxl about 10 s; one block of 20,000 rows a fraction of one.
    assert outcome["seconds"] < 20 and outcome["extra_mb"] < MAX_EXTRA_MB, outcome


def test_a_sheet_claiming_a_billion_rows_or_columns_is_not_padded(tmp_path):
    """A last row numbered 10⁹ and a cell in column XFD: neither makes the reader produce empty rows or cells."""

    def sheet(handle):
        handle.write(_SHEET_HEAD)
        handle.write(b'<row r="2"><c r="A2" t="inlineStr"><is><t>H1</t></is></c><c r="XFD2"><v>1</v></c></row>')
        handle.write(b'<row r="1000000000"><c r="A1000000000" t="inlineStr"><is><t>H2</t></is></c></row>')
        handle.write(_SHEET_TAIL)

    path = write_xlsx(tmp_path / "far.xlsx", {"xl/worksheets/sheet1.xml": sheet})
    outcome = parse_in_child(path, "xlsx")
    assert "超过 Excel 的最大行数" in outcome["refused"], outcome
    assert outcome["seconds"] < MAX_SECONDS and outcome["extra_mb"] < MAX_EXTRA_MB, outcome


def _repeated_id_csv(rows: int) -> bytes:
    """Return a CSV of ``rows`` one-person households H000000, H000001, … all with the same ID number."""
    header, line = csv_bytes([person_row("H-KEY-", id_number=pid(), name="张三")]).split(b"\n", 1)
    return header + b"\n" + b"".join(line.replace(b"H-KEY-", b"H%06d" % i) for i in range(rows))


def test_a_large_csv_is_parsed_in_flat_memory_and_stops_at_the_cap(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(_repeated_id_csv(50_000))  # 9 MB
    outcome = parse_in_child(path, "csv")
    assert outcome["rows"] == 50_000
    assert outcome["seconds"] < MAX_SECONDS and outcome["extra_mb"] < MAX_EXTRA_MB, outcome
    capped = parse_in_child(path, "csv", max_rows=1000)
    assert "超过单次导入上限 1,000 行" in capped["refused"]
    # Lines of commas only, ragged (read by Python's csv module) and regular (read by Arrow).
    blank = tmp_path / "blank.csv"
    for line, count in ((b",\n", 1_000_000), (b"," * (len(HEADERS) - 1) + b"\n", 1_000_000)):
        blank.write_bytes(",".join(HEADERS).encode() + b"\n" + line * count)
        outcome = parse_in_child(blank, "csv")
        assert outcome["refused"].startswith("文件中没有数据行"), outcome
        assert outcome["seconds"] < MAX_SECONDS and outcome["extra_mb"] < MAX_EXTRA_MB, outcome
    blank.write_bytes(",".join(HEADERS).encode() + b"\n" + b",\n" * 3_000_000)
    outcome = parse_in_child(blank, "csv")
    assert outcome["refused"].startswith("文件超过 1,048,576 行（含空行）"), outcome
    assert outcome["seconds"] < MAX_SECONDS and outcome["extra_mb"] < MAX_EXTRA_MB, outcome


def test_one_id_number_on_12000_rows_costs_one_short_message_per_row(users, django_capture_on_commit_callbacks):
    """The probe's 28 MB file staged 347 MB and a 988 MB rejected-rows file: now each row names one other.

    Listing every other occurrence, as before, would have made 12,000 rows write 10 GB of messages.
    The file is validated twice: once timed, once under ``tracemalloc`` (which slows Python fivefold).
    """
    rows = 12_000
    data = _repeated_id_csv(rows)
    started = time.perf_counter()
    stage(users["village_worker"], data, "重复.csv", capture=django_capture_on_commit_callbacks)
    seconds = time.perf_counter() - started
    assert seconds < MAX_SECONDS, seconds
    tracemalloc.start()
    try:
        batch = stage(users["village_worker"], data, "重复.csv", capture=django_capture_on_commit_callbacks)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert batch.status == "validated", batch.error_message
    assert peak < MAX_EXTRA_MB * 1024 * 1024, peak / 1048576
    assert (batch.valid_rows, batch.invalid_rows) == (0, rows)
    assert seconds < MAX_SECONDS and peak < MAX_EXTRA_MB * 1024 * 1024, (seconds, peak / 1048576)
    errors = errors_of(batch)
    assert len(errors) == rows
    number = errors[0][2].split("：", 1)[1].split(" ", 1)[0]
    assert errors[0][2] == (
        f"公民身份号码：{number} 在文件中重复出现，与第 3 行（户编号 H000001，村/社区 湖南省益阳市沅江市草尾镇立新村）"
        f"等 {rows - 1:,} 行重复；同一人只能登记在一个家庭。"
    )
    assert all("与第 2 行（户编号 H000000" in m for _r, _c, m in errors[1:])
    assert max(len(m) for _r, _c, m in errors) <= MAX_MESSAGE_CHARS
    rejected = downloads.rejected_csv(batch)
    size = rejected.seek(0, io.SEEK_END)
    rejected.close()
    assert size < rows * 400  # one line of cells and one reason per row (~300 bytes)


def test_a_nul_byte_after_the_first_4_kb_is_a_row_error(users, django_capture_on_commit_callbacks):
    rows = [person_row(f"H{i:03d}", name="张三") for i in range(60)]
    data = csv_bytes(rows)
    at = data.index("张三".encode(), 5000)
    data = data[:at] + b"\x00" + data[at:]
    batch = stage(users["village_worker"], data, capture=django_capture_on_commit_callbacks)
    assert batch.status == "validated", batch.error_message
    line = data[:at].count(b"\n") + 1
    assert [(r, c) for r, c, _m in errors_of(batch)] == [(line, "姓名")]
    assert errors_of(batch)[0][2] == f"姓名：{parsing.NUL_MESSAGE}"
    assert batch.valid_rows == 59


def test_a_cell_of_megabytes_is_refused_clearly_and_a_long_cell_is_quoted_shortly(
    users, django_capture_on_commit_callbacks
):
    # A ragged file (a short line) is read by Python's csv module, which stops at 128 KB a cell.
    huge = csv_bytes([person_row("H1"), person_row("H2", name="名" * 2_000_000)]) + b"H3,1\n"
    with pytest.raises(DomainError) as info:
        parsing.read_csv(huge)
    assert (
        info.value.message == "第 3 行附近无法读取（有超过 128 KB 的单元格）：请检查该行，或用 Excel 重新保存后上传。"
    )
    # Arrow reads a long cell of a regular file; the message that quotes it is cut short.
    long = csv_bytes([person_row("H1", name="张" + "@" * 300_000)])
    batch = stage(users["village_worker"], long, capture=django_capture_on_commit_callbacks)
    [(_row, column, message)] = errors_of(batch)
    assert column == "姓名" and message.startswith("姓名：“张@@@") and len(message) == MAX_MESSAGE_CHARS


def test_an_entity_expansion_bomb_is_refused_as_a_damaged_file(tmp_path):
    """A few KB of nested XML entities ("billion laughs") that expand to GB: the XML parser refuses them."""

    def strings(handle):
        entities = "".join(f'<!ENTITY e{i} "{("&e" + str(i - 1) + ";") * 10 if i else "lol" * 10}">' for i in range(10))
        handle.write(f'<?xml version="1.0"?><!DOCTYPE sst [{entities}]>'.encode())
        handle.write(
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&e9;</t></si></sst>'
        )

    path = write_xlsx(tmp_path / "laughs.xlsx", {"xl/sharedStrings.xml": strings}, shared_strings=True)
    outcome = parse_in_child(path, "xlsx")
    assert outcome["refused"].startswith("无法读取 XLSX 文件"), outcome
    assert outcome["seconds"] < MAX_SECONDS and outcome["extra_mb"] < MAX_EXTRA_MB, outcome
