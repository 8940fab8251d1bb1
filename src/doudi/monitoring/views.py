"""The monitoring pages: the township's alert inbox (filters, bulk assignment), an alert with its
evidence and outcome form (phone-friendly), the county/city overview, and a worker's referral."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from doudi.accounts.models import User
from doudi.accounts.roles import Capability
from doudi.accounts.scope import scope_filter
from doudi.core.errors import DomainError
from doudi.core.web import add_domain_error, http_errors, or_404, require_capability
from doudi.monitoring import forms, selectors
from doudi.monitoring.models import AlertStatus
from doudi.monitoring.rules import RULE_BY_CODE
from doudi.monitoring.services.alerts import do_assign_alerts, do_refer_person, do_resolve_alert
from doudi.registry.models import Person

PAGE_SIZE = 25
# The same answer for an unknown ID number and one registered outside the user's region.
NOT_FOUND_PERSON = "公民身份号码：未找到该人员或不在您的管辖范围内。"


def _assignees(user):
    users = scope_filter(user, User.objects.filter(is_active=True).select_related("region"))
    return [
        (u, f"{u.display_name}（{u.get_role_display()}，{u.region.name if u.region else ''}）")
        for u in users.order_by("region_id", "username")
        if u.can(Capability.HANDLE_ALERTS)
    ]


@login_required
@require_capability(Capability.HANDLE_ALERTS)
def inbox(request):
    """Return the open alerts of the user's region, filtered, overdue first, with bulk assignment."""
    user = request.user
    form = forms.AlertFilterForm(request.GET or None)
    filters = {"status": AlertStatus.OPEN}
    if form.is_bound and form.is_valid():
        f = form.cleaned_data
        status = f.get("status") or AlertStatus.OPEN
        filters = {
            "status": "" if status == "all" else status,
            "rule": f.get("rule", ""),
            "alert_class": f.get("alert_class", ""),
            "severity": f.get("severity", ""),
            "due": f.get("due", ""),
        }
    today = timezone.localdate()
    qs = selectors.alert_list(actor=user, today=today, **filters)
    assign_form = forms.AssignForm(assignees=_assignees(user))
    if request.method == "POST":
        assign_form = forms.AssignForm(request.POST, assignees=_assignees(user))
        ids = [int(i) for i in request.POST.getlist("alert") if i.isdigit()]
        if not ids:
            messages.error(request, "请先勾选要分派的预警。")
        elif assign_form.is_valid():
            assignee = User.objects.get(pk=assign_form.cleaned_data["assignee"])
            try:
                n = do_assign_alerts(user, ids, assignee=assignee)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"已将 {n} 条预警分派给 {assignee.display_name}。")
                return redirect(request.get_full_path())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "monitoring/inbox.html",
        {
            "form": form,
            "page": page,
            "rows": page.object_list,
            "today": today,
            "assign_form": assign_form,
            "can_manage_staff": user.can(Capability.MANAGE_STAFF),
        },
    )


