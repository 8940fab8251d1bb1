"""Maker-checker: the maker (MAKE_PAYROLL) generates and submits; another user with APPROVE_PAYROLL
approves. Approval locks the payroll (``LOCKED_STATUSES``): nothing in it changes afterwards, and a
correction is an adjustment line of a later payroll.

Findings are handled three ways (``do_handle_finding``; the rule of which kind allows which is in
``services.checks``' docstring): 已说明（照常发放）, 暂停发放 (the lines leave this payroll; the month is
paid later as 补发 while still owed) and 已解决. 已说明 is refused for the kinds in
``checks.NOT_EXPLAINABLE`` (no account, deceased, exclusive programmes). Submission and approval also
refuse a payroll the bank file could not pay (a live line without an account, lines not adding up to
the total): an approved payroll cannot be sent back, so it must never be one without a bank file."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from doudi.accounts.roles import Capability
from doudi.accounts.scope import check_capability, check_in_scope
from doudi.core.errors import NotFound
from doudi.core.labels import money
from doudi.payments.errors import PaymentError, PaymentErrorCode, locked
from doudi.payments.models import FindingStatus, LineStatus, Payroll, PayrollFinding, PayrollLine, PayrollStatus
from doudi.payments.services.checks import NOT_EXPLAINABLE, run_checks
from doudi.payments.services.generation import _audit, update_totals

HOLD = "held"  # 暂停发放: not a stored status — the finding is resolved and its lines cancelled
HOW_CHOICES = (
    (FindingStatus.EXPLAINED.value, "已说明（照常发放）"),
    (HOLD, "暂停发放（移出本名册）"),
    (FindingStatus.RESOLVED.value, "已解决"),
)


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
    refuse_unpayable(payroll, "提交")
    payroll.status = PayrollStatus.SUBMITTED
    payroll.submitted_at = timezone.now()
    payroll.version += 1
    payroll.save()
    _audit(actor, payroll, "submit_payroll", f"{payroll.line_count:,} 笔，合计 {money(payroll.total_amount)} 元")
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
    refuse_unpayable(payroll, "审批")
    payroll.status = PayrollStatus.APPROVED
    payroll.checker = actor
    payroll.approved_at = timezone.now()
    payroll.version += 1
    payroll.save()
    _settle_offsets(payroll)
    _audit(actor, payroll, "approve_payroll", f"{payroll.line_count:,} 笔，合计 {money(payroll.total_amount)} 元")
    return payroll


def keep_checks(actor, payroll_id: int) -> list[PayrollFinding]:
    """After a submit or approval refused for open findings: run the checks again and keep the result.

    The refused action re-ran the checks in its own transaction, which the refusal rolled back: a
    finding marked 已解决 but still found (its line still in the payroll) stayed 已解决, with nothing
    open, while every submit said 还有 1 项未处理. Page and API call this so the finding that stopped
    the action shows as 待处理. Returns the open findings (none on a locked payroll).

    Only a change of the findings is kept: when the checks find what is already recorded, nothing is
    written (not even the time they ran), so a refused request leaves the database as it found it."""
    with transaction.atomic():
        payroll = lock_payroll(actor, payroll_id)
        if payroll.is_locked:
            return []
        before = _findings_state(payroll)
        kept = transaction.savepoint()
        still_open = run_checks(payroll)
        if _findings_state(payroll) == before:
            transaction.savepoint_rollback(kept)
        else:
            transaction.savepoint_commit(kept)
        return still_open


def _findings_state(payroll: Payroll) -> list[tuple]:
    return list(
        PayrollFinding.objects.filter(payroll=payroll)
        .order_by("check_code", "subject")
        .values_list("check_code", "subject", "status", "lines", "detail", "alert_id")
    )


def refuse_unpayable(payroll: Payroll, what: str) -> None:
    """Refuse to submit or approve a payroll its bank file would refuse (a line without an account, lines
    not adding up to the total): once approved it cannot be sent back, so it would never be paid."""
    from doudi.payments.bankfiles.services import bank_file_problems

    problems = bank_file_problems(payroll)
    if problems:
        raise PaymentError(
            PaymentErrorCode.INVALID,
            f"发放名册不能{what}："
            + "；".join(problems)
            + "。请登记账号后重新生成名册，或在核查发现中选择“暂停发放”。",
        )


def _settle_offsets(payroll: Payroll) -> None:
    """Count the payroll's offset lines into their recoveries (they are final once approved)."""
    from decimal import Decimal

    from doudi.payments.models import Recovery, RecoveryStatus

    offsets = (
        PayrollLine.objects.filter(payroll=payroll, recovery__isnull=False)
        .exclude(status=LineStatus.CANCELLED)
        .values_list("recovery_id", "amount")
    )
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
    """Handle an open finding of a draft payroll, with the reason (``explanation``), in one of three ways:

    - ``explained`` (已说明, paid as usual): refused for ``checks.NOT_EXPLAINABLE`` kinds, with what to do;
    - ``held`` (暂停发放): the finding's lines are cancelled (out of this payroll and its totals; the
      month's slot is free, so a later payroll pays it as 补发 while still owed) and the finding is
      resolved, its explanation starting with 暂停发放;
    - ``resolved`` (已解决): dealt with outside the payroll.
    """
    check_capability(actor, Capability.MAKE_PAYROLL, "您的角色无权处理核查发现。")
    finding = PayrollFinding.objects.select_related("payroll").filter(pk=finding_id).first()
    if finding is None:
        raise NotFound("核查发现")
    payroll = lock_payroll(actor, finding.payroll_id)
    refuse_if_locked(payroll)
    if payroll.status != PayrollStatus.DRAFT:
        raise PaymentError(PaymentErrorCode.WRONG_STATUS, "发放名册已提交，退回后才能处理核查发现。")
    finding = PayrollFinding.objects.select_for_update().get(pk=finding.pk)
    if how not in (FindingStatus.EXPLAINED, FindingStatus.RESOLVED, HOLD):
        raise PaymentError(PaymentErrorCode.INVALID, "处理方式：应为“已说明”“暂停发放”或“已解决”。")
    explanation = (explanation or "").strip()
    if not explanation:
        raise PaymentError(PaymentErrorCode.INVALID, "说明：必填，请写明核实情况或处理结果。")
    if finding.status == FindingStatus.RESOLVED:
        raise PaymentError(
            PaymentErrorCode.WRONG_STATUS, f"该核查发现已是“{finding.get_status_display()}”，不需要再处理。"
        )
    if how == FindingStatus.EXPLAINED and finding.check_code in NOT_EXPLAINABLE:
        raise PaymentError(PaymentErrorCode.INVALID, NOT_EXPLAINABLE[finding.check_code])
    said = explanation
    if how == HOLD:
        said = f"暂停发放：{explanation}"
        held = _hold_lines(actor, payroll, finding, said)
        update_totals(payroll)
        how = FindingStatus.RESOLVED
        summary = f"暂停发放 {len(held)} 笔，合计 {money(sum((line.amount for line in held), 0))} 元（{explanation}）"
    else:
        summary = f"{FindingStatus(how).label}：{explanation}"
    finding.status = how
    finding.explanation = said[:300]
    finding.handled_by = actor
    finding.handled_at = timezone.now()
    finding.save()
    payroll.version += 1
    payroll.save()
    _audit(actor, payroll, "handle_payroll_finding", f"{finding.get_check_code_display()}：{summary}"[:300])
    return finding


def _hold_lines(actor, payroll: Payroll, finding: PayrollFinding, note: str) -> list[PayrollLine]:
    """Cancel the finding's live lines of ``payroll`` (through ``change_line``, refused once locked)."""
    lines = list(PayrollLine.objects.filter(payroll=payroll, pk__in=finding.lines).exclude(status=LineStatus.CANCELLED))
    if not lines:
        raise PaymentError(PaymentErrorCode.INVALID, "该核查发现没有可暂停发放的明细，请重新核查。")
    return [change_line(actor, line.pk, status=LineStatus.CANCELLED, note=note[:200]) for line in lines]


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
