"""Benchmark: a large department feed matched against the registry by the monitoring rules, alerts in PostgreSQL.

    .venv/bin/python benchmarks/monitoring.py [--persons 2500000] [--rows 10000000] [--database doudi_monitoring_bench]
                                              [--keep-schema] [--engine duckdb|spark]

Creates (drops first) its own database, migrates it, loads 沅江市's villages and the example policies,
then writes ``--persons`` persons in households of 2–3 (all enrolled in dibao, so every person is
monitored) with a few set-based ``INSERT … SELECT generate_series`` statements, and a medical-settlement
feed of ``--rows`` rows as one Parquet file (DuckDB), every person getting the same number of rows; one
person in 50 has out-of-pocket costs above the 12-month threshold and one row in 1,000 a 45-day stay.

Measured in the same run:
- floor: a bare DuckDB join of the feed file with the persons extract on ``person_id`` (count of rows),
  the median of three;
- the standing registry extract built alone (``monitoring.standing``: PostgreSQL → Parquet in one snapshot);
- a cold run: ``do_run_monitoring`` for the county with no standing extract — the extract built, all the
  rules, grouping into alerts, comparison with the stored alerts and the bulk insert into PostgreSQL;
- a warm run: the same with the extract fresh (nothing read from the registry) and the alerts deleted
  first, so it opens and persists them all again;
- the same run again (warm, nothing changes: every alert already stored);
- the same after 1,000 households' enrolments, then persons, were changed (the raw tables read from the
  changed table are read again, the others kept).
Only loopback addresses are used. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from common import machine, manage

ROOT = Path(__file__).resolve().parent.parent
PG = "postgres://postgres@127.0.0.1:5432"
ON = date(2025, 6, 16)


# A valid ID number per person (the feed loader checks them): 430981, a birth date from 1950-01-01 on and a
# sequence number, unique by (household id, member index); the check character computed in SQL.
_BODY = (
    "('430981' || to_char(date '1950-01-01' + ((h.id * 3 + k) / 1000)::int, 'YYYYMMDD') "
    "|| lpad(((h.id * 3 + k) %% 1000)::text, 3, '0'))"
)
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_SUM = " + ".join(f"substr(b.body, {i + 1}, 1)::int * {w}" for i, w in enumerate(_WEIGHTS))
ID_NUMBER = f"(b.body || substr('10X98765432', (({_SUM}) %% 11) + 1, 1))"

REGISTRY_SQL = [
    "DELETE FROM monitoring_alert",
    "DELETE FROM monitoring_monitoringrun",
    "DELETE FROM verification_feedrowerror",
    "DELETE FROM verification_feedbatch",
    "DELETE FROM cases_enrolment WHERE region_id LIKE '430981%%'",
    "DELETE FROM registry_person WHERE household_id IN (SELECT id FROM registry_household WHERE number LIKE 'B%%')",
    "DELETE FROM registry_household WHERE number LIKE 'B%%'",
    """
    INSERT INTO registry_household (number, area_type, address, head_name, member_count, status, note, version,
                                    created_at, updated_at, region_id)
    SELECT 'B' || lpad(g::text, 12, '0'), 'rural', '', '户主', 2 + (g %% 2), 'active', '', 1, now(), now(),
           v.codes[1 + g %% array_length(v.codes, 1)]
    FROM generate_series(1, %(households)s) g,
         (SELECT array_agg(code ORDER BY code) AS codes FROM regions_region
          WHERE level = 5 AND code LIKE '430981%%') v
    """,
    f"""
    INSERT INTO registry_person (id_number, name, gender, birth_date, relation, hukou_type, residence_address, phone,
                                 bank_name, bank_account, version, created_at, updated_at, household_id)
    SELECT {ID_NUMBER}, '成员', 'M',
           date '1950-01-01' + ((h.id * 7 + k * 3653) %% 25000)::int,
           CASE WHEN k = 0 THEN 'head' ELSE 'child' END, '', '', '', '', '', 1, now(), now(), h.id
    FROM registry_household h, generate_series(0, 2) k, LATERAL (SELECT {_BODY} AS body) b
    WHERE k < h.member_count AND h.number LIKE 'B%%'
    """,
    """
    INSERT INTO cases_enrolment (programme, tier, status, start_month, monthly_amount, covered, automatic, end_reason,
                                 version, created_at, updated_at, household_id, person_id, region_id, account_holder,
                                 payment_warning)
    SELECT 'dibao', '', 'active', date '2024-01-01', 500, jsonb_agg(p.id ORDER BY p.id), false, '', 1, now(), now(),
           h.id, min(p.id), h.region_id, '', ''
    FROM registry_household h JOIN registry_person p ON p.household_id = h.id
    WHERE h.number LIKE 'B%%' GROUP BY h.id, h.region_id
    """,
    "ANALYZE",
]


def write_feed(path: Path, rows: int, first: int, persons: int) -> None:
    """Write the medical feed: row i belongs to person ``first + i % persons``; 1 in 50 persons pays a lot."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute(
        f"""
        COPY (
          SELECT 'X' || lpad(CAST({first} + i % {persons} AS VARCHAR), 12, '0') || '0' AS id_number, '成员' AS name,
                 DATE '2024-07-01' + CAST(i % 340 AS INTEGER) AS settled_on,
                 CASE WHEN i % 1000 = 0 THEN '住院' ELSE '门诊' END AS visit_type,
                 CASE WHEN i % 1000 = 0 THEN DATE '2024-07-01' + CAST(i % 340 AS INTEGER) END AS admitted_on,
                 CAST(NULL AS DATE) AS discharged_on,
                 CASE WHEN i % 1000 = 0 THEN 45 END::BIGINT AS hospital_days,
                 CAST(CASE WHEN ({first} + i % {persons}) % 50 = 0 THEN 6000 ELSE 200 + i % 300 END AS DECIMAL(14,2))
                   AS total_cost,
                 CAST(CASE WHEN ({first} + i % {persons}) % 50 = 0 THEN 3000 ELSE 50 + i % 100 END AS DECIMAL(14,2))
                   AS out_of_pocket,
                 '沅江市人民医院' AS hospital,
                 CAST(1 AS BIGINT) AS batch_id, CAST(i + 2 AS BIGINT) AS row_number,
                 CAST({first} + i % {persons} AS BIGINT) AS person_id, '430981000000' AS region_code
          FROM range({rows}) t(i)
        ) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)
        """
    )
    con.close()


