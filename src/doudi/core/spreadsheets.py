"""The one writer of every spreadsheet and CSV file doudi hands to a person.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
Excel, WPS and LibreOffice as a formula when the file is opened (CSV) or edited (XLSX): a name
typed as ``=HYPERLINK("http://…")`` in an import would become a live link in the export a county
officer opens. Every such text is written with a leading single quote, as OWASP recommends
("CSV injection"), so that it shows as the text it is and never runs. Numbers stay numbers: ints,
floats and Decimals are written as they are, and so is text that is nothing but a decimal number
("-120.50", an amount), which no spreadsheet reads as a formula.

Nothing else in doudi creates a workbook or a ``csv.writer`` for a download; a test
(``core/tests/test_spreadsheets.py``) greps the source to keep it so and feeds formula-like values
through every export.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterable
from typing import IO, Any

# What a spreadsheet takes as the start of a formula (OWASP "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
BOM = "\ufeff"


def neutralise(value: Any) -> Any:
    """Return ``value``, or for text a spreadsheet would run as a formula, the text behind a single quote."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def is_neutral(value: Any) -> bool:
    """Return whether ``value`` is safe to write as it is (what ``neutralise`` leaves unchanged)."""
    return neutralise(value) is value


# --- CSV ----------------------------------------------------------------------------------------------


class CsvWriter:
    """``csv.writer`` whose every cell goes through ``neutralise``."""

    def __init__(self, stream: IO[str]) -> None:
        self._writer = csv.writer(stream)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([neutralise(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_bytes(rows: Iterable[Iterable[Any]]) -> bytes:
    """Return ``rows`` as CSV in UTF-8 with a byte-order mark (Excel needs it to show Chinese)."""
    out = io.StringIO()
    out.write(BOM)
    CsvWriter(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def csv_file(rows: Iterable[Iterable[Any]]) -> IO[bytes]:
    """Return a temporary file holding ``rows`` as CSV (UTF-8 with BOM), written row by row, at its start."""
    handle = tempfile.TemporaryFile(mode="w+b")  # noqa: SIM115 (handed to the response, which closes it)
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=True)
    text.write(BOM)
    CsvWriter(text).writerows(rows)
    text.flush()
    text.detach()
    handle.seek(0)
    return handle


# --- XLSX ---------------------------------------------------------------------------------------------


def workbook(*, write_only: bool = True):
    """Return a new openpyxl workbook: write-only (rows streamed to disk) unless cells must be styled in place."""
    from openpyxl import Workbook

    return Workbook(write_only=write_only)


def cell(sheet, value: Any, *, bold: bool = False, number_format: str | None = None, fill: str | None = None):
    """Return a write-only cell holding ``neutralise(value)``, optionally bold, formatted or filled."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    result = WriteOnlyCell(sheet, value=neutralise(value))
    if bold:
        result.font = Font(bold=True)
    if number_format:
        result.number_format = number_format
    if fill:
        result.fill = PatternFill("solid", fgColor=fill)
    return result


def set_cell(sheet, row: int, column: int, value: Any, *, bold: bool = False, fill: str | None = None):
    """Write ``neutralise(value)`` into a cell of an ordinary (not write-only) sheet; return the cell."""
    from openpyxl.styles import Font, PatternFill

    target = sheet.cell(row=row, column=column, value=neutralise(value))
    if bold:
        target.font = Font(bold=True)
    if fill:
        target.fill = PatternFill("solid", fgColor=fill)
    return target


def append(sheet, values: Iterable[Any], *, number_format: str | None = None) -> None:
    """Append a row; plain values are neutralised (in a write-only sheet, with ``number_format``), and
    cells made by ``cell`` are kept with their style."""
    from openpyxl.cell.cell import Cell

    write_only = _write_only(sheet)
    row = []
    for value in values:
        if isinstance(value, Cell):
            value.value = neutralise(value.value)
            row.append(value)
        elif number_format and write_only:
            row.append(cell(sheet, value, number_format=number_format))
        else:
            row.append(neutralise(value))
    sheet.append(row)


def header(sheet, titles: Iterable[str], *, fills: Iterable[str | None] | None = None) -> None:
    """Append a bold header row (each cell optionally filled) and keep it in view while scrolling."""
    titles = list(titles)
    fills = list(fills) if fills is not None else [None] * len(titles)
    sheet.freeze_panes = "A2"
    if _write_only(sheet):
        sheet.append([cell(sheet, t, bold=True, fill=f) for t, f in zip(titles, fills, strict=True)])
        return
    row = sheet.max_row + 1 if sheet.max_row > 1 or sheet.cell(1, 1).value is not None else 1
    for column, (title, fill) in enumerate(zip(titles, fills, strict=True), start=1):
        set_cell(sheet, row, column, title, bold=True, fill=fill)


def _write_only(sheet) -> bool:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    return isinstance(sheet, WriteOnlyWorksheet)


def xlsx_bytes(book) -> bytes:
    """Return the workbook as the bytes of an .xlsx file."""
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_file(book) -> IO[bytes]:
    """Return a temporary file holding the workbook, at its start (for a streamed response)."""
    handle = tempfile.TemporaryFile(mode="w+b")  # noqa: SIM115 (handed to the response, which closes it)
    book.save(handle)
    handle.seek(0)
    return handle


__all__ = [
    "BOM",
    "FORMULA_TRIGGERS",
    "CsvWriter",
    "append",
    "cell",
    "csv_bytes",
    "csv_file",
    "header",
    "is_neutral",
    "neutralise",
    "set_cell",
    "workbook",
    "xlsx_bytes",
    "xlsx_file",
]
