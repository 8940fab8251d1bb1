"""Enrolment: carrying out decisions, and the primitives that reviews and due tasks share.

An enrolment's payable amount for a month is the latest ``EnrolmentChange`` whose effective month
is not after it, within ``start_month``..``end_month`` (see ``selectors.amount_in_month``). Every
amount written here is therefore dated; nothing is overwritten.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from doudi.cases.errors import CaseError, CaseErrorCode, invalid
from doudi.cases.models import (
    Case,
    CaseKind,
    Decision,
    DecisionOutcome,
    Enrolment,
    EnrolmentChange,
    EnrolmentStatus,
    ReviewKind,
    ReviewTask,
    SupersededChange,
    TaskStatus,
)
from doudi.cases.procedure import procedure_for
from doudi.cases.services.common import (
    add_months,
    begin_step,
    check_step_capability,
    day_of,
    finish_step,
    lock_enrolments,
    month_start,
    required_text,
)
from doudi.cases.workflow import CaseStatus
from doudi.core.errors import DomainError
from doudi.policy.engine.dates import add_months as add_months_to_date

# Programmes whose households are re-checked periodically (§1.9); the others end by age or expiry.
REVIEWED = frozenset({"dibao", "single_person_dibao", "phase_out", "extreme_poverty", "near_dibao"})
# Programmes for minors that are checked on the 18th birthday (§2.6, §6).
AGE_CHECKED = frozenset({"orphan", "de_facto_orphan", "extreme_poverty"})
ONE_OFF = frozenset({"temporary"})


def effective_month(rule: str, decided_on: date) -> date:
    """Return the first month a change decided on ``decided_on`` applies to (``procedure.change_effective``)."""
    month = month_start(decided_on)
    return add_months(month, 1) if rule == "next_month" else month


def create_enrolment(
    actor,
    *,
    household,
    person,
    programme: str,
    start_month: date,
    monthly_amount: Decimal,
    reason: str,
    tier: str = "",
    covered: list | None = None,
    end_month: date | None = None,
    review_months: int | None = None,
    case: Case | None = None,
    automatic: bool = False,
    account_holder: str = "",
) -> Enrolment:
    """Create an enrolment paying from ``start_month``; its payment warning is set at once (``payment_checks``)."""
    from doudi.cases.services.payment_checks import refresh_payment_warnings

    enrolment = Enrolment.objects.create(
        household=household,
        person=person,
        region_id=household.region_id,
        programme=programme,
        tier=tier[:40],
        start_month=start_month,
        end_month=end_month,
        monthly_amount=monthly_amount,
        covered=covered or [],
        review_months=review_months,
        case=case,
        automatic=automatic,
        account_holder=account_holder.strip()[:50],
    )
    EnrolmentChange.objects.create(
        enrolment=enrolment,
        effective_month=start_month,
        monthly_amount=monthly_amount,
        status=EnrolmentStatus.ACTIVE,
        reason=reason[:300],
        case=case,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    if programme in AGE_CHECKED:
        due_on = age_check_due(person, start_month)
        if due_on is not None:
            schedule_age_check(enrolment, due_on=due_on)
    refresh_payment_warnings(household_ids=[household.pk])
    enrolment.refresh_from_db(fields=["payment_warning"])
    return enrolment


def age_check_due(person, start_month: date) -> date | None:
    """Return when a minor's child allowance or tekun support is checked at 18 (§2.6, §6), or ``None``.

    The check exists because the support rests on the person being a minor. An adult's tekun
    support rests on age, disability or illness: checking it against an 18th birthday long past
    opened a termination case for a 78-year-old the day after enrolment. An adult kept on because
    still at school (§2.6, §6.1) is checked from the start month, and the check then follows the
    schooling (``services.due``).
    """
    from django.db.models import Q

    from doudi.registry.models import Schooling

    birthday = eighteenth_birthday(person.birth_date)
    if birthday > start_month:
        return birthday
    at_school = (
        Schooling.objects.filter(person=person, full_time=True, valid_from__lte=start_month, superseded_at__isnull=True)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=start_month))
        .exists()
    )
    return start_month if at_school else None


def change_amount(
    actor,
    enrolment: Enrolment,
    *,
    from_month: date,
    monthly_amount: Decimal,
    reason: str,
    status: str = EnrolmentStatus.ACTIVE,
    tier: str | None = None,
    case: Case | None = None,
    review: ReviewTask | None = None,
) -> EnrolmentChange:
    """Change the amount from ``from_month`` on; later changes written in advance are superseded (kept in
    ``SupersededChange``)."""
    _supersede_changes_after(enrolment, from_month, reason=reason)
    change = EnrolmentChange.objects.create(
        enrolment=enrolment,
        effective_month=from_month,
        monthly_amount=monthly_amount,
        status=status,
        reason=reason[:300],
        case=case,
        review=review,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    enrolment.monthly_amount = monthly_amount
    enrolment.status = status
    if tier is not None:
        enrolment.tier = tier[:40]
    enrolment.version += 1
    enrolment.save()
    return change


def end_enrolment(
    actor,
    enrolment: Enrolment,
    *,
    last_month: date,
    reason: str,
    case: Case | None = None,
    review: ReviewTask | None = None,
) -> Enrolment:
    """Stop payments after ``last_month`` (the last month paid; before ``start_month`` = never paid).

    The changes scheduled after ``last_month`` no longer hold; each is copied to ``SupersededChange``
    (with the instant and the reason) before it leaves ``EnrolmentChange``, so nothing recorded is lost
    and the statistics of months closed before today still read them.
    """
    _supersede_changes_after(enrolment, last_month, reason=reason)
    EnrolmentChange.objects.create(
        enrolment=enrolment,
        effective_month=add_months(last_month, 1),
        monthly_amount=Decimal("0"),
        status=EnrolmentStatus.ENDED,
        reason=reason[:300],
        case=case,
        review=review,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    enrolment.status = EnrolmentStatus.ENDED
    enrolment.end_month = last_month
    enrolment.end_reason = reason[:300]
    enrolment.version += 1
    enrolment.save()
    ReviewTask.objects.filter(enrolment=enrolment, status=TaskStatus.OPEN).update(status=TaskStatus.CANCELLED)
    return enrolment


def _supersede_changes_after(enrolment: Enrolment, last_month: date, *, reason: str) -> None:
    from django.utils import timezone

    later = enrolment.changes.filter(effective_month__gt=last_month)
    now = timezone.now()
    SupersededChange.objects.bulk_create(
        SupersededChange(
            change_id=c.pk,
            enrolment_id=c.enrolment_id,
            effective_month=c.effective_month,
            monthly_amount=c.monthly_amount,
            status=c.status,
            reason=c.reason,
            created_at=c.created_at,
            superseded_at=now,
            superseded_reason=reason[:300],
        )
        for c in later
    )
    later.delete()


def eighteenth_birthday(birth_date: date) -> date:
    return add_months_to_date(birth_date, 18 * 12)


def schedule_age_check(enrolment: Enrolment, due_on: date | None = None) -> ReviewTask | None:
    """Schedule the automatic check of a minor's enrolment at 18 (or a later school-year check)."""
    due_on = due_on or eighteenth_birthday(enrolment.person.birth_date)
    if ReviewTask.objects.filter(enrolment=enrolment, kind=ReviewKind.AGE_CHECK, status=TaskStatus.OPEN).exists():
        return None
    return ReviewTask.objects.create(
        kind=ReviewKind.AGE_CHECK,
        household=enrolment.household,
        person=enrolment.person,
        enrolment=enrolment,
        region_id=enrolment.region_id,
        due_on=due_on,
    )


