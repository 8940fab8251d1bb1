"""The standing registry extract: the raw registry tables a monitoring run reads, kept as Parquet between runs.

A run used to read the registry of its region out of PostgreSQL every time (15 s of a 36 s run at
2,500,000 persons), though the registry rarely changes between the runs of a night. On PostgreSQL the
raw tables (``raw_queries``: persons, households, enrolments, refusals, relatives, referrals, staff list — before
any filter that depends on the run's date) are written to ``DATA_DIR/monitoring/registry/<prefix>/`` with
a manifest, and reused for as long as the database proves nothing they were read from has changed:

- the raw tables read together are read in ONE transaction ``REPEATABLE READ READ ONLY`` on a connection
  of their own, and the manifest records, for each table, that transaction's ``txid_current_snapshot()``;
- statement-level triggers (migration ``monitoring 0005``) on every table read (``LOGGED``) insert one row
  ``(txid, table_name)`` per transaction and table into ``monitoring_registrychange``. The row commits or
  rolls back with the change, so the log holds exactly the committed changing transactions;
- a raw table is fresh iff no log row of a table it is read from (``sources``) belongs to a transaction
  invisible in its snapshot: a change committed before the snapshot was read by it; one in progress or
  later is not visible in it, and its log row, once committed, makes the table stale (``_STATE_SQL``).
  Only the stale tables are read again (a day of case work re-reads refusals and relatives, not the
  2,500,000 persons). A table kept equals what a read at the check would give; a change committed while
  the stale ones are read again can make the set mixed for that one run (as separate reads in one
  READ COMMITTED transaction were before), never afterwards: the next check sees it;
- the log is pruned below a horizon (the oldest snapshot of the manifests on this machine), recorded in
  ``monitoring_registrychange_horizon``: a table whose snapshot's xmin is below the horizon is stale, so
  a pruned row can never be missed.

A transaction that changed a logged table itself (its own rows are not committed: a test, or a service
that changes the registry and runs monitoring in one transaction) reads the registry directly through its
own connection, as before, and keeps nothing. So does SQLite (the demo and the tests), where the registry
is small. What the triggers cannot see: writes with triggers disabled (``session_replication_role =
replica``, ``ALTER TABLE … DISABLE TRIGGER``, a restore without the triggers); the manifest's database
identity (system identifier and database oid) catches a different database or cluster, not these.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from django.conf import settings
from django.db import connection

from doudi.cases.models import Case as CaseModel
from doudi.cases.models import Decision, Enrolment, RelativeDeclaration
from doudi.monitoring.models import StaffMember, WorkerReferral
from doudi.registry.models import Household, Person

LOG = "monitoring_registrychange"
HORIZON = "monitoring_registrychange_horizon"
LOGGED = (
    Person._meta.db_table,
    Household._meta.db_table,
    Enrolment._meta.db_table,
    Decision._meta.db_table,
    CaseModel._meta.db_table,
    RelativeDeclaration._meta.db_table,
    WorkerReferral._meta.db_table,
    StaffMember._meta.db_table,
)
KEEP_OLD_SECONDS = 3600  # an unreferenced extract directory is removed after this (a run may still read it)
PRUNE_IGNORES_DAYS = 7  # a manifest built longer ago does not hold the log back (it becomes stale)

# What happened in this process (tests and the benchmark read it): extracts built, reused, read directly.
STATS = {"built": 0, "reused": 0, "direct": 0}
READ: list[str] = []  # the raw tables the builds read, in order

Spec = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class RawQuery:
    name: str
    sql: str
    params: list
    spec: Spec
    integers: bool = False  # integer columns without NULLs: read as arrays (``read_integers``)


def raw_queries(prefix: str, vendor: str) -> list[RawQuery]:
    """Return the raw reads of the registry of the subtree ``prefix`` (no filter depending on a date)."""
    province = prefix[:2]
    P, H = Person._meta.db_table, Household._meta.db_table
    E, D, C = Enrolment._meta.db_table, Decision._meta.db_table, CaseModel._meta.db_table
    R, W, S = RelativeDeclaration._meta.db_table, WorkerReferral._meta.db_table, StaffMember._meta.db_table
    like = prefix + "%"
    # The household's village and area are joined in DuckDB (``households`` is read anyway); the birth
    # date as days since 1970-01-01.
    if vendor == "postgresql":
        days = "COALESCE(p.birth_date, DATE '1900-01-01') - DATE '1970-01-01'"
    else:
        days = "CAST(julianday(COALESCE(p.birth_date, '1900-01-01')) - 2440587.5 AS INTEGER)"
    return [
        RawQuery(
            "raw_persons",
            f"SELECT p.id, p.household_id, {days} "
            f"FROM {P} p JOIN {H} h ON h.id = p.household_id "
            f"WHERE h.region_id LIKE %s AND h.status = 'active' AND p.death_date IS NULL",
            [like],
            (("person_id", "int"), ("household_id", "int"), ("birth_days", "int")),
            integers=True,
        ),
        RawQuery(
            "raw_households",
            f"SELECT h.id, h.region_id, h.area_type FROM {H} h WHERE h.region_id LIKE %s AND h.status = 'active'",
            [like],
            (("household_id", "int"), ("region_code", "text"), ("area_type", "text")),
        ),
        RawQuery(
            "raw_enrolments",
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
        ),
        RawQuery(
            "raw_refusals",
            f"SELECT c.household_id, CAST(d.decided_on AS TEXT) FROM {D} d JOIN {C} c ON c.id = d.case_id "
            f"WHERE d.outcome = 'refused' AND c.region_id LIKE %s",
            [like],
            (("household_id", "int"), ("decided_on", "text")),
        ),
        RawQuery(
            "raw_relatives",
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
        ),
        RawQuery(
            "raw_referrals",
            f"SELECT w.person_id FROM {W} w WHERE w.region_id LIKE %s AND w.ended_on IS NULL",
            [like],
            (("person_id", "int"),),
        ),
        # 经办人员名单: registered persons of the region who are a listed worker of the county (or a worker's
        # declared close relative), with the worker's dates in post (filtered on the run's date in DuckDB).
        RawQuery(
            "raw_staff",
            f"SELECT p.id, COALESCE(w.id, s.id), COALESCE(w.name, s.name), COALESCE(w.post, s.post), s.relation, "
            f"s.name, CAST(COALESCE(w.start_on, s.start_on) AS TEXT), CAST(COALESCE(w.end_on, s.end_on) AS TEXT) "
            f"FROM {S} s LEFT JOIN {S} w ON w.id = s.relative_of_id "
            f"JOIN {P} p ON p.id_number = s.id_number JOIN {H} h ON h.id = p.household_id "
            f"WHERE s.region_id LIKE %s AND h.region_id LIKE %s AND h.status = 'active' AND p.death_date IS NULL",
            [prefix[:6] + "%", like],
            (
                ("person_id", "int"),
                ("staff_id", "int"),
                ("worker_name", "text"),
                ("post", "text"),
                ("relation", "text"),
                ("member_name", "text"),
                ("start_on", "text"),
                ("end_on", "text"),
            ),
        ),
    ]


def covered_ids(column: str) -> str:
    """The JSON list of person ids ``[1, 2]`` as a BIGINT[] (split as text: much faster than parsing JSON)."""
    return f"COALESCE(CAST(string_split(NULLIF(trim({column}, '[] '), ''), ',') AS BIGINT[]), CAST([] AS BIGINT[]))"


# Tables derived from the raw ones in DuckDB that do not depend on a run's date, kept beside them (and
# made again only when one of their inputs was read again): the run filters them on its date.
DERIVED = {
    # Every person of the subtree with the household's village, county and area; birth as yyyymmdd.
    "persons_base": (
        ("raw_persons", "raw_households"),
        """
        SELECT person_id, household_id, region_code, county_code,
               CAST(year(b) * 10000 + month(b) * 100 + day(b) AS BIGINT) AS birth_key, area_type
        FROM (SELECT p.person_id, p.household_id, h.region_code,
                     substr(h.region_code, 1, 6) || '000000' AS county_code,
                     DATE '1970-01-01' + CAST(p.birth_days AS INTEGER) AS b, h.area_type
              FROM raw_persons p JOIN raw_households h ON h.household_id = p.household_id)
        """,
    ),
    # Every person an enrolment covers (the holder and the members listed in ``covered``), once.
    "enrolment_persons": (
        ("raw_enrolments",),
        # UNNEST in the select list: three times faster than a lateral join to it.
        f"""
        SELECT enrolment_id, UNNEST(list_distinct(list_append({covered_ids("covered")}, holder_id))) AS person_id,
               household_id, region_code, programme, status, CAST(start_month AS DATE) AS start_month,
               CAST(NULLIF(end_month, '') AS DATE) AS end_month
        FROM raw_enrolments
        """,
    ),
}


def _arrow_type(kind: str) -> pa.DataType:
    return pa.int64() if kind == "int" else pa.string()


def _empty(spec: Spec) -> pa.Table:
    return pa.table({name: pa.array([], _arrow_type(kind)) for name, kind in spec})


def _copy(pg, sql: str, params: list, form: str) -> bytes:
    """Return ``COPY (sql) TO STDOUT`` in ``form`` (csv or binary) on the psycopg connection ``pg``."""
    import psycopg

    literal = psycopg.ClientCursor(pg).mogrify(sql, params)
    with pg.cursor() as cursor, cursor.copy(f"COPY ({literal}) TO STDOUT (FORMAT {form})") as copy:
        return b"".join(bytes(block) for block in copy)


def read_csv(pg, query: RawQuery) -> pa.Table:
    data = _copy(pg, query.sql, query.params, "csv")
    if not data:
        return _empty(query.spec)
    return pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(column_names=[n for n, _ in query.spec], block_size=1 << 24),
        convert_options=pacsv.ConvertOptions(
            column_types={n: _arrow_type(k) for n, k in query.spec}, strings_can_be_null=False
        ),
    )


CHUNK = 65_536  # values per array in ``read_integers``


def read_integers(pg, query: RawQuery) -> pa.Table:
    """Read integer columns without NULLs (ids, codes, days) in bulk.

    The rows come as arrays of up to ``CHUNK`` values per column (``array_agg`` grouped by the first
    column, an id, divided by ``CHUNK``) in a binary ``COPY``: a few dozen rows instead of millions, each
    array read with numpy at once (12 bytes a value: a 4-byte length and the 8-byte integer).
    """
    names = [n for n, _ in query.spec]
    aliases = ", ".join(f"c{i}" for i in range(len(names)))
    arrays = ", ".join(f"array_agg(CAST(c{i} AS bigint))" for i in range(len(names)))
    wrapped = f"SELECT {arrays} FROM ({query.sql}) q({aliases}) GROUP BY c0 / {CHUNK}"
    data = _copy(pg, wrapped, query.params, "binary")
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


def _read_sqlite(query: RawQuery) -> pa.Table:
    with connection.cursor() as cursor:
        cursor.execute(query.sql, query.params)
        rows = cursor.fetchall()
    if not rows:
        return _empty(query.spec)
    columns = list(zip(*rows, strict=True))
    return pa.table(
        {name: pa.array(col, _arrow_type(kind)) for (name, kind), col in zip(query.spec, columns, strict=True)}
    )


def read_raw(prefix: str, pg=None, names: set[str] | None = None) -> dict[str, pa.Table]:
    """Read the raw tables of ``prefix`` (``names`` only, when given): on the psycopg connection ``pg``,
    or Django's connection."""
    vendor = "postgresql" if pg is not None else connection.vendor
    queries = [q for q in raw_queries(prefix, vendor) if names is None or q.name in names]
    if vendor != "postgresql":
        return {q.name: _read_sqlite(q) for q in queries}
    if pg is None:
        connection.ensure_connection()
        pg = connection.connection
    return {q.name: (read_integers if q.integers else read_csv)(pg, q) for q in queries}


