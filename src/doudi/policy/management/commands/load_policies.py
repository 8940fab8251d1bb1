"""``manage.py load_policies [FILE ...]``: publish policy documents (default: the shipped examples)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from doudi.core.errors import DomainError
from doudi.policy.services import load_policy_file

SAMPLES = Path(__file__).resolve().parents[2] / "engine" / "samples"


class Command(BaseCommand):
    help = "发布政策参数文件（默认：随系统提供的湖南省、益阳市、沅江市示例）。内容相同则跳过。"

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", type=Path)

    def handle(self, *args, **options):
        files = options["files"] or sorted(SAMPLES.glob("*.toml"))
        for path in files:
            try:
                version, created = load_policy_file(path.read_text(encoding="utf-8"), reason=f"导入 {path.name}")
            except DomainError as exc:
                raise CommandError(f"{path.name}：{exc.message}") from exc
            state = "已发布" if created else "未变化"
            self.stdout.write(f"{path.name}: {version.region.name} 第 {version.number} 版 {state}")
