"""Maker-checker: the maker (MAKE_PAYROLL) generates and submits; another user with APPROVE_PAYROLL
approves. Approval locks the payroll (``LOCKED_STATUSES``): nothing in it changes afterwards, and a
correction is an adjustment line of a later payroll."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from doudi.accounts.roles import Capability
from doudi.accounts.scope import check_capability, check_in_scope
from doudi.core.errors import NotFound
from doudi.payments.errors import PaymentError, PaymentErrorCode, locked
from doudi.payments.models import FindingStatus, LineStatus, Payroll, PayrollFinding, PayrollLine, PayrollStatus
from doudi.payments.services.checks import run_checks
from doudi.payments.services.generation import _audit


def lock_payroll(actor, payroll_id: int) -> Payroll:
    payroll = Payroll.objects.select_for_update().select_related("region").filter(pk=payroll_id).first()
    if payroll is None:
        raise NotFound("发放名册")
    check_in_scope(actor, payroll.region_id, "发放名册")
    return payroll


def _version(payroll: Payroll, expected_version: int | None) -> None:
    if expected_version is not None and payroll.version != expected_version:
        raise PaymentError(PaymentErrorCode.STALE, "发放名册已被他人更新，请刷新后重试。")


def refuse_if_locked(payroll: Payroll) -> None:
    if payroll.is_locked:
        raise locked(payroll)


@transaction.atomic
def do_submit(actor, payroll_id: int, *, expected_version: int | None = None) -> Payroll:
    check_capability(actor, Capability.MAKE_PAYROLL, "您的角色无权提交发放名册。")
    payroll = lock_payroll(actor, payroll_id)
    refuse_if_locked(payroll)
    _version(payroll, expected_version)
    if payroll.status != PayrollStatus.DRAFT:
        raise PaymentError(PaymentErrorCode.WRONG_STATUS, f"发放名册状态为“{payroll.get_status_display()}”，不能提交。")
    open_findings = run_checks(payroll)
    if open_findings:
        raise PaymentError(
            PaymentErrorCode.OPEN_FINDINGS,
            f"还有 {len(open_findings)} 项核查发现未处理：请逐项解决或说明后再提交。",
            {"findings": [f.pk for f in open_findings]},
        )
    payroll.status = PayrollStatus.SUBMITTED
    payroll.submitted_at = timezone.now()
    payroll.version += 1
    payroll.save()
    _audit(actor, payroll, "submit_payroll", f"{payroll.line_count} 笔，合计 {payroll.total_amount}")
    return payroll


@transaction.atomic
def do_approve(actor, payroll_id: int, *, expected_version: int | None = None) -> Payroll:
    check_capability(actor, Capability.APPROVE_PAYROLL, "您的角色无权审批发放名册。")
    payroll = lock_payroll(actor, payroll_id)
    refuse_if_locked(payroll)
    _version(payroll, expected_version)
    if payroll.status != PayrollStatus.SUBMITTED:
        raise PaymentError(PaymentErrorCode.WRONG_STATUS, "发放名册尚未提交，不能审批。")
    if payroll.maker_id == actor.pk:
        raise PaymentError(PaymentErrorCode.SAME_PERSON, "制表人不能审批自己编制的发放名册，须由另一人审批。")
    open_findings = run_checks(payroll)
    if open_findings:
        raise PaymentError(PaymentErrorCode.OPEN_FINDINGS, f"还有 {len(open_findings)} 项核查发现未处理，不能审批。")
    payroll.status = PayrollStatus.APPROVED
    payroll.checker = actor
    payroll.approved_at = timezone.now()
    payroll.version += 1
    payroll.save()
    _settle_offsets(payroll)
    _audit(actor, payroll, "approve_payroll", f"{payroll.line_count} 笔，合计 {payroll.total_amount}")
    return payroll


def _settle_offsets(payroll: Payroll) -> None:
    """Count the payroll's offset lines into their recoveries (they are final once approved)."""
    from decimal import Decimal

    from doudi.payments.models import Recovery, RecoveryStatus

    offsets = PayrollLine.objects.filter(payroll=payroll, recovery__isnull=False).values_list("recovery_id", "amount")
    for recovery_id, amount in offsets:
        recovery = Recovery.objects.select_for_update().get(pk=recovery_id)
        recovery.recovered_amount += -Decimal(amount)
        if recovery.recovered_amount >= recovery.amount:
            recovery.status = RecoveryStatus.OFFSET
            recovery.settled_at = timezone.now()
            recovery.settled_by = payroll.checker
        recovery.save()


