"""``doudi feeds``: department data from the command line (a nightly job).

- ``feeds load FILE --department D --period YYYY-MM [--region CODE] [--user NAME]``: load one file as a batch;
  prints the counts and the first set-aside rows; exits 1 when the file is refused.
- ``feeds list [--region CODE]``: the current batches.
- ``feeds purge [--months N] [--dry-run]``: delete the raw rows (Parquet files, set-aside rows) of batches
  older than the retention setting (``DOUDI_FEEDS_RETENTION_MONTHS``); what they proved stays.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from doudi.core.errors import DomainError
from doudi.verification.feeds.schemas import SCHEMAS


class Command(BaseCommand):
    help = "部门数据：load 导入文件；list 列出当前批次；purge 按保存期限清除原始数据。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="导入一个部门数据文件（CSV、XLSX 或 Parquet）")
        load.add_argument("file", help="文件路径")
        load.add_argument("--department", required=True, choices=sorted(SCHEMAS), help="数据类型")
        load.add_argument("--period", required=True, help="所属期 YYYY-MM")
        load.add_argument("--region", default=None, help="数据所属地区代码（默认：--user 的地区）")
        load.add_argument("--user", default=None, help="以该用户名义上传（需有“上传部门数据”权限）")
        lst = sub.add_parser("list", help="列出当前批次")
        lst.add_argument("--region", default=None)
        purge = sub.add_parser("purge", help="清除超过保存期限的原始数据")
        purge.add_argument("--months", type=int, default=None, help="保存期限（月），默认取设置")
        purge.add_argument("--dry-run", action="store_true", help="只列出，不删除")

    def handle(self, *args, **options):
        return getattr(self, f"_{options['action']}")(options)

    def _load(self, options):
        from doudi.accounts.roles import Capability
        from doudi.verification.feeds.loading import load_feed

        actor = None
        if options["user"]:
            from doudi.accounts.models import User

            actor = User.objects.filter(username=options["user"], is_active=True).first()
            if actor is None:
                raise CommandError(f"用户“{options['user']}”不存在或已停用。")
            if not actor.can(Capability.LOAD_FEEDS):
                raise CommandError(f"用户“{options['user']}”无权上传部门数据。")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        try:
            result = load_feed(
                actor,
                path,
                file_name=path.name,
                department=options["department"],
                period=options["period"],
                region_code=options["region"],
                channel="command",
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(result.message)
        for error in result.batch.errors.exclude(row_number=1)[:20]:
            self.stdout.write(f"  第{error.row_number}行 {error.column}：{error.reason}")
        if result.batch.bad_count > 20:
            self.stdout.write(f"  ……共 {result.batch.bad_count:,} 行问题行，可在网页下载全部。")

    def _list(self, options):
        from doudi.verification.models import BatchStatus, FeedBatch

        qs = FeedBatch.objects.filter(status=BatchStatus.CURRENT).order_by("department", "period")
        if options["region"]:
            from doudi.regions.models import pad_code, prefix_of

            qs = qs.filter(region__code__startswith=prefix_of(pad_code(options["region"])))
        for b in qs:
            purged = "（原始数据已清除）" if b.purged_at else ""
            self.stdout.write(
                f"{b.pk}\t{b.department}\t{b.period}\t{b.region_id}\t"
                f"有效 {b.good_count:,}\t问题 {b.bad_count:,}{purged}"
            )

    def _purge(self, options):
        from doudi.verification.feeds.retention import purge_expired

        purged = purge_expired(months=options["months"], dry_run=options["dry_run"])
        verb = "将清除" if options["dry_run"] else "已清除"
        self.stdout.write(f"{verb} {len(purged)} 个批次的原始数据。")
        for batch in purged:
            self.stdout.write(f"  第{batch.pk}批 {batch.department} {batch.period}")
