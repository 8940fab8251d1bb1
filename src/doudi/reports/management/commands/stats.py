"""``python -m doudi stats --region CODE --month YYYY-MM --format csv|xlsx [--period quarter] [--output FILE]``.

Computes the social-assistance table for the whole subtree of the region (a scheduled report runs
with the system's full scope) and writes it to FILE, or CSV to standard output."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from doudi.core.errors import DomainError
from doudi.regions.models import Region
from doudi.reports import selectors
from doudi.reports.exports import table_csv, table_xlsx


class Command(BaseCommand):
    help = "生成社会救助统计表（CSV 或 XLSX）"

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="区划代码（12位）")
        parser.add_argument("--month", required=True, help="月份 YYYY-MM")
        parser.add_argument(
            "--period",
            choices=list(selectors.PERIODS),
            default="month",
            help="month、quarter、half（半年，年初至该月）、year",
        )
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--output", help="输出文件（xlsx 必填；csv 省略时输出到屏幕）")

    def handle(self, *args, **options):
        try:
            month = selectors.month_of(options["month"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        region = Region.objects.filter(pk=options["region"]).first()
        if region is None:
            raise CommandError(f"区划代码“{options['region']}”不存在。")
        table = selectors.StatsTable(
            region_code=region.code,
            region_name=region.full_name or region.name,
            month=selectors.period_months(month, options["period"])[-1],
            period=options["period"],
            period_label=selectors.period_label(month, options["period"]),
            produced_at=selectors.timezone.now(),
            figures=selectors.compute(region.code, month, options["period"]),
        )
        data = table_xlsx(table) if options["format"] == "xlsx" else table_csv(table)
        if options["output"]:
            with open(options["output"], "wb") as fh:
                fh.write(data)
            self.stdout.write(f"已生成 {options['output']}")
        elif options["format"] == "xlsx":
            raise CommandError("XLSX 格式请用 --output 指定输出文件。")
        else:
            self.stdout.write(data.decode("utf-8-sig") if data.startswith(b"\xef\xbb\xbf") else data.decode())
