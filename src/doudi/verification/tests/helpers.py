"""Building feed files for tests."""

from __future__ import annotations

import csv
import io

from doudi.verification.feeds.schemas import SCHEMAS


def csv_bytes(department: str, rows: list[dict], *, encoding: str = "utf-8", headers: list[str] | None = None) -> bytes:
    """A CSV file with the department's Chinese headers (or ``headers``) and ``rows`` keyed by column code."""
    schema = SCHEMAS[department]
    codes = [c.code for c in schema.columns]
    head = headers or [c.header for c in schema.columns]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(head)
    for row in rows:
        writer.writerow([row.get(code, "") for code in codes])
    return out.getvalue().encode(encoding)


def xlsx_bytes(department: str, rows: list[dict]) -> bytes:
    from openpyxl import Workbook

    schema = SCHEMAS[department]
    wb = Workbook()
    ws = wb.active
    ws.append([c.header for c in schema.columns])
    for row in rows:
        ws.append([row.get(c.code, "") for c in schema.columns])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
