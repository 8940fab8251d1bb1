"""Applying a bank return file to a payroll: paid and failed payees, flagged accounts — all or nothing.

A return file must answer for exactly the records of one payroll's bank file: every reference
known and of that payroll, once, with the account and amount that were sent, and a totals line (if
any) that adds up. Otherwise it is refused with every reason found and nothing is changed. The same
file imported again changes nothing; another file that says the same as the payroll already
records changes nothing either, and one that contradicts it is refused.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Min, Sum
from django.utils import timezone

from doudi.accounts.scope import check_in_scope
from doudi.audit.services import record_event
from doudi.core.errors import NotFound, PermissionDenied
from doudi.core.labels import money
from doudi.payments.bankfiles.models import AccountFlag, ReturnImport
from doudi.payments.bankfiles.selectors import CENT, reference
from doudi.payments.bankfiles.services import can_write_bank_file
from doudi.payments.errors import PaymentError, PaymentErrorCode
from doudi.payments.models import LineStatus, Payroll, PayrollLine, PayrollStatus
from doudi.payments.returns.parser import ParsedReturn, parse_return_file, reason_text

MAX_REASONS = 30
CHUNK = 2000


@dataclass
class ReturnResult:
    payroll: Payroll
    return_import: ReturnImport
    created: bool  # False: the same file (or the same answers) had been imported already


def refused(reasons: list[str], **extra) -> PaymentError:
    shown = reasons[:MAX_REASONS]
    more = f"；另有 {len(reasons) - MAX_REASONS} 处问题未列出" if len(reasons) > MAX_REASONS else ""
    return PaymentError(
        PaymentErrorCode.INVALID,
        "回盘文件未导入，未作任何更改：" + "；".join(shown) + more + "。",
        {"reasons": shown, **extra},
    )


def _payroll_of(parsed: ParsedReturn, actor, payroll: Payroll | None) -> Payroll:
    ids = {r.payroll_id for r in parsed.rows if r.payroll_id is not None}
    if payroll is None:
        if len(ids) != 1:
            raise refused(["文件中的业务参考号属于多个发放名册或无法识别所属名册"] if ids else ["文件中没有回盘记录"])
        found = Payroll.objects.filter(pk=ids.pop()).select_related("region").first()
        if found is None:
            raise NotFound("发放名册")
        payroll = found
    check_in_scope(actor, payroll.region_id, "发放名册")
    return payroll


def _expected(payroll: Payroll) -> dict[int, tuple[str, Decimal]]:
    """Return {person_id: (account, net amount)} of the records the payroll's bank file holds."""
    rows = (
        PayrollLine.objects.filter(payroll=payroll)
        .exclude(status=LineStatus.CANCELLED)
        .values("person_id", "bank_account")
        .annotate(net=Sum("amount"))
        .filter(net__gt=0)
        .values_list("person_id", "bank_account", "net")
    )
    return {person: (account, Decimal(net).quantize(CENT)) for person, account, net in rows.iterator()}


def check_return(parsed: ParsedReturn, payroll: Payroll, expected: dict) -> list[str]:
    """Return every reason to refuse ``parsed`` as the return file of ``payroll`` (empty: acceptable)."""
    reasons = list(parsed.errors)
    seen: dict[int, int] = {}
    count, total = 0, Decimal(0)
    for row in parsed.rows:
        count += 1
        total += row.amount
        if row.payroll_id is None:
            continue
        if row.payroll_id != payroll.pk:
            reasons.append(f"第 {row.line_no} 行 业务参考号 {row.reference}：属于另一发放名册，不是本名册的记录")
            continue
        if row.person_id not in expected:
            reasons.append(f"第 {row.line_no} 行 业务参考号 {row.reference}：本名册的银行文件中没有这笔记录")
            continue
        if row.person_id in seen:
            reasons.append(f"第 {row.line_no} 行 业务参考号 {row.reference}：与第 {seen[row.person_id]} 行重复")
            continue
        seen[row.person_id] = row.line_no
        account, amount = expected[row.person_id]
        if row.account and row.account != account:
            reasons.append(f"第 {row.line_no} 行 账号：与银行文件中该笔的账号不符")
        if row.amount.quantize(CENT) != amount:
            reasons.append(f"第 {row.line_no} 行 金额：{money(row.amount)} 元，银行文件中该笔为 {money(amount)} 元")
    if parsed.totals is not None:
        stated_count, stated_total = parsed.totals
        if stated_count != count or stated_total.quantize(CENT) != total.quantize(CENT):
            reasons.append(
                f"第 {parsed.totals_line_no} 行 汇总行：写明 {stated_count:,} 笔、{money(stated_total)} 元，"
                f"明细为 {count:,} 笔、{money(total)} 元，合计不符"
            )
    missing = [p for p in expected if p not in seen]
    if missing and not any("属于另一发放名册" in r for r in reasons):
        example = "、".join(reference(payroll.pk, p) for p in missing[:3])
        reasons.append(f"缺少银行文件中的 {len(missing)} 笔记录（如 {example}）：回盘文件须包括每一笔的处理结果")
    return reasons


