"""Run the daily case jobs: periodic reviews to schedule, 18th-birthday checks, longevity starts."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand

from doudi.cases.tasks import run_case_tasks, run_daily


class Command(BaseCommand):
    help = "运行救助案件的到期任务：生成定期复核、年满 18 周岁核查、高龄津贴按生日月份起发。"

    def add_arguments(self, parser):
        parser.add_argument("--date", type=date.fromisoformat, help="按该日期运行（YYYY-MM-DD，默认今天）")
        parser.add_argument("--enqueue", action="store_true", help="交给后台任务队列执行，而不是立即执行")

    def handle(self, *args, date=None, enqueue=False, **options):
        if enqueue:
            result = run_case_tasks.enqueue(date.isoformat() if date else None)
            self.stdout.write(f"已加入任务队列：{result.id}")
            return
        summary = run_daily(date)
        for key, count in sorted(summary.items()):
            self.stdout.write(f"{key}: {count}")
