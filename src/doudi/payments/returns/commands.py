"""``doudi payroll returns FILE [--user NAME]`` (a subcommand of ``payroll``): import a bank return file."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from doudi.payments.bankfiles.commands import user_for
from doudi.payments.models import Payroll
from doudi.payments.returns.parser import parse_return_file
from doudi.payments.returns.services import import_return_file


def add_subcommands(subparsers) -> None:
    returns = subparsers.add_parser("returns", help="导入银行回盘文件（CSV 或 XLSX）")
    returns.add_argument("file", help="回盘文件路径")
    returns.add_argument("--user", default=None, help="以该用户身份导入；默认本县第一位资金审批人员")


def handle(name: str, options: dict, stdout) -> bool:
    if name != "returns":
        return False
    path = Path(options["file"])
    if not path.is_file():
        raise CommandError(f"文件不存在：{path}")
    data = path.read_bytes()
    ids = {r.payroll_id for r in parse_return_file(path.name, data).rows if r.payroll_id is not None}
    payroll = Payroll.objects.filter(pk__in=ids).first() if len(ids) == 1 else None
    user = user_for(payroll.region_id, options.get("user")) if payroll else None
    if user is None and options.get("user"):
        user = user_for("", options["user"])
    if user is None:
        raise CommandError("无法从文件中的业务参考号确定发放名册，请检查文件（或用 --user 指定导入人查看详细原因）。")
    result = import_return_file(user, name=path.name, data=data)
    record = result.return_import
    if result.created:
        stdout.write(
            f"{result.payroll.pk}\t已导入：成功 {record.paid_count} 笔，失败 {record.failed_count} 笔"
            f"（{record.failed_amount} 元）\t名册状态：{result.payroll.get_status_display()}"
        )
    else:
        stdout.write(f"{result.payroll.pk}\t该回盘结果此前已导入，未作更改。")
    return True