def import_return_file(actor, *, name: str, data: bytes, payroll: Payroll | None = None) -> ReturnResult:
    """Apply the return file ``data`` (its ``name`` tells CSV from XLSX) to its payroll.

    ``payroll`` given (the page's upload): references of another payroll are refused. Raises
    ``PermissionDenied``, ``NotFound`` (payroll outside the scope) or ``PaymentError`` with every
    reason found; nothing is written unless the whole file is accepted.
    """
    if not can_write_bank_file(actor):
        raise PermissionDenied("您的角色无权导入银行回盘文件。")
    parsed = parse_return_file(name, data)
    if parsed.errors and not parsed.rows:
        raise refused(parsed.errors)
    payroll = _payroll_of(parsed, actor, payroll)
    return _apply(actor, payroll.pk, parsed, name=name, sha256=hashlib.sha256(data).hexdigest())


@transaction.atomic(durable=True)
def _apply(actor, payroll_id: int, parsed: ParsedReturn, *, name: str, sha256: str) -> ReturnResult:
    payroll = Payroll.objects.select_for_update().select_related("region").get(pk=payroll_id)
    earlier = ReturnImport.objects.filter(payroll=payroll, sha256=sha256).first()
    if earlier is not None:
        return ReturnResult(payroll, earlier, created=False)
    if payroll.status not in (PayrollStatus.SENT, PayrollStatus.CLOSED):
        raise refused([f"{payroll}发放名册{payroll.get_status_display()}，尚未生成银行文件，不能导入回盘"])
    reasons = check_return(parsed, payroll, _expected(payroll))
    if reasons:
        raise refused(reasons, payroll=payroll.pk)
    paid = [r for r in parsed.rows if r.paid]
    failed = [r for r in parsed.rows if not r.paid]
    current = dict(
        PayrollLine.objects.filter(payroll=payroll, person_id__in=[r.person_id for r in parsed.rows])
        .exclude(status=LineStatus.CANCELLED)
        .values_list("person_id", "status")
        .distinct()
    )
    settled = [r for r in parsed.rows if current.get(r.person_id) in (LineStatus.PAID, LineStatus.FAILED)]
    contradictions = [
        f"第 {r.line_no} 行 业务参考号 {r.reference}：本名册已记为"
        f"{LineStatus(current[r.person_id]).label}，文件为{'成功' if r.paid else '失败'}"
        for r in settled
        if (current[r.person_id] == LineStatus.PAID) != r.paid
    ]
    if contradictions:
        raise refused(contradictions, payroll=payroll.pk)
    if settled and len(settled) == len(parsed.rows):  # another file saying what is already recorded
        same = payroll.return_imports.order_by("-imported_at").first()
        if same is not None:
            return ReturnResult(payroll, same, created=False)
    now = timezone.now()
    record = ReturnImport.objects.create(
        payroll=payroll,
        file_name=name[:120],
        sha256=sha256,
        record_count=len(parsed.rows),
        paid_count=len(paid),
        failed_count=len(failed),
        paid_amount=sum((r.amount for r in paid), Decimal(0)).quantize(CENT),
        failed_amount=sum((r.amount for r in failed), Decimal(0)).quantize(CENT),
        imported_by=actor if getattr(actor, "pk", None) else None,
    )
    lines = PayrollLine.objects.filter(payroll=payroll, status__in=[LineStatus.PLANNED, LineStatus.SENT])
    paid_ids = [r.person_id for r in paid]
    for start in range(0, len(paid_ids), CHUNK):
        lines.filter(person_id__in=paid_ids[start : start + CHUNK]).update(status=LineStatus.PAID, updated_at=now)
    by_reason: dict[str, list[int]] = defaultdict(list)
    for r in failed:
        by_reason[reason_text(r.reason_code, r.bank_reason)].append(r.person_id)
    for text, ids in by_reason.items():
        for start in range(0, len(ids), CHUNK):
            lines.filter(person_id__in=ids[start : start + CHUNK]).update(
                status=LineStatus.FAILED, failure_reason=text, updated_at=now
            )
    _flag_accounts(payroll, failed, record)
    if not PayrollLine.objects.filter(payroll=payroll, status__in=[LineStatus.SENT, LineStatus.PLANNED]).exists():
        payroll.status = PayrollStatus.CLOSED
    payroll.version += 1
    payroll.save(update_fields=["status", "version", "updated_at"])
    record_event(
        actor,
        action="import_bank_returns",
        target=payroll,
        household_id=None,
        region_code=payroll.region_id,
        changes={
            "paid": {"label": "成功笔数", "old": "", "new": len(paid)},
            "failed": {"label": "失败笔数", "old": "", "new": len(failed)},
        },
        label=f"{payroll.region.name} {payroll}",
    )
    households = list({h for h in _households_of(payroll, [r.person_id for r in failed])})
    if households:
        transaction.on_commit(lambda: _refresh_warnings(households))
    return ReturnResult(payroll, record, created=True)