def sources(query: RawQuery) -> set[str]:
    """Return the tables ``query`` reads: a change to any of them makes its raw table stale."""
    return set(re.findall(r"(?:FROM|JOIN) (\w+)", query.sql))


def _version(prefix: str) -> str:
    """A digest of the raw queries and derived tables: an extract written by other code is not reused."""
    text = json.dumps([[[q.name, q.sql, q.params, q.spec] for q in raw_queries(prefix, "postgresql")], DERIVED])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def root() -> Path:
    return Path(settings.DATA_DIR) / "monitoring" / "registry"


def _manifest(prefix: str) -> dict | None:
    try:
        return json.loads((root() / prefix / "manifest.json").read_text())
    except (FileNotFoundError, ValueError):
        return None


def _xmin(snapshot: str) -> int:
    """The xmin of a ``txid_snapshot`` in its text form ``xmin:xmax:xip,…``."""
    return int(snapshot.split(":", 1)[0])


_IDENTITY = (
    "(SELECT system_identifier::text FROM pg_control_system()) || ':' || "
    "(SELECT oid::text FROM pg_database WHERE datname = current_database())"
)
# own: this transaction changed a logged table (its changes are not committed: read them directly), or a
# trigger is missing or disabled (a table recreated, ``ALTER TABLE … DISABLE TRIGGER``): nothing is kept.
# changed: for each snapshot of the manifest, the logged tables changed by a committed transaction it did
# not see; horizon: the log holds every change at or above it.
_STATE_SQL = f"""
    SELECT EXISTS (SELECT 1 FROM {LOG} WHERE txid = txid_current_if_assigned())
           OR (SELECT count(*) FROM pg_trigger
               WHERE tgname = ANY(CAST(%(triggers)s AS text[])) AND tgenabled IN ('O', 'A'))
              < cardinality(CAST(%(triggers)s AS text[])) AS own,
           {_IDENTITY} AS identity,
           (SELECT max(horizon) FROM {HORIZON}) AS horizon,
           (SELECT json_agg(DISTINCT jsonb_build_array(s, l.table_name))
            FROM unnest(CAST(%(snapshots)s AS text[])) s
            JOIN {LOG} l ON NOT txid_visible_in_snapshot(l.txid, CAST(s AS txid_snapshot))) AS changed
"""


