"""``manage.py restore FILE --yes``: replace the database and the uploaded files with a backup's."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from doudi.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "从备份文件恢复数据库与上传文件（会替换现有数据；先停止 doudi，docs/deploy.md）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive", help="manage.py backup 生成的 .tar.gz 文件")
        parser.add_argument("--yes", action="store_true", help="确认替换现有数据")

    def handle(self, *args, **options) -> None:
        if not options["yes"]:
            raise CommandError("恢复会替换现有的全部数据与上传文件：确认后请加 --yes 再执行")
        try:
            manifest = restore_backup(Path(options["archive"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已恢复 {manifest['created_at']} 的备份，各表行数与备份一致")
