"""The inputs of a run: a columnar extract of the registry and enrolments, shaped for the rules in DuckDB.

The raw tables come from ``standing`` (a handful of statements over whole tables, kept as Parquet between
runs on PostgreSQL while the registry is unchanged); they are shaped here for the run's date in DuckDB,
and written to Parquet in the run's directory for Spark, so that DuckDB and Spark read the same tables.
Nothing is queried per person.

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
import pyarrow as pa
from django.db import connection

from doudi.monitoring import standing
from doudi.monitoring.rules import EXCLUSIVE_PAIRS, PROGRAMME_FAMILY
from doudi.policy.engine.explain import PROGRAMME_LABELS
from doudi.policy.simulation.extract import _read_cursor, _read_postgresql
from doudi.regions.models import prefix_of

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

    The raw tables come from the standing extract (``standing.raw_tables``: Parquet files reused while
    the registry is unchanged on PostgreSQL, read directly otherwise); everything that depends on ``on``
    is done here, in DuckDB. Returns the codes of the counties found (``xxxxxx000000``).
    """
    prefix = prefix_of(region_code)
    raw = standing.raw_tables(prefix)
    labels = pa.table(
        {
            "programme": list(PROGRAMME_LABELS),
            "family": [PROGRAMME_FAMILY.get(p, p) for p in PROGRAMME_LABELS],
            "programme_label": list(PROGRAMME_LABELS.values()),
        }
    )
    pairs = pa.table({"one": [a for a, _ in EXCLUSIVE_PAIRS], "other": [b for _, b in EXCLUSIVE_PAIRS]})
    views = []
    for name, table in (*raw.items(), ("programme_labels", labels), ("pairs", pairs)):
        if isinstance(table, str):
            con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM read_parquet('{table}')")
            views.append(name)
        else:
            con.register(name, table)
    made = []
    for name, (_inputs, sql) in standing.DERIVED.items():
        if name not in raw:  # read directly: derived here
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
            made.append(name)
    on_sql = f"DATE '{on.isoformat()}'"
    month_sql = f"DATE '{on.replace(day=1).isoformat()}'"
    queries = {
        "households": "SELECT household_id, region_code, substr(region_code, 1, 6) || '000000' AS county_code, "
        "area_type FROM raw_households",
        "persons": "SELECT * FROM persons_base",
        # Every person a live enrolment covers: the holder and the members listed in ``covered``.
        "enrolled": f"""
            SELECT c.enrolment_id, c.person_id, c.household_id, c.programme, l.family, l.programme_label,
                   substr(c.region_code, 1, 6) AS region_code
            FROM enrolment_persons c
            JOIN persons p ON p.person_id = c.person_id
            JOIN programme_labels l ON l.programme = c.programme
            WHERE c.status <> 'ended' AND c.start_month <= {on_sql}
              AND (c.end_month IS NULL OR c.end_month >= {month_sql})
            """,
        "ended": f"""
            SELECT DISTINCT person_id, end_month FROM enrolment_persons
            WHERE status = 'ended' AND end_month IS NOT NULL AND end_month <= {on_sql}
              AND region_code LIKE '{prefix}%'
            """,
        "refusals": f"SELECT household_id, CAST(decided_on AS DATE) AS decided_on FROM raw_refusals "
        f"WHERE CAST(decided_on AS DATE) <= {on_sql}",
        "relatives": "SELECT declaration_id, household_id, status, irregular = 1 AS irregular, staff_name, "
        "staff_position, relation, CAST(declared_on AS DATE) AS declared_on FROM raw_relatives",
        "referrals": "SELECT DISTINCT person_id FROM raw_referrals",
        # The staff list's workers in post on the date (and their declared close relatives).
        "staff_matches": f"SELECT person_id, staff_id, worker_name, post, relation, member_name, "
        f"CAST(NULLIF(start_on, '') AS DATE) AS start_on FROM raw_staff "
        f"WHERE (NULLIF(start_on, '') IS NULL OR CAST(NULLIF(start_on, '') AS DATE) <= {on_sql}) "
        f"AND (NULLIF(end_on, '') IS NULL OR CAST(NULLIF(end_on, '') AS DATE) >= {on_sql})",
        "exclusive_pairs": "SELECT one, other FROM pairs",
    }
    for name, sql in queries.items():
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
    for name in raw:
        if name in views:
            con.execute(f"DROP VIEW {name}")
        else:
            con.unregister(name)
    for name in made:
        con.execute(f"DROP TABLE {name}")
    found = con.execute("SELECT DISTINCT county_code FROM households ORDER BY 1").fetchall()
    return [r[0] for r in found]