def raw_tables(prefix: str) -> dict[str, pa.Table | str]:
    """Return the raw tables of ``prefix``: Parquet paths of the standing extract, or Arrow tables read now.

    On PostgreSQL each raw table of the standing extract is reused while fresh — none of the tables it is
    read from changed since its snapshot — and the stale ones are read again (``build``); the check is
    one small query. On SQLite, when this transaction changed the registry itself, or when a trigger of
    the log is missing or disabled, the tables are read directly on Django's connection and nothing is kept.
    """
    if connection.vendor != "postgresql":
        STATS["direct"] += 1
        return read_raw(prefix)
    manifest = _manifest(prefix)
    kept = manifest["tables"] if manifest and manifest.get("version") == _version(prefix) else {}
    with connection.cursor() as cursor:
        snapshots = sorted({t["snapshot"] for t in kept.values()})
        cursor.execute(_STATE_SQL, {"snapshots": snapshots, "triggers": [f"{t}_registry_change" for t in LOGGED]})
        own, identity, horizon, changed = cursor.fetchone()
    if own:
        STATS["direct"] += 1
        return read_raw(prefix)
    if manifest is None or manifest.get("database") != identity:
        kept = {}
    changed_in = {}
    for snapshot, table in changed or ():
        changed_in.setdefault(snapshot, set()).add(table)
    directory = root() / prefix / manifest["directory"] if kept else None
    fresh = {}
    for query in raw_queries(prefix, "postgresql"):
        entry = kept.get(query.name)
        if (
            entry is not None
            and horizon is not None  # the horizon's row gone: nothing can be trusted until a build records it
            and _xmin(entry["snapshot"]) >= horizon
            and not sources(query) & changed_in.get(entry["snapshot"], set())
            and (directory / entry["file"]).exists()
        ):
            fresh[query.name] = entry
    derived = {
        name: entry
        for name, entry in (manifest.get("derived", {}) if kept else {}).items()
        if _made_from(entry, fresh) and (directory / entry["file"]).exists()
    }
    if len(fresh) == len(raw_queries(prefix, "postgresql")) and len(derived) == len(DERIVED):
        os.utime(directory)  # in use: not removed as old (``_remove_old``)
        STATS["reused"] += 1
        return {name: str(directory / entry["file"]) for name, entry in (*fresh.items(), *derived.items())}
    return build(prefix, keep=fresh, kept_in=directory, derived=derived)


