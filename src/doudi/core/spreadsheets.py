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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any
from xml.sax.saxutils import escape as xml_escape

# What a spreadsheet takes as the start of a formula (OWASP "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
BOM = "\ufeff"
_TRIGGER_CHARS = frozenset(FORMULA_TRIGGERS)


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
        # ``neutralise`` is called only for text starting with a trigger (it changes nothing else):
        # a million-line bank file spends its time here.
        self._writer.writerow(
            [neutralise(value) if isinstance(value, str) and value[:1] in _TRIGGER_CHARS else value for value in row]
        )

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


# --- XLSX streamed (constant memory) -----------------------------------------------------------------

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
        'Target="styles.xml"/></Relationships>'
    ),
    # Style 0: plain; style 1: bold (header); style 2: number with two decimals.
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="2"><font><sz val="11"/><name val="宋体"/></font>'
        '<font><b/><sz val="11"/><name val="宋体"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
}


# Text that needs more than copying into the XML: markup characters or characters XML cannot hold.
_XML_WORK = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xlsx_cell(value: Any, style: int) -> str:
    if value.__class__ is str:  # the common case first: a million rows pass here
        if not value:
            return "<c/>"
        if value[0] in _TRIGGER_CHARS:
            value = neutralise(value)
        if _XML_WORK.search(value):
            value = xml_escape(_XML_ILLEGAL.sub("", value))
        return f'<c s="{style}" t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>'
    if value is None:
        return "<c/>"
    if isinstance(value, bool):
        return _xlsx_cell(str(value), style)
    if isinstance(value, Decimal):
        return f'<c s="2"><v>{value}</v></c>'
    if isinstance(value, int | float):
        return f'<c s="{style}"><v>{value}</v></c>'
    return _xlsx_cell(str(value), style)


def xlsx_row(values: Iterable[Any], *, style: int = 0) -> str:
    """Return one ``<row>`` of a streamed sheet: text inline and neutralised, numbers as numbers."""
    return "<row>" + "".join(_xlsx_cell(v, style) for v in values) + "</row>"


def xlsx_stream(
    target: IO[bytes], rows: Iterable[Iterable[Any]], *, sheet_title: str = "Sheet1", bold_first: bool = False
):
    """Write ``rows`` into ``target`` as a one-sheet .xlsx, row by row, in constant memory.

    openpyxl's write-only mode still keeps every distinct string in memory (the shared-string
    table); this writer puts each text inline (``inlineStr``) and streams the sheet into the zip,
    so a million-line bank file costs the memory of one row. Text goes through ``neutralise``;
    Decimals are written as numbers with two decimals, ints and floats as numbers.
    """

    def blocks():
        buffer: list[str] = []
        for index, row in enumerate(rows):
            buffer.append(xlsx_row(row, style=1 if bold_first and index == 0 else 0))
            if len(buffer) >= 2000:
                yield "".join(buffer)
                buffer.clear()
        yield "".join(buffer)

    xlsx_stream_rows(target, blocks(), sheet_title=sheet_title)


def xlsx_stream_rows(target: IO[bytes], blocks: Iterable[str], *, sheet_title: str = "Sheet1") -> None:
    """Write a one-sheet .xlsx whose sheet data is ``blocks`` (``<row>`` elements), streamed into the zip.

    The rows must already be safe: made by ``xlsx_row``, or by PostgreSQL with ``sql_xlsx_row`` (a
    bank file of a million rows).
    """
    import zipfile

    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, body in _XLSX_PARTS.items():
            archive.writestr(name, body)
        archive.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{xml_escape(sheet_title[:31])}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            for block in blocks:
                if block:
                    sheet.write(block.encode("utf-8"))
            sheet.write(b"</sheetData></worksheet>")


# --- the same rules as SQL expressions (PostgreSQL) ---------------------------------------------------
#
# A bank file of a million rows is formatted by the database (in Python each cell costs more than
# reading it). ``sql_csv_line`` and ``sql_xlsx_row`` return the SQL of a row whose text cells get what
# ``CsvWriter`` and ``xlsx_row`` give a str: neutralised, then quoted (CSV) or escaped (XLSX); the
# bank-file tests compare the bytes of both paths on hostile values. One difference, on the safe side:
# ``_PLAIN_NUMBER`` takes any Unicode digit (``\d``), the SQL only 0-9, so a text such as "-１２" is
# quoted by the SQL alone. A row is tested once, on its text cells joined by tabs, and written as it is
# when nothing in it needs work (the common case); a tab can only be a false alarm there.