def _households_of(payroll: Payroll, person_ids: list[int]) -> list[int]:
    return list(
        PayrollLine.objects.filter(payroll=payroll, person_id__in=person_ids)
        .values_list("household_id", flat=True)
        .distinct()
    )


def _flag_accounts(payroll: Payroll, failed: list, record: ReturnImport) -> None:
    """One open flag per failed payee, on the line that carried the month (the first positive line)."""
    if not failed:
        return
    reasons = {r.person_id: r for r in failed}
    ids = list(reasons)
    firsts = {}
    for start in range(0, len(ids), CHUNK):
        firsts.update(
            PayrollLine.objects.filter(payroll=payroll, person_id__in=ids[start : start + CHUNK], amount__gt=0)
            .values("person_id")
            .annotate(first=Min("id"))
            .values_list("person_id", "first")
        )
    lines = PayrollLine.objects.in_bulk(list(firsts.values()))
    AccountFlag.objects.bulk_create(
        [
            AccountFlag(
                person_id=person_id,
                household_id=lines[line_id].household_id,
                region_id=lines[line_id].region_id,
                bank_account=lines[line_id].bank_account,
                account_holder=lines[line_id].account_holder,
                reason_code=reasons[person_id].reason_code,
                reason=reason_text(reasons[person_id].reason_code, reasons[person_id].bank_reason),
                line_id=line_id,
                return_import=record,
            )
            for person_id, line_id in firsts.items()
        ],
        batch_size=CHUNK,
    )


def _refresh_warnings(household_ids: list[int]) -> None:
    """Let the enrolments' payment warnings show the flagged accounts (when that service exists)."""
    try:
        from doudi.cases.services.payment_checks import refresh_payment_warnings
    except ImportError:  # pragma: no cover - the service arrives with issue 11
        return
    refresh_payment_warnings(household_ids=household_ids)


@transaction.atomic(durable=True)
def do_clear_account_flag(actor, flag: AccountFlag, *, reason: str) -> AccountFlag:
    """Clear an open flag by hand (the bank restored the account: unfrozen, reactivated), with a reason.

    The failed amount is then re-issued to the same account by the next payroll generated (once).
    """
    if not can_write_bank_file(actor):
        raise PermissionDenied("您的角色无权处理银行账户异常。")
    flag = AccountFlag.objects.select_for_update().get(pk=flag.pk)
    check_in_scope(actor, flag.region_id, "银行账户异常")
    reason = (reason or "").strip()
    if not reason:
        raise PaymentError(PaymentErrorCode.INVALID, "解除说明：不能为空，请写明账户恢复的情况。", {"field": "reason"})
    if flag.cleared_at is not None:
        return flag
    flag.cleared_at = timezone.now()
    flag.cleared_by = actor
    flag.clear_reason = reason[:200]
    flag.save(update_fields=["cleared_at", "cleared_by", "clear_reason"])
    record_event(
        actor,
        action="clear_account_flag",
        target=flag,
        household_id=flag.household_id,
        region_code=flag.region_id,
        reason=reason,
        label=f"{flag.get_reason_code_display()}",
    )
    transaction.on_commit(lambda: _refresh_warnings([flag.household_id]))
    return flag
