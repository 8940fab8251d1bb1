"""``manage.py demo_payroll --county 430981``: the demo caseload (enrolments) and two payrolls per programme."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from doudi.accounts.models import User
from doudi.cases.services.common import month_start
from doudi.payments.demo import enrol_caseload, make_payrolls


class Command(BaseCommand):
    help = "演示数据：按政策测算结果为符合条件的家庭建立保障（起始月份分布在过去几年），并生成两个月的发放名册。"

    def add_arguments(self, parser):
        parser.add_argument("--county", default="430981", help="县级区划代码（6 位）")
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument("--maker", default="county_reviewer", help="制表人用户名")
        parser.add_argument("--checker", default="county_finance", help="审批人用户名")

    def handle(self, *args, **options):
        today = date.today()
        n = enrol_caseload(options["county"], on=today, seed=options["seed"])
        self.stdout.write(f"已建立保障 {n} 条。")
        maker = User.objects.filter(username=options["maker"]).first()
        checker = User.objects.filter(username=options["checker"]).first()
        if maker is None or checker is None:
            raise CommandError("请先运行 create_demo_users（需要制表人和审批人两个演示用户）。")
        for payroll in make_payrolls(options["county"], month=month_start(today), maker=maker, checker=checker):
            self.stdout.write(
                f"{payroll.month:%Y-%m} {payroll.get_programme_display()}：{payroll.get_status_display()}，"
                f"{payroll.line_count} 笔，{payroll.total_amount} 元"
            )
