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
- ``params``, ``milestones``, ``exempt_vehicles``, ``exclusive_pairs``, ``deadlines`` (``params.py``)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
from django.db import connection

from doudi.cases.models import Case as CaseModel
from doudi.cases.models import Decision, Enrolment, RelativeDeclaration
from doudi.monitoring.models import WorkerReferral
from doudi.monitoring.rules import EXCLUSIVE_PAIRS, PROGRAMME_FAMILY
from doudi.policy.engine.explain import PROGRAMME_LABELS
from doudi.policy.simulation.extract import _read_cursor, _read_postgresql
from doudi.regions.models import prefix_of
from doudi.registry.models import Household, Person

Spec = tuple[tuple[str, str], ...]


def _read(sql: str, params: list, spec: Spec) -> pa.Table:
    read = _read_postgresql if connection.vendor == "postgresql" else _read_cursor
    return read(sql, params, spec)


@dataclass
class Extract:
    """The Parquet files of one run, by table name."""

    directory: Path
    files: dict[str, str]
    counties: list[str]


TABLES = ("persons", "households", "enrolled", "ended", "refusals", "relatives", "referrals", "exclusive_pairs")


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
    # The household's village and area are joined in DuckDB (``households`` is read anyway).
    persons = _read(
        f"SELECT p.id, p.household_id, CAST(p.birth_date AS TEXT) "
        f"FROM {P} p JOIN {H} h ON h.id = p.household_id "
        f"WHERE h.region_id LIKE %s AND h.status = 'active' AND p.death_date IS NULL",
        [like],
        (("person_id", "int"), ("household_id", "int"), ("birth", "text")),
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
        "CAST(strftime(CAST(p.birth AS DATE), '%Y%m%d') AS BIGINT) AS birth_key, h.area_type "
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
              SELECT enrolment_id, UNNEST(CAST(COALESCE(NULLIF(covered, ''), '[]') AS JSON)::BIGINT[]) AS person_id,
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
                    CAST(COALESCE(NULLIF(e.covered, ''), '[]') AS JSON)::BIGINT[], e.holder_id))) AS x(person_id)
            WHERE e.status = 'ended' AND NULLIF(e.end_month, '') IS NOT NULL
              AND CAST(e.end_month AS DATE) <= {on_sql}
              AND e.region_code LIKE '{prefix}%'
            """,
        "refusals": f"SELECT household_id, CAST(decided_on AS DATE) AS decided_on FROM raw_refusals "
        f"WHERE CAST(decided_on AS DATE) <= {on_sql}",
        "relatives": "SELECT declaration_id, household_id, status, irregular = 1 AS irregular, staff_name, "
        "staff_position, relation, CAST(declared_on AS DATE) AS declared_on FROM raw_relatives",
        "referrals": "SELECT DISTINCT person_id FROM raw_referrals",
        "exclusive_pairs": "SELECT one, other FROM pairs",
    }
    for name, sql in queries.items():
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
    for name in ("raw_persons", "raw_households", "raw_enrolments", "raw_refusals", "raw_relatives", "raw_referrals"):
        con.unregister(name)
    found = con.execute("SELECT DISTINCT county_code FROM households ORDER BY 1").fetchall()
    return [r[0] for r in found]
