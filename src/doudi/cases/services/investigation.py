"""Means verification (信息核对), the home survey by two investigators (入户调查) and the optional
community review (民主评议) — rules.md §1.8, §9."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from doudi.accounts.roles import Capability, Role
from doudi.accounts.scope import region_in_scope
from doudi.cases import deadlines
from doudi.cases.errors import CaseError, CaseErrorCode, invalid
from doudi.cases.models import (
    Attachment,
    Case,
    CommunityReview,
    DeadlineKind,
    Survey,
    SurveyPhoto,
    Verification,
)
from doudi.cases.services.common import begin_step, day_of, finish_step, required_text
from doudi.cases.workflow import CaseStatus

SURVEY_METHODS = {
    "home_visit": "入户调查",
    "neighbour_visit": "邻里访问",
    "letter": "信函索证",
    "public_hearing": "群众评议",
    "data_check": "信息核查",
}
IMAGE_TYPES = ("image/jpeg", "image/png")


@transaction.atomic(durable=True)
def do_record_verification(
    actor,
    case: Case,
    *,
    expected_version: int,
    summary: str = "",
    checked_on: date | None = None,
    today: date | None = None,
) -> Verification:
    """Record the means verification (逢进必核) as a report built from the departments' data (§9).

    The report (``doudi.verification``) compares each member's department data with what the family
    declared and with the thresholds of the policy in force; its overall conclusion is the step's result
    (符合 → 核对一致, 超出或差异 → 存在差异, 部门数据不全 → 部分数据无法核对). The township may add a note;
    manual items and re-checks on the report page carry their conclusion back to this record. A
    discrepancy does not stop the case: the township weighs it in its opinion.
    """
    from doudi.verification.services import case_result, report_for_case

    case = begin_step(actor, case, "record_verification", expected_version)
    on = day_of(today)
    checked_on = checked_on or on
    if checked_on > on:
        raise invalid("核对日期", "不能晚于今天", "checked_on")
    report = report_for_case(actor, case, on=checked_on)
    result, topics = case_result(report)
    note = (summary or "").strip()
    verification = Verification.objects.create(
        case=case,
        result=result,
        items=topics,
        summary=(f"{note}（{report.overall_text}）" if note else report.overall_text)[:2000],
        checked_on=checked_on,
        recorded_by=actor,
    )
    report.case_verification = verification
    report.save(update_fields=["case_verification"])
    finish_step(
        actor,
        case,
        "record_verification",
        on=on,
        note=f"{verification.get_result_display()}：{verification.summary}",
        data={"result": result, "items": topics, "report": report.pk},
    )
    return verification


def may_co_investigate(user, region_code: str) -> bool:
    """Whether ``user`` may be the second investigator of a survey in ``region_code``: a field worker who
    surveys (村、乡镇), of a region whose subtree holds it. The administrator holds every capability to run
    the system, not to visit families: never offered, always refused."""
    return user.role != Role.ADMINISTRATOR and user.can(Capability.SURVEY) and region_in_scope(user, region_code)


def _check_co_investigator(actor, case: Case, co_investigator) -> None:
    """Refuse a second investigator who is missing, the actor, or not a surveyor of the case's region.

    The co-investigator is chosen by user id (the API takes any number), so a refusal never names
    the user: a missing id and anyone else's id get the same answer.
    """
    if co_investigator is not None and co_investigator.pk == getattr(actor, "pk", None):
        raise CaseError(
            CaseErrorCode.SURVEY_INVALID,
            "第二调查人：入户调查须由两名调查人员共同进行，不能选择本人，请选择另一名调查人。",
            {"field": "co_investigator"},
        )
    if co_investigator is None or not may_co_investigate(co_investigator, case.region_id):
        raise CaseError(
            CaseErrorCode.SURVEY_INVALID,
            "第二调查人：所选人员不存在，或不是本辖区可以入户调查的工作人员，请选择另一名调查人。",
            {"field": "co_investigator"},
        )


@transaction.atomic(durable=True)
def do_record_survey(
    actor,
    case: Case,
    *,
    visited_on: date,
    findings: str,
    co_investigator,
    expected_version: int,
    methods: list[str] | tuple = ("home_visit",),
    photo_ids: list[int] | tuple = (),
    today: date | None = None,
) -> Survey:
    """Record a home survey; the actor is the first investigator and signs it.

    The survey counts once the second investigator (``co_investigator``, another worker with the
    ``survey`` capability in the case's region) countersigns with ``do_countersign_survey``; the
    case then moves to ``surveyed``. ``photo_ids`` are image attachments of the case.
    """
    case = begin_step(actor, case, "record_survey", expected_version)
    on = day_of(today)
    _check_co_investigator(actor, case, co_investigator)
    if visited_on > on or (case.accepted_on and visited_on < case.accepted_on):
        raise invalid("调查日期", "应在受理之后且不晚于今天", "visited_on")
    bad = [m for m in methods if m not in SURVEY_METHODS]
    if not methods or bad:
        raise invalid("调查方式", f"应为{'、'.join(SURVEY_METHODS.values())}中的一种或几种", "methods")
    if case.surveys.filter(signed_2_at__isnull=True).exists():
        raise CaseError(
            CaseErrorCode.SURVEY_INVALID, "已有一份调查记录待第二调查人签字，请先完成签字。", {"field": "survey"}
        )
    photos = list(Attachment.objects.filter(case=case, pk__in=photo_ids, content_type__in=IMAGE_TYPES))
    if len(photos) != len(set(photo_ids)):
        raise invalid("调查照片", "只能选择本案件已上传的 JPG/PNG 图片", "photo_ids")
    survey = Survey.objects.create(
        case=case,
        visited_on=visited_on,
        methods=list(methods),
        findings=required_text(findings, "调查情况", "findings"),
        investigator_1=actor,
        investigator_2=co_investigator,
        signed_1_at=timezone.now(),
    )
    SurveyPhoto.objects.bulk_create(SurveyPhoto(survey=survey, attachment=a) for a in photos)
    deadlines.meet(case, DeadlineKind.SURVEY_START, on=visited_on)
    finish_step(
        actor,
        case,
        "record_survey",
        on=on,
        note=f"{visited_on:%Y-%m-%d} {'、'.join(SURVEY_METHODS[m] for m in methods)}，"
        f"待 {co_investigator.display_name} 签字",
        data={"survey_id": survey.pk, "photos": [a.pk for a in photos]},
    )
    return survey


@transaction.atomic(durable=True)
def do_countersign_survey(actor, case: Case, *, expected_version: int, today: date | None = None) -> Survey:
    """Sign the pending survey as its second investigator; the case is then ``surveyed``."""
    case = begin_step(actor, case, "countersign_survey", expected_version)
    on = day_of(today)
    survey = case.surveys.select_for_update().filter(signed_2_at__isnull=True).first()
    if survey is None:
        raise CaseError(CaseErrorCode.SURVEY_INVALID, "没有待签字的调查记录。", {"field": "survey"})
    if survey.investigator_2_id != actor.pk:
        raise CaseError(
            CaseErrorCode.SURVEY_INVALID,
            f"该调查记录须由第二调查人 {survey.investigator_2.display_name} 本人签字。",
            {"field": "survey"},
        )
    survey.signed_2_at = timezone.now()
    survey.save(update_fields=["signed_2_at"])
    deadlines.meet(case, DeadlineKind.SURVEY, on=on)
    finish_step(
        actor,
        case,
        "countersign_survey",
        on=on,
        to_status=CaseStatus.SURVEYED,
        note=f"调查人 {survey.investigator_1.display_name}、{actor.display_name} 均已签字",
        data={"survey_id": survey.pk},
    )
    return survey


@transaction.atomic(durable=True)
def do_record_community_review(
    actor,
    case: Case,
    *,
    held_on: date,
    attendees: int,
    approvals: int,
    summary: str,
    expected_version: int,
    today: date | None = None,
) -> CommunityReview:
    """Record a community review (optional; used when the facts are unclear)."""
    case = begin_step(actor, case, "record_community_review", expected_version)
    on = day_of(today)
    if held_on > on:
        raise invalid("评议日期", "不能晚于今天", "held_on")
    if attendees <= 0 or not 0 <= approvals <= attendees:
        raise invalid("同意人数", "应在 0 与到会人数之间", "approvals")
    review = CommunityReview.objects.create(
        case=case,
        held_on=held_on,
        attendees=attendees,
        approvals=approvals,
        summary=required_text(summary, "评议情况", "summary"),
        recorded_by=actor,
    )
    finish_step(
        actor,
        case,
        "record_community_review",
        on=on,
        note=f"到会 {attendees} 人，同意 {approvals} 人：{review.summary}",
        data={"attendees": attendees, "approvals": approvals},
    )
    return review
