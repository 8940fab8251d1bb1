"""Benchmark: the statistics table, the month snapshots and the dashboard on PostgreSQL.

    .venv/bin/python benchmarks/stats.py [--enrolments 1000000] [--database doudi_stats_bench] [--keep]

Populates (drops first unless ``--keep``) the database with N households, heads and dibao enrolments
with their amount history spread over every township of 湖南省 (about 1,900 townships in 122 counties,
set-based ``INSERT … SELECT generate_series``, the payroll benchmark's column lists), one approved payroll
per county for each of the 24 months up to ``--month`` and the paid lines of the last ``--line-months``
months (a million lines each). Then, in the same run:

- the month's table (``selectors.compute``) for the province (43), a city (4309), a county (430981)
  and a township, cold (each figure computed afresh: nothing of the statistics cached), each beside the
  bare SQL floor for the same prefix (``count(*)``, ``sum(amount)`` of the enrolments' changes); each timed
  twice, alternately, the faster kept;
- the month snapshots of the 24 months (``snapshots.build_month``, set-based), once;
- the dashboard page (``views_dashboard.dashboard``, rendered HTML) for the province and the county.

Not part of the test suite. Run under ``flock /work/notes/bench.lock``.
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

import payroll as base  # noqa: E402  (column lists and the database URL)
from common import machine, manage  # noqa: E402

FLOOR = """
    SELECT count(*), sum(c.monthly_amount) FROM cases_enrolmentchange c
    JOIN cases_enrolment e ON e.id = c.enrolment_id
    WHERE c.effective_month <= %s AND e.region_id LIKE %s
