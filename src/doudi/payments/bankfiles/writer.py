"""Writing a bank file in a bank's layout from a stream of payee records (no database here).

A record is a dict with the keys of ``BankField`` (``account``, ``name``, ``id_number``, ``amount``
as a Decimal, ``programme``, ``village``, ``township``, ``bank_name``, ``month``, ``reference``,
``summary``); ``seq`` is numbered here. The writer counts and sums what it writes and refuses a file
whose count or total differs from the expected ones, so a file that does not balance is never
handed over. Every cell goes through ``doudi.core.spreadsheets`` (formula-safe); CSV is encoded
row by row, so a name GBK cannot hold is refused naming the record.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO

from doudi.core.spreadsheets import CsvWriter, xlsx_row, xlsx_stream, xlsx_stream_rows
from doudi.payments.bankfiles.formatted import Tally
from doudi.payments.bankfiles.selectors import RECORD_FIELDS
from doudi.payments.errors import PaymentError, PaymentErrorCode

CENT = Decimal("0.01")
TOTALS_TITLES = ("合计笔数", "合计金额")


@dataclass(frozen=True)
class Layout:
    """What the writer needs of a ``BankLayout``."""

    name: str
    file_format: str  # csv / xlsx
    encoding: str  # gbk / utf-8 (CSV only: an XLSX file is UTF-8 inside)
    header_line: bool
    totals_line: str  # none / first / last
    amount_unit: str  # yuan / fen
    fields: tuple[str, ...]
    titles: tuple[str, ...]

    @classmethod
    def of(cls, layout) -> Layout:
        return cls(
            name=layout.name,
            file_format=layout.file_format,
            encoding=layout.encoding,
            header_line=layout.header_line,
            totals_line=layout.totals_line,
            amount_unit=layout.amount_unit,
            fields=tuple(layout.fields),
            titles=tuple(layout.titles),
        )

    @property
    def extension(self) -> str:
        return self.file_format


@dataclass(frozen=True)
class Written:
    count: int
    total: Decimal


def bank_file_error(message: str, **extra) -> PaymentError:
    return PaymentError(PaymentErrorCode.INVALID, message, extra)


def _amount(layout: Layout, value: Decimal, *, as_text: bool):
    value = Decimal(value).quantize(CENT)
    if layout.amount_unit == "fen":
        return int(value * 100)
    return f"{value:.2f}" if as_text else value


def _rows(layout: Layout, records: Iterable[tuple], count: int, total: Decimal, tally: list, as_text: bool) -> Iterator:
    totals = [TOTALS_TITLES[0], count, TOTALS_TITLES[1], _amount(layout, total, as_text=as_text)]
    if layout.totals_line == "first":
        yield totals
    if layout.header_line:
        yield list(layout.titles)
    # Each output column is a position in (seq, *record); amounts are formatted in place.
    picks = [0 if f == "seq" else RECORD_FIELDS.index(f) + 1 for f in layout.fields]
    amount_at = [i for i, f in enumerate(layout.fields) if f == "amount"]
    fen = layout.amount_unit == "fen"
    n = 0
    running = Decimal(0)
    record: tuple = ()
    for record in records:
        n += 1
        amount = record[3]
        running += amount
        extended = (n, *record)
        values = [extended[i] or "" for i in picks]
        for i in amount_at:
            values[i] = int(amount * 100) if fen else (f"{amount:.2f}" if as_text else amount)
        yield values
    tally[:] = [n, running, record or None]
    if n != count or running.quantize(CENT) != Decimal(total).quantize(CENT):
        raise bank_file_error(
            f"银行文件与发放名册不符：文件 {n} 笔、{running:.2f} 元，名册应为 {count} 笔、{Decimal(total):.2f} 元。"
            "文件未生成，请重新生成发放名册后再试。",
            written_count=n,
            expected_count=count,
        )
    if layout.totals_line == "last":
        yield totals


def write_bank_file(
    target: IO[bytes], layout: Layout, records: Iterable[dict], *, count: int, total: Decimal
) -> Written:
    """Write ``records`` into ``target`` in ``layout``; raise ``PaymentError`` when they do not add up.

    ``count`` and ``total`` are what the payroll says the file must hold; a totals line placed
    first already states them, and the file is refused (the caller discards ``target``) when the
    records written differ.
    """
    tally: list = [0, Decimal(0), None]
    if layout.file_format == "xlsx":
        xlsx_stream(
            target,
            _rows(layout, records, count, total, tally, as_text=False),
            sheet_title="发放明细",
            bold_first=layout.header_line and layout.totals_line != "first",
        )
        return Written(tally[0], tally[1])
    buffer = io.StringIO()
    writer = CsvWriter(buffer)
    encoding = "gbk" if layout.encoding == "gbk" else "utf-8"
    block: list[list] = []
    for row in _rows(layout, records, count, total, tally, as_text=True):
        block.append(row)
        if len(block) >= 2000:
            _write_block(target, writer, buffer, block, encoding)
            block.clear()
    _write_block(target, writer, buffer, block, encoding)
    return Written(tally[0], tally[1])


def _write_block(target, writer, buffer: io.StringIO, block: list[list], encoding: str) -> None:
    """Encode a block of rows at once; on a character the encoding lacks, name the row that holds it."""
    writer.writerows(block)
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate(0)
    _write_text(target, text, encoding)


def _write_text(target, text: str, encoding: str) -> None:
    """Write CSV ``text`` encoded; a character the encoding lacks is refused naming the record that holds it."""
    try:
        target.write(text.encode(encoding))
    except UnicodeEncodeError as exc:
        bad = text[exc.start : exc.end]
        begin = text.rfind("\n", 0, exc.start) + 1
        end = text.find("\n", exc.end)
        row = next(csv.reader([text[begin : end if end >= 0 else len(text)]]), [])
        who = next((v for v in row if bad in v), "")
        ref = next((v for v in row if v.startswith("P") and "-" in v), "")
        raise bank_file_error(
            f"“{who}”{f'（业务参考号 {ref}）' if ref else ''}含有 GBK 编码无法表示的字符「{bad}」，"
            "该银行格式为 GBK 编码：请核对登记的姓名或户名，或改用 UTF-8 编码的格式。",
            reference=ref,
        ) from exc


def write_formatted_bank_file(
    target: IO[bytes], layout: Layout, blocks: Iterable[str], tally: Tally, *, count: int, total: Decimal
) -> Written:
    """Write a bank file whose records come as finished text (``formatted.formatted_blocks``, PostgreSQL).

    The header and totals lines are written here as ``write_bank_file`` writes them; the records'
    count and sum (``tally``, filled by the query once its last block is out) are checked against
    ``count`` and ``total`` before the totals line, and the file is refused when they differ.
    """
    total = Decimal(total)

    def check() -> None:
        if tally.count != count or tally.total.quantize(CENT) != total.quantize(CENT):
            raise bank_file_error(
                f"银行文件与发放名册不符：文件 {tally.count} 笔、{tally.total:.2f} 元，"
                f"名册应为 {count} 笔、{total:.2f} 元。文件未生成，请重新生成发放名册后再试。",
                written_count=tally.count,
                expected_count=count,
            )

    xlsx = layout.file_format == "xlsx"
    totals = [TOTALS_TITLES[0], count, TOTALS_TITLES[1], _amount(layout, total, as_text=not xlsx)]
    head = ([totals] if layout.totals_line == "first" else []) + ([list(layout.titles)] if layout.header_line else [])
    if xlsx:
        bold = layout.header_line and layout.totals_line != "first"

        def rows() -> Iterator[str]:
            yield "".join(xlsx_row(r, style=1 if bold and i == 0 else 0) for i, r in enumerate(head))
            yield from blocks
            check()
            if layout.totals_line == "last":
                yield xlsx_row(totals)

        xlsx_stream_rows(target, rows(), sheet_title="发放明细")
        return Written(tally.count, tally.total)
    encoding = "gbk" if layout.encoding == "gbk" else "utf-8"
    buffer = io.StringIO()
    writer = CsvWriter(buffer)
    _write_block(target, writer, buffer, head, encoding)
    for block in blocks:
        _write_text(target, block, encoding)
    check()
    if layout.totals_line == "last":
        _write_block(target, writer, buffer, [totals], encoding)
    return Written(tally.count, tally.total)
