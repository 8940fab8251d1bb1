"""``manage.py seed_demo_cases``: demo case work in the demo county (see ``doudi.cases.demo``)."""

from __future__ import annotations

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from doudi.cases.demo import seed_demo_cases
from doudi.core.errors import DomainError

STAGE_LABELS = {
    "submitted": "已申请待受理",
    "materials_pending": "一次性告知待补齐材料",
    "accepted": "已受理待调查",
    "accepted_overdue": "已受理、调查已超期",
    "survey_unsigned": "入户调查待第二调查人签字",
    "surveyed": "已调查待初审",
    "in_notice": "公示中",
    "awaiting_confirmation": "公示期满待县级确认",
    "awaiting_confirmation_overdue": "公示期满、确认已超期",
    "approved": "已确认待纳入",
    "enrolled": "已纳入保障",
    "refused": "不予确认待书面告知",
    "refused_closed": "不予确认已告知办结",
    "fast_grant": "临时救助小额快救待补办手续",
    "fast_pending_overdue": "临时救助急难申请、快救已超期",
}


class Command(BaseCommand):
    help = "为演示县（沅江市 430981）生成办理到各个环节的演示案件（需先运行 generate_demo 和 load_policies）。"

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2025, help="随机种子（相同种子选取相同的家庭和环节）")
        parser.add_argument("--today", type=date.fromisoformat, help="日期基准（默认今天），各环节日期由此往前推")

    def handle(self, *args, **options):
        started = time.perf_counter()
        try:
            report = seed_demo_cases(seed=options["seed"], today=options["today"])
        except (DomainError, ValueError) as exc:
            raise CommandError(f"无法生成演示案件：{getattr(exc, 'message', exc)}") from exc
        if report.skipped:
            self.stdout.write(report.skipped)
            return
        if report.note:
            self.stdout.write(report.note)
        parts = "，".join(f"{STAGE_LABELS.get(k, k)} {n}" for k, n in report.stages.items())
        self.stdout.write(
            f"已生成演示案件 {report.cases} 件（{parts}）；纳入保障 {report.enrolments} 人次；"
            f"日期基准 {report.today:%Y-%m-%d}，用时 {time.perf_counter() - started:.1f} 秒。"
        )