@login_required
@require_capability(Capability.HANDLE_ALERTS)
def alert_detail(request, alert_id: int):
    """Return one alert: who, the rule and what it asks, the evidence rows, and the outcome form."""
    alert = or_404(selectors.alert_get, actor=request.user, alert_id=alert_id)
    form = forms.OutcomeForm(request.POST or None, rule=alert.rule)
    if request.method == "POST" and alert.status == AlertStatus.OPEN and form.is_valid():
        try:
            version = int(request.POST.get("version", "0"))
            alert = do_resolve_alert(
                request.user,
                alert,
                outcome=form.cleaned_data["outcome"],
                findings=form.cleaned_data["findings"],
                reason=form.cleaned_data["reason"],
                expected_version=version,
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已记录处理结果：{alert.get_outcome_display()}。")
            return redirect("monitoring:inbox")
    rule = RULE_BY_CODE.get(alert.rule)
    return render(
        request,
        "monitoring/alert_detail.html",
        {
            "alert": alert,
            "rule": rule,
            "form": form,
            "today": timezone.localdate(),
            "can_view_feeds": request.user.can(Capability.VIEW_FEEDS),
        },
    )


@login_required
@http_errors
def overview(request):
    """Return open, overdue and resolved alerts by region and rule, and the monitored population by type."""
    data = selectors.overview(actor=request.user, today=timezone.localdate())
    can_handle = request.user.can(Capability.HANDLE_ALERTS)
    can_run = request.user.can(Capability.RUN_MONITORING) and bool(request.user.region_id)
    return render(
        request,
        "monitoring/overview.html",
        {"data": data, "can_handle_alerts": can_handle, "can_run_monitoring": can_run},
    )


@login_required
@require_POST
@require_capability(Capability.RUN_MONITORING)
def run_now(request):
    """Start the run of the user's region now (after an upload) rather than at night; the worker runs it."""
    from doudi.monitoring.tasks import run_region

    region = request.user.region
    if region is None:
        raise DomainError("not_found", "您的账号未设置所属地区。")
    run_region.enqueue(region.code, None, request.user.pk)
    messages.success(request, f"已提交{region.name}的监测运行：后台执行，通常几分钟内完成，请稍后刷新本页查看结果。")
    return redirect("monitoring:overview")


@login_required
@require_capability(Capability.HANDLE_ALERTS)
def referral(request):
    """Put a person of the user's region under monitoring (其他困难人员)."""
    form = forms.ReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = Person.objects.select_related("household").filter(id_number=form.cleaned_data["id_number"].upper())
        person = person.first()
        try:
            if person is None:
                raise DomainError(
                    "alert_invalid", "公民身份号码：未找到该人员或不在您的管辖范围内。", {"field": "id_number"}
                )
            do_refer_person(request.user, person, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            if exc.code == "not_found":
                exc = DomainError(exc.code, "公民身份号码：未找到该人员或不在您的管辖范围内。", {"field": "id_number"})
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已将 {person.name} 纳入其他困难人员监测。")
            return redirect("monitoring:inbox")
    return render(request, "monitoring/referral.html", {"form": form})


@login_required
@require_capability(Capability.MANAGE_STAFF)
def staff(request):
    """经办人员名单: the county's workers and their declared close relatives (masked), add, end, import."""
    from urllib.parse import quote

    from django.http import HttpResponse

    from doudi.core.spreadsheets import csv_bytes
    from doudi.monitoring.models import StaffMember
    from doudi.monitoring.services import staff as services

    user = request.user
    if request.GET.get("template"):
        response = HttpResponse(csv_bytes(services.template_rows()), content_type="text/csv; charset=utf-8")
        name = quote("经办人员名单模板.csv")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
        return response
    action = request.POST.get("action", "") if request.method == "POST" else ""
    add_form = forms.StaffForm(request.POST if action == "add" else None, prefix="add")
    relative_form = forms.StaffRelativeForm(request.POST if action == "relative" else None, prefix="rel")
    import_form = forms.StaffImportForm(
        request.POST if action == "import" else None, request.FILES if action == "import" else None
    )
    end_form = forms.StaffEndForm(request.POST if action == "end" else None, prefix="end")
    imported = None
    workers = scope_filter(user, StaffMember.objects.filter(relative_of=None).select_related("region"))
    try:
        if action == "add" and add_form.is_valid():
            d = add_form.cleaned_data
            member = services.do_add_staff(
                user, region_code=d["region"], name=d["name"], id_number=d["id_number"], post=d["post"],
                start_on=d["start_on"], end_on=d["end_on"],
            )  # fmt: skip
            messages.success(request, f"已登记 {member.name}（{member.post}）。")
            return redirect("monitoring:staff")
        if action == "relative" and relative_form.is_valid():
            d = relative_form.cleaned_data
            worker = workers.filter(pk=d["worker"]).first()
            if worker is None:
                raise DomainError("staff_invalid", "工作人员：未找到或不在您的管辖范围内。", {"field": "name"})
            member = services.do_add_relative(
                user, worker, name=d["name"], id_number=d["id_number"], relation=d["relation"]
            )
            messages.success(request, f"已登记 {worker.name} 的{member.relation} {member.name}。")
            return redirect("monitoring:staff")
        if action == "end" and end_form.is_valid():
            worker = workers.filter(pk=end_form.cleaned_data["staff"]).first()
            if worker is None:
                raise DomainError("staff_invalid", "工作人员：未找到或不在您的管辖范围内。", {"field": "end_on"})
            services.do_end_staff(user, worker, end_on=end_form.cleaned_data["end_on"])
            messages.success(request, f"已记录 {worker.name} 任职结束。")
            return redirect("monitoring:staff")
        if action == "import" and import_form.is_valid():
            upload = import_form.cleaned_data["file"]
            imported = services.do_import_staff(user, upload, file_name=upload.name)
            (messages.warning if imported.errors else messages.success)(request, imported.message)
    except DomainError as exc:
        form = {"add": add_form, "relative": relative_form, "end": end_form, "import": import_form}[action]
        add_domain_error(form, exc, {"id_number": "id_number", "worker_id_number": "file"})
    query = (request.GET.get("q") or "").strip()
    shown = workers.prefetch_related("relatives")
    if query:
        shown = shown.filter(name__contains=query)
    page = Paginator(shown.order_by("region_id", "name", "id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "monitoring/staff.html",
        {
            "page": page,
            "rows": page.object_list,
            "query": query,
            "add_form": add_form,
            "relative_form": relative_form,
            "import_form": import_form,
            "end_form": end_form,
            "imported": imported,
            "action": action,
            "today": timezone.localdate(),
        },
    )
