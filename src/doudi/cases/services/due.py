"""Automatic due tasks, so that nothing depends on someone's memory (rules.md §2.6, §6, §7).

- 18th birthdays of children with a child allowance or tekun support: still at school → continue
  and check again later; otherwise the child allowance ends with the birthday month, and tekun
  support gets its termination case (notice and county decision, §2.6);
- longevity allowance (免申即享, a design choice [U]): from the month of the birthday on which an
  age tier starts, an enrolment starts or changes to the new tier's amount;
- phase-outs whose last month has passed are marked ended;
- due dates the working-day calendar could not compute before are filled in;
- public notices whose period has ended close, and their cases wait for the county (待审核确认).

Each item runs in its own transaction, so one failure (reported in the summary) stops nothing else.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date

from django.db import transaction
from django.db.models import Q

from doudi.audit.services import record_event
from doudi.cases import deadlines
from doudi.cases.models import CaseEvent, Enrolment, EnrolmentStatus, ReviewKind, ReviewOutcome, ReviewTask, TaskStatus
from doudi.cases.services.common import day_of, month_start
from doudi.cases.services.enrolment import (
    change_amount,
    create_enrolment,
    eighteenth_birthday,
    end_enrolment,
    schedule_age_check,
)
from doudi.cases.services.intake import open_termination_case
from doudi.cases.services.notice import do_close_ended_notices
from doudi.core.errors import DomainError
from doudi.policy.engine.dates import add_months as add_months_to_date
from doudi.policy.engine.dates import age_on
from doudi.policy.selectors import policy_for
from doudi.registry.models import Person, Schooling

log = logging.getLogger(__name__)

# §2.6: tekun support continues past 18 in 义务教育, 普通高中 or 中等职业学校.
TEKUN_SCHOOL = frozenset({"primary", "junior", "senior", "vocational"})
# §6: child allowances continue while in full-time school, up to child_allowance.in_school_until_age.
CHILD_SCHOOL = frozenset({"primary", "junior", "senior", "vocational", "college", "undergraduate", "postgraduate"})
RECHECK_MONTHS = 6
STATUS_OF_PROGRAMME = {
    "extreme_poverty": "extreme_poverty",
    "dibao": "dibao",
    "single_person_dibao": "dibao",
    "phase_out": "dibao",
    "near_dibao": "near_dibao",
    "rigid_expense": "rigid_expense",
}


def do_run_due_tasks(*, today: date | None = None) -> dict[str, int]:
    """Run every automatic task due on ``today``; return counts by what was done."""
    on = day_of(today)
    done: Counter[str] = Counter()
    for task in ReviewTask.objects.filter(kind=ReviewKind.AGE_CHECK, status=TaskStatus.OPEN, due_on__lte=on):
        _guarded(done, "age_check", _run_age_check, task.pk, on)
    _longevity(done, on)
    month = month_start(on)
    for e in Enrolment.objects.filter(status=EnrolmentStatus.PHASING_OUT, end_month__lt=month):
        Enrolment.objects.filter(pk=e.pk).update(status=EnrolmentStatus.ENDED, version=e.version + 1)
        done["phase_out_ended"] += 1
    done["due_dates_filled"] += deadlines.refresh_unknown_due_dates()
    done["notices_closed"] += do_close_ended_notices(today=on)
    return dict(done)


def _guarded(done: Counter, name: str, fn, *args) -> None:
    try:
        with transaction.atomic():
            done[fn(*args)] += 1
    except DomainError as exc:  # e.g. a region without a published policy: report, go on
        log.warning("case task %s %s failed: %s", name, args, exc.message)
        done[f"{name}_failed"] += 1


def _in_school(person: Person, on: date, stages: frozenset[str]) -> Schooling | None:
    return (
        Schooling.objects.filter(person=person, full_time=True, stage__in=stages, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on), superseded_at__isnull=True)
        .order_by("-valid_from")
        .first()
    )


def _timeline(enrolment: Enrolment, on: date, label: str, note: str) -> None:
    if enrolment.case_id:
        CaseEvent.objects.create(case_id=enrolment.case_id, on=on, action="due_task", label=label, note=note)
    record_event(
        None,
        action="case_due_task",
        target=enrolment,
        household_id=enrolment.household_id,
        region_code=enrolment.region_id,
        reason=note[:200],
        label=f"{enrolment.person.name} {label}",
    )


def _run_age_check(task_id: int, on: date) -> str:
    task = ReviewTask.objects.select_for_update(of=("self",)).select_related("enrolment__person").get(pk=task_id)
    if task.status != TaskStatus.OPEN:
        return "skipped"
    enrolment = Enrolment.objects.select_for_update().get(pk=task.enrolment_id)
    task.completed_on = on
    if enrolment.status == EnrolmentStatus.ENDED:
        task.status = TaskStatus.CANCELLED
        task.save()
        return "age_check_cancelled"
    person = enrolment.person
    tekun = enrolment.programme == "extreme_poverty"
    school = _in_school(person, on, TEKUN_SCHOOL if tekun else CHILD_SCHOOL)
    until_age = None if tekun else policy_for(enrolment.region_id, on).policy["child_allowance.in_school_until_age"]
    if school is not None and (until_age is None or age_on(person.birth_date, on) < until_age):
        task.status, task.outcome = TaskStatus.DONE, ReviewOutcome.CONTINUED
        task.reasons = (
            f"年满 18 周岁，仍在{school.get_stage_display()}就读（{school.institution or '学校未填'}），继续保障"
        )
        task.save()
        next_check = school.valid_to or add_months_to_date(on, RECHECK_MONTHS)
        if until_age is not None:
            next_check = min(next_check, add_months_to_date(person.birth_date, until_age * 12))
        schedule_age_check(enrolment, due_on=max(next_check, on))
        _timeline(enrolment, on, "到期核查：在校继续保障", task.reasons)
        return "continued_at_school"
    if tekun and eighteenth_birthday(person.birth_date) <= enrolment.start_month:
        # Support granted to an adult rests on age, disability or illness, not on being a minor: a
        # check left over from before ``age_check_due`` must not open its termination.
        task.status = TaskStatus.CANCELLED
        task.reasons = f"{person.name} 纳入特困供养时已成年，不按 18 周岁核查"
        task.save()
        return "age_check_cancelled"
    task.status = TaskStatus.DONE
    if tekun:
        reason = f"{person.name} 已满 18 周岁且未在义务教育、普通高中或中等职业学校就读（§2.6）"
        task.case = open_termination_case(None, enrolment, reason=reason, on=on)
        task.outcome, task.reasons = ReviewOutcome.TERMINATION_OPENED, reason
        task.save()
        _timeline(enrolment, on, "到期核查：启动终止供养程序", f"{reason}；案件 {task.case.number}")
        return "tekun_termination_opened"
    last = month_start(task.due_on)
    reason = (
        f"{person.name} 已满 18 周岁" + ("且未在校就读" if school is None else f"且已满 {until_age} 周岁") + "，停发"
    )
    task.outcome, task.reasons = ReviewOutcome.END, reason
    task.save()
    end_enrolment(None, enrolment, last_month=last, reason=reason, review=task)
    _timeline(enrolment, on, "到期核查：停发儿童基本生活费", f"{reason}，最后发放月份 {last:%Y-%m}")
    return "child_allowance_ended"


def _longevity(done: Counter, on: date) -> None:
    month = month_start(on)
    persons = (
        Person.objects.filter(
            household__isnull=False,
            death_date__isnull=True,
            birth_date__month=month.month,
            birth_date__year__lte=month.year - 60,
        )
        .select_related("household")
        .order_by("pk")
    )
    policies: dict[str, object] = {}
    for person in persons:
        _guarded(done, "longevity", _longevity_for, person, month, policies)


def _longevity_for(person: Person, month: date, policies: dict) -> str:
    region = person.household.region_id
    if region not in policies:
        policies[region] = policy_for(region, month).policy
    policy = policies[region]
    if not policy["longevity.enabled"]:
        return "skipped"
    age = month.year - person.birth_date.year  # the age reached on this month's birthday
    tier = next((t for t in policy.longevity_tiers if t.min_age == age), None)
    if tier is None:
        return "skipped"
    live = (
        Enrolment.objects.select_for_update()
        .filter(person=person, programme="longevity_allowance")
        .exclude(status=EnrolmentStatus.ENDED)
        .first()
    )
    span = f"{tier.min_age}–{tier.max_age - 1} 周岁" if tier.max_age else f"{tier.min_age} 周岁以上"
    if tier.means_test:
        statuses = {
            STATUS_OF_PROGRAMME.get(p)
            for p in Enrolment.objects.filter(household=person.household)
            .exclude(status=EnrolmentStatus.ENDED)
            .values_list("programme", flat=True)
        }
        if not statuses & set(policy["longevity.means_test_statuses"]):
            return "longevity_not_eligible"
    reason = f"{person.birth_date:%Y-%m-%d} 出生，{month:%Y 年 %m 月}满 {age} 周岁，{span}高龄津贴（生日当月起）"
    if live is None:
        enrolment = create_enrolment(
            None,
            household=person.household,
            person=person,
            programme="longevity_allowance",
            start_month=month,
            monthly_amount=tier.amount,
            reason=reason,
            tier=span,
            covered=[person.pk],
            automatic=True,
        )
        _timeline(enrolment, month, "高龄津贴自动纳入", reason)
        return "longevity_started"
    if live.monthly_amount == tier.amount or live.changes.filter(effective_month=month).exists():
        return "skipped"
    change_amount(None, live, from_month=month, monthly_amount=tier.amount, reason=reason, tier=span)
    _timeline(live, month, "高龄津贴调档", reason)
    return "longevity_tier_changed"


__all__ = ["do_run_due_tasks"]
