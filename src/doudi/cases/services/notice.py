"""The township's opinion and its public notice (公示), objections and re-notice (§1.8, §2.3)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction

from doudi.cases import deadlines
from doudi.cases.assessing import assess_case
from doudi.cases.errors import CaseError, CaseErrorCode, invalid
from doudi.cases.models import (
    Case,
    CaseKind,
    DeadlineKind,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    PublicNotice,
)
from doudi.cases.procedure import procedure_for
from doudi.cases.services.common import begin_step, day_of, finish_step, required_text
from doudi.cases.workflow import CaseStatus
from doudi.core.labels import money
from doudi.policy.engine import Assessment


def opinion_summary(result: Assessment) -> str:
    """Return the one-line proposal shown on the notice: programmes and amounts, or "不符合"."""
    parts = []
    for p in result.programmes:
        if not p.eligible:
            continue
        amount = p.monthly_amount or p.one_off_amount
        unit = "元/月" if p.monthly_amount else "元（一次性）"
        parts.append(f"{p.label}{f' {money(amount)} {unit}' if amount else ''}")
    return "拟纳入：" + "；".join(parts) if parts else "经评估不符合救助条件"


def _post(actor, case: Case, *, opinion: str, place: str, record, on: date) -> PublicNotice:
    p = procedure_for(case.region_id, on)
    number = case.notices.count() + 1
    notice = PublicNotice.objects.create(
        case=case,
        round=number,
        starts_on=on,
        ends_on=on + timedelta(days=p.notice_days - 1),
        place=place,
        opinion=opinion,
        assessment=record,
        posted_by=actor,
    )
    deadlines.start(
        case,
        DeadlineKind.CONFIRM,
        notice.ends_on,
        p.confirm_working_days,
        basis=f"公示期满（{notice.ends_on:%Y-%m-%d}）后 {p.confirm_working_days} 个工作日内审核确认",
    )
    return notice


@transaction.atomic(durable=True)
def do_start_public_notice(
    actor,
    case: Case,
    *,
    opinion: str,
    expected_version: int,
    place: str = "",
    post: bool = True,
    today: date | None = None,
) -> PublicNotice | None:
    """Give the township's opinion on a new assessment and post it for ``procedure.notice_days``.

    The household is assessed on the registry as known now (the record is kept and linked to the
    timeline). A minors' case is never posted: it goes straight to the county
    (``awaiting_confirmation``) and ``None`` is returned; a change case may skip the notice with
    ``post=False``. The verification result must be recorded first (逢进必核).
    """
    case = begin_step(actor, case, "start_public_notice", expected_version)
    on = day_of(today)
    opinion = required_text(opinion, "初审意见", "opinion")
    if not case.verifications.exists():
        raise CaseError(
            CaseErrorCode.VERIFICATION_MISSING,
            "尚未录入家庭经济状况核对结果（逢进必核），不能提出初审意见。",
            {"field": "verification"},
        )
    if not post and case.kind not in (CaseKind.CHANGE,) and not case.minor_case:
        raise CaseError(CaseErrorCode.NOTICE_NOT_ALLOWED, "救助申请和终止供养的初审意见必须公示。", {"field": "post"})
    result, record = assess_case(actor, case, on=on)
    case.opinion = f"{opinion}（{opinion_summary(result)}）"
    case.opinion_assessment = record
    if case.minor_case or not post:
        p = procedure_for(case.region_id, on)
        deadlines.start(case, DeadlineKind.CONFIRM, on, p.confirm_working_days)
        why = "未成年人案件不公示（§2.3、§6.2）" if case.minor_case else "变更案件不公示"
        finish_step(
            actor,
            case,
            "start_public_notice",
            on=on,
            to_status=CaseStatus.AWAITING_CONFIRMATION,
            label="提出初审意见（不公示）",
            note=f"{case.opinion}；{why}",
            assessment=record,
        )
        return None
    place = required_text(place, "公示地点", "place")
    notice = _post(actor, case, opinion=case.opinion, place=place, record=record, on=on)
    finish_step(
        actor,
        case,
        "start_public_notice",
        on=on,
        to_status=CaseStatus.IN_NOTICE,
        note=f"{case.opinion}；公示 {notice.starts_on:%Y-%m-%d} 至 {notice.ends_on:%Y-%m-%d}（{place}）",
        data={"notice_id": notice.pk, "round": notice.round},
        assessment=record,
    )
    return notice


@transaction.atomic(durable=True)
def do_record_objection(
    actor,
    case: Case,
    *,
    content: str,
    expected_version: int,
    raised_by: str = "",
    received_on: date | None = None,
    today: date | None = None,
) -> Objection:
    """Register an objection received during the notice; the notice stops and the township must
    re-investigate within ``procedure.objection_working_days``."""
    case = begin_step(actor, case, "record_objection", expected_version)
    on = day_of(today)
    received_on = received_on or on
    notice = case.notices.filter(status=NoticeStatus.RUNNING).order_by("-round").first()
    if notice is None or not notice.starts_on <= received_on <= notice.ends_on or received_on > on:
        raise CaseError(
            CaseErrorCode.TRANSITION_NOT_ALLOWED,
            f"异议须在公示期内提出（{notice.starts_on:%Y-%m-%d} 至 {notice.ends_on:%Y-%m-%d}）。"
            if notice
            else "当前没有进行中的公示。",
            {"field": "received_on"},
        )
    objection = Objection.objects.create(
        case=case,
        notice=notice,
        received_on=received_on,
        raised_by=raised_by[:100],
        content=required_text(content, "异议内容", "content"),
        recorded_by=actor,
    )
    notice.status = NoticeStatus.INTERRUPTED
    notice.save(update_fields=["status"])
    p = procedure_for(case.region_id, on)
    deadlines.start(case, DeadlineKind.OBJECTION, received_on, p.objection_working_days)
    # The confirmation clock restarts with the new notice.
    case.deadlines.filter(kind=DeadlineKind.CONFIRM, met_on__isnull=True, cancelled=False).update(cancelled=True)
    finish_step(
        actor,
        case,
        "record_objection",
        on=on,
        to_status=CaseStatus.OBJECTION,
        note=objection.content,
        data={"objection_id": objection.pk, "raised_by": objection.raised_by},
    )
    return objection


@transaction.atomic(durable=True)
def do_resolve_objection(
    actor,
    case: Case,
    *,
    upheld: bool,
    findings: str,
    opinion: str,
    place: str,
    expected_version: int,
    today: date | None = None,
) -> PublicNotice:
    """Record the re-investigation of the open objections, give a new opinion on a new assessment
    and post it again (re-公示) for a full notice period."""
    case = begin_step(actor, case, "resolve_objection", expected_version)
    on = day_of(today)
    findings = required_text(findings, "复查情况", "findings")
    opinion = required_text(opinion, "新的初审意见", "opinion")
    place = required_text(place, "公示地点", "place")
    objections = list(case.objections.filter(status=ObjectionStatus.OPEN))
    if not objections:
        raise invalid("公示异议", "没有待复查的异议", "objection")
    for o in objections:
        o.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
        o.findings, o.resolved_on, o.resolved_by = findings, on, actor
        o.save()
    case.notices.filter(status=NoticeStatus.INTERRUPTED).update(status=NoticeStatus.ENDED)
    deadlines.meet(case, DeadlineKind.OBJECTION, on=on)
    result, record = assess_case(actor, case, on=on)
    case.opinion = f"{opinion}（{opinion_summary(result)}）"
    case.opinion_assessment = record
    notice = _post(actor, case, opinion=case.opinion, place=place, record=record, on=on)
    finish_step(
        actor,
        case,
        "resolve_objection",
        on=on,
        to_status=CaseStatus.IN_NOTICE,
        note=f"异议{'成立' if upheld else '不成立'}：{findings}；重新公示 {notice.starts_on:%Y-%m-%d} 至 "
        f"{notice.ends_on:%Y-%m-%d}",
        data={"objections": [o.pk for o in objections], "upheld": upheld, "notice_id": notice.pk},
        assessment=record,
    )
    return notice


def do_close_ended_notices(*, today: date | None = None) -> int:
    """Close every public notice whose period ended before ``today`` without an objection (§1.8).

    The case moves from 公示中 to 待审核确认 on its own, with a timeline entry by the system, so
    that the status says what the case waits for. Run daily (``run_case_tasks``) and safe to run
    again: a case already moved is left alone. Returns the number of cases moved.
    """
    on = day_of(today)
    case_ids = list(
        PublicNotice.objects.filter(
            status=NoticeStatus.RUNNING, ends_on__lt=on, case__status=CaseStatus.IN_NOTICE
        ).values_list("case_id", flat=True)
    )
    closed = 0
    for case_id in case_ids:
        with transaction.atomic():
            case = begin_step(None, case_id, "close_notice", None)
            notice = case.notices.filter(status=NoticeStatus.RUNNING).order_by("-round").first()
            if case.status != CaseStatus.IN_NOTICE or notice is None or notice.ends_on >= on:
                continue
            notice.status = NoticeStatus.ENDED
            notice.save(update_fields=["status"])
            finish_step(
                None,
                case,
                "close_notice",
                on=on,
                to_status=CaseStatus.AWAITING_CONFIRMATION,
                label="公示期满",
                note=(
                    f"第 {notice.round} 次公示 {notice.starts_on:%Y-%m-%d} 至 {notice.ends_on:%Y-%m-%d} 期满，"
                    "无异议，报县级审核确认"
                ),
                data={"notice_id": notice.pk},
            )
            closed += 1
    return closed
