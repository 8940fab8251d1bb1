"""``manage.py demo_stats_history``: date the demo county's synthetic history as if it had been entered
at the time, so that the statistics of past months (computed as they stood at each month's end) and
the dashboards show it.

The demo generators write two years of enrolments and a closed payroll in one run, today: as recorded,
none of it was known at the end of any past month, and every past month would read zero. Only under
``DOUDI_DEMO=1`` (``scripts/run``): on a bureau's data the recorded instants are facts and are never
rewritten. Set-based: four UPDATE statements; then the month snapshots are built.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from doudi.reports.selectors import add_months
from doudi.reports.snapshots import ensure_months, last_closed_month


class Command(BaseCommand):
    help = "演示数据：把合成的历史记录时间调整到当时，使以往月份的统计和看板有数据（仅限演示环境）"

    def handle(self, *args, **options):
        if not settings.DEMO:
            raise CommandError("仅限演示环境（DOUDI_DEMO=1）使用：真实数据的记录时间不得改写。")
        pg = connection.vendor == "postgresql"
        # A change was recorded five days before the month it takes effect (never after now).
        when = (
            "LEAST(now(), {m} - INTERVAL '5 day')"
            if pg
            else "MIN(strftime('%Y-%m-%d %H:%M:%f', 'now'), datetime({m}, '-5 day'))"
        )
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                f"UPDATE cases_enrolmentchange SET created_at = {when.format(m='effective_month')} "
                "WHERE created_at > " + ("effective_month" if pg else "datetime(effective_month)")
            )
            cur.execute(
                f"UPDATE cases_enrolment SET created_at = {when.format(m='start_month')} "
                "WHERE created_at > " + ("start_month" if pg else "datetime(start_month)")
            )
            # A payroll of a past month was approved on its fifth day; its lines' bank results by the 12th.
            cur.execute(
                "UPDATE payments_payroll SET approved_at = "
                + ("month + INTERVAL '5 day'" if pg else "datetime(month, '+5 day')")
                + " WHERE approved_at IS NOT NULL AND month < %s",
                [add_months(last_closed_month(), 1)],
            )
            cur.execute(
                "UPDATE payments_payrollline SET updated_at = "
                + ("p.month + INTERVAL '12 day'" if pg else "datetime(p.month, '+12 day')")
                + " FROM payments_payroll p WHERE p.id = payments_payrollline.payroll_id AND p.month < %s"
                " AND p.approved_at IS NOT NULL",
                [add_months(last_closed_month(), 1)],
            )
        last = last_closed_month()
        built = ensure_months([add_months(last, -i) for i in range(24)])
        self.stdout.write(f"演示历史已按当时记录；生成 {len(built)} 个月的统计快照。")