@transaction.atomic
def do_return(actor, payroll_id: int, *, reason: str, expected_version: int | None = None) -> Payroll:
    """The checker sends a submitted payroll back to the maker (a draft again), with a reason."""
    check_capability(actor, Capability.APPROVE_PAYROLL, "您的角色无权退回发放名册。")
    payroll = lock_payroll(actor, payroll_id)
    refuse_if_locked(payroll)
    _version(payroll, expected_version)
    reason = (reason or "").strip()
    if not reason:
        raise PaymentError(PaymentErrorCode.INVALID, "退回原因：必填。")
    if payroll.status != PayrollStatus.SUBMITTED:
        raise PaymentError(PaymentErrorCode.WRONG_STATUS, "只有待审批的发放名册可以退回。")
    payroll.status = PayrollStatus.DRAFT
    payroll.returned_reason = reason[:300]
    payroll.version += 1
    payroll.save()
    _audit(actor, payroll, "return_payroll", reason)
    return payroll


@transaction.atomic
def do_handle_finding(actor, finding_id: int, *, how: str, explanation: str) -> PayrollFinding:
    """Explain a finding (``explained``: kept as is, with the reason) or mark it ``resolved``
    (dealt with outside the payroll, e.g. the enrolment stopped and the payroll regenerated)."""
    check_capability(actor, Capability.MAKE_PAYROLL, "您的角色无权处理核查发现。")
    finding = PayrollFinding.objects.select_related("payroll").filter(pk=finding_id).first()
    if finding is None:
        raise NotFound("核查发现")
    payroll = lock_payroll(actor, finding.payroll_id)
    refuse_if_locked(payroll)
    if payroll.status != PayrollStatus.DRAFT:
        raise PaymentError(PaymentErrorCode.WRONG_STATUS, "发放名册已提交，退回后才能处理核查发现。")
    explanation = (explanation or "").strip()
    if not explanation:
        raise PaymentError(PaymentErrorCode.INVALID, "说明：必填，请写明核实情况或处理结果。")
    if how not in (FindingStatus.EXPLAINED, FindingStatus.RESOLVED):
        raise PaymentError(PaymentErrorCode.INVALID, "处理方式：应为“已说明”或“已解决”。")
    finding.status = how
    finding.explanation = explanation[:300]
    finding.handled_by = actor
    finding.handled_at = timezone.now()
    finding.save()
    payroll.version += 1
    payroll.save(update_fields=["version", "updated_at"])
    _audit(actor, payroll, "handle_payroll_finding", f"{finding.get_check_code_display()}：{explanation}")
    return finding


def change_line(actor, line_id: int, **fields) -> PayrollLine:
    """The one way to change a line's amount or account: refused once its payroll is locked."""
    with transaction.atomic():
        line = PayrollLine.objects.select_related("payroll").get(pk=line_id)
        payroll = lock_payroll(actor, line.payroll_id)
        refuse_if_locked(payroll)
        allowed = {"amount", "bank_account", "bank_name", "note", "status"}
        bad = set(fields) - allowed
        if bad or fields.get("status", LineStatus.PLANNED) not in (LineStatus.PLANNED, LineStatus.CANCELLED):
            raise PaymentError(PaymentErrorCode.INVALID, "只能修改草稿名册中一笔发放的金额、账户或说明。")
        for name, value in fields.items():
            setattr(line, name, value)
        line.save()
        return line
