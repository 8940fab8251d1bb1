"""Writing the bank file of an approved payroll: checked, logged, and the payroll marked as sent."""

from __future__ import annotations

import hashlib
import tempfile
from contextlib import closing
from dataclasses import dataclass
from typing import IO

from django.db import connection, transaction
from django.db.models import Count, Q, Sum

from doudi.accounts.roles import Capability
from doudi.accounts.scope import check_in_scope
from doudi.audit.services import log_record_access, record_event
from doudi.core.errors import NotFound, PermissionDenied
from doudi.core.labels import money
from doudi.payments.bankfiles.formatted import Tally, formatted_blocks
from doudi.payments.bankfiles.models import BankFile, BankLayout
from doudi.payments.bankfiles.selectors import CENT, bank_records, expectation, layouts_for
from doudi.payments.bankfiles.writer import Layout, bank_file_error, write_bank_file, write_formatted_bank_file
from doudi.payments.errors import PaymentError, PaymentErrorCode
from doudi.payments.models import LOCKED_STATUSES, LineStatus, Payroll, PayrollLine, PayrollStatus


def can_write_bank_file(user) -> bool:
    return user is not None and (user.can(Capability.APPROVE_PAYROLL) or user.can(Capability.MAKE_PAYROLL))


@dataclass
class BankFileResult:
    bank_file: BankFile
    handle: IO[bytes]  # the file, at its start; the caller streams and closes it
    content_type: str


CONTENT_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def file_name_for(payroll: Payroll, layout: BankLayout) -> str:
    what = f"{payroll.region.name}_{payroll.month:%Y%m}_{payroll.get_programme_display()}"
    return f"银行发放文件_{what}_{layout.bank_name}.{layout.file_format}"


def bank_file_problems(payroll: Payroll) -> list[str]:
    """What would stop ``payroll``'s bank file (empty when none): lines not adding up to the stated total,
    a payee with two accounts, a line to be paid without an account (named: person, month, kind, amount)."""
    return _problems(payroll, expectation([payroll.pk]))


def _problems(payroll: Payroll, exp) -> list[str]:
    problems = []
    if exp.line_total != payroll.total_amount.quantize(CENT) or exp.total != exp.line_total:
        problems.append(
            f"明细合计 {money(exp.line_total)} 元、应付 {money(exp.total)} 元，"
            f"与名册合计 {money(payroll.total_amount)} 元不符"
        )
    if exp.payees != exp.persons:
        problems.append(f"{exp.payees - exp.persons} 人的明细账号不一致（同一人多个账号）")
    if exp.no_account:
        line = (
            PayrollLine.objects.filter(payroll=payroll, bank_account="")
            .exclude(status=LineStatus.CANCELLED)
            .select_related("person")
            .order_by("id")
            .first()
        )
        named = (
            f"{line.person.name} {line.month_covered.year}年{line.month_covered.month}月 {line.get_kind_display()} "
            f"{money(line.amount)} 元（明细编号 {line.pk}）"
            if line is not None
            else exp.example_without_account
        )
        problems.append(f"{exp.no_account} 笔明细无银行账号，如 {named}")
    return problems


def check_balances(payroll: Payroll) -> tuple[int, int]:
    """Refuse a payroll whose lines do not add up to what it states, or that has a line without an
    account (never written to a bank file); return (records to write, payees at zero).

    Submission and approval refuse such a payroll already (``approval.refuse_unpayable``); this is the
    last guard, for data changed behind the services' back."""
    exp = expectation([payroll.pk])
    problems = _problems(payroll, exp)
    if problems:
        if payroll.status in LOCKED_STATUSES:
            advice = "已审批的名册不能修改，请联系系统管理员核查数据。"
        else:
            advice = "请退回重新生成发放名册。"
        raise bank_file_error("发放名册不能生成银行文件：" + "；".join(problems) + "。" + advice, payroll=payroll.pk)
    return exp.records, exp.zero_payees


@transaction.atomic(durable=True)
def do_write_bank_file(actor, payroll: Payroll, *, layout: BankLayout, channel: str = "page") -> BankFileResult:
    """Write ``payroll``'s bank file in ``layout`` into a temporary file and log who took it.

    The payroll must be approved (or already sent/closed: the same file again). Its lines must
    add up to the payroll's total and every payee must have an account; the file is written
    record by record and refused if what was written differs. The first file moves the payroll
    from approved to sent and its lines from planned to sent (lines of a payee whose lines net to
    nothing — an offset took the whole month — are paid without a transfer). Raises ``NotFound``
    outside the actor's scope, ``PermissionDenied`` without the capability, ``PaymentError``.
    """
    if not can_write_bank_file(actor):
        raise PermissionDenied("您的角色无权生成银行发放文件。")
    payroll = Payroll.objects.select_for_update().select_related("region").get(pk=payroll.pk)
    check_in_scope(actor, payroll.region_id, "发放名册")
    if payroll.status not in LOCKED_STATUSES:
        raise PaymentError(
            PaymentErrorCode.WRONG_STATUS,
            f"{payroll}发放名册{payroll.get_status_display()}，审批通过后才能生成银行文件。",
        )
    if not layouts_for(payroll.region_id).filter(pk=layout.pk).exists():
        raise NotFound("银行文件格式")
    count, zero_payees = check_balances(payroll)
    plan = Layout.of(layout)
    handle = tempfile.TemporaryFile(mode="w+b")  # noqa: SIM115 (handed to the caller, which closes it)
    try:
        written = _write(handle, plan, payroll, count=count)
        handle.seek(0)
        digest = hashlib.sha256()
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    name = file_name_for(payroll, layout)
    bank_file = BankFile.objects.create(
        payroll=payroll,
        layout=layout,
        file_name=name[:120],
        record_count=written.count,
        total_amount=written.total.quantize(CENT),
        sha256=digest.hexdigest(),
        created_by=actor if getattr(actor, "pk", None) else None,
        channel=channel,
    )
    if payroll.status == PayrollStatus.APPROVED:
        _mark_sent(payroll, zero_payees=zero_payees)
    record_event(
        actor,
        action="write_bank_file",
        target=payroll,
        household_id=None,
        region_code=payroll.region_id,
        changes={
            "layout": {"label": "格式", "old": "", "new": layout.name},
            "count": {"label": "笔数", "old": "", "new": written.count},
            "total": {"label": "金额合计", "old": "", "new": money(written.total)},
        },
        label=f"{payroll.region.name} {payroll}",
    )
    log_record_access(
        actor,
        person_id=None,
        household_id=None,
        region_code=payroll.region_id,
        channel=channel if channel != "page" else "export",
        detail=f"银行发放文件（完整账号）{name}，{written.count} 笔",
    )
    return BankFileResult(bank_file, handle, CONTENT_TYPES[layout.file_format])


