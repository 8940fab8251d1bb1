"""Read the facts of every active household under a region prefix on a date, set-based, into columns.

A handful of SQL statements per chunk of households (a household-id range): the households, their
members through ``Membership`` valid on the date, and each kind of evidence valid on the date and
known (recorded and not superseded) at ``known_at``. Every row carries its household id and every
result is ordered by it, so a chunk can be cut into batches with ``searchsorted``. Money comes as
integer fen, dates as days since 1970-01-01, categories as small integer codes into the fixed
vocabularies below; nothing is an ORM object.

On PostgreSQL each statement is streamed with ``COPY … TO STDOUT (FORMAT csv)`` and parsed by
pyarrow; elsewhere (SQLite in tests and the demo) the rows are fetched through the DB-API cursor.
The selection rules are those of ``registry.selectors.household_as_of`` and the picking rules
(worst disability, latest capacity/self-care/schooling, counted assets) those of
``policy.facts_bridge``; ``tests/simulation/test_extract.py`` holds them equal.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.db import connection

from doudi.registry.models import (
    Asset,
    AssetKind,
    Disability,
    DisabilityCategory,
    Household,
    Illness,
    Income,
    IncomeCategory,
    LabourCapacity,
    LabourCapacityLevel,
    Membership,
    Person,
    Relation,
    Schooling,
    SchoolStage,
    SelfCare,
)

# Fixed vocabularies: a column of codes indexes one of these (-1 for a value not listed).
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "area": ("urban", "rural"),
    "relation": tuple(Relation.values),
    "income": tuple(IncomeCategory.values),
    "disability": tuple(DisabilityCategory.values),
    "labour": tuple(LabourCapacityLevel.values),
    "stage": tuple(SchoolStage.values),
    "asset": tuple(AssetKind.values),
}
FINANCIAL_ASSETS = ("deposit", "securities", "insurance")
COUNTED_ASSETS = (*FINANCIAL_ASSETS, "business_share", "real_estate", "vehicle")
EPOCH = date(1970, 1, 1)

# (column name, kind): "int" is an integer column, any other kind names a vocabulary.
Spec = tuple[tuple[str, str], ...]


@dataclass
class Chunk:
    """The facts of a range of households as columns; every table has a sorted ``hh`` column.

    Tables: ``households`` (hh, region, area), ``members`` (hh, person, relation, birth),
    ``income`` (hh, person, category, fen), ``disability`` (hh, person, category, grade; the worst
    per person), ``illness`` (hh, person, serious, fen), ``labour`` (hh, person, level),
    ``selfcare`` (hh, person, unable), ``schooling`` (hh, person, stage, full_time) — the latest
    per person —, and ``asset`` (hh, person, kind, exempt, fen, quantity; counted assets only).
    """

    tables: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)

    @property
    def households(self) -> dict[str, np.ndarray]:
        return self.tables["households"]

    def __len__(self) -> int:
        return len(self.households["hh"])

    def slice(self, start: int, stop: int) -> Chunk:
        """Return the households at positions ``start:stop`` with their rows (views, no copy)."""
        ids = self.households["hh"]
        if start >= stop:
            lo, hi = 0, -1
        else:
            lo, hi = int(ids[start]), int(ids[stop - 1])
        out = {}
        for name, cols in self.tables.items():
            hh = cols["hh"]
            a, b = np.searchsorted(hh, lo, "left"), np.searchsorted(hh, hi, "right")
            out[name] = {k: v[a:b] for k, v in cols.items()}
        return Chunk(out)

    def batches(self, size: int) -> Iterator[Chunk]:
        for start in range(0, len(self), size):
            yield self.slice(start, min(start + size, len(self)))


# ---------------------------------------------------------------- SQL


def _vendor_sql():
    if connection.vendor == "postgresql":
        return {
            "fen": "CAST({} * 100 AS BIGINT)",
            "days": "({} - DATE '1970-01-01')",
            "int": "CAST({} AS BIGINT)",
        }
    return {
        "fen": "CAST(ROUND({} * 100) AS INTEGER)",
        "days": "CAST(julianday({}) - 2440587.5 AS INTEGER)",
        "int": "CAST({} AS INTEGER)",
    }


def _flag(column: str) -> str:
    return f"CASE WHEN {column} THEN 1 ELSE 0 END"


H, M, P = Household._meta.db_table, Membership._meta.db_table, Person._meta.db_table
HH_FILTER = "h.id BETWEEN %s AND %s AND h.status = 'active' AND h.region_id LIKE %s"
MEMBER_VALID = (
    "m.valid_from <= %s AND m.recorded_at <= %s AND (m.valid_to IS NULL OR m.valid_to > %s OR m.closed_at > %s)"
)
EVIDENCE_VALID = (
    "e.valid_from <= %s AND (e.valid_to IS NULL OR e.valid_to > %s) "
    "AND e.recorded_at <= %s AND (e.superseded_at IS NULL OR e.superseded_at > %s)"
)


@dataclass(frozen=True)
class _Query:
    sql: str
    spec: Spec
    level: str  # "households", "members" or "evidence": which filters take parameters
    first_per_person: bool = False


def _queries() -> dict[str, _Query]:
    v = _vendor_sql()
    fen, days, as_int = v["fen"].format, v["days"].format, v["int"].format
    evidence_from = (
        f"FROM {{table}} e JOIN {M} m ON m.person_id = e.person_id JOIN {H} h ON h.id = m.household_id "
        f"WHERE {HH_FILTER} AND {MEMBER_VALID} AND {EVIDENCE_VALID}"
    )

    def evidence(model, columns: str, spec: Spec, order: str, first: bool = False, where: str = "") -> _Query:
        sql = (
            f"SELECT m.household_id, e.person_id, {columns} "
            + evidence_from.format(table=model._meta.db_table)
            + where
            + f" ORDER BY m.household_id, e.person_id, {order}"
        )
        return _Query(sql, (("hh", "int"), ("person", "int"), *spec), "evidence", first)

    latest = "e.valid_from DESC, e.id DESC"
    unable = " + ".join(_flag(f"e.{f}") for f in SelfCare.value_fields)
    counted = ", ".join(f"'{k}'" for k in COUNTED_ASSETS)
    return {
        "households": _Query(
            f"SELECT h.id, {as_int('h.region_id')}, h.area_type FROM {H} h WHERE {HH_FILTER} ORDER BY h.id",
            (("hh", "int"), ("region", "int"), ("area", "area")),
            "households",
        ),
        "members": _Query(
            f"SELECT m.household_id, m.person_id, m.relation, {days('p.birth_date')} "
            f"FROM {M} m JOIN {H} h ON h.id = m.household_id JOIN {P} p ON p.id = m.person_id "
            f"WHERE {HH_FILTER} AND {MEMBER_VALID} ORDER BY m.household_id, m.valid_from, m.id",
            (("hh", "int"), ("person", "int"), ("relation", "relation"), ("birth", "int")),
            "members",
        ),
        "income": evidence(
            Income,
            f"e.category, {fen('e.monthly_amount')}",
            (("category", "income"), ("fen", "int")),
            "e.valid_from, e.id",
        ),
        "disability": evidence(
            Disability, "e.category, e.grade", (("category", "disability"), ("grade", "int")), "e.grade, e.id", True
        ),
        "illness": evidence(
            Illness,
            f"{_flag('e.serious')}, {fen('e.monthly_self_paid')}",
            (("serious", "int"), ("fen", "int")),
            "e.valid_from, e.id",
        ),
        "labour": evidence(LabourCapacity, "e.level", (("level", "labour"),), latest, True),
        "selfcare": evidence(SelfCare, f"({unable})", (("unable", "int"),), latest, True),
        "schooling": evidence(
            Schooling, f"e.stage, {_flag('e.full_time')}", (("stage", "stage"), ("full_time", "int")), latest, True
        ),
        "asset": evidence(
            Asset,
            f"e.kind_of_asset, {_flag('e.exempt')}, {fen('e.value')}, e.quantity",
            (("kind", "asset"), ("exempt", "int"), ("fen", "int"), ("quantity", "int")),
            "e.valid_from, e.id",
            where=f" AND e.kind_of_asset IN ({counted}) AND (e.kind_of_asset = 'vehicle' OR NOT e.exempt)",
        ),
    }


# ---------------------------------------------------------------- reading


def _codes(values: pa.Array | pa.ChunkedArray, vocabulary: str) -> np.ndarray:
    codes = pc.index_in(values, value_set=pa.array(VOCABULARIES[vocabulary], pa.string()))
    return pc.fill_null(codes, -1).to_numpy().astype(np.int16)


def _to_columns(table: pa.Table, spec: Spec) -> dict[str, np.ndarray]:
    out = {}
    for (name, kind), column in zip(spec, table.columns, strict=True):
        if kind == "int":
            out[name] = column.to_numpy().astype(np.int64, copy=False)
        else:
            out[name] = _codes(column, kind)
    return out


def _read_postgresql(sql: str, params: list, spec: Spec) -> pa.Table:
    import psycopg

    raw = connection.connection
    literal = psycopg.ClientCursor(raw).mogrify(sql, params)
    buffer = io.BytesIO()
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY ({literal}) TO STDOUT (FORMAT csv)") as copy:
        for block in copy:
            buffer.write(block)
    types = {name: pa.int64() if kind == "int" else pa.string() for name, kind in spec}
    if buffer.tell() == 0:
        return pa.table({name: pa.array([], t) for name, t in types.items()})
    buffer.seek(0)
    return pacsv.read_csv(
        buffer,
        read_options=pacsv.ReadOptions(column_names=[n for n, _ in spec], block_size=1 << 24),
        convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=False),
    )


def _read_cursor(sql: str, params: list, spec: Spec) -> pa.Table:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in spec]
    return pa.table(
        {
            name: pa.array(col, pa.int64() if kind == "int" else pa.string())
            for (name, kind), col in zip(spec, columns, strict=True)
        }
    )


def _first_per_person(cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    hh, person = cols["hh"], cols["person"]
    if len(hh) < 2:
        return cols
    keep = np.empty(len(hh), dtype=bool)
    keep[0] = True
    keep[1:] = (hh[1:] != hh[:-1]) | (person[1:] != person[:-1])
    return {k: v[keep] for k, v in cols.items()}


def _params(query: _Query, lo: int, hi: int, prefix: str, on: date, known_at: datetime) -> list:
    ops = connection.ops
    day, known = ops.adapt_datefield_value(on), ops.adapt_datetimefield_value(known_at)
    params = [lo, hi, f"{prefix}%"]
    if query.level != "households":
        params += [day, known, day, known]
    if query.level == "evidence":
        params += [day, day, known, known]
    return params


def read_chunk(prefix: str, on: date, known_at: datetime, lo: int, hi: int) -> Chunk:
    """Return the facts of the active households under ``prefix`` with ``lo <= id <= hi``."""
    read = _read_postgresql if connection.vendor == "postgresql" else _read_cursor
    tables = {}
    for name, query in _queries().items():
        cols = _to_columns(read(query.sql, _params(query, lo, hi, prefix, on, known_at), query.spec), query.spec)
        tables[name] = _first_per_person(cols) if query.first_per_person else cols
    return Chunk(tables)


def household_ids(prefix: str) -> np.ndarray:
    """Return the ids of the active households under ``prefix``, ascending."""
    ids = (
        Household.objects.filter(region__code__startswith=prefix, status="active")
        .order_by("id")
        .values_list("id", flat=True)
    )
    return np.fromiter(ids.iterator(chunk_size=50_000), dtype=np.int64)


def chunks(prefix: str, on: date, known_at: datetime, *, size: int = 200_000, ids: np.ndarray | None = None):
    """Yield ``Chunk``s of at most ``size`` households covering every active household under ``prefix``."""
    if ids is None:
        ids = household_ids(prefix)
    for start in range(0, len(ids), size):
        part = ids[start : start + size]
        yield read_chunk(prefix, on, known_at, int(part[0]), int(part[-1]))
