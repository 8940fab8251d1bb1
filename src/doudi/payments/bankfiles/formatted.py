"""A bank file's records formatted by PostgreSQL: each record arrives as the finished line of the file.

Writing a million records in Python costs several microseconds a cell (the formula guard, the csv
module, XML escaping, Decimal formatting); the database formats them in the query that groups them,
with the expressions of ``doudi.core.spreadsheets`` (``sql_csv_line``, ``sql_xlsx_row``), and the process
only joins the lines, encodes them by blocks of thousands and writes them out. The records,
their order and every cell are those of ``selectors.bank_records`` and ``writer.write_bank_file``
(which SQLite still uses); the tests compare the bytes of both paths on PostgreSQL.

The query also numbers the records (``seq``) and keeps their running sum, which the last record
carries: the writer checks the records received and their sum against what the payroll says, as it
does for the Python path.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from doudi.core.labels import programme_label
from doudi.core.spreadsheets import SqlCell, sql_csv_line, sql_xlsx_row
from doudi.payments.models import Payroll

# The grouped records: the lines of a payee (a person's lines to one account in one payroll) summed
# (grouping on the line columns only), then the names joined to the groups. The file order is by bytes
# (``COLLATE "C"``): the order of the database's default collation (C.UTF-8 compares code points) without
# a locale comparison per pair of a million rows.
_RECORDS_SQL = """
    SELECT g.payroll_id, g.region_id, g.household_id, g.person_id, g.net,
           g.bank_account AS account, COALESCE(NULLIF(g.account_holder, ''), p.name, '') AS name,
           COALESCE(p.id_number, '') AS id_number, r.name AS village, COALESCE(t.name, '') AS township,
           g.bank_name, pl.programme, pl.month
    FROM (SELECT l.payroll_id, l.region_id, l.household_id, l.person_id, l.bank_account, l.account_holder,
                 l.bank_name, SUM(l.amount) AS net
          FROM payments_payrollline l
          WHERE l.payroll_id IN ({ids}) AND l.status <> 'cancelled'
          GROUP BY l.payroll_id, l.region_id, l.household_id, l.person_id, l.bank_account, l.account_holder,
                   l.bank_name
          HAVING SUM(l.amount) > 0) g
    JOIN (VALUES {labels}) AS pl(payroll_id, programme, month) ON pl.payroll_id = g.payroll_id
    JOIN registry_person p ON p.id = g.person_id
    JOIN regions_region r ON r.code = g.region_id
    LEFT JOIN regions_region t ON t.code = r.parent_id
"""
# Numbered in file order; the last record carries the running count and sum. The line is computed at
# the level of the window so that its sort is the only one.
_LINES_SQL = """
    SELECT {line}, (lead(net) OVER w) IS NULL, row_number() OVER w, sum(net) OVER w
    FROM ({records}) AS record
    WINDOW w AS (ORDER BY payroll_id, region_id COLLATE "C", household_id, person_id, account COLLATE "C"
                 ROWS UNBOUNDED PRECEDING)
    ORDER BY payroll_id, region_id COLLATE "C", household_id, person_id, account COLLATE "C"
"""

# The text of each field of a record in the grouped query.
_TEXT = {
    "account": "account",
    "name": "name",
    "id_number": "id_number",
    "programme": "programme",
    "village": "village",
    "township": "township",
    "bank_name": "bank_name",
    "month": "month",
    "summary": "month || programme",
}


@dataclass
class Tally:
    """What was written: the records received and their sum (the running sum the last record carries)."""

    count: int = 0
    total: Decimal = field(default_factory=Decimal)


def _cells(layout) -> list[SqlCell]:
    xlsx = layout.file_format == "xlsx"
    fen = layout.amount_unit == "fen"
    cells = []
    for name in layout.fields:
        if name == "seq":
            cells.append(SqlCell("CAST(row_number() OVER w AS TEXT)", "number"))
        elif name == "amount":
            amount = "CAST(trunc(net * 100) AS TEXT)" if fen else "CAST(round(net, 2) AS TEXT)"
            # XLSX: fen an integer (style 0), yuan a number shown with two decimals (style 2).
            cells.append(SqlCell(amount, "number", style=0 if fen or not xlsx else 2))
        elif name == "reference":
            cells.append(SqlCell("'P' || payroll_id || '-' || person_id", "plain"))  # ``selectors.reference``
        else:
            cells.append(SqlCell(_TEXT[name]))
    return cells


def _line_sql(layout) -> str:
    """The SQL expression of one record's line (CSV, with its CRLF) or ``<row>`` (XLSX) in ``layout``."""
    if layout.file_format == "xlsx":
        return sql_xlsx_row(_cells(layout))
    return sql_csv_line(_cells(layout)) + " || chr(13) || chr(10)"


def _labels(payroll_ids: Sequence[int]) -> tuple[str, list]:
    """(VALUES rows, params) of each payroll's programme and month as the file shows them."""
    rows, params = [], []
    for payroll in Payroll.objects.filter(pk__in=list(payroll_ids)).order_by("pk"):
        rows.append("(CAST(%s AS BIGINT), CAST(%s AS TEXT), CAST(%s AS TEXT))")
        params += [payroll.pk, programme_label(payroll.programme), f"{payroll.month.year}年{payroll.month.month}月"]
    return ", ".join(rows), params


def formatted_sql(layout, payroll_ids: Sequence[int]) -> tuple[str, list]:
    """Return (SQL, params) of the query yielding (line, is last, number, running sum) per record, in file order."""
    ids = [int(i) for i in payroll_ids]
    labels, params = _labels(ids)
    records = _RECORDS_SQL.format(ids=", ".join(["%s"] * len(ids)), labels=labels)
    return _LINES_SQL.format(line=_line_sql(layout), records=records), ids + params


def formatted_blocks(layout, payroll_ids: Sequence[int], tally: Tally, *, chunk_size: int = 5_000) -> Iterator[str]:
    """Yield the records of ``payroll_ids`` as finished text in ``layout``, thousands of lines a block.

    Read through a server-side cursor (memory flat in the number of records); ``tally`` holds the
    count and sum once the last block is out. PostgreSQL only.
    """
    from django.db import connection

    sql, params = formatted_sql(layout, payroll_ids)
    with connection.cursor() as cursor:
        # A query over a million rows is costed high enough to be compiled (JIT): a second or more for
        # nothing here. The records' sort gets more memory than the default 4 MB (fewer passes on disk).
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '64MB'")
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk_size):
            tally.count += len(rows)
            last = rows[-1]
            if last[1]:  # the last record: (line, True, its number, the running sum)
                tally.total = Decimal(last[3])
            yield "".join([row[0] for row in rows])