"""


def populate_province(n: int, month: date, line_months: int) -> float:
    """N households with one dibao enrolment each over the townships of 湖南省, 24 months of approved
    payrolls per county, the paid lines of the last ``line_months`` months."""
    from django.db import connection

    from doudi.cases.models import Enrolment, EnrolmentChange
    from doudi.payments.models import Payroll, PayrollLine
    from doudi.registry.models import Household, Person

    select = base._select_list
    t0 = time.perf_counter()
    first = f"DATE '{month:%Y-%m-%d}'"
    with connection.cursor() as cur:
        cur.execute("SELECT array_agg(code ORDER BY code) FROM regions_region WHERE level = 4 AND code LIKE '43%%'")
        towns = cur.fetchone()[0]
        nv = len(towns)
        # The township of row g, read from an array literal (a lookup per row in a table would be a scan).
        region = "(ARRAY[" + ",".join(f"'{t}'" for t in towns) + f"])[mod(g, {nv}) + 1]"
        cols, exprs = select(
            Household,
            {
                "number": "'B' || lpad(g::text, 12, '0')",
                "region_id": region,
                "area_type": "CASE WHEN mod(g, 4) = 0 THEN 'urban' ELSE 'rural' END",
                "head_name": "'张' || mod(g, 1000)",
                "member_count": "1",
            },
        )
        cur.execute(f"INSERT INTO registry_household ({cols}) SELECT {exprs} FROM generate_series(1, %s) g", [n])
        cur.execute("SELECT min(id) FROM registry_household WHERE number LIKE 'B%%'")
        h0 = cur.fetchone()[0]
        cols, exprs = select(
            Person,
            {
                "id_number": "'430981' || lpad(g::text, 12, '0')",
                "name": "'张' || mod(g, 1000)",
                "gender": "'M'",
                "birth_date": "DATE '1960-01-01' + mod(g, 9000)",
                "household_id": f"{h0} + g - 1",
                "relation": "'head'",
                "bank_name": "'农商银行'",
                "bank_account": "'6217' || lpad(g::text, 15, '0')",
            },
        )
        cur.execute(f"INSERT INTO registry_person ({cols}) SELECT {exprs} FROM generate_series(1, %s) g", [n])
        cur.execute("SELECT min(id) FROM registry_person WHERE bank_account LIKE '6217%%'")
        p0 = cur.fetchone()[0]
        cols, exprs = select(
            Enrolment,
            {
                "household_id": f"{h0} + g - 1",
                "person_id": f"{p0} + g - 1",
                "region_id": region,
                "programme": "'dibao'",
                "status": "'active'",
                "start_month": f"{first} - (mod(g, 48) * INTERVAL '1 month')",
                "monthly_amount": "300 + mod(g, 500)",
                "covered": "'[]'::jsonb",
                "created_at": f"{first} - (mod(g, 48) * INTERVAL '1 month') - INTERVAL '5 day'",
            },
        )
        cur.execute(f"INSERT INTO cases_enrolment ({cols}) SELECT {exprs} FROM generate_series(1, %s) g", [n])
        cols, exprs = select(
            EnrolmentChange,
            {
                "enrolment_id": "e.id",
                "effective_month": "e.start_month",
                "monthly_amount": "e.monthly_amount",
                "status": "'active'",
                "reason": "'审批纳入'",
                "created_at": "e.created_at",
            },
        )
        cur.execute(f"INSERT INTO cases_enrolmentchange ({cols}) SELECT {exprs} FROM cases_enrolment e")
        cols, exprs = select(
            EnrolmentChange,
            {
                "enrolment_id": "e.id",
                "effective_month": f"{first} - INTERVAL '3 month'",
                "monthly_amount": "e.monthly_amount + 20",
                "status": "'active'",
                "reason": "'复核调整'",
                "created_at": f"{first} - INTERVAL '3 month' - INTERVAL '5 day'",
            },
        )
        cur.execute(
            f"INSERT INTO cases_enrolmentchange ({cols}) SELECT {exprs} FROM cases_enrolment e "
            f"WHERE mod(e.id, 10) = 0 AND e.start_month < {first} - INTERVAL '3 month'"
        )
        # One approved payroll per county and month (24 months), totals from the month's enrolments.
        cols, exprs = select(
            Payroll,
            {
                "region_id": "c.county",
                "programme": "'dibao'",
                "month": "m.month",
                "status": "'closed'",
                "approved_at": "m.month + INTERVAL '5 day'",
                "generated_at": "m.month + INTERVAL '3 day'",
                "line_count": "c.n",
                "person_count": "c.n",
                "household_count": "c.n",
                "total_amount": "c.amount",
                "normal_amount": "c.amount",
            },
        )
        cur.execute(
            f"""INSERT INTO payments_payroll ({cols})
                SELECT {exprs}
                FROM (SELECT rpad(substr(region_id, 1, 6), 12, '0') AS county, count(*) AS n,
                             sum(monthly_amount) AS amount
                      FROM cases_enrolment GROUP BY 1) c
                CROSS JOIN (SELECT ({first} - (k * INTERVAL '1 month'))::date AS month
                            FROM generate_series(0, 23) k) m"""
        )
        cols, exprs = select(
            PayrollLine,
            {
                "payroll_id": "p.id",
                "enrolment_id": "e.id",
                "person_id": "e.person_id",
                "household_id": "e.household_id",
                "region_id": "e.region_id",
                "programme": "'dibao'",
                "month_covered": "p.month",
                "amount": "e.monthly_amount",
                "status": "'paid'",
                "updated_at": "p.month + INTERVAL '12 day'",
            },
        )
        for k in range(line_months):
            cur.execute(
                f"""INSERT INTO payments_payrollline ({cols}) SELECT {exprs}
                    FROM cases_enrolment e
                    JOIN payments_payroll p ON p.region_id = rpad(substr(e.region_id, 1, 6), 12, '0')
                     AND p.month = ({first} - INTERVAL '{k} month')::date
                    WHERE e.start_month <= p.month"""
            )
        cur.execute("ANALYZE")
    return time.perf_counter() - t0


def main() -> None:
    os.environ.setdefault("DOUDI_SECRET_KEY", secrets.token_urlsafe(50))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enrolments", type=int, default=1_000_000)
    parser.add_argument("--database", default="doudi_stats_bench")
    parser.add_argument("--month", default="2026-02")
    parser.add_argument("--line-months", type=int, default=2)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--snapshot-months", type=int, default=24, help="months of snapshots built and timed")
    parser.add_argument("--skip-recount", action="store_true", help="do not time the tables recounted from raw rows")
    parser.add_argument("--skip-dashboard", action="store_true", help="do not time the dashboard page")
    args = parser.parse_args()
    url = f"{base.PG}/{args.database}"
    month = date.fromisoformat(args.month + "-01")
    import psycopg

    print(f"machine: {machine()}")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    if not args.keep:
        with psycopg.connect(f"{base.PG}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{args.database}"')
    manage("migrate", "--no-input", "-v0", url=url)  # with --keep too: a migration added since
    if not args.keep:
        manage("load_regions", "--villages", base.COUNTY, url=url)
    os.environ["DOUDI_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doudi.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.db import connection
    from django.test import RequestFactory

    from doudi.accounts.models import User
    from doudi.regions.models import prefix_of
    from doudi.registry.models import Household
    from doudi.reports import snapshots
    from doudi.reports.models import SnapshotMonth
    from doudi.reports.selectors import add_months, compute
    from doudi.reports.views_dashboard import dashboard

    if not Household.objects.filter(number__startswith="B").exists():
        took = populate_province(args.enrolments, month, args.line_months)
        print(f"populate {args.enrolments:,} (+ payrolls, {args.line_months} months of lines): {took:.1f} s")
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM payments_payrollline")
        print(f"payroll lines: {cur.fetchone()[0]:,}")
        cur.execute("SELECT region_id FROM cases_enrolment WHERE region_id LIKE '430981%%' LIMIT 1")
        township = cur.fetchone()[0]

    def timed(fn, times=2):
        best = None
        for _ in range(times):
            t0 = time.perf_counter()
            fn()
            took = time.perf_counter() - t0
            best = took if best is None else min(best, took)
        return best

    def floor(prefix):
        with connection.cursor() as cur:
            cur.execute(FLOOR, [month, prefix + "%"])
            return cur.fetchone()

    print("| region | table recounted (s) | floor (s) | ratio | target |")
    for name, code, target in (
        ()
        if args.skip_recount
        else (
            ("province 43", "430000000000", "< 2 s"),
            ("city 4309", "430900000000", "—"),
            ("county 430981", "430981000000", "< 0.2 s"),
            (f"township {township[:9]}", township[:9].ljust(12, "0"), "—"),
        )
    ):
        table = timed(lambda c=code: compute(c, month, use_snapshots=False))
        bare = timed(lambda c=code: floor(prefix_of(c)))
        print(f"| {name} | {table:.3f} | {bare:.3f} | {table / bare:.1f} | {target} |")

    months = [add_months(month, -i) for i in range(args.snapshot_months)]
    SnapshotMonth.objects.filter(month__in=months).delete()
    t0 = time.perf_counter()
    for m in months:
        snapshots.build_month(m)
    took = time.perf_counter() - t0
    print(f"month snapshots, {len(months)} months rebuilt: {took:.1f} s ({took / len(months):.2f} s a month)")

    print("| region | table from the snapshots (s) | target |")
    for name, code, target in (
        ("province 43", "430000000000", "< 2 s"),
        ("city 4309", "430900000000", "—"),
        ("county 430981", "430981000000", "< 0.2 s"),
    ):
        assert compute(code, month) == compute(code, month, use_snapshots=False)
        table = timed(lambda c=code: compute(c, month))
        print(f"| {name} | {table:.3f} | {target} |")

    admin, _ = User.objects.get_or_create(
        username="bench_admin", defaults={"role": "administrator", "region_id": "430000000000"}
    )
    factory = RequestFactory()

    def page(code):
        request = factory.get("/reports/dashboard/", {"region": code, "month": f"{month:%Y-%m}"})
        request.user = admin
        response = dashboard(request)
        assert response.status_code == 200, response.status_code
        return len(response.content)

    print("| dashboard | page (s) | bytes | target |")
    for name, code in (
        () if args.skip_dashboard else (("province 43", "430000000000"), ("county 430981", "430981000000"))
    ):
        size = page(code)
        took = timed(lambda c=code: page(c), times=3)
        print(f"| {name} | {took:.3f} | {size:,} | < 1 s |")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