def write_feed_csv(path: Path, rows: int, people: Path, first: int, persons: int) -> None:
    """Write the medical feed as a partner would send it: UTF-8 CSV, the default layout's Chinese headers."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute(
        f"""
        COPY (
          SELECT p.id_number AS 公民身份号码, '成员' AS 姓名,
                 strftime(DATE '2024-07-01' + CAST(i % 340 AS INTEGER), '%Y-%m-%d') AS 结算日期,
                 CASE WHEN i % 1000 = 0 THEN '住院' ELSE '门诊' END AS 就诊类型,
                 CASE WHEN i % 1000 = 0 THEN strftime(DATE '2024-07-01' + CAST(i % 340 AS INTEGER), '%Y-%m-%d')
                      ELSE '' END AS 入院日期,
                 '' AS 出院日期,
                 CASE WHEN i % 1000 = 0 THEN '45' ELSE '' END AS 住院天数,
                 CAST(200 + i % 300 AS VARCHAR) || '.50' AS 医疗总费用,
                 CAST(50 + i % 100 AS VARCHAR) || '.25' AS 个人自付,
                 '沅江市人民医院' AS 医疗机构
          FROM range({rows}) t(i) JOIN read_parquet('{people}') p ON p.id = {first} + i % {persons}
        ) TO '{path}' (FORMAT csv, HEADER)
        """
    )
    con.close()


def load_benchmark(tmp: Path, rows: int, first: int, persons: int, url: str) -> None:
    """Load a ``rows``-row medical CSV through the feed loader, beside a bare DuckDB read of the same file."""
    import duckdb
    import psycopg

    from doudi.verification.feeds.loading import load_feed

    people = tmp / "people.parquet"
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT p.id, p.id_number FROM registry_person p JOIN registry_household h ON h.id = p.household_id "
            "WHERE h.number LIKE 'B%%'"
        )
        ids, numbers = zip(*cursor.fetchall(), strict=True)
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"id": pa.array(ids, pa.int64()), "id_number": pa.array(numbers, pa.string())}), people)
    path = tmp / "medical.csv"
    t = time.perf_counter()
    write_feed_csv(path, rows, people, first, persons)
    print(f"feed CSV: {rows:,} rows, {path.stat().st_size / 2**20:.0f} MiB: {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"CREATE TABLE feed AS SELECT * FROM read_csv('{path}', header = true)")
    read = con.execute("SELECT count(*) FROM feed").fetchone()[0]
    con.close()
    floor = time.perf_counter() - t
    print(f"floor: bare DuckDB read of the CSV into a table ({read:,} rows): {floor:.2f} s")
    t = time.perf_counter()
    result = load_feed(
        None, path, file_name="medical.csv", department="medical", period="2025-06", region_code="430981",
        channel="command",
    )  # fmt: skip
    elapsed = time.perf_counter() - t
    batch = result.batch
    print(
        f"feed load (doudi feeds load): {elapsed:.2f} s — {batch.good_count:,} good rows, {batch.bad_count:,} "
        f"set aside; phases: {', '.join(f'{k} {v:.2f} s' for k, v in getattr(result, 'timings', {}).items())}"
    )
    print(f"ratio load / bare read: {elapsed / floor:.1f}×")


# What a store of alerts needs at the least: its key, the fingerprint that keeps a signal from opening a
# second alert, and the township inbox's index (a village's open alerts by deadline).
LEAST_INDEXES = (
    "ALTER TABLE {t} ADD PRIMARY KEY (id)",
    "CREATE UNIQUE INDEX ON {t} (fingerprint)",
    "CREATE INDEX ON {t} (region_id, status, due_on)",
)


def measure_write_floor(connection, database: str) -> tuple[float, float]:
    """Time writing the stored alerts again, committed, into two bare copies of the alert table.

    ``COPY`` of the same rows (as CSV, in person order, as a run writes them) into a table with the alert's
    columns and no index, constraint or trigger, then into one with only ``LEAST_INDEXES``; the median of
    three each, the table emptied between. Returns (no index, least indexes) in seconds.
    """
    import psycopg

    with connection.cursor() as cursor:
        buffer = bytearray()
        with cursor.cursor.copy(
            "COPY (SELECT * FROM monitoring_alert ORDER BY person_id) TO STDOUT (FORMAT csv)"
        ) as out:
            for chunk in out:
                buffer += chunk
    count = alert_count(connection)
    figures = []
    with psycopg.connect(f"{PG}/{database}", autocommit=True) as con:
        for name, indexes in (("bench_alert_bare", ()), ("bench_alert_least", LEAST_INDEXES)):
            con.execute(f"DROP TABLE IF EXISTS {name}")
            con.execute(f"CREATE TABLE {name} (LIKE monitoring_alert INCLUDING DEFAULTS)")
            for sql in indexes:
                con.execute(sql.format(t=name))
            times = []
            for _ in range(3):
                con.execute(f"TRUNCATE {name}")
                t = time.perf_counter()
                with con.transaction(), con.cursor().copy(f"COPY {name} FROM STDIN (FORMAT csv)") as copy:
                    copy.write(buffer)
                times.append(time.perf_counter() - t)
            con.execute(f"DROP TABLE {name}")
            figures.append(sorted(times)[1])
    print(
        f"write floor ({count:,} alerts, {len(buffer) / 2**20:.0f} MiB as CSV, COPY and commit, median of three): "
        f"no index, constraint or trigger {figures[0]:.2f} s; key, fingerprint and inbox index only "
        f"{figures[1]:.2f} s"
    )
    return figures[0], figures[1]


def alert_count(connection) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM monitoring_alert")
        return cursor.fetchone()[0]


def main() -> None:
    os.environ.setdefault("DOUDI_SECRET_KEY", secrets.token_urlsafe(50))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=2_500_000)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--database", default="doudi_monitoring_bench")
    parser.add_argument("--keep-schema", action="store_true", help="reuse the migrated database")
    parser.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb")
    parser.add_argument("--keep-data", action="store_true", help="reuse the registry rows of the last run")
    parser.add_argument("--load-rows", type=int, default=None, help="rows of the CSV loaded (default --rows; 0: skip)")
    parser.add_argument("--skip-run", action="store_true", help="only the feed loading")
    args = parser.parse_args()
    url = f"{PG}/{args.database}"

    import psycopg

    print(f"machine: {machine()}")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    t0 = time.perf_counter()
    if not args.keep_schema:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{args.database}"')
        manage("migrate", "--no-input", "-v0", url=url)
        manage("load_regions", "--villages", "430981", url=url)
        manage("load_policies", url=url)
        print(f"setup (create, migrate, regions, policies): {time.perf_counter() - t0:.1f} s")

    os.environ["DOUDI_DATABASE_URL"] = url
    # The standing registry extract (and the loaded feed's files) in a directory of this run's own.
    data_dir = tempfile.TemporaryDirectory(prefix="doudi-monitoring-bench-data-")
    os.environ["DOUDI_DATA_DIR"] = data_dir.name
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doudi.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    import duckdb
    from django.db import connection

    from doudi.monitoring import standing
    from doudi.monitoring.extract import registry_extract
    from doudi.monitoring.models import Alert
    from doudi.monitoring.services.run import do_run_monitoring

    households = round(args.persons / 2.5)
    t = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in REGISTRY_SQL if not args.keep_data else REGISTRY_SQL[:4]:
            cursor.execute(sql, {"households": households})
        cursor.execute(
            "SELECT count(*), min(p.id) FROM registry_person p JOIN registry_household h ON h.id = p.household_id "
            "WHERE h.number LIKE 'B%%'"
        )
        persons, first = cursor.fetchone()
    print(f"registry: {households:,} households, {persons:,} persons, all in dibao: {time.perf_counter() - t:.1f} s")
    # As autovacuum leaves a registry that is not being bulk-written: visibility maps set, statistics current
    # (the alerts' reference checks probe the registry's primary keys with index-only scans).
    t = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE registry_person, registry_household, cases_enrolment")
    print(f"registry vacuumed and analysed: {time.perf_counter() - t:.1f} s")

    with tempfile.TemporaryDirectory(prefix="doudi-monitoring-bench-") as tmp:
        feed = Path(tmp) / "medical.parquet"
        t = time.perf_counter()
        write_feed(feed, args.rows, first, persons)
        print(
            f"feed: {args.rows:,} medical rows, {feed.stat().st_size / 2**20:.0f} MiB Parquet: "
            f"{time.perf_counter() - t:.1f} s"
        )

        # The standing extract alone (PostgreSQL → Parquet, one snapshot), then the run's tables shaped from it
        # and written for Spark (what the floor joins).
        t = time.perf_counter()
        standing.build("430981")
        build_s = time.perf_counter() - t
        t = time.perf_counter()
        extract = registry_extract("430981", ON, Path(tmp) / "extract")
        shape_s = time.perf_counter() - t
        floors = []
        for _ in range(3):  # one measurement varied by half between runs: the median of three
            t = time.perf_counter()
            con = duckdb.connect()
            matched = con.execute(
                f"SELECT count(*) FROM read_parquet('{feed}') f "
                f"JOIN read_parquet('{extract.files['persons']}') p ON p.person_id = f.person_id"
            ).fetchone()[0]
            con.close()
            floors.append(time.perf_counter() - t)
        bare_s = sorted(floors)[1]
        print(f"floor measurements: {', '.join(f'{f:.2f}' for f in floors)} s (median taken)")
        print(f"floor: bare DuckDB join feed × persons: {bare_s:.2f} s ({matched:,} feed rows matched a person)")
        print(f"standing extract built (PostgreSQL → Parquet): {build_s:.2f} s; run tables from it: {shape_s:.2f} s")
        # The least the medical-cost rule must do, bare: each person's out-of-pocket total over the 12 months
        # before the run, joined to the persons, those over the threshold counted (no evidence, no other rule).
        sums = []
        for _ in range(3):
            t = time.perf_counter()
            con = duckdb.connect()
            over = con.execute(
                f"SELECT count(*) FROM (SELECT person_id, sum(out_of_pocket) AS total FROM read_parquet('{feed}') "
                f"WHERE settled_on > DATE '{ON.replace(year=ON.year - 1)}' AND settled_on <= DATE '{ON}' "
                f"GROUP BY person_id) f JOIN read_parquet('{extract.files['persons']}') p ON p.person_id = f.person_id "
                f"WHERE f.total > 10000"  # monitoring.medical_out_of_pocket in force for 沅江市
            ).fetchone()[0]
            con.close()
            sums.append(time.perf_counter() - t)
        least_rule_s = sorted(sums)[1]
        print(
            f"least rule: 12-month totals per person joined to the persons: {least_rule_s:.2f} s, "
            f"{least_rule_s / bare_s:.1f}× the floor ({over:,} persons over 10,000; "
            f"{', '.join(f'{x:.2f}' for x in sums)} s, median taken)"
        )

        # cold: no standing extract (built in the run); warm: the extract fresh, the alerts deleted first so
        # the run opens and persists them again (the monitoring tables are not in the registry's change log);
        # again: warm, every alert already stored.
        runs = {}
        changes = {  # a day's work on 1,000 households: the tables read from the changed table are read again
            "after 1,000 enrolments changed": "UPDATE cases_enrolment SET version = version + 1 WHERE household_id IN "
            "(SELECT id FROM registry_household WHERE number LIKE 'B%%' ORDER BY id LIMIT 1000)",
            "after 1,000 households' persons changed": "UPDATE registry_person SET version = version + 1 "
            "WHERE household_id IN (SELECT id FROM registry_household WHERE number LIKE 'B%%' ORDER BY id LIMIT 1000)",
        }
        for label in () if args.skip_run else ("cold run", "warm run", "warm run, repeated", "again", *changes):
            if label == "cold run":
                shutil.rmtree(standing.root() / "430981", ignore_errors=True)
            if label.startswith("warm run"):
                with connection.cursor() as cursor:  # as before any run: no dead alert in the table or its indexes
                    cursor.execute("TRUNCATE monitoring_alert, payments_payrollfinding")  # no finding here
            if label in changes:
                with connection.cursor() as cursor:
                    cursor.execute(changes[label])
            read = len(standing.READ)
            stats = dict(standing.STATS)
            t = time.perf_counter()
            result = do_run_monitoring(None, "430981", on=ON, engine=args.engine, feeds={"medical": [str(feed)]})
            elapsed = time.perf_counter() - t
            runs[label] = (elapsed, result.timings)
            extract_use = {k: v - stats[k] for k, v in standing.STATS.items() if v != stats[k]}
            extract_use["read"] = standing.READ[read:]
            phases = ", ".join(f"{k} {v:.2f} s" for k, v in result.timings.items())
            print(
                f"{label} ({args.engine}; standing extract {extract_use}): {elapsed:.2f} s — opened "
                f"{result.opened:,}, closed {result.closed:,}, unchanged {result.unchanged:,}; by rule {result.by_rule}"
            )
            other = elapsed - sum(result.timings.values())
            print(f"  phases: {phases}; other (parameters, feeds, run record, audit, commit) {other:.2f} s")
            if label == "warm run, repeated":
                write_floor = measure_write_floor(connection, args.database)
        stored = Alert.objects.count()
        load_rows = args.rows if args.load_rows is None else args.load_rows
        if load_rows:  # after the runs: the loaded batch is not one of the run's feeds
            load_benchmark(Path(tmp), load_rows, first, persons, url)
    print(f"alerts stored in PostgreSQL: {stored:,}")
    if runs:
        cold, warm, warm2, again = (runs[k][0] for k in ("cold run", "warm run", "warm run, repeated", "again"))
        print(
            f"ratio to the bare join: cold run {cold / bare_s:.1f}×, warm run {warm / bare_s:.1f}× and "
            f"{warm2 / bare_s:.1f}× (target < 3), "
            f"again {again / bare_s:.1f}×; warm run less its extract check and shaping "
            f"({runs['warm run'][1]['extract']:.2f} s): {(warm - runs['warm run'][1]['extract']) / bare_s:.1f}×"
        )
        bare_write, least_write = write_floor
        print(
            f"lower bound of a run that opens them all: the least rule and the least write "
            f"{least_rule_s + least_write:.2f} s = {(least_rule_s + least_write) / bare_s:.1f}× the bare join "
            f"(the bare join itself and a write with no index at all: {(bare_s + bare_write) / bare_s:.1f}×)"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
