"""``doudi payroll generate --region CODE --month YYYY-MM [--programme P] [--user NAME]`` and ``payroll list``.

For a scheduled job: generation runs as ``--user`` (default: the first active user of the county
whose role may make payrolls), is idempotent on a draft and refused on an approved payroll. The
bank-file and return-file sub-packages add subcommands (``bankfile``, ``returns``) through their
``commands`` modules, each defining ``add_subcommands(subparsers)`` and ``handle(name, options, stdout) -> bool``.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from doudi.accounts.models import User
from doudi.accounts.roles import Capability
from doudi.core.errors import DomainError
from doudi.payments.bankfiles import commands as bankfile_commands
from doudi.payments.models import Payroll
from doudi.payments.returns import commands as return_commands
from doudi.payments.services.generation import NOT_PROGRAMMES, generate_payroll, get_county, parse_month


def _extensions():
    return (bankfile_commands, return_commands)


def maker_for(county_code: str, username: str | None) -> User:
    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"用户“{username}”不存在或已停用。")
        return user
    for user in User.objects.filter(region_id=county_code, is_active=True).order_by("username"):
        if user.can(Capability.MAKE_PAYROLL):
            return user
    raise CommandError("该县没有可编制发放名册的用户，请用 --user 指定。")


class Command(BaseCommand):
    help = "发放名册：生成（generate）、列表（list）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        gen = sub.add_parser("generate", help="生成（或重新生成草稿）某县某月的发放名册")
        gen.add_argument("--region", required=True, help="县级区划代码，如 430981")
        gen.add_argument("--month", required=True, help="发放月份 YYYY-MM")
        gen.add_argument("--programme", default="all", help="项目代码，默认 all（全部按月发放的项目）")
        gen.add_argument("--user", default=None, help="制表人用户名")
        ls = sub.add_parser("list", help="列出发放名册")
        ls.add_argument("--region", default="", help="县级区划代码")
        ls.add_argument("--month", default="", help="YYYY-MM")
        for ext in _extensions():
            ext.add_subcommands(sub)

    def handle(self, *args, **options):
        name = options["subcommand"]
        try:
            if name == "generate":
                return self.generate(options)
            if name == "list":
                return self.list(options)
            for ext in _extensions():
                if ext.handle(name, options, self.stdout):
                    return None
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        raise CommandError(f"未知的子命令：{name}")

    def generate(self, options):
        from doudi.cases.models import Enrolment
        from doudi.policy.engine.explain import PROGRAMME_LABELS

        county = get_county(options["region"])
        month = parse_month(options["month"])
        user = maker_for(county.code, options["user"])
        if options["programme"] == "all":
            present = set(
                Enrolment.objects.filter(region__code__startswith=county.prefix).values_list("programme", flat=True)
            )
            programmes = [p for p in PROGRAMME_LABELS if p in present and p not in NOT_PROGRAMMES]
        else:
            programmes = [options["programme"]]
        for programme in programmes:
            payroll = generate_payroll(user, region_code=county.code, programme=programme, month=month)
            self.stdout.write(
                f"{payroll.pk}\t{county.name}\t{payroll.month:%Y-%m}\t{payroll.get_programme_display()}\t"
                f"{payroll.line_count} 笔\t{payroll.total_amount} 元\t待处理核查 "
                f"{payroll.findings.filter(status='open').count()} 项"
            )

    def list(self, options):
        qs = Payroll.objects.select_related("region").order_by("-month", "region_id", "programme")
        if options["region"]:
            qs = qs.filter(region_id=get_county(options["region"]).code)
        if options["month"]:
            qs = qs.filter(month=parse_month(options["month"]))
        for p in qs[:500]:
            self.stdout.write(
                f"{p.pk}\t{p.region.name}\t{p.month:%Y-%m}\t{p.get_programme_display()}\t{p.get_status_display()}\t"
                f"{p.line_count} 笔\t{p.total_amount} 元"
            )
