"""Periodic reviews (复核, rules.md §1.9) and their outcomes: unchanged, adjust, phase out (渐退, §1.10), end."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from doudi.accounts.scope import check_in_scope, scope_filter
from doudi.cases.assessing import assess_household
from doudi.cases.errors import AlreadyHandled, CaseError, CaseErrorCode, invalid
from doudi.cases.models import Enrolment, EnrolmentStatus, ReviewKind, ReviewOutcome, ReviewTask, TaskStatus
from doudi.cases.procedure import procedure_for
from doudi.cases.services.common import add_months, check_step_capability, day_of, lock_enrolments, required_text
from doudi.cases.services.enrolment import (
    REVIEWED,
    change_amount,
    effective_month,
    end_enrolment,
    schedule_periodic_review,
)
from doudi.cases.services.intake import open_termination_case
from doudi.registry.models import Household

HOUSEHOLD_PROGRAMMES = frozenset({"dibao", "phase_out", "near_dibao", "rigid_expense"})
OUTCOMES = (ReviewOutcome.UNCHANGED, ReviewOutcome.ADJUST, ReviewOutcome.PHASE_OUT, ReviewOutcome.END)


@transaction.atomic(durable=True)
def do_schedule_reviews(actor, *, today: date | None = None) -> int:
    """Create the missing periodic-review tasks for every household with reviewed enrolments.

    ``actor=None`` is the system job (all regions); a user schedules only within the own region.
    Return the number of tasks created.
    """
    on = day_of(today)
    live = Enrolment.objects.filter(programme__in=REVIEWED).exclude(status=EnrolmentStatus.ENDED)
    if actor is not None:
        check_step_capability(actor, "schedule_reviews")
        live = scope_filter(actor, live)
    open_reviews = ReviewTask.objects.filter(kind=ReviewKind.PERIODIC, status=TaskStatus.OPEN)
    household_ids = set(
        live.exclude(household_id__in=open_reviews.values("household_id")).values_list("household_id", flat=True)
    )
    created = 0
    for household in Household.objects.filter(pk__in=household_ids).order_by("pk"):
        last = (
            ReviewTask.objects.filter(household=household, kind=ReviewKind.PERIODIC, status=TaskStatus.DONE)
            .order_by("-completed_on")
            .values_list("completed_on", flat=True)
            .first()
        )
        first_start = live.filter(household=household).order_by("start_month").values_list("start_month", flat=True)[0]
        if schedule_periodic_review(household, after=last or min(first_start, on)):
            created += 1
    return created


def _lock_task(actor, task: ReviewTask) -> ReviewTask:
    check_step_capability(actor, "complete_review")
    locked = ReviewTask.objects.select_for_update(of=("self",)).select_related("household").get(pk=task.pk)
    check_in_scope(actor, locked.region_id, "复核任务")
    if locked.status != TaskStatus.OPEN:
        raise AlreadyHandled()
    if locked.kind != ReviewKind.PERIODIC:
        raise invalid("复核任务", "该任务由系统按到期规则自动办理", "task")
    return locked


# The reason goes into the enrolment's change and end reason (300 characters) after "YYYY-MM-DD 定期复核：".
REASONS_MAX = 280


@transaction.atomic(durable=True)
def do_complete_review(
    actor,
    task: ReviewTask,
    *,
    outcome: str,
    reasons: str = "",
    today: date | None = None,
) -> list[Enrolment]:
    """Complete a periodic review of a household's reviewed enrolments (county decision, §1.9).

    - ``unchanged``: nothing changes (no adjustment without an obvious change);
    - ``adjust``: the household is re-assessed now and each enrolment takes its new amount from the
      month ``procedure.change_effective`` gives; an enrolment no longer eligible must be phased out
      or ended instead;
    - ``phase_out``: dibao continues for ``dibao.phase_out_months`` at ``dibao.phase_out_taper`` of
      the current amount, month by month, then ends (§1.10);
    - ``end``: payments stop from the effective month, with written reasons; a tekun enrolment is
      not ended here but gets its termination case (§2.6: notice, county decision).

    The next review is scheduled unless everything ended. Return the enrolments touched.
    """
    task = _lock_task(actor, task)
    on = day_of(today)
    if outcome not in OUTCOMES:
        raise invalid("复核结果", "应为维持、调整、渐退或停发", "outcome")
    if outcome in (ReviewOutcome.PHASE_OUT, ReviewOutcome.END, ReviewOutcome.ADJUST):
        reasons = required_text(reasons, "复核理由", "reasons")
    if len(reasons or "") > REASONS_MAX:  # written whole into the enrolment's 300-character reason, never cut
        raise invalid("复核理由", f"不能超过 {REASONS_MAX} 个字（现有 {len(reasons)} 个字）", "reasons")
    p = procedure_for(task.region_id, on)
    start = effective_month(p.change_effective, on)
    ids = (
        Enrolment.objects.filter(household=task.household, programme__in=REVIEWED)
        .exclude(status=EnrolmentStatus.ENDED)
        .values_list("pk", flat=True)
    )
    enrolments = lock_enrolments(list(ids))
    touched: list[Enrolment] = []
    why = f"{on:%Y-%m-%d} 定期复核：{reasons or '无明显变化，维持'}"
    if outcome == ReviewOutcome.ADJUST:
        touched = _adjust(actor, task, enrolments, start=start, on=on, reason=why)
    elif outcome == ReviewOutcome.PHASE_OUT:
        touched = _phase_out(actor, task, enrolments, start=start, policy=p.policy, reason=why)
    elif outcome == ReviewOutcome.END:
        for e in enrolments:
            if e.programme == "extreme_poverty":
                task.case = open_termination_case(actor, e, reason=why, on=on)
            else:
                touched.append(end_enrolment(actor, e, last_month=add_months(start, -1), reason=why, review=task))
    task.status, task.outcome, task.reasons = TaskStatus.DONE, outcome, reasons
    task.completed_on, task.completed_by = on, actor
    task.save()
    schedule_periodic_review(task.household, after=on)
    _audit(actor, task, why)
    return touched


def _adjust(actor, task: ReviewTask, enrolments: list[Enrolment], *, start: date, on: date, reason: str):
    result, record = assess_household(actor, task.household, on=on)
    touched = []
    for e in enrolments:
        r = result.get(e.programme, "" if e.programme in HOUSEHOLD_PROGRAMMES else str(e.person_id))
        if r is None or not r.eligible:
            raise CaseError(
                CaseErrorCode.REVIEW_INVALID,
                f"重新评估显示 {e.person.name} 已不符合{e.get_programme_display()}条件，请选择渐退或停发。",
                {"enrolment_id": e.pk, "assessment_id": record.pk},
            )
        if r.monthly_amount != e.monthly_amount:
            change_amount(
                actor, e, from_month=start, monthly_amount=r.monthly_amount, reason=reason, tier=r.tier, review=task
            )
            touched.append(e)
    return touched


def _phase_out(actor, task: ReviewTask, enrolments: list[Enrolment], *, start: date, policy, reason: str):
    months = policy["dibao.phase_out_months"]
    taper = policy["dibao.phase_out_taper"]
    targets = [e for e in enrolments if e.programme in ("dibao", "single_person_dibao")]
    if not months or not targets:
        raise CaseError(
            CaseErrorCode.REVIEW_INVALID,
            "本地政策未设低保渐退期，或该家庭没有在保的低保，不能渐退。"
            if targets
            else "该家庭没有在保的低保，不能渐退。",
            {"outcome": "phase_out"},
        )
    for e in targets:
        base = e.monthly_amount
        for k, ratio in enumerate(taper):
            change_amount(
                actor,
                e,
                from_month=add_months(start, k),
                monthly_amount=policy.rounding(base * ratio),
                reason=f"{reason}（渐退第 {k + 1}/{months} 个月，原金额 {base} × {ratio}）",
                status=EnrolmentStatus.PHASING_OUT,
                review=task,
            )
        end_enrolment(
            actor, e, last_month=add_months(start, months - 1), reason=f"{reason}（渐退期满停发）", review=task
        )
        # Ending writes the final change; the enrolment stays "phasing out" until the end month passes.
        e.status = EnrolmentStatus.PHASING_OUT
        e.monthly_amount = base
        e.save(update_fields=["status", "monthly_amount"])
    return targets


def _audit(actor, task: ReviewTask, reason: str) -> None:
    from doudi.audit.services import record_event

    record_event(
        actor,
        action="complete_review",
        target=task,
        household_id=task.household_id,
        region_code=task.region_id,
        reason=reason,
        label=f"{task.household} 定期复核：{task.get_outcome_display()}",
    )
