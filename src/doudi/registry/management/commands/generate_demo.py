"""``manage.py generate_demo``: fill a county (or a province) with synthetic households.

See ``doudi.registry.demo`` for what is generated and how it is written.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from doudi.regions.models import Level, Region, pad_code
from doudi.registry.demo import generator, loader
from doudi.registry.models import Household


class Command(BaseCommand):
    help = (
        "生成演示用的合成家庭数据（身份证号、姓名、家庭结构、收入、财产、残疾、疾病等），同一种子生成的数据完全相同。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, required=True, help="生成的家庭户数")
        parser.add_argument("--county", default="430981", help="县级区划代码（6 位），默认 430981 沅江市")
        parser.add_argument("--province", help="省级区划代码（2 位）：把家庭分布到该省所有已导入的村/社区")
        parser.add_argument("--seed", type=int, default=2025, help="随机种子（相同种子生成相同数据）")
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            default=generator.DEFAULT_AS_OF,
            help=f"年龄与日期的参照日（默认 {generator.DEFAULT_AS_OF:%Y-%m-%d}）",
        )
        parser.add_argument("--replace", action="store_true", help="先删除该地区已有的演示数据（人工登记的家庭保留）")
        parser.add_argument(
            "--feeds", action="store_true", help="同时生成一个月的部门数据（含一定比例的异常，供核对和监测演示）"
        )
        parser.add_argument("--feeds-period", default=None, help="部门数据所属期 YYYY-MM（默认：参照日所在月）")
        parser.add_argument("--anomaly-share", type=float, default=0.05, help="部门数据中异常人员的比例（默认 0.05）")

    def handle(self, *args, **options):
        households = options["households"]
        if households < 1:
            raise CommandError("--households 必须是正整数。")
        prefix, level = (
            (options["province"], Level.PROVINCE) if options["province"] else (options["county"], Level.COUNTY)
        )
        region = Region.objects.filter(code=pad_code(prefix or ""), level=level).first()
        if region is None:
            what = "省级（2 位）" if level == Level.PROVINCE else "县级（6 位）"
            raise CommandError(f"区划代码“{prefix}”不是已导入的{what}区划，请检查代码或先运行 manage.py load_regions。")
        villages = loader.village_set(prefix)
        if not villages.codes:
            raise CommandError(
                f"{region.full_name}（{prefix}）下没有已导入的村/社区，"
                f"请先运行：manage.py load_regions --villages {prefix}"
            )

        existing = Household.objects.filter(region__code__startswith=prefix).count()
        if existing and not options["replace"]:
            demo = loader.demo_households(prefix).count()
            raise CommandError(
                f"{region.full_name}已有 {existing} 户家庭（其中演示数据 {demo} 户），为避免重复生成已停止。"
                "如需重新生成演示数据，请加 --replace（只删除演示数据，人工登记的家庭保留）。"
            )
        started = time.perf_counter()
        if existing:
            villages = replace(villages, start_seq=loader.start_sequences(villages))
        report = loader.LoadReport()
        try:
            data = report.timed(
                "generate",
                lambda: generator.generate(
                    villages,
                    households=households,
                    seed=options["seed"],
                    as_of=options["as_of"],
                    taken_ids=loader.taken_id_bodies(villages, replacing=prefix if existing else ""),
                ),
            )
        except ValueError as exc:
            raise CommandError(f"无法生成 {households} 户：{exc}") from exc
        try:
            loader.load(data, prefix=prefix, seed=options["seed"], replace=bool(existing), report=report)
        except IntegrityError as exc:
            raise CommandError(
                f"不能替换{region.full_name}的演示数据：已有其他业务记录（如申请、核对）引用这些家庭或人员。"
                "未做任何修改。"
            ) from exc
        if report.replaced:
            self.stdout.write(f"已删除{region.full_name}原有的演示数据 {report.replaced} 户。")

        if options["verbosity"] >= 2:
            for label, seconds in report.phases:
                self.stdout.write(f"  {label:<60} {seconds:8.2f} s")
        ev = {name: table.num_rows for name, table in data.evidence.items()}
        self.stdout.write(
            f"已为{region.full_name}生成演示数据：{data.households.num_rows} 户，{data.persons.num_rows} 人；"
            f"收入 {ev['income']} 条，财产 {ev['asset']} 条，残疾 {ev['disability']} 条，疾病 {ev['illness']} 条，"
            f"劳动能力 {ev['labourcapacity']} 条，自理能力评估 {ev['selfcare']} 条，就学 {ev['schooling']} 条。"
            f"用时 {time.perf_counter() - started:.1f} 秒。"
        )
        if options["feeds"]:
            from doudi.verification.feeds.demo import write_demo_feeds

            feeds = write_demo_feeds(
                prefix,
                period=options["feeds_period"] or f"{options['as_of']:%Y-%m}",
                anomaly_share=options["anomaly_share"],
                seed=options["seed"],
            )
            self.stdout.write(feeds.summary())