def _made_from(entry: dict, tables: dict[str, dict]) -> bool:
    """Whether a derived table was made from exactly these raw tables (the same snapshots)."""
    inputs = entry.get("inputs", {})
    return all(n in tables and tables[n]["snapshot"] == inputs.get(n) for n in inputs) and bool(inputs)


def _connect():
    """A new psycopg connection to Django's database (not Django's: its own transaction)."""
    connection.ensure_connection()
    import psycopg

    pg = psycopg.Connection.connect(**connection.get_connection_params())
    pg.autocommit = True
    return pg


def build(
    prefix: str, keep: dict[str, dict] | None = None, kept_in: Path | None = None, derived: dict | None = None
) -> dict[str, str]:
    """Read the raw tables of ``prefix`` in one snapshot, write them, the derived ones and the manifest;
    return the paths.

    ``keep`` (name → manifest entry, files in ``kept_in``) are fresh tables of the current extract: they are
    linked into the new directory with their own snapshot and not read again; so are the ``derived``
    tables made from them.
    """
    keep = dict(keep or {})
    derived = dict(derived or {})
    base = root() / prefix
    name = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    directory = base / name
    directory.mkdir(parents=True, mode=0o700)
    entries = {}
    for table_name, entry in list(keep.items()):
        try:
            os.link(kept_in / entry["file"], directory / entry["file"])
            entries[table_name] = entry
        except OSError:  # removed meanwhile (or no hard links here): read again
            del keep[table_name]
    names = {q.name for q in raw_queries(prefix, "postgresql")} - set(keep)
    pg = _connect()
    try:
        pg.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        # The first statement takes the transaction's snapshot: every read below sees exactly it.
        snapshot, identity = pg.execute(f"SELECT txid_current_snapshot()::text, {_IDENTITY}").fetchone()
        tables = read_raw(prefix, pg, names)
        pg.execute("COMMIT")
        for table_name, table in tables.items():
            file = f"{table_name}.parquet"
            pq.write_table(table, directory / file, compression="zstd")
            entries[table_name] = {"file": file, "snapshot": snapshot, "rows": table.num_rows}
        made = _derive(directory, entries, derived, kept_in)
        manifest = {
            "version": _version(prefix),
            "database": identity,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "directory": name,
            "tables": entries,
            "derived": made,
        }
        temporary = base / f".manifest-{name}.json"
        temporary.write_text(json.dumps(manifest, indent=1))
        os.replace(temporary, base / "manifest.json")
        _remove_old(base, keep=name)
        _prune(pg)
    finally:
        pg.close()
    STATS["built"] += 1
    READ.extend(sorted(tables))
    return {n: str(directory / e["file"]) for n, e in (*entries.items(), *made.items())}


