"""``python -m doudi stats_snapshots [--months 24] [--rebuild]``: build the dashboards' month snapshots.

The worker does this every night for the month that has just closed (``reports.tasks``); run it once
after installing doudi on a large caseload, so that the first dashboard does not build two years of
snapshots while a person waits. ``--rebuild`` recomputes months already built (their figures are as of
each month's end, so they come out the same unless the raw rows were corrected by hand)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from doudi.reports.models import SnapshotMonth
from doudi.reports.selectors import add_months
from doudi.reports.snapshots import build_month, ensure_months, last_closed_month


class Command(BaseCommand):
    help = "生成统计看板的月度统计快照（已结束的月份）"

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=24, help="最近多少个已结束的月份（默认 24）")
        parser.add_argument("--rebuild", action="store_true", help="已生成的月份也重新计算")

    def handle(self, *args, **options):
        last = last_closed_month()
        months = [add_months(last, -i) for i in range(max(options["months"], 1))]
        t0 = time.perf_counter()
        if options["rebuild"]:
            SnapshotMonth.objects.filter(month__in=months).delete()
            for m in sorted(months):
                build_month(m)
            built = months
        else:
            built = ensure_months(months)
        self.stdout.write(f"已生成 {len(built)} 个月的统计快照，用时 {time.perf_counter() - t0:.1f} 秒。")
