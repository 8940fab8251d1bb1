"""``doudi payroll bankfile PAYROLL_ID --layout NAME [--output PATH] [--user NAME]`` (a subcommand of ``payroll``)."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.core.management.base import CommandError

from doudi.accounts.models import User
from doudi.payments.bankfiles.selectors import layout_get
from doudi.payments.bankfiles.services import can_write_bank_file, do_write_bank_file
from doudi.payments.models import Payroll


def add_subcommands(subparsers) -> None:
    bank = subparsers.add_parser("bankfile", help="生成已审批发放名册的银行发放文件")
    bank.add_argument("payroll_id", type=int, help="发放名册编号（payroll list 第一列）")
    bank.add_argument("--layout", required=True, help="银行文件格式名称，如“农村商业银行（CSV）”")
    bank.add_argument("--output", default="", help="输出文件路径（默认：当前目录下的标准文件名）")
    bank.add_argument("--user", default=None, help="以该用户身份生成（记入访问日志）；默认本县第一位资金审批人员")


def user_for(county_code: str, username: str | None) -> User:
    """The named user, or the county's first active user who may write bank files (finance first)."""
    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"用户“{username}”不存在或已停用。")
        return user
    candidates = sorted(
        (u for u in User.objects.filter(region_id=county_code, is_active=True) if can_write_bank_file(u)),
        key=lambda u: (u.role != "county_finance", u.username),
    )
    if not candidates:
        raise CommandError("该县没有可生成银行文件的用户，请用 --user 指定。")
    return candidates[0]


def handle(name: str, options: dict, stdout) -> bool:
    if name != "bankfile":
        return False
    payroll = Payroll.objects.filter(pk=options["payroll_id"]).select_related("region").first()
    if payroll is None:
        raise CommandError(f"发放名册 {options['payroll_id']} 不存在。")
    user = user_for(payroll.region_id, options.get("user"))
    layout = layout_get(actor=user, name=options["layout"])
    result = do_write_bank_file(user, payroll, layout=layout, channel="command")
    target = Path(options.get("output") or result.bank_file.file_name)
    with result.handle as source, target.open("wb") as out:
        shutil.copyfileobj(source, out)
    bank_file = result.bank_file
    stdout.write(f"{target}\t{bank_file.record_count} 笔\t{bank_file.total_amount} 元\tSHA-256 {bank_file.sha256}")
    return True