def _derive(directory: Path, entries: dict[str, dict], derived: dict[str, dict], kept_in: Path | None) -> dict:
    """Link the derived tables still made from ``entries``, make the others; return their manifest entries."""
    import duckdb

    made = {}
    con = None
    try:
        for name, (inputs, sql) in DERIVED.items():
            entry = derived.get(name)
            if entry is not None and _made_from(entry, entries):
                try:
                    os.link(kept_in / entry["file"], directory / entry["file"])
                    made[name] = entry
                    continue
                except OSError:  # removed meanwhile (or no hard links here): made again
                    pass
            if con is None:
                con = duckdb.connect()
                for raw in entries:
                    con.execute(
                        f"CREATE VIEW {raw} AS SELECT * FROM read_parquet('{directory / entries[raw]['file']}')"
                    )
            file = f"{name}.parquet"
            con.execute(f"COPY ({sql}) TO '{directory / file}' (FORMAT parquet, COMPRESSION zstd)")
            made[name] = {"file": file, "inputs": {n: entries[n]["snapshot"] for n in inputs}}
    finally:
        if con is not None:
            con.close()
    return made


def _remove_old(base: Path, keep: str) -> None:
    cutoff = time.time() - KEEP_OLD_SECONDS
    for entry in base.iterdir():
        if entry.is_dir() and entry.name != keep and entry.stat().st_mtime < cutoff:
            shutil.rmtree(entry, ignore_errors=True)


def _prune(pg) -> None:
    """Delete the log rows older than every manifest on this machine needs, raising the horizon to match.

    Rows below the xmin of a snapshot are visible in it (the log holds committed transactions only), so
    they cannot make that extract stale. A manifest elsewhere (another machine's data directory) whose
    snapshot is older than the horizon is then stale and rebuilt: never wrongly fresh.
    """
    snapshots = []
    cutoff = time.time() - PRUNE_IGNORES_DAYS * 86400
    for path in root().glob("*/manifest.json"):
        try:
            if path.stat().st_mtime >= cutoff:
                snapshots.extend(t["snapshot"] for t in json.loads(path.read_text())["tables"].values())
        except (OSError, ValueError, KeyError, AttributeError):
            continue
    if not snapshots:
        return
    with pg.transaction():
        (horizon,) = pg.execute(
            "SELECT min(txid_snapshot_xmin(CAST(s AS txid_snapshot))) FROM unnest(CAST(%s AS text[])) s", [snapshots]
        ).fetchone()
        if pg.execute(f"UPDATE {HORIZON} SET horizon = GREATEST(horizon, %s)", [horizon]).rowcount == 0:
            pg.execute(f"INSERT INTO {HORIZON} (horizon) VALUES (%s)", [horizon])
        pg.execute(f"DELETE FROM {LOG} WHERE txid < %s", [horizon])
