"""Benchmark: generate one county's monthly payroll over N active enrolments (default 1,000,000) on PostgreSQL.

    .venv/bin/python benchmarks/payroll.py [--enrolments 1000000] [--database doudi_payroll_bench] [--keep]

Creates (drops first) the database, migrates it, loads the regions with the villages of 沅江市
(430981) and the demo users, then writes N households, their heads (with a bank account) and one
dibao enrolment each, with its amount history (every tenth enrolment has a second, later change),
in set-based ``INSERT … SELECT generate_series`` statements. Then, in the same run, it times:

- ``generate_payroll`` (``doudi.payments.services.generation``) for the county and the month, checks
  off, and again as a regeneration of the draft (delete + insert: the idempotent path);
- the floor: a bare ``INSERT … SELECT`` writing the same rows (enrolments joined to their latest
  change with ``DISTINCT ON``, the payee's account) into the line table itself (same indexes,
  constraints and foreign-key checks), deleted again after;
- the integrity checks (``run_checks``) over the payroll;
- the next month's payroll (the arrears and recovery statements run: a second payroll exists).

Prints the figures and the ratio against the floor (target: generation < 2 × floor; checks < 30 s).
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from datetime import date
from pathlib import Path

from common import COUNTY, PG, machine, manage, populate_payees
from common import select_list as _select_list  # noqa: F401  (benchmarks/stats.py reads it here)

ROOT = Path(__file__).resolve().parent.parent


def populate(n: int, first_month: date) -> float:
    """N payees with a dibao enrolment each (start months over four years before ``first_month``, every
    tenth with a later change); return the seconds it took."""
    t0 = time.perf_counter()
    first = f"DATE '{first_month:%Y-%m-%d}'"
    populate_payees(
        n,
        number_prefix="B",
        start_month=f"{first} - (mod(g, 48) * INTERVAL '1 month')",
        amount="300 + mod(g, 500)",
        change_month=f"{first} - INTERVAL '3 month'",
    )
    return time.perf_counter() - t0


def floor(payroll_id: int, month: date) -> tuple[float, int]:
    """Time the bare INSERT … SELECT of the same rows into the line table itself (same indexes,
    constraints and foreign keys), then delete them again."""
    from django.db import connection, transaction

    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            """INSERT INTO payments_payrollline (payroll_id, enrolment_id, person_id, household_id, region_id,
                   programme, month_covered, kind, basis, amount, bank_name, bank_account, account_holder, status,
                   failure_reason, note, updated_at)
               SELECT %s, e.id, e.person_id, e.household_id, e.region_id, e.programme, %s, 'normal', '',
                      c.monthly_amount, p.bank_name, p.bank_account, p.name, 'planned', '', '', now()
               FROM cases_enrolment e
               JOIN (SELECT DISTINCT ON (enrolment_id) enrolment_id, monthly_amount FROM cases_enrolmentchange
                     WHERE effective_month <= %s ORDER BY enrolment_id, effective_month DESC, id DESC) c
                 ON c.enrolment_id = e.id
               JOIN registry_person p ON p.id = e.person_id
               WHERE e.region_id LIKE %s AND e.programme = 'dibao' AND e.start_month <= %s
                 AND (e.end_month IS NULL OR e.end_month >= %s) AND c.monthly_amount > 0""",
            [payroll_id, month, month, COUNTY + "%", month, month],
        )
        rows = cur.rowcount
    elapsed = time.perf_counter() - t0
    with connection.cursor() as cur:
        cur.execute("DELETE FROM payments_payrollline WHERE payroll_id = %s", [payroll_id])
    return elapsed, rows


def main() -> None:
    os.environ.setdefault("DOUDI_SECRET_KEY", secrets.token_urlsafe(50))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enrolments", type=int, default=1_000_000)
    parser.add_argument("--database", default="doudi_payroll_bench")
    parser.add_argument("--month", default="2026-06")
    parser.add_argument("--keep", action="store_true", help="reuse the database (populated if it has no data yet)")
    args = parser.parse_args()
    url = f"{PG}/{args.database}"
    month = date.fromisoformat(args.month + "-01")
    import psycopg

    print(f"machine: {machine()}")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    t0 = time.perf_counter()
    if not args.keep:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{args.database}"')
        manage("migrate", "--no-input", "-v0", url=url)
        manage("load_regions", "--villages", COUNTY, url=url)
        manage("create_demo_users", url=url)
        print(f"setup (create, migrate, regions, users): {time.perf_counter() - t0:.1f} s")

    os.environ["DOUDI_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doudi.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.db import connection

    from doudi.accounts.models import User
    from doudi.payments.models import Payroll, PayrollLine
    from doudi.payments.services.checks import run_checks
    from doudi.payments.services.generation import generate_payroll
    from doudi.registry.models import Household

    PayrollLine.objects.all().delete()
    Payroll.objects.all().delete()
    if not Household.objects.filter(number__startswith="B").exists():
        seconds = populate(args.enrolments, month)
        print(f"populate {args.enrolments:,} households, heads, enrolments, changes: {seconds:.1f} s")
    maker = User.objects.get(username="county_reviewer")

    def gen(m):
        started = time.perf_counter()
        payroll = generate_payroll(maker, region_code=COUNTY, programme="dibao", month=m, run_checks=False)
        return payroll, time.perf_counter() - started

    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    # Each is run twice, alternately, and the faster run kept: the machine is shared, caches warm up.
    # The floor writes into the real line table, under a draft payroll of the month, and is deleted.
    from doudi.payments.models import Payroll as P

    draft = P.objects.create(region_id=COUNTY.ljust(12, "0"), programme="dibao", month=month, maker=maker)
    t_floor, rows = floor(draft.pk, month)
    payroll, t_gen = gen(month)
    PayrollLine.objects.filter(payroll=payroll)._raw_delete("default")
    t_floor2, _ = floor(payroll.pk, month)
    payroll, t_regen = gen(month)
    t_floor, t_gen = min(t_floor, t_floor2), min(t_gen, t_regen)
    print(f"generate_payroll {month:%Y-%m}: {payroll.line_count:,} lines, {payroll.total_amount:,} 元 in {t_gen:.1f} s")
    print(f"floor: bare INSERT … SELECT of the same rows: {rows:,} rows in {t_floor:.1f} s")
    assert rows == payroll.line_count, (rows, payroll.line_count)
    print(f"ratio generation / floor: {t_gen / t_floor:.2f} (target < 2)")
    started = time.perf_counter()
    open_findings = run_checks(payroll)
    t_checks = time.perf_counter() - started
    print(
        f"integrity checks over {payroll.line_count:,} lines: {t_checks:.1f} s, "
        f"{len(open_findings)} open findings (target < 30 s)"
    )
    Payroll.objects.filter(pk=payroll.pk).update(status="approved")
    nxt = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    payroll2, t_next = gen(nxt)
    print(
        f"next month's payroll (arrears and recovery statements run): {payroll2.line_count:,} lines in {t_next:.1f} s"
    )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
