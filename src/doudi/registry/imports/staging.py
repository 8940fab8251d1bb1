"""Writing checked rows to the staging table, and reading the valid ones back for a commit."""

from __future__ import annotations

import io

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection
from pyarrow import csv as pacsv

from doudi.registry.imports import bulk
from doudi.registry.imports.checks import CLEAN_KEYS, Rows
from doudi.registry.imports.columns import KEYS
from doudi.registry.imports.models import ImportBatch, ImportRow, RowStatus
from doudi.registry.imports.parsing import ParsedFile
from doudi.registry.imports.plan import Plan


def raw_json(table: pa.Table) -> pa.Array:
    """Return each row's cells, in template column order, as a JSON array (built column-wise, no Python loop)."""
    quoted = [bulk.json_text(table.column(key).combine_chunks()) for key in KEYS]
    return bulk.concat("[", pc.binary_join_element_wise(*quoted, ","), "]")


def stage_rows(batch: ImportBatch, parsed: ParsedFile, rows: Rows, plan: Plan) -> tuple[int, int]:
    """Write every row of the file with its errors and cleaned values; return (valid, invalid) counts."""
    n = rows.n
    bad = rows.errors.mask(n)
    invalid_count = int(bad.sum())
    good = pa.array(~bad)
    errors = np.full(n, "[]", dtype=object)
    for i in rows.errors.by_row:
        errors[i] = rows.errors.as_json(i)
    cleaned = {}
    for key in CLEAN_KEYS:
        column = rows.columns[key]
        if key == "birth_date":
            cleaned[key] = pc.if_else(good, column, pa.scalar(None, pa.date32()))
        elif key == "household_key":
            cleaned[key] = pc.utf8_slice_codeunits(column, 0, 40)
        elif key == "id_number":
            cleaned[key] = pc.utf8_slice_codeunits(column, 0, 18)
        else:
            cleaned[key] = pc.if_else(good, column, "")
    data = pa.table(
        {
            "batch_id": bulk.constant(batch.pk, n, pa.int64()),
            "row_number": pa.array(rows.row_numbers, pa.int64()),
            "status": pa.array(np.where(bad, RowStatus.INVALID.value, RowStatus.VALID.value).astype(object)),
            "action": pa.array(plan.actions.astype(object), pa.string()),
            "raw": pc.if_else(good, "[]", raw_json(parsed.table)) if invalid_count else bulk.constant("[]", n),
            "errors": pa.array(errors, pa.string()),
            "data": bulk.constant("{}", n),
            **cleaned,
        }
    )
    bulk.load(ImportRow._meta.db_table, data)
    return n - invalid_count, invalid_count


_READ_TYPES = {"row_number": pa.int64(), "birth_date": pa.date32()}


def load_valid_rows(batch: ImportBatch) -> Rows:
    """Read back the valid staged rows of ``batch`` as columns, in row order."""
    names = ("row_number", *CLEAN_KEYS)
    sql = (
        f"SELECT {', '.join(names)} FROM {ImportRow._meta.db_table} "
        f"WHERE batch_id = %s AND status = 'valid' ORDER BY row_number"
    )
    if bulk.is_postgresql():
        buffer = io.BytesIO()
        with connection.cursor() as cursor:
            query = cursor.cursor.mogrify(sql, [batch.pk])
            with cursor.cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy:
                for chunk in copy:
                    buffer.write(chunk)
        buffer.seek(0)
        if buffer.getbuffer().nbytes:
            table = pacsv.read_csv(
                buffer,
                read_options=pacsv.ReadOptions(column_names=list(names)),
                parse_options=pacsv.ParseOptions(newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(
                    column_types={n: _READ_TYPES.get(n, pa.string()) for n in names},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
            columns = {n: table.column(n).combine_chunks() for n in names}
        else:
            columns = {n: pa.array([], _READ_TYPES.get(n, pa.string())) for n in names}
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, [batch.pk])
            fetched = cursor.fetchall()
        lists = list(zip(*fetched, strict=True)) if fetched else [[] for _ in names]
        columns = {}
        for name, values in zip(names, lists, strict=True):
            if name == "birth_date":
                # SQLite's driver turns "date" columns into date objects; text is cast just in case.
                array = pa.array(values)
                columns[name] = array if pa.types.is_date32(array.type) else pc.cast(array, pa.date32())
            else:
                columns[name] = pa.array(values, _READ_TYPES.get(name, pa.string()))
    row_numbers = columns.pop("row_number").to_numpy(zero_copy_only=False).astype(np.int64)
    return Rows(columns=columns, row_numbers=row_numbers)


__all__ = ["load_valid_rows", "raw_json", "stage_rows"]
