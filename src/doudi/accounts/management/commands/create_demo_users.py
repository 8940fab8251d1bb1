"""``manage.py create_demo_users``: one demo user per role (see ``doudi.accounts.demo``)."""

from django.core.management.base import BaseCommand, CommandError

from doudi.accounts.demo import DEMO_PASSWORD, ensure_demo_users
from doudi.regions.models import Region


class Command(BaseCommand):
    help = "创建每个角色的演示用户（需先导入行政区划）。"

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEMO_PASSWORD)

    def handle(self, *args, **options):
        try:
            users = ensure_demo_users(options["password"])
        except Region.DoesNotExist as exc:
            raise CommandError("找不到演示用户所在的行政区划，请先运行 load_regions。") from exc
        for user in users:
            self.stdout.write(f"{user.username:18} {user.get_role_display():10} {user.region.full_name}")
        self.stdout.write(f"演示用户密码：{options['password']}")
