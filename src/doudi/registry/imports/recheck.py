"""The commit's re-check: do the staged rows still mean what validation said they mean?

Validation decided, row by row, "new person", "update this registered person" or "unchanged". A
commit may come minutes or days later, after others registered, moved or edited the same persons.
One query joins the batch's valid staged rows to the registry as it is now and returns the rows
whose decision no longer holds:

- a row validated as a new person whose ID number has since been registered (writing it would
  either fail on the unique ID number or, worse, turn into an update of someone else's record);
- a row validated as a registered person who has since left every household;
- a row validated as joining a person without a household (迁入) who has since joined one;
- a row validated as "unchanged" whose person has since been edited (the import would silently
  undo that edit).

Such a row is refused as stale, with a reason that says only what changed, never where the person
now is (the registration may be outside the importer's region).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from django.db import connection

from doudi.registry.imports import bulk
from doudi.registry.imports.checks import OPTIONAL_UPDATABLE, UPDATABLE, Rows
from doudi.registry.imports.models import ImportBatch, ImportRow, RowAction, RowStatus
from doudi.registry.models import Person

NOW_REGISTERED = "公民身份号码：已于校验后在其他家庭登记，请重新校验。"
NOW_LEFT = "公民身份号码：该人员已于校验后迁出或不再属于任何在册家庭，请重新校验。"
NOW_EDITED = "公民身份号码：该人员的登记信息已于校验后被修改，请重新校验。"

# Staged column -> person column, for the fields an import may change.
_PERSON_COLUMN = {
    "name": "name",
    "relation": "relation",
    "hukou_region_code": "COALESCE(p.hukou_region_id, '')",
    "hukou_type": "hukou_type",
    "address": "residence_address",
    "phone": "phone",
    "bank_name": "bank_name",
    "bank_account": "bank_account",
}


def _differs(key: str) -> str:
    person = _PERSON_COLUMN[key]
    person = person if "(" in person else f"p.{person}"
    differs = f"r.{key} <> {person}"
    return f"(r.{key} <> '' AND {differs})" if key in OPTIONAL_UPDATABLE else differs


def _sql() -> str:
    rows, persons = ImportRow._meta.db_table, Person._meta.db_table
    edited = " OR ".join(_differs(key) for key in UPDATABLE)
    return (
        f"SELECT r.row_number, CASE "
        f"WHEN r.action IN ('{RowAction.CREATE.value}', '{RowAction.JOIN.value}') THEN 'registered' "
        f"WHEN p.id IS NULL OR p.household_id IS NULL THEN 'left' "
        f"ELSE 'edited' END "
        f"FROM {rows} r LEFT JOIN {persons} p ON p.id_number = r.id_number "
        f"WHERE r.batch_id = %s AND r.status = '{RowStatus.VALID.value}' AND ("
        f"(r.action = '{RowAction.CREATE.value}' AND p.id IS NOT NULL) "
        f"OR (r.action = '{RowAction.JOIN.value}' AND p.household_id IS NOT NULL) "
        f"OR (r.action IN ('{RowAction.UPDATE.value}', '{RowAction.UNCHANGED.value}') "
        f"AND (p.id IS NULL OR p.household_id IS NULL)) "
        f"OR (r.action = '{RowAction.UNCHANGED.value}' AND p.household_id IS NOT NULL AND ({edited}))"
        f") ORDER BY r.row_number"
    )


_MESSAGES = {"registered": NOW_REGISTERED, "left": NOW_LEFT, "edited": NOW_EDITED}


def stale_rows(batch: ImportBatch) -> list[tuple[int, str]]:
    """Return ``[(row number, reason)]`` of the batch's valid rows that no longer hold, in row order.

    One statement over the whole batch (the staged rows joined to the persons on the ID number),
    run in the caller's transaction so that it sees what the commit will write against.
    """
    with connection.cursor() as cursor:
        cursor.execute(_sql(), [batch.pk])
        return [(int(row_number), _MESSAGES[kind]) for row_number, kind in cursor.fetchall()]


def add_stale_errors(batch: ImportBatch, rows: Rows) -> int:
    """Add the stale rows of ``batch`` to ``rows.errors`` (rows read back in row order); return their count."""
    found = stale_rows(batch)
    if not found:
        return 0
    numbers = np.array([number for number, _ in found], dtype=np.int64)
    at = np.searchsorted(rows.row_numbers, numbers)  # rows are read back in row order
    for (number, message), i in zip(found, at, strict=True):
        if i < rows.n and rows.row_numbers[i] == number:
            rows.errors.add(int(i), "id_number", message)
    return len(found)


def mark_stale(batch: ImportBatch, rows: Rows) -> int:
    """Record the errors of ``rows`` on the batch's staged valid rows in one UPDATE; return how many changed.

    The errors go to a temporary table (COPY on PostgreSQL) that the UPDATE joins on the row number,
    so marking 50,000 stale rows costs one statement, not 50,000.
    """
    if not len(rows.errors):
        return 0
    bad = np.fromiter(sorted(rows.errors.by_row), dtype=np.int64)
    table = ImportRow._meta.db_table
    staged = pa.table(
        {
            "row_number": pa.array(rows.row_numbers[bad], pa.int64()),
            "errors": pa.array([rows.errors.as_json(int(i)) for i in bad], pa.string()),
        }
    )
    cast = "::jsonb" if bulk.is_postgresql() else ""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS import_stale_row")
        cursor.execute("CREATE TEMPORARY TABLE import_stale_row (row_number bigint PRIMARY KEY, errors text)")
        bulk.load("import_stale_row", staged)
        cursor.execute(
            f"UPDATE {table} SET status = %s, action = '', errors = s.errors{cast} FROM import_stale_row AS s "
            f"WHERE {table}.batch_id = %s AND {table}.status = %s AND {table}.row_number = s.row_number",
            [RowStatus.INVALID.value, batch.pk, RowStatus.VALID.value],
        )
        count = cursor.rowcount
        cursor.execute("DROP TABLE import_stale_row")
    return count


__all__ = ["NOW_EDITED", "NOW_LEFT", "NOW_REGISTERED", "add_stale_errors", "mark_stale", "stale_rows"]