def schedule_periodic_review(household, *, after: date) -> ReviewTask | None:
    """Schedule the next periodic review of a household with reviewed enrolments (§1.9).

    The interval is the shortest ``review_months`` of its live enrolments (6 for unstable incomes,
    12 otherwise, from the policy); nothing is scheduled when one is already open.
    """
    live = Enrolment.objects.filter(household=household, programme__in=REVIEWED).exclude(status=EnrolmentStatus.ENDED)
    months = [e.review_months for e in live]
    if not months or ReviewTask.objects.filter(household=household, kind=ReviewKind.PERIODIC, status="open").exists():
        return None
    interval = min(m for m in months if m) if any(months) else _stable_review_months(household.region_id, after)
    return ReviewTask.objects.create(
        kind=ReviewKind.PERIODIC,
        household=household,
        region_id=household.region_id,
        due_on=add_months_to_date(after, interval),
    )


def _stable_review_months(region_code: str, after: date) -> int:
    """The review interval in force on ``after``, else the one in force today.

    A caseload moved in (迁移导入) or enrolled long ago can start before the first policy published in
    doudi: its review is scheduled now, so today's procedure is the right one for it, rather than
    refusing to schedule a review at all (which stopped the whole daily task).
    """
    try:
        return procedure_for(region_code, after).review_months_stable
    except DomainError:
        return procedure_for(region_code, date.today()).review_months_stable