def _write(handle: IO[bytes], plan: Layout, payroll: Payroll, *, count: int):
    """Write the records: formatted by PostgreSQL (a million lines in seconds), or by Python (SQLite)."""
    if connection.vendor == "postgresql":
        tally = Tally()
        # Closed here, not when collected: a refused file leaves the server-side cursor open otherwise.
        with closing(formatted_blocks(plan, [payroll.pk], tally)) as blocks:
            return write_formatted_bank_file(handle, plan, blocks, tally, count=count, total=payroll.total_amount)
    return write_bank_file(handle, plan, bank_records([payroll.pk]), count=count, total=payroll.total_amount)


def _mark_sent(payroll: Payroll, *, zero_payees: int) -> None:
    """The payroll is at the bank. Its lines keep their status until the bank answers (paid/failed):
    rewriting a million lines to say "sent" would cost more than the file itself (the status is in the
    predicate of the once-per-month index, so no update of it is a HOT update). Payees whose lines net
    to nothing are paid without a transfer."""
    if zero_payees:
        nothing_to_send = (
            PayrollLine.objects.filter(payroll=payroll)
            .exclude(status=LineStatus.CANCELLED)
            .values("person_id")
            .annotate(net=Sum("amount"))
            .filter(net__lte=0)
            .values("person_id")
        )
        PayrollLine.objects.filter(payroll=payroll, status=LineStatus.PLANNED, person_id__in=nothing_to_send).update(
            status=LineStatus.PAID, note="抵扣后无需转账"
        )
    payroll.status = PayrollStatus.SENT
    payroll.version += 1
    payroll.save(update_fields=["status", "version", "updated_at"])


def bank_file_summary(payroll: Payroll) -> dict:
    """Return the payroll's lines counted by where they are (for the page): at the bank, paid, failed."""
    at_bank = [LineStatus.SENT] + ([LineStatus.PLANNED] if payroll.status != PayrollStatus.APPROVED else [])
    return PayrollLine.objects.filter(payroll=payroll).aggregate(
        sent=Count("id", filter=Q(status__in=at_bank)),
        paid=Count("id", filter=Q(status=LineStatus.PAID)),
        failed=Count("id", filter=Q(status=LineStatus.FAILED)),
    )


def can_edit_layout(user, layout: BankLayout | None) -> bool:
    """Return whether ``user`` may create (``layout`` None) or change a layout.

    A layout of a region is changed in that region's subtree by payroll makers; one for the whole
    province (no region) by administrators only.
    """
    from doudi.accounts.scope import region_in_scope

    if user is None or not user.can(Capability.MAKE_PAYROLL):
        return False
    if layout is None or layout.region_id is None:
        return user.can(Capability.MANAGE_USERS) or layout is None
    return region_in_scope(user, layout.region_id)


@transaction.atomic(durable=True)
def do_save_bank_layout(actor, layout: BankLayout | None, *, data: dict) -> BankLayout:
    """Create (``layout`` None, owned by the actor's region) or change a bank layout; audit row written."""
    from django.core.exceptions import ValidationError

    if not can_edit_layout(actor, layout):
        raise PermissionDenied("您的角色无权修改该银行文件格式。")
    creating = layout is None
    if creating:
        layout = BankLayout(region_id=None if actor.can(Capability.MANAGE_USERS) else actor.region_id, created_by=actor)
    else:
        layout = BankLayout.objects.select_for_update().get(pk=layout.pk)
    for name in ("name", "bank_name", "file_format", "encoding", "header_line", "totals_line", "amount_unit", "active"):
        setattr(layout, name, data[name])
    layout.columns = data["columns"]
    if BankLayout.objects.filter(name=layout.name).exclude(pk=layout.pk).exists():
        raise PaymentError(PaymentErrorCode.INVALID, f"格式名称：“{layout.name}”已被使用。", {"field": "name"})
    try:
        layout.full_clean()
    except ValidationError as exc:
        raise PaymentError(PaymentErrorCode.INVALID, "；".join(exc.messages)) from exc
    layout.save()
    record_event(
        actor,
        action="save_bank_layout",
        target=layout,
        household_id=None,
        region_code=layout.region_id or "",
        reason="新建" if creating else "修改",
        label=layout.name,
    )
    return layout
