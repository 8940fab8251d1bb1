"""The county's confirmation (审核确认) or refusal, and the written notice of a refusal (§1.8, §2.3, §2.6)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction

from doudi.cases import deadlines
from doudi.cases.errors import AlreadyHandled, CaseError, CaseErrorCode, invalid
from doudi.cases.models import (
    Case,
    CaseKind,
    DeadlineKind,
    Decision,
    DecisionLine,
    DecisionOutcome,
    NoticeStatus,
    RelativeStatus,
)
from doudi.cases.procedure import Procedure, procedure_for
from doudi.cases.services.common import add_months, begin_step, day_of, finish_step, month_start, required_text
from doudi.cases.services.enrolment import effective_month
from doudi.cases.workflow import CaseStatus
from doudi.core.labels import money, programme_label
from doudi.policy.engine.dates import age_on
from doudi.registry.models import Person

LABOUR_INCOME = frozenset({"wage", "business"})


def check_confirmable(case: Case, on: date) -> None:
    """Raise ``CaseError`` while the case may not yet be decided: notice still running, or a
    near-relative declaration not checked by the county."""
    if case.status == CaseStatus.IN_NOTICE:
        notice = case.notices.filter(status=NoticeStatus.RUNNING).order_by("-round").first()
        if notice is not None and on <= notice.ends_on:
            raise CaseError(
                CaseErrorCode.NOTICE_RUNNING,
                f"公示期至 {notice.ends_on:%Y-%m-%d} 止，公示期满后方可审核确认。",
                {"ends_on": notice.ends_on.isoformat()},
            )
    if case.relatives.filter(status=RelativeStatus.DECLARED).exists():
        raise CaseError(
            CaseErrorCode.RELATIVE_UNCHECKED,
            "该案件为近亲属备案案件，须经县级入户核查后方可审核确认。",
            {"field": "relatives"},
        )


def review_months_for(facts: dict, p: Procedure, on: date) -> int:
    """Return the review interval (§1.9): half-yearly when a working-age member able to work earns
    a labour income (unstable), otherwise yearly."""
    for m in facts.get("members", []):
        birth = date.fromisoformat(m["birth_date"])
        earns = any(i["category"] in LABOUR_INCOME for i in m.get("incomes", []))
        if earns and m.get("labour_capacity", "full") == "full" and 16 <= age_on(birth, on) < 60:
            return p.review_months_unstable
    return p.review_months_stable


def _start_month(case: Case, p: Procedure, on: date, start_month: date | None) -> date:
    if start_month is None:
        return {
            "next_month": add_months(month_start(on), 1),
            "decision_month": month_start(on),
            "application_month": month_start(case.opened_on),
        }[p.benefit_start]
    start_month = month_start(start_month)
    if start_month < month_start(case.opened_on):
        raise invalid("起始月份", f"不能早于申请月份 {case.opened_on:%Y-%m}", "start_month")
    return start_month


def _grant_lines(decision: Decision, case: Case) -> list[DecisionLine]:
    result = case.opinion_assessment.result
    tekun = {p["person_id"] for p in result["programmes"] if p["programme"] == "extreme_poverty" and p["eligible"]}
    members = [m["person_id"] for m in case.opinion_assessment.facts.get("members", [])]
    household_covered = [int(pid) for pid in members if pid not in tekun]
    persons = {str(p.pk): p for p in Person.objects.filter(pk__in=[int(x) for x in members])}
    lines = []
    for p in result["programmes"]:
        # A temporary-assistance request is decided on its need only; an application (one window)
        # on every programme the assessment found.
        if not p["eligible"] or (case.kind == CaseKind.TEMPORARY) != (p["programme"] == "temporary"):
            continue
        person = persons.get(p["person_id"]) if p["person_id"] else case.applicant
        valid_until = p.get("valid_until")
        lines.append(
            DecisionLine(
                decision=decision,
                programme=p["programme"],
                person=person,
                monthly_amount=Decimal(p["monthly_amount"]),
                one_off_amount=Decimal(p["one_off_amount"]),
                tier=(p.get("tier") or "")[:40],
                covered=[int(p["person_id"])] if p["person_id"] else household_covered,
                end_month=month_start(date.fromisoformat(valid_until)) if valid_until else None,
            )
        )
    return lines


@transaction.atomic(durable=True)
def do_confirm_case(
    actor,
    case: Case,
    *,
    approve: bool,
    expected_version: int,
    reasons: str = "",
    start_month: date | None = None,
    review_months: int | None = None,
    today: date | None = None,
) -> Decision:
    """Decide a case (county): approve with the noticed opinion's amounts, or refuse with reasons.

    Approval grants every eligible programme of the opinion's assessment (the one that was posted),
    from ``start_month`` (default from ``procedure.benefit_start``: the month after the decision).
    For a termination case, approval ends the enrolments concerned after the month before
    ``procedure.change_effective``. A refusal needs written reasons and starts the
    ``refusal_notice_working_days`` limit. Only one final decision per case exists (a database
    constraint), and ``expected_version`` makes the second of two simultaneous decisions fail with
    ``AlreadyHandled``.
    """
    case = begin_step(actor, case, "confirm_case", expected_version)
    on = day_of(today)
    check_confirmable(case, on)
    p = procedure_for(case.region_id, on)
    reasons = reasons.strip()
    if not approve and not reasons:
        raise invalid("不予确认理由", "须书面说明理由", "reasons")
    record = case.opinion_assessment
    grants = record is not None and any(x["eligible"] for x in record.result["programmes"])
    if approve and case.kind != CaseKind.TERMINATION and not grants:
        raise CaseError(
            CaseErrorCode.DECISION_INVALID,
            "初审评估结果不符合任何救助项目，不能确认纳入；请不予确认并说明理由。",
            {"field": "approve"},
        )
    if approve and case.kind == CaseKind.TERMINATION and not reasons:
        raise invalid("终止理由", "须书面说明理由", "reasons")
    start = _start_month(case, p, on, start_month) if approve and case.kind != CaseKind.TERMINATION else None
    if approve and case.kind == CaseKind.CHANGE and start_month is None:
        start = effective_month(p.change_effective, on)
    if review_months is not None and review_months <= 0:
        raise invalid("复核间隔", "应为正整数（月）", "review_months")
    try:
        with transaction.atomic():
            decision = Decision.objects.create(
                case=case,
                outcome=DecisionOutcome.APPROVED if approve else DecisionOutcome.REFUSED,
                decided_on=on,
                decided_by=actor,
                reasons=reasons,
                start_month=start,
                review_months=(review_months or review_months_for(record.facts, p, on)) if approve and record else None,
                assessment=record,
            )
    except IntegrityError as exc:
        raise AlreadyHandled(case.number) from exc
    if approve and case.kind == CaseKind.TERMINATION:
        last = add_months(effective_month(p.change_effective, on), -1)
        DecisionLine.objects.bulk_create(
            DecisionLine(decision=decision, programme=e.programme, person=e.person, end_month=last, ends_enrolment=e)
            for e in case.enrolments.all()
        )
    elif approve:
        DecisionLine.objects.bulk_create(_grant_lines(decision, case))
    deadlines.meet(case, DeadlineKind.CONFIRM, DeadlineKind.TOTAL, on=on)
    case.notices.filter(status=NoticeStatus.RUNNING, ends_on__lt=on).update(status=NoticeStatus.ENDED)
    if not approve:
        deadlines.start(case, DeadlineKind.REFUSAL_NOTICE, on, p.refusal_notice_working_days)
    case.decided_on = on
    lines = list(decision.lines.all())
    summary = "；".join(
        f"{line.person.name if line.person else ''} {programme_label(line.programme)} "
        + (
            f"{money(line.monthly_amount)} 元/月"
            if line.monthly_amount
            else f"{money(line.one_off_amount)} 元"
            if line.one_off_amount
            else ""
        )
        for line in lines
    )
    finish_step(
        actor,
        case,
        "confirm_case",
        on=on,
        to_status=CaseStatus.APPROVED if approve else CaseStatus.REFUSED,
        label="审核确认" if approve else "不予确认",
        note=(f"自 {start:%Y-%m} 起：{summary}" if start else summary or reasons) if approve else reasons,
        data={"decision_id": decision.pk, "start_month": start.isoformat() if start else None},
        assessment=record,
    )
    return decision


@transaction.atomic(durable=True)
def do_record_refusal_notice(
    actor, case: Case, *, notified_on: date, method: str, expected_version: int, today: date | None = None
) -> Decision:
    """Record that the applicant was told of the refusal in writing, with the reasons; close the case."""
    case = begin_step(actor, case, "record_refusal_notice", expected_version)
    on = day_of(today)
    method = required_text(method, "告知方式", "method")
    decision = Decision.objects.get(case=case, outcome=DecisionOutcome.REFUSED)
    if not decision.decided_on <= notified_on <= on:
        raise invalid("告知日期", "应在决定日期与今天之间", "notified_on")
    decision.notified_on = notified_on
    decision.save(update_fields=["notified_on"])
    deadlines.meet(case, DeadlineKind.REFUSAL_NOTICE, on=notified_on)
    case.closed_on = on
    finish_step(
        actor,
        case,
        "record_refusal_notice",
        on=on,
        to_status=CaseStatus.CLOSED,
        note=f"{notified_on:%Y-%m-%d} {method}告知：{decision.reasons}",
    )
    return decision
