"""Write generated demo data to the database, set-based.

PostgreSQL: ids are reserved from each table's sequence, then every table is streamed with one
``COPY … FROM STDIN (FORMAT csv)`` whose CSV is written by Arrow (no Python loop per row). For a
large load into tables that are small beside it, the secondary indexes and the foreign keys of the
written tables are dropped first and rebuilt afterwards (one sort per index and one join per key,
instead of millions of index insertions and trigger calls), all inside the same transaction, so a
failure leaves nothing behind. SQLite: ``executemany`` in batches.

The data comes from ``doudi.registry.demo.generator``; this module only knows how to write it, which
villages to spread it over and how to remove an earlier run (households marked ``DEMO_NOTE``).
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.db import connection, models, transaction
from django.db.models import Max, Q
from django.utils import timezone

from doudi.audit.models import AuditEvent
from doudi.regions.models import Level, Region, pad_code
from doudi.registry.demo.generator import DEMO_NOTE, DemoData, VillageSet
from doudi.registry.identity import address_code_known
from doudi.registry.models import EVIDENCE_MODELS, Household, Membership, Person

MODELS: dict[str, type[models.Model]] = {
    "household": Household,
    "person": Person,
    "membership": Membership,
    **EVIDENCE_MODELS,
}
# Columns holding local (0-based) ids and the table whose reserved ids they are shifted onto.
_ID_COLUMNS = {"id": None, "household_id": "household", "person_id": "person"}
# Below this many rows (or when the tables already hold more) indexes are kept during the load.
BULK_ROWS = 200_000
_BATCH_ROWS = 50_000


@dataclass
class LoadReport:
    """Seconds spent per phase, in order, and rows written per table."""

    phases: list[tuple[str, float]] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    rebuilt_indexes: bool = False
    replaced: int = 0

    def timed(self, label: str, fn: Callable[[], object]):
        start = time.perf_counter()
        result = fn()
        self.phases.append((label, time.perf_counter() - start))
        return result


# --------------------------------------------------------------------------------------------------
# What to generate on
# --------------------------------------------------------------------------------------------------


def village_set(prefix: str) -> VillageSet:
    """Return the loaded villages under a region prefix (e.g. ``430981`` or ``43``), ordered by code.

    Persons registered in a county whose current code is unknown to the ID code list (a county
    re-coded recently) get the code of a known county of the same prefecture, as older IDs do.
    """
    rows = list(
        Region.objects.filter(level=Level.VILLAGE, code__startswith=prefix)
        .order_by("code")
        .values_list("code", "name", "area_type", "parent__name", "parent__parent__name")
    )
    counties = list(
        Region.objects.filter(level=Level.COUNTY, code__startswith=prefix[:2])
        .order_by("code")
        .values_list("code", flat=True)
    )
    known = [c[:6] for c in counties if address_code_known(c[:6], 2100)]
    address: dict[str, str] = {}
    for code in sorted({r[0][:6] for r in rows}):
        if code in known:
            address[code] = code
        else:
            same_city = [k for k in known if k[:4] == code[:4]]
            address[code] = (same_city or known or [code])[0]
    return VillageSet(
        codes=[r[0] for r in rows],
        names=[r[1] for r in rows],
        urban=[r[2] == "urban" for r in rows],
        township_names=[r[3] or "" for r in rows],
        county_names=[r[4] or "" for r in rows],
        address_codes=[address[r[0][:6]] for r in rows],
        migrant_codes=known,
    )


def start_sequences(villages: VillageSet) -> list[int]:
    """Return, per village, the last household sequence number used by a household that is kept (0 if none).

    Demo households do not count: a new run replaces them (see ``delete_demo``).
    """
    prefix = _common_prefix(villages.codes)
    kept = Household.objects.filter(region__code__startswith=prefix).exclude(note=DEMO_NOTE)
    last = dict(kept.values_list("region_id").annotate(m=Max("number")))
    return [int(last[c][12:]) if c in last and last[c][12:].isdigit() else 0 for c in villages.codes]


def taken_id_bodies(villages: VillageSet, *, replacing: str = "") -> np.ndarray:
    """Return the first 17 digits (as int) of ID numbers already registered on the villages' address codes.

    ``replacing`` is a region prefix whose demo persons are about to be deleted: their numbers are free.
    """
    codes = sorted(set(villages.address_codes) | set(villages.migrant_codes))
    if not codes or not Person.objects.exists():
        return np.zeros(0, dtype=np.int64)
    condition = Q()
    for code in codes:
        condition |= Q(id_number__startswith=code)
    persons = Person.objects.filter(condition)
    if replacing:
        persons = persons.exclude(household__in=demo_households(replacing))
    numbers = persons.values_list("id_number", flat=True).iterator(chunk_size=20_000)
    return np.array([int(n[:17]) for n in numbers if n[:17].isdigit()], dtype=np.int64)


def _common_prefix(codes: list[str]) -> str:
    if not codes:
        return ""
    first, last = min(codes), max(codes)
    i = 0
    while i < len(first) and first[i] == last[i]:
        i += 1
    return first[:i]


# --------------------------------------------------------------------------------------------------
# Removing an earlier run
# --------------------------------------------------------------------------------------------------


def demo_households(prefix: str):
    return Household.objects.filter(region__code__startswith=prefix, note=DEMO_NOTE)


def delete_demo(prefix: str) -> int:
    """Delete the demo households under ``prefix`` with their members, memberships and evidence.

    Households registered by people (without the demo note) are kept. Raises ``IntegrityError`` if
    other records (e.g. applications) still refer to the demo persons. Returns the households deleted.
    """
    qn = connection.ops.quote_name
    hh, person = qn(Household._meta.db_table), qn(Person._meta.db_table)
    households_sql = f"SELECT id FROM {hh} WHERE region_id LIKE %s AND note = %s"
    persons_sql = f"SELECT id FROM {person} WHERE household_id IN ({households_sql})"
    params = [prefix + "%", DEMO_NOTE]
    with transaction.atomic(), connection.cursor() as cursor:
        for model in EVIDENCE_MODELS.values():
            cursor.execute(f"DELETE FROM {qn(model._meta.db_table)} WHERE person_id IN ({persons_sql})", params)
        membership = qn(Membership._meta.db_table)
        cursor.execute(
            f"DELETE FROM {membership} WHERE household_id IN ({households_sql}) OR person_id IN ({persons_sql})",
            params + params,
        )
        cursor.execute(f"DELETE FROM {person} WHERE id IN ({persons_sql})", params)
        cursor.execute(f"DELETE FROM {hh} WHERE id IN ({households_sql})", params)
        return cursor.rowcount


# --------------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------------


def _complete(table: pa.Table, model: type[models.Model]) -> pa.Table:
    """Add the model's columns the generator does not know (e.g. added later) with their defaults.

    Raises ``ValueError`` for a column that has neither a default nor NULL allowed.
    """
    n = table.num_rows
    present = set(table.column_names)
    for f in model._meta.concrete_fields:
        if f.column in present:
            continue
        if f.has_default():
            default = f.get_default()
            table = table.append_column(f.column, pa.array([default] * 1).take(pa.array(np.zeros(n, dtype=np.int64))))
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            table = table.append_column(f.column, pa.repeat(pa.scalar(timezone.now()), n))
        elif f.null:
            table = table.append_column(f.column, pa.nulls(n))
        else:
            raise ValueError(f"{model._meta.db_table}.{f.column}: no value and no default")
    return table


def _with_ids(name: str, table: pa.Table, bases: dict[str, int]) -> pa.Table:
    for column, target in _ID_COLUMNS.items():
        if column in table.column_names:
            base = bases[target or name]
            index = table.schema.get_field_index(column)
            table = table.set_column(index, column, pc.add(table[column], pa.scalar(base, pa.int64())))
    return table


def load(
    data: DemoData, *, prefix: str, seed: int, replace: bool = False, report: LoadReport | None = None
) -> LoadReport:
    """Write ``data`` in one transaction with one audit row; return the timings.

    With ``replace``, the demo households under ``prefix`` are deleted first, in the same transaction
    (``IntegrityError`` if other records refer to them: nothing is changed then).
    """
    report = report or LoadReport()
    with transaction.atomic():
        replaced = report.timed("delete earlier demo data", lambda: delete_demo(prefix)) if replace else 0
        if connection.vendor == "postgresql":
            _load_postgresql(data, report)
        else:
            _load_executemany(data, report)
        region = Region.objects.filter(code=pad_code(prefix)).first()
        AuditEvent.objects.create(
            actor=None,
            action="generate_demo",
            target_type="region",
            target_id=pad_code(prefix),
            target_label=f"{region.full_name if region else prefix} 演示数据",
            region_code=pad_code(prefix),
            changes={
                "households": {"label": "家庭数", "old": "", "new": data.households.num_rows},
                "persons": {"label": "人数", "old": "", "new": data.persons.num_rows},
                "seed": {"label": "随机种子", "old": "", "new": seed},
                "replaced_households": {"label": "替换的家庭数", "old": "", "new": replaced},
            },
        )
    report.rows = {name: table.num_rows for name, table in data.tables()}
    report.replaced = replaced
    return report


def _load_executemany(data: DemoData, report: LoadReport) -> None:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        bases = {}
        for name, model in MODELS.items():
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {qn(model._meta.db_table)}")
            bases[name] = cursor.fetchone()[0]
        for name, table in data.tables():
            model = MODELS[name]
            table = _complete(_with_ids(name, table, bases), model)
            columns = ", ".join(qn(c) for c in table.column_names)
            marks = ", ".join(["%s"] * table.num_columns)
            sql = f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ({marks})"

            def insert(table=table, sql=sql):
                for batch in table.to_batches(max_chunksize=_BATCH_ROWS):
                    cursor.executemany(sql, list(zip(*(_python_column(c) for c in batch.columns), strict=True)))

            report.timed(f"insert {name}", insert)


def _python_column(array: pa.Array) -> list:
    """Return the values as the SQLite backend stores them (text dates, naive-UTC datetimes, 0/1)."""
    if pa.types.is_timestamp(array.type):
        array = pc.strftime(array.cast(pa.timestamp("us", tz="UTC")), format="%Y-%m-%d %H:%M:%S")
    elif pa.types.is_date(array.type):
        array = pc.cast(array, pa.string())
    elif pa.types.is_boolean(array.type):
        array = pc.cast(array, pa.int8())
    return array.to_pylist()


def _load_postgresql(data: DemoData, report: LoadReport) -> None:
    from psycopg import sql
    from psycopg.copy import QueuedLibpqWriter

    tables = {name: MODELS[name]._meta.db_table for name, _t in data.tables()}
    with connection.cursor() as django_cursor:
        cur = django_cursor.cursor
        cur.execute("SET LOCAL synchronous_commit = off")
        cur.execute("SET LOCAL TIME ZONE 'UTC'")  # timestamps are written as naive UTC, see _naive_utc
        cur.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cur.execute("SET LOCAL work_mem = '1GB'")
        cur.execute(
            sql.SQL("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE").format(
                sql.SQL(", ").join(sql.Identifier(t) for t in tables.values())
            )
        )
        bases = {}
        for name, table in data.tables():
            bases[name] = _reserve_ids(cur, tables[name], table.num_rows)
        cur.execute(
            "SELECT COALESCE(SUM(reltuples)::bigint, 0) FROM pg_class WHERE relname = ANY(%s) AND reltuples > 0",
            [list(tables.values())],
        )
        existing = cur.fetchone()[0]
        rebuild = data.row_count() >= BULK_ROWS and existing < data.row_count()
        saved: list[str] = []
        if rebuild:
            saved = report.timed("drop indexes and foreign keys", lambda: _drop_secondary(cur, list(tables.values())))
        report.rebuilt_indexes = rebuild
        options = pacsv.WriteOptions(include_header=False, batch_size=_BATCH_ROWS)
        for name, table in data.tables():
            table = _naive_utc(_complete(_with_ids(name, table, bases), MODELS[name]))
            statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
                sql.Identifier(tables[name]), sql.SQL(", ").join(sql.Identifier(c) for c in table.column_names)
            )

            def copy(table=table, statement=statement):
                with cur.copy(statement, writer=QueuedLibpqWriter(cur)) as copy:
                    for batch in table.to_batches(max_chunksize=_BATCH_ROWS):
                        buffer = io.BytesIO()
                        pacsv.write_csv(batch, buffer, options)
                        copy.write(buffer.getbuffer())

            report.timed(f"COPY {name}", copy)
        # Statistics first: validating a foreign key is a join that the planner must size correctly
        # (and work_mem must hold the hash of the referenced table, or it spills to disk in batches).
        keys = [s for s in saved if " FOREIGN KEY " in s]
        for statement in [s for s in saved if s not in keys]:
            report.timed(f"  {_label(statement)}", lambda s=statement: cur.execute(s))
        report.timed(
            "ANALYZE", lambda: [cur.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(t))) for t in tables.values()]
        )
        for statement in keys:
            report.timed(f"  {_label(statement)}", lambda s=statement: cur.execute(s))


def _label(statement: str) -> str:
    if statement.startswith("CREATE"):
        return statement.split(" ON ")[0][:70]
    return statement.split(" ADD ")[1][:70]


def _naive_utc(table: pa.Table) -> pa.Table:
    """Drop the time zone of UTC timestamp columns: Arrow formats them 20 times faster without one."""
    for i, f in enumerate(table.schema):
        if pa.types.is_timestamp(f.type) and f.type.tz is not None:
            table = table.set_column(i, f.name, pc.cast(table[f.name], pa.timestamp(f.type.unit)))
    return table


def _reserve_ids(cur, table: str, count: int) -> int:
    """Take ``count`` consecutive ids from the table's sequence (the tables are locked) and return the first."""
    cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    sequence = cur.fetchone()[0]
    cur.execute("SELECT nextval(%s)", [sequence])
    first = cur.fetchone()[0]
    if count > 1:
        cur.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return first


def _drop_secondary(cur, tables: list[str]) -> list[str]:
    """Drop the unique/foreign-key constraints and plain indexes of ``tables``; return the SQL to restore them.

    The primary keys stay (COPY into a table with only its primary key is nearly as fast as into a
    bare one, and the key keeps the ids honest).
    """
    cur.execute(
        """
        SELECT c.conrelid::regclass::text, c.conname, c.contype, pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype IN ('u', 'f')
        ORDER BY c.contype DESC, c.conrelid::regclass::text, c.conname
        """,
        [tables],
    )
    constraints = cur.fetchall()
    cur.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u'))
        ORDER BY i.indrelid::regclass::text, 1
        """,
        [tables],
    )
    indexes = cur.fetchall()
    restore = []
    # Unique constraints first ('u' sorts after 'f' with DESC), then indexes, then foreign keys,
    # which can use the rebuilt indexes of the referenced tables.
    for table, name, _kind, _definition in constraints:
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cur.execute(f"DROP INDEX {name}")
    restore += [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, k, d in constraints if k == "u"]
    restore += [definition for _name, definition in indexes]
    restore += [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, k, d in constraints if k == "f"]
    return restore
