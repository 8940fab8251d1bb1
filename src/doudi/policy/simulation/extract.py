"""Read the facts of every active household under a region prefix on a date, set-based, into columns.

A handful of SQL statements per chunk of households (a household-id range): the households, their
memberships valid on the date, the persons, and each kind of evidence valid on the date and known
(recorded and not superseded) at ``known_at``. No statement joins evidence to households or sorts:
rows are matched to households and ordered in numpy, so every table of a ``Chunk`` carries its
household id in ascending order and a chunk can be cut into batches with ``searchsorted``. Money
comes as integer fen, dates as days since 1970-01-01, categories as small integer codes into the
fixed vocabularies below; nothing is an ORM object and nothing is queried per household.

On PostgreSQL each statement is streamed with ``COPY … TO STDOUT (FORMAT csv)`` and parsed by
pyarrow; elsewhere (SQLite in tests and the demo) the rows are fetched through the DB-API cursor.
The selection rules are those of ``registry.selectors.household_as_of`` and the picking rules
(worst disability, latest capacity/self-care/schooling, counted assets) those of
``policy.facts_bridge``; ``tests/simulation/test_extract.py`` holds them equal.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
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
    CareNeed,
    CareSetting,
    CareSettingKind,
    ChildBenefitChoice,
    ChildBenefitChoiceKind,
    Disability,
    DisabilityCategory,
    Exclusion,
    ExclusionReason,
    ExpenseCategory,
    Household,
    Illness,
    Income,
    IncomeCategory,
    JobRefusal,
    LabourCapacity,
    LabourCapacityLevel,
    LegalSupporter,
    Membership,
    OtherBenefit,
    OtherBenefitKind,
    ParentSituation,
    ParentSituationKind,
    Person,
    Relation,
    RigidExpense,
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
    "expense": tuple(ExpenseCategory.values),
    "situation": tuple(ParentSituationKind.values),
    "setting": tuple(CareSettingKind.values),
    "exclusion": tuple(ExclusionReason.values),
    "benefit": tuple(OtherBenefitKind.values),
    "choice": tuple(ChildBenefitChoiceKind.values),
}
NO_DAY = -(10**6)  # days value of a missing date (a parent's situation without an end)
FINANCIAL_ASSETS = ("deposit", "securities", "insurance")
COUNTED_ASSETS = (*FINANCIAL_ASSETS, "business_share", "real_estate", "non_residential", "vehicle")
EPOCH = date(1970, 1, 1)

# (column name, kind): "int" is an integer column, "text" a string kept as is, any other kind names a vocabulary.
Spec = tuple[tuple[str, str], ...]


@dataclass
class Chunk:
    """The facts of a range of households as columns; every table has a sorted ``hh`` column.

    Tables: ``households`` (hh, region, area), ``members`` (hh, person, relation, birth, name),
    ``income`` (hh, person, category, fen), ``disability`` (hh, person, category, grade, fen: its
    monthly costs; the worst per person), ``illness`` (hh, person, serious, fen, chronic), ``labour``
    (hh, person, level),
    ``selfcare`` (hh, person, unable), ``schooling`` (hh, person, stage, full_time), ``careneed``
    (hh, person, care), ``supporters`` (hh, person, capable: the legal supporters' situation),
    ``caresetting`` (hh, person, setting), ``exclusion`` (hh, person, reason), ``jobrefusal`` (hh,
    person, one: a row per refusal valid on the date), ``otherbenefit`` (hh, person, benefit, fen),
    ``childbenefitchoice`` (hh, person, choice),
    ``father`` and ``mother`` (hh, person, situation, since, until; ``NO_DAY`` for no end) — the latest
    per person —, ``rigidexpense`` (hh, person, category, fen) and ``asset`` (hh, person, kind, exempt,
    fen, quantity; counted assets only).
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
MEMBERS_OF_CHUNK = (
    f"SELECT m.person_id FROM {M} m JOIN {H} h ON h.id = m.household_id WHERE {HH_FILTER} AND {MEMBER_VALID}"
)


@dataclass(frozen=True)
class _Query:
    """One statement; ``order`` names the columns (prefix ``-`` = descending) rows are sorted by in numpy."""

    sql: str
    spec: Spec
    order: tuple[str, ...] = ()
    first_per_person: bool = False


# How persons (and their evidence) are selected for a chunk: by the list of the chunk's member ids
# (PostgreSQL, few persons: index lookups), by the range of those ids (PostgreSQL, many persons:
# one scan, rows of persons outside the chunk are dropped in numpy), or by a sub-select of the
# chunk's memberships (other databases).
PERSONS_BY = {
    "array": "{} = ANY(%s)",
    "range": "{} BETWEEN %s AND %s",
    "subquery": "{} IN (" + MEMBERS_OF_CHUNK + ")",
}
ARRAY_LIMIT = 50_000  # persons: above this a chunk's persons are read by id range


def _queries(persons_by: str) -> dict[str, _Query]:
    """Return the statements of a chunk, in the order they run.

    Memberships are read with their household filter; persons and each evidence table are read
    by person (``PERSONS_BY``) without a join, and matched to households in numpy. No statement
    sorts: rows are sorted in numpy, which is cheaper than a server sort.
    """
    v = _vendor_sql()
    fen, days, as_int = v["fen"].format, v["days"].format, v["int"].format
    persons = PERSONS_BY[persons_by]

    def evidence(model, columns: str, spec: Spec, order: str, first: bool = False, where: str = "") -> _Query:
        keys = {
            "history": (("from", days("e.valid_from")), ("id", "e.id")),
            "latest": (("-from", days("e.valid_from")), ("-id", "e.id")),
            "grade": (("grade", "e.grade"), ("id", "e.id")),
        }[order]
        sql = (
            f"SELECT e.person_id, {', '.join(expr for _, expr in keys)}, {columns} "
            f"FROM {model._meta.db_table} e WHERE {persons.format('e.person_id')} AND {EVIDENCE_VALID}{where}"
        )
        names = tuple(name for name, _ in keys)
        order_spec = tuple((name.lstrip("-"), "int") for name in names)
        return _Query(sql, (("person", "int"), *order_spec, *spec), names, first)

    unable = " + ".join(_flag(f"e.{f}") for f in SelfCare.value_fields)
    counted = ", ".join(f"'{k}'" for k in COUNTED_ASSETS)
    return {
        "households": _Query(
            f"SELECT h.id, {as_int('h.region_id')}, h.area_type FROM {H} h WHERE {HH_FILTER} ORDER BY h.id",
            (("hh", "int"), ("region", "int"), ("area", "area")),
        ),
        "members": _Query(
            # By household-id range only: memberships of households outside the region or closed are
            # dropped in numpy against the households read just before (cheaper than a join).
            f"SELECT m.household_id, m.person_id, m.relation, {days('m.valid_from')}, m.id "
            f"FROM {M} m WHERE m.household_id BETWEEN %s AND %s AND {MEMBER_VALID}",
            (("hh", "int"), ("person", "int"), ("relation", "relation"), ("from", "int"), ("id", "int")),
            ("hh", "from", "id"),
        ),
        "persons": _Query(
            f"SELECT p.id, {days('p.birth_date')}, p.name FROM {P} p WHERE {persons.format('p.id')}",
            (("person", "int"), ("birth", "int"), ("name", "text")),
        ),
        "income": evidence(
            Income, f"e.category, {fen('e.monthly_amount')}", (("category", "income"), ("fen", "int")), "history"
        ),
        "disability": evidence(
            Disability,
            f"e.category, {fen('e.monthly_costs')}",
            (("category", "disability"), ("fen", "int")),
            "grade",
            True,
        ),
        "illness": evidence(
            Illness,
            f"{_flag('e.serious')}, {fen('e.monthly_self_paid')}, {_flag('e.chronic_medication')}",
            (("serious", "int"), ("fen", "int"), ("chronic", "int")),
            "history",
        ),
        "labour": evidence(LabourCapacity, "e.level", (("level", "labour"),), "latest", True),
        "selfcare": evidence(SelfCare, f"({unable})", (("unable", "int"),), "latest", True),
        "schooling": evidence(
            Schooling, f"e.stage, {_flag('e.full_time')}", (("stage", "stage"), ("full_time", "int")), "latest", True
        ),
        "careneed": evidence(CareNeed, _flag("e.needs_long_term_care"), (("care", "int"),), "latest", True),
        "supporters": evidence(
            LegalSupporter,
            "CASE WHEN e.situation = 'capable' THEN 1 ELSE 0 END",
            (("capable", "int"),),
            "latest",
            True,
        ),
        "caresetting": evidence(CareSetting, "e.setting", (("setting", "setting"),), "latest", True),
        "exclusion": evidence(Exclusion, "e.reason", (("reason", "exclusion"),), "latest", True),
        "jobrefusal": evidence(JobRefusal, "1", (("one", "int"),), "history"),
        "otherbenefit": evidence(
            OtherBenefit, f"e.benefit, {fen('e.monthly_amount')}", (("benefit", "benefit"), ("fen", "int")), "history"
        ),
        "childbenefitchoice": evidence(ChildBenefitChoice, "e.choice", (("choice", "choice"),), "latest", True),
        "rigidexpense": evidence(
            RigidExpense, f"e.category, {fen('e.amount_12m')}", (("category", "expense"), ("fen", "int")), "history"
        ),
        **{
            parent: evidence(
                ParentSituation,
                f"e.situation, {days('e.valid_from')}, COALESCE({days('e.valid_to')}, {NO_DAY})",
                (("situation", "situation"), ("since", "int"), ("until", "int")),
                "latest",
                True,
                where=f" AND e.parent = '{parent}'",
            )
            for parent in ("father", "mother")
        },
        "asset": evidence(
            Asset,
            f"e.kind_of_asset, {_flag('e.exempt')}, {fen('e.value')}, e.quantity",
            (("kind", "asset"), ("exempt", "int"), ("fen", "int"), ("quantity", "int")),
            "history",
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
        elif kind == "text":
            out[name] = column.to_numpy(zero_copy_only=False).astype(object, copy=False)
        else:
            out[name] = _codes(column, kind)
    return out


def _arrow_type(kind: str) -> pa.DataType:
    return pa.int64() if kind == "int" else pa.string()


def _read_postgresql(sql: str, params: list, spec: Spec) -> pa.Table:
    import psycopg

    connection.ensure_connection()
    literal = psycopg.ClientCursor(connection.connection).mogrify(sql, params)
    buffer = io.BytesIO()
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY ({literal}) TO STDOUT (FORMAT csv)") as copy:
        for block in copy:
            buffer.write(block)
    types = {name: _arrow_type(kind) for name, kind in spec}
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
    return pa.table({name: pa.array(col, _arrow_type(kind)) for (name, kind), col in zip(spec, columns, strict=True)})


def _in_order(arrays: list[np.ndarray]) -> bool:
    """Return whether the rows are already sorted by ``arrays`` (most significant first)."""
    undecided = np.ones(len(arrays[0]) - 1, dtype=bool)  # consecutive pairs equal on all keys so far
    for a in arrays:
        before, after = a[:-1], a[1:]
        if (undecided & (after < before)).any():
            return False
        undecided &= after == before
    return True


def _sorted(cols: dict[str, np.ndarray], keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Return the rows sorted by ``keys`` (a ``-`` prefix sorts that key descending).

    Rows often arrive in order (tables are read in physical order, which follows insertion), so
    the order is checked first: a linear pass instead of a sort.
    """
    if len(cols[keys[0].lstrip("-")]) > 1:
        arrays = [-cols[k[1:]] if k.startswith("-") else cols[k] for k in keys]
        if not _in_order(arrays):
            order = np.lexsort(arrays[::-1])
            cols = {k: v[order] for k, v in cols.items()}
    return cols


class _ByPerson:
    """The chunk's memberships ordered by person, to find each evidence row's household(s)."""

    def __init__(self, members: dict[str, np.ndarray]):
        self.order = np.argsort(members["person"], kind="stable")
        self.persons = members["person"][self.order]
        self.hh = members["hh"]


def _attach(cols: dict[str, np.ndarray], members: _ByPerson) -> dict[str, np.ndarray]:
    """Return evidence rows with the household of each.

    A row of a person outside the chunk is dropped; a row of a person in two of the chunk's
    households (two memberships valid on the date) is kept once for each, as the bridge would.
    """
    order, persons = members.order, members.persons
    left = np.searchsorted(persons, cols["person"], "left")
    counts = np.searchsorted(persons, cols["person"], "right") - left
    if counts.size and counts.min() == 1 and counts.max() == 1:
        return {"hh": members.hh[order[left]], **cols}
    rows = np.repeat(np.arange(len(counts)), counts)
    offsets = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
    return {"hh": members.hh[order[left[rows] + offsets]], **{k: v[rows] for k, v in cols.items()}}


def _first_per_person(cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    hh, person = cols["hh"], cols["person"]
    if len(hh) < 2:
        return cols
    keep = np.empty(len(hh), dtype=bool)
    keep[0] = True
    keep[1:] = (hh[1:] != hh[:-1]) | (person[1:] != person[:-1])
    return {k: v[keep] for k, v in cols.items()}


@contextmanager
def _session_for_bulk_reads():
    """Give PostgreSQL room to hash whole tables in memory (and skip JIT and parallel scans) for a chunk."""
    if connection.vendor != "postgresql":
        yield
        return
    scope = "LOCAL " if connection.in_atomic_block else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SET {scope}work_mem = '256MB'")
        cursor.execute(f"SET {scope}jit = off")
        # The simulation's own worker processes use the cores; parallel scans would only compete with them.
        cursor.execute(f"SET {scope}max_parallel_workers_per_gather = 0")
    try:
        yield
    finally:
        if not scope:
            with connection.cursor() as cursor:
                cursor.execute("RESET work_mem")
                cursor.execute("RESET jit")
                cursor.execute("RESET max_parallel_workers_per_gather")


def _of_households(cols: dict[str, np.ndarray], households: np.ndarray) -> dict[str, np.ndarray]:
    """Return the rows whose household is one of ``households`` (sorted ids)."""
    if not len(households):
        return {k: v[:0] for k, v in cols.items()}
    at = np.clip(np.searchsorted(households, cols["hh"]), 0, len(households) - 1)
    keep = households[at] == cols["hh"]
    return cols if keep.all() else {k: v[keep] for k, v in cols.items()}


def _join_persons(members: dict[str, np.ndarray], persons: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Return the members with the birth date and name of each person."""
    order = np.argsort(persons["person"], kind="stable")
    ids = persons["person"][order]
    at = order[np.searchsorted(ids, members["person"])]
    return {**members, "birth": persons["birth"][at], "name": persons["name"][at]}


def read_chunk(prefix: str, on: date, known_at: datetime, lo: int, hi: int) -> Chunk:
    """Return the facts of the active households under ``prefix`` with ``lo <= id <= hi``."""
    postgresql = connection.vendor == "postgresql"
    read = _read_postgresql if postgresql else _read_cursor
    ops = connection.ops
    day, known = ops.adapt_datefield_value(on), ops.adapt_datetimefield_value(known_at)
    chunk_params = [lo, hi, f"{prefix}%"]
    member_params = [*chunk_params, day, known, day, known]
    tables: dict[str, dict[str, np.ndarray]] = {}
    with _session_for_bulk_reads():
        queries = _queries("subquery")
        for name in ("households", "members"):
            query = queries[name]
            params = chunk_params if name == "households" else [lo, hi, day, known, day, known]
            cols = _to_columns(read(query.sql, params, query.spec), query.spec)
            if name == "members":
                cols = _of_households(cols, tables["households"]["hh"])
            tables[name] = _sorted(cols, query.order) if query.order else cols
        persons = np.unique(tables["members"]["person"])
        if not postgresql:
            persons_by, person_params = "subquery", member_params
        elif len(persons) <= ARRAY_LIMIT:
            persons_by, person_params = "array", [persons.tolist()]
        else:
            persons_by, person_params = "range", [int(persons[0]), int(persons[-1])]
        queries = _queries(persons_by)
        by_person = _ByPerson(tables["members"])
        for name, query in queries.items():
            if name in ("households", "members"):
                continue
            params = person_params if name == "persons" else [*person_params, day, day, known, known]
            cols = _to_columns(read(query.sql, params, query.spec), query.spec)
            if name == "persons":
                tables["members"] = _join_persons(tables["members"], cols)
                continue
            cols = _sorted(_attach(cols, by_person), ("hh", "person", *query.order))
            if query.first_per_person:
                cols = _first_per_person(cols)
            tables[name] = {k: v for k, v in cols.items() if k not in ("from", "id")}
    tables["members"] = {k: v for k, v in tables["members"].items() if k not in ("from", "id")}
    return Chunk(tables)


def household_ids(prefix: str) -> np.ndarray:
    """Return the ids of the active households under ``prefix``, ascending."""
    sql = f"SELECT h.id FROM {H} h WHERE h.status = 'active' AND h.region_id LIKE %s ORDER BY h.id"
    read = _read_postgresql if connection.vendor == "postgresql" else _read_cursor
    return _to_columns(read(sql, [f"{prefix}%"], (("hh", "int"),)), (("hh", "int"),))["hh"]


def household_labels(ids: list[int]) -> dict[str, np.ndarray]:
    """Return number, village code and head's name of the given households as columns ordered by id."""
    spec: Spec = (("hh", "int"), ("number", "text"), ("village", "text"), ("head", "text"))
    columns = "h.id, h.number, h.region_id, h.head_name"
    if connection.vendor == "postgresql":
        table = _read_postgresql(f"SELECT {columns} FROM {H} h WHERE h.id = ANY(%s)", [list(ids)], spec)
    else:
        parts = [
            _read_cursor(
                f"SELECT {columns} FROM {H} h WHERE h.id IN ({', '.join(['%s'] * len(ids[i : i + 500]))})",
                ids[i : i + 500],
                spec,
            )
            for i in range(0, len(ids), 500)
        ]
        table = pa.concat_tables(parts) if parts else _read_cursor(f"SELECT {columns} FROM {H} h WHERE 1 = 0", [], spec)
    return _sorted(_to_columns(table, spec), ("hh",))


def chunks(prefix: str, on: date, known_at: datetime, *, size: int = 200_000, ids: np.ndarray | None = None):
    """Yield ``Chunk``s of at most ``size`` households covering every active household under ``prefix``."""
    if ids is None:
        ids = household_ids(prefix)
    for start in range(0, len(ids), size):
        part = ids[start : start + size]
        yield read_chunk(prefix, on, known_at, int(part[0]), int(part[-1]))
