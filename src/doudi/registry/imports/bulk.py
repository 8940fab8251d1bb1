"""Set-based loading of Arrow columns into tables: COPY on PostgreSQL, executemany on SQLite.

Both run on the connection's current transaction, so a failure anywhere rolls back every row.
"""

from __future__ import annotations

import io

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection
from pyarrow import csv as pacsv


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def constant(value, n: int, type_: pa.DataType | None = None) -> pa.Array:
    """Return an array of ``n`` copies of ``value`` (null when ``value`` is None)."""
    if value is None:
        return pa.nulls(n, type_ or pa.string())
    return pa.array(np.full(n, value, dtype=object), type_)


def timestamp(value) -> str:
    """Return an aware datetime as the text each backend stores for a DateTimeField."""
    if is_postgresql():
        return value.isoformat()
    return connection.ops.adapt_datetimefield_value(value)


def json_text(array: pa.Array) -> pa.Array:
    """Return each string as a JSON string literal (quoted and escaped), without a Python loop."""
    text = pc.replace_substring(array, pattern="\\", replacement="\\\\")
    text = pc.replace_substring(text, pattern='"', replacement='\\"')
    text = pc.replace_substring(text, pattern="\n", replacement="\\n")
    text = pc.replace_substring(text, pattern="\r", replacement="\\r")
    text = pc.replace_substring(text, pattern="\t", replacement="\\t")
    # Other control characters cannot occur in a sensible cell; PostgreSQL's jsonb refuses \u0000.
    text = pc.replace_substring_regex(text, pattern="[\\x00-\\x1f]", replacement=" ")
    return pc.binary_join_element_wise('"', text, '"', "")


def concat(*parts) -> pa.Array:
    """Concatenate string arrays and literals element-wise."""
    return pc.binary_join_element_wise(*parts, "")


def allocate_ids(model, count: int) -> np.ndarray:
    """Reserve ``count`` primary keys of ``model`` so that rows referring to each other can be loaded at once.

    PostgreSQL draws them from the table's sequence (safe under concurrency). SQLite holds the
    database's write lock for the whole transaction, so the ids after the highest ever used are free.
    """
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if is_postgresql():
            # The sequence is named once: ``nextval(pg_get_serial_sequence(…))`` looked it up again for
            # every id, six times the cost of the ids themselves (2 s for 300,000 persons). The ids come
            # back as one text value, not one row each.
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]
            cursor.execute(
                "SELECT string_agg(nextval(%s::regclass)::text, ',') FROM generate_series(1, %s)", [sequence, count]
            )
            return np.array(cursor.fetchone()[0].split(","), dtype=np.int64)
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(highest, row[0] if row else 0) + 1
    return np.arange(start, start + count, dtype=np.int64)


# Rows converted at a time: the text of 50,000 rows, not of the whole file, is in memory at once.
_LOAD_SLICE = 50_000


def load(table: str, data: pa.Table) -> None:
    """Append the rows of ``data`` (column names = table columns) to ``table`` in the current transaction.

    The rows go in slices of ``_LOAD_SLICE``, all in the caller's transaction, so memory stays flat
    in the number of rows.
    """
    if data.num_rows == 0:
        return
    columns = ", ".join(f'"{name}"' for name in data.column_names)
    with connection.cursor() as cursor:
        if is_postgresql():
            with cursor.cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN (FORMAT csv)') as copy:
                for start in range(0, data.num_rows, _LOAD_SLICE):
                    buffer = io.BytesIO()
                    options = pacsv.WriteOptions(include_header=False, batch_size=16384)
                    pacsv.write_csv(data.slice(start, _LOAD_SLICE), buffer, options)
                    view, step = buffer.getbuffer(), 8 << 20
                    for offset in range(0, len(view), step):
                        copy.write(view[offset : offset + step])
                    del view
            return
        # SQLite: dates as ISO text (what Django stores), then one prepared statement per slice.
        marks = ", ".join(["%s"] * data.num_columns)
        for start in range(0, data.num_rows, _LOAD_SLICE):
            part = data.slice(start, _LOAD_SLICE)
            arrays = [pc.cast(c, pa.string()) if pa.types.is_date(c.type) else c for c in part.columns]
            values = list(zip(*(a.to_pylist() for a in arrays), strict=True))
            cursor.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', values)