@dataclass(frozen=True)
class SqlCell:
    """One cell of a row formatted in SQL: ``expr`` is an SQL expression of type text, never NULL.

    ``kind``: ``text`` (anything a person typed), ``plain`` (text the caller made of letters, digits
    and inner hyphens: nothing to neutralise, quote or escape) or ``number`` (a number's text).
    ``style``: the XLSX style of a number (2: two decimals).
    """

    expr: str
    kind: str = "text"
    style: int = 0


_SQL_PLAIN_NUMBER = r"'^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$'"
_SQL_TRIGGER = r"[-=+@\t\r]"
_SQL_XML_ILLEGAL = r"\x01-\x08\x0b\x0c\x0e-\x1f\uFFFE\uFFFF"
_SQL_CSV_WORK = rf"""'[",\r\n]|(^|\t){_SQL_TRIGGER}'"""
_SQL_XML_WORK = rf"'(^|\t){_SQL_TRIGGER}|[&<>{_SQL_XML_ILLEGAL}]'"
_XLSX_TEXT = """'<c s="0" t="inlineStr"><is><t xml:space="preserve">' || """


def sql_neutralise(value: str) -> str:
    """Return the SQL of ``neutralise`` applied to the text expression ``value``."""
    return (
        f"(CASE WHEN {value} ~ '^{_SQL_TRIGGER}' AND {value} !~ {_SQL_PLAIN_NUMBER} "
        f"THEN '''' || {value} ELSE {value} END)"
    )


def _sql_csv_text(value: str, *, only_field: bool) -> str:
    safe = sql_neutralise(value)
    empty = f"""WHEN {value} = '' THEN '""' """ if only_field else ""
    return f"""(CASE {empty}WHEN {safe} ~ '[",\\r\\n]' THEN '"' || replace({safe}, '"', '""') || '"' ELSE {safe} END)"""


def _sql_xlsx_text(value: str, *, escape: bool) -> str:
    if escape:
        safe = sql_neutralise(value)
        value = (
            f"replace(replace(replace(regexp_replace({safe}, '[{_SQL_XML_ILLEGAL}]', '', 'g'), '&', '&amp;'), "
            "'<', '&lt;'), '>', '&gt;')"
        )
    return value


def _sql_quick_test(cells: Sequence[SqlCell], pattern: str) -> str | None:
    texts = [c.expr for c in cells if c.kind == "text"]
    return f"concat_ws(chr(9), {', '.join(texts)}) !~ {pattern}" if texts else None


def sql_csv_line(cells: Sequence[SqlCell]) -> str:
    """Return the SQL of one CSV line (without its line end) as ``CsvWriter.writerow`` writes it."""
    cells = [SqlCell(f"({c.expr})", c.kind, c.style) for c in cells]
    only = len(cells) == 1

    def line(work: bool) -> str:
        parts = [_sql_csv_text(c.expr, only_field=only) if c.kind == "text" and work else c.expr for c in cells]
        return " || ',' || ".join(parts)

    if only and cells[0].kind == "text":
        return _sql_csv_text(cells[0].expr, only_field=True)
    test = _sql_quick_test(cells, _SQL_CSV_WORK)
    return f"(CASE WHEN {test} THEN {line(False)} ELSE {line(True)} END)" if test else line(False)


def sql_xlsx_row(cells: Sequence[SqlCell]) -> str:
    """Return the SQL of one ``<row>`` as ``xlsx_row`` writes it (style 0): text inline, ``<c/>`` when
    empty, neutralised, without the characters XML cannot hold, & < > escaped; numbers as numbers."""
    cells = [SqlCell(f"({c.expr})", c.kind, c.style) for c in cells]

    def row(work: bool) -> str:
        parts = []
        for c in cells:
            if c.kind == "number":
                parts.append(f"""'<c s="{int(c.style)}"><v>' || {c.expr} || '</v></c>'""")
                continue
            text = _sql_xlsx_text(c.expr, escape=work and c.kind == "text")
            parts.append(f"(CASE WHEN {c.expr} = '' THEN '<c/>' ELSE {_XLSX_TEXT}{text} || '</t></is></c>' END)")
        return "'<row>' || " + " || ".join(parts) + " || '</row>'"

    test = _sql_quick_test(cells, _SQL_XML_WORK)
    return f"(CASE WHEN {test} THEN {row(False)} ELSE {row(True)} END)" if test else row(False)


__all__ = [
    "BOM",
    "FORMULA_TRIGGERS",
    "CsvWriter",
    "SqlCell",
    "append",
    "cell",
    "csv_bytes",
    "csv_file",
    "header",
    "is_neutral",
    "neutralise",
    "set_cell",
    "sql_csv_line",
    "sql_neutralise",
    "sql_xlsx_row",
    "workbook",
    "xlsx_bytes",
    "xlsx_file",
    "xlsx_row",
    "xlsx_stream",
    "xlsx_stream_rows",
]
