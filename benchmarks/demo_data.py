"""Benchmark: generate and load a synthetic province (default 1,000,000 households) into PostgreSQL.

    .venv/bin/python benchmarks/demo_data.py [--households 1000000] [--province 43] [--seed 2025]
                                             [--database doudi_bench] [--keep-schema]

Creates (drops first) the database, migrates it, loads 湖南省's regions with all its villages and
the demo users, then times ``generate_demo``'s two halves: generation (numpy/pyarrow) and the load
(COPY per table, index and foreign-key rebuild, ANALYZE). The floor is a bare ``COPY`` of the same
rows, written beforehand to CSV files, into unindexed UNLOGGED copies of the tables, in the same
run. The loaded database is left for ``benchmarks/search.py``. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

from common import machine, manage

ROOT = Path(__file__).resolve().parent.parent
PG = "postgres://postgres@127.0.0.1:5432"


def main() -> None:
    # settings.py refuses to start without a secret key outside the demo: a benchmark's sessions and
    # its subprocesses (manage.py, gunicorn) share one random key for the run.
    os.environ.setdefault("DOUDI_SECRET_KEY", secrets.token_urlsafe(50))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--province", default="43")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--database", default="doudi_bench")
    parser.add_argument("--keep-schema", action="store_true", help="reuse the database (demo data replaced)")
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
        manage("load_regions", "--villages", args.province, url=url)
        manage("create_demo_users", url=url)
        print(f"setup (create, migrate, regions with villages of {args.province}): {time.perf_counter() - t0:.1f} s")

    os.environ["DOUDI_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doudi.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.db import connection

    from doudi.registry.demo import generator, loader

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(f"server: {cursor.fetchone()[0].split(' on ')[0]}")
    loader.delete_demo(args.province)
    villages = loader.village_set(args.province)
    print(f"villages under {args.province}: {len(villages.codes)}")

    report = loader.LoadReport()
    started = time.perf_counter()
    data = report.timed(
        "generate (numpy/pyarrow)",
        lambda: generator.generate(villages, households=args.households, seed=args.seed),
    )
    loader.load(data, prefix=args.province, seed=args.seed, report=report)
    total = time.perf_counter() - started

    print(f"\ndoudi generate_demo: {args.households:,} households, {data.row_count():,} rows")
    for name, table in data.tables():
        print(f"  {name:<16} {table.num_rows:>12,} rows")
    index_time = sum(s for label, s in report.phases if label.startswith("  "))
    for label, seconds in report.phases:
        if not label.startswith("  "):
            print(f"  {label:<44} {seconds:8.2f} s")
        if label == "COPY schooling":
            print(f"  {'rebuild indexes, unique and foreign keys':<44} {index_time:8.2f} s")
    slowest = sorted((s, label.strip()) for label, s in report.phases if label.startswith("  "))[-5:]
    for seconds, label in reversed(slowest):
        print(f"      {label[:60]:<60} {seconds:6.2f} s")
    copy_time = sum(s for label, s in report.phases if label.startswith("COPY"))
    print(f"  {'TOTAL (generate + load)':<44} {total:8.2f} s")

    floor = bare_copy_floor(data, connection)
    print("\nfloor: bare COPY of the same rows from CSV files into unindexed UNLOGGED tables")
    for name, seconds, size in floor:
        print(f"  COPY {name:<16} {seconds:8.2f} s  ({size / 2**20:,.0f} MiB CSV)")
    floor_total = sum(s for _n, s, _z in floor)
    print(f"  {'TOTAL floor':<44} {floor_total:8.2f} s")
    print(
        f"\nsummary: doudi total {total:.1f} s (generate {report.phases[0][1]:.1f} s, COPY {copy_time:.1f} s, "
        f"indexes/keys {index_time:.1f} s) vs floor {floor_total:.1f} s"
    )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


def bare_copy_floor(data, connection) -> list[tuple[str, float, int]]:
    """Write every table to a CSV file (untimed), then time a bare COPY of each file into an unlogged copy."""
    import pyarrow.csv as pacsv
    from psycopg import sql

    from doudi.registry.demo.loader import MODELS, _naive_utc

    results = []
    with tempfile.TemporaryDirectory(prefix="doudi-floor-") as tmp, connection.cursor() as django_cursor:
        cur = django_cursor.cursor
        for name, table in data.tables():
            path = Path(tmp) / f"{name}.csv"
            # The same text doudi sends (naive UTC timestamps); ids are local, which COPY does not mind.
            pacsv.write_csv(_naive_utc(table), str(path), pacsv.WriteOptions(include_header=False))
            floor_table = f"floor_{name}"
            cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(floor_table)))
            cur.execute(
                sql.SQL("CREATE UNLOGGED TABLE {} (LIKE {})").format(
                    sql.Identifier(floor_table), sql.Identifier(MODELS[name]._meta.db_table)
                )
            )
            statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
                sql.Identifier(floor_table), sql.SQL(", ").join(sql.Identifier(c) for c in table.column_names)
            )
            start = time.perf_counter()
            with cur.copy(statement) as copy, open(path, "rb") as handle:
                while chunk := handle.read(1 << 22):
                    copy.write(chunk)
            results.append((name, time.perf_counter() - start, path.stat().st_size))
            cur.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(floor_table)))
    return results


if __name__ == "__main__":
    main()
