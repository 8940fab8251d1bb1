"""Benchmark: the monthly statistics table (``doudi.reports.selectors.compute``) on PostgreSQL.

    .venv/bin/python benchmarks/stats.py [--enrolments 1000000] [--database doudi_stats_bench] [--keep]

Populates (drops first unless ``--keep``) the database with N households, heads and dibao enrolments
with their amount history in the villages of 沅江市 (``benchmarks/payroll.populate``, set-based
``INSERT … SELECT generate_series``), then times, cold (each figure computed afresh: no cache of the
statistics), the month's table for the province (43), for the county (430981: here every row is in
it, so it is the province's worst case) and for one township, each beside the bare SQL floor in the
same run: one ``SELECT count(*), sum(amount)`` over the same enrolments joined to their changes for
the same region prefix. Each timed twice, alternately; the faster kept. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import payroll as base  # noqa: E402  (the same population as the payroll benchmark)

FLOOR = """
    SELECT count(*), sum(c.monthly_amount) FROM cases_enrolmentchange c
    JOIN cases_enrolment e ON e.id = c.enrolment_id
    WHERE c.effective_month <= %s AND e.region_id LIKE %s
"""


def main() -> None:
    os.environ.setdefault("DOUDI_SECRET_KEY", secrets.token_urlsafe(50))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enrolments", type=int, default=1_000_000)
    parser.add_argument("--database", default="doudi_stats_bench")
    parser.add_argument("--month", default="2026-06")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    url = f"{base.PG}/{args.database}"
    month = date.fromisoformat(args.month + "-01")
    import psycopg

    print(f"machine: {base.machine()}")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    if not args.keep:
        with psycopg.connect(f"{base.PG}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{args.database}"')
        base.manage("migrate", "--no-input", "-v0", url=url)
        base.manage("load_regions", "--villages", base.COUNTY, url=url)
    os.environ["DOUDI_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doudi.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.db import connection

    from doudi.regions.models import prefix_of
    from doudi.registry.models import Household
    from doudi.reports.selectors import compute

    if not Household.objects.filter(number__startswith="B").exists():
        print(f"populate {args.enrolments:,}: {base.populate(args.enrolments, month):.1f} s")
    with connection.cursor() as cur:
        cur.execute("SELECT code FROM regions_region WHERE level = 4 AND code LIKE %s ORDER BY code", ["430981%"])
        township = cur.fetchone()[0]

    def timed(fn):
        best = None
        for _ in range(2):
            t0 = time.perf_counter()
            fn()
            took = time.perf_counter() - t0
            best = took if best is None else min(best, took)
        return best

    def floor(prefix):
        with connection.cursor() as cur:
            cur.execute(FLOOR, [month, prefix + "%"])
            return cur.fetchone()

    print("| region | table (s) | floor (s) | ratio | target |")
    for name, code, target in (
        ("province 43", "430000000000", 2.0),
        ("county 430981", "430981000000", 0.2),
        (f"township {township[:9]}", township, 0.2),
    ):
        table = timed(lambda c=code: compute(c, month))
        bare = timed(lambda c=code: floor(prefix_of(c)))
        print(f"| {name} | {table:.3f} | {bare:.3f} | {table / bare:.1f} | < {target} s |")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