def _live(household, person_id: int, programme: str) -> Enrolment | None:
    return (
        Enrolment.objects.select_for_update()
        .filter(household=household, person_id=person_id, programme=programme)
        .exclude(status=EnrolmentStatus.ENDED)
        .first()
    )


@transaction.atomic(durable=True)
def do_enrol(actor, case: Case, *, expected_version: int, today: date | None = None) -> list[Enrolment]:
    """Carry out an approved decision: enrol, adjust or end, from the decision's start month.

    - application / temporary: each monthly programme line becomes an enrolment (or changes the
      amount of a live one of the same person and programme); one-off lines need nothing more;
    - change: as above, and the household's live enrolments the new assessment no longer supports
      end with the month before the start month;
    - termination: the enrolments named in the decision end after their ``end_month``.

    Minors' child allowances and tekun support get their 18th-birthday check; households with
    reviewed programmes get their next periodic review. Refused cases cannot be enrolled.
    """
    case = begin_step(actor, case, "enrol", expected_version)
    on = day_of(today)
    decision = Decision.objects.filter(case=case, outcome=DecisionOutcome.APPROVED).prefetch_related("lines").first()
    if decision is None:  # pragma: no cover - the status says approved, so a decision exists
        raise CaseError(CaseErrorCode.ENROLMENT_INVALID, "该案件没有确认决定，不能纳入保障。")
    touched: list[Enrolment] = []
    start = decision.start_month
    reason = f"案件 {case.number} {decision.get_outcome_display()}（{decision.decided_on:%Y-%m-%d}）"
    if case.kind == CaseKind.TERMINATION:
        for line in decision.lines.all():
            enrolment = lock_enrolments([line.ends_enrolment_id])[0]
            if enrolment.status != EnrolmentStatus.ENDED:
                touched.append(
                    end_enrolment(actor, enrolment, last_month=line.end_month, reason=decision.reasons, case=case)
                )
    else:
        matched: set[int] = set()
        if case.kind == CaseKind.CHANGE:
            # Benefits of another household carried into this change case (合户): recalculated here,
            # they end before this household's new amounts start.
            carried = (
                Enrolment.objects.select_for_update()
                .filter(pk__in=case.enrolments.values("pk"))
                .exclude(household=case.household)
                .exclude(status=EnrolmentStatus.ENDED)
                .order_by("pk")
            )
            for enrolment in carried:
                touched.append(
                    end_enrolment(
                        actor,
                        enrolment,
                        last_month=add_months(start, -1),
                        reason=f"{reason}：已并入{case.household.head_name}户重新核定",
                        case=case,
                    )
                )
        for line in decision.lines.all():
            if line.programme in ONE_OFF or line.person_id is None:
                continue
            live = _live(case.household, line.person_id, line.programme)
            if live is None:
                live = create_enrolment(
                    actor,
                    household=case.household,
                    person=line.person,
                    programme=line.programme,
                    start_month=start,
                    monthly_amount=line.monthly_amount,
                    reason=reason,
                    tier=line.tier,
                    covered=line.covered,
                    end_month=line.end_month,
                    review_months=decision.review_months,
                    case=case,
                )
            elif live.monthly_amount != line.monthly_amount or live.status != EnrolmentStatus.ACTIVE:
                change_amount(
                    actor,
                    live,
                    from_month=start,
                    monthly_amount=line.monthly_amount,
                    reason=reason,
                    tier=line.tier,
                    case=case,
                )
                live.covered, live.review_months = line.covered, decision.review_months
                live.save(update_fields=["covered", "review_months"])
            matched.add(live.pk)
            touched.append(live)
        if case.kind == CaseKind.CHANGE:
            stale = (
                Enrolment.objects.select_for_update()
                .filter(household=case.household)
                .exclude(status=EnrolmentStatus.ENDED)
                .exclude(pk__in=matched)
                .exclude(programme="extreme_poverty")  # tekun ends only through its own procedure (§2.6)
            )
            for enrolment in stale:
                touched.append(
                    end_enrolment(
                        actor,
                        enrolment,
                        last_month=add_months(start, -1),
                        reason=f"{reason}：经重新评估不再符合条件",
                        case=case,
                    )
                )
    schedule_periodic_review(case.household, after=start or on)
    warned = _payment_warnings(case.household, touched)
    case.closed_on = on
    finish_step(
        actor,
        case,
        "enrol",
        on=on,
        to_status=CaseStatus.ENROLLED,
        note="；".join(
            [f"{e.person.name} {e.get_programme_display()} {e.get_status_display()}" for e in touched]
            + [f"发放提醒：{e.person.name} {e.get_programme_display()}：{e.payment_warning}" for e in warned]
        )
        or "一次性救助，无按月发放项目",
        data={
            "enrolments": [e.pk for e in touched],
            "start_month": start.isoformat() if start else None,
            "payment_warnings": {str(e.pk): e.payment_warning for e in warned},
        },
    )
    return touched


