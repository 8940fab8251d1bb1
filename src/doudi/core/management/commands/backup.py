"""``manage.py backup [--output FILE]``: the database and the uploaded files in one archive."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from doudi.core.backup import BackupError, default_name, make_backup


class Command(BaseCommand):
    help = "备份数据库与上传文件到一个 .tar.gz 文件（docs/deploy.md）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", help="备份文件路径，默认 DATA_DIR/backups/doudi-日期-时间.tar.gz")

    def handle(self, *args, **options) -> None:
        target = Path(options["output"] or Path(settings.DATA_DIR) / "backups" / default_name())
        try:
            manifest = make_backup(target)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = "，".join(f"{k} {v} 行" for k, v in manifest["counts"].items())
        self.stdout.write(f"已备份到 {target}（{rows}）")
