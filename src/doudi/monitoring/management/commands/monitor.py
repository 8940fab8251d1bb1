"""``doudi monitor run --region CODE [--on DATE] [--engine duckdb|spark]``: run every enabled rule."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from doudi.core.errors import DomainError
from doudi.policy.engine.parameters import MONITORING_RULE_LABELS
from doudi.regions.models import Region, pad_code


class Command(BaseCommand):
    help = "运行动态监测预警规则：doudi monitor run --region 430981 [--on 2025-06-16]，列出新开、自动关闭和维持的预警。"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["run"], help="run：运行本地区所有启用的规则")
        parser.add_argument("--region", required=True, help="行政区划代码（县、乡镇或村，6/9/12 位）")
        parser.add_argument("--on", type=date.fromisoformat, help="按该日期运行（YYYY-MM-DD，默认今天）")
        parser.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb", help="计算引擎（默认 duckdb）")

    def handle(self, *args, action, region, on=None, engine="duckdb", **options):
        from doudi.monitoring.services.run import do_run_monitoring

        if not Region.objects.filter(code=pad_code(region)).exists():
            raise CommandError(f"行政区划代码 {region} 不存在。")
        try:
            result = do_run_monitoring(None, region, on=on, engine=engine)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"新开 {result.opened} 条，自动关闭 {result.closed} 条，维持不变 {result.unchanged} 条")
        for rule, counts in sorted(result.by_rule.items()):
            self.stdout.write(
                f"  {MONITORING_RULE_LABELS.get(rule, rule)}：新开 {counts['opened']}，"
                f"自动关闭 {counts['closed']}，维持 {counts['unchanged']}"
            )