def _payment_warnings(household, touched: list[Enrolment]) -> list[Enrolment]:
    """Refresh the payment warnings of the household's live enrolments; return the touched ones warned."""
    from doudi.cases.services.payment_checks import refresh_payment_warnings

    warned = {e.pk: e.payment_warning for e in refresh_payment_warnings(household_ids=[household.pk])}
    for e in touched:
        e.payment_warning = warned.get(e.pk, "") if e.status != EnrolmentStatus.ENDED else e.payment_warning
    return [e for e in touched if e.pk in warned]


@transaction.atomic(durable=True)
def do_suspend_enrolment(
    actor, enrolment: Enrolment, *, from_month: date, reason: str, expected_version: int, today: date | None = None
) -> Enrolment:
    """Suspend payments from ``from_month`` (e.g. lost contact, 拒绝就业 under review); amount 0 until resumed."""
    from doudi.accounts.scope import check_in_scope
    from doudi.cases.errors import AlreadyHandled

    check_step_capability(actor, "suspend_enrolment")
    enrolment = lock_enrolments([enrolment.pk])[0]
    check_in_scope(actor, enrolment.region_id, "保障对象")
    if enrolment.version != expected_version:
        raise AlreadyHandled()
    if enrolment.status not in (EnrolmentStatus.ACTIVE, EnrolmentStatus.PHASING_OUT):
        raise CaseError(CaseErrorCode.ENROLMENT_INVALID, f"保障状态为“{enrolment.get_status_display()}”，不能暂停。")
    reason = required_text(reason, "暂停原因", "reason")
    amount = enrolment.monthly_amount
    change_amount(
        actor,
        enrolment,
        from_month=month_start(from_month),
        monthly_amount=Decimal("0"),
        reason=reason,
        status=EnrolmentStatus.SUSPENDED,
    )
    enrolment.monthly_amount = amount  # keep the entitlement for the resumption
    enrolment.save(update_fields=["monthly_amount"])
    _audit(actor, enrolment, "suspend_enrolment", reason)
    return enrolment


@transaction.atomic(durable=True)
def do_resume_enrolment(
    actor, enrolment: Enrolment, *, from_month: date, reason: str, expected_version: int, today: date | None = None
) -> Enrolment:
    """Resume a suspended enrolment from ``from_month`` at its last approved amount."""
    from doudi.accounts.scope import check_in_scope
    from doudi.cases.errors import AlreadyHandled

    check_step_capability(actor, "suspend_enrolment")
    enrolment = lock_enrolments([enrolment.pk])[0]
    check_in_scope(actor, enrolment.region_id, "保障对象")
    if enrolment.version != expected_version:
        raise AlreadyHandled()
    if enrolment.status != EnrolmentStatus.SUSPENDED:
        raise invalid("保障状态", "只有暂停发放的保障可以恢复", "status")
    reason = required_text(reason, "恢复原因", "reason")
    change_amount(
        actor, enrolment, from_month=month_start(from_month), monthly_amount=enrolment.monthly_amount, reason=reason
    )
    _audit(actor, enrolment, "resume_enrolment", reason)
    return enrolment


def _audit(actor, enrolment: Enrolment, action: str, reason: str) -> None:
    from doudi.audit.services import record_event

    record_event(
        actor,
        action=action,
        target=enrolment,
        household_id=enrolment.household_id,
        region_code=enrolment.region_id,
        reason=reason,
        label=f"{enrolment.person.name} {enrolment.get_programme_display()}",
    )
