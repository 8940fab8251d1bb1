"""Enrolments with their amount history, and the periodic-review tasks with bulk "unchanged"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from doudi.accounts.roles import Capability
from doudi.accounts.scope import check_capability
from doudi.cases import selectors, services
from doudi.cases.models import EnrolmentChange, EnrolmentStatus, Programme, ReviewOutcome
from doudi.cases.services.common import check_step_capability
from doudi.core.errors import DomainError
from doudi.core.masking import mask_id_number
from doudi.core.web import http_errors
from doudi.regions.models import Level
from doudi.registry.forms import region_choices, scoped_regions
from doudi.registry.models import Household, Person

PAGE_SIZE = 25
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SINGLE_OUTCOMES = [c for c in ReviewOutcome.choices if c[0] in ("unchanged", "adjust", "phase_out", "end")]


def _int(value) -> int | None:
    return int(value) if str(value or "").isdigit() else None


STATUS_CHOICES = [(selectors.LIVE, "在保（未停发）"), ("all", "全部"), *EnrolmentStatus.choices]


def _village_choices(user) -> list[tuple[str, str]]:
    regions = scoped_regions(user, levels=(Level.TOWNSHIP, Level.VILLAGE))
    return region_choices(user, regions) if regions else []


@login_required
@http_errors
def enrolment_list(request):
    """The enrolments of the user's region (保障对象): search by name or ID number, village, programme and
    status, with totals (households, persons, monthly amount), the amount history, and an XLSX export."""
    user = request.user
    household_id, person_id = _int(request.GET.get("household")), _int(request.GET.get("person"))
    status = request.GET.get("status", selectors.LIVE)
    programme = request.GET.get("programme", "")
    villages = _village_choices(user)
    region = request.GET.get("region", "")
    region = region if region in {code for code, _ in villages} else ""
    q = request.GET.get("q", "").strip()[:40]
    qs = selectors.enrolment_search(
        actor=user,
        q=q,
        region_code=region,
        household_id=household_id,
        person_id=person_id,
        status=status if status in (selectors.LIVE, *EnrolmentStatus.values) else None,
        programme=programme if programme in Programme.values else None,
    )
    if request.GET.get("export") == "xlsx":
        return _export(request, qs)
    qs = qs.order_by("region_id", "household_id", "programme", "pk")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    changes: dict[int, list] = {}
    for c in EnrolmentChange.objects.filter(enrolment__in=page.object_list).select_related("created_by"):
        changes.setdefault(c.enrolment_id, []).append(c)
    rows = [{"e": e, "changes": changes.get(e.pk, []), "id": mask_id_number(e.person.id_number)} for e in page]
    # The household or person named in the filter, only if the user could see their enrolments.
    household = Household.objects.filter(pk=household_id).first() if household_id and rows else None
    person = Person.objects.filter(pk=person_id).first() if person_id and rows else None
    return render(
        request,
        "cases/enrolment_list.html",
        {
            "page": page,
            "rows": rows,
            "household": household,
            "person": person,
            "statuses": STATUS_CHOICES,
            "programmes": Programme.choices,
            "villages": villages,
            "status": status,
            "programme": programme,
            "region": region,
            "q": q,
            "totals": selectors.enrolment_totals(qs),
            "can_export": user.can(Capability.MANAGE_ENROLMENT),
            "export_query": _query(request, export="xlsx"),
        },
    )


def _query(request, **extra) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    for key, value in extra.items():
        params[key] = value
    return params.urlencode()


def _export(request, qs):
    """Download the search as XLSX (identifiers masked); the export is logged."""
    check_capability(request.user, Capability.MANAGE_ENROLMENT, "您的角色无权导出保障对象名册。")
    from doudi.cases.exports import export_enrolments_xlsx

    search = "，".join(f"{k}={v}" for k, v in request.GET.items() if k not in ("export", "page") and v)
    result = export_enrolments_xlsx(qs, actor=request.user, detail=f"查询条件：{search or '全部'}")
    name = f"保障对象名册-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    return FileResponse(result.file, as_attachment=True, filename=name, content_type=XLSX)


@login_required
def review_list(request):
    """List open review tasks of the region, soonest due first; county reviewers complete them here."""
    qs = selectors.review_task_list(actor=request.user)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/review_list.html",
        {
            "page": page,
            "can_complete": request.user.can(Capability.CONFIRM_CASE),
            "outcomes": SINGLE_OUTCOMES,
            "results": request.session.pop("review_results", None),
            "today": timezone.localdate(),
        },
    )


@login_required
@http_errors
@require_POST
def review_complete(request):
    """Complete the selected reviews "unchanged" (bulk), or one review with another outcome."""
    check_step_capability(request.user, "complete_review")
    single = _int(request.POST.get("task"))
    outcome = request.POST.get("outcome", ReviewOutcome.UNCHANGED) if single else ReviewOutcome.UNCHANGED
    reasons = request.POST.get("reasons", "").strip() if single else ""
    ids = [single] if single else sorted({int(x) for x in request.POST.getlist("tasks") if x.isdigit()})
    if not ids:
        messages.error(request, "请先勾选要办理的复核任务。")
        return redirect("cases:review_list")
    results = []
    for task_id in ids:
        label = f"任务 {task_id}"
        try:
            task = selectors.review_task_get(actor=request.user, task_id=task_id)
            label = f"{task.household.head_name}户（{task.household.number}）"
            touched = services.do_complete_review(request.user, task, outcome=outcome, reasons=reasons)
        except DomainError as exc:
            results.append({"label": label, "ok": False, "message": exc.message})
        else:
            # The enrolments the review ended: each has its 停止社会救助决定书 to print for the family.
            notices = [
                {"pk": e.pk, "label": f"{e.person.name} {e.get_programme_display()}"}
                for e in touched
                if e.status == EnrolmentStatus.ENDED
            ]
            results.append(
                {"label": label, "ok": True, "message": str(ReviewOutcome(outcome).label), "notices": notices}
            )
    done = sum(1 for r in results if r["ok"])
    if done:
        messages.success(request, f"已完成 {done} 项复核。")
    if done < len(results):
        messages.error(request, f"{len(results) - done} 项未能办理，见下方结果。")
    request.session["review_results"] = results
    return redirect("cases:review_list")
