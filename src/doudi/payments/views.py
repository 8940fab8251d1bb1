"""Payroll pages: the list by month and status, one payroll (totals by township, difference from last
month, findings to resolve, maker/checker actions), the drill-down to households, an enrolment's
payments. Thin: services write, selectors read."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.views.decorators.http import require_POST

from doudi.accounts.roles import Capability
from doudi.accounts.scope import scope_prefix
from doudi.cases.models import Enrolment, Programme
from doudi.core.errors import DomainError, NotFound
from doudi.core.web import http_errors, require_capability
from doudi.payments import selectors
from doudi.payments.errors import PaymentErrorCode
from doudi.payments.models import FindingStatus, PayrollStatus
from doudi.payments.services import approval
from doudi.payments.services.checks import NOT_EXPLAINABLE
from doudi.payments.services.generation import NOT_PROGRAMMES, generate_payroll, parse_month
from doudi.regions.models import Region

MONTHLY_PROGRAMMES = [(v, label) for v, label in Programme.choices if v not in NOT_PROGRAMMES]


def _int(value) -> int | None:
    return int(value) if str(value or "").isdigit() else None


def _county(user) -> Region | None:
    prefix = scope_prefix(user)
    if len(prefix) != 6:
        return None
    return Region.objects.filter(pk=prefix.ljust(12, "0")).first()


def _month(value) -> date | None:
    try:
        return parse_month(value) if value else None
    except DomainError:
        return None


@login_required
@http_errors
def payroll_list(request):
    user = request.user
    month = _month(request.GET.get("month"))
    status = request.GET.get("status", "")
    status = status if status in PayrollStatus.values else ""
    payrolls = selectors.payroll_list(actor=user, month=month, status=status or None)[:200]
    county = _county(user)
    today = date.today()
    return render(
        request,
        "payments/payroll_list.html",
        {
            "payrolls": payrolls,
            "month": month,
            "status": status,
            "statuses": PayrollStatus.choices,
            "programmes": MONTHLY_PROGRAMMES,
            "county": county,
            "can_make": county is not None and user.can(Capability.MAKE_PAYROLL),
            "default_month": f"{today:%Y-%m}",
        },
    )


@login_required
@require_POST
@require_capability(Capability.MAKE_PAYROLL)
def payroll_generate(request):
    county = _county(request.user)
    if county is None:
        messages.error(request, "发放名册按县（市、区）编制，只有县级用户可以生成。")
        return redirect("payments:payroll_list")
    try:
        payroll = generate_payroll(
            request.user,
            region_code=county.code,
            programme=request.POST.get("programme", ""),
            month=request.POST.get("month", ""),
            expected_version=_int(request.POST.get("version")),
        )
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("payments:payroll_list")
    messages.success(request, f"已生成{payroll}发放名册：{payroll.line_count} 笔。")
    return redirect("payments:payroll_detail", payroll.pk)


def _extra_actions() -> str | None:
    try:
        get_template("payments/_payroll_actions_extra.html")
    except TemplateDoesNotExist:
        return None
    return "payments/_payroll_actions_extra.html"


@login_required
@http_errors
def payroll_detail(request, payroll_id: int):
    user = request.user
    payroll = selectors.payroll_get(actor=user, payroll_id=payroll_id)
    townships = selectors.totals_by_township(user, payroll)
    findings = list(selectors.findings(user, payroll))
    for f in findings:  # kinds 已说明 cannot settle: the form offers 暂停发放 / 已解决 and says what to do
        f.advice = NOT_EXPLAINABLE.get(f.check_code, "")
    last = selectors.last_month_payroll(payroll)
    return render(
        request,
        "payments/payroll_detail.html",
        {
            "payroll": payroll,
            "townships": townships,
            "findings": findings,
            "how_choices": approval.HOW_CHOICES,
            "open_findings": sum(1 for f in findings if f.status == FindingStatus.OPEN),
            "last": last,
            "diff": (payroll.total_amount - last.total_amount) if last else None,
            "can_make": user.can(Capability.MAKE_PAYROLL),
            "can_approve": user.can(Capability.APPROVE_PAYROLL) and payroll.maker_id != user.pk,
            "is_maker": payroll.maker_id == user.pk,
            "extra_actions": _extra_actions(),
        },
    )


@login_required
@require_POST
@require_capability(Capability.MAKE_PAYROLL)
def payroll_action(request, payroll_id: int, action: str):
    user = request.user
    version = _int(request.POST.get("version"))
    try:
        if action == "submit":
            approval.do_submit(user, payroll_id, expected_version=version)
            messages.success(request, "已提交审批。")
        elif action == "approve":
            approval.do_approve(user, payroll_id, expected_version=version)
            messages.success(request, "已审批，发放名册已锁定。")
        elif action == "return":
            approval.do_return(user, payroll_id, reason=request.POST.get("reason", ""), expected_version=version)
            messages.success(request, "已退回制表人。")
        elif action == "regenerate":
            payroll = selectors.payroll_get(actor=user, payroll_id=payroll_id)
            generate_payroll(
                user,
                region_code=payroll.region_id,
                programme=payroll.programme,
                month=payroll.month,
                expected_version=version,
            )
            messages.success(request, "已重新生成并重新核查。")
        else:
            raise Http404("没有这个操作")
    except NotFound:
        raise
    except DomainError as exc:
        if exc.code == PaymentErrorCode.OPEN_FINDINGS:
            approval.keep_checks(user, payroll_id)
        messages.error(request, exc.message)
    return redirect("payments:payroll_detail", payroll_id)


@login_required
@require_POST
@require_capability(Capability.MAKE_PAYROLL)
def finding_handle(request, payroll_id: int, finding_id: int):
    try:
        approval.do_handle_finding(
            request.user,
            finding_id,
            how=request.POST.get("how", ""),
            explanation=request.POST.get("explanation", ""),
        )
        held = request.POST.get("how") == approval.HOLD
        messages.success(request, "已暂停发放该核查发现涉及的明细，名册合计已更新。" if held else "已处理核查发现。")
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(f"/payments/{payroll_id}/#findings")


@login_required
@http_errors
def payroll_region(request, payroll_id: int, region_code: str):
    """Drill-down: one township's (or village's) households and lines, identifiers masked."""
    user = request.user
    payroll = selectors.payroll_get(actor=user, payroll_id=payroll_id)
    lines = list(selectors.village_households(user, payroll, region_code)[:2000])
    region = Region.objects.get(pk=region_code)
    return render(request, "payments/payroll_region.html", {"payroll": payroll, "region": region, "lines": lines})


@login_required
@http_errors
def enrolment_payments(request, enrolment_id: int):
    from doudi.accounts.scope import check_in_scope

    enrolment = Enrolment.objects.select_related("person", "household").filter(pk=enrolment_id).first()
    if enrolment is None:
        raise NotFound("保障对象")
    check_in_scope(request.user, enrolment.region_id, "保障对象")
    return render(request, "payments/enrolment_payments.html", {"enrolment": enrolment})
