"""The inputs of a run as Parquet files: a columnar extract of the registry and enrolments, and the parameters.

A handful of statements over whole tables (``COPY … TO STDOUT`` on PostgreSQL, the DB-API cursor on
SQLite, as ``policy.simulation.extract``), shaped in DuckDB and written to Parquet in the run's
directory, so that DuckDB and Spark read exactly the same files. Nothing is queried per person.

Tables (see ``monitoring.rules`` for how the rules read them):

- ``persons``: person_id, household_id, region_code (village), county_code, birth_key (yyyymmdd), area_type
- ``households``: household_id, region_code, county_code, area_type
- ``enrolled``: every person an enrolment live on the date covers (the holder and ``covered``), in the
  province, for persons of the region: enrolment_id, person_id, household_id, programme, family,
  programme_label, region_code (the enrolment's county, 6 digits)
- ``ended``: person_id, end_month — enrolments of the region ended (last month paid)
- ``refusals``: household_id, decided_on — applications refused
- ``relatives``: 近亲属备案 of the region's cases
- ``referrals``: person_id — persons referred by workers, still monitored
- ``staff_matches``: persons of the region found on the county's staff list (经办人员名单) as a worker in
  post on the date or a worker's declared close relative: person_id, staff_id (the worker), worker_name,
  post, relation ('' for the worker), member_name, start_on
- ``params``, ``milestones``, ``exempt_vehicles``, ``exclusive_pairs``, ``deadlines`` (``params.py``)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
from django.db import connection

from doudi.cases.models import Case as CaseModel
from doudi.cases.models import Decision, Enrolment, RelativeDeclaration
from doudi.monitoring.models import StaffMember, WorkerReferral
from doudi.monitoring.rules import EXCLUSIVE_PAIRS, PROGRAMME_FAMILY
from doudi.policy.engine.explain import PROGRAMME_LABELS
from doudi.policy.simulation.extract import _read_cursor, _read_postgresql
from doudi.regions.models import prefix_of
from doudi.registry.models import Household, Person

Spec = tuple[tuple[str, str], ...]


def _read(sql: str, params: list, spec: Spec) -> pa.Table:
    read = _read_postgresql if connection.vendor == "postgresql" else _read_cursor
    return read(sql, params, spec)


CHUNK = 65_536  # values per array in ``_read_integers``


def _read_integers(sql: str, params: list, names: tuple[str, ...]) -> pa.Table:
    """Read integer columns without NULLs (ids, codes, days) in bulk.

    On PostgreSQL the rows come as arrays of up to ``CHUNK`` values per column (``array_agg`` grouped by
    the first column, an id, divided by ``CHUNK``) in a binary ``COPY``: a few dozen rows instead of
    millions, each array read with numpy at once (12 bytes a value: a 4-byte length and the 8-byte
    integer). Elsewhere the DB-API cursor.
    """
    if connection.vendor != "postgresql":
        return _read_cursor(sql, params, tuple((n, "int") for n in names))
    import psycopg

    aliases = ", ".join(f"c{i}" for i in range(len(names)))
    arrays = ", ".join(f"array_agg(CAST(c{i} AS bigint))" for i in range(len(names)))
    wrapped = f"SELECT {arrays} FROM ({sql}) q({aliases}) GROUP BY c0 / {CHUNK}"
    connection.ensure_connection()
    literal = psycopg.ClientCursor(connection.connection).mogrify(wrapped, params)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY ({literal}) TO STDOUT (FORMAT binary)") as copy:
        data = b"".join(bytes(block) for block in copy)
    parts: list[list[np.ndarray]] = [[] for _ in names]
    element = np.dtype([("length", ">i4"), ("value", ">i8")])
    pos = 19  # signature (11 bytes), flags and header extension length (4 + 4)
    while True:
        fields = int.from_bytes(data[pos : pos + 2], "big", signed=True)
        pos += 2
        if fields == -1:
            break
        for i in range(fields):
            length = int.from_bytes(data[pos : pos + 4], "big", signed=True)
            pos += 4
            ndim = int.from_bytes(data[pos : pos + 4], "big")
            if ndim:  # ndim, has-null flag, element type, then (size, lower bound) and the elements
                size = int.from_bytes(data[pos + 12 : pos + 16], "big")
                values = np.frombuffer(data, dtype=element, count=size, offset=pos + 20)["value"]
                parts[i].append(values.astype(np.int64))
            pos += length
    return pa.table(
        {
            n: pa.array(np.concatenate(p) if p else np.zeros(0, np.int64), pa.int64())
            for n, p in zip(names, parts, strict=True)
        }
    )


@dataclass
class Extract:
    """The Parquet files of one run, by table name."""

    directory: Path
    files: dict[str, str]
    counties: list[str]


def _covered(column: str) -> str:
    """The JSON list of person ids ``[1, 2]`` as a BIGINT[] (split as text: much faster than parsing JSON)."""
    return f"COALESCE(CAST(string_split(NULLIF(trim({column}, '[] '), ''), ',') AS BIGINT[]), CAST([] AS BIGINT[]))"


TABLES = (
    "persons",
    "households",
    "enrolled",
    "ended",
    "refusals",
    "relatives",
    "referrals",
    "staff_matches",
    "exclusive_pairs",
)


def registry_extract(region_code: str, on: date, directory: Path) -> Extract:
    """Write the registry tables of the subtree of ``region_code`` as of ``on`` into ``directory`` (Parquet).

    The files are what Spark reads (and the benchmark's floor); the DuckDB engine reads the same tables
    from memory (``load_registry``) without writing them.
    """
    directory.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        counties = load_registry(con, region_code, on)
        files = {}
        for name in TABLES:
            path = directory / f"{name}.parquet"
            con.execute(f"COPY {name} TO '{path}' (FORMAT parquet)")
            files[name] = str(path)
    finally:
        con.close()
    return Extract(directory=directory, files=files, counties=counties)


def load_registry(con: duckdb.DuckDBPyConnection, region_code: str, on: date) -> list[str]:
    """Create the registry tables (``TABLES``) of the subtree of ``region_code`` as of ``on`` in ``con``.

    Returns the codes of the counties found (``xxxxxx000000``).
    """
    prefix = prefix_of(region_code)
    province = prefix[:2]
    P, H = Person._meta.db_table, Household._meta.db_table
    E, D, C = Enrolment._meta.db_table, Decision._meta.db_table, CaseModel._meta.db_table
    R, W = RelativeDeclaration._meta.db_table, WorkerReferral._meta.db_table
    like = prefix + "%"
    # The household's village and area are joined in DuckDB (``households`` is read anyway); the birth
    # date as days since 1970-01-01.
    if connection.vendor == "postgresql":
        days = "COALESCE(p.birth_date, DATE '1900-01-01') - DATE '1970-01-01'"
    else:
        days = "CAST(julianday(COALESCE(p.birth_date, '1900-01-01')) - 2440587.5 AS INTEGER)"
    persons = _read_integers(
        f"SELECT p.id, p.household_id, {days} "
        f"FROM {P} p JOIN {H} h ON h.id = p.household_id "
        f"WHERE h.region_id LIKE %s AND h.status = 'active' AND p.death_date IS NULL",
        [like],
        ("person_id", "household_id", "birth_days"),
    )
    households = _read(
        f"SELECT h.id, h.region_id, h.area_type FROM {H} h WHERE h.region_id LIKE %s AND h.status = 'active'",
        [like],
        (("household_id", "int"), ("region_code", "text"), ("area_type", "text")),
    )
    enrolments = _read(
        f"SELECT e.id, e.person_id, e.household_id, e.region_id, e.programme, e.status, "
        f"CAST(e.start_month AS TEXT), CAST(e.end_month AS TEXT), CAST(e.covered AS TEXT) "
        f"FROM {E} e WHERE e.region_id LIKE %s",
        [province + "%"],
        (
            ("enrolment_id", "int"),
            ("holder_id", "int"),
            ("household_id", "int"),
            ("region_code", "text"),
            ("programme", "text"),
            ("status", "text"),
            ("start_month", "text"),
            ("end_month", "text"),
            ("covered", "text"),
        ),
    )
    refusals = _read(
        f"SELECT c.household_id, CAST(d.decided_on AS TEXT) FROM {D} d JOIN {C} c ON c.id = d.case_id "
        f"WHERE d.outcome = 'refused' AND c.region_id LIKE %s",
        [like],
        (("household_id", "int"), ("decided_on", "text")),
    )
    relatives = _read(
        f"SELECT r.id, c.household_id, r.status, CASE WHEN r.irregular THEN 1 ELSE 0 END, r.staff_name, "
        f"r.staff_position, r.relation, CAST(r.declared_on AS TEXT) FROM {R} r JOIN {C} c ON c.id = r.case_id "
        f"WHERE c.region_id LIKE %s",
        [like],
        (
            ("declaration_id", "int"),
            ("household_id", "int"),
            ("status", "text"),
            ("irregular", "int"),
            ("staff_name", "text"),
            ("staff_position", "text"),
            ("relation", "text"),
            ("declared_on", "text"),
        ),
    )
    # 经办人员名单: registered persons of the region who are a listed worker of the county (or a worker's
    # declared close relative), the worker in post on the date.
    S = StaffMember._meta.db_table
    staff = _read(
        f"SELECT p.id, COALESCE(w.id, s.id), COALESCE(w.name, s.name), COALESCE(w.post, s.post), s.relation, "
        f"s.name, CAST(COALESCE(w.start_on, s.start_on) AS TEXT) "
        f"FROM {S} s LEFT JOIN {S} w ON w.id = s.relative_of_id "
        f"JOIN {P} p ON p.id_number = s.id_number JOIN {H} h ON h.id = p.household_id "
        f"WHERE s.region_id LIKE %s AND h.region_id LIKE %s AND h.status = 'active' AND p.death_date IS NULL "
        f"AND (COALESCE(w.start_on, s.start_on) IS NULL OR COALESCE(w.start_on, s.start_on) <= %s) "
        f"AND (COALESCE(w.end_on, s.end_on) IS NULL OR COALESCE(w.end_on, s.end_on) >= %s)",
        [prefix[:6] + "%", like, on.isoformat(), on.isoformat()],
        (
            ("person_id", "int"),
            ("staff_id", "int"),
            ("worker_name", "text"),
            ("post", "text"),
            ("relation", "text"),
            ("member_name", "text"),
            ("start_on", "text"),
        ),
    )
    referrals = _read(
        f"SELECT w.person_id FROM {W} w WHERE w.region_id LIKE %s AND w.ended_on IS NULL",
        [like],
        (("person_id", "int"),),
    )
    labels = pa.table(
        {
            "programme": list(PROGRAMME_LABELS),
            "family": [PROGRAMME_FAMILY.get(p, p) for p in PROGRAMME_LABELS],
            "programme_label": list(PROGRAMME_LABELS.values()),
        }
    )
    pairs = pa.table({"one": [a for a, _ in EXCLUSIVE_PAIRS], "other": [b for _, b in EXCLUSIVE_PAIRS]})
    for name, table in (
        ("raw_persons", persons),
        ("raw_households", households),
        ("raw_enrolments", enrolments),
        ("raw_refusals", refusals),
        ("raw_relatives", relatives),
        ("raw_referrals", referrals),
        ("raw_staff", staff),
        ("programme_labels", labels),
        ("pairs", pairs),
    ):
        con.register(name, table)
    on_sql = f"DATE '{on.isoformat()}'"
    month_sql = f"DATE '{on.replace(day=1).isoformat()}'"
    queries = {
        "households": "SELECT household_id, region_code, substr(region_code, 1, 6) || '000000' AS county_code, "
        "area_type FROM raw_households",
        "persons": "SELECT p.person_id, p.household_id, h.region_code, h.county_code, "
        "CAST(strftime(DATE '1970-01-01' + CAST(p.birth_days AS INTEGER), '%Y%m%d') AS BIGINT) AS birth_key, "
        "h.area_type "
        "FROM raw_persons p JOIN households h ON h.household_id = p.household_id",
        # Every person a live enrolment covers: the holder and the members listed in ``covered``.
        "enrolled": f"""
            WITH live AS (
              SELECT * FROM raw_enrolments
              WHERE status <> 'ended' AND CAST(start_month AS DATE) <= {on_sql}
                AND (NULLIF(end_month, '') IS NULL OR CAST(NULLIF(end_month, '') AS DATE) >= {month_sql})
            ), covered AS (
              SELECT enrolment_id, holder_id AS person_id, household_id, region_code, programme FROM live
              UNION
              SELECT enrolment_id, UNNEST({_covered("covered")}) AS person_id,
                     household_id, region_code, programme FROM live
            )
            SELECT c.enrolment_id, c.person_id, c.household_id, c.programme, l.family, l.programme_label,
                   substr(c.region_code, 1, 6) AS region_code
            FROM covered c
            JOIN persons p ON p.person_id = c.person_id
            JOIN programme_labels l ON l.programme = c.programme
            """,
        "ended": f"""
            SELECT DISTINCT x.person_id, CAST(e.end_month AS DATE) AS end_month
            FROM raw_enrolments e,
                 UNNEST(list_distinct(list_append(
                    {_covered("e.covered")}, e.holder_id))) AS x(person_id)
            WHERE e.status = 'ended' AND NULLIF(e.end_month, '') IS NOT NULL
              AND CAST(e.end_month AS DATE) <= {on_sql}
              AND e.region_code LIKE '{prefix}%'
            """,
        "refusals": f"SELECT household_id, CAST(decided_on AS DATE) AS decided_on FROM raw_refusals "
        f"WHERE CAST(decided_on AS DATE) <= {on_sql}",
        "relatives": "SELECT declaration_id, household_id, status, irregular = 1 AS irregular, staff_name, "
        "staff_position, relation, CAST(declared_on AS DATE) AS declared_on FROM raw_relatives",
        "referrals": "SELECT DISTINCT person_id FROM raw_referrals",
        "staff_matches": "SELECT person_id, staff_id, worker_name, post, relation, member_name, "
        "CAST(NULLIF(start_on, '') AS DATE) AS start_on FROM raw_staff",
        "exclusive_pairs": "SELECT one, other FROM pairs",
    }
    for name, sql in queries.items():
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
    raw = ("raw_persons", "raw_households", "raw_enrolments", "raw_refusals", "raw_relatives", "raw_referrals")
    for name in (*raw, "raw_staff"):
        con.unregister(name)
    found = con.execute("SELECT DISTINCT county_code FROM households ORDER BY 1").fetchall()
    return [r[0] for r in found]
