"""The printable PDFs: 一次性告知书, the village notice board, the decision notice and the notice that
an enrolment ended (停止社会救助决定书).

Each is read within the user's region (404 otherwise) and served as a download.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from doudi.accounts.scope import check_in_scope
from doudi.audit.services import log_record_access
from doudi.cases import pdf, selectors
from doudi.cases.models import (
    DecisionOutcome,
    EnrolmentStatus,
    MissingMaterialsNotice,
    NoticeStatus,
    PublicNotice,
)
from doudi.core.web import http_errors
from doudi.regions.models import Level, Region


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    # A non-ASCII name is sent as RFC 5987 ``filename*``.
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _font_missing(exc: pdf.PdfFontMissing) -> HttpResponse:
    return HttpResponse(exc.message, status=503, content_type="text/plain; charset=utf-8")


@login_required
@http_errors
def missing_materials_pdf(request, pk: int, notice_id: int):
    case = selectors.case_get(actor=request.user, case_id=pk)
    notice = MissingMaterialsNotice.objects.filter(pk=notice_id, case=case).select_related("issued_by").first()
    if notice is None:
        raise Http404("一次性告知不存在。")
    try:
        data = pdf.missing_materials_pdf(case, notice)
    except pdf.PdfFontMissing as exc:
        return _font_missing(exc)
    return _pdf(data, f"一次性告知书-{case.number}.pdf")


@login_required
@http_errors
def decision_pdf(request, pk: int):
    case = selectors.case_get(actor=request.user, case_id=pk)
    decision = (
        case.decisions.filter(outcome__in=[DecisionOutcome.APPROVED, DecisionOutcome.REFUSED]).first()
        or case.decisions.first()
    )
    if decision is None:
        raise Http404("该案件尚未作出决定。")
    try:
        data = pdf.decision_pdf(case, decision)
    except pdf.PdfFontMissing as exc:
        return _font_missing(exc)
    name = "不予确认决定书" if decision.outcome == DecisionOutcome.REFUSED else "审核确认决定书"
    return _pdf(data, f"{name}-{case.number}.pdf")


def termination_of(enrolment) -> pdf.Termination:
    """How and when ``enrolment`` (ended) was ended: from its ending change, the review or the case
    that wrote it, and the amount of the last month paid."""
    ending = (
        enrolment.changes.filter(status=EnrolmentStatus.ENDED)
        .select_related("review", "case")
        .order_by("-effective_month", "-pk")
        .first()
    )
    how, decided_on = "", None
    if ending is not None:
        decided_on = timezone.localdate(ending.created_at)
        if ending.review_id:
            how = ending.review.get_kind_display()
            decided_on = ending.review.completed_on or decided_on
        elif ending.case_id:
            how = f"{ending.case.get_kind_display()}审核"
            decision = ending.case.decisions.order_by("-decided_on", "-pk").first()
            decided_on = decision.decided_on if decision else decided_on
    last = None
    if enrolment.end_month and enrolment.end_month >= enrolment.start_month:
        last = selectors.amount_in_month(enrolment, enrolment.end_month)
    return pdf.Termination(how=how, decided_on=decided_on, last_amount=last)


@login_required
@http_errors
def termination_pdf(request, pk: int):
    """停止社会救助决定书 of an ended enrolment (404 while it is live); printing it is logged."""
    enrolment = selectors.enrolment_get(actor=request.user, enrolment_id=pk)
    if enrolment.status != EnrolmentStatus.ENDED:
        raise Http404("该保障未停发，没有停止救助决定书。")
    try:
        data = pdf.termination_pdf(enrolment, termination_of(enrolment))
    except pdf.PdfFontMissing as exc:
        return _font_missing(exc)
    log_record_access(
        request.user,
        person_id=enrolment.person_id,
        household_id=enrolment.household_id,
        region_code=enrolment.region_id,
        channel="page",
        detail=f"打印停止社会救助决定书：{enrolment.household.number}（保障记录 {enrolment.pk}）",
    )
    return _pdf(data, f"停止社会救助决定书-{enrolment.household.number}-{enrolment.pk}.pdf")


@login_required
@http_errors
def notice_board_pdf(request, village: str):
    """The notices running today in one village: name, household size, amount; never minors."""
    region = Region.objects.filter(pk=village, level=Level.VILLAGE).select_related("parent__parent").first()
    if region is None:
        raise Http404("村/社区不存在。")
    check_in_scope(request.user, region.pk, "村/社区")
    today = timezone.localdate()
    notices = (
        PublicNotice.objects.filter(
            case__region=region, status=NoticeStatus.RUNNING, ends_on__gte=today, starts_on__lte=today
        )
        .exclude(case__minor_case=True)
        .select_related("case__household", "case__applicant", "assessment")
        .order_by("starts_on", "pk")
    )
    try:
        data = pdf.public_notice_pdf(region, list(notices), on=today)
    except pdf.PdfFontMissing as exc:
        return _font_missing(exc)
    return _pdf(data, f"公示-{region.name}-{today:%Y%m%d}.pdf")
