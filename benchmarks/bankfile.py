"""Benchmark: bank files of a county's payroll and of a whole province's lines, time and memory, on PostgreSQL.

    .venv/bin/python benchmarks/bankfile.py [--lines 1000000] [--county-lines 50000] [--database doudi_bankfile_bench]
                                            [--keep] [--payrolls COUNTY_ID PROVINCE_ID]

Creates (drops first, unless ``--keep`` finds it populated) the database, migrates it (which ships the two
example layouts), loads the villages of 沅江市 (430981) and the demo users, then writes ``--lines``
households, their heads (with a bank account) and one dibao enrolment each, and two approved payrolls
straight from SQL (``INSERT … SELECT generate_series``; generation itself is benchmarked in
``benchmarks/payroll.py``): a county payroll of ``--county-lines`` lines and a province-sized one of
``--lines`` lines (a bank file of a million lines costs the same whether they belong to one payroll or
to 122 counties' payrolls).

``--payrolls`` measures two approved payrolls already in ``--database`` instead (e.g. those
``benchmarks/payroll.py`` generated, whose population is the same ``common.populate_payees``).

Then each bank file is written by ``do_write_bank_file`` — the path the page, the API and ``payroll
bankfile`` take: totals checked, the records grouped and formatted by PostgreSQL (CSV lines or XLSX
rows, ``bankfiles.formatted``) read through a server-side cursor and written in blocks (CSV encoded,
XLSX streamed into the zip), SHA-256, log rows — in a fresh Python process, so that its peak resident memory
(``ru_maxrss``) is the file's alone, beside the same process's memory before writing. The floor is a bare
``COPY (SELECT … GROUP BY …) TO STDOUT (FORMAT csv)`` of the same records read by Python and thrown away.

Targets (issue #9): county < 5 s, province (1,000,000 lines) < 30 s, memory flat in the number of lines.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from common import COUNTY, PG, machine, manage, populate_payees
from common import select_list as _select_list

ROOT = Path(__file__).resolve().parent.parent
LAYOUTS = ("农村商业银行（CSV）", "邮储银行（XLSX）")
COUNTY_MONTH, PROVINCE_MONTH = date(2026, 5, 1), date(2026, 6, 1)


def setup_django(url: str) -> None:
    os.environ["DOUDI_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doudi.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def populate(n: int, county_lines: int) -> dict[str, int]:
    """Write n payees and two approved payrolls; return {"county": id, "province": id}."""
    from django.db import connection, transaction

    from doudi.accounts.models import User
    from doudi.payments.models import Payroll, PayrollLine
    from doudi.payments.services.generation import update_totals

    maker = User.objects.get(username="county_reviewer")
    checker = User.objects.get(username="county_finance")
    populate_payees(n, number_prefix="K", start_month="DATE '2024-01-01'", amount="300 + mod(g, 500) + 0.5")
    with transaction.atomic(), connection.cursor() as cur:
        ids = {}
        for key, month, count in (("county", COUNTY_MONTH, county_lines), ("province", PROVINCE_MONTH, n)):
            payroll = Payroll.objects.create(
                region_id=COUNTY.ljust(12, "0"), programme="dibao", month=month, maker=maker, checker=checker
            )
            cols, exprs = _select_list(
                PayrollLine,
                {
                    "payroll_id": str(payroll.pk),
                    "enrolment_id": "e.id",
                    "person_id": "e.person_id",
                    "household_id": "e.household_id",
                    "region_id": "e.region_id",
                    "programme": "'dibao'",
                    "month_covered": f"DATE '{month:%Y-%m-%d}'",
                    "kind": "'normal'",
                    "amount": "e.monthly_amount",
                    "bank_name": "p.bank_name",
                    "bank_account": "p.bank_account",
                    "account_holder": "p.name",
                    "status": "'planned'",
                },
            )
            cur.execute(
                f"INSERT INTO payments_payrollline ({cols}) SELECT {exprs} FROM cases_enrolment e "
                "JOIN registry_person p ON p.id = e.person_id "
                "WHERE e.programme = 'dibao' AND p.bank_account LIKE '6217%%' ORDER BY e.id LIMIT %s",
                [count],
            )
            update_totals(payroll)
            payroll.status = "approved"
            payroll.save()
            ids[key] = payroll.pk
        cur.execute("ANALYZE")
    return ids


def measure(url: str, payroll_id: int, layout_name: str) -> dict:
    """In this (fresh) process: write the bank file once; return seconds, size and memory."""
    setup_django(url)
    from doudi.accounts.models import User
    from doudi.payments.bankfiles.models import BankLayout
    from doudi.payments.bankfiles.services import do_write_bank_file
    from doudi.payments.models import Payroll

    user = User.objects.get(username="county_finance")
    payroll = Payroll.objects.get(pk=payroll_id)
    layout = BankLayout.objects.get(name=layout_name)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    result = do_write_bank_file(user, payroll, layout=layout, channel="command")
    seconds = time.perf_counter() - started
    size = os.fstat(result.handle.fileno()).st_size
    result.handle.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": seconds,
        "records": result.bank_file.record_count,
        "total": str(result.bank_file.total_amount),
        "bytes": size,
        "rss_before_mb": before / 1024,
        "rss_peak_mb": peak / 1024,
    }


def floor(url: str, payroll_id: int) -> tuple[float, int]:
    """A bare COPY of the same grouped records to CSV, read by Python and discarded."""
    import psycopg

    sql = f"""COPY (SELECT l.person_id, l.bank_account, l.account_holder, p.name, p.id_number, r.name, t.name,
                          sum(l.amount)
                   FROM payments_payrollline l JOIN registry_person p ON p.id = l.person_id
                   JOIN regions_region r ON r.code = l.region_id LEFT JOIN regions_region t ON t.code = r.parent_id
                   WHERE l.payroll_id = {int(payroll_id)} AND l.status <> 'cancelled'
                   GROUP BY l.payroll_id, l.region_id, l.household_id, l.person_id, l.bank_account, l.account_holder,
                            l.bank_name, p.name, p.id_number, r.name, t.name
                   HAVING sum(l.amount) > 0
                   ORDER BY l.payroll_id, l.region_id, l.household_id, l.person_id) TO STDOUT (FORMAT csv)"""
    started = time.perf_counter()
    size = 0
    with psycopg.connect(url) as conn, conn.cursor() as cur, cur.copy(sql) as copy:
        for block in copy:
            size += len(block)
    return time.perf_counter() - started, size


def main() -> None:
    os.environ.setdefault("DOUDI_SECRET_KEY", secrets.token_urlsafe(50))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--county-lines", type=int, default=50_000)
    parser.add_argument("--database", default="doudi_bankfile_bench")
    parser.add_argument("--keep", action="store_true", help="reuse the database when it is already populated")
    parser.add_argument(
        "--payrolls",
        nargs=2,
        type=int,
        metavar=("COUNTY_ID", "PROVINCE_ID"),
        help="measure these approved payrolls of the database as they are (no setup, no populate)",
    )
    parser.add_argument("--measure", nargs=2, metavar=("PAYROLL_ID", "LAYOUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = f"{PG}/{args.database}"
    if args.measure:
        print(json.dumps(measure(url, int(args.measure[0]), args.measure[1])))
        return
    import psycopg

    print(f"machine: {machine()}")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    t0 = time.perf_counter()
    if not args.keep and not args.payrolls:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{args.database}"')
        manage("migrate", "--no-input", "-v0", url=url)
        manage("load_regions", "--villages", COUNTY, url=url)
        manage("create_demo_users", url=url)
        print(f"setup (create, migrate, regions, users): {time.perf_counter() - t0:.1f} s")
    setup_django(url)
    from doudi.payments.models import Payroll

    found = dict(Payroll.objects.filter(month__in=[COUNTY_MONTH, PROVINCE_MONTH]).values_list("month", "pk"))
    if args.payrolls:
        ids = {"county": args.payrolls[0], "province": args.payrolls[1]}
    elif len(found) == 2 and args.keep:
        ids = {"county": found[COUNTY_MONTH], "province": found[PROVINCE_MONTH]}
    else:
        started = time.perf_counter()
        ids = populate(args.lines, args.county_lines)
        print(f"populate {args.lines:,} payees and two approved payrolls: {time.perf_counter() - started:.1f} s")
    results = []
    for key in ("county", "province"):
        payroll = Payroll.objects.get(pk=ids[key])
        seconds, size = floor(url, payroll.pk)
        print(f"{key}: {payroll.line_count:,} lines, {payroll.total_amount:,} 元")
        print(f"  floor (bare COPY of the grouped records to CSV): {seconds:.2f} s, {size / 2**20:.1f} MB")
        for layout in LAYOUTS:
            out = subprocess.run(
                [sys.executable, __file__, "--database", args.database, "--measure", str(payroll.pk), layout],
                check=True,
                capture_output=True,
                text=True,
            )
            figures = json.loads(out.stdout.strip().splitlines()[-1])
            results.append((key, layout, figures))
            print(
                f"  {layout}: {figures['seconds']:.2f} s, {figures['records']:,} records, {figures['total']} 元, "
                f"{figures['bytes'] / 2**20:.1f} MB; process memory {figures['rss_before_mb']:.0f} MB before, "
                f"peak {figures['rss_peak_mb']:.0f} MB"
            )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
