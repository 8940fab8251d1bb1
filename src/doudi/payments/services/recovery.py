"""Recovery (追缴): money paid for months not owed, and how it is settled.

``flag_paid_after_death`` is called by the death service (``cases.services.death``) when a death
is recorded: every live line paid (or approved for payment) for a month after the month of death
becomes part of a recovery entry of its enrolment, reason "death". It is idempotent: months already
in a recovery of the enrolment are not counted again.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from doudi.accounts.roles import Capability
from doudi.accounts.scope import check_capability, check_in_scope
from doudi.cases.services.common import add_months, month_start
from doudi.core.labels import money
from doudi.payments.errors import PaymentError, PaymentErrorCode
from doudi.payments.models import (
    LOCKED_STATUSES,
    NOT_LIVE_STATUSES,
    PayrollLine,
    Recovery,
    RecoveryReason,
    RecoveryStatus,
)


def _months_taken(enrolment_ids) -> dict[int, set[str]]:
    taken: dict[int, set[str]] = defaultdict(set)
    for enrolment_id, months in Recovery.objects.filter(enrolment_id__in=enrolment_ids).values_list(
        "enrolment_id", "months"
    ):
        taken[enrolment_id].update(months or [])
    return taken


def record_overpayments(lines: list[dict], *, reason: str, actor=None, note: str = "") -> list[Recovery]:
    """Group overpaid ``lines`` (dicts with id, enrolment_id, person_id, household_id, region_id,
    programme, month_covered, amount) into one recovery per enrolment; skip months already recovered."""
    taken = _months_taken({row["enrolment_id"] for row in lines})
    grouped: dict[int, list[dict]] = defaultdict(list)
    for row in lines:
        if row["month_covered"].strftime("%Y-%m") not in taken[row["enrolment_id"]]:
            grouped[row["enrolment_id"]].append(row)
    created = []
    for rows in grouped.values():
        rows.sort(key=lambda r: (r["month_covered"], r["id"]))
        amount = sum((Decimal(r["amount"]) for r in rows), Decimal("0")).quantize(Decimal("0.01"))
        if amount <= 0:
            continue
        first = rows[0]
        created.append(
            Recovery(
                person_id=first["person_id"],
                household_id=first["household_id"],
                enrolment_id=first["enrolment_id"],
                region_id=first["region_id"],
                programme=first["programme"],
                reason=reason,
                from_month=rows[0]["month_covered"],
                to_month=rows[-1]["month_covered"],
                months=sorted({r["month_covered"].strftime("%Y-%m") for r in rows}),
                lines=[r["id"] for r in rows],
                amount=amount,
                note=note[:300],
                created_by=actor if getattr(actor, "pk", None) else None,
            )
        )
    return Recovery.objects.bulk_create(created)


def flag_paid_after_death(person, death_date: date, actor=None) -> list[Recovery]:
    """Record as recovery what was paid to ``person`` for months after the month of ``death_date``.

    Counts lines of approved (locked) payrolls that are not failed or cancelled; lines of drafts
    are not money out yet (the enrolment has ended; the regenerated draft drops them and the
    deceased check lists them until then).
    """
    first_unowed = add_months(month_start(death_date), 1)
    lines = list(
        PayrollLine.objects.filter(
            person_id=person.pk,
            month_covered__gte=first_unowed,
            payroll__status__in=LOCKED_STATUSES,
            recovery__isnull=True,
        )
        .exclude(status__in=NOT_LIVE_STATUSES)
        .filter(Q(amount__gt=0))
        .values("id", "enrolment_id", "person_id", "household_id", "region_id", "programme", "month_covered", "amount")
    )
    if not lines:
        return []
    with transaction.atomic():
        return record_overpayments(
            lines,
            reason=RecoveryReason.DEATH,
            actor=actor,
            note=f"死亡日期 {death_date:%Y-%m-%d}，其后月份的发放应追回",
        )


def _get(actor, recovery_id: int) -> Recovery:
    from doudi.core.errors import NotFound

    recovery = Recovery.objects.select_for_update().filter(pk=recovery_id).first()
    if recovery is None:
        raise NotFound("追缴记录")
    check_in_scope(actor, recovery.region_id, "追缴记录")
    return recovery


def _audit(actor, recovery: Recovery, action: str, reason: str) -> None:
    from doudi.audit.services import record_event

    record_event(
        actor,
        action=action,
        target=recovery,
        household_id=recovery.household_id,
        region_code=recovery.region_id,
        reason=reason,
        label=f"追缴 {money(recovery.amount)}",
    )


@transaction.atomic
def do_settle_recovery(actor, recovery_id: int, *, how: str, reason: str, amount: Decimal | None = None) -> Recovery:
    """Settle a recovery: ``repaid`` (the family paid back ``amount``, default the rest), ``offset``
    (deduct from the household's later payments: the next payrolls add negative adjustment lines) or
    ``written_off`` (needs APPROVE_PAYROLL, someone other than who recorded it, and a reason)."""
    check_capability(actor, Capability.MAKE_PAYROLL)
    recovery = _get(actor, recovery_id)
    reason = (reason or "").strip()
    if recovery.status not in (RecoveryStatus.OPEN, RecoveryStatus.OFFSETTING):
        raise PaymentError(PaymentErrorCode.WRONG_STATUS, f"该追缴已{recovery.get_status_display()}，不能再处理。")
    if how == "repaid":
        paid = recovery.outstanding if amount is None else Decimal(amount)
        if paid <= 0 or paid > recovery.outstanding:
            raise PaymentError(PaymentErrorCode.INVALID, f"退回金额：应在 0 到 {money(recovery.outstanding)} 元之间。")
        recovery.recovered_amount += paid
        if recovery.recovered_amount >= recovery.amount:
            recovery.status = RecoveryStatus.REPAID
            recovery.settled_at = timezone.now()
            recovery.settled_by = actor
    elif how == "offset":
        recovery.status = RecoveryStatus.OFFSETTING
    elif how == "written_off":
        check_capability(actor, Capability.APPROVE_PAYROLL, "核销追缴需要资金审批权限。")
        if recovery.created_by_id and recovery.created_by_id == actor.pk:
            raise PaymentError(PaymentErrorCode.SAME_PERSON, "核销须由登记追缴以外的另一人审批。")
        if not reason:
            raise PaymentError(PaymentErrorCode.INVALID, "核销理由：必填。")
        recovery.status = RecoveryStatus.WRITTEN_OFF
        recovery.settled_at = timezone.now()
        recovery.settled_by = actor
    else:
        raise PaymentError(PaymentErrorCode.INVALID, "处理方式：应为已退回、抵扣或核销。")
    recovery.settle_reason = reason[:300]
    recovery.save()
    _audit(actor, recovery, f"recovery_{how}", reason)
    return recovery
