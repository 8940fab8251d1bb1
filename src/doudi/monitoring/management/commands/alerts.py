"""``doudi alerts export --region CODE --format csv [--output FILE]``: the open alerts, ID numbers masked."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from doudi.audit.services import record_event
from doudi.core.masking import mask_id_number
from doudi.core.spreadsheets import csv_bytes
from doudi.monitoring.models import Alert, AlertStatus
from doudi.policy.engine.parameters import MONITORING_RULE_LABELS
from doudi.regions.models import Region, pad_code, prefix_of

HEADER = (
    "规则代码",
    "预警规则",
    "预警类别",
    "预警级别",
    "户编号",
    "户主",
    "人员",
    "公民身份号码",
    "村/社区",
    "证据",
    "核查期限",
)


def alert_rows(region_code: str):
    """Yield the header and one row per open alert of the region's subtree (ID numbers masked)."""
    prefix = prefix_of(pad_code(region_code))
    alerts = (
        Alert.objects.filter(region__code__startswith=prefix, status=AlertStatus.OPEN)
        .select_related("household", "person", "region")
        .order_by("region_id", "due_on", "id")
    )
    yield HEADER
    for a in alerts.iterator(chunk_size=2000):
        evidence = "；".join(
            e["detail"] + (f"（批次 {e['batch']} 第 {e['row']} 行）" if e.get("batch") else "") for e in a.evidence
        )
        yield (
            a.rule,
            MONITORING_RULE_LABELS.get(a.rule, a.rule),
            a.get_alert_class_display(),
            a.get_severity_display(),
            a.household.number if a.household else "",
            a.household.head_name if a.household else "",
            a.person.name if a.person else "",
            mask_id_number(a.person.id_number) if a.person else "",
            a.region.name,
            evidence,
            a.due_on.isoformat(),
        )


class Command(BaseCommand):
    help = "导出待核查的监测预警：doudi alerts export --region 430981 --format csv（身份证号已遮蔽）。"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["export"])
        parser.add_argument("--region", required=True, help="行政区划代码（6/9/12 位）")
        parser.add_argument("--format", choices=["csv"], default="csv")
        parser.add_argument("--output", help="写入该文件（默认标准输出）")

    def handle(self, *args, action, region, output=None, **options):
        if not Region.objects.filter(code=pad_code(region)).exists():
            raise CommandError(f"行政区划代码 {region} 不存在。")
        data = csv_bytes(alert_rows(region))
        place = Region.objects.get(code=pad_code(region))
        record_event(None, action="export_alerts", target=place, household_id=None, region_code=place.code)
        if output:
            with open(output, "wb") as fh:
                fh.write(data)
            self.stdout.write(f"已写入 {output}")
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
